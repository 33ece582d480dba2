//! The details printed under a flow's table row (unless `--brief`): stack, TLS,
//! names, leaks, sizes and the verdict.

use super::*;
use crate::text::{push_dec, push_plural, push_seconds_3};

impl<W: Write, E: Write> FlowsSink<W, E> {
    /// The table row of a flow.
    pub(super) fn row(&self, s: &mut String, p: &Parts<'_>, w: &Widths) {
        let c = &p.cells;
        put_left(s, c.id(), w.id);
        s.push_str("  ");
        s.push_str(&p.transport);
        super::table::spaces(s, 3usize.saturating_sub(p.transport.chars().count()));
        s.push_str("  ");
        put_right(s, c.endpoints(), w.endpoints);
        s.push_str("  ");
        put_right(s, c.stack(), w.stack);
        s.push_str("  ");
        put_left(s, c.packets(), w.packets);
        s.push_str("  ");
        put_left(s, c.bytes(), w.bytes);
        s.push_str("  ");
        put_left(s, c.handshake(), w.handshake);
        s.push_str("  ");
        if self.opts.color {
            let _ = write!(
                s,
                "{}  {}",
                self.paint(&pad_left(c.plaintext(), w.plaintext), Label::Cleartext),
                self.paint(&pad_left(c.opaque(), w.opaque), Label::Opaque)
            );
        } else {
            put_left(s, c.plaintext(), w.plaintext);
            s.push_str("  ");
            put_left(s, c.opaque(), w.opaque);
        }
        s.push_str("  ");
        s.push_str(&p.end);
        s.push('\n');
    }

    /// The lines under the row, each indented by `pad`.
    pub(super) fn details(&self, s: &mut String, r: &FlowReport, pad: &str) {
        let full = self.opts.full;
        // Written in place, then escaped, shortened, painted there where it must be (a
        // verdict went through three strings a flow, then one).
        s.push_str(pad);
        s.push_str("verdict: ");
        let start = s.len();
        r.verdict_into(s);
        crate::render::escape_tail(s, start);
        let verdict = s.get(start..).unwrap_or_default();
        if !full && verdict.chars().count() > 200 {
            let short = shorten(verdict, 200);
            s.truncate(start);
            s.push_str(&short);
        }
        if alarming(r) && self.opts.color {
            let verdict = s.split_off(start);
            s.push_str(&self.paint(&verdict, Label::Leak));
        }
        s.push('\n');
        if let Some(d) = r.tls.as_ref().and_then(|t| t.decryption.as_ref()) {
            // The key holder's view, beside the observer's verdict.
            let [to, from] = &d.dirs;
            let rec = |n: u64| if n == 1 { "record" } else { "records" };
            let mut line = format!(
                "with the key log: {} (→ {} {}, {} bytes; ← {} {}, {} bytes)",
                d.status.word(),
                to.records,
                rec(to.records),
                to.bytes,
                from.records,
                rec(from.records),
                from.bytes
            );
            if !d.says.is_empty() {
                line.push_str(": ");
                line.push_str(&d.says.join(", "));
            }
            let _ = writeln!(s, "{pad}{}", escape(&line));
            if !d.secrets.is_empty() {
                let line = format!("visible to the endpoints only: {}", d.secrets.join(", "));
                let _ = writeln!(s, "{pad}{}", self.paint(&escape(&line), Label::Leak));
            }
        }
        s.push_str(pad);
        s.push_str("frames ");
        push_dec(s, r.first_frame);
        s.push('–');
        push_dec(s, r.last_frame);
        s.push_str(", from ");
        if !push_rfc3339(s, r.start) {
            s.push_str("[a time out of range]");
        }
        s.push_str(" for ");
        push_seconds_3(s, (r.start.sec, r.start.nsec), (r.end.sec, r.end.nsec));
        s.push_str(" s");
        if r.transport == Transport::Tcp && !r.syn_seen {
            s.push_str(", TCP handshake not seen");
        }
        s.push('\n');
        if let Some(t) = &r.tls {
            // Written in place, `, ` before each part after the version (a list of
            // strings, joined, before).
            s.push_str(pad);
            s.push_str("tls: ");
            match t.version {
                Some(v) => s.push_str(&v.label()),
                None if t.client_hello_seen => {
                    s.push_str("offered up to ");
                    match t.offered {
                        Some(v) => s.push_str(&v.label()),
                        None => s.push('?'),
                    }
                }
                None => s.push_str("handshake not seen"),
            }
            if let Some(c) = t.cipher {
                s.push_str(", ");
                s.push_str(&cipher_name(c));
            }
            if let Some(sni) = &t.sni {
                s.push_str(", ");
                s.push_str("SNI ");
                s.push_str(&escape(sni));
                if t.ech {
                    s.push_str(" (outer; ECH offered)");
                }
            } else if t.client_hello_seen {
                s.push_str(", ");
                s.push_str("no SNI");
            }
            if !t.alpn_offered.is_empty() {
                let tls13 = t.version.is_some_and(|v| v.is_tls13());
                let chosen = match t.alpn_chosen.as_deref() {
                    Some(c) => c,
                    // TLS 1.3 sends the server's choice in EncryptedExtensions.
                    None if tls13 => "? (encrypted)",
                    None => "none chosen",
                };
                let offered: Vec<String> = t
                    .alpn_offered
                    .iter()
                    .map(|a| escape(a).into_owned())
                    .collect();
                s.push_str(", ");
                s.push_str("ALPN ");
                s.push_str(&folded(&offered, full, ",", ""));
                s.push_str(" → ");
                s.push_str(&escape(chosen));
            }
            if t.resumed {
                s.push_str(", ");
                s.push_str("resumed");
            }
            s.push('\n');
            let shown = if full {
                t.certificates.len()
            } else {
                t.certificates.len().min(3)
            };
            for c in t.certificates.iter().take(shown) {
                let mut line = format!("certificate: {} (issuer {})", c.subject, c.issuer);
                if !c.sans.is_empty() {
                    let _ = write!(line, ", SAN {}", folded(&c.sans, full, " ", ""));
                }
                let line = if full { line } else { shorten(&line, 300) };
                let _ = writeln!(s, "{pad}{}", escape(&line));
            }
            if shown < t.certificates.len() {
                let _ = writeln!(
                    s,
                    "{pad}… and {} more (--full lists them)",
                    plural((t.certificates.len() - shown) as u64, "certificate")
                );
            }
            if t.ja4.is_some() || t.ja3.is_some() || t.ja3s.is_some() {
                let _ = write!(s, "{pad}fingerprints: ");
                let mut sep = "";
                if let Some(j) = &t.ja4 {
                    let _ = write!(s, "JA4 {j}");
                    sep = ", ";
                }
                if let Some(j) = &t.ja3 {
                    let _ = write!(s, "{sep}JA3 {j}");
                    sep = ", ";
                }
                if let Some(j) = &t.ja3s {
                    let _ = write!(s, "{sep}JA3S {j}");
                }
                s.push('\n');
            }
        }
        if !r.findings().names.is_empty() {
            // One entry per name, with every way it was learned.
            let mut names: Vec<(&str, Vec<&str>)> = Vec::new();
            for n in &r.findings().names {
                match names.iter_mut().find(|(name, _)| *name == n.name) {
                    Some((_, sources)) => sources.push(n.source.name()),
                    None => names.push((&n.name, vec![n.source.name()])),
                }
            }
            let _ = write!(s, "{pad}names: ");
            // Past FOLD names the list is folded (`--full` lists them all).
            let shown = if full {
                names.len()
            } else {
                names.len().min(FOLD)
            };
            for (i, (n, sources)) in names.iter().take(shown).enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                s.push_str(&escape(n));
                s.push_str(" (");
                for (k, source) in sources.iter().enumerate() {
                    if k > 0 {
                        s.push_str(", ");
                    }
                    s.push_str(source);
                }
                s.push(')');
            }
            if shown < names.len() {
                let _ = write!(s, ", … and {} more names", names.len() - shown);
            }
            s.push('\n');
        }
        let before = s.len();
        s.push_str(pad);
        s.push_str("encrypted messages: ");
        if r.conversation_into(s) {
            s.push('\n');
        } else {
            s.truncate(before);
        }
        for (i, arrow) in ["→", "←"].iter().enumerate() {
            let d = &r.dirs[i];
            if d.packets == 0 {
                continue;
            }
            // Pushed piece by piece: `write!` and a string per count cost several
            // times as much, twice for every flow.
            s.push_str(pad);
            s.push_str(arrow);
            s.push(' ');
            push_plural(s, d.packets, "packet");
            s.push_str(", ");
            BytesRange(d.bytes, d.bytes).push_to(s);
            s.push_str("; payload: ");
            let mut counts = Label::ALL
                .iter()
                .filter(|l| d.payload[l.index()] > 0)
                .peekable();
            if counts.peek().is_none() {
                s.push_str("none");
            }
            for (k, l) in counts.enumerate() {
                if k > 0 {
                    s.push_str(", ");
                }
                s.push_str(l.word());
                s.push(' ');
                push_grouped(s, d.payload[l.index()]);
            }
            if !d.sizes.is_empty() {
                let what = if r.records_seen { "record" } else { "payload" };
                s.push_str("; first ");
                s.push_str(what);
                s.push_str(" sizes");
                for &n in &d.sizes {
                    s.push(' ');
                    push_grouped(s, u64::from(n));
                }
            }
            s.push('\n');
        }
        // Credentials always; other leaks folded.
        let mut others = 0u64;
        for l in &r.findings().leaks {
            let credential = l.kind == LeakKind::Credential;
            if !credential && !full && others >= FOLD as u64 {
                others += 1;
                continue;
            }
            if !credential {
                others += 1;
            }
            let arrow = if l.dir == Direction::ToServer {
                "→"
            } else {
                "←"
            };
            let value = escape(&l.value);
            let value = if full || value.chars().count() <= 100 {
                value
            } else {
                std::borrow::Cow::Owned(shorten(&value, 100))
            };
            if credential && self.opts.color {
                let line = format!(
                    "{pad}{arrow} {}: {value} (frame {})",
                    l.kind.name(),
                    l.frame
                );
                let _ = writeln!(s, "{}", self.paint(&line, Label::Leak));
            } else {
                s.push_str(pad);
                s.push_str(arrow);
                s.push(' ');
                s.push_str(l.kind.name());
                s.push_str(": ");
                s.push_str(&value);
                s.push_str(" (frame ");
                push_dec(s, l.frame);
                s.push_str(")\n");
            }
        }
        let folded_leaks = others.saturating_sub(FOLD as u64) * u64::from(!full);
        let more = folded_leaks + r.findings().leaks_dropped;
        if more > 0 {
            let hint = if folded_leaks > 0 {
                " (--full lists them)"
            } else {
                ""
            };
            let _ = writeln!(s, "{pad}… and {}{hint}", plural(more, "more leak"));
        }
    }
}
