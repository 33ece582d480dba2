//! XMPP (RFC 6120) before or without TLS: an XML stream, all of it readable. The
//! stream header names the server; `<starttls/>` and `<proceed/>` hand the connection
//! to TLS (section 5); SASL exchanges (section 6) carry base64 credentials — PLAIN's
//! password, the user name inside DIGEST-MD5 and SCRAM messages — and the old
//! `jabber:iq:auth` login (XEP-0078) sends `<username>` and `<password>` as they are.
//!
//! XML is read tag by tag in what has arrived up to the last `>`, not parsed as a
//! document: enough to find these elements without holding the stream.

use super::framing::{app_event, line_spans, MAX_LINE};
use super::registry::{Detect, Probe, Protocol};
use super::tls::starts_here;
use super::{Dissector, Facts, Fed};
use crate::fields::FieldId;
use crate::proto::tls::record::Plausible;
use crate::proto::{Direction, Emitter};
use base64::Engine as _;
use std::ops::Range;

crate::fields! {
    proto = "XMPP";
    XMPP_XML = "xmpp.xml", Content, Cleartext, None, "XMPP stream before or without TLS (RFC 6120)";
    XMPP_CREDENTIAL = "xmpp.auth", Content, Cleartext, Some(Credential), "SASL data that gives a user away, or a jabber:iq:auth user name or password (RFC 6120 section 6, XEP-0078)";
}

/// Whether a flow's first bytes begin an XMPP stream.
pub fn looks_like(first: &[u8], server_port: u16) -> bool {
    let t = first.trim_ascii_start();
    let head = crate::text::lossy(t.get(..t.len().min(512)).unwrap_or(&[])).into_owned();
    if head.starts_with("<stream:stream") {
        return true;
    }
    head.starts_with("<?xml")
        && (head.contains("jabber") || matches!(server_port, 5222 | 5223 | 5269))
}

/// Text that continues into the next piece of the stream.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Awaiting {
    /// SASL data (base64) of `<auth>` or `<response>`.
    Sasl,
    /// `<username>` or `<password>` of jabber:iq:auth.
    Legacy(&'static str),
}

/// XMPP: an XML stream header at the start, or the port.
pub static PROTOCOL: Protocol = Protocol {
    name: "XMPP",
    detect: |p: &Probe<'_>| Detect::when(looks_like(p.bytes, p.server_port)),
    ports: &[5222, 5269],
    new: |_| Box::<Xmpp>::default(),
    fields: FIELDS,
};

#[derive(Debug, Default)]
pub struct Xmpp {
    awaiting: [Option<Awaiting>; 2],
    /// The SASL mechanism the client chose.
    mechanism: String,
}

impl Dissector for Xmpp {
    /// Bytes are missing: text left open (a credential) does not continue here.
    fn gap(&mut self, dir: Direction, _: u64, _: u64, _: &mut Emitter) {
        if let Some(slot) = self.awaiting.get_mut(dir.index()) {
            *slot = None;
        }
    }

    fn feed(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Fed {
        match starts_here(data) {
            Plausible::Yes(_) => return Fed::Handover(0),
            Plausible::NeedMore if !flush => return Fed::Done(0),
            _ => {}
        }
        let end = match data.iter().rposition(|&b| b == b'>') {
            // Whitespace after the last tag goes with it (TLS may follow it directly).
            Some(i)
                if data
                    .get(i + 1..)
                    .is_some_and(|r| r.iter().all(u8::is_ascii_whitespace)) =>
            {
                data.len()
            }
            Some(i) if !flush && data.len() - i <= MAX_LINE => i + 1,
            _ if flush || data.len() >= MAX_LINE => data.len(),
            _ => return Fed::Done(0),
        };
        let chunk = data.get(..end).unwrap_or(data);
        let mut parts = Vec::new();
        let mut events = Vec::new();
        self.scan(dir, chunk, &mut parts, &mut events);
        line_spans(out, base, end, &parts, XMPP_XML);
        for (at, text, leaks) in events {
            app_event(out, base + at as u64, "XMPP", text, leaks);
        }
        Fed::Done(end)
    }

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("XMPP".into());
    }

    fn handover_name(&self) -> &'static str {
        "STARTTLS"
    }
}

impl Xmpp {
    fn scan(
        &mut self,
        dir: Direction,
        chunk: &[u8],
        parts: &mut Vec<(Range<usize>, FieldId)>,
        events: &mut Vec<(usize, String, Vec<String>)>,
    ) {
        let d = dir.index();
        let mut i = 0usize;
        // Text left open by the previous piece.
        if let Some(a) = self.awaiting.get_mut(d).and_then(Option::take) {
            let n = find(chunk, 0, b'<').unwrap_or(chunk.len());
            self.credential(a.clone(), 0..n, chunk, parts, events);
            if n == chunk.len() {
                // Still no end tag: the text goes on.
                if let Some(slot) = self.awaiting.get_mut(d) {
                    *slot = Some(a);
                }
            }
            i = n;
        }
        while let Some(lt) = find(chunk, i, b'<') {
            let Some(gt) = find(chunk, lt, b'>') else {
                break;
            };
            let tag = chunk.get(lt + 1..gt).unwrap_or(&[]);
            // An end tag keeps its `/`: `/stream:stream`.
            let skip = usize::from(tag.first() == Some(&b'/'));
            let name_end = tag
                .iter()
                .skip(skip)
                .position(|&b| b.is_ascii_whitespace() || b == b'/')
                .map_or(tag.len(), |p| p + skip);
            let name = crate::text::lossy(tag.get(..name_end).unwrap_or(&[])).into_owned();
            let closed = tag.last() == Some(&b'/');
            let text_end = find(chunk, gt + 1, b'<').unwrap_or(chunk.len());
            let text = gt + 1..text_end;
            let open_text = text.end == chunk.len();
            let mut awaiting = None;
            match (dir, name.as_str()) {
                (_, "stream:stream") => {
                    let (key, word) = match dir {
                        Direction::ToServer => ("to", "to"),
                        Direction::ToClient => ("from", "from"),
                    };
                    let peer = attr(tag, key).map(|v| format!(" {word} {v}"));
                    events.push((lt, format!("stream{}", peer.unwrap_or_default()), vec![]));
                }
                (Direction::ToServer, "starttls") => events.push((lt, "starttls".into(), vec![])),
                (Direction::ToClient, "proceed") => {
                    events.push((lt, "proceed (TLS follows)".into(), vec![]));
                }
                (Direction::ToServer, "auth") => {
                    self.mechanism = attr(tag, "mechanism").unwrap_or_default();
                    events.push((lt, format!("auth {}", self.mechanism), vec![]));
                    if !closed {
                        awaiting = Some(Awaiting::Sasl);
                    }
                }
                (Direction::ToServer, "response") if !closed => awaiting = Some(Awaiting::Sasl),
                (Direction::ToServer, "username") if !closed => {
                    awaiting = Some(Awaiting::Legacy("user"));
                }
                (Direction::ToServer, "password") if !closed => {
                    awaiting = Some(Awaiting::Legacy("password"));
                }
                (Direction::ToClient, "success") => {
                    events.push((lt, "auth success".into(), vec![]));
                }
                (Direction::ToClient, "failure") => {
                    events.push((lt, "auth failure".into(), vec![]));
                }
                (_, "/stream:stream") => events.push((lt, "stream end".into(), vec![])),
                (_, "iq") => {
                    let kind = attr(tag, "type").unwrap_or_default();
                    events.push((lt, format!("iq {kind}"), vec![]));
                }
                (_, "presence") => events.push((lt, "presence".into(), vec![])),
                (_, "message") => {
                    let to = attr(tag, "to").map(|v| format!(" to {v}"));
                    events.push((lt, format!("message{}", to.unwrap_or_default()), vec![]));
                }
                _ => {}
            }
            if let Some(a) = awaiting {
                if open_text {
                    // The text goes on in the next piece: what is here is labelled now.
                    self.credential(a.clone(), text.clone(), chunk, parts, events);
                    if let Some(slot) = self.awaiting.get_mut(d) {
                        *slot = Some(a);
                    }
                } else {
                    self.credential(a, text.clone(), chunk, parts, events);
                }
            }
            i = gt + 1;
        }
    }

    /// Marks and decodes credential text at `r`.
    fn credential(
        &self,
        a: Awaiting,
        r: Range<usize>,
        chunk: &[u8],
        parts: &mut Vec<(Range<usize>, FieldId)>,
        events: &mut Vec<(usize, String, Vec<String>)>,
    ) {
        let raw = chunk.get(r.clone()).unwrap_or(&[]);
        let trimmed = crate::text::lossy(raw).trim().to_string();
        if trimmed.is_empty() || trimmed == "=" {
            return;
        }
        let shown = match a {
            Awaiting::Legacy(what) => Some(format!("{what}={trimmed}")),
            Awaiting::Sasl => sasl(&self.mechanism, &trimmed),
        };
        if let Some(shown) = shown {
            parts.push((r.clone(), XMPP_CREDENTIAL));
            events.push((r.start, "credentials".into(), vec![shown]));
        }
    }
}

/// What a SASL message gives away, decoded: PLAIN's user and password, the user name
/// in DIGEST-MD5 and SCRAM, X-OAUTH2's token.
fn sasl(mechanism: &str, b64: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.as_bytes())
        .ok()?;
    let s = crate::text::lossy(&bytes).into_owned();
    let mech = mechanism.to_ascii_uppercase();
    let parts: Vec<&str> = s.split('\0').collect();
    if mech == "PLAIN" || mech == "X-OAUTH2" {
        if let [_, user, secret] = parts.as_slice() {
            let what = if mech == "PLAIN" { "password" } else { "token" };
            return Some(format!("user={user} {what}={secret}"));
        }
    }
    // DIGEST-MD5 (RFC 2831): username="tom",realm=...
    if let Some(v) = s
        .split(',')
        .find_map(|kv| kv.trim().strip_prefix("username="))
    {
        return Some(format!(
            "user={} ({mechanism} response)",
            v.trim_matches('"')
        ));
    }
    // SCRAM (RFC 5802): n,,n=user,r=nonce
    if mech.starts_with("SCRAM") {
        if let Some(v) = s.split(',').find_map(|kv| kv.strip_prefix("n=")) {
            return Some(format!("user={v} ({mechanism})"));
        }
    }
    None
}

fn find(b: &[u8], from: usize, c: u8) -> Option<usize> {
    b.get(from..)?
        .iter()
        .position(|&x| x == c)
        .map(|p| from + p)
}

/// The value of attribute `key` in a start tag's text.
fn attr(tag: &[u8], key: &str) -> Option<String> {
    let s = crate::text::lossy(tag);
    let mut rest: &str = &s;
    while let Some(p) = rest.find(key) {
        let before_ok = p == 0
            || rest[..p]
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_whitespace());
        let after = &rest[p + key.len()..];
        if before_ok {
            if let Some(v) = after.strip_prefix('=') {
                let q = v.chars().next()?;
                if q == '\'' || q == '"' {
                    let v = &v[1..];
                    return v.find(q).map(|e| v[..e].to_string());
                }
            }
        }
        rest = after;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::Desc;

    #[test]
    fn attributes_and_detection() {
        let tag = b"stream:stream to='cs-xmpp.lan' xmlns='jabber:client' version=\"1.0\"";
        assert_eq!(attr(tag, "to").as_deref(), Some("cs-xmpp.lan"));
        assert_eq!(attr(tag, "version").as_deref(), Some("1.0"));
        assert_eq!(attr(tag, "xmlns").as_deref(), Some("jabber:client"));
        assert_eq!(attr(b"a xto='x'", "to"), None);
        assert!(looks_like(b"<?xml version='1.0' ?>", 5222));
        assert!(!looks_like(b"<?xml version='1.0' ?>", 8080));
        assert!(looks_like(b"<stream:stream to='a'>", 1));
    }

    #[test]
    fn sasl_credentials_are_decoded() {
        // "\0alice\0secret"
        assert_eq!(
            sasl("PLAIN", "AGFsaWNlAHNlY3JldA==").as_deref(),
            Some("user=alice password=secret")
        );
        let digest = base64::engine::general_purpose::STANDARD
            .encode("username=\"tom\",realm=\"cs-xmpp.lan\",nonce=\"1\",response=abc");
        assert_eq!(
            sasl("DIGEST-MD5", &digest).as_deref(),
            Some("user=tom (DIGEST-MD5 response)")
        );
        let scram = base64::engine::general_purpose::STANDARD.encode("n,,n=bob,r=xyz");
        assert_eq!(
            sasl("SCRAM-SHA-1", &scram).as_deref(),
            Some("user=bob (SCRAM-SHA-1)")
        );
        assert_eq!(sasl("PLAIN", "not base64!"), None);
    }

    #[test]
    fn credentials_split_across_pieces_are_still_found() {
        let mut x = Xmpp::default();
        let mut out = Emitter::default();
        let a = b"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>";
        assert_eq!(
            x.feed(Direction::ToServer, 0, a, false, &mut out),
            Fed::Done(a.len())
        );
        let b = b"AGFsaWNlAHNlY3JldA==</auth>";
        assert_eq!(
            x.feed(Direction::ToServer, a.len() as u64, b, false, &mut out),
            Fed::Done(b.len())
        );
        let leaks: Vec<&str> = out
            .events
            .iter()
            .filter_map(|e| match &e.desc {
                Desc::Leak { value, .. } => Some(value.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(leaks, ["user=alice password=secret"]);
        let cred: Vec<_> = out
            .spans
            .iter()
            .filter(|s| s.field == XMPP_CREDENTIAL)
            .map(|s| s.range.clone())
            .collect();
        let start = a.len() as u64;
        assert_eq!(cred.len(), 1);
        assert_eq!(cred.first(), Some(&(start..start + 20)));
        // An unfinished tag waits; a piece without any `>` longer than a line does not.
        let mut x = Xmpp::default();
        assert_eq!(
            x.feed(Direction::ToServer, 0, b"<iq type=", false, &mut out),
            Fed::Done(0)
        );
        let long = vec![b'a'; MAX_LINE + 1];
        assert_eq!(
            x.feed(Direction::ToServer, 0, &long, false, &mut out),
            Fed::Done(long.len())
        );
    }
}
