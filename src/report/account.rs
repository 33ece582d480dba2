//! Accounting: each released frame's labels, sizes, events and leaks added to its
//! flow's report, and the names and leaks a flow learns.

use super::*;

impl FlowReport {
    /// Adds one released frame (of direction `dir`) to the report.
    pub fn account(&mut self, dir: Direction, view: &FrameView<'_>) {
        let r = self;
        let (frame, decoded, map, events) = (view.frame, view.decoded, view.map, view.events);

        if r.first_frame == 0 {
            r.first_frame = frame.number;
            r.start = frame.ts;
        }
        r.last_frame = frame.number;
        r.end = frame.ts;
        r.notes += decoded.notes.len() as u64;
        let Some(d) = r.dirs.get_mut(dir.index()) else {
            return;
        };
        d.packets += 1;
        d.bytes += u64::from(frame.orig_len);
        let mut payload_len = 0u32;
        if let Some(range) = decoded.payload_range() {
            payload_len = range.end - range.start;
            let counts = map.count_in(range.clone());
            for (total, n) in d.payload.iter_mut().zip(counts) {
                *total += n;
            }
            if r.first_undecoded.is_none() && Label::Undecoded.count(&counts) > 0 {
                r.first_undecoded = NonZeroU64::new(frame.number);
            }
            for s in &decoded.spans {
                if s.range.start < range.start || s.range.end > range.end {
                    continue;
                }
                if !matches!(s.label(), Label::Cleartext | Label::Leak) {
                    continue;
                }
                let name = s.field.name();
                if s.field.role() == Role::Content {
                    d.plaintext += u64::from(s.range.end - s.range.start);
                    // (Through the field: `d` borrows the directions.)
                    if r.findings
                        .as_ref()
                        .is_none_or(|f| f.first_plaintext.is_none())
                    {
                        let bytes = frame
                            .data
                            .get(s.range.start as usize..s.range.end as usize)
                            .unwrap_or(&[]);
                        // The first stretch that reads as text (tcpdump -A style) is the
                        // sample.
                        let printable = bytes.iter().filter(|b| (0x20..0x7f).contains(*b)).count();
                        if printable >= 3.min(bytes.len()) && printable * 2 >= bytes.len() {
                            // A field that is all text goes on to the end of its line
                            // (`GET` becomes `GET /private HTTP/1.1`).
                            let bytes = if printable == bytes.len() {
                                let rest = frame
                                    .data
                                    .get(s.range.start as usize..range.end as usize)
                                    .unwrap_or(bytes);
                                let end = rest
                                    .iter()
                                    .position(|b| !(0x20..0x7f).contains(b))
                                    .unwrap_or(rest.len());
                                rest.get(..end).unwrap_or(bytes)
                            } else {
                                bytes
                            };
                            // A DNS name travels as labels, each after its length:
                            // the sample is the name as a resolver writes it.
                            let wire = (s.field.def().leak == Some(LeakKind::DnsName))
                                .then(|| dns_wire_name(bytes))
                                .flatten();
                            let sample: String = wire.unwrap_or_else(|| {
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
                            });
                            r.findings.get_or_insert_with(Box::default).first_plaintext =
                                Some((frame.number, name, sample));
                        }
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
                    if let Some(d) = r.dirs.get_mut(dir.index()) {
                        if d.sizes.len() < MAX_SIZES {
                            d.sizes.push(u32::from(*len));
                        }
                    }
                    // In TLS 1.3 the encrypted handshake looks like application data:
                    // the server's records before the client's first encrypted one,
                    // and that one (the client's Finished), are the handshake.
                    let handshake = version.is_tls13() && !r.tls13_client_encrypted;
                    if handshake && dir == Direction::ToServer {
                        r.tls13_client_encrypted = true;
                    }
                    if !handshake {
                        r.message(dir, frame, *p);
                    }
                }
                Desc::Sealed {
                    plaintext: Some(p),
                    unit,
                    ..
                } if !unit.contains("Handshake") => {
                    r.message(dir, frame, *p);
                }
                Desc::TlsRecord { len, .. } => {
                    tls_records = true;
                    if let Some(d) = r.dirs.get_mut(dir.index()) {
                        if d.sizes.len() < MAX_SIZES {
                            d.sizes.push(u32::from(*len));
                        }
                    }
                }
                Desc::Leak { kind, value } => {
                    r.leak(*kind, value, frame.number, dir);
                }
                Desc::TlsHandshake { msg, .. } if *msg == HandshakeType::SERVER_HELLO => {
                    r.findings_mut()
                        .server_hello_frame
                        .get_or_insert(frame.number);
                }
                Desc::Named { name, source } => r.name(name, *source, frame.number),
                _ => {}
            }
        }
        r.records_seen |= tls_records;
        let records = r.records_seen;
        let Some(d) = r.dirs.get_mut(dir.index()) else {
            return;
        };
        // Before TLS (or without it) each payload is a message; after, records count.
        if !records && payload_len > 0 && d.sizes.len() < MAX_SIZES {
            d.sizes.push(payload_len);
        }
    }

    /// Adds an encrypted record to the conversation: to the last message if it goes
    /// the same way in the same burst, else as a new message.
    pub(super) fn message(
        &mut self,
        dir: Direction,
        frame: &crate::capture::Frame,
        p: crate::proto::PlainLen,
    ) {
        let ns = |t: Timestamp| i128::from(t.sec) * 1_000_000_000 + i128::from(t.nsec);
        let f = self.findings_mut();
        if let Some(last) = f.messages.last_mut() {
            if last.dir == dir && ns(frame.ts) - ns(last.last) < BURST_NS {
                last.records += 1;
                last.min += u64::from(p.min);
                last.max += u64::from(p.max);
                last.last = frame.ts;
                return;
            }
        }
        if f.messages.len() >= MAX_MESSAGES {
            f.messages_dropped += 1;
            return;
        }
        f.messages.push(Message {
            dir,
            first_frame: frame.number,
            records: 1,
            min: u64::from(p.min),
            max: u64::from(p.max),
            last: frame.ts,
        });
    }

    /// The encrypted conversation in words: `client sent 1 message (31 bytes), server
    /// answered 1 (31 bytes)`; `None` when nothing encrypted was seen.
    pub fn conversation(&self) -> Option<String> {
        use std::fmt::Write as _;
        let f = self.findings();
        if f.messages.is_empty() {
            return None;
        }
        // Runs of messages the same way; past SHOWN of them, `…`.
        const SHOWN: usize = 6;
        let mut text = String::new();
        let mut runs = f.messages.chunk_by(|a, b| a.dir == b.dir);
        for (i, run) in runs.by_ref().take(SHOWN).enumerate() {
            let Some(first) = run.first() else { continue };
            let who = if first.dir == Direction::ToServer {
                "client"
            } else {
                "server"
            };
            let verb = if i == 0 || first.dir == Direction::ToServer {
                "sent"
            } else {
                "answered"
            };
            if i > 0 {
                text.push_str(", ");
            }
            let n = run.len() as u64;
            let _ = if i == 0 {
                write!(text, "{who} {verb} {} (", crate::text::plural(n, "message"))
            } else {
                write!(text, "{who} {verb} {n} (")
            };
            for (k, m) in run.iter().enumerate() {
                if k > 0 {
                    text.push_str(", ");
                }
                let _ = write!(text, "{}", crate::text::BytesRange(m.min, m.max));
            }
            text.push(')');
        }
        if runs.next().is_some() || f.messages_dropped > 0 {
            text.push_str(", …");
        }
        Some(text)
    }

    /// Records a name unless the same name came the same way before.
    pub fn name(&mut self, name: &str, source: NameSource, frame: u64) {
        let name = first_chars(name, MAX_VALUE);
        let names = &self.findings().names;
        if names.len() >= MAX_NAMES || names.iter().any(|n| n.source == source && n.name == name) {
            return;
        }
        self.findings_mut().names.push(NameSeen {
            name: name.to_string(),
            source,
            frame,
        });
    }

    /// Completes the list of names once the flow's facts are known: its server
    /// name (SNI, or the outer name of an ECH hello), the names in the server's
    /// certificate, ALPN, and what earlier DNS answers said of the server's address
    /// (`dns(addr, first_frame)` gives those names with their frames). Called on every
    /// report handed out: a report that never ended gets its stack here.
    pub fn complete_names(&mut self, dns: impl FnOnce(IpAddr, u64) -> Vec<(String, u64)>) {
        self.complete_stack();
        let leak_frame = |r: &FlowReport, kind: LeakKind| {
            r.findings()
                .leaks
                .iter()
                .find(|l| l.kind == kind)
                .map_or(r.first_frame, |l| l.frame)
        };
        if let Some(t) = self.tls.clone() {
            if let Some(sni) = &t.sni {
                let source = if t.ech {
                    NameSource::EchPublic
                } else {
                    NameSource::Sni
                };
                let f = leak_frame(self, LeakKind::ServerName);
                self.name(sni, source, f);
            }
            if let Some(leaf) = t.certificates.first() {
                let f = leak_frame(self, LeakKind::CertificateName);
                let cn = crate::text::common_name(&leaf.subject).to_string();
                for n in leaf.sans.iter().cloned().chain(std::iter::once(cn)) {
                    self.name(&n, NameSource::Certificate, f);
                }
            }
            // ALPN travels in the ClientHello, beside the server name (if any).
            let f = self
                .findings()
                .leaks
                .iter()
                .find(|l| matches!(l.kind, LeakKind::Alpn | LeakKind::ServerName))
                .map_or(
                    self.findings()
                        .server_hello_frame
                        .unwrap_or(self.first_frame),
                    |l| l.frame,
                );
            for a in t.alpn_chosen.iter().chain(t.alpn_offered.iter()) {
                self.name(a, NameSource::Alpn, f);
            }
        }
        for (n, f) in dns(self.server.0, self.first_frame) {
            self.name(&n, NameSource::Dns, f);
        }
    }

    /// Records a leak unless the same kind and value was seen before.
    pub fn leak(&mut self, kind: LeakKind, value: &str, frame: u64, dir: Direction) {
        // Compared before it is copied: a leak seen again (the same header in every
        // request) costs no allocation.
        let value = first_chars(value, MAX_VALUE);
        if self
            .findings()
            .leaks
            .iter()
            .any(|l| l.kind == kind && l.value == value)
        {
            return;
        }
        let f = self.findings_mut();
        if f.leaks.len() >= MAX_LEAKS {
            f.leaks_dropped += 1;
            return;
        }
        f.leaks.push(LeakSeen {
            kind,
            value: value.to_string(),
            frame,
            dir,
        });
    }
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

#[cfg(test)]
mod dns_name_tests {
    use super::dns_wire_name;

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
