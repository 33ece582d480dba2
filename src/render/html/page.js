// eavesdrop's page script (src/render/html/page.js, embedded by page.rs; the page's
// Content-Security-Policy admits it by its hash and nothing else).
//
// It reads the JSON data elements with textContent + JSON.parse and builds the whole
// document with DOM calls: createElement, textContent, append and setAttribute with
// attribute names written here. Strings from a capture only ever become text nodes or
// attribute values of our own attributes; nothing is parsed as HTML and no event
// handler is set from markup. Trusted Types are enforced by the CSP, so an HTML sink
// would throw rather than run.
'use strict';
(function () {
  const SVGNS = 'http://www.w3.org/2000/svg';
  const ROW = 30; // packet list row height, px (matches .prow in page.css)
  const HEX_ROWS_FIRST = 128; // hex rows drawn before "show all"
  const FLOW_ROWS_FIRST = 1000; // flows table rows drawn before "show more"

  const LEGEND = {
    leak: 'readable, and worth pointing at: addresses, ports, names, credentials',
    header: 'what every router must read to deliver the packet',
    readable: 'content or handshake anyone on the path can read',
    opaque: 'ciphertext, unreadable without the keys',
    undecoded: 'bytes eavesdrop could not classify (never counted as safe)',
  };
  const CLASS_WORDS = {
    credentials: 'credentials readable',
    readable: 'content readable',
    opaque: 'content opaque',
    undecoded: 'content not classified',
    handshake: 'only handshake bytes',
    empty: 'no payload',
  };
  const VIS_OF_LABEL = ['', 'metadata', 'cleartext', 'opaque', 'undecoded'];

  // ---- small helpers -------------------------------------------------------------

  // The data element of an id: `d-` + id (the document's own elements use the bare id).
  function readData(id) {
    const node = document.getElementById('d-' + id);
    if (!node || node.getAttribute('type') !== 'application/json') return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  const FORBIDDEN_ATTR = /^(on|href$|src$|srcdoc$|style$|action$|formaction$|xlink:href$)/i;

  function setAttrs(e, props) {
    if (!props) return e;
    for (const k of Object.keys(props)) {
      const v = props[k];
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') {
        e.textContent = String(v);
      } else if (k === 'cls') {
        e.setAttribute('class', String(v));
      } else {
        if (FORBIDDEN_ATTR.test(k)) throw new Error('attribute not allowed: ' + k);
        e.setAttribute(k, String(v));
      }
    }
    return e;
  }

  function h(tag, props, children) {
    const e = setAttrs(document.createElement(tag), props);
    if (children) for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  function s(tag, props, children) {
    const e = setAttrs(document.createElementNS(SVGNS, tag), props);
    if (children) for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  function grouped(n) {
    const t = String(Math.trunc(n));
    let out = '';
    for (let i = 0; i < t.length; i++) {
      if (i > 0 && (t.length - i) % 3 === 0) out += ',';
      out += t[i];
    }
    return out;
  }

  function bytesWord(n) {
    return n === 1 ? '1 byte' : grouped(n) + ' bytes';
  }

  function plural(n, noun) {
    return grouped(n) + ' ' + noun + (n === 1 ? '' : 's');
  }

  function pct(part, total) {
    if (!total) return '0%';
    const p = (100 * part) / total;
    if (p > 0 && p < 0.1) return '<0.1%';
    return (p >= 10 ? p.toFixed(0) : p.toFixed(1)) + '%';
  }

  function sum(a) {
    let t = 0;
    for (const x of a) t += x;
    return t;
  }

  function endpoint(e) {
    return e.ip.indexOf(':') >= 0 ? '[' + e.ip + ']:' + e.port : e.ip + ':' + e.port;
  }

  function seconds(us) {
    return (us / 1e6).toFixed(6);
  }

  function durationWord(us) {
    if (us < 1000) return '+' + us + ' µs';
    if (us < 1e6) return '+' + (us / 1000).toFixed(1) + ' ms';
    return '+' + (us / 1e6).toFixed(2) + ' s';
  }

  function decodeBase64(text) {
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function hex2(b) {
    return (b < 16 ? '0' : '') + b.toString(16);
  }

  function isTyping(target) {
    const t = target && target.tagName;
    return t === 'INPUT' || t === 'SELECT' || t === 'TEXTAREA';
  }

  // A label swatch with its mask symbol, so no label depends on colour alone.
  function swatch(labels, i) {
    return h('span', { cls: 'sw l' + i, 'aria-hidden': 'true', text: labels[i].symbol });
  }

  // A stacked bar of counts per label; each segment patterned as well as coloured.
  function stackBar(labels, counts, what, cls) {
    const total = sum(counts);
    const parts = [];
    const bar = h('div', { cls: 'stack ' + (cls || ''), role: 'img' });
    counts.forEach((n, i) => {
      if (!n) return;
      const seg = h('span', { cls: 'seg l' + i, title: labels[i].word + ': ' + bytesWord(n) });
      seg.style.width = ((100 * n) / total).toFixed(3) + '%';
      bar.append(seg);
      parts.push(labels[i].word + ' ' + pct(n, total));
    });
    bar.setAttribute('aria-label', what + ': ' + (parts.join(', ') || 'none'));
    return bar;
  }

  // The class of an arrow or packet: what an observer could read of its payload.
  function arrowClass(payload, c) {
    if (!payload) return 1;
    if (c[0] > 0) return 0;
    if (c[2] > 0) return 2;
    if (c[3] > 0) return 3;
    if (c[4] > 0) return 4;
    return 1;
  }

  // ---- the page --------------------------------------------------------------------

  const page = readData('page');
  const app = document.getElementById('app');
  if (!page || !app) return;
  const labels = page.labels;
  const sections = [];
  let active = null;

  function header() {
    const head = h('header', { cls: 'top' });
    head.append(h('h1', { text: page.title }));
    for (const p of page.intro) head.append(h('p', { cls: 'intro', text: p }));
    const legend = h('ul', { cls: 'legend', 'aria-label': 'What the labels mean' });
    labels.forEach((l, i) => {
      legend.append(
        h('li', null, [swatch(labels, i), ' ', h('strong', { text: l.word }), ' — ' + LEGEND[l.word]])
      );
    });
    head.append(legend);
    head.append(
      h('p', {
        cls: 'keys',
        text:
          'Keys: j / k or ↑ / ↓ move through packets (in the packet list), ← → ↑ ↓ move ' +
          'through bytes (in the hex view), Enter opens a flow or packet. Hover or focus a ' +
          'byte to see its field.',
      })
    );
    if (page.sections.length > 1) {
      const nav = h('nav', { cls: 'toc', 'aria-label': 'Captures on this page' });
      page.sections.forEach((m, i) => {
        const b = h('button', { type: 'button', text: m.title });
        b.addEventListener('click', () => {
          const target = document.getElementById(m.id);
          if (target) target.scrollIntoView({ behavior: 'smooth', block: 'start' });
          if (sections[i]) active = sections[i];
        });
        nav.append(b);
      });
      head.append(nav);
    }
    return head;
  }

  function outro(o) {
    const sec = h('section', { cls: 'outro', 'aria-label': o.title });
    sec.append(h('h2', { text: o.title }));
    const table = h('table', { cls: 'outro-table' });
    const tr = h('tr');
    for (const c of o.columns) tr.append(h('th', { scope: 'col', text: c }));
    table.append(h('thead', null, [tr]));
    const body = h('tbody');
    for (const r of o.rows) {
      const row = h('tr');
      r.forEach((c, i) => row.append(h(i === 0 ? 'th' : 'td', i === 0 ? { scope: 'row', text: c } : { text: c })));
      body.append(row);
    }
    table.append(body);
    sec.append(h('div', { cls: 'scroll' }, [table]));
    if (o.text) sec.append(h('p', { text: o.text }));
    return sec;
  }

  // ---- one capture ---------------------------------------------------------------

  function Section(meta) {
    const st = this;
    const d = readData(meta.id);
    st.meta = meta;
    st.d = d;
    st.root = h('section', { cls: 'capture', id: meta.id, 'aria-labelledby': meta.id + '-h' });
    st.root.append(h('h2', { id: meta.id + '-h', text: meta.title }));
    for (const p of meta.intro) st.root.append(h('p', { cls: 'intro', text: p }));
    if (!d) {
      st.root.append(h('p', { cls: 'warn', text: 'The data of this capture could not be read.' }));
      return;
    }
    st.flowById = new Map();
    for (const f of d.flows) st.flowById.set(f.id, f);
    st.packetIndex = new Map();
    d.packets.forEach((p, i) => st.packetIndex.set(p.n, i));
    st.selectedFlow = null;
    st.selectedPacket = -1;
    st.view = d.packets.map((_, i) => i); // packet list rows: indexes into d.packets
    st.root.addEventListener('focusin', () => (active = st));
    st.root.addEventListener('pointerdown', () => (active = st));

    st.root.append(st.totals());
    st.root.append(st.flowsPart());
    st.root.append(st.packetsPart());
    if (d.flows.length > 0) {
      // Start on the flow an observer learned most from: credentials, then content.
      const order = page.classes;
      let best = d.flows[0];
      for (const f of d.flows) if (order.indexOf(f.class) < order.indexOf(best.class)) best = f;
      st.selectFlow(best.id, false);
    }
    if (d.packets.length > 0) {
      // Start on the first packet that gives a name or a secret away, else the first.
      let first = d.packets.findIndex((p) => p.notable);
      st.selectPacket(first < 0 ? 0 : first, true);
    }
  }

  Section.prototype.totals = function () {
    const d = this.d;
    const sm = d.summary;
    const box = h('div', { cls: 'totals' });
    box.append(h('h3', { text: 'What an observer saw' }));
    const bytes = labels.map((l) => sm.bytes[l.word]);
    const payload = labels.map((l) => sm.payload[l.word]);
    const facts = [
      plural(sm.frames, 'frame'),
      plural(sm.flows, 'flow') + ' (' + grouped(sm.tcp_flows) + ' TCP, ' + grouped(sm.udp_flows) + ' UDP, ' + grouped(sm.tls_flows) + ' TLS)',
      bytesWord(sum(bytes)) + ' captured',
    ];
    if (sm.start) facts.push('from ' + sm.start);
    box.append(h('p', { cls: 'facts', text: facts.join(' · ') }));

    const bars = h('div', { cls: 'bars' });
    const barRow = (what, counts) => {
      const total = sum(counts);
      const list = h('ul', { cls: 'counts' });
      counts.forEach((n, i) => {
        list.append(
          h('li', { cls: n ? '' : 'zero' }, [swatch(labels, i), ' ' + labels[i].word + ' ', h('strong', { text: bytesWord(n) }), ' (' + pct(n, total) + ')'])
        );
      });
      return h('figure', { cls: 'bar' }, [h('figcaption', { text: what }), stackBar(labels, counts, what, 'big'), list]);
    };
    bars.append(barRow('All captured bytes, by label', bytes));
    bars.append(barRow('Transport payload, by label', payload));
    box.append(bars);

    const verdicts = h('p', { cls: 'verdicts' }, [h('strong', { text: 'Flows by verdict: ' })]);
    let any = false;
    for (const c of page.classes) {
      const n = d.classes[c] || 0;
      if (!n) continue;
      any = true;
      verdicts.append(h('span', { cls: 'chip v-' + c, text: grouped(n) + ' ' + CLASS_WORDS[c] }), ' ');
    }
    if (!any) verdicts.append('no flows');
    box.append(verdicts);

    const names = h('div', { cls: 'names' });
    names.append(h('strong', { text: 'Names an observer learned: ' }));
    if (d.names.length === 0) names.append('none');
    const list = h('ul', { cls: 'chips' });
    for (const n of d.names) {
      list.append(h('li', { cls: 'chip name' }, [h('span', { cls: 'nm', text: n.name }), h('span', { cls: 'src', text: ' ' + n.sources.join(', ') + (n.flows > 1 ? ' · ' + plural(n.flows, 'flow') : '') })]));
    }
    names.append(list);
    if (d.left_out.names) names.append(h('p', { cls: 'note', text: plural(d.left_out.names, 'more name') + ' not listed.' }));
    box.append(names);

    const lo = d.left_out;
    const notes = [];
    if (lo.frames > 0) {
      let t =
        'Packet detail is embedded for ' + grouped(lo.frames_total - lo.frames) + ' of ' + plural(lo.frames_total, 'frame') +
        ': the first ' + grouped(lo.frames_first);
      if (lo.frames_late) t += ' and ' + grouped(lo.frames_late) + ' later frames that carry a name, a credential or another leak beyond addresses and ports';
      t +=
        '. ' + plural(lo.frames, 'frame') + ' left out (at most --max-frames ' + grouped(lo.max_frames) + ' frames and ' +
        grouped(Math.round(lo.max_bytes / 1048576)) + ' MiB of their bytes are embedded); the totals, the flows and their ladders cover every frame.';
      notes.push(t);
    }
    if (lo.flows > 0) {
      notes.push(
        plural(lo.flows, 'flow') + ' not listed: the page lists the first ' + grouped(lo.max_flows) +
          ' (by first appearance); the totals count every flow, and `eavesdrop flows` lists them all.'
      );
    }
    if (lo.warnings > 0) notes.push(plural(lo.warnings, 'more warning') + ' not shown.');
    for (const t of notes) box.append(h('p', { cls: 'leftout', role: 'note', text: t }));
    if (d.warnings.length) {
      const w = h('ul', { cls: 'warnings', 'aria-label': 'Warnings' });
      for (const t of d.warnings) w.append(h('li', { text: t }));
      box.append(w);
    }
    return box;
  };

  // ---- flows -----------------------------------------------------------------------

  const FLOW_COLUMNS = [
    { key: 'id', title: '#', num: true, get: (f) => f.id },
    { key: 'ends', title: 'client → server', get: (f) => endpoint(f.client) + ' → ' + endpoint(f.server) },
    { key: 'stack', title: 'stack', get: (f) => f.stack.join(' › ') },
    { key: 'packets', title: 'packets →/←', num: true, get: (f) => f.to_server.packets + f.to_client.packets },
    { key: 'bytes', title: 'bytes', num: true, get: (f) => f.to_server.bytes + f.to_client.bytes },
    { key: 'payload', title: 'payload (readable first)', num: true, get: (f) => f.to_server.plaintext + f.to_client.plaintext },
    { key: 'verdict', title: 'verdict', get: (f) => f.verdict },
  ];

  Section.prototype.flowsPart = function () {
    const st = this;
    const d = st.d;
    const box = h('div', { cls: 'flows' });
    box.append(h('h3', { text: 'Flows' }));
    const controls = h('div', { cls: 'controls' });
    const select = h('select', { id: st.meta.id + '-filter', 'aria-label': 'Show flows' });
    select.append(h('option', { value: '', text: 'all flows (' + grouped(d.flows.length) + ')' }));
    for (const c of page.classes) {
      const n = d.flows.filter((f) => f.class === c).length;
      if (n) select.append(h('option', { value: c, text: CLASS_WORDS[c] + ' (' + grouped(n) + ')' }));
    }
    controls.append(h('label', { for: st.meta.id + '-filter', text: 'Show ' }), select);
    box.append(controls);
    const table = h('table', { cls: 'flow-table' });
    const headRow = h('tr');
    st.sort = { key: 'id', dir: 1 };
    const ths = [];
    for (const col of FLOW_COLUMNS) {
      const b = h('button', { type: 'button', cls: 'sort', text: col.title });
      const th = h('th', { scope: 'col', 'aria-sort': col.key === 'id' ? 'ascending' : 'none' }, [b]);
      b.addEventListener('click', () => {
        st.sort = { key: col.key, dir: st.sort.key === col.key ? -st.sort.dir : col.num ? -1 : 1 };
        ths.forEach((t) => t.setAttribute('aria-sort', 'none'));
        th.setAttribute('aria-sort', st.sort.dir > 0 ? 'ascending' : 'descending');
        st.renderFlows();
      });
      ths.push(th);
      headRow.append(th);
    }
    table.append(h('thead', null, [headRow]));
    st.flowBody = h('tbody');
    table.append(st.flowBody);
    box.append(h('div', { cls: 'scroll' }, [table]));
    st.flowMore = h('p', { cls: 'more' });
    box.append(st.flowMore);
    select.addEventListener('change', () => {
      st.filter = select.value;
      st.flowLimit = FLOW_ROWS_FIRST;
      st.renderFlows();
    });
    st.filter = '';
    st.flowLimit = FLOW_ROWS_FIRST;
    st.flowFacts = h('div', { cls: 'flow-facts', 'aria-live': 'polite' });
    box.append(st.flowFacts);
    st.renderFlows();
    return box;
  };

  Section.prototype.renderFlows = function () {
    const st = this;
    const col = FLOW_COLUMNS.find((c) => c.key === st.sort.key) || FLOW_COLUMNS[0];
    const rows = st.d.flows.filter((f) => !st.filter || f.class === st.filter);
    rows.sort((a, b) => {
      const x = col.get(a);
      const y = col.get(b);
      const c = typeof x === 'number' ? x - y : String(x).localeCompare(String(y));
      return (c || a.id - b.id) * (c ? st.sort.dir : 1);
    });
    st.flowBody.replaceChildren();
    const shown = rows.slice(0, st.flowLimit);
    for (const f of shown) st.flowBody.append(st.flowRow(f));
    st.flowMore.replaceChildren();
    if (rows.length > shown.length) {
      const b = h('button', { type: 'button', text: 'show ' + grouped(Math.min(FLOW_ROWS_FIRST, rows.length - shown.length)) + ' more of ' + grouped(rows.length - shown.length) });
      b.addEventListener('click', () => {
        st.flowLimit += FLOW_ROWS_FIRST;
        st.renderFlows();
      });
      st.flowMore.append(b);
    }
    if (rows.length === 0) st.flowBody.append(h('tr', null, [h('td', { colspan: FLOW_COLUMNS.length, text: 'No flow.' })]));
  };

  Section.prototype.flowRow = function (f) {
    const st = this;
    const payload = labels.map((l) => f.to_server.payload[l.word] + f.to_client.payload[l.word]);
    const tr = h('tr', { tabindex: '0', cls: 'flow-row v-' + f.class + (st.selectedFlow === f.id ? ' sel' : ''), 'data-flow': f.id, 'aria-selected': st.selectedFlow === f.id ? 'true' : 'false' }, [
      h('td', { cls: 'num', text: f.id }),
      h('td', { cls: 'ends', text: endpoint(f.client) + ' → ' + endpoint(f.server) }),
      h('td', { text: f.stack.join(' › ') }),
      h('td', { cls: 'num', text: grouped(f.to_server.packets) + ' / ' + grouped(f.to_client.packets) }),
      h('td', { cls: 'num', text: grouped(f.to_server.bytes + f.to_client.bytes) }),
      h('td', { cls: 'minibar' }, [stackBar(labels, payload, 'payload of flow ' + f.id, 'mini')]),
      h('td', { cls: 'verdict' }, [h('span', { cls: 'chip v-' + f.class, text: CLASS_WORDS[f.class] }), ' ', f.verdict]),
    ]);
    const open = () => st.selectFlow(f.id, true);
    tr.addEventListener('click', open);
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        open();
      } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const next = e.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling;
        if (next) next.focus();
      }
    });
    return tr;
  };

  Section.prototype.selectFlow = function (id, scroll) {
    const st = this;
    const f = st.flowById.get(id);
    if (!f) return;
    st.selectedFlow = id;
    for (const tr of st.flowBody.querySelectorAll('tr.flow-row')) {
      const on = Number(tr.getAttribute('data-flow')) === id;
      tr.classList.toggle('sel', on);
      tr.setAttribute('aria-selected', on ? 'true' : 'false');
    }
    st.flowFacts.replaceChildren(st.facts(f), st.ladder(f));
    if (st.onlyFlow && st.onlyFlow.checked) st.filterPackets();
    if (st.onlyFlowLabel) st.onlyFlowLabel.textContent = ' only packets of flow ' + id;
    if (scroll) st.flowFacts.scrollIntoView({ block: 'nearest' });
  };

  Section.prototype.facts = function (f) {
    const box = h('div', { cls: 'facts-box' });
    box.append(h('h4', { text: 'Flow ' + f.id + ': ' + endpoint(f.client) + ' → ' + endpoint(f.server) + ' (' + f.transport.toUpperCase() + ', ' + f.end + ')' }));
    const dl = h('dl');
    const row = (k, v) => {
      if (v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) return;
      dl.append(h('dt', { text: k }));
      if (Array.isArray(v)) {
        const ul = h('ul');
        for (const x of v) ul.append(h('li', { text: x }));
        dl.append(h('dd', null, [ul]));
      } else {
        dl.append(h('dd', { text: v }));
      }
    };
    row('verdict', f.verdict);
    row('stack', f.stack.join(' › '));
    if (f.tls) {
      const t = f.tls;
      row('TLS', [t.version ? t.version.name : 'version not seen', t.cipher ? t.cipher.name : null].filter(Boolean).join(', '));
      row('server name (SNI)', t.sni);
      row('ALPN', t.alpn || (t.alpn_offered.length ? t.alpn_offered.join(', ') + ' (offered)' : null));
      row('certificates', t.certificates.map((c) => c.subject + ' (issuer ' + c.issuer + ')'));
      row('JA4', t.ja4);
    }
    if (f.protection) row('protection', [f.protection.protocol, f.protection.cipher, f.protection.mac].filter(Boolean).join(', '));
    row('names', f.names.map((n) => n.name + ' (' + n.source + ', frame ' + n.frame + ')'));
    const leaks = f.leaks.map((l) => l.kind + ': ' + l.value + ' (frame ' + l.frame + ')');
    if (f.leaks_dropped) leaks.push(plural(f.leaks_dropped, 'more leak'));
    row('leaks', leaks);
    row('encrypted conversation', f.conversation);
    row('record sizes →', f.to_server.sizes.join(', '));
    row('record sizes ←', f.to_client.sizes.join(', '));
    const dk = Object.keys(f.details);
    row('details', dk.map((k) => k + ' = ' + f.details[k]));
    if (f.notes) row('notes', plural(f.notes, 'note') + ' on its frames');
    box.append(dl);
    return box;
  };

  // The ladder: the two endpoints, one arrow per packet (the first and last ones of a
  // long flow), coloured and patterned by what an observer could read of it; the
  // encrypted part of the flow on a hatched background below a rule.
  Section.prototype.ladder = function (f) {
    const st = this;
    const L = f.ladder;
    const items = L.head.slice();
    if (L.omitted > 0) items.push({ gap: true });
    for (const a of L.tail) items.push(a);
    const W = 1200;
    const left = 190;
    const right = 1150;
    const maxChars = Math.floor((right - left - 30) / 8.6);
    const top = 56;
    const rowH = 38;
    const band = 24; // room for the words above the encrypted part
    const messages = new Map();
    for (const m of f.messages) messages.set(m.frame, m);
    const svg = s('svg', {
      cls: 'ladder',
      width: W,
      role: 'group',
      'aria-label': 'Ladder diagram of flow ' + f.id + ': ' + plural(f.to_server.packets + f.to_client.packets, 'packet'),
    });
    let enc = -1;
    items.forEach((a, i) => {
      if (enc < 0 && !a.gap && a.c[3] > 0) enc = i;
    });
    const y = (i) => top + i * rowH + rowH / 2 + (enc >= 0 && i >= enc ? band : 0);
    const height = top + items.length * rowH + 20 + (enc >= 0 ? band : 0);
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + height);
    svg.setAttribute('height', height);
    if (enc >= 0) {
      const y0 = y(enc) - rowH / 2 - band;
      svg.append(s('rect', { cls: 'enc-zone', x: 0, y: y0, width: W, height: height - y0 }));
      svg.append(s('line', { cls: 'enc-rule', x1: 0, x2: W, y1: y0, y2: y0 }));
      svg.append(s('text', { cls: 'zone-word', x: 8, y: y0 + 16, text: 'encrypted from here' }));
      if (enc > 0) svg.append(s('text', { cls: 'zone-word', x: 8, y: top - 4, text: 'handshake, in the clear' }));
    } else {
      svg.append(s('text', { cls: 'zone-word', x: 8, y: top - 4, text: 'nothing encrypted' }));
    }
    // The endpoints' names end at the diagram's edges, so a long (IPv6) one still fits.
    svg.append(s('text', { cls: 'end-name', x: 8, y: 20, 'text-anchor': 'start', text: 'client ' + endpoint(f.client) }));
    svg.append(s('text', { cls: 'end-name', x: W - 8, y: 20, 'text-anchor': 'end', text: 'server ' + endpoint(f.server) }));
    svg.append(s('line', { cls: 'life', x1: left, x2: left, y1: 28, y2: height - 8 }));
    svg.append(s('line', { cls: 'life', x1: right, x2: right, y1: 28, y2: height - 8 }));
    items.forEach((a, i) => {
      const yy = y(i);
      if (a.gap) {
        svg.append(s('text', { cls: 'gap', x: (left + right) / 2, y: yy + 5, 'text-anchor': 'middle', text: '⋮ ' + plural(L.omitted, 'more packet') + ' (' + bytesWord(L.omitted_bytes) + ') ⋮' }));
        return;
      }
      const k = arrowClass(a.p, a.c);
      const toServer = a.d === 0;
      const x1 = toServer ? left : right;
      const x2 = toServer ? right : left;
      const tip = toServer ? -12 : 12;
      const m = messages.get(a.f);
      let tail = '';
      if (a.p > 0 && a.s.indexOf('byte') < 0) tail += ' · ' + bytesWord(a.p);
      if (m) tail += ' · message: ' + (m.plaintext_len.min === m.plaintext_len.max ? bytesWord(m.plaintext_len.max) : '≤ ' + bytesWord(m.plaintext_len.max));
      let text = labels[k].symbol + ' #' + a.f + ' ' + a.s;
      if (text.length + tail.length > maxChars) text = text.slice(0, Math.max(10, maxChars - tail.length - 1)) + '…';
      text += tail;
      const embedded = st.packetIndex.has(a.f);
      const g = s('g', {
        cls: 'arrow k' + k + (embedded ? ' link' : ''),
        'data-frame': a.f,
        tabindex: embedded ? '0' : null,
        role: embedded ? 'button' : null,
        'aria-label': 'frame ' + a.f + (toServer ? ', client to server: ' : ', server to client: ') + a.s + ', ' + labels[k].word,
      });
      g.append(s('title', { text: 'frame ' + a.f + ' · ' + bytesWord(a.w) + ' on the wire · payload ' + labels.map((l, j) => l.word + ' ' + a.c[j]).join(', ') }));
      if (k === 0) g.append(s('line', { cls: 'under', x1: x1, x2: x2 + tip, y1: yy, y2: yy }));
      g.append(s('line', { cls: 'shaft', x1: x1, x2: x2 + tip, y1: yy, y2: yy }));
      g.append(s('polygon', { cls: 'head', points: x2 + ',' + yy + ' ' + (x2 + tip) + ',' + (yy - 7) + ' ' + (x2 + tip) + ',' + (yy + 7) }));
      g.append(s('text', { cls: 'what', x: (left + right) / 2, y: yy - 7, 'text-anchor': 'middle', text: text }));
      g.append(s('text', { cls: 'when', x: left - 14, y: yy + 5, 'text-anchor': 'end', text: durationWord(a.t) }));
      if (embedded) {
        const go = () => {
          st.selectPacketByFrame(a.f);
          if (st.detail) st.detail.scrollIntoView({ block: 'nearest' });
        };
        g.addEventListener('click', go);
        g.addEventListener('keydown', (e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            go();
          }
        });
      }
      svg.append(g);
    });
    const legend = h('p', { cls: 'ladder-legend' }, ['Arrows: ']);
    labels.forEach((l, i) => {
      const words = ['carries a leak', 'no payload (headers only)', 'readable payload', 'opaque payload', 'undecoded payload'];
      legend.append(h('span', { cls: 'll k' + i }, [swatch(labels, i), ' ' + words[i]]), ' ');
    });
    return h('figure', { cls: 'ladder-box' }, [h('div', { cls: 'scroll' }, [svg]), legend]);
  };

  // ---- packets ---------------------------------------------------------------------

  Section.prototype.packetsPart = function () {
    const st = this;
    const d = st.d;
    const box = h('div', { cls: 'packets' });
    box.append(h('h3', { text: 'Packets' }));
    const controls = h('div', { cls: 'controls' });
    st.onlyFlow = h('input', { type: 'checkbox', id: st.meta.id + '-only' });
    st.onlyFlowLabel = h('span', { text: ' only packets of the selected flow' });
    controls.append(h('label', { for: st.meta.id + '-only' }, [st.onlyFlow, st.onlyFlowLabel]));
    st.onlyFlow.addEventListener('change', () => st.filterPackets());
    st.maskBox = h('input', { type: 'checkbox', id: st.meta.id + '-mask', checked: 'checked' });
    controls.append(h('label', { for: st.meta.id + '-mask' }, [st.maskBox, ' label symbols under the hex']));
    st.maskBox.addEventListener('change', () => st.root.classList.toggle('nomask', !st.maskBox.checked));
    box.append(controls);
    if (d.packets.length === 0) {
      box.append(h('p', { text: 'No packet detail embedded.' }));
      return box;
    }
    st.list = h('div', { cls: 'plist', tabindex: '0', role: 'listbox', 'aria-label': 'Packets (j/k or arrows to move)' });
    st.spacer = h('div', { cls: 'spacer' });
    st.list.append(st.spacer);
    st.list.addEventListener('scroll', () => st.renderList());
    st.list.addEventListener('keydown', (e) => st.listKey(e));
    st.list.addEventListener('click', (e) => {
      const row = e.target.closest('.prow');
      if (row) st.selectPacket(Number(row.getAttribute('data-row')), false);
    });
    box.append(st.list);
    st.detail = h('div', { cls: 'pdetail', 'aria-live': 'polite' });
    box.append(st.detail);
    st.sizeList();
    return box;
  };

  Section.prototype.filterPackets = function () {
    const st = this;
    const only = st.onlyFlow.checked && st.selectedFlow !== null;
    st.view = [];
    st.d.packets.forEach((p, i) => {
      if (!only || p.flow === st.selectedFlow) st.view.push(i);
    });
    st.sizeList();
    const at = st.view.indexOf(st.selectedPacket);
    if (at >= 0) st.scrollToRow(at);
  };

  Section.prototype.sizeList = function () {
    const st = this;
    if (!st.list) return;
    st.list.style.height = Math.min(Math.max(st.view.length, 1), 12) * ROW + 4 + 'px';
    st.spacer.style.height = st.view.length * ROW + 'px';
    st.renderList();
  };

  // Draws only the rows in view (and a few around them): the list stays fast with tens
  // of thousands of packets.
  Section.prototype.renderList = function () {
    const st = this;
    const d = st.d;
    const first = Math.max(0, Math.floor(st.list.scrollTop / ROW) - 5);
    const count = Math.ceil((st.list.clientHeight || 12 * ROW) / ROW) + 10;
    const last = Math.min(st.view.length, first + count);
    const rows = [];
    for (let r = first; r < last; r++) {
      const i = st.view[r];
      const p = d.packets[i];
      const k = arrowClass(p.payload, p.pcounts);
      const row = h('div', {
        cls: 'prow' + (i === st.selectedPacket ? ' sel' : ''),
        role: 'option',
        id: st.meta.id + '-row-' + i,
        'data-row': i,
        'aria-selected': i === st.selectedPacket ? 'true' : 'false',
      }, [
        h('span', { cls: 'pn', text: p.n }),
        h('span', { cls: 'pt', text: seconds(p.t) }),
        h('span', { cls: 'pk' }, [swatch(labels, k)]),
        h('span', { cls: 'pl', text: p.line + (p.desc ? ': ' + p.desc : '') }),
        p.notes ? h('span', { cls: 'pnote', text: '⚑ ' + p.notes, title: plural(p.notes, 'note') }) : null,
      ]);
      row.style.top = r * ROW + 'px';
      rows.push(row);
    }
    st.spacer.replaceChildren(...rows);
    if (st.selectedPacket >= 0) st.list.setAttribute('aria-activedescendant', st.meta.id + '-row-' + st.selectedPacket);
  };

  Section.prototype.scrollToRow = function (r) {
    const st = this;
    const top = r * ROW;
    const view = st.list.clientHeight || 12 * ROW;
    if (top < st.list.scrollTop) st.list.scrollTop = top;
    else if (top + ROW > st.list.scrollTop + view) st.list.scrollTop = top + ROW - view;
    st.renderList();
  };

  Section.prototype.listKey = function (e) {
    const st = this;
    const moves = { ArrowDown: 1, j: 1, ArrowUp: -1, k: -1, PageDown: 10, PageUp: -10 };
    let step = moves[e.key];
    if (e.key === 'Home') step = -Infinity;
    if (e.key === 'End') step = Infinity;
    if (step === undefined) {
      if (e.key === 'Enter' && st.detail) {
        const cell = st.detail.querySelector('.hexbody .b[tabindex="0"]');
        if (cell) cell.focus();
        e.preventDefault();
      }
      return;
    }
    e.preventDefault();
    e.stopPropagation();
    st.move(step);
  };

  Section.prototype.move = function (step) {
    const st = this;
    if (!st.view.length) return;
    let r = st.view.indexOf(st.selectedPacket);
    if (r < 0) r = 0;
    else r = Math.max(0, Math.min(st.view.length - 1, r + (Number.isFinite(step) ? step : step > 0 ? st.view.length : -st.view.length)));
    st.selectPacket(st.view[r], true);
  };

  Section.prototype.selectPacketByFrame = function (n) {
    const i = this.packetIndex.get(n);
    if (i !== undefined) this.selectPacket(i, true);
  };

  Section.prototype.selectPacket = function (i, scroll) {
    const st = this;
    const p = st.d.packets[i];
    if (!p || !st.list) return;
    st.selectedPacket = i;
    const r = st.view.indexOf(i);
    if (r >= 0 && scroll) st.scrollToRow(r);
    else st.renderList();
    st.showDetail(p);
  };

  // ---- one packet: its line, notes, and every byte with its label and field ----------

  Section.prototype.showDetail = function (p) {
    const st = this;
    const d = readData(st.meta.id + '-f' + p.n);
    st.detail.replaceChildren();
    const head = h('div', { cls: 'phead' });
    head.append(h('h4', { text: 'Frame ' + p.n }));
    head.append(h('p', { cls: 'line', text: p.line + (p.desc ? ': ' + p.desc : '') }));
    const facts = [];
    if (d && d.time) facts.push(d.time);
    facts.push(bytesWord(p.len) + ' on the wire' + (d && d.caplen !== p.len ? ', ' + grouped(d.caplen) + ' captured' : ''));
    facts.push(labels.map((l, j) => (p.counts[j] ? l.word + ' ' + grouped(p.counts[j]) : null)).filter(Boolean).join(', '));
    head.append(h('p', { cls: 'pfacts', text: facts.join(' · ') }));
    if (p.flow !== null && p.flow !== undefined && st.flowById.has(p.flow)) {
      const b = h('button', { type: 'button', cls: 'flowlink', text: 'flow ' + p.flow + (p.dir === 0 ? ', client → server' : ', server → client') });
      b.addEventListener('click', () => st.selectFlow(p.flow, true));
      head.append(b);
    }
    st.detail.append(head);
    if (!d) {
      st.detail.append(h('p', { cls: 'warn', text: 'The detail of this frame could not be read.' }));
      return;
    }
    const bytes = decodeBase64(d.data);
    const labelOf = new Uint8Array(bytes.length).fill(4);
    for (let j = 0, at = 0; j + 1 < d.runs.length; j += 2) {
      labelOf.fill(d.runs[j + 1], at, Math.min(bytes.length, at + d.runs[j]));
      at += d.runs[j];
    }
    const view = { d, bytes, labelOf, cells: [], asc: [], mask: [], lit: [], focus: 0 };
    if (d.notes.length) {
      const ul = h('ul', { cls: 'notes', 'aria-label': 'Notes' });
      for (const n of d.notes) {
        const li = h('li', { cls: 'note-' + n.severity, tabindex: n.start !== null ? '0' : null }, [h('strong', { text: n.severity + ' (' + n.group + '): ' }), n.text, n.start !== null ? ' [bytes ' + n.start + '–' + (n.end - 1) + ']' : '']);
        if (n.start !== null) {
          const on = () => st.light(view, n.start, n.end);
          li.addEventListener('mouseenter', on);
          li.addEventListener('focus', on);
        }
        ul.append(li);
      }
      st.detail.append(ul);
    }
    if (d.records.length) {
      const ul = h('ul', { cls: 'records', 'aria-label': 'Records' });
      for (const r of d.records) {
        let t = r.protocol + ' ' + r.type + ', ' + bytesWord(r.length) + (r.encrypted ? ', encrypted' : '');
        if (r.plaintext_len) t += ': plaintext ' + (r.plaintext_len.min === r.plaintext_len.max ? bytesWord(r.plaintext_len.max) : grouped(r.plaintext_len.min) + '–' + bytesWord(r.plaintext_len.max));
        ul.append(h('li', { text: t }));
      }
      st.detail.append(ul);
    }
    const wrap = h('div', { cls: 'hexwrap' });
    const grid = h('div', { cls: 'hexbody', role: 'grid', 'aria-label': 'Bytes of frame ' + p.n + ' (arrows move, hover or focus shows the field)' });
    view.grid = grid;
    const field = h('aside', { cls: 'field', 'aria-live': 'polite', 'aria-label': 'Field of the byte under the pointer or focus' });
    view.field = field;
    const rows = Math.ceil(bytes.length / 16);
    const drawRows = (from, to) => {
      for (let r = from; r < to; r++) grid.append(...st.hexRow(view, r));
    };
    drawRows(0, Math.min(rows, HEX_ROWS_FIRST));
    wrap.append(grid, field);
    st.detail.append(wrap);
    if (rows > HEX_ROWS_FIRST) {
      const more = h('button', { type: 'button', text: 'show the other ' + grouped(rows - HEX_ROWS_FIRST) + ' rows (' + bytesWord(bytes.length - HEX_ROWS_FIRST * 16) + ')' });
      more.addEventListener('click', () => {
        drawRows(HEX_ROWS_FIRST, rows);
        more.remove();
      });
      st.detail.append(more);
    }
    grid.addEventListener('mouseover', (e) => {
      const i = e.target.getAttribute && e.target.getAttribute('data-i');
      if (i !== null && i !== undefined) st.showField(view, Number(i));
    });
    grid.addEventListener('mouseleave', () => st.showField(view, view.focus));
    grid.addEventListener('focusin', (e) => {
      const i = e.target.getAttribute('data-i');
      if (i !== null) {
        view.focus = Number(i);
        st.showField(view, view.focus);
      }
    });
    grid.addEventListener('keydown', (e) => st.hexKey(view, e));
    if (bytes.length) st.showField(view, st.firstInteresting(view));
  };

  Section.prototype.hexRow = function (view, r) {
    const { bytes, labelOf } = view;
    const start = r * 16;
    const end = Math.min(bytes.length, start + 16);
    const hexCells = h('span', { cls: 'hx', role: 'row' });
    const ascCells = h('span', { cls: 'as' });
    const maskCells = h('span', { cls: 'mk', 'aria-hidden': 'true' });
    for (let i = start; i < start + 16; i++) {
      if (i >= end) {
        hexCells.append(h('span', { cls: 'pad', text: '  ' }));
        maskCells.append(h('span', { cls: 'pad', text: '  ' }));
        continue;
      }
      const b = bytes[i];
      const l = labelOf[i];
      const cell = h('span', { cls: 'b l' + l, 'data-i': i, role: 'gridcell', tabindex: i === 0 ? '0' : '-1', text: hex2(b) });
      const ch = b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      const a = h('span', { cls: 'b l' + l, 'data-i': i, text: ch });
      const m = h('span', { cls: 'm l' + l, text: labels[l].symbol + labels[l].symbol });
      view.cells[i] = cell;
      view.asc[i] = a;
      view.mask[i] = m;
      hexCells.append(cell);
      ascCells.append(a);
      maskCells.append(m);
    }
    const off = h('span', { cls: 'off', text: '0x' + start.toString(16).padStart(4, '0') });
    const line = h('div', { cls: 'hrow' }, [off, hexCells, ascCells]);
    const mline = h('div', { cls: 'mrow', 'aria-hidden': 'true' }, [h('span', { cls: 'off' }), maskCells]);
    return [line, mline];
  };

  // The first byte worth showing when a packet opens: its first notable leak, or its
  // first payload byte.
  Section.prototype.firstInteresting = function (view) {
    const d = view.d;
    const fields = this.d.fields;
    for (const sp of d.spans) {
      const f = fields[sp[2]];
      if (sp[3] === 0 && f && f.leak && f.leak !== 'address' && f.leak !== 'port') return sp[0];
    }
    if (d.payload && d.payload[1] > d.payload[0]) return Math.min(d.payload[0], view.bytes.length - 1);
    return Math.min(d.net, view.bytes.length - 1);
  };

  function spanAt(spans, i) {
    let lo = 0;
    let hi = spans.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (spans[mid][1] <= i) lo = mid + 1;
      else hi = mid;
    }
    const sp = spans[lo];
    return sp && sp[0] <= i ? sp : null;
  }

  Section.prototype.light = function (view, from, to) {
    for (const i of view.lit) {
      for (const c of [view.cells[i], view.asc[i], view.mask[i]]) if (c) c.classList.remove('hl');
    }
    view.lit = [];
    for (let i = from; i < to && i < view.bytes.length; i++) {
      for (const c of [view.cells[i], view.asc[i], view.mask[i]]) if (c) c.classList.add('hl');
      view.lit.push(i);
    }
  };

  Section.prototype.showField = function (view, i) {
    const st = this;
    const sp = spanAt(view.d.spans, i);
    const l = view.labelOf[i];
    const box = view.field;
    box.replaceChildren();
    const dl = h('dl');
    const row = (k, v, cls) => {
      dl.append(h('dt', { text: k }), h('dd', { cls: cls || null, text: v }));
    };
    if (!sp) {
      st.light(view, i, i + 1);
      box.append(h('h4', { cls: 'fname', text: 'no field' }));
      row('byte', 'offset ' + i + ' (0x' + i.toString(16) + ')');
      row('label', labels[l].symbol + ' ' + labels[l].word);
      row('meaning', 'no decoder claimed this byte: it is not classified, and not counted as safe');
      box.append(dl);
      return;
    }
    const [from, to, fi, sl] = sp;
    const f = st.d.fields[fi] || { name: '?', doc: '', proto: '', visibility: '', leak: null };
    st.light(view, from, to);
    box.append(h('h4', { cls: 'fname', text: f.name }));
    row('meaning', f.doc);
    row('protocol', f.proto);
    row('bytes', from === to - 1 ? 'offset ' + from : 'offsets ' + from + '–' + (to - 1) + ' (' + bytesWord(to - from) + ')');
    const labelBox = h('dd', { cls: 'lab' }, [swatch(labels, sl), ' ' + labels[sl].word]);
    dl.append(h('dt', { text: 'label' }), labelBox);
    row('visibility', sl === 0 ? f.visibility : VIS_OF_LABEL[sl]);
    row('leak kind', sl === 0 && f.leak ? f.leak : '—');
    let value = sp.length > 4 ? sp[4] : null;
    if (value === null) {
      const bytes = view.bytes.subarray(from, Math.min(to, from + 32));
      let hx = Array.from(bytes, hex2).join(' ');
      if (to - from > 32) hx += ' …';
      value = hx;
      if (to - from <= 4 && to - from > 0) {
        let n = 0;
        for (const b of bytes) n = n * 256 + b;
        value += ' (' + n + ')';
      } else if (bytes.length >= 3 && bytes.every((b) => b >= 0x20 && b < 0x7f)) {
        value += ' "' + String.fromCharCode(...bytes) + (to - from > 32 ? '…' : '') + '"';
      }
    }
    row('value', value, 'val');
    box.append(dl);
  };

  Section.prototype.hexKey = function (view, e) {
    const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -16, ArrowDown: 16, h: -1, l: 1 };
    let next;
    if (e.key in moves) next = view.focus + moves[e.key];
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = view.bytes.length - 1;
    else if (e.key === 'Escape') {
      if (this.list) this.list.focus();
      return;
    } else return;
    e.preventDefault();
    e.stopPropagation();
    next = Math.max(0, Math.min(view.bytes.length - 1, next));
    const cell = view.cells[next];
    if (!cell) return;
    const old = view.cells[view.focus];
    if (old) old.setAttribute('tabindex', '-1');
    cell.setAttribute('tabindex', '0');
    view.focus = next;
    cell.focus();
  };

  // ---- build -----------------------------------------------------------------------

  app.append(header());
  for (const m of page.sections) {
    const sec = new Section(m);
    sections.push(sec);
    app.append(sec.root);
    if (!active) active = sec;
  }
  // Lists size themselves once they are in the document.
  for (const sec of sections) if (sec.list) sec.renderList();
  if (page.outro) app.append(outro(page.outro));
  app.append(h('footer', { text: 'Made by ' + page.generator + '. Offline: this file loads nothing.' }));

  // j / k anywhere (outside form fields) move through the packets of the capture last
  // used; arrow keys do so in the packet list itself.
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || isTyping(e.target)) return;
    if ((e.key === 'j' || e.key === 'k') && active && active.list) {
      e.preventDefault();
      active.move(e.key === 'j' ? 1 : -1);
    }
  });
  document.documentElement.setAttribute('data-ready', 'true');
  // Milliseconds from the start of navigation until the document was built (for
  // scripts/bench-html.sh and the tests; the browser's own start is not in it).
  document.documentElement.setAttribute('data-ready-ms', String(Math.round(performance.now())));
})();
