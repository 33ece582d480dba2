//! One UDP 5-tuple, several protocols: the demultiplexing of RFC 7983 (WebRTC, and any
//! DTLS or STUN flow). Every datagram is dispatched on its first byte:
//!
//! | first byte | protocol |
//! |---|---|
//! | 0-3 | STUN ([`super::stun`]) |
//! | 16-19 | ZRTP ([`super::rtp::zrtp`]) |
//! | 20-63 | DTLS ([`super::dtls`]; 32-63 is DTLS 1.3's unified header) |
//! | 64-79 | TURN ChannelData, whose data is demultiplexed again (64-127 on a flow that talked to a TURN server: RFC 5766's channels 0x4000-0x7FFF) |
//! | 128-191 | RTP and RTCP ([`super::rtp`]): SRTP once DTLS was seen on the flow |
//!
//! A flow recognised as DTLS or STUN keeps this dissector, which owns the DTLS state
//! (handshake reassembly, negotiated facts, the SRTP profile) and the STUN facts.
//! A peer's datagrams relayed by TURN (ChannelData, a Send or Data indication's DATA)
//! are read by a second demultiplexer of their own (one level: a relay inside a relay
//! is left undecoded).
//!
//! The flow's stack lists what it carried in the order first seen, for example
//! `UDP › STUN › DTLS 1.2 › SRTP`: on one 5-tuple these are siblings rather than
//! layers, except that SRTP's keys come from the DTLS handshake. A flow that talked to
//! a TURN server says `TURN` instead of `STUN`; relayed protocols follow it.

use super::dtls::Dtls;
use super::rtp::{self, Keying};
use super::stun::{self, Stun};
use super::{Direction, Dissector, Emitter, Facts, Fed, Protection};
use crate::note::{NoteGroup, Severity};
use crate::span::Visibility;

/// What a flow carried, in the order first seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layer {
    Stun,
    Turn,
    Zrtp,
    Dtls,
    Srtp,
    Rtp,
}

/// The RFC 7983 demultiplexer of one UDP flow.
#[derive(Debug, Default)]
pub struct Demux {
    dtls: Dtls,
    stun: Stun,
    layers: Vec<Layer>,
    /// What a TURN relay carried for a peer.
    relayed: Option<Box<Demux>>,
    /// Relay depth: 0 for the flow itself.
    depth: u8,
}

impl Demux {
    pub fn new() -> Demux {
        Demux::default()
    }

    fn saw(&mut self, layer: Layer) {
        if !self.layers.contains(&layer) {
            self.layers.push(layer);
        }
    }

    /// How RTP on this flow is protected: DTLS-SRTP once DTLS records were seen.
    fn keying(&self) -> Keying {
        if self.dtls.records > 0 {
            Keying::Dtls(self.dtls.srtp_profile)
        } else {
            Keying::Unknown
        }
    }

    /// Labels one datagram of `dir` (or a relayed one inside it) whose first byte is
    /// at frame offset `at`.
    pub fn datagram(&mut self, dir: Direction, at: u64, b: &[u8], out: &mut Emitter) {
        let Some(&first) = b.first() else {
            return;
        };
        match first {
            0..=3 if stun::plausible(b) => {
                self.saw(Layer::Stun);
                for r in self.stun.message(dir, at, b, out) {
                    let data = b.get(r.clone()).unwrap_or(&[]);
                    self.relay(dir, at + r.start as u64, data, out);
                }
                if self.stun.turn {
                    self.saw(Layer::Turn);
                }
            }
            16..=19 => {
                self.saw(Layer::Zrtp);
                rtp::zrtp(at, b, out);
            }
            20..=63 => {
                self.saw(Layer::Dtls);
                self.dtls.datagram(dir, at, b, out);
            }
            // RFC 7983 gives TURN channels 64-79 (RFC 8656's 0x4000-0x4FFF); a flow
            // that talks to a relay may use RFC 5766's whole 0x4000-0x7FFF.
            64..=127 if first <= 79 || self.stun.turn => {
                self.saw(Layer::Turn);
                let r = stun::channel_data(at, b, out);
                let data = b.get(r.clone()).unwrap_or(&[]);
                self.relay(dir, at + r.start as u64, data, out);
            }
            128..=191 => {
                let keying = self.keying();
                self.saw(match keying {
                    Keying::Dtls(_) => Layer::Srtp,
                    Keying::Unknown => Layer::Rtp,
                });
                rtp::packet(at, b, keying, out);
            }
            _ => {
                let end = at + b.len() as u64;
                out.span(at..end, crate::fields::PAYLOAD, Visibility::Undecoded);
                let text = if first <= 3 {
                    "first byte {first} would be STUN (RFC 7983 section 7), but no STUN \
                     header follows (no magic cookie, and a length that does not fit)"
                        .replace("{first}", &first.to_string())
                } else {
                    format!(
                        "first byte {first} is none of STUN, ZRTP, DTLS, TURN ChannelData or \
                         RTP/RTCP (RFC 7983 section 7)"
                    )
                };
                out.note(at..end, Severity::Note, NoteGroup::Undecoded, text);
            }
        }
    }

    /// A peer's datagram carried by TURN.
    fn relay(&mut self, dir: Direction, at: u64, b: &[u8], out: &mut Emitter) {
        if b.is_empty() {
            return;
        }
        if self.depth > 0 {
            let end = at + b.len() as u64;
            out.field(at..end, stun::STUN_DATA);
            out.note(
                at..end,
                Severity::Note,
                NoteGroup::Undecoded,
                "TURN data inside relayed TURN data: not decoded".into(),
            );
            return;
        }
        let inner = self.relayed.get_or_insert_with(|| {
            Box::new(Demux {
                depth: 1,
                ..Demux::default()
            })
        });
        inner.datagram(dir, at, b, out);
    }

    fn layer_names(&self, stack: &mut Vec<String>) {
        for l in &self.layers {
            let name = match l {
                Layer::Stun if self.stun.turn => continue,
                Layer::Stun => "STUN",
                Layer::Turn => "TURN",
                Layer::Zrtp => "ZRTP",
                Layer::Dtls => "DTLS",
                Layer::Srtp => "SRTP",
                Layer::Rtp => "RTP",
            };
            if !stack.iter().any(|s| s == name) {
                stack.push(name.into());
            }
        }
    }

    /// The DTLS that ran a handshake: this flow's, else the relayed one's.
    fn dtls(&self) -> Option<&Dtls> {
        if self.dtls.records > 0 {
            return Some(&self.dtls);
        }
        self.relayed.as_ref().and_then(|r| r.dtls())
    }

    fn protection(&self) -> Option<Protection> {
        let srtp = self.layers.contains(&Layer::Srtp);
        let inner = self.relayed.as_ref().and_then(|r| r.protection());
        if !srtp {
            return inner;
        }
        let profile = self.dtls.srtp_profile.map(|(p, _)| p);
        let null = matches!(profile, Some(0x0005 | 0x0006));
        Some(Protection {
            proto: "DTLS-SRTP".into(),
            cipher: self.dtls.srtp_profile_name(),
            mac: None,
            weaknesses: if null {
                vec!["NULL encryption: the media is readable".into()]
            } else {
                Vec::new()
            },
            readable: null,
        })
    }
}

impl Dissector for Demux {
    fn feed(&mut self, dir: Direction, base: u64, data: &[u8], _: bool, out: &mut Emitter) -> Fed {
        self.datagram(dir, base, data, out);
        Fed::Done(data.len())
    }

    fn gap(&mut self, _: Direction, _: u64, _: u64, _: &mut Emitter) {}

    fn compact(&mut self) {
        self.dtls.compact();
        if let Some(r) = self.relayed.as_mut() {
            r.compact();
        }
    }

    fn facts(&self, facts: &mut Facts) {
        self.layer_names(&mut facts.stack);
        if let Some(r) = &self.relayed {
            r.layer_names(&mut facts.stack);
        }
        facts.tls = self.dtls().map(|d| {
            let mut f = d.facts.clone();
            f.decryption = d.decryption().map(Box::new);
            f
        });
        facts.protection = self.protection();
    }

    fn tls(&self) -> Option<&super::tls::TlsFacts> {
        self.dtls().map(|d| &d.facts)
    }

    fn use_keys(&mut self, keys: &crate::keys::KeyRing, ports: (u16, u16)) {
        self.dtls.use_keys(keys, ports);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::Desc;

    fn names(out: &Emitter) -> Vec<String> {
        out.events
            .iter()
            .filter_map(|e| match &e.desc {
                Desc::App { proto, .. } => Some(proto.to_string()),
                Desc::TlsRecord { .. } => Some("DTLS".into()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn rfc7983_first_byte_demux() {
        let mut d = Demux::new();
        let mut out = Emitter::default();
        let mut stun = vec![0x00, 0x01, 0x00, 0x00];
        stun.extend_from_slice(&stun::MAGIC_COOKIE.to_be_bytes());
        stun.extend_from_slice(&[1; 12]);
        d.datagram(Direction::ToServer, 0, &stun, &mut out);
        // A DTLS 1.2 application data record in epoch 1.
        let mut dtls = vec![23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 1, 0, 4];
        dtls.extend_from_slice(&[9; 4]);
        d.datagram(Direction::ToServer, 0, &dtls, &mut out);
        // RTP after DTLS: SRTP.
        let rtp = [0x80, 0x6f, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0xaa, 0xbb];
        d.datagram(Direction::ToServer, 0, &rtp, &mut out);
        // ZRTP, TURN ChannelData carrying STUN, and a byte RFC 7983 leaves unassigned.
        let zrtp = [
            0x10, 0, 0, 1, b'Z', b'R', b'T', b'P', 0, 0, 0, 1, 0x50, 0x5a, 0, 3,
        ];
        d.datagram(Direction::ToServer, 0, &zrtp, &mut out);
        let mut chan = vec![0x40, 0x00, 0x00, stun.len() as u8];
        chan.extend_from_slice(&stun);
        d.datagram(Direction::ToServer, 0, &chan, &mut out);
        d.datagram(Direction::ToServer, 0, &[0xff, 1, 2], &mut out);
        assert_eq!(
            names(&out),
            ["STUN", "DTLS", "SRTP", "ZRTP", "TURN", "STUN"],
            "{:?}",
            out.events
        );
        assert!(out.notes.iter().any(|n| n.text.contains("first byte 255")));
        let mut f = Facts::default();
        d.facts(&mut f);
        assert_eq!(f.stack, ["STUN", "DTLS", "SRTP", "ZRTP", "TURN"]);
        assert!(f.tls.is_some());
    }

    #[test]
    fn rtp_before_any_dtls_stays_undecoded() {
        let mut d = Demux::new();
        let mut out = Emitter::default();
        let rtp = [0x80, 0x6f, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0xaa, 0xbb];
        d.datagram(Direction::ToServer, 0, &rtp, &mut out);
        assert!(out
            .spans
            .iter()
            .any(|s| s.field == rtp::RTP_PAYLOAD && s.vis == Visibility::Undecoded));
        let mut f = Facts::default();
        d.facts(&mut f);
        assert_eq!(f.stack, ["RTP"]);
        assert!(f.tls.is_none());
    }
}
