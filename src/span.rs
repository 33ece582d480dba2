//! The core model: every captured byte gets a label saying who can read it.
//!
//! A [`Span`] ties a byte range of one frame to a field of the static registry
//! ([`crate::fields`]) and to a [`Visibility`]. Decoders and stream dissectors emit
//! *leaf* spans (no span contains another); [`ByteMap::build`] turns a frame's spans
//! into a run-length list of [`Label`]s.
//!
//! Invariant, relied on by every renderer: a `ByteMap` covers `0..len` exactly once,
//! in order, with no empty runs. Bytes no span claims become [`Label::Undecoded`], so
//! nothing is ever silently counted as safe.

use crate::fields::FieldId;
use std::fmt;
use std::ops::Range;

/// Who can read a byte, from the point of view of an on-path observer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Visibility {
    /// Headers that must travel readable: link, IP, TCP/UDP, TLS record headers.
    Metadata,
    /// Readable content: plaintext protocols, handshake messages sent in the clear.
    Cleartext,
    /// Ciphertext: nobody without the keys can read it.
    Opaque,
    /// Not classified: unknown protocol, a gap, a cut-off frame. Never counted as safe.
    Undecoded,
}

impl Visibility {
    pub const ALL: [Visibility; 4] = [
        Visibility::Metadata,
        Visibility::Cleartext,
        Visibility::Opaque,
        Visibility::Undecoded,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Visibility::Metadata => "metadata",
            Visibility::Cleartext => "cleartext",
            Visibility::Opaque => "opaque",
            Visibility::Undecoded => "undecoded",
        }
    }
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What kind of fact a readable field gives away. Fields that carry one are "leaks":
/// the renderers point at them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LeakKind {
    /// A link or network address (MAC, IPv4, IPv6).
    Address,
    /// A transport port number.
    Port,
    /// A server name sent in a TLS ClientHello (SNI).
    ServerName,
    /// A name inside a certificate (subject, issuer, SAN).
    CertificateName,
    /// An application protocol offered or chosen (ALPN).
    Alpn,
    /// A URL, path or Host header.
    Url,
    /// A cookie.
    Cookie,
    /// A password, token or other credential.
    Credential,
    /// A DNS name asked or answered.
    DnsName,
    /// Software and its version, announced by a peer (an SSH identification string).
    Software,
    /// A server's public host key, which identifies the server across connections (SSH).
    HostKey,
    /// An identity sent in the clear: a user or host name, an address or key ID
    /// (IKEv1 Aggressive Mode's Identification payload), a client's name for itself (an
    /// MQTT client ID, PostgreSQL's application_name, Redis `CLIENT SETNAME`).
    Identity,
    /// A user name or account identifier sent without its secret (STUN and TURN
    /// USERNAME: ICE username fragments, TURN accounts; a database, SOCKS, MQTT or
    /// Redis login): not a credential, but half of one.
    UserName,
}

impl LeakKind {
    pub fn name(self) -> &'static str {
        match self {
            LeakKind::Address => "address",
            LeakKind::Port => "port",
            LeakKind::ServerName => "server name",
            LeakKind::CertificateName => "certificate name",
            LeakKind::Alpn => "ALPN",
            LeakKind::Url => "URL",
            LeakKind::Cookie => "cookie",
            LeakKind::Credential => "credential",
            LeakKind::DnsName => "DNS name",
            LeakKind::Software => "software",
            LeakKind::HostKey => "host key",
            LeakKind::Identity => "identity",
            LeakKind::UserName => "user name",
        }
    }
}

/// One labelled byte range of a frame. `range` is relative to the first captured byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub range: Range<u32>,
    pub field: FieldId,
    pub vis: Visibility,
}

impl Span {
    pub fn new(range: Range<u32>, field: FieldId, vis: Visibility) -> Span {
        Span { range, field, vis }
    }

    /// A span with the field's default visibility.
    pub fn field(range: Range<u32>, field: FieldId) -> Span {
        let vis = field.def().vis;
        Span { range, field, vis }
    }

    pub fn len(&self) -> u32 {
        self.range.end.saturating_sub(self.range.start)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The renderer's label for this span's bytes.
    pub fn label(&self) -> Label {
        Label::of(self.vis, self.field)
    }
}

/// `spans` in byte order, each with the bytes it keeps (`start..end`): the byte
/// map's rule, the first span keeps overlapping bytes, and nothing past `cap`, the
/// captured length. Spans left with no byte are skipped. What JSON and the HTML page
/// list per frame.
pub fn disjoint(spans: &[Span], cap: u32) -> impl Iterator<Item = (&Span, u32, u32)> {
    let mut sorted: Vec<&Span> = spans.iter().collect();
    sorted.sort_by_key(|s| (s.range.start, s.range.end));
    let mut pos = 0u32;
    sorted.into_iter().filter_map(move |s| {
        let start = s.range.start.max(pos);
        let end = s.range.end.min(cap);
        if start >= end {
            return None;
        }
        pos = end;
        Some((s, start, end))
    })
}

/// The five classes renderers distinguish: the four visibilities, with readable bytes
/// that carry a [`LeakKind`] singled out.
///
/// Two vocabularies, on purpose: the model speaks of [`Visibility`] (metadata,
/// cleartext, opaque, undecoded: what a byte is to an observer), users read labels
/// ([`Label::word`]: leak, header, readable, opaque, undecoded).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Label {
    /// Readable and worth pointing at: addresses, ports, SNI, certificate names…
    Leak = 0,
    Metadata = 1,
    Cleartext = 2,
    Opaque = 3,
    Undecoded = 4,
}

impl Label {
    pub const COUNT: usize = 5;
    pub const ALL: [Label; Label::COUNT] = [
        Label::Leak,
        Label::Metadata,
        Label::Cleartext,
        Label::Opaque,
        Label::Undecoded,
    ];

    pub fn of(vis: Visibility, field: FieldId) -> Label {
        match vis {
            Visibility::Metadata | Visibility::Cleartext if field.def().leak.is_some() => {
                Label::Leak
            }
            Visibility::Metadata => Label::Metadata,
            Visibility::Cleartext => Label::Cleartext,
            Visibility::Opaque => Label::Opaque,
            Visibility::Undecoded => Label::Undecoded,
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// This label's entry in a per-label count.
    pub fn count(self, counts: &[u64; Label::COUNT]) -> u64 {
        counts.get(self.index()).copied().unwrap_or(0)
    }

    /// The word users read for this label, in every output (legends, summaries, flow
    /// reports, JSON `label` and totals). The model's words are [`Visibility`]'s.
    pub fn word(self) -> &'static str {
        match self {
            Label::Leak => "leak",
            Label::Metadata => "header",
            Label::Cleartext => "readable",
            Label::Opaque => "opaque",
            Label::Undecoded => "undecoded",
        }
    }
}

/// One run of equally labelled bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    pub start: u32,
    pub end: u32,
    pub label: Label,
}

/// Bytes per label inside `within`, counted by [`ByteMap::count`]'s pass instead of
/// making runs (empty, and unused, when runs are made).
#[derive(Default)]
struct Inside {
    within: std::ops::Range<u32>,
    counts: [u64; Label::COUNT],
}

/// Per frame: a run-length list of labels covering every captured byte exactly once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ByteMap {
    runs: Vec<Run>,
    len: u32,
    /// Bytes per label over the whole frame, counted as the runs are made.
    totals: [u64; Label::COUNT],
}

impl ByteMap {
    /// Builds the map for a frame of `len` captured bytes. Spans may come in any order;
    /// where two overlap (a dissector bug), the one starting first keeps the bytes.
    /// Bytes outside every span are `Undecoded`; spans past `len` are clipped.
    pub fn build(len: u32, spans: &[Span]) -> ByteMap {
        let mut map = ByteMap::default();
        map.rebuild(len, spans, &mut Vec::new());
        map
    }

    /// [`ByteMap::build`] into this map, reusing its memory and `scratch` (the engine
    /// builds one map per frame).
    pub fn rebuild(&mut self, len: u32, spans: &[Span], scratch: &mut Vec<(u32, u32, Label)>) {
        if !self.pass::<true>(len, spans, &mut Inside::default()) {
            self.rebuild_sorted(len, spans, scratch);
        }
    }

    /// What [`ByteMap::rebuild`] then [`ByteMap::count_in`] over `within` count, without
    /// making the runs: the map is left with its length and [`ByteMap::totals`] (and
    /// its runs only when spans came out of order: then it is rebuilt from a sorted
    /// copy), for a sink that reads no byte map (`flows`:
    /// [`crate::sink::Sink::reads_maps`]). Returns the bytes per label inside `within`.
    pub fn count(
        &mut self,
        len: u32,
        spans: &[Span],
        within: std::ops::Range<u32>,
        scratch: &mut Vec<(u32, u32, Label)>,
    ) -> [u64; Label::COUNT] {
        let mut inside = Inside {
            within: within.clone(),
            counts: [0; Label::COUNT],
        };
        if self.pass::<false>(len, spans, &mut inside) {
            inside.counts
        } else {
            self.rebuild_sorted(len, spans, scratch);
            self.count_in(within)
        }
    }

    /// One pass over spans in order (headers, then payload in stream order: nearly
    /// always), read where they are without a sorted copy; with `RUNS` the runs are
    /// made, without them the bytes inside `inside.within` counted. False at the first
    /// span out of order: then the caller starts over from a sorted copy.
    #[inline(always)]
    fn pass<const RUNS: bool>(&mut self, len: u32, spans: &[Span], inside: &mut Inside) -> bool {
        self.clear(len);
        let mut pos = 0u32;
        let mut last_start = 0u32;
        for s in spans {
            if s.range.start < last_start {
                return false;
            }
            last_start = s.range.start;
            if s.range.start < s.range.end && s.range.start < len {
                let end = s.range.end.min(len);
                if end > pos {
                    pos = self.cover::<RUNS>(pos, s.range.start, end, s.label(), inside);
                }
            }
        }
        self.finish::<RUNS>(pos, inside);
        true
    }

    /// [`ByteMap::rebuild`] from a sorted copy of the spans (out of order).
    fn rebuild_sorted(&mut self, len: u32, spans: &[Span], scratch: &mut Vec<(u32, u32, Label)>) {
        self.clear(len);
        scratch.clear();
        scratch.extend(
            spans
                .iter()
                .filter(|s| s.range.start < s.range.end && s.range.start < len)
                .map(|s| (s.range.start, s.range.end.min(len), s.label())),
        );
        // The sort is stable, so the first of two spans starting together keeps the
        // bytes.
        scratch.sort_by_key(|&(start, _, _)| start);
        let mut pos = 0u32;
        let none = &mut Inside::default();
        for &(start, end, label) in scratch.iter() {
            pos = self.cover::<true>(pos, start, end, label, none);
        }
        self.finish::<true>(pos, none);
    }

    fn clear(&mut self, len: u32) {
        self.runs.clear();
        self.len = len;
        self.totals = [0; Label::COUNT];
    }

    /// One stretch (start, end, label) of spans sorted by start, `pos` the end of what
    /// is covered: where two overlap the earlier keeps the bytes; a gap before it is
    /// `Undecoded`. Returns the new end.
    #[inline(always)]
    fn cover<const RUNS: bool>(
        &mut self,
        pos: u32,
        start: u32,
        end: u32,
        label: Label,
        inside: &mut Inside,
    ) -> u32 {
        if end <= pos {
            return pos;
        }
        if start > pos {
            self.push::<RUNS>(pos, start, Label::Undecoded, inside);
        }
        self.push::<RUNS>(start.max(pos), end, label, inside);
        end
    }

    /// The rest up to the frame's length is `Undecoded`.
    #[inline(always)]
    fn finish<const RUNS: bool>(&mut self, pos: u32, inside: &mut Inside) {
        if pos < self.len {
            self.push::<RUNS>(pos, self.len, Label::Undecoded, inside);
        }
    }

    #[inline(always)]
    fn push<const RUNS: bool>(&mut self, start: u32, end: u32, label: Label, inside: &mut Inside) {
        if start >= end {
            return;
        }
        if let Some(n) = self.totals.get_mut(label.index()) {
            *n += u64::from(end - start);
        }
        if !RUNS {
            let (s, e) = (start.max(inside.within.start), end.min(inside.within.end));
            if s < e {
                if let Some(n) = inside.counts.get_mut(label.index()) {
                    *n += u64::from(e - s);
                }
            }
            return;
        }
        if let Some(last) = self.runs.last_mut() {
            if last.label == label && last.end == start {
                last.end = end;
                return;
            }
        }
        self.runs.push(Run { start, end, label });
    }

    /// Bytes per label over the whole frame (what [`ByteMap::count_in`] counts over
    /// `0..len`, without walking the runs).
    pub fn totals(&self) -> [u64; Label::COUNT] {
        self.totals
    }

    pub fn runs(&self) -> &[Run] {
        &self.runs
    }

    pub fn len(&self) -> u32 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes per label inside `range` (clipped to the frame).
    pub fn count_in(&self, range: Range<u32>) -> [u64; Label::COUNT] {
        let mut counts = [0u64; Label::COUNT];
        for run in &self.runs {
            if run.start >= range.end {
                break;
            }
            let s = run.start.max(range.start);
            let e = run.end.min(range.end);
            if s < e {
                if let Some(n) = counts.get_mut(run.label.index()) {
                    *n += u64::from(e - s);
                }
            }
        }
        counts
    }

    /// The label of one byte, for tests and tools; renderers walk [`ByteMap::runs`].
    pub fn label_at(&self, pos: u32) -> Option<Label> {
        let i = self.runs.partition_point(|r| r.end <= pos);
        self.runs.get(i).filter(|r| r.start <= pos).map(|r| r.label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spans come out in byte order, each keeping only bytes no earlier span took and
    /// none past the captured length; a span left with none is skipped.
    #[test]
    fn disjoint_spans_keep_the_bytes_the_byte_map_gives_them() {
        let p = crate::fields::PAYLOAD;
        let src = crate::decode::ip::IP_SRC;
        let spans = [
            Span::new(10..20, p, Visibility::Opaque),
            Span::field(0..4, src),
            Span::new(2..6, p, Visibility::Cleartext),
            Span::new(3..5, p, Visibility::Cleartext),
            Span::new(18..30, p, Visibility::Undecoded),
            Span::new(25..40, p, Visibility::Opaque),
        ];
        let got: Vec<(u32, u32, Visibility)> = disjoint(&spans, 26)
            .map(|(s, a, b)| (a, b, s.vis))
            .collect();
        assert_eq!(
            got,
            [
                (0, 4, Visibility::Metadata),
                (4, 6, Visibility::Cleartext),
                (10, 20, Visibility::Opaque),
                (20, 26, Visibility::Undecoded),
            ]
        );
        // Against the byte map: every byte a span keeps has that span's label.
        let mut map = ByteMap::default();
        map.rebuild(26, &spans, &mut Vec::new());
        for (s, a, b) in disjoint(&spans, 26) {
            for pos in a..b {
                assert_eq!(map.label_at(pos), Some(s.label()), "byte {pos}");
            }
        }
    }

    fn check_cover(map: &ByteMap) {
        let mut pos = 0;
        for run in map.runs() {
            assert_eq!(run.start, pos, "runs must be contiguous");
            assert!(run.end > run.start, "no empty runs");
            pos = run.end;
        }
        assert_eq!(pos, map.len(), "runs must reach the end");
    }

    #[test]
    fn gaps_become_undecoded() {
        let spans = [
            Span::field(0..4, crate::decode::ip::IP_SRC),
            Span::new(10..12, crate::fields::PAYLOAD, Visibility::Opaque),
        ];
        let map = ByteMap::build(16, &spans);
        check_cover(&map);
        assert_eq!(map.label_at(0), Some(Label::Leak));
        assert_eq!(map.label_at(4), Some(Label::Undecoded));
        assert_eq!(map.label_at(11), Some(Label::Opaque));
        assert_eq!(map.label_at(15), Some(Label::Undecoded));
        assert_eq!(map.label_at(16), None);
    }

    #[test]
    fn overlapping_spans_first_start_wins_and_cover_holds() {
        let spans = [
            Span::new(4..12, crate::fields::PAYLOAD, Visibility::Cleartext),
            Span::new(0..8, crate::fields::PAYLOAD, Visibility::Opaque),
            Span::new(30..40, crate::fields::PAYLOAD, Visibility::Opaque),
        ];
        let map = ByteMap::build(20, &spans);
        check_cover(&map);
        assert_eq!(map.label_at(7), Some(Label::Opaque));
        assert_eq!(map.label_at(9), Some(Label::Cleartext));
        assert_eq!(map.count_in(0..20)[Label::Undecoded.index()], 8);
    }

    #[test]
    fn adjacent_equal_labels_merge() {
        let spans = [
            Span::new(0..2, crate::fields::PAYLOAD, Visibility::Opaque),
            Span::new(2..5, crate::fields::PAYLOAD, Visibility::Opaque),
        ];
        let map = ByteMap::build(5, &spans);
        assert_eq!(map.runs().len(), 1);
    }

    #[test]
    fn every_byte_once_for_arbitrary_spans() {
        // A small deterministic pseudo-random walk over span layouts.
        let mut x: u32 = 0x1234_5678;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        for _ in 0..500 {
            let len = next() % 200;
            let n = next() % 12;
            let spans: Vec<Span> = (0..n)
                .map(|_| {
                    let a = next() % 220;
                    let b = a + next() % 40;
                    let vis = Visibility::ALL[(next() % 4) as usize];
                    Span::new(a..b, crate::fields::PAYLOAD, vis)
                })
                .collect();
            let mut spans = spans;
            // Half the layouts in order, as spans nearly always come (the one-pass
            // path), half not (the sorted copy).
            if next() % 2 == 0 {
                spans.sort_by_key(|s| s.range.start);
            }
            let map = ByteMap::build(len, &spans);
            check_cover(&map);
            let total: u64 = map.count_in(0..len).iter().sum();
            assert_eq!(total, u64::from(len));
            assert_eq!(map.totals(), map.count_in(0..len));
            // Byte by byte: the first span by start (stable) that covers it.
            let mut by_start: Vec<&Span> = spans.iter().collect();
            by_start.sort_by_key(|s| s.range.start);
            for pos in 0..len {
                let want = by_start
                    .iter()
                    .find(|s| s.range.contains(&pos))
                    .map_or(Label::Undecoded, |s| s.label());
                assert_eq!(map.label_at(pos), Some(want), "byte {pos} of {spans:?}");
            }
            // Counts only, inside a stretch that may reach past the frame: what the
            // map counts there, byte by byte, and the same totals.
            let a = next() % 220;
            let within = a..a + next() % 60;
            let mut want = [0u64; Label::COUNT];
            for pos in within.clone().filter(|&p| p < len) {
                if let Some(l) = map.label_at(pos) {
                    want[l.index()] += 1;
                }
            }
            let mut counted = ByteMap::default();
            let got = counted.count(len, &spans, within.clone(), &mut Vec::new());
            assert_eq!(got, want, "{within:?} of {spans:?}");
            assert_eq!(counted.totals(), map.totals());
            assert_eq!(counted.len(), len);
        }
    }
}
