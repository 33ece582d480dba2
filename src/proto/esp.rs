//! UDP encapsulation of IPsec (RFC 3948), port 4500: one flow carries three things,
//! told apart by their first bytes (section 2.2):
//! - four zero bytes (the non-ESP marker): an IKE message follows, labelled by
//!   [`super::ike`];
//! - a single 0xFF byte: a NAT-keepalive (section 2.3);
//! - anything else: an ESP packet (RFC 4303), labelled as [`crate::decode::esp`]
//!   labels ESP directly over IP — SPI and sequence number visible, the rest opaque.
//!
//! A flow's stack names what it carried: `IKEv2` for its IKE messages, then `ESP`.

use super::ike::Ike;
use super::registry::{Detect, Probe, Protocol};
use super::{Desc, Direction, Dissector, Emitter, Facts, Fed, Protection};
use crate::decode::esp::{self, EspHeader};
use crate::note::{NoteGroup, Severity};

crate::fields! {
    proto = "UDPENCAP";
    // RFC 3948 section 2.
    UDPENCAP_MARKER = "udpencap.non_esp_marker", Header, Metadata, None, "non-ESP marker: four zero bytes before an IKE message (RFC 3948 section 2.2)";
    UDPENCAP_KEEPALIVE = "udpencap.keepalive", Header, Metadata, None, "NAT-keepalive: one 0xFF byte (RFC 3948 section 2.3)";
}

/// IKE and ESP over NAT traversal's port (RFC 3948 section 2).
pub const PORT: u16 = 4500;

/// ESP and IKE in UDP: an IKE message after a non-ESP marker is recognised by content;
/// ESP itself only by port (its SPI and sequence number could be anything).
pub static PROTOCOL: Protocol = Protocol {
    name: "ESP",
    detect: |p: &Probe<'_>| {
        let marked = p.bytes.get(..4) == Some(&[0, 0, 0, 0][..])
            && p.bytes.get(4..).is_some_and(super::ike::looks_like_ike);
        Detect::when(marked || (p.bytes == [0xff] && p.either_port(&[PORT])))
    },
    ports: &[PORT],
    new: |_| Box::<EspInUdp>::default(),
    fields: FIELDS,
};

/// One port-4500 flow.
#[derive(Debug, Default)]
pub struct EspInUdp {
    ike: Ike,
    /// SPIs seen, a few, in the order seen.
    spis: Vec<u32>,
    packets: u64,
}

/// SPIs kept for the flow's facts.
const MAX_SPIS: usize = 8;

impl Dissector for EspInUdp {
    fn feed(&mut self, dir: Direction, at: u64, b: &[u8], _: bool, out: &mut Emitter) -> Fed {
        let end = at + b.len() as u64;
        if b == [0xff] {
            out.field(at..end, UDPENCAP_KEEPALIVE);
            out.event(
                at,
                Desc::App {
                    proto: "ESP",
                    text: "NAT-keepalive".into(),
                    leaks: vec![],
                },
            );
        } else if b.get(..4) == Some(&[0, 0, 0, 0][..]) {
            out.field(at..at + 4, UDPENCAP_MARKER);
            self.ike
                .message(dir, at + 4, b.get(4..).unwrap_or(&[]), out);
        } else {
            self.esp(at, b, out);
        }
        Fed::Done(b.len())
    }

    fn gap(&mut self, _: Direction, _: u64, _: u64, _: &mut Emitter) {}

    fn facts(&self, facts: &mut Facts) {
        if self.ike.seen() {
            facts.stack.push(self.ike.name().into());
            self.ike.add_facts(facts);
        }
        if self.packets > 0 || !self.ike.seen() {
            facts.stack.push("ESP".into());
            if !self.spis.is_empty() {
                let spis: Vec<String> = self.spis.iter().map(|s| format!("{s:#010x}")).collect();
                facts.details.push(("esp.spi", spis.join(", ")));
            }
            // The ESP transforms were chosen inside IKE_AUTH (encrypted): unknown.
            facts.protection = Some(Protection {
                proto: "ESP".into(),
                ..Protection::default()
            });
        }
    }
}

impl EspInUdp {
    fn esp(&mut self, at: u64, b: &[u8], out: &mut Emitter) {
        for (range, field) in esp::layout(b.len()) {
            out.field(at + range.start as u64..at + range.end as u64, field);
        }
        let Some(EspHeader { spi, seq }) = esp::header(b) else {
            out.note(
                at..at + b.len() as u64,
                Severity::Warn,
                NoteGroup::Truncated,
                format!("ESP packet of {} bytes is shorter than its header", b.len()),
            );
            return;
        };
        self.packets += 1;
        if self.spis.len() < MAX_SPIS && !self.spis.contains(&spi) {
            self.spis.push(spi);
        }
        let len = u32::try_from(b.len()).unwrap_or(u32::MAX);
        out.event(
            at,
            Desc::App {
                proto: "ESP",
                text: format!("ESP(spi={spi:#010x},seq={seq:#x})"),
                leaks: vec![],
            },
        );
        out.event(
            at,
            Desc::Sealed {
                proto: "ESP",
                unit: "packet",
                len,
                plaintext: None,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Visibility::{self, *};

    fn run(flow: &mut EspInUdp, b: &[u8]) -> (Vec<(&'static str, Visibility)>, Emitter) {
        let mut out = Emitter::default();
        flow.feed(Direction::ToServer, 0, b, true, &mut out);
        let mut labels = vec![("", Undecoded); b.len()];
        for s in &out.spans {
            for i in s.range.clone() {
                assert_eq!(labels[i as usize].0, "", "byte {i} labelled twice");
                labels[i as usize] = (s.field.name(), s.vis);
            }
        }
        (labels, out)
    }

    #[test]
    fn esp_keepalive_and_marked_ike_share_the_port() {
        let mut flow = EspInUdp::default();
        let mut esp = vec![0x48, 0x56, 0xe1, 0x61, 0, 0, 0, 1];
        esp.extend([0x5a; 40]);
        let (l, out) = run(&mut flow, &esp);
        assert_eq!(l[0], ("esp.spi", Metadata));
        assert_eq!(l[4], ("esp.sequence", Metadata));
        assert!(l[8..].iter().all(|x| *x == ("esp.encrypted", Opaque)));
        assert!(out.events.iter().any(|e| matches!(&e.desc,
            Desc::App { text, .. } if text == "ESP(spi=0x4856e161,seq=0x1)")));
        let (l, _) = run(&mut flow, &[0xff]);
        assert_eq!(l[0], ("udpencap.keepalive", Metadata));
        // A marker and an IKE_AUTH message with only an SK payload.
        let mut ike = vec![0, 0, 0, 0];
        ike.extend([1; 16]);
        ike.extend([46, 0x20, 35, 0x08, 0, 0, 0, 1, 0, 0, 0, 40]);
        ike.extend([0, 0, 0, 12]);
        ike.extend([0xcc; 8]);
        let (l, _) = run(&mut flow, &ike);
        assert_eq!(l[0], ("udpencap.non_esp_marker", Metadata));
        assert_eq!(l[4], ("isakmp.ispi", Metadata));
        assert_eq!(l[43], ("isakmp.enc.data", Opaque));
        let mut f = Facts::default();
        flow.facts(&mut f);
        assert_eq!(f.stack, vec!["IKEv2", "ESP"]);
    }

    #[test]
    fn truncated_esp_never_panics() {
        let mut flow = EspInUdp::default();
        for n in 1..12usize {
            let b: Vec<u8> = (1..=n as u8).collect();
            let (_, out) = run(&mut flow, &b);
            assert_eq!(!out.notes.is_empty(), n < 8, "{n} bytes");
        }
        // A marker and nothing, or a cut IKE header.
        run(&mut flow, &[0, 0, 0, 0]);
        run(&mut flow, &[0, 0, 0, 0, 1, 2, 3]);
    }
}
