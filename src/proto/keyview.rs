//! The key holder's dissection of decrypted application data: the plaintext of each
//! direction, concatenated in stream order, recognised and dissected by a [`Stack`] of
//! its own (HTTP, SMTP, IMAP, POP3, DNS…), exactly as an unencrypted stream would be.
//!
//! What it finds is the endpoints' view only: descriptions for the packet line
//! (`HTTP GET /`) and what the content gives away (`Authorization: Basic alice:secret`)
//! travel with the decrypted units, never into the observer's labels, leaks or report.

use super::stack::Stack;
use super::{Desc, Direction, Emitter, Facts};
use crate::decode::Transport;

/// Decrypted bytes held per direction at most while the dissector waits for a whole
/// message; beyond, they are dissected as they are.
const MAX_HELD: usize = 64 * 1024;

#[derive(Debug, Default)]
struct ViewDir {
    /// Bytes not yet labelled by the dissector, from stream offset `base`.
    buf: Vec<u8>,
    base: u64,
}

/// What the endpoints' protocol says in one push.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Said {
    pub says: Vec<String>,
    pub secrets: Vec<String>,
}

/// The dissection of one connection's decrypted application data (both directions).
#[derive(Debug)]
pub struct KeyView {
    stack: Option<Stack>,
    dirs: [ViewDir; 2],
    ports: (u16, u16),
    transport: Transport,
    scratch: Emitter,
    /// Nothing recognised the content: no more dissection (it would only say "data").
    given_up: bool,
}

impl KeyView {
    pub fn new(ports: (u16, u16), transport: Transport) -> KeyView {
        KeyView {
            stack: None,
            dirs: Default::default(),
            ports,
            transport,
            scratch: Emitter::default(),
            given_up: false,
        }
    }

    /// Adds decrypted application data of `dir`; returns what the dissector said.
    pub fn push(&mut self, dir: Direction, bytes: &[u8]) -> Said {
        let mut said = Said::default();
        if self.given_up || bytes.is_empty() {
            return said;
        }
        let Some(d) = self.dirs.get_mut(dir.index()) else {
            return said;
        };
        d.buf.extend_from_slice(bytes);
        let flush = d.buf.len() > MAX_HELD || self.transport == Transport::Udp;
        if self.stack.is_none() {
            self.stack = Stack::detect(&d.buf, dir, self.transport, self.ports, flush);
            if self.stack.as_ref().is_some_and(Stack::is_unknown) {
                self.given_up = true;
                d.buf = Vec::new();
                return said;
            }
        }
        let Some(stack) = self.stack.as_mut() else {
            return said;
        };
        self.scratch.clear();
        let n = stack
            .feed(dir, d.base, &d.buf, flush, &mut self.scratch)
            .min(d.buf.len());
        d.buf.drain(..n);
        d.base += n as u64;
        for e in self.scratch.events.drain(..) {
            if let Desc::App { proto, text, leaks } = e.desc {
                if said.says.len() < 8 {
                    said.says.push(format!("{proto} {text}"));
                }
                for l in leaks {
                    if said.secrets.len() < 8 {
                        said.secrets.push(l);
                    }
                }
            }
        }
        self.scratch.clear();
        said
    }

    /// The protocols the decrypted content carries (`HTTP`), for the flow's report.
    pub fn layers(&self) -> Vec<String> {
        if self.given_up {
            return Vec::new();
        }
        let mut f = Facts::default();
        if let Some(s) = &self.stack {
            f = s.facts();
        }
        f.stack
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_inside_is_described_and_its_credentials_named() {
        let mut v = KeyView::new((40000, 443), Transport::Tcp);
        let said = v.push(Direction::ToServer, b"GET /secret HTTP/1.1\r\nHost: a\r\n");
        assert!(said.says.is_empty(), "waits for the whole head");
        let said = v.push(
            Direction::ToServer,
            b"Authorization: Basic YWxpY2U6c2VjcmV0\r\n\r\n",
        );
        assert_eq!(said.says, ["HTTP GET /secret"]);
        assert!(
            said.secrets.iter().any(|s| s.contains("alice:secret")),
            "{said:?}"
        );
        assert_eq!(v.layers(), ["HTTP"]);
    }
}
