//! Per-flow reports: what an observer learned from one TCP connection or UDP
//! conversation. The engine adds each released frame to the flow's [`Live`] report
//! (counts, leaks, sizes: [`Live::account`]); when the flow ends it makes the
//! [`FlowReport`] (protocol stack, TLS facts: [`FlowReport::ended`]), which takes the
//! live report in ([`FlowReport::attach`], [`FlowReport::settle`]) before it goes to
//! the sink. Memory follows the flows in flight, not the file.

use crate::capture::Timestamp;
pub use crate::decode::Transport;
use crate::fields::Role;
use crate::flow::Flow;
use crate::proto::tls::{CertNames, ContentType, HandshakeType, TlsFacts, TlsVersion};
use crate::proto::{Desc, Direction, Facts, NameSource, Protection};
use crate::sink::FrameView;
use crate::span::{Label, LeakKind};
use crate::text::push_joined;
use std::net::IpAddr;
use std::num::NonZeroU64;
use std::sync::LazyLock;

mod account;
mod live;

pub use live::Live;

/// Distinct leaks kept per flow; more are counted in `leaks_dropped`.
pub const MAX_LEAKS: usize = 32;
/// Characters kept of a leaked value.
pub const MAX_VALUE: usize = 200;
/// Record or message sizes kept per direction.
pub const MAX_SIZES: usize = 8;

/// How a flow's report came to be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowEnd {
    /// Both sides sent FIN.
    Closed,
    /// A RST ended it.
    Reset,
    /// A new connection reused its addresses and ports.
    Replaced,
    /// Evicted from the flow table (`--max-flows`): the report covers what was seen.
    Evicted,
    /// Still open when the capture ended.
    Open,
}

impl FlowEnd {
    pub fn name(self) -> &'static str {
        match self {
            FlowEnd::Closed => "closed",
            FlowEnd::Reset => "reset",
            FlowEnd::Replaced => "replaced",
            FlowEnd::Evicted => "evicted",
            FlowEnd::Open => "open",
        }
    }
}

/// The first `n` characters of `s`.
fn first_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => s.get(..i).unwrap_or(s),
        None => s,
    }
}

/// One direction's traffic.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DirStats {
    pub packets: u64,
    /// Frame bytes on the wire.
    pub bytes: u64,
    /// Transport payload bytes per label.
    pub payload: [u64; Label::COUNT],
    /// Readable payload bytes outside any TLS or QUIC handshake: application content.
    pub plaintext: u64,
    /// Sizes of the first TLS records (or, without TLS, of the first payloads): what
    /// traffic analysis still sees when the content is opaque.
    pub sizes: Vec<u32>,
}

/// Names kept per flow, at most.
pub const MAX_NAMES: usize = 16;

/// Messages kept per flow, at most (`messages_dropped` counts the rest).
pub const MAX_MESSAGES: usize = 32;

/// Records in one direction closer together than this, with nothing sent the other
/// way between them, are one message (one burst).
const BURST_NS: i128 = 200_000_000;

/// One encrypted message as an observer delimits it: consecutive records (or
/// encrypted units) one way, sent in one burst, and what their lengths say about the
/// plaintext inside.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub dir: Direction,
    pub first_frame: u64,
    pub records: u32,
    /// Bounds on the plaintext bytes, summed over the records.
    pub min: u64,
    pub max: u64,
    /// When its last record was seen: seconds and nanoseconds (a [`Timestamp`] with
    /// its raw pcap fields took 24 bytes, a message 56 where 48).
    last: (i64, u32),
}

/// A name an observer associates with a flow, how, and where it was first seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameSeen {
    pub name: String,
    pub source: NameSource,
    pub frame: u64,
}

/// Something the observer read, where it was first seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeakSeen {
    pub kind: LeakKind,
    pub value: String,
    pub frame: u64,
    pub dir: Direction,
}

/// What a flow's frames showed an observer beyond counts. Boxed in the report and
/// made at the first finding: most flows of a full table (a scan, a capture picked up
/// midway, encrypted records of an unknown version) have none, and the live report of
/// each would carry these empty lists (some 200 bytes).
#[derive(Clone, Debug, Default)]
pub struct Findings {
    pub leaks: Vec<LeakSeen>,
    pub leaks_dropped: u64,
    /// Where application content was first readable: frame, field, a short sample.
    pub first_plaintext: Option<(u64, &'static str, String)>,
    /// The encrypted conversation as an observer sees it: messages each way, in order.
    pub messages: Vec<Message>,
    pub messages_dropped: u64,
    /// Every name an observer associates with the flow, and how (complete once the
    /// flow's report is handed out: [`FlowReport::complete_names`]).
    pub names: Vec<NameSeen>,
    /// Other facts the flow's dissectors learned, by dotted name.
    pub details: Vec<(&'static str, String)>,
    /// The frame that carried the (first) ServerHello: where the version and the
    /// cipher suite were chosen.
    pub server_hello_frame: Option<u64>,
    /// The encapsulations the flow travelled through, outermost first (its first
    /// packet's); empty for a flow on the frame's own network layer.
    pub tunnel: Vec<&'static str>,
}

/// The findings of a flow that has none.
static NO_FINDINGS: LazyLock<Findings> = LazyLock::new(Findings::default);

/// Everything known about one flow.
#[derive(Clone, Debug)]
pub struct FlowReport {
    /// 1-based, in order of first appearance (as the flow table numbers flows).
    pub id: u64,
    pub transport: Transport,
    /// The endpoint that opened the flow (sent the SYN, or the first packet).
    pub client: (IpAddr, u16),
    pub server: (IpAddr, u16),
    pub first_frame: u64,
    pub last_frame: u64,
    pub start: Timestamp,
    pub end: Timestamp,
    /// `[to the server, to the client]`.
    pub dirs: [DirStats; 2],
    /// The protocol stack as found, outermost first: `TCP`, `SMTP`, `STARTTLS`, `TLS 1.2`;
    /// inside a tunnel, the encapsulations and the inner IP version come first:
    /// `VXLAN`, `IPv4`, `TCP`, `HTTP`.
    pub stack: Vec<String>,
    /// Boxed, like `protection`: set only when the flow ends, and most flows have
    /// neither (a live flow's report stays small).
    pub tls: Option<Box<TlsFacts>>,
    /// How an encrypting protocol other than TLS protects the content.
    pub protection: Option<Box<Protection>>,
    /// The TCP handshake (SYN) was captured.
    pub syn_seen: bool,
    pub end_reason: FlowEnd,
    /// Notes attached to the flow's frames.
    pub notes: u64,
    /// The first frame with payload bytes nobody could classify
    /// ([`FlowReport::first_undecoded`]). Frame numbers start at 1, so the `None` of a
    /// `NonZeroU64` takes no room of its own.
    first_undecoded: Option<NonZeroU64>,
    /// Leaks, names, messages: made at the first ([`FlowReport::findings`]).
    findings: Option<Box<Findings>>,
    /// TLS records were seen: sizes count records from then on.
    pub records_seen: bool,
    /// What the frames of an ended flow released so far told, until the report is
    /// handed out ([`FlowReport::settle`]).
    live: Option<Box<Live>>,
}

impl FlowReport {
    pub fn new(
        id: u64,
        transport: Transport,
        client: (IpAddr, u16),
        server: (IpAddr, u16),
    ) -> FlowReport {
        let mut r = FlowReport::unstacked(id, transport, client, server);
        r.stack = r.base_stack(0);
        r
    }

    /// A report whose stack is not built yet ([`FlowReport::for_flow`]).
    fn unstacked(
        id: u64,
        transport: Transport,
        client: (IpAddr, u16),
        server: (IpAddr, u16),
    ) -> FlowReport {
        FlowReport {
            id,
            transport,
            client,
            server,
            first_frame: 0,
            last_frame: 0,
            start: Timestamp::default(),
            end: Timestamp::default(),
            dirs: [DirStats::default(), DirStats::default()],
            stack: Vec::new(),
            tls: None,
            protection: None,
            syn_seen: false,
            end_reason: FlowEnd::Open,
            notes: 0,
            first_undecoded: None,
            findings: None,
            records_seen: false,
            live: None,
        }
    }

    /// The first frame with payload bytes nobody could classify.
    pub fn first_undecoded(&self) -> Option<u64> {
        self.first_undecoded.map(NonZeroU64::get)
    }

    /// Leaks, names, messages and the first readable content seen so far.
    pub fn findings(&self) -> &Findings {
        self.findings.as_deref().unwrap_or(&NO_FINDINGS)
    }

    /// The findings, to add to (made at the first).
    pub fn findings_mut(&mut self) -> &mut Findings {
        self.findings.get_or_insert_with(Box::default)
    }

    /// The findings, to set a field of to a value (`None` when it is `empty` and
    /// there are none: nothing is made for it).
    fn findings_to_set(&mut self, empty: bool) -> Option<&mut Findings> {
        if empty && self.findings.is_none() {
            None
        } else {
            Some(self.findings_mut())
        }
    }

    /// A report for a flow just seen. Its stack stays empty while the flow lives and is
    /// built when the report is handed out ([`FlowReport::ended`],
    /// [`FlowReport::complete_names`]): until then it would only repeat the tunnel and
    /// the transport, which the report knows, and a full table of live flows would hold
    /// two small allocations each for `["TCP"]` (64 bytes a flow with the allocator's).
    pub fn for_flow(flow: &Flow) -> FlowReport {
        let mut r = FlowReport::unstacked(flow.id, flow.key.proto, flow.client(), flow.server());
        r.set_tunnel(flow.encap.iter().map(|t| t.name()).collect());
        r
    }

    /// Names the encapsulations the flow came through: they and the inner IP version
    /// start its stack (`GTP-U`, `IPv4`, `TCP`).
    pub fn set_tunnel(&mut self, tunnel: Vec<&'static str>) {
        // (A stack not built yet is built with the tunnel when the report is handed out.)
        let built = !self.stack.is_empty();
        let above = if built {
            let base = self.stack_base().min(self.stack.len());
            self.stack.split_off(base)
        } else {
            Vec::new()
        };
        if let Some(f) = self.findings_to_set(tunnel.is_empty()) {
            f.tunnel = tunnel;
        }
        if built {
            self.stack = self.base_stack(above.len());
            self.stack.extend(above);
        }
    }

    /// The layers before the dissectors': the tunnel's, the inner IP version after a
    /// tunnel, the transport; with room for `more` layers after them.
    fn base_stack(&self, more: usize) -> Vec<String> {
        let tunnel = &self.findings().tunnel;
        let mut stack = Vec::with_capacity(self.stack_base() + more);
        stack.extend(tunnel.iter().map(|t| t.to_string()));
        if !tunnel.is_empty() {
            let ip = if self.client.0.is_ipv6() {
                "IPv6"
            } else {
                "IPv4"
            };
            stack.push(ip.to_string());
        }
        stack.push(self.transport.name().to_string());
        stack
    }

    /// Builds the stack's first layers if they are not yet ([`FlowReport::for_flow`]).
    pub(crate) fn complete_stack(&mut self) {
        if self.stack.is_empty() {
            self.stack = self.base_stack(0);
        }
    }

    /// How many layers of the stack come before the dissectors' (tunnel, IP, transport).
    fn stack_base(&self) -> usize {
        let tunnel = &self.findings().tunnel;
        if tunnel.is_empty() {
            1
        } else {
            tunnel.len() + 2
        }
    }

    /// What the flow told at its end: its protocol stack and what its dissectors learned.
    pub fn ended(&mut self, facts: Facts, why: FlowEnd, syn_seen: bool) {
        self.end_reason = why;
        self.syn_seen = syn_seen;
        self.stack = self.base_stack(facts.stack.len());
        self.stack.extend(facts.stack);
        if let Some(t) = &facts.tls {
            // `TLS` becomes `TLS 1.3`; `DTLS` becomes `DTLS 1.2` once a version is known.
            let layer = self
                .stack
                .iter_mut()
                .rev()
                .find(|l| *l == "TLS" || *l == "DTLS");
            if let Some(last) = layer {
                if *last == "TLS" || t.version.is_some() {
                    *last = tls_layer(t);
                }
            }
        }
        self.tls = facts.tls.map(Box::new);
        self.protection = facts.protection.map(Box::new);
        if let Some(f) = self.findings_to_set(facts.details.is_empty()) {
            f.details = facts.details;
        }
    }

    /// Payload bytes per label, both directions.
    pub fn payload(&self) -> [u64; Label::COUNT] {
        let mut t = [0u64; Label::COUNT];
        for d in &self.dirs {
            for (a, b) in t.iter_mut().zip(d.payload) {
                *a += b;
            }
        }
        t
    }

    pub fn plaintext(&self) -> u64 {
        self.dirs.iter().map(|d| d.plaintext).sum()
    }

    pub fn credentials(&self) -> impl Iterator<Item = &LeakSeen> {
        self.findings()
            .leaks
            .iter()
            .filter(|l| l.kind == LeakKind::Credential)
    }

    /// The negotiated TLS version, when a ServerHello was seen.
    pub fn tls_version(&self) -> Option<TlsVersion> {
        self.tls.as_ref().and_then(|t| t.version)
    }

    /// What is wrong with the protection of the flow (its TLS cipher suite, or what
    /// another encrypting protocol negotiated), in words.
    pub fn weaknesses(&self) -> Vec<String> {
        let mut out = self
            .tls
            .as_ref()
            .map(|t| t.weaknesses())
            .unwrap_or_default();
        if let Some(p) = &self.protection {
            out.extend(p.weaknesses.iter().cloned());
        }
        out
    }

    /// `TCP › SMTP › STARTTLS › TLS 1.2`.
    pub fn stack_text(&self) -> String {
        let mut s = String::new();
        self.push_stack_text(&mut s);
        s
    }

    /// [`FlowReport::stack_text`] appended to `out`.
    pub fn push_stack_text(&self, out: &mut String) {
        // Room for it all at once (grown a layer at a time, most stacks took two or
        // three reallocations: 9,196 on the replicated 20 MB cut).
        const SEP: usize = " › ".len();
        let len: usize = self.stack.iter().map(|l| l.len() + SEP).sum();
        out.reserve(len.saturating_sub(SEP));
        push_joined(out, &self.stack, " › ");
    }

    /// One line a student can read: is the content readable, and what is visible.
    pub fn verdict(&self) -> String {
        let mut out = String::with_capacity(160);
        self.verdict_into(&mut out);
        out
    }

    /// [`FlowReport::verdict`], appended to `out` (a verdict per flow made some ten
    /// strings, then a list of borrowed and made ones, then one string).
    pub fn verdict_into(&self, out: &mut String) {
        self.content_words(out);
        out.push_str("; visible: addresses, ports");
        let item = |out: &mut String, text: &str| {
            out.push_str(", ");
            out.push_str(text);
        };
        if let Some(t) = &self.tls {
            if let Some(sni) = &t.sni {
                item(out, "SNI=");
                out.push_str(sni);
                if t.ech {
                    out.push_str(" (ECH offered: the real server name may travel encrypted)");
                }
            }
            if let Some(a) = &t.alpn_chosen {
                item(out, "ALPN=");
                out.push_str(a);
            } else if !t.alpn_offered.is_empty() {
                item(out, "ALPN=");
                push_joined(out, &t.alpn_offered, ",");
            }
            if !t.certificates.is_empty() {
                item(out, "certificate names");
            }
        }
        let kinds = [
            (LeakKind::Url, "URLs"),
            (LeakKind::Cookie, "cookies"),
            (LeakKind::DnsName, "DNS names"),
            (LeakKind::Software, "software versions"),
            (LeakKind::HostKey, "host key"),
            (LeakKind::UserName, "user names"),
            (LeakKind::Identity, "identities"),
        ];
        let leaks = &self.findings().leaks;
        for (kind, name) in kinds {
            if leaks.iter().any(|l| l.kind == kind) {
                item(out, name);
            }
        }
        // Identities sent in the clear (IKEv1 Aggressive Mode) are named, like SNI.
        let mut ids = leaks
            .iter()
            .filter(|l| l.kind == LeakKind::Identity)
            .peekable();
        if ids.peek().is_some() {
            item(out, "identity ");
            push_joined(out, ids.map(|l| l.value.as_str()), ", ");
        }
        // No server name in the handshake (or an encrypted one), but DNS named it.
        let hidden_sni = self.tls.as_ref().is_none_or(|t| t.sni.is_none() || t.ech);
        let mut dns = self
            .findings()
            .names
            .iter()
            .filter(|n| n.source == NameSource::Dns)
            .peekable();
        if hidden_sni && dns.peek().is_some() {
            let how = match &self.tls {
                Some(t) if t.ech => "ECH may hide the server name, but ",
                Some(_) => "no SNI, but ",
                None => "",
            };
            item(out, how);
            out.push_str("an earlier DNS answer named the server (");
            push_joined(out, dns.map(|n| n.name.as_str()), ", ");
            out.push(')');
        }
        let weak = self.weaknesses();
        if !weak.is_empty() {
            out.push_str("; weak: ");
            push_joined(out, &weak, "; ");
        }
    }

    /// The verdict's first part: is the content readable.
    fn content_words(&self, out: &mut String) {
        let p = self.payload();
        let total: u64 = p.iter().sum();
        let opaque = Label::Opaque.count(&p);
        let undecoded = Label::Undecoded.count(&p);
        let plain = self.plaintext();
        let bytes = |out: &mut String, n: u64| crate::text::BytesRange(n, n).push_to(out);
        let mut creds = self.credentials().peekable();
        if total == 0 {
            out.push_str("no payload");
        } else if creds.peek().is_some() {
            out.push_str("CREDENTIALS READABLE (");
            push_joined(out, creds.map(|l| l.value.as_str()), "; ");
            out.push(')');
        } else if plain > 0 && opaque > 0 {
            out.push_str("partly readable: ");
            bytes(out, plain);
            out.push_str(" of content in the clear, ");
            bytes(out, opaque);
            out.push_str(" opaque");
        } else if plain > 0 {
            out.push_str("content readable (");
            bytes(out, plain);
            out.push(')');
        } else if opaque > 0 {
            out.push_str("content opaque");
            if let Some(pr) = &self.protection {
                out.push_str(" (");
                out.push_str(&pr.proto);
                if let Some(c) = &pr.cipher {
                    out.push_str(": ");
                    out.push_str(c);
                    if let Some(m) = &pr.mac {
                        out.push_str(", ");
                        out.push_str(m);
                    }
                }
                out.push(')');
            }
        } else if undecoded > 0 {
            out.push_str("content not classified (");
            bytes(out, undecoded);
            out.push_str(" undecoded)");
        } else {
            out.push_str("only handshake bytes");
        }
    }
}

/// The stack of a TLS flow: `TLS 1.3` (`DTLS 1.2`), or `TLS` before a version was
/// negotiated.
pub fn tls_layer(facts: &TlsFacts) -> String {
    match facts.version {
        // "TLSv1.3" → "TLS 1.3", "SSLv3" → "SSL 3".
        Some(v) => match v.name() {
            Some(l) => l.replacen('v', " ", 1),
            None => v.label().replacen('v', " ", 1),
        },
        None => "TLS".to_string(),
    }
}

/// What a certificate's names look like in a report: `CN=…` subject and issuer.
pub fn cert_summary(c: &CertNames) -> String {
    format!("{} (issuer {})", c.subject, c.issuer)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A flow's encrypted conversation keeps up to 32 of these; an established TLS
    /// flow, a few.
    #[test]
    fn a_message_fits_in_48_bytes() {
        assert!(std::mem::size_of::<Message>() <= 48);
    }

    fn report_with(tls: TlsFacts) -> FlowReport {
        let ep = ("10.0.0.1".parse().unwrap(), 443);
        let mut r = FlowReport::new(1, Transport::Tcp, ep, ep);
        if let Some(d) = r.dirs.get_mut(0) {
            d.payload[Label::Opaque.index()] = 100;
        }
        r.tls = Some(Box::new(tls));
        r
    }

    #[test]
    fn ech_verdict_says_the_real_name_may_be_hidden() {
        let r = report_with(TlsFacts {
            sni: Some("public.example".into()),
            ech: true,
            ..TlsFacts::default()
        });
        let v = r.verdict();
        assert!(
            v.contains(
                "SNI=public.example (ECH offered: the real server name may travel encrypted)"
            ),
            "{v}"
        );
    }

    #[test]
    fn weak_suites_are_named_in_the_verdict() {
        // TLS_DH_anon_WITH_AES_128_CBC_SHA
        let r = report_with(TlsFacts {
            cipher: Some(0x0034),
            ..TlsFacts::default()
        });
        assert!(r.verdict().contains("content opaque"));
        assert!(
            r.verdict().contains("weak: no server authentication"),
            "{}",
            r.verdict()
        );
    }

    /// Every part of the verdict, word for word: what readers (and `check`'s users)
    /// match on.
    #[test]
    fn the_verdict_word_for_word() {
        let ep = ("10.0.0.1".parse().unwrap(), 443);
        let with = |payload: &[(Label, u64)], plaintext: u64| {
            let mut r = FlowReport::new(1, Transport::Tcp, ep, ep);
            for &(l, n) in payload {
                r.dirs[0].payload[l.index()] = n;
            }
            r.dirs[1].plaintext = plaintext;
            r
        };
        let (to, from) = (Direction::ToServer, Direction::ToClient);
        // TLS: an outer name, the offered ALPN list, certificates, and DNS.
        let mut r = report_with(TlsFacts {
            sni: Some("a.example".into()),
            ech: true,
            alpn_offered: vec!["h2".into(), "http/1.1".into()],
            certificates: vec![CertNames {
                subject: "CN=a".into(),
                issuer: "CN=b".into(),
                sans: vec![],
            }],
            ..TlsFacts::default()
        });
        r.findings_mut().name("real.example", NameSource::Dns, 1);
        assert_eq!(
            r.verdict(),
            "content opaque; visible: addresses, ports, SNI=a.example (ECH offered: the real \
             server name may travel encrypted), ALPN=h2,http/1.1, certificate names, ECH may \
             hide the server name, but an earlier DNS answer named the server (real.example)"
        );
        // The chosen ALPN wins; a plain SNI hides DNS; no TLS name, no hint.
        let mut r = report_with(TlsFacts {
            sni: Some("a.example".into()),
            alpn_offered: vec!["h2".into()],
            alpn_chosen: Some("h2".into()),
            ..TlsFacts::default()
        });
        r.findings_mut().name("real.example", NameSource::Dns, 1);
        assert_eq!(
            r.verdict(),
            "content opaque; visible: addresses, ports, SNI=a.example, ALPN=h2"
        );
        let mut r = report_with(TlsFacts::default());
        r.findings_mut().name("n.example", NameSource::Dns, 1);
        assert_eq!(
            r.verdict(),
            "content opaque; visible: addresses, ports, no SNI, but an earlier DNS answer \
             named the server (n.example)"
        );
        // Credentials, leaks in their order, identities, DNS without TLS.
        let mut r = with(&[(Label::Cleartext, 10)], 10);
        let f = r.findings_mut();
        f.leak(LeakKind::Credential, "user alice", 1, to);
        f.leak(LeakKind::Identity, "id1", 1, to);
        f.leak(LeakKind::UserName, "alice", 1, to);
        f.leak(LeakKind::Credential, "pass secret", 2, to);
        f.leak(LeakKind::Identity, "id2", 2, from);
        f.name("n1", NameSource::Dns, 1);
        f.name("n2", NameSource::Dns, 1);
        assert_eq!(
            r.verdict(),
            "CREDENTIALS READABLE (user alice; pass secret); visible: addresses, ports, user \
             names, identities, identity id1, id2, an earlier DNS answer named the server \
             (n1, n2)"
        );
        // Amounts, and what protects the content.
        type Case<'a> = (&'a [(Label, u64)], u64, &'a str);
        let cases: [Case<'_>; 5] = [
            (&[], 0, "no payload"),
            (
                &[(Label::Cleartext, 1234), (Label::Opaque, 5)],
                1234,
                "partly readable: 1,234 bytes of content in the clear, 5 bytes opaque",
            ),
            (&[(Label::Cleartext, 1)], 1, "content readable (1 byte)"),
            (
                &[(Label::Undecoded, 1)],
                0,
                "content not classified (1 byte undecoded)",
            ),
            (&[(Label::Metadata, 10)], 0, "only handshake bytes"),
        ];
        for (payload, plain, words) in cases {
            assert_eq!(
                with(payload, plain).verdict(),
                format!("{words}; visible: addresses, ports")
            );
        }
        let protected = |cipher: Option<&str>, mac: Option<&str>| {
            let mut r = with(&[(Label::Opaque, 100)], 0);
            r.protection = Some(Box::new(Protection {
                proto: "SSH-2.0".into(),
                cipher: cipher.map(Into::into),
                mac: mac.map(Into::into),
                weaknesses: vec!["RC4".into(), "no MAC".into()],
                readable: false,
            }));
            r.verdict()
        };
        let weak = "; visible: addresses, ports; weak: RC4; no MAC";
        assert_eq!(
            protected(Some("arcfour"), Some("hmac-md5")),
            format!("content opaque (SSH-2.0: arcfour, hmac-md5){weak}")
        );
        assert_eq!(
            protected(Some("arcfour"), None),
            format!("content opaque (SSH-2.0: arcfour){weak}")
        );
        assert_eq!(
            protected(None, Some("hmac-md5")),
            format!("content opaque (SSH-2.0){weak}")
        );
    }

    fn message(dir: Direction, min: u64, max: u64) -> Message {
        Message {
            dir,
            first_frame: 1,
            records: 1,
            min,
            max,
            last: (0, 0),
        }
    }

    /// Runs of messages the same way, sizes in order; past six runs, `…`.
    #[test]
    fn the_conversation_in_words() {
        let ep = ("10.0.0.1".parse().unwrap(), 443);
        let mut r = FlowReport::new(1, Transport::Tcp, ep, ep);
        assert_eq!(r.conversation(), None);
        let (to, from) = (Direction::ToServer, Direction::ToClient);
        r.findings_mut().messages = vec![
            message(to, 31, 31),
            message(to, 0, 1228),
            message(from, 1, 1),
        ];
        assert_eq!(
            r.conversation().unwrap(),
            "client sent 2 messages (31 bytes, ≤ 1,228 bytes), server answered 1 (1 byte)"
        );
        r.findings_mut().messages = (0..6)
            .map(|i| message(if i % 2 == 0 { to } else { from }, 16, 31))
            .collect();
        let six = r.conversation().unwrap();
        assert!(!six.ends_with('…'), "{six}");
        assert_eq!(six.matches("16–31 bytes").count(), 6, "{six}");
        r.findings_mut().messages.push(message(to, 5, 5));
        let seven = r.conversation().unwrap();
        assert_eq!(seven, format!("{six}, …"));
        r.findings_mut().messages.truncate(2);
        r.findings_mut().messages_dropped = 1;
        assert!(r.conversation().unwrap().ends_with(", …"));
    }
}
