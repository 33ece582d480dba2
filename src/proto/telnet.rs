//! Telnet (RFC 854): option negotiation and data, all readable.

use super::framing::upgrade_check;
use super::registry::{Detect, Probe, Protocol};
use super::{Direction, Dissector, Emitter, Facts, Fed};

crate::fields! {
    proto = "Telnet";
    TELNET_COMMAND = "telnet.cmd", Content, Cleartext, None, "Telnet option negotiation (RFC 854)";
    TELNET_DATA = "telnet.data", Content, Cleartext, None, "Telnet data";
}

/// Telnet: an IAC command to port 23 first, or the port.
pub static PROTOCOL: Protocol = Protocol {
    name: "Telnet",
    detect: |p: &Probe<'_>| Detect::when(p.bytes.first() == Some(&IAC) && p.server_port == 23),
    ports: &[23],
    new: |_| Box::new(Telnet),
    fields: FIELDS,
};

/// Interpret As Command (RFC 854).
const IAC: u8 = 0xff;

/// Telnet keeps no state: every byte is a command or data.
#[derive(Debug)]
pub struct Telnet;

impl Dissector for Telnet {
    fn feed(
        &mut self,
        _: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Fed {
        if let Some(f) = upgrade_check(data, flush) {
            return f;
        }
        label(base, data, out);
        Fed::Done(data.len())
    }

    fn gap(&mut self, _: Direction, _: u64, _: u64, _: &mut Emitter) {}

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("Telnet".into());
    }
}

/// IAC commands (RFC 854) and data, all readable.
fn label(base: u64, data: &[u8], out: &mut Emitter) {
    let mut i = 0;
    while i < data.len() {
        let at = base + i as u64;
        if data.get(i) == Some(&IAC) {
            let len = match data.get(i + 1) {
                // SB … IAC SE
                Some(0xfa) => data
                    .get(i..)
                    .and_then(|r| r.windows(2).position(|w| w == [IAC, 0xf0]))
                    .map_or(data.len() - i, |p| p + 2),
                // WILL, WONT, DO, DONT take an option byte.
                Some(0xfb..=0xfe) => 3,
                Some(_) => 2,
                None => 1,
            };
            let len = len.min(data.len() - i);
            out.field(at..at + len as u64, TELNET_COMMAND);
            i += len;
        } else {
            let end = data
                .get(i..)
                .and_then(|r| r.iter().position(|&b| b == IAC))
                .map_or(data.len(), |p| i + p);
            out.field(at..base + end as u64, TELNET_DATA);
            i = end;
        }
    }
}
