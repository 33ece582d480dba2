//! PostgreSQL before or without TLS (PostgreSQL protocol, chapter 55): the SSLRequest
//! and its one-byte answer, after which a TLS handshake takes the connection over.

use super::framing::upgrade_check;
use super::registry::{Detect, Probe, Protocol};
use super::{unknown, Desc, Direction, Dissector, Emitter, Facts, Fed};

crate::fields! {
    proto = "PostgreSQL";
    PGSQL_MESSAGE = "pgsql.message", Content, Cleartext, None, "PostgreSQL message before TLS (SSLRequest and its answer)";
}

/// PostgreSQL: an SSLRequest at the start, or the port.
pub static PROTOCOL: Protocol = Protocol {
    name: "PostgreSQL",
    detect: |p: &Probe<'_>| Detect::when(p.bytes.get(..8) == Some(&SSL_REQUEST[..])),
    ports: &[5432],
    new: |_| Box::new(Postgres),
    fields: FIELDS,
};

/// PostgreSQL's SSLRequest: length 8, code 80877103 (PostgreSQL protocol, section 55.2.10).
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

/// One PostgreSQL connection.
#[derive(Debug, Default)]
pub struct Postgres;

impl Dissector for Postgres {
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
        if data.get(..8) == Some(&SSL_REQUEST[..]) {
            out.field(base..base + 8, PGSQL_MESSAGE);
            out.event(base, app("SSLRequest".into()));
            return self.handover_after(8, data.len());
        }
        if let [answer @ (b'S' | b'N'), ..] = data {
            out.field(base..base + 1, PGSQL_MESSAGE);
            out.event(base, app(format!("SSL answer {}", *answer as char)));
            return self.handover_after(1, data.len());
        }
        if data.len() < 8 && !flush {
            return Fed::Done(0);
        }
        unknown::classify_chunk_explained(base, data, false, out);
        Fed::Done(data.len())
    }

    fn gap(&mut self, _: Direction, _: u64, _: u64, _: &mut Emitter) {}

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("PostgreSQL".into());
    }

    fn handover_name(&self) -> &'static str {
        "SSLRequest"
    }
}

impl Postgres {
    /// After a message of `n` bytes: TLS follows if more bytes are here.
    fn handover_after(&mut self, n: usize, have: usize) -> Fed {
        if have > n {
            Fed::Handover(n)
        } else {
            Fed::Done(n)
        }
    }
}

fn app(text: String) -> Desc {
    Desc::App {
        proto: "PostgreSQL",
        text,
        leaks: vec![],
    }
}
