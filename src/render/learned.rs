//! What an observer learned from a whole capture: the closing part of `flows`, and all
//! of `flows --summary`. The names visited and how each was learned, the software and
//! TLS fingerprints seen, which flows carried readable content or credentials, and
//! what the sizes of the encrypted conversations give away.
//!
//! Fed one flow report at a time ([`Learned::add`]); every list keeps at most
//! [`KEPT`] entries and counts the rest, so memory stays flat however long the
//! capture. Lists print their first [`FOLD`] entries unless `--full`.

use super::escape;
use crate::proto::NameSource;
use crate::report::FlowReport;
use crate::span::LeakKind;
use crate::text::{grouped, plural, push_joined, shorten, shortened};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Distinct entries kept per list; more are counted.
pub const KEPT: usize = 1_000;
/// Entries of a list shown without `--full`.
const FOLD: usize = 5;
/// Flow numbers shown beside an entry.
const IDS: usize = 3;
/// Upper bounds of the message size classes, in bytes (the last class is "more"),
/// and their names.
const CLASSES: [u64; 5] = [64, 256, 1024, 4096, 16384];
const CLASS_NAMES: [&str; 6] = ["≤64 B", "≤256 B", "≤1 KiB", "≤4 KiB", "≤16 KiB", ">16 KiB"];

/// How often something was seen: in how many flows, and the first few of them.
#[derive(Clone, Debug, Default)]
struct Seen {
    flows: u64,
    ids: Vec<u64>,
}

impl Seen {
    fn add(&mut self, id: u64) {
        self.flows += 1;
        if self.ids.len() < IDS {
            self.ids.push(id);
        }
    }

    /// `flow 3`, `flows 1, 2, 5`, `flows 1, 2, 5 and 12 more`.
    fn text(&self) -> String {
        let mut ids = self.ids.clone();
        ids.sort_unstable();
        let list: Vec<String> = ids.iter().map(u64::to_string).collect();
        let more = self.flows.saturating_sub(ids.len() as u64);
        let noun = if self.flows == 1 { "flow" } else { "flows" };
        if more > 0 {
            format!("{noun} {} and {} more", list.join(", "), grouped(more))
        } else {
            format!("{noun} {}", list.join(", "))
        }
    }
}

/// A bounded map from a text (a name, a software version) to where it was seen.
#[derive(Debug, Default)]
struct Tally<V> {
    map: BTreeMap<String, V>,
    dropped: u64,
}

impl<V: Default> Tally<V> {
    /// The entry for `key`, unless the map is full and `key` new.
    fn entry(&mut self, key: &str) -> Option<&mut V> {
        if !self.map.contains_key(key) {
            if self.map.len() >= KEPT {
                self.dropped += 1;
                return None;
            }
            self.map.insert(key.to_string(), V::default());
        }
        self.map.get_mut(key)
    }
}

/// The ways one flow gave a name away, each once, in the order they came (the five
/// ways of [`NameSource`] a flow names, and `dns-query`).
#[derive(Clone, Copy)]
struct Sources {
    list: [&'static str; 6],
    len: usize,
}

impl Sources {
    fn of(first: &'static str) -> Sources {
        Sources {
            list: [first; 6],
            len: 1,
        }
    }

    fn list(&self) -> &[&'static str] {
        self.list.get(..self.len).unwrap_or(&self.list)
    }

    /// Adds a way not yet in the list (one more than there is room for is dropped,
    /// which six distinct ways cannot be).
    fn add(&mut self, way: &'static str) {
        if !self.list().contains(&way) {
            if let Some(slot) = self.list.get_mut(self.len) {
                *slot = way;
                self.len += 1;
            }
        }
    }
}

/// A name, how the observer learned it (every way), and in which flows.
#[derive(Debug, Default)]
struct NameEntry {
    sources: Vec<&'static str>,
    seen: Seen,
}

/// What the encrypted conversations' sizes give away, capture-wide.
#[derive(Debug, Default)]
struct Sizes {
    flows: u64,
    messages: u64,
    /// Messages whose plaintext length is known exactly.
    exact: u64,
    /// Messages by their largest possible plaintext length, in [`CLASSES`] (and more).
    classes: [u64; CLASSES.len() + 1],
    /// The encrypted conversations, in words (flows that talked alike together).
    conversations: Tally<Seen>,
}

/// Everything an observer learned from the flows fed so far.
#[derive(Debug, Default)]
pub struct Learned {
    names: Tally<NameEntry>,
    software: Tally<Seen>,
    fingerprints: Tally<Seen>,
    readable: Tally<Seen>,
    readable_flows: u64,
    credentials: Tally<Seen>,
    credential_flows: u64,
    sizes: Sizes,
    /// A flow's conversation in words, made here for each flow with one (a `String`
    /// per flow, and the stack's and the server's, were 2% of `flows`).
    scratch: String,
}

impl Learned {
    /// Adds what one flow gave away.
    pub fn add(&mut self, r: &FlowReport) {
        self.add_names(r);
        for l in r
            .findings()
            .leaks
            .iter()
            .filter(|l| l.kind == LeakKind::Software)
        {
            if let Some(s) = self.software.entry(&l.value) {
                s.add(r.id);
            }
        }
        // Each key made in the one scratch buffer (a `format!`, a stack text and a
        // joined list a flow before).
        let mut what = std::mem::take(&mut self.scratch);
        if let Some(j) = r.tls.as_ref().and_then(|t| t.ja4) {
            what.clear();
            let _ = write!(what, "JA4 {j}");
            if let Some(s) = self.fingerprints.entry(&what) {
                s.add(r.id);
            }
        }
        if r.plaintext() > 0 {
            self.readable_flows += 1;
            what.clear();
            r.push_stack_text(&mut what);
            if let Some((_, field, sample)) = &r.findings().first_plaintext {
                let _ = write!(what, ": {field} {:?}", shortened(sample.trim(), 40));
            }
            if let Some(seen) = self.readable.entry(&what) {
                seen.add(r.id);
            }
        }
        let mut creds = r.credentials().peekable();
        if creds.peek().is_some() {
            self.credential_flows += 1;
            what.clear();
            r.push_stack_text(&mut what);
            what.push_str(": ");
            push_joined(&mut what, creds.map(|l| &l.value), "; ");
            if let Some(seen) = self.credentials.entry(&what) {
                seen.add(r.id);
            }
        }
        if !r.findings().messages.is_empty() {
            what.clear();
            r.push_stack_text(&mut what);
            what.push_str(" to ");
            push_server_hint(&mut what, r);
            what.push_str(": ");
            if r.conversation_into(&mut what) {
                let s = &mut self.sizes;
                s.flows += 1;
                for m in &r.findings().messages {
                    s.messages += 1;
                    s.exact += u64::from(m.min == m.max);
                    let class = CLASSES
                        .iter()
                        .position(|&c| m.max <= c)
                        .unwrap_or(CLASSES.len());
                    if let Some(n) = s.classes.get_mut(class) {
                        *n += 1;
                    }
                }
                if let Some(seen) = s.conversations.entry(&what) {
                    seen.add(r.id);
                }
            }
        }
        self.scratch = what;
    }

    /// The names of one flow: those it sent or that were learned about its server
    /// (SNI, ECH public name, DNS answers, Host header), with the certificate as a
    /// further source of any of them; when the flow named nothing else, its leaf
    /// certificate's common name. ALPN names a protocol, not a place, and is left out.
    fn add_names(&mut self, r: &FlowReport) {
        // Each name's ways in place (at most one of each: no list allocated per name),
        // the certified names read from the report where they are, and the keys made
        // in the scratch buffer.
        let mut own: Vec<(&str, Sources)> = Vec::new();
        for n in &r.findings().names {
            if matches!(n.source, NameSource::Alpn | NameSource::Certificate) {
                continue;
            }
            match own
                .iter_mut()
                .find(|(name, _)| name.eq_ignore_ascii_case(&n.name))
            {
                Some((_, s)) => s.add(n.source.name()),
                None => own.push((&n.name, Sources::of(n.source.name()))),
            }
        }
        let certified = r
            .findings()
            .names
            .iter()
            .filter(|n| n.source == NameSource::Certificate);
        for (name, sources) in &mut own {
            if certified.clone().any(|c| c.name.eq_ignore_ascii_case(name)) {
                sources.add(NameSource::Certificate.name());
            }
        }
        if own.is_empty() {
            if let Some(leaf) = r.tls.as_ref().and_then(|t| t.certificates.first()) {
                let cn = crate::text::common_name(&leaf.subject);
                if !cn.is_empty() {
                    own.push((cn, Sources::of(NameSource::Certificate.name())));
                }
            }
        }
        for l in r
            .findings()
            .leaks
            .iter()
            .filter(|l| l.kind == LeakKind::DnsName)
        {
            if !own.iter().any(|(n, _)| n.eq_ignore_ascii_case(&l.value)) {
                own.push((&l.value, Sources::of("dns-query")));
            }
        }
        let mut key = std::mem::take(&mut self.scratch);
        for (name, sources) in own {
            key.clear();
            key.push_str(name);
            key.make_ascii_lowercase();
            if let Some(e) = self.names.entry(&key) {
                for &s in sources.list() {
                    if !e.sources.contains(&s) {
                        e.sources.push(s);
                    }
                }
                e.seen.add(r.id);
            }
        }
        self.scratch = key;
    }

    /// Nothing at all was learned beyond addresses and ports.
    pub fn is_empty(&self) -> bool {
        self.names.map.is_empty()
            && self.software.map.is_empty()
            && self.fingerprints.map.is_empty()
            && self.readable_flows == 0
            && self.credential_flows == 0
            && self.sizes.flows == 0
    }

    /// The `learned` record of `flows --json` (docs/json.md): the same lists, every
    /// entry kept, most frequent first.
    pub fn json(&self, file: &str) -> Value {
        let mut names: Vec<(&String, &NameEntry)> = self.names.map.iter().collect();
        names.sort_by(|a, b| {
            b.1.seen
                .flows
                .cmp(&a.1.seen.flows)
                .then_with(|| a.0.cmp(b.0))
        });
        let names: Vec<Value> = names
            .iter()
            .map(|(n, e)| {
                json!({"name": n, "sources": e.sources, "flows": e.seen.flows,
                       "first_flows": sorted_ids(&e.seen)})
            })
            .collect();
        let z = &self.sizes;
        let by_size: Vec<Value> = z
            .classes
            .iter()
            .enumerate()
            .map(|(i, n)| json!({"max": CLASSES.get(i), "messages": n}))
            .collect();
        json!({
            "type": "learned",
            "version": crate::render::json::VERSION,
            "file": file,
            "names": names,
            "names_dropped": self.names.dropped,
            "software": tally_json(&self.software),
            "fingerprints": tally_json(&self.fingerprints),
            "readable_flows": self.readable_flows,
            "readable": tally_json(&self.readable),
            "credential_flows": self.credential_flows,
            "credentials": tally_json(&self.credentials),
            "encrypted": {
                "flows": z.flows,
                "messages": z.messages,
                "exact": z.exact,
                "by_size": by_size,
                "conversations": tally_json(&z.conversations),
            },
        })
    }

    /// The summary: a heading line, then lists indented by two spaces; lines about
    /// credentials are marked to alarm. Text from the capture is escaped.
    /// `width` bounds every line (in columns), shortening the entries' own text.
    pub fn lines(&self, full: bool, width: usize) -> Vec<Line> {
        let mut out = Vec::new();
        if self.is_empty() {
            out.push(Line::plain(
                "what an observer learned: addresses and ports only (no names, software, \
                 readable content or encrypted messages)"
                    .to_string(),
            ));
            return out;
        }
        out.push(Line::plain("what an observer learned:".to_string()));
        let names: Vec<(String, &Seen)> = self
            .names
            .map
            .iter()
            .map(|(n, e)| (format!("{}  {}", escape(n), e.sources.join(", ")), &e.seen))
            .collect();
        let total = names.len() as u64 + self.names.dropped;
        let heading = format!("names ({})", grouped(total));
        list(
            &mut out,
            &heading,
            names,
            self.names.dropped,
            (full, width),
            false,
        );
        for (what, tally) in [
            ("software", &self.software),
            ("fingerprints", &self.fingerprints),
        ] {
            list(
                &mut out,
                what,
                entries(tally),
                tally.dropped,
                (full, width),
                false,
            );
        }
        let heading = format!(
            "content readable in {}",
            plural(self.readable_flows, "flow")
        );
        let t = &self.readable;
        list(
            &mut out,
            &heading,
            entries(t),
            t.dropped,
            (full, width),
            false,
        );
        let heading = format!(
            "credentials readable in {}",
            plural(self.credential_flows, "flow")
        );
        let t = &self.credentials;
        list(
            &mut out,
            &heading,
            entries(t),
            t.dropped,
            (full, width),
            true,
        );
        let z = &self.sizes;
        if z.flows > 0 {
            let classes: Vec<String> = z
                .classes
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(i, n)| format!("{} ×{}", CLASS_NAMES.get(i).unwrap_or(&"?"), grouped(*n)))
                .collect();
            let heading = format!(
                "encrypted messages: {} in {}, {} of known exact size; by size {}",
                grouped(z.messages),
                plural(z.flows, "flow"),
                grouped(z.exact),
                classes.join(", ")
            );
            let t = &z.conversations;
            list(
                &mut out,
                &heading,
                entries(t),
                t.dropped,
                (full, width),
                false,
            );
        }
        out
    }

    /// [`Learned::lines`] as text, without colour.
    pub fn text(&self, full: bool) -> String {
        let mut s = String::new();
        for l in self.lines(full, usize::MAX) {
            s.push_str(&l.text);
            s.push('\n');
        }
        s
    }
}

/// One line of the summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    /// About credentials: shown in the alarm colour.
    pub alarm: bool,
}

impl Line {
    fn plain(text: String) -> Line {
        Line { text, alarm: false }
    }
}

fn sorted_ids(seen: &Seen) -> Vec<u64> {
    let mut ids = seen.ids.clone();
    ids.sort_unstable();
    ids
}

/// `{"entries": [{"value", "flows", "first_flows"}…], "dropped": N}`, most frequent first.
fn tally_json(t: &Tally<Seen>) -> Value {
    let mut v: Vec<(&String, &Seen)> = t.map.iter().collect();
    v.sort_by(|a, b| b.1.flows.cmp(&a.1.flows).then_with(|| a.0.cmp(b.0)));
    let entries: Vec<Value> = v
        .iter()
        .map(|(k, seen)| json!({"value": k, "flows": seen.flows, "first_flows": sorted_ids(seen)}))
        .collect();
    json!({"entries": entries, "dropped": t.dropped})
}

/// A tally's entries, escaped for the terminal.
fn entries(t: &Tally<Seen>) -> Vec<(String, &Seen)> {
    t.map
        .iter()
        .map(|(k, seen)| (escape(k).into_owned(), seen))
        .collect()
}

/// `  heading:` then one entry per line, most frequent first, each with the flows it
/// was seen in: `    localhost  sni, certificate  (flows 13, 14, 15 and 107 more)`.
/// Nothing when the list is empty.
fn list(
    out: &mut Vec<Line>,
    heading: &str,
    mut v: Vec<(String, &Seen)>,
    dropped: u64,
    (full, width): (bool, usize),
    alarm: bool,
) {
    if v.is_empty() {
        return;
    }
    v.sort_by(|a, b| b.1.flows.cmp(&a.1.flows).then_with(|| a.0.cmp(&b.0)));
    out.push(Line::plain(fit(&format!("  {heading}:"), width)));
    let shown = if full { v.len() } else { v.len().min(FOLD) };
    for (text, seen) in v.iter().take(shown) {
        let flows = seen.text();
        // The entry's text gives way, never the flows it was seen in.
        let room = width
            .saturating_sub(flows.chars().count() + 8)
            .clamp(20, 150);
        out.push(Line {
            text: format!("    {}  ({flows})", fit(text, room)),
            alarm,
        });
    }
    let folded = (v.len() - shown) as u64;
    let more = match (folded, dropped) {
        (0, 0) => return,
        (n, 0) => format!("    … and {} more (--full lists them)", grouped(n)),
        (n, d) => format!(
            "    … and {} more ({} past the first {} kept)",
            grouped(n + d),
            grouped(d),
            grouped(KEPT as u64)
        ),
    };
    out.push(Line::plain(more));
}

/// At most `max` columns, `…` included.
fn fit(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        shorten(s, max.saturating_sub(1))
    }
}

/// Appends what names the flow's server: its first name (not an ALPN), else its
/// address.
fn push_server_hint(out: &mut String, r: &FlowReport) {
    use std::fmt::Write as _;
    match r
        .findings()
        .names
        .iter()
        .find(|n| n.source != NameSource::Alpn)
    {
        Some(n) => out.push_str(&n.name),
        None => {
            let _ = write!(out, "{}", r.server.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::Direction;
    use crate::report::Transport;
    use std::net::{IpAddr, Ipv4Addr};

    fn report(id: u64) -> FlowReport {
        let a = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let b = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
        FlowReport::new(id, Transport::Tcp, (a, 40000), (b, 443))
    }

    #[test]
    fn lists_stay_bounded_and_say_what_they_dropped() {
        let mut l = Learned::default();
        for id in 1..=(KEPT as u64 + 500) {
            let mut r = report(id);
            r.name(&format!("host{id}.example"), NameSource::Sni, id);
            r.leak(
                LeakKind::Software,
                &format!("curl/{id}"),
                id,
                Direction::ToServer,
            );
            l.add(&r);
        }
        assert_eq!(l.names.map.len(), KEPT);
        assert_eq!(l.names.dropped, 500);
        assert_eq!(l.software.map.len(), KEPT);
        let s = l.text(false);
        assert!(s.contains("  names (1,500):"), "{s}");
        assert!(
            s.contains("… and 1,495 more (500 past the first 1,000 kept)"),
            "{s}"
        );
    }

    #[test]
    fn a_name_learned_several_ways_is_one_entry_with_every_source() {
        let mut l = Learned::default();
        let mut r = report(1);
        r.name("Example.COM", NameSource::Sni, 4);
        r.name("example.com", NameSource::Certificate, 6);
        r.name("h2", NameSource::Alpn, 4);
        r.name("example.com", NameSource::Dns, 2);
        l.add(&r);
        let mut r = report(2);
        r.name("example.com", NameSource::HttpHost, 9);
        l.add(&r);
        let s = l.text(false);
        assert!(
            s.contains(
                "  names (1):\n    example.com  sni, dns, certificate, http-host  (flows 1, 2)\n"
            ),
            "{s}"
        );
        assert!(!s.contains("h2"), "ALPN names a protocol, not a place: {s}");
    }

    #[test]
    fn nothing_learned_says_so() {
        let mut l = Learned::default();
        l.add(&report(1));
        let s = l.text(false);
        assert!(
            s.starts_with("what an observer learned: addresses and ports only"),
            "{s}"
        );
    }
}
