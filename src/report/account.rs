//! What a flow learns: its names and leaks (kept once each), the names its facts
//! and earlier DNS answers give it, and its encrypted conversation in words.

use super::*;

impl FlowReport {
    /// The encrypted conversation in words: `client sent 1 message (31 bytes), server
    /// answered 1 (31 bytes)`; `None` when nothing encrypted was seen.
    pub fn conversation(&self) -> Option<String> {
        let mut text = String::new();
        self.conversation_into(&mut text).then_some(text)
    }

    /// [`FlowReport::conversation`] appended to `text` (a buffer the caller reuses);
    /// `false`, nothing written, when nothing encrypted was seen.
    pub fn conversation_into(&self, text: &mut String) -> bool {
        let f = self.findings();
        if f.messages.is_empty() {
            return false;
        }
        // Runs of messages the same way; past SHOWN of them, `…`.
        const SHOWN: usize = 6;
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
            text.push_str(who);
            text.push(' ');
            text.push_str(verb);
            text.push(' ');
            if i == 0 {
                crate::text::push_plural(text, n, "message");
            } else {
                crate::text::push_dec(text, n);
            }
            text.push_str(" (");
            for (k, m) in run.iter().enumerate() {
                if k > 0 {
                    text.push_str(", ");
                }
                crate::text::BytesRange(m.min, m.max).push_to(text);
            }
            text.push(')');
        }
        if runs.next().is_some() || f.messages_dropped > 0 {
            text.push_str(", …");
        }
        true
    }

    /// Records a name unless the same name came the same way before.
    pub fn name(&mut self, name: &str, source: NameSource, frame: u64) {
        self.findings_mut().name(name, source, frame);
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
        // Taken out while its names go in (and put back): not copied.
        if let Some(t) = self.tls.take() {
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
                let cn = crate::text::common_name(&leaf.subject);
                for n in leaf
                    .sans
                    .iter()
                    .map(String::as_str)
                    .chain(std::iter::once(cn))
                {
                    self.name(n, NameSource::Certificate, f);
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
            self.tls = Some(t);
        }
        for (n, f) in dns(self.server.0, self.first_frame) {
            self.name(&n, NameSource::Dns, f);
        }
    }

    /// Records a leak unless the same kind and value was seen before.
    pub fn leak(&mut self, kind: LeakKind, value: &str, frame: u64, dir: Direction) {
        self.findings_mut().leak(kind, value, frame, dir);
    }
}

impl Findings {
    /// Records a name unless the same name came the same way before.
    pub fn name(&mut self, name: &str, source: NameSource, frame: u64) {
        let name = first_chars(name, MAX_VALUE);
        let names = &self.names;
        if names.len() >= MAX_NAMES || names.iter().any(|n| n.source == source && n.name == name) {
            return;
        }
        self.names.push(NameSeen {
            name: name.to_string(),
            source,
            frame,
        });
    }

    /// Records a leak unless the same kind and value was seen before.
    pub fn leak(&mut self, kind: LeakKind, value: &str, frame: u64, dir: Direction) {
        // Compared before it is copied: a leak seen again (the same header in every
        // request) costs no allocation.
        let value = first_chars(value, MAX_VALUE);
        if self
            .leaks
            .iter()
            .any(|l| l.kind == kind && l.value == value)
        {
            return;
        }
        if self.leaks.len() >= MAX_LEAKS {
            self.leaks_dropped += 1;
            return;
        }
        self.leaks.push(LeakSeen {
            kind,
            value: value.to_string(),
            frame,
            dir,
        });
    }
}
