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
    /// HTTP/2 (the client's connection preface, or ALPN `h2`): frames are named.
    h2: Option<[H2Dir; 2]>,
}

/// Whether a full HTTP/2 dissector (frames and HPACK) is registered: then it reads
/// decrypted HTTP/2 like any protocol, and the frame naming below stands aside.
fn h2_registered() -> bool {
    super::registry::TCP.iter().any(|p| p.name == "HTTP/2")
}

/// The HTTP/2 client connection preface (RFC 9113 section 3.4).
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// One direction of an HTTP/2 connection: bytes not yet framed.
#[derive(Debug, Default)]
pub struct H2Dir {
    buf: Vec<u8>,
    /// Payload bytes of an oversized frame still to skip.
    skip: usize,
    preface_done: bool,
}

/// An HTTP/2 frame type's name (RFC 9113 section 6).
fn h2_frame(t: u8) -> &'static str {
    match t {
        0 => "DATA",
        1 => "HEADERS",
        2 => "PRIORITY",
        3 => "RST_STREAM",
        4 => "SETTINGS",
        5 => "PUSH_PROMISE",
        6 => "PING",
        7 => "GOAWAY",
        8 => "WINDOW_UPDATE",
        9 => "CONTINUATION",
        _ => "frame",
    }
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
            h2: None,
        }
    }

    /// The endpoints agreed on HTTP/2 (ALPN `h2`): read frames from the first byte
    /// (unless an HTTP/2 dissector is registered: it recognises the content itself).
    pub fn expect_h2(&mut self) {
        if self.stack.is_none() && self.h2.is_none() && !h2_registered() {
            self.h2 = Some(Default::default());
        }
    }

    /// HTTP/2 frames: named, with their stream and (DATA) length. Header blocks are
    /// HPACK-compressed and not decoded: a stopgap until an HTTP/2 dissector is
    /// registered (see [`h2_registered`]).
    fn push_h2(&mut self, dir: Direction, bytes: &[u8]) -> Said {
        let mut said = Said::default();
        let Some(d) = self.h2.as_mut().and_then(|h| h.get_mut(dir.index())) else {
            return said;
        };
        let mut bytes = bytes;
        if d.skip > 0 {
            let n = d.skip.min(bytes.len());
            d.skip -= n;
            bytes = bytes.get(n..).unwrap_or(&[]);
        }
        d.buf.extend_from_slice(bytes);
        if dir == Direction::ToServer && !d.preface_done {
            if d.buf.len() < H2_PREFACE.len() {
                return said;
            }
            if d.buf.starts_with(H2_PREFACE) {
                d.buf.drain(..H2_PREFACE.len());
                said.says.push("HTTP/2 connection preface".into());
            }
            d.preface_done = true;
        }
        let mut pos = 0usize;
        let mut data: Option<(u32, u64)> = None;
        while let Some(&[l0, l1, l2, t, flags, s0, s1, s2, s3]) = d.buf.get(pos..pos + 9) {
            let len = usize::from(l0) << 16 | usize::from(l1) << 8 | usize::from(l2);
            let stream = u32::from_be_bytes([s0 & 0x7f, s1, s2, s3]);
            if len > MAX_HELD {
                // Larger than any SETTINGS_MAX_FRAME_SIZE worth holding: skip it.
                let have = d.buf.len() - pos - 9;
                d.skip = len - have;
                pos = d.buf.len();
                said.says.push(format!(
                    "HTTP/2 {} (stream {stream}, {len} bytes)",
                    h2_frame(t)
                ));
                break;
            }
            if d.buf.len() < pos + 9 + len {
                break;
            }
            pos += 9 + len;
            match t {
                0 => {
                    let e = data.get_or_insert((stream, 0));
                    e.1 += len as u64;
                }
                4 | 8 if flags & 1 != 0 || t == 8 => {} // SETTINGS ACK, WINDOW_UPDATE
                _ if said.says.len() < 6 => {
                    said.says
                        .push(format!("HTTP/2 {} (stream {stream})", h2_frame(t)));
                }
                _ => {}
            }
        }
        d.buf.drain(..pos.min(d.buf.len()));
        if let Some((stream, n)) = data {
            said.says
                .push(format!("HTTP/2 DATA (stream {stream}, {n} bytes)"));
        }
        said
    }

    /// Adds decrypted application data of `dir`; returns what the dissector said.
    pub fn push(&mut self, dir: Direction, bytes: &[u8]) -> Said {
        let mut said = Said::default();
        if self.given_up || bytes.is_empty() {
            return said;
        }
        if self.stack.is_none()
            && self.h2.is_none()
            && !h2_registered()
            && dir == Direction::ToServer
            && self.dirs.get(dir.index()).is_some_and(|d| d.buf.is_empty())
            && H2_PREFACE
                .get(..bytes.len().min(H2_PREFACE.len()))
                .is_some_and(|p| bytes.starts_with(p))
            && bytes.len() >= 4
        {
            self.h2 = Some(Default::default());
        }
        if self.h2.is_some() {
            return self.push_h2(dir, bytes);
        }
        let Some(d) = self.dirs.get_mut(dir.index()) else {
            return said;
        };
        d.buf.extend_from_slice(bytes);
        let flush = d.buf.len() > MAX_HELD || self.transport == Transport::Udp;
        if self.stack.is_none() {
            // By content first (HTTP inside TLS on SOCKS's port 1080 is HTTP), then, over
            // TCP, by the flow's ports (SMTP's client speaks first after STARTTLS on 25).
            // Not over UDP: DTLS's own port would name DTLS again.
            self.stack = Stack::detect(&d.buf, dir, self.transport, (0, 0), flush);
            if self.stack.as_ref().is_some_and(Stack::is_unknown)
                && self.ports != (0, 0)
                && self.transport == Transport::Tcp
            {
                self.stack = Stack::detect(&d.buf, dir, self.transport, self.ports, true);
            }
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
                    // "HTTP HTTP/1.1 200 OK" reads better as "HTTP/1.1 200 OK".
                    said.says.push(if text.starts_with(proto) {
                        text
                    } else {
                        format!("{proto} {text}")
                    });
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
        if self.h2.is_some() {
            return vec!["HTTP/2".into()];
        }
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

    #[test]
    fn http2_frames_are_named() {
        if h2_registered() {
            // The registered dissector reads it (its own tests say how).
            return;
        }
        let mut v = KeyView::new((40000, 443), Transport::Tcp);
        let mut c = H2_PREFACE.to_vec();
        c.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]); // SETTINGS
        c.extend_from_slice(&[0, 0, 3, 1, 5, 0, 0, 0, 1, 0x82, 0x84, 0x87]); // HEADERS
        let said = v.push(Direction::ToServer, &c);
        assert_eq!(
            said.says,
            [
                "HTTP/2 connection preface",
                "HTTP/2 SETTINGS (stream 0)",
                "HTTP/2 HEADERS (stream 1)"
            ]
        );
        let said = v.push(
            Direction::ToClient,
            &[0, 0, 2, 0, 1, 0, 0, 0, 1, b'h', b'i'],
        );
        assert_eq!(said.says, ["HTTP/2 DATA (stream 1, 2 bytes)"]);
        assert_eq!(v.layers(), ["HTTP/2"]);
        // A frame cut anywhere, and huge declared lengths, never panic.
        let mut w = KeyView::new((1, 443), Transport::Tcp);
        w.expect_h2();
        for b in [
            &[0xff, 0xff, 0xff, 0, 0][..],
            &[0, 0, 9],
            &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        ] {
            let _ = w.push(Direction::ToClient, b);
        }
    }
}
