//! One OpenVPN packet: its opcode and key id, data packets, and control packets
//! with their acknowledgements and packet ID.

use super::*;

impl OpenVpn {
    /// Labels one packet (`b`, opcode byte first) at outer offset `at`.
    pub(super) fn packet(&mut self, dir: Direction, at: u64, b: &[u8], out: &mut Emitter) {
        let end = at + b.len() as u64;
        let Some(&b0) = b.first() else { return };
        let opcode = b0 >> 3;
        if self.mode == Mode::Start {
            self.mode = if is_control(opcode) {
                match guess_wrap(b) {
                    Some(w) => Mode::Tls(Some(w)),
                    None => Mode::Static,
                }
            } else if matches!(opcode, op::DATA_V1 | op::DATA_V2) {
                Mode::Tls(None)
            } else {
                Mode::Static
            };
        }
        if self.mode == Mode::Static {
            let field = if super::super::unknown::looks_like_text(b) {
                crate::fields::PAYLOAD
            } else {
                OPENVPN_DATA
            };
            out.field(at..end, field);
            self.event(at, "static-key packet".into(), out);
            return;
        }
        out.field(at..at + 1, OPENVPN_OPCODE);
        let name = opcode_name(opcode);
        match opcode {
            op::DATA_V1 => {
                out.field(at + 1..end, OPENVPN_DATA);
            }
            op::DATA_V2 => {
                let split = (at + 4).min(end);
                out.field(at + 1..split, OPENVPN_PEERID);
                out.field(split..end, OPENVPN_DATA);
            }
            o if is_control(o) => {
                self.control(dir, at, b, out);
                return;
            }
            _ => {
                out.field(at + 1..end, crate::fields::PAYLOAD);
                out.note(
                    at..end,
                    Severity::Warn,
                    NoteGroup::Malformed,
                    format!("OpenVPN opcode {opcode} is not defined"),
                );
            }
        }
        self.event(at, name.into(), out);
        if b.len() == 1 || (opcode == op::DATA_V2 && b.len() <= 4) {
            out.note(
                at..end,
                Severity::Note,
                NoteGroup::Truncated,
                format!("OpenVPN {name} without a payload"),
            );
        }
    }

    pub(super) fn event(&self, at: u64, text: String, out: &mut Emitter) {
        out.event(
            at,
            Desc::App {
                proto: "OpenVPN",
                text,
                leaks: vec![],
            },
        );
    }

    /// A control packet.
    pub(super) fn control(&mut self, dir: Direction, at: u64, b: &[u8], out: &mut Emitter) {
        let end = at + b.len() as u64;
        let opcode = b.first().map_or(0, |x| x >> 3);
        let key_id = b.first().map_or(0, |x| x & 7);
        let name = opcode_name(opcode);
        self.event(at, name.into(), out);
        if opcode == op::SOFT_RESET_V1 && key_id != self.key_id {
            // Renegotiation: a new TLS session with its own packet-IDs.
            self.key_id = key_id;
            if self.tls.learned().client_hello_seen || self.tls.learned().server_hello_seen {
                self.first.get_or_insert_with(|| self.tls.learned().clone());
            }
            self.tls = TlsStream::new();
            self.ctl = [Control::default(), Control::default()];
        }
        let wrap = match self.mode {
            Mode::Tls(Some(w)) => Some(w),
            _ => guess_wrap(b),
        };
        if let (Some(w), Mode::Tls(None)) = (wrap, self.mode) {
            self.mode = Mode::Tls(Some(w));
        }
        let r = |range: Range<usize>| at + range.start as u64..at + range.end as u64;
        let layout = wrap.and_then(|w| control_layout(b, w));
        let Some(l) = layout else {
            let split = (at + 9).min(end);
            out.field(at + 1..split, OPENVPN_SESSIONID);
            out.field(split..end, crate::fields::PAYLOAD);
            out.note(
                at..end,
                Severity::Warn,
                NoteGroup::Malformed,
                format!(
                    "OpenVPN {name} does not parse (cut short, or wrapped in a way not recognised)"
                ),
            );
            return;
        };
        out.field(r(1..9), OPENVPN_SESSIONID);
        if is_reset(opcode) && self.session_ids.len() < 4 {
            if let Some(sid) = b.get(1..9).and_then(|s| <[u8; 8]>::try_from(s).ok()) {
                let sid = u64::from_be_bytes(sid);
                if !self.session_ids.contains(&sid) {
                    self.session_ids.push(sid);
                }
            }
        }
        let parts = [
            (l.hmac.clone(), OPENVPN_HMAC),
            (l.pid.clone(), OPENVPN_PID),
            (l.time.clone(), OPENVPN_NET_TIME),
            (l.tag.clone(), OPENVPN_TAG),
        ];
        for (range, field) in parts {
            if let Some(range) = range {
                out.field(r(range), field);
            }
        }
        if let Some(from) = l.crypt {
            out.field(r(from..b.len()), OPENVPN_CRYPT);
            return;
        }
        out.field(r(l.acks.clone()), OPENVPN_ACKS);
        if let Some(range) = l.rsid.clone() {
            out.field(r(range), OPENVPN_RSESSIONID);
        }
        let Some((range, mpid)) = l.mpid.clone() else {
            // P_ACK_V1 carries acknowledgements only.
            if !l.payload.is_empty() {
                out.field(r(l.payload.clone()), crate::fields::PAYLOAD);
                out.note(
                    r(l.payload),
                    Severity::Warn,
                    NoteGroup::Malformed,
                    "bytes after the acknowledgements of an OpenVPN P_ACK_V1".into(),
                );
            }
            return;
        };
        out.field(r(range), OPENVPN_MPID);
        let payload = b.get(l.payload.clone()).unwrap_or(&[]);
        let pat = at + l.payload.start as u64;
        if opcode != op::CONTROL_V1 {
            // A reset's early-negotiation TLVs.
            out.field(pat..end, OPENVPN_CONTROL);
            // A reset starts the control channel at packet-ID 0 again.
            if is_reset(opcode) || opcode == op::SOFT_RESET_V1 {
                let c = self.ctl(dir);
                if c.next.is_none() {
                    c.next = Some(mpid.wrapping_add(1));
                }
            }
            return;
        }
        self.tls_payload(dir, mpid, pat, payload, out);
    }
}
