//! DNS messages (RFC 1035 section 4), over UDP or TCP: every name asked or answered
//! is a leak, and so is every address in an answer.
//!
//! Compression pointers are followed to spell names out (backwards only, at most 32
//! hops), but a name's span covers only its own bytes in the message.

use super::registry::{Detect, Protocol};
use super::{Desc, Direction, Dissector, Emitter, Facts, Fed};
use crate::codec::be16;
use crate::decode::Transport;
use crate::fields::FieldId;
use crate::note::{NoteGroup, Severity};
use crate::span::{LeakKind, Visibility};
use std::net::{Ipv4Addr, Ipv6Addr};

crate::fields! {
    proto = "DNS";
    // DNS, RFC 1035 section 4.
    DNS_LENGTH = "dns.length", Header, Metadata, None, "message length (DNS over TCP, RFC 1035 section 4.2.2)";
    DNS_HEADER = "dns.header", Content, Cleartext, None, "id, flags and counts";
    DNS_QRY_NAME = "dns.qry.name", Content, Cleartext, Some(DnsName), "name asked";
    DNS_RESP_NAME = "dns.resp.name", Content, Cleartext, Some(DnsName), "name answered";
    DNS_META = "dns.rr", Content, Cleartext, None, "type, class, TTL, lengths";
    DNS_ADDRESS = "dns.a", Content, Cleartext, Some(Address), "address in an answer (A, AAAA)";
    DNS_DATA = "dns.rdata", Content, Cleartext, None, "other answer data";
}

/// DNS over UDP: by port (DNS, mDNS, LLMNR), either end.
pub static UDP_PROTOCOL: Protocol = Protocol {
    name: "DNS",
    detect: |_| Detect::No,
    ports: &PORTS,
    new: |p| Box::new(Dns(p.transport)),
    fields: FIELDS,
};

/// DNS over TCP (RFC 1035 section 4.2.2): by port.
pub static TCP_PROTOCOL: Protocol = Protocol {
    name: "DNS",
    detect: |_| Detect::No,
    ports: &[53],
    new: |p| Box::new(Dns(p.transport)),
    fields: FIELDS,
};

/// DNS (53), mDNS (5353, RFC 6762) and LLMNR (5355, RFC 4795).
pub const PORTS: [u16; 3] = [53, 5353, 5355];

/// DNS keeps no state: each message stands alone.
#[derive(Debug)]
pub struct Dns(Transport);

impl Dissector for Dns {
    fn feed(
        &mut self,
        _: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Fed {
        match self.0 {
            Transport::Udp => {
                message(base, data, out);
                Fed::Done(data.len())
            }
            Transport::Tcp => over_tcp(base, data, flush, out),
        }
    }

    fn gap(&mut self, _: Direction, _: u64, _: u64, _: &mut Emitter) {}

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("DNS".into());
    }
}

/// DNS over TCP: a two-byte length, then a message (RFC 1035 section 4.2.2).
fn over_tcp(base: u64, data: &[u8], flush: bool, out: &mut Emitter) -> Fed {
    let mut pos = 0usize;
    while pos < data.len() {
        let rest = data.get(pos..).unwrap_or(&[]);
        let at = base + pos as u64;
        let Some(len) = be16(rest, 0) else {
            if flush {
                out.span(
                    at..at + rest.len() as u64,
                    crate::fields::PAYLOAD,
                    Visibility::Undecoded,
                );
                return Fed::Done(data.len());
            }
            return Fed::Done(pos);
        };
        let len = usize::from(len);
        match rest.get(2..2 + len) {
            Some(msg) => {
                out.field(at..at + 2, DNS_LENGTH);
                message(at + 2, msg, out);
                pos += 2 + len;
            }
            None if flush => {
                out.field(at..at + 2, DNS_LENGTH);
                message(at + 2, rest.get(2..).unwrap_or(&[]), out);
                return Fed::Done(data.len());
            }
            None => return Fed::Done(pos),
        }
    }
    Fed::Done(pos)
}

const HEADER: usize = 12;
const MAX_HOPS: usize = 32;
const MAX_NAME: usize = 255;
/// Records read per message (a hostile count cannot make us loop long).
const MAX_RECORDS: usize = 256;

/// Reads the name at `at`: its dotted text and where its own bytes end.
fn name(m: &[u8], at: usize) -> Option<(String, usize)> {
    let mut text = String::new();
    let mut pos = at;
    let mut end = None;
    let mut hops = 0;
    loop {
        let len = *m.get(pos)?;
        match len {
            0 => {
                end.get_or_insert(pos + 1);
                break;
            }
            l if l & 0xc0 == 0xc0 => {
                let target = usize::from(u16::from_be_bytes([l & 0x3f, *m.get(pos + 1)?]));
                end.get_or_insert(pos + 2);
                hops += 1;
                if hops > MAX_HOPS || target >= pos {
                    return None;
                }
                pos = target;
            }
            l if l & 0xc0 == 0 => {
                let label = m.get(pos + 1..pos + 1 + usize::from(l))?;
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(&crate::text::lossy(label));
                if text.len() > MAX_NAME {
                    return None;
                }
                pos += 1 + usize::from(l);
            }
            _ => return None,
        }
    }
    if text.is_empty() {
        text.push('.');
    }
    Some((text, end?))
}

/// The address hints of an HTTPS or SVCB record's SvcParams (RFC 9460 section 7.3:
/// `ipv4hint` is key 4, `ipv6hint` key 6): SvcPriority, an uncompressed TargetName,
/// then key, length, value.
fn svc_hints(rdata: &[u8]) -> Vec<std::net::IpAddr> {
    let mut out = Vec::new();
    let mut r = crate::codec::Reader::new(rdata);
    let target = (|| {
        r.u16()?;
        // TargetName: labels until the root (RFC 9460 forbids compression here).
        loop {
            let n = r.u8()?;
            if n == 0 {
                return Some(());
            }
            r.skip(usize::from(n))?;
        }
    })();
    if target.is_none() {
        return out;
    }
    while let (Some(key), Some(mut value)) = (r.u16(), r.prefixed_u16()) {
        match key {
            4 => {
                while let Some(a) = value.array::<4>() {
                    out.push(Ipv4Addr::from(a).into());
                }
            }
            6 => {
                while let Some(a) = value.array::<16>() {
                    out.push(Ipv6Addr::from(a).into());
                }
            }
            _ => {}
        }
        if out.len() >= 16 {
            break;
        }
    }
    out
}

fn type_name(t: u16) -> String {
    match t {
        1 => "A".into(),
        2 => "NS".into(),
        5 => "CNAME".into(),
        6 => "SOA".into(),
        12 => "PTR".into(),
        15 => "MX".into(),
        16 => "TXT".into(),
        28 => "AAAA".into(),
        33 => "SRV".into(),
        64 => "SVCB".into(),
        65 => "HTTPS".into(),
        255 => "ANY".into(),
        other => format!("TYPE{other}"),
    }
}

/// Labels one DNS message whose first byte is at stream or frame offset `at`.
pub fn message(at: u64, m: &[u8], out: &mut Emitter) {
    let span = |out: &mut Emitter, r: std::ops::Range<usize>, f: FieldId| {
        out.field(at + r.start as u64..at + r.end as u64, f);
    };
    if m.len() < HEADER {
        out.span(
            at..at + m.len() as u64,
            crate::fields::PAYLOAD,
            Visibility::Undecoded,
        );
        out.note(
            at..at + m.len() as u64,
            Severity::Warn,
            NoteGroup::Malformed,
            format!(
                "DNS message of {} bytes, shorter than its 12-byte header",
                m.len()
            ),
        );
        return;
    }
    span(out, 0..HEADER, DNS_HEADER);
    let flags = be16(m, 2).unwrap_or(0);
    let response = flags & 0x8000 != 0;
    let rcode = flags & 0xf;
    let counts: Vec<usize> = (0..4)
        .map(|i| usize::from(be16(m, 4 + 2 * i).unwrap_or(0)))
        .collect();
    let mut pos = HEADER;
    let mut first_question: Option<(String, u16)> = None;
    // Answers tie names to addresses (A, AAAA, and HTTPS/SVCB address hints).
    let mut resolved: Vec<(String, std::net::IpAddr, u64)> = Vec::new();
    let mut first_answer: Option<String> = None;
    let mut ok = true;
    'records: for (section, &count) in counts.iter().enumerate() {
        for _ in 0..count.min(MAX_RECORDS) {
            let Some((text, name_end)) = name(m, pos) else {
                ok = false;
                break 'records;
            };
            let field = if section == 0 {
                DNS_QRY_NAME
            } else {
                DNS_RESP_NAME
            };
            span(out, pos..name_end, field);
            // The root (an EDNS OPT record's owner) names nothing.
            if text != "." && !text.is_empty() {
                out.event(
                    at + pos as u64,
                    Desc::Leak {
                        kind: LeakKind::DnsName,
                        value: text.clone(),
                    },
                );
            }
            let Some(rtype) = be16(m, name_end) else {
                ok = false;
                break 'records;
            };
            if section == 0 {
                if name_end + 4 > m.len() {
                    ok = false;
                    break 'records;
                }
                span(out, name_end..name_end + 4, DNS_META);
                first_question.get_or_insert((text, rtype));
                pos = name_end + 4;
                continue;
            }
            let Some(rdlen) = be16(m, name_end + 8) else {
                ok = false;
                break 'records;
            };
            let rdata = name_end + 10;
            let rend = rdata + usize::from(rdlen);
            if rend > m.len() {
                ok = false;
                break 'records;
            }
            span(out, name_end..rdata, DNS_META);
            let data = m.get(rdata..rend).unwrap_or(&[]);
            let shown = match (rtype, data.len()) {
                (1, 4) => {
                    span(out, rdata..rend, DNS_ADDRESS);
                    let a: [u8; 4] = data.try_into().unwrap_or([0; 4]);
                    Some(Ipv4Addr::from(a).to_string())
                }
                (28, 16) => {
                    span(out, rdata..rend, DNS_ADDRESS);
                    let a: [u8; 16] = data.try_into().unwrap_or([0; 16]);
                    Some(Ipv6Addr::from(a).to_string())
                }
                (16, _) => {
                    span(out, rdata..rend, DNS_DATA);
                    // The first character-string (RFC 1035 section 3.3.14), shortened.
                    let n = usize::from(data.first().copied().unwrap_or(0));
                    let text = crate::text::lossy(data.get(1..1 + n).unwrap_or(&[])).into_owned();
                    let short: String = text.chars().take(40).collect();
                    let more = if short.len() < text.len() { "…" } else { "" };
                    Some(format!("\"{short}{more}\""))
                }
                (15, _) => match name(m, rdata + 2) {
                    Some((target, e)) if e <= rend => {
                        span(out, rdata..rend, DNS_RESP_NAME);
                        Some(format!("{} {target}", be16(m, rdata).unwrap_or(0)))
                    }
                    _ => {
                        span(out, rdata..rend, DNS_DATA);
                        None
                    }
                },
                (2 | 5 | 12, _) => match name(m, rdata) {
                    Some((target, e)) if e <= rend => {
                        span(out, rdata..rend, DNS_RESP_NAME);
                        Some(target)
                    }
                    _ => {
                        span(out, rdata..rend, DNS_DATA);
                        None
                    }
                },
                _ => {
                    span(out, rdata..rend, DNS_DATA);
                    None
                }
            };
            if section == 1 {
                let addr = match (rtype, data.len()) {
                    (1, 4) => <[u8; 4]>::try_from(data)
                        .ok()
                        .map(|a| Ipv4Addr::from(a).into()),
                    (28, 16) => <[u8; 16]>::try_from(data)
                        .ok()
                        .map(|a| Ipv6Addr::from(a).into()),
                    _ => None,
                };
                if let Some(addr) = addr {
                    resolved.push((text.clone(), addr, at + rdata as u64));
                }
                if matches!(rtype, 64 | 65) {
                    for addr in svc_hints(data) {
                        resolved.push((text.clone(), addr, at + rdata as u64));
                    }
                }
                if let Some(v) = shown {
                    if matches!(rtype, 1 | 28) {
                        out.event(
                            at + rdata as u64,
                            Desc::Leak {
                                kind: LeakKind::Address,
                                value: v.clone(),
                            },
                        );
                    }
                    first_answer.get_or_insert(format!("{} {v}", type_name(rtype)));
                } else {
                    first_answer.get_or_insert(type_name(rtype));
                }
            }
            pos = rend;
        }
    }
    for (owner, addr, at_rdata) in resolved {
        // The name asked and the answer's owner (a CNAME chain's end) both point here.
        let mut names = Vec::new();
        if let Some((q, _)) = &first_question {
            names.push(q.clone());
        }
        if !names.contains(&owner) {
            names.push(owner);
        }
        if response {
            out.event(at_rdata, Desc::Resolved { names, addr });
        }
    }
    if !ok || pos < m.len() {
        let what = if ok {
            "bytes after the last record"
        } else {
            "a record runs past its message"
        };
        out.span(
            at + pos as u64..at + m.len() as u64,
            crate::fields::PAYLOAD,
            Visibility::Undecoded,
        );
        out.note(
            at + pos as u64..at + m.len() as u64,
            Severity::Warn,
            NoteGroup::Malformed,
            format!("malformed DNS message: {what}; the rest is left undecoded"),
        );
    }
    let text = match (response, &first_question) {
        (false, Some((q, t))) => format!("{}? {q}", type_name(*t)),
        (true, Some((q, _))) => match (&first_answer, rcode) {
            (Some(a), 0) => format!("{q} {a}"),
            (None, 0) => format!("{q}: no answer"),
            (_, 3) => format!("{q}: NXDOMAIN"),
            (_, c) => format!("{q}: rcode {c}"),
        },
        (_, None) => if response { "response" } else { "query" }.to_string(),
    };
    out.event(
        at,
        Desc::App {
            proto: "DNS",
            text,
            leaks: vec![],
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(name: &str) -> Vec<u8> {
        let mut m = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        for label in name.split('.') {
            m.push(label.len() as u8);
            m.extend_from_slice(label.as_bytes());
        }
        m.extend_from_slice(&[0, 0, 1, 0, 1]);
        m
    }

    #[test]
    fn query_name_is_a_leak_and_described() {
        let m = query("www.example.com");
        let mut out = Emitter::default();
        message(100, &m, &mut out);
        assert!(out
            .spans
            .iter()
            .any(|s| s.field == DNS_QRY_NAME && s.range == (112..129)));
        assert!(out
            .events
            .iter()
            .any(|e| matches!(&e.desc, Desc::App { text, .. } if text == "A? www.example.com")));
        assert!(out.notes.is_empty());
    }

    #[test]
    fn answer_with_a_compression_pointer() {
        let mut m = query("example.com");
        m[2] = 0x81;
        m[3] = 0x80;
        m[7] = 1;
        m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 93, 184, 216, 34]);
        let mut out = Emitter::default();
        message(0, &m, &mut out);
        assert!(out.events.iter().any(
            |e| matches!(&e.desc, Desc::App { text, .. } if text == "example.com A 93.184.216.34")
        ));
        assert!(out.spans.iter().any(|s| s.field == DNS_ADDRESS));
        assert!(out.notes.is_empty(), "{:?}", out.notes);
    }

    #[test]
    fn pointer_loops_and_short_messages_are_notes() {
        // A name that points at itself.
        let mut m = vec![0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1];
        let mut out = Emitter::default();
        message(0, &m, &mut out);
        assert!(!out.notes.is_empty());
        m.truncate(5);
        let mut out = Emitter::default();
        message(0, &m, &mut out);
        assert!(out.spans.iter().all(|s| s.vis == Visibility::Undecoded));
    }

    #[test]
    fn a_huge_record_count_stops_at_the_end_of_the_message() {
        let mut m = query("a.b");
        m[4] = 0xff;
        m[5] = 0xff;
        let mut out = Emitter::default();
        message(0, &m, &mut out);
        assert!(out.notes.iter().any(|n| n.text.contains("malformed")));
    }
}
