//! The flows table: column widths, cells, the header, the row of each flow, the
//! `--brief` line and its short verdict.

use super::*;
use std::borrow::Cow;

/// Column widths of the table (the brief line uses the first three and the stack).
#[derive(Clone, Copy, Debug)]
pub(super) struct Widths {
    pub(super) id: usize,
    pub(super) endpoints: usize,
    pub(super) stack: usize,
    pub(super) packets: usize,
    pub(super) bytes: usize,
    pub(super) handshake: usize,
    pub(super) plaintext: usize,
    pub(super) opaque: usize,
}

pub(super) const HEAD: [&str; 10] = [
    "flow",
    "",
    "client → server",
    "stack",
    "packets →/←",
    "bytes",
    "handshake",
    "plaintext",
    "opaque",
    "end",
];

impl Widths {
    /// For streaming (past the sorting bound): wide enough for most flows.
    pub(super) fn fixed() -> Widths {
        Widths {
            id: 5,
            endpoints: 45,
            stack: 28,
            packets: 11,
            bytes: 11,
            handshake: 9,
            plaintext: 9,
            opaque: 11,
        }
    }

    /// As wide as the headings: [`Widths::widen`] then makes room for each flow.
    pub(super) fn headings() -> Widths {
        let w = |s: &str| s.chars().count();
        Widths {
            id: w(HEAD[0]),
            endpoints: w(HEAD[2]),
            stack: w(HEAD[3]),
            packets: w(HEAD[4]),
            bytes: w(HEAD[5]),
            handshake: w(HEAD[6]),
            plaintext: w(HEAD[7]),
            opaque: w(HEAD[8]),
        }
    }

    /// As wide as the widest cell (or heading) of each column so far.
    pub(super) fn widen(&mut self, c: &Cells<'_>) {
        let w = |s: &str| s.chars().count();
        self.id = self.id.max(w(c.id()));
        self.endpoints = self.endpoints.max(w(c.endpoints()));
        self.stack = self.stack.max(w(c.stack()));
        self.packets = self.packets.max(w(c.packets()));
        self.bytes = self.bytes.max(w(c.bytes()));
        self.handshake = self.handshake.max(w(c.handshake()));
        self.plaintext = self.plaintext.max(w(c.plaintext()));
        self.opaque = self.opaque.max(w(c.opaque()));
    }
}

/// The buffers a flow's entry is written into before it is kept or printed.
#[derive(Default)]
pub(super) struct Scratch {
    cells: String,
    body: String,
}

/// A flow's table cells, as text: the eight one after another in one string (a
/// string each cost eight allocations a flow), and where each ends.
pub(super) struct Cells<'a> {
    text: Cow<'a, str>,
    ends: [u32; Cells::COUNT],
}

impl<'a> Cells<'a> {
    pub(super) const COUNT: usize = 8;

    /// Cells read back from their text and ends ([`Cells::text`], [`Cells::ends`]).
    pub(super) fn from_text(text: Cow<'a, str>, ends: [u32; Cells::COUNT]) -> Cells<'a> {
        Cells { text, ends }
    }

    pub(super) fn text(&self) -> &str {
        &self.text
    }

    pub(super) fn ends(&self) -> [u32; Cells::COUNT] {
        self.ends
    }

    fn cell(&self, i: usize) -> &str {
        let start = match i.checked_sub(1) {
            Some(before) => self.ends.get(before).copied().unwrap_or(0),
            None => 0,
        };
        let end = self.ends.get(i).copied().unwrap_or(0);
        self.text.get(start as usize..end as usize).unwrap_or("")
    }

    pub(super) fn id(&self) -> &str {
        self.cell(0)
    }
    pub(super) fn endpoints(&self) -> &str {
        self.cell(1)
    }
    pub(super) fn stack(&self) -> &str {
        self.cell(2)
    }
    pub(super) fn packets(&self) -> &str {
        self.cell(3)
    }
    pub(super) fn bytes(&self) -> &str {
        self.cell(4)
    }
    pub(super) fn handshake(&self) -> &str {
        self.cell(5)
    }
    pub(super) fn plaintext(&self) -> &str {
        self.cell(6)
    }
    pub(super) fn opaque(&self) -> &str {
        self.cell(7)
    }
}

impl<'s> Cells<'s> {
    /// A report's cells, written into `s` (cleared first: a buffer kept from flow to
    /// flow).
    pub(super) fn of(r: &FlowReport, s: &'s mut String) -> Cells<'s> {
        let p = r.payload();
        let readable = Label::Cleartext.count(&p) + Label::Leak.count(&p);
        let plaintext = r.plaintext();
        s.clear();
        let mut ends = [0u32; Cells::COUNT];
        let mut at = ends.iter_mut();
        let mut end = |s: &str| {
            if let Some(e) = at.next() {
                *e = u32::try_from(s.len()).unwrap_or(u32::MAX);
            }
        };
        crate::text::push_dec(s, r.id);
        end(s);
        Endpoint(&r.client).push_to(s);
        s.push_str(" → ");
        Endpoint(&r.server).push_to(s);
        end(s);
        let start = s.len();
        r.push_stack_text(s);
        crate::render::escape_tail(s, start);
        end(s);
        push_grouped(s, r.dirs[0].packets);
        s.push('/');
        push_grouped(s, r.dirs[1].packets);
        end(s);
        push_grouped(s, r.dirs[0].bytes + r.dirs[1].bytes);
        end(s);
        push_grouped(s, readable.saturating_sub(plaintext));
        end(s);
        push_grouped(s, plaintext);
        end(s);
        push_grouped(s, Label::Opaque.count(&p));
        end(s);
        Cells {
            text: Cow::Borrowed(s),
            ends,
        }
    }
}

/// `10.0.0.1:443`, `[::1]:443`.
pub(super) struct Endpoint<'a>(pub &'a (IpAddr, u16));

impl Endpoint<'_> {
    /// Appends the endpoint: an IPv4 one without the formatting machinery (through
    /// `format!` the two endpoints of a row cost about 3,900 instructions), an IPv6
    /// one as [`std::net::Ipv6Addr`] writes it.
    pub(super) fn push_to(&self, s: &mut String) {
        let (addr, port) = *self.0;
        match addr {
            IpAddr::V4(a) => crate::text::push_ipv4(s, a),
            IpAddr::V6(a) => {
                let _ = write!(s, "[{a}]");
            }
        }
        s.push(':');
        crate::text::push_dec(s, port);
    }
}

/// `text` right-aligned in `w` columns (counted in characters), written into `s`.
pub(super) fn put_left(s: &mut String, text: &str, w: usize) {
    spaces(s, w.saturating_sub(text.chars().count()));
    s.push_str(text);
}

/// `text` left-aligned in `w` columns, written into `s`.
pub(super) fn put_right(s: &mut String, text: &str, w: usize) {
    s.push_str(text);
    spaces(s, w.saturating_sub(text.chars().count()));
}

pub(super) fn spaces(s: &mut String, n: usize) {
    s.extend(std::iter::repeat_n(' ', n));
}

/// Pads `s` to `w` columns (counted in characters).
pub(super) fn pad_left(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(s.chars().count())))
}

pub(super) fn pad_right(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())))
}

/// `a, b, c, d, e … and 37 more` (all of them with `full`).
pub(super) fn folded(items: &[String], full: bool, sep: &str, what: &str) -> String {
    if full || items.len() <= FOLD {
        return items.join(sep);
    }
    let more = items.len() - FOLD;
    format!(
        "{}{sep}… and {more} more{what}",
        items.get(..FOLD).unwrap_or(items).join(sep)
    )
}

/// Shortens to `max` columns, `…` included.
pub(super) fn shorten_to(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        shorten(s, max.saturating_sub(1))
    }
}

/// Whether a flow's verdict is painted as a leak: content or credentials readable.
pub(super) fn alarming(r: &FlowReport) -> bool {
    r.credentials().next().is_some() || r.plaintext() > 0
}

/// The verdict in a few words, for `--brief`.
pub(super) fn short_verdict(r: &FlowReport) -> String {
    let p = r.payload();
    let total: u64 = p.iter().sum();
    let opaque = Label::Opaque.count(&p);
    let plain = r.plaintext();
    let creds: Vec<String> = r
        .credentials()
        .map(|l| escape(&l.value).into_owned())
        .collect();
    let mut v = if let Some(first) = creds.first() {
        let more = if creds.len() > 1 {
            format!(" (+{} more)", creds.len() - 1)
        } else {
            String::new()
        };
        format!("CREDENTIALS {first}{more}")
    } else if plain > 0 && opaque > 0 {
        format!("partly readable: {} in clear", crate::text::bytes(plain))
    } else if plain > 0 {
        format!("readable: {}", crate::text::bytes(plain))
    } else if opaque > 0 {
        "opaque".to_string()
    } else if Label::Undecoded.count(&p) > 0 {
        "not classified".to_string()
    } else if total == 0 {
        "no payload".to_string()
    } else {
        "handshake only".to_string()
    };
    if let Some(sni) = r.tls.as_ref().and_then(|t| t.sni.as_ref()) {
        let _ = write!(v, "; SNI {}", escape(sni));
    }
    if !r.weaknesses().is_empty() {
        v.push_str("; weak TLS");
    }
    v
}

impl<W: Write, E: Write> FlowsSink<W, E> {
    pub(super) fn header(&mut self, s: &mut String, w: &Widths) {
        if self.header_done {
            return;
        }
        self.header_done = true;
        let _ = writeln!(s, "{}:", escape(&self.file));
        if self.opts.brief {
            let line = format!(
                "{}  {:<3}  {}  {}  verdict",
                pad_left(HEAD[0], w.id),
                HEAD[1],
                pad_right(HEAD[2], w.endpoints),
                pad_right(HEAD[3], w.stack),
            );
            let _ = writeln!(s, "{}", line.trim_end());
            return;
        }
        let line = format!(
            "{}  {:<3}  {}  {}  {}  {}  {}  {}  {}  {}",
            pad_left(HEAD[0], w.id),
            HEAD[1],
            pad_right(HEAD[2], w.endpoints),
            pad_right(HEAD[3], w.stack),
            pad_left(HEAD[4], w.packets),
            pad_left(HEAD[5], w.bytes),
            pad_left(HEAD[6], w.handshake),
            pad_left(HEAD[7], w.plaintext),
            pad_left(HEAD[8], w.opaque),
            HEAD[9],
        );
        let _ = writeln!(s, "{}", line.trim_end());
    }

    /// A flow's entry with the column widths left open: what [`FlowsSink::entry`]
    /// lays out once they are known; its text written into `scratch` (kept from flow
    /// to flow: two buffers a flow, the details' often past a kilobyte, were two
    /// allocations and a reallocation).
    pub(super) fn parts<'s>(&self, r: &FlowReport, scratch: &'s mut Scratch) -> Parts<'s> {
        let body = if self.opts.brief {
            short_verdict(r).into()
        } else {
            scratch.body.clear();
            self.details(&mut scratch.body, r, PAD);
            Cow::Borrowed(scratch.body.as_str())
        };
        Parts {
            cells: Cells::of(r, &mut scratch.cells),
            transport: r.transport.name().into(),
            end: r.end_reason.name().into(),
            body,
            alarming: alarming(r),
        }
    }

    /// One flow, added to `s`: a table row and its details, or its brief line.
    pub(super) fn entry(&mut self, s: &mut String, p: &Parts<'_>, w: &Widths) {
        self.header(s, w);
        if self.opts.brief {
            s.push_str(&self.brief(p, w));
            s.push('\n');
        } else {
            self.row(s, p, w);
            // The indentation, now that the id column's width is known. (PAD is one
            // ASCII byte: the text around it splits on character boundaries.)
            let body: &str = &p.body;
            let mut from = 0;
            for at in memchr::memchr_iter(PAD_CHAR as u8, body.as_bytes()) {
                s.push_str(body.get(from..at).unwrap_or_default());
                spaces(s, w.id + 2);
                from = at + 1;
            }
            s.push_str(body.get(from..).unwrap_or_default());
        }
    }

    /// `   12  TCP  10.0.0.1:33402 → 10.0.0.2:8080  TCP › HTTP  CREDENTIALS Basic alice:…`
    pub(super) fn brief(&self, p: &Parts<'_>, w: &Widths) -> String {
        let c = &p.cells;
        let endpoints = shorten_to(c.endpoints(), w.endpoints);
        let stack = shorten_to(c.stack(), w.stack);
        let head = format!(
            "{}  {:<3}  {}  {}  ",
            pad_left(c.id(), w.id),
            p.transport,
            pad_right(&endpoints, w.endpoints),
            pad_right(&stack, w.stack),
        );
        let room = BRIEF_WIDTH.saturating_sub(head.chars().count());
        let verdict = shorten_to(&p.body, room);
        let line = shorten_to(&format!("{head}{verdict}"), BRIEF_WIDTH);
        // Colour after measuring: the escapes take no columns.
        match line.split_at_checked(head.len()) {
            Some((h, v)) if p.alarming => format!("{h}{}", self.paint(v, Label::Leak)),
            _ => line,
        }
    }
}
