//! A flow's report while its frames are released: what accounting adds (counts, sizes,
//! leaks, names, messages), kept apart from what the flow tells at its end (addresses,
//! stack, TLS facts). The engine holds one [`Live`] per flow in its table; a full table
//! of one-packet flows holds as many, so it keeps only what accounting writes, and the
//! [`FlowReport`] is made when the flow ends ([`FlowReport::attach`]) and takes the
//! counts in when it is handed out ([`FlowReport::settle`]).

use super::*;

/// One direction's counts in a row: packets, bytes, payload bytes by label (in
/// [`Label`]'s order), plaintext bytes ([`row`]).
type Row = [u64; ROW];
const ROW: usize = 3 + Label::COUNT;

/// The counts in a row.
fn row(packets: u64, bytes: u64, payload: [u64; Label::COUNT], plaintext: u64) -> Row {
    let [l0, l1, l2, l3, l4] = payload;
    [packets, bytes, l0, l1, l2, l3, l4, plaintext]
}

/// A row's counts into a direction's statistics.
/// Where the client's TLS 1.3 handshake is (`Live::tls13_client_handshake`): no
/// encrypted record of it yet, a Certificate seen (a CertificateVerify may follow),
/// a Certificate or EndOfEarlyData seen (its Finished follows), over.
const CLIENT_START: u8 = 0;
const CLIENT_VERIFY: u8 = 1;
const CLIENT_FINISH: u8 = 2;
const CLIENT_FINISHED: u8 = u8::MAX;

/// Whether the client's encrypted record of plaintext size `p` belongs to its TLS 1.3
/// handshake, and where the handshake is after it. By the messages' sizes, unpadded
/// (RFC 8446 section 4.4): its first record is its Finished (a 4-byte header and a
/// SHA-256 or SHA-384 MAC), or Finished with more in one record (Chrome's
/// EncryptedExtensions), or alone an EndOfEarlyData (4 bytes) or a Certificate
/// (empty: 8 bytes; else 100 and more) that the server asked for, each message in a
/// record of its own as OpenSSL sends them; then a CertificateVerify (8 bytes and an
/// Ed25519, Ed448, ECDSA or RSA signature), then the Finished. A record that does not
/// fit the next step is application data.
fn client_handshake_step(state: u8, p: &crate::proto::PlainLen) -> (bool, u8) {
    let finished = matches!(p.max, 36 | 52);
    let verify = matches!(
        p.max,
        72 | 78..=80 | 110..=112 | 122 | 136 | 145..=147 | 264 | 392 | 520
    );
    match state {
        CLIENT_START if finished => (true, CLIENT_FINISHED),
        CLIENT_START if matches!(p.max, 4 | 8) => (true, CLIENT_FINISH),
        CLIENT_START if p.max >= 100 => (true, CLIENT_VERIFY),
        CLIENT_START => (true, CLIENT_FINISHED),
        CLIENT_VERIFY if verify => (true, CLIENT_FINISH),
        CLIENT_FINISH if finished => (true, CLIENT_FINISHED),
        _ => (false, CLIENT_FINISHED),
    }
}

fn set_row(d: &mut DirStats, row: Row) {
    let [packets, bytes, l0, l1, l2, l3, l4, plaintext] = row;
    d.packets = packets;
    d.bytes = bytes;
    d.payload = [l0, l1, l2, l3, l4];
    d.plaintext = plaintext;
}

/// A [`Row`] in fewer bits (`u16`: a direction's first 64 KiB and 65,535 packets;
/// `u32`: its first 4 GiB).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Narrow<T>([T; ROW]);

impl<T: Copy + Into<u64> + TryFrom<u64>> Narrow<T> {
    /// Adds `c`, or `false` if a count would not fit (nothing added then: the sums
    /// are made in 64 bits and narrowed into a copy, kept only if all fit).
    fn add(&mut self, c: &Row) -> bool {
        let mut sum = *c;
        for (s, a) in sum.iter_mut().zip(self.0) {
            *s = s.saturating_add(a.into());
        }
        let mut narrow = self.0;
        for (a, s) in narrow.iter_mut().zip(sum) {
            match T::try_from(s) {
                Ok(n) => *a = n,
                Err(_) => return false,
            }
        }
        self.0 = narrow;
        true
    }

    fn wide(&self) -> Row {
        self.0.map(Into::into)
    }
}

/// Both directions' counts past 16 bits: 32, then 64, each from the first count that
/// would not fit (in [`Wide`]).
#[derive(Clone, Debug)]
enum BigTally {
    Narrow([Narrow<u32>; 2]),
    Wide([Row; 2]),
}

impl BigTally {
    /// Adds one frame's counts to direction `i` (0 or 1), widening if one would not fit.
    #[inline]
    fn add(&mut self, i: usize, c: &Row) {
        if let BigTally::Narrow(dirs) = self {
            if dirs.get_mut(i).is_none_or(|d| d.add(c)) {
                return;
            }
            *self = BigTally::Wide(dirs.map(|d| d.wide()));
        }
        if let BigTally::Wide(dirs) = self {
            if let Some(d) = dirs.get_mut(i) {
                for (a, b) in d.iter_mut().zip(c) {
                    *a += b;
                }
            }
        }
    }

    fn get(&self) -> [Row; 2] {
        match self {
            BigTally::Narrow(dirs) => dirs.map(|d| d.wide()),
            BigTally::Wide(dirs) => *dirs,
        }
    }
}

/// The first [`MAX_SIZES`] record or payload sizes of one direction, once one took more
/// than 16 bits (before, they are in [`Live`] itself).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Sizes<T> {
    len: u8,
    sizes: [T; MAX_SIZES],
}

impl<T: Copy> Sizes<T> {
    /// Keeps `size` if fewer than [`MAX_SIZES`] are kept.
    fn push(&mut self, size: T) {
        if let Some(s) = self.sizes.get_mut(usize::from(self.len)) {
            *s = size;
            self.len += 1;
        }
    }

    fn as_slice(&self) -> &[T] {
        self.sizes.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

/// What a live report keeps once something does not fit in place: counts past 16 bits,
/// sizes past 16 bits, notes past 32. Each part is boxed again, so that the rare flow
/// that needs one pays for that one; most flows of a full table never need this box.
#[derive(Clone, Debug, Default)]
struct Wide {
    tally: Option<Box<BigTally>>,
    sizes: Option<Box<[Sizes<u32>; 2]>>,
    /// Notes beyond the first `u32::MAX` ([`Live::notes`]).
    notes: u64,
}

/// What a flow's released frames told, so far. 136 bytes (144 with the allocator's, a
/// full table holds one per flow): the counts and sizes in 16 bits and the note count
/// in 32 in place, side by side with the other small fields, and one box for what does
/// not fit ([`Wide`]); two enums, each with its own tag and box, took 16 bytes more.
#[derive(Clone, Debug, Default)]
pub struct Live {
    first_frame: u64,
    last_frame: u64,
    /// Seconds and nanoseconds of the first and last frames, apart (a report's times
    /// are written from these alone; a [`Timestamp`] would take 24 bytes each, and
    /// each pair 16).
    secs: [i64; 2],
    nsecs: [u32; 2],
    /// Notes, up to `u32::MAX`; the rest in [`Wide::notes`].
    notes: u32,
    /// `[to the server, to the client]`: counts in 16 bits, until one does not fit
    /// ([`Wide::tally`] from then on).
    tally: [Narrow<u16>; 2],
    /// Each direction's first sizes in 16 bits, and how many, until one does not fit
    /// ([`Wide::sizes`] from then on).
    size_lens: [u8; 2],
    sizes: [[u16; MAX_SIZES]; 2],
    first_undecoded: Option<NonZeroU64>,
    findings: Option<Box<Findings>>,
    wide: Option<Box<Wide>>,
    /// TLS 1.3: the encrypted records of the client's handshake seen so far (its
    /// Finished, after a Certificate and CertificateVerify when the server asked for
    /// them), [`CLIENT_FINISHED`] once it is over: what follows is application data.
    tls13_client_handshake: u8,
    /// TLS records were seen: sizes count records from then on.
    records_seen: bool,
}

impl Live {
    fn wide_mut(&mut self) -> &mut Wide {
        self.wide.get_or_insert_with(Box::default)
    }

    /// Adds one frame's counts to direction `i` (0 or 1): in place while they fit in
    /// 16 bits, then in 32 and 64 in a box, both directions moved at the first count
    /// that would not fit.
    #[inline]
    fn add_counts(&mut self, i: usize, c: &Row) {
        if let Some(big) = self.wide.as_mut().and_then(|w| w.tally.as_mut()) {
            return big.add(i, c);
        }
        if self.tally.get_mut(i).is_none_or(|d| d.add(c)) {
            return;
        }
        let narrow = self.tally.map(|d| Narrow(d.0.map(u32::from)));
        self.tally = Default::default();
        let big = self
            .wide_mut()
            .tally
            .insert(Box::new(BigTally::Narrow(narrow)));
        big.add(i, c);
    }

    /// Both directions' counts.
    fn counts(&self) -> [Row; 2] {
        match self.wide.as_ref().and_then(|w| w.tally.as_ref()) {
            Some(big) => big.get(),
            None => self.tally.map(|d| d.wide()),
        }
    }

    /// Keeps `size` as direction `i`'s (0 or 1) next, if it has room: in 16 bits in
    /// place, in 32 in a box from the first larger one.
    #[inline]
    fn push_size(&mut self, i: usize, size: u32) {
        if let Some(wide) = self.wide.as_mut().and_then(|w| w.sizes.as_mut()) {
            if let Some(d) = wide.get_mut(i) {
                d.push(size);
            }
            return;
        }
        let (Some(len), Some(sizes)) = (self.size_lens.get_mut(i), self.sizes.get_mut(i)) else {
            return;
        };
        let Some(slot) = sizes.get_mut(usize::from(*len)) else {
            // Full.
            return;
        };
        if let Ok(small) = u16::try_from(size) {
            *slot = small;
            *len += 1;
            return;
        }
        let wide: [Sizes<u32>; 2] = std::array::from_fn(|d| Sizes {
            len: self.size_lens.get(d).copied().unwrap_or(0),
            sizes: self
                .sizes
                .get(d)
                .map_or([0; MAX_SIZES], |s| s.map(u32::from)),
        });
        let wide = self.wide_mut().sizes.insert(Box::new(wide));
        if let Some(d) = wide.get_mut(i) {
            d.push(size);
        }
    }

    /// Direction `i`'s sizes.
    fn sizes(&self, i: usize) -> Vec<u32> {
        if let Some(wide) = self.wide.as_ref().and_then(|w| w.sizes.as_ref()) {
            return wide.get(i).map_or(Vec::new(), |d| d.as_slice().to_vec());
        }
        let len = self.size_lens.get(i).map_or(0, |&n| usize::from(n));
        self.sizes
            .get(i)
            .and_then(|s| s.get(..len))
            .map_or(Vec::new(), |s| s.iter().map(|&n| u32::from(n)).collect())
    }

    /// Counts `n` more notes.
    fn add_notes(&mut self, n: usize) {
        match u32::try_from(n)
            .ok()
            .and_then(|n| self.notes.checked_add(n))
        {
            Some(sum) => self.notes = sum,
            None => self.wide_mut().notes += n as u64,
        }
    }

    /// Every note counted.
    fn notes(&self) -> u64 {
        u64::from(self.notes) + self.wide.as_ref().map_or(0, |w| w.notes)
    }

    fn findings_mut(&mut self) -> &mut Findings {
        self.findings.get_or_insert_with(Box::default)
    }

    /// Adds one released frame (of direction `dir`); `counted` is its payload's range
    /// and bytes per label there (the engine counted them for the summary).
    pub fn account(
        &mut self,
        dir: Direction,
        view: &FrameView<'_>,
        counted: Option<(std::ops::Range<u32>, [u64; Label::COUNT])>,
    ) {
        let r = self;
        let (frame, decoded, events) = (view.frame, view.decoded, view.events);
        let ts = (frame.ts.sec, frame.ts.nsec);
        if r.first_frame == 0 {
            r.first_frame = frame.number;
            (r.secs[0], r.nsecs[0]) = ts;
        }
        r.last_frame = frame.number;
        (r.secs[1], r.nsecs[1]) = ts;
        r.add_notes(decoded.notes.len());
        let i = dir.index();
        // The frame's own counts, added at the end.
        let mut payload = [0u64; Label::COUNT];
        let mut plaintext = 0u64;
        let mut payload_len = 0u32;
        if let Some((range, counts)) = counted {
            payload_len = range.end - range.start;
            payload = counts;
            if r.first_undecoded.is_none() && Label::Undecoded.count(&counts) > 0 {
                r.first_undecoded = NonZeroU64::new(frame.number);
            }
            // Readable content is counted from its spans, where the byte map shows
            // readable bytes at all (encrypted payloads have none: no span to walk).
            let readable = Label::Cleartext.count(&counts) + Label::Leak.count(&counts);
            let spans = if readable > 0 {
                &decoded.spans[..]
            } else {
                &[]
            };
            for s in spans {
                if s.range.start < range.start || s.range.end > range.end {
                    continue;
                }
                if !matches!(s.label(), Label::Cleartext | Label::Leak) {
                    continue;
                }
                if s.field.role() != Role::Content {
                    continue;
                }
                plaintext += u64::from(s.range.end - s.range.start);
                if r.findings
                    .as_ref()
                    .is_none_or(|f| f.first_plaintext.is_none())
                {
                    if let Some(sample) = plaintext_sample(frame, s, range.end) {
                        r.findings.get_or_insert_with(Box::default).first_plaintext =
                            Some((frame.number, s.field.name(), sample));
                    }
                }
            }
        }
        let mut tls_records = false;
        for e in events {
            match e {
                Desc::TlsRecord {
                    len,
                    version,
                    content,
                    encrypted: true,
                    plaintext: Some(p),
                } if *content == ContentType::APPLICATION_DATA => {
                    tls_records = true;
                    r.push_size(i, u32::from(*len));
                    // In TLS 1.3 the encrypted handshake looks like application data:
                    // the server's records before the client's first encrypted one,
                    // and the client's up to its Finished, are the handshake.
                    let mut handshake =
                        version.is_tls13() && r.tls13_client_handshake != CLIENT_FINISHED;
                    if handshake && dir == Direction::ToServer {
                        (handshake, r.tls13_client_handshake) =
                            client_handshake_step(r.tls13_client_handshake, p);
                    }
                    if !handshake {
                        r.findings_mut().message(dir, frame, *p);
                    }
                }
                Desc::Sealed {
                    plaintext: Some(p),
                    unit,
                    ..
                } if !unit.contains("Handshake") => {
                    r.findings_mut().message(dir, frame, *p);
                }
                Desc::TlsRecord { len, .. } => {
                    tls_records = true;
                    r.push_size(i, u32::from(*len));
                }
                Desc::Leak { kind, value } => {
                    r.findings_mut().leak(*kind, value, frame.number, dir);
                }
                Desc::TlsHandshake { msg, .. } if *msg == HandshakeType::SERVER_HELLO => {
                    r.findings_mut()
                        .server_hello_frame
                        .get_or_insert(frame.number);
                }
                Desc::Named { name, source } => {
                    r.findings_mut().name(name, *source, frame.number);
                }
                _ => {}
            }
        }
        let counts = row(1, u64::from(frame.orig_len), payload, plaintext);
        r.add_counts(i, &counts);
        r.records_seen |= tls_records;
        // Before TLS (or without it) each payload is a message; after, records count.
        if !r.records_seen && payload_len > 0 {
            r.push_size(i, payload_len);
        }
    }
}

/// The first stretch of a readable content field that reads as text (tcpdump -A
/// style), as the report's sample of the flow's first plaintext; `payload_end` ends the
/// payload the field is in.
fn plaintext_sample(
    frame: &crate::capture::Frame,
    s: &crate::span::Span,
    payload_end: u32,
) -> Option<String> {
    let bytes = frame
        .data
        .get(s.range.start as usize..s.range.end as usize)
        .unwrap_or(&[]);
    let printable = bytes.iter().filter(|b| (0x20..0x7f).contains(*b)).count();
    if printable < 3.min(bytes.len()) || printable * 2 < bytes.len() {
        return None;
    }
    // A field that is all text goes on to the end of its line (`GET` becomes
    // `GET /private HTTP/1.1`).
    let bytes = if printable == bytes.len() {
        let rest = frame
            .data
            .get(s.range.start as usize..payload_end as usize)
            .unwrap_or(bytes);
        let end = rest
            .iter()
            .position(|b| !(0x20..0x7f).contains(b))
            .unwrap_or(rest.len());
        rest.get(..end).unwrap_or(bytes)
    } else {
        bytes
    };
    // A DNS name travels as labels, each after its length: the sample is the name as a
    // resolver writes it.
    let wire = (s.field.def().leak == Some(LeakKind::DnsName))
        .then(|| dns_wire_name(bytes))
        .flatten();
    Some(wire.unwrap_or_else(|| {
        bytes
            .iter()
            .take(60)
            .map(|&b| {
                if (0x20..0x7f).contains(&b) {
                    b as char
                } else {
                    '.'
                }
            })
            .collect()
    }))
}

/// A DNS name in wire form (RFC 1035 section 3.1: labels after their length, ending
/// with the root's zero), written `www.example.` — up to 60 characters; `None` for
/// what is not one (a compression pointer, a label past the bytes).
fn dns_wire_name(b: &[u8]) -> Option<String> {
    let mut name = String::new();
    let mut pos = 0usize;
    loop {
        let len = usize::from(*b.get(pos)?);
        if len == 0 {
            return Some(if name.is_empty() { ".".into() } else { name });
        }
        let label = b.get(pos + 1..pos + 1 + len).filter(|_| len < 64)?;
        for &c in label {
            name.push(if (0x21..0x7f).contains(&c) {
                c as char
            } else {
                '?'
            });
        }
        name.push('.');
        if name.len() > 60 {
            return Some(name.chars().take(60).collect());
        }
        pos += 1 + len;
    }
}

impl Findings {
    /// Adds an encrypted record to the conversation: to the last message if it goes
    /// the same way in the same burst, else as a new message.
    fn message(
        &mut self,
        dir: Direction,
        frame: &crate::capture::Frame,
        p: crate::proto::PlainLen,
    ) {
        let ns = |(sec, nsec): (i64, u32)| i128::from(sec) * 1_000_000_000 + i128::from(nsec);
        let now = (frame.ts.sec, frame.ts.nsec);
        if let Some(last) = self.messages.last_mut() {
            if last.dir == dir && ns(now) - ns(last.last) < BURST_NS {
                last.records += 1;
                last.min += u64::from(p.min);
                last.max += u64::from(p.max);
                last.last = now;
                return;
            }
        }
        if self.messages.len() >= MAX_MESSAGES {
            self.messages_dropped += 1;
            return;
        }
        self.messages.push(Message {
            dir,
            first_frame: frame.number,
            records: 1,
            min: u64::from(p.min),
            max: u64::from(p.max),
            last: now,
        });
    }
}

impl FlowReport {
    /// Gives an ended flow's report what its frames released so far told; frames
    /// released from now on are added to it ([`FlowReport::live_mut`]) until it is
    /// handed out ([`FlowReport::settle`]).
    pub fn attach(&mut self, live: Box<Live>) {
        self.live = Some(live);
    }

    /// Where the frames of an ended flow still released go.
    pub fn live_mut(&mut self) -> &mut Live {
        self.live.get_or_insert_with(Box::default)
    }

    /// Takes in what the flow's frames told: counts, sizes, times, leaks, names and
    /// messages. Called on a report before it is handed out.
    pub fn settle(&mut self) {
        let Some(live) = self.live.take() else {
            return;
        };
        let live = *live;
        self.first_frame = live.first_frame;
        self.last_frame = live.last_frame;
        let [start, end] = live.secs;
        let [start_ns, end_ns] = live.nsecs;
        self.start = Timestamp::new(start, start_ns);
        self.end = Timestamp::new(end, end_ns);
        self.notes = live.notes();
        for (i, (d, c)) in self.dirs.iter_mut().zip(live.counts()).enumerate() {
            set_row(d, c);
            d.sizes = live.sizes(i);
        }
        self.first_undecoded = live.first_undecoded;
        self.records_seen = live.records_seen;
        // What the flow's end set (its tunnel, its dissectors' details) joins what its
        // frames found.
        if let Some(mut found) = live.findings {
            if let Some(ended) = self.findings.take() {
                found.tunnel = ended.tunnel;
                found.details = ended.details;
            }
            self.findings = Some(found);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The client's encrypted records after a TLS 1.3 ServerHello, by plaintext size,
    /// and which of them are its handshake.
    #[test]
    fn the_client_handshake_ends_at_its_finished() {
        let run = |sizes: &[u32]| -> Vec<bool> {
            let mut state = CLIENT_START;
            sizes
                .iter()
                .map(|&max| {
                    if state == CLIENT_FINISHED {
                        return false;
                    }
                    let p = crate::proto::PlainLen { min: 0, max };
                    let (handshake, next) = client_handshake_step(state, &p);
                    state = next;
                    handshake
                })
                .collect()
        };
        // Finished alone (SHA-256, SHA-384 suites), then data.
        assert_eq!(run(&[36, 30, 36]), [true, false, false]);
        assert_eq!(run(&[52, 52]), [true, false]);
        // OpenSSL with a client certificate: Certificate, CertificateVerify (RSA-2048),
        // Finished, then data; an empty Certificate; EndOfEarlyData after 0-RTT.
        assert_eq!(run(&[783, 264, 52, 31]), [true, true, true, false]);
        assert_eq!(run(&[8, 52, 31]), [true, true, false]);
        assert_eq!(run(&[4, 36, 129]), [true, true, false]);
        // Chrome: EncryptedExtensions and Finished in one record, then HTTP/2's preface.
        assert_eq!(run(&[46, 76, 70]), [true, false, false]);
        // Certificate, CertificateVerify and Finished in one record (BoringSSL, rustls):
        // what follows is data unless it has a signature's size.
        assert_eq!(run(&[1200, 76, 9]), [true, false, false]);
        // A certificate then no Finished where one belongs: data from there on.
        assert_eq!(run(&[783, 264, 31, 36]), [true, true, false, false]);
    }

    /// The engine holds one per flow in its table: with the allocator's 8 bytes, 144
    /// (160 at 152 bytes, 224 with 32-bit counts and sizes in place).
    #[test]
    fn a_live_report_fits_in_136_bytes() {
        assert!(
            std::mem::size_of::<Live>() <= 136,
            "{}",
            std::mem::size_of::<Live>()
        );
    }

    /// How wide the counts are kept: 16, 32 or 64 bits.
    fn width(r: &Live) -> u32 {
        match r.wide.as_ref().and_then(|w| w.tally.as_deref()) {
            None => 16,
            Some(BigTally::Narrow(_)) => 32,
            Some(BigTally::Wide(_)) => 64,
        }
    }

    /// Counts stay exact past 16 and 32 bits: the tally widens, in both directions, at
    /// the first count that would not fit.
    #[test]
    fn a_tally_widens_before_it_overflows() {
        let opaque = Label::Opaque.index();
        let frame = |bytes: u64, n: u64| {
            let mut payload = [0; Label::COUNT];
            payload[opaque] = n;
            row(1, bytes, payload, 0)
        };
        let mut t = Live::default();
        t.add_counts(0, &frame(65_000, 5));
        t.add_counts(1, &frame(7, 3));
        assert_eq!(width(&t), 16);
        assert!(t.wide.is_none(), "nothing boxed while counts fit");
        t.add_counts(0, &frame(535, 5));
        assert_eq!(width(&t), 16, "65,535 bytes still fit");
        t.add_counts(0, &frame(u64::from(u32::MAX) - 65_546, 0));
        assert_eq!(width(&t), 32);
        assert_eq!(t.counts()[0][1], u64::from(u32::MAX) - 11);
        assert_eq!(
            t.counts()[1],
            frame(7, 3),
            "the other direction widened as it was"
        );
        t.add_counts(0, &frame(11, 5));
        assert_eq!(width(&t), 32, "u32::MAX still fits");
        t.add_counts(0, &frame(1, 0));
        assert_eq!(width(&t), 64);
        t.add_counts(0, &frame(1 << 40, 1 << 33));
        t.add_counts(1, &frame(2, 1));
        let [mut a, mut b] = [DirStats::default(), DirStats::default()];
        let [ra, rb] = t.counts();
        set_row(&mut a, ra);
        set_row(&mut b, rb);
        assert_eq!(a.packets, 6);
        assert_eq!(a.bytes, u64::from(u32::MAX) + 1 + (1 << 40));
        assert_eq!(a.payload[opaque], 15 + (1 << 33));
        assert_eq!((b.packets, b.bytes, b.payload[opaque]), (2, 9, 4));
        // A row keeps every count in its place.
        let mut d = DirStats::default();
        set_row(&mut d, row(1, 2, [3, 4, 5, 6, 7], 8));
        assert_eq!(
            (d.packets, d.bytes, d.payload, d.plaintext),
            (1, 2, [3, 4, 5, 6, 7], 8)
        );
        // One frame past 32 bits on its own widens all the way.
        let mut t = Live::default();
        t.add_counts(1, &frame(1 << 32, 0));
        assert_eq!(width(&t), 64);
        assert_eq!(
            t.counts(),
            [[0; ROW], row(1, 1 << 32, [0; Label::COUNT], 0)]
        );
    }

    /// Each direction keeps its first eight sizes, past 16 bits too (a payload over
    /// 64 KiB: a TSO capture, a reassembled datagram).
    #[test]
    fn sizes_keep_the_first_eight() {
        let mut s = Live::default();
        for n in 1..=20 {
            s.push_size(0, n);
        }
        s.push_size(1, 70_000);
        s.push_size(1, 5);
        assert_eq!(s.sizes(0), [1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(s.sizes(1), [70_000, 5]);
        let mut s = Live::default();
        for n in [1, 65_535, 3] {
            s.push_size(1, n);
        }
        assert!(s.wide.is_none(), "16 bits in place");
        for n in 0..7 {
            s.push_size(0, 100_000 + n);
        }
        s.push_size(0, 9);
        s.push_size(0, 99);
        assert_eq!(s.sizes(1), [1, 65_535, 3]);
        assert_eq!(
            s.sizes(0),
            [100_000, 100_001, 100_002, 100_003, 100_004, 100_005, 100_006, 9]
        );
        // A full direction takes no larger size (and boxes nothing for it).
        let mut s = Live::default();
        for n in 1..=8 {
            s.push_size(0, n);
        }
        s.push_size(0, 1 << 20);
        assert!(s.wide.is_none());
        assert_eq!(s.sizes(0), [1, 2, 3, 4, 5, 6, 7, 8]);
    }

    /// Notes are counted past 32 bits.
    #[test]
    fn notes_are_counted_past_32_bits() {
        let mut r = Live::default();
        r.add_notes(3);
        assert!(r.wide.is_none());
        r.add_notes(u32::MAX as usize - 3);
        assert_eq!(r.notes(), u64::from(u32::MAX));
        assert!(r.wide.is_none(), "u32::MAX still fits");
        r.add_notes(2);
        r.add_notes(0);
        assert_eq!(r.notes(), u64::from(u32::MAX) + 2);
    }

    #[test]
    fn wire_names_read_as_names() {
        assert_eq!(
            dns_wire_name(b"\x03www\x07example\x04test\x00").as_deref(),
            Some("www.example.test.")
        );
        assert_eq!(dns_wire_name(b"\x00").as_deref(), Some("."));
        // A compression pointer, a label past the bytes, a length of 64: not a name here.
        assert_eq!(dns_wire_name(b"\x03www\xc0\x0c"), None);
        assert_eq!(dns_wire_name(b"\x09www"), None);
        assert_eq!(dns_wire_name(&[64; 70]), None);
        // Control bytes never reach a terminal; long names are cut.
        assert_eq!(dns_wire_name(b"\x03a\x1bb\x00").as_deref(), Some("a?b."));
        let long = [&[50u8][..], &[b'x'; 50], &[50], &[b'y'; 50], &[0]].concat();
        assert_eq!(dns_wire_name(&long).map(|n| n.len()), Some(60));
    }
}
