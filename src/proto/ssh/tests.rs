//! Named fixtures, run through a flow's [`Stack`] as the flow stage runs them
//! (detection included), with gaps and flushes where the flow stage gives them.

use super::*;
use crate::decode::Transport;
use crate::proto::stack::Stack;
use crate::span::Visibility::{self, *};

const SERVER: &[u8] = b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
const CLIENT: &[u8] = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n";
/// The ed25519 host key of captures/ssh-*.pcap, whose fingerprint `ssh-keygen -l`
/// prints as below.
const HOST_KEY: &str = "69e800a7d5931719ae4743c5f5b3eb1e76d2e320d6fb70aef3bdbb6708bf4cc5";
const HOST_KEY_SHA256: &str = "SHA256:BRnPwO41SnmWZCtSXq3tMHc3L4sh5mLkoOsfcJcPpjw";

fn string(b: &[u8]) -> Vec<u8> {
    let mut v = (b.len() as u32).to_be_bytes().to_vec();
    v.extend_from_slice(b);
    v
}

/// A binary packet in the clear, padded to a multiple of 8 (at least 4 bytes).
fn packet(payload: &[u8]) -> Vec<u8> {
    let mut pad = 8 - (5 + payload.len()) % 8;
    if pad < 4 {
        pad += 8;
    }
    let mut v = ((1 + payload.len() + pad) as u32).to_be_bytes().to_vec();
    v.push(pad as u8);
    v.extend_from_slice(payload);
    v.extend(std::iter::repeat_n(0xaa, pad));
    v
}

fn kexinit(kex: &str, cipher: &str, mac: &str) -> Vec<u8> {
    let mut p = vec![MSG_KEXINIT];
    p.extend_from_slice(&[0x11; 16]);
    for list in [
        kex,
        "ssh-ed25519",
        cipher,
        cipher,
        mac,
        mac,
        "none",
        "none",
        "",
        "",
    ] {
        p.extend(string(list.as_bytes()));
    }
    p.push(0);
    p.extend_from_slice(&[0; 4]);
    packet(&p)
}

fn host_blob() -> Vec<u8> {
    let mut b = string(b"ssh-ed25519");
    b.extend(string(&hex::decode(HOST_KEY).unwrap()));
    b
}

fn ecdh_init() -> Vec<u8> {
    let mut p = vec![30];
    p.extend(string(&[0x42; 32]));
    packet(&p)
}

fn ecdh_reply() -> Vec<u8> {
    let mut p = vec![31];
    p.extend(string(&host_blob()));
    p.extend(string(&[0x43; 32]));
    let mut sig = string(b"ssh-ed25519");
    sig.extend(string(&[0x44; 64]));
    p.extend(string(&sig));
    packet(&p)
}

fn newkeys() -> Vec<u8> {
    packet(&[MSG_NEWKEYS])
}

/// An encrypted packet with its length in the clear (EtM, GCM): `len` bytes, then
/// the MAC.
fn sealed(len: u32, mac: usize) -> Vec<u8> {
    let mut v = len.to_be_bytes().to_vec();
    v.extend(std::iter::repeat_n(0xe7, len as usize + mac));
    v
}

/// One connection through a [`Stack`]: bytes per direction, fed in chunks, with
/// gaps; every byte's label and every event kept.
struct Run {
    stack: Option<Stack>,
    port: u16,
    /// Per direction: fed but not yet labelled, its stream offset, and labels by
    /// stream offset (`None`: not labelled, or missing).
    buf: [Vec<u8>; 2],
    base: [u64; 2],
    labels: [Vec<Option<(&'static str, Visibility)>>; 2],
    events: Vec<Desc>,
    notes: Vec<String>,
}

impl Run {
    fn new(port: u16) -> Run {
        Run {
            stack: None,
            port,
            buf: [Vec::new(), Vec::new()],
            base: [0, 0],
            labels: [Vec::new(), Vec::new()],
            events: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn take(&mut self, d: usize, out: &mut Emitter) {
        for s in out.spans.drain(..) {
            for i in s.range.clone() {
                let slot = &mut self.labels[d][i as usize];
                assert!(slot.is_none(), "byte {i} labelled twice");
                *slot = Some((s.field.name(), s.vis));
            }
        }
        self.events.extend(out.events.drain(..).map(|e| e.desc));
        self.notes.extend(out.notes.drain(..).map(|n| n.text));
    }

    fn run(&mut self, dir: Direction, flush: bool) {
        let d = dir.index();
        if self.stack.is_none() {
            self.stack =
                Stack::detect(&self.buf[d], dir, Transport::Tcp, (40000, self.port), flush);
            if self.stack.is_none() {
                return;
            }
        }
        let mut out = Emitter::default();
        let stack = self.stack.as_mut().unwrap();
        let done = stack.feed(dir, self.base[d], &self.buf[d], flush, &mut out);
        self.buf[d].drain(..done);
        self.base[d] += done as u64;
        self.take(d, &mut out);
    }

    /// Bytes arriving in chunks of `chunk`.
    fn feed(&mut self, dir: Direction, bytes: &[u8], chunk: usize) -> &mut Run {
        for piece in bytes.chunks(chunk.max(1)) {
            self.labels[dir.index()].extend(std::iter::repeat_n(None, piece.len()));
            self.buf[dir.index()].extend_from_slice(piece);
            self.run(dir, false);
        }
        self
    }

    /// `n` bytes lost: what is buffered is flushed, then the gap.
    fn gap(&mut self, dir: Direction, n: u64) -> &mut Run {
        let d = dir.index();
        self.run(dir, true);
        assert!(self.buf[d].is_empty());
        let at = self.base[d];
        let mut out = Emitter::default();
        self.stack.as_mut().unwrap().gap(dir, at, n, &mut out);
        self.take(d, &mut out);
        self.base[d] += n;
        self.labels[d].extend(std::iter::repeat_n(Some(("(lost)", Undecoded)), n as usize));
        self
    }

    fn finish(&mut self) -> &mut Run {
        for dir in [Direction::ToServer, Direction::ToClient] {
            if !self.buf[dir.index()].is_empty() {
                self.run(dir, true);
            }
        }
        for (d, l) in self.labels.iter().enumerate() {
            if let Some(i) = l.iter().position(Option::is_none) {
                panic!("direction {d}: byte {i} not labelled");
            }
        }
        self
    }

    fn label(&self, dir: Direction, at: usize) -> (&'static str, Visibility) {
        self.labels[dir.index()][at].unwrap()
    }

    fn facts(&self) -> Facts {
        self.stack.as_ref().unwrap().facts()
    }

    fn apps(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Desc::App { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    fn sealed(&self) -> Vec<(u32, Option<PlainLen>)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Desc::Sealed { len, plaintext, .. } => Some((*len, *plaintext)),
                _ => None,
            })
            .collect()
    }
}

const TO_SERVER: Direction = Direction::ToServer;
const TO_CLIENT: Direction = Direction::ToClient;

/// A whole session up to both NEWKEYS, in the order the peers send it. Returns the
/// stream offsets where each direction's encrypted packets start.
fn handshake(r: &mut Run, kex: &str, cipher: &str, mac: &str, chunk: usize) -> [usize; 2] {
    let ci = kexinit(kex, cipher, mac);
    let si = kexinit(kex, cipher, mac);
    let mut s = SERVER.to_vec();
    r.feed(TO_CLIENT, SERVER, chunk);
    r.feed(TO_SERVER, CLIENT, chunk);
    r.feed(TO_SERVER, &ci, chunk);
    r.feed(TO_CLIENT, &si, chunk);
    s.extend_from_slice(&si);
    let mut c = CLIENT.to_vec();
    c.extend_from_slice(&ci);
    let init = ecdh_init();
    r.feed(TO_SERVER, &init, chunk);
    c.extend_from_slice(&init);
    let mut reply = ecdh_reply();
    reply.extend(newkeys());
    r.feed(TO_CLIENT, &reply, chunk);
    s.extend_from_slice(&reply);
    r.feed(TO_SERVER, &newkeys(), chunk);
    c.extend(newkeys());
    [c.len(), s.len()]
}

#[test]
fn banner_then_kexinit_split_across_segments() {
    let mut bytes = SERVER.to_vec();
    let init = kexinit("curve25519-sha256", "aes128-ctr", "hmac-sha2-256");
    bytes.extend_from_slice(&init);
    for chunk in [1, 3, 7, 1000] {
        let mut r = Run::new(22);
        r.feed(TO_CLIENT, &bytes, chunk).finish();
        assert_eq!(r.facts().stack, ["SSH"]);
        assert_eq!(r.label(TO_CLIENT, 0), ("ssh.protocol", Cleartext));
        assert_eq!(SSH_PROTOCOL.def().leak, Some(LeakKind::Software));
        let eol = SERVER.len() - 2;
        assert_eq!(r.label(TO_CLIENT, eol), ("ssh.protocol.eol", Cleartext));
        let at = SERVER.len();
        assert_eq!(r.label(TO_CLIENT, at), ("ssh.packet_length", Metadata));
        assert_eq!(r.label(TO_CLIENT, at + 4), ("ssh.padding_length", Metadata));
        assert_eq!(r.label(TO_CLIENT, at + 5), ("ssh.message_code", Cleartext));
        assert_eq!(r.label(TO_CLIENT, at + 6), ("ssh.cookie", Cleartext));
        assert_eq!(
            r.label(TO_CLIENT, at + 22),
            ("ssh.kex_algorithms_length", Cleartext)
        );
        assert_eq!(
            r.label(TO_CLIENT, at + 26),
            ("ssh.kex_algorithms", Cleartext)
        );
        assert_eq!(
            r.label(TO_CLIENT, bytes.len() - 1),
            ("ssh.padding_string", Cleartext)
        );
        assert_eq!(
            r.apps(),
            ["SSH-2.0-OpenSSH_9.2p1 Debian-2", "KEXINIT"],
            "chunk {chunk}"
        );
        assert!(r.events.contains(&Desc::Leak {
            kind: LeakKind::Software,
            value: "SSH-2.0-OpenSSH_9.2p1 Debian-2".into()
        }));
        assert_eq!(
            r.facts().details,
            [("ssh.server.version", "OpenSSH_9.2p1 Debian-2".to_string())]
        );
    }
}

#[test]
fn kexinit_truncated_midway() {
    let init = kexinit("curve25519-sha256", "aes128-ctr", "hmac-sha2-256");
    for cut in [3, 5, 20, 30, init.len() / 2, init.len() - 1] {
        let mut bytes = SERVER.to_vec();
        bytes.extend_from_slice(&init[..cut]);
        let mut r = Run::new(22);
        r.feed(TO_CLIENT, &bytes, 1000).finish();
        assert!(
            r.notes.iter().any(|n| n.contains("cut off")),
            "cut at {cut}: {:?}",
            r.notes
        );
        let at = SERVER.len();
        assert_eq!(r.label(TO_CLIENT, at), ("ssh.packet_length", Metadata));
        if cut > 30 {
            assert_eq!(
                r.label(TO_CLIENT, at + 26),
                ("ssh.kex_algorithms", Cleartext)
            );
        }
        // Nothing negotiated: the protection names no cipher.
        let f = r.facts();
        assert_eq!(f.protection.unwrap().cipher, None);
    }
}

#[test]
fn packet_length_beyond_35000_is_a_note() {
    // 40000 bytes: parsed whole, with a note.
    let mut ignore = vec![2u8];
    ignore.extend(string(&vec![b'x'; 40_000]));
    let mut bytes = SERVER.to_vec();
    bytes.extend(packet(&ignore));
    let mut r = Run::new(22);
    r.feed(TO_CLIENT, &bytes, 1460).finish();
    assert!(r.notes.iter().any(|n| n.contains("35000")), "{:?}", r.notes);
    assert!(r.apps().contains(&"IGNORE".to_string()));
    // 200000 bytes: longer than is read whole; labelled as it arrives.
    let mut ignore = vec![2u8];
    ignore.extend(string(&vec![b'x'; 200_000]));
    let mut bytes = SERVER.to_vec();
    bytes.extend(packet(&ignore));
    bytes.extend(newkeys());
    let mut r = Run::new(22);
    r.feed(TO_CLIENT, &bytes, 1460);
    assert!(r.buf[1].len() < 1460, "held {} bytes", r.buf[1].len());
    r.finish();
    assert!(r.notes.iter().any(|n| n.contains("labelled as it arrives")));
    assert!(r.apps().contains(&"NEWKEYS".to_string()), "framing kept");
    // Beyond 256 KiB: no packet at all, framing lost.
    let mut bytes = SERVER.to_vec();
    bytes.extend_from_slice(&[0x7f, 0, 0, 0, 4, 20, 0, 0]);
    let mut r = Run::new(22);
    r.feed(TO_CLIENT, &bytes, 1000).finish();
    assert!(r.notes.iter().any(|n| n.contains("is no SSH packet")));
    assert_eq!(r.label(TO_CLIENT, SERVER.len()).1, Undecoded);
}

#[test]
fn gap_mid_packet_loses_framing() {
    // In the key exchange: the gap takes the end of the KEXINIT and the start of
    // the next packet; the bytes after it are undecoded up to the NEWKEYS.
    let init = kexinit(
        "curve25519-sha256",
        "aes128-gcm@openssh.com",
        "hmac-sha2-256",
    );
    let mut after = ecdh_reply();
    let resume = 20;
    let newkeys_at = after.len() - resume;
    after.extend(newkeys());
    after.extend(sealed(32, 16));
    let mut r = Run::new(22);
    r.feed(TO_SERVER, CLIENT, 100);
    r.feed(
        TO_SERVER,
        &kexinit(
            "curve25519-sha256",
            "aes128-gcm@openssh.com",
            "hmac-sha2-256",
        ),
        100,
    );
    r.feed(TO_CLIENT, SERVER, 100);
    r.feed(TO_CLIENT, &init[..init.len() - 40], 100);
    r.gap(TO_CLIENT, 40 + resume as u64);
    r.feed(TO_CLIENT, &after[resume..], 7);
    r.finish();
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("framing lost in the key exchange")),
        "{:?}",
        r.notes
    );
    let base = SERVER.len() + init.len() + resume;
    assert_eq!(r.label(TO_CLIENT, base).1, Undecoded);
    assert_eq!(r.label(TO_CLIENT, base + newkeys_at - 1).1, Undecoded);
    assert_eq!(
        r.label(TO_CLIENT, base + newkeys_at),
        ("ssh.packet_length", Metadata),
        "the NEWKEYS packet regains framing"
    );
    assert!(r.notes.iter().any(|n| n.contains("framing regained")));
    // The server's KEXINIT was cut: the cipher is not known, so the encrypted
    // packet is opaque without boundaries.
    let enc = base + newkeys_at + 16;
    assert_eq!(r.label(TO_CLIENT, enc), ("ssh.encrypted_packet", Opaque));

    // After NEWKEYS with visible lengths: a gap across a packet boundary leaves
    // the rest of the direction opaque, unframed.
    let mut r = Run::new(22);
    let [_, s] = handshake(
        &mut r,
        "curve25519-sha256",
        "aes128-gcm@openssh.com",
        "none",
        1000,
    );
    let p = sealed(32, 16);
    r.feed(TO_CLIENT, &p[..20], 1000);
    r.gap(TO_CLIENT, (p.len() - 20 + 10) as u64);
    r.feed(TO_CLIENT, &p[10..], 1000);
    r.feed(TO_CLIENT, &p, 1000);
    r.finish();
    assert!(r
        .notes
        .iter()
        .any(|n| n.contains("framing lost after NEWKEYS")));
    let resumed = s + p.len() + 10;
    for i in resumed..resumed + 2 * p.len() - 10 {
        assert_eq!(
            r.label(TO_CLIENT, i),
            ("ssh.encrypted_packet", Opaque),
            "byte {i}"
        );
    }
}

#[test]
fn gap_inside_a_packet_keeps_framing() {
    let mut r = Run::new(22);
    let [_, s] = handshake(
        &mut r,
        "curve25519-sha256",
        "aes128-gcm@openssh.com",
        "none",
        1000,
    );
    let p = sealed(64, 16);
    // Cut like a snap length: the packet's middle is missing, the next one whole.
    r.feed(TO_CLIENT, &p[..30], 1000);
    r.gap(TO_CLIENT, 40);
    r.feed(TO_CLIENT, &p[70..], 1000);
    r.feed(TO_CLIENT, &p, 1000);
    r.finish();
    assert_eq!(r.label(TO_CLIENT, s + 29), ("ssh.encrypted_packet", Opaque));
    assert_eq!(r.label(TO_CLIENT, s + 70), ("ssh.mac", Opaque));
    assert_eq!(
        r.label(TO_CLIENT, s + p.len()),
        ("ssh.packet_length", Metadata)
    );
    assert_eq!(r.sealed().len(), 2);
}

#[test]
fn etm_lengths_visible_chacha_lengths_opaque() {
    let cases = [
        // (cipher, MAC, length visible, MAC length on the wire)
        ("aes128-ctr", "hmac-sha2-256-etm@openssh.com", true, 32),
        ("aes256-ctr", "umac-64-etm@openssh.com", true, 8),
        ("aes128-gcm@openssh.com", "hmac-sha2-256", true, 16),
        ("chacha20-poly1305@openssh.com", "hmac-sha2-256", false, 16),
        ("aes128-ctr", "hmac-sha2-256", false, 32),
        ("aes128-cbc", "hmac-sha1", false, 20),
    ];
    for (cipher, mac, visible, mac_len) in cases {
        for chunk in [5, 1000] {
            let mut r = Run::new(22);
            let [c, _] = handshake(&mut r, "curve25519-sha256", cipher, mac, chunk);
            let mut enc = sealed(32, mac_len);
            enc.extend(sealed(48, mac_len));
            r.feed(TO_SERVER, &enc, chunk).finish();
            let first = 4 + 32 + mac_len;
            if visible {
                assert_eq!(
                    r.label(TO_SERVER, c),
                    ("ssh.packet_length", Metadata),
                    "{cipher}"
                );
                assert_eq!(r.label(TO_SERVER, c + 4), ("ssh.encrypted_packet", Opaque));
                assert_eq!(r.label(TO_SERVER, c + first - 1), ("ssh.mac", Opaque));
                assert_eq!(
                    r.label(TO_SERVER, c + first),
                    ("ssh.packet_length", Metadata)
                );
                assert_eq!(
                    r.sealed(),
                    [
                        (first as u32, Some(PlainLen { min: 1, max: 27 })),
                        (
                            (4 + 48 + mac_len) as u32,
                            Some(PlainLen { min: 1, max: 43 })
                        )
                    ],
                    "{cipher} {mac}"
                );
            } else {
                for i in c..c + enc.len() {
                    assert_eq!(
                        r.label(TO_SERVER, i),
                        ("ssh.encrypted_packet", Opaque),
                        "{cipher}"
                    );
                }
                assert!(r.sealed().iter().all(|(_, p)| p.is_none()));
                assert!(!r.sealed().is_empty());
            }
            let pr = r.facts().protection.unwrap();
            assert_eq!(pr.proto, "SSH-2.0");
            assert_eq!(pr.cipher.as_deref(), Some(cipher));
            let aead = cipher.contains("gcm") || cipher.contains("chacha");
            assert_eq!(pr.mac.as_deref(), (!aead).then_some(mac));
            assert!(!pr.readable);
            assert_eq!(
                pr.weaknesses.iter().any(|w| w.contains("CBC")),
                cipher.ends_with("-cbc")
            );
        }
    }
}

#[test]
fn none_cipher_is_readable() {
    let mut r = Run::new(22);
    let [c, _] = handshake(&mut r, "curve25519-sha256", "none", "hmac-sha2-256", 1000);
    let mut auth = vec![MSG_USERAUTH_REQUEST];
    auth.extend(string(b"alice"));
    auth.extend(string(b"ssh-connection"));
    auth.extend(string(b"password"));
    auth.push(0);
    auth.extend(string(b"secret"));
    let mut p = packet(&auth);
    p.extend_from_slice(&[0x5a; 32]);
    r.feed(TO_SERVER, &p, 9).finish();
    let user = c + 6 + 4;
    assert_eq!(
        r.label(TO_SERVER, user),
        ("ssh.userauth_user_name", Cleartext)
    );
    assert_eq!(SSH_USERAUTH_USER.role(), crate::fields::Role::Content);
    assert_eq!(r.label(TO_SERVER, c + p.len() - 1), ("ssh.mac", Opaque));
    assert!(
        r.events.iter().any(|e| matches!(e,
        Desc::Leak { kind: LeakKind::Credential, value } if value == "user=alice password=secret"))
    );
    assert!(r.notes.iter().any(|n| n.contains("cipher none")));
    let pr = r.facts().protection.unwrap();
    assert!(pr.readable);
    assert_eq!(pr.cipher.as_deref(), Some("none"));
    assert!(pr.weaknesses.iter().any(|w| w.contains("no encryption")));
}

#[test]
fn host_key_fingerprint_as_openssh_prints_it() {
    let mut r = Run::new(22);
    handshake(
        &mut r,
        "curve25519-sha256",
        "chacha20-poly1305@openssh.com",
        "none",
        1000,
    );
    r.finish();
    let fp = format!("ssh-ed25519 {HOST_KEY_SHA256}");
    assert!(r
        .apps()
        .contains(&format!("KEX_ECDH_REPLY (host key {fp})")));
    assert!(r.events.contains(&Desc::Leak {
        kind: LeakKind::HostKey,
        value: fp
    }));
    let f = r.facts();
    let details: Vec<(&str, &str)> = f.details.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        details,
        [
            ("ssh.client.version", "OpenSSH_9.2p1 Debian-2+deb12u10"),
            ("ssh.server.version", "OpenSSH_9.2p1 Debian-2"),
            ("ssh.kex", "curve25519-sha256"),
            ("ssh.host_key.type", "ssh-ed25519"),
            ("ssh.host_key.sha256", HOST_KEY_SHA256),
            (
                "ssh.cipher.client_to_server",
                "chacha20-poly1305@openssh.com"
            ),
            (
                "ssh.cipher.server_to_client",
                "chacha20-poly1305@openssh.com"
            ),
        ]
    );
    assert_eq!(
        r.apps()
            .iter()
            .filter(|a| !a.starts_with("SSH-"))
            .map(|a| a.split(' ').next().unwrap())
            .collect::<Vec<_>>(),
        [
            "KEXINIT",
            "KEXINIT",
            "KEX_ECDH_INIT",
            "KEX_ECDH_REPLY",
            "NEWKEYS",
            "NEWKEYS"
        ]
    );
}

#[test]
fn pre_banner_lines_and_ssh1() {
    // A server's lines before its version are part of the identification phase.
    let mut bytes = b"Authorized use only\r\nSSH-1.99-OpenSSH_3.9p1\r\n".to_vec();
    assert_eq!(detect(&bytes), Detect::Yes);
    assert_eq!(detect(b"SS"), Detect::NeedMore);
    assert_eq!(detect(b"220 mail ESMTP\r\n"), Detect::No);
    // SSH-1: the server's public key in the clear, the client's session key, then
    // lengths in the clear and the rest opaque.
    let v1 = |kind: u8, data: &[u8]| {
        let len = 1 + data.len() + 4;
        let pad = 8 - len % 8;
        let mut v = (len as u32).to_be_bytes().to_vec();
        v.extend(std::iter::repeat_n(0, pad));
        v.push(kind);
        v.extend_from_slice(data);
        v.extend_from_slice(&[0xcc; 4]);
        v
    };
    let mut pk = vec![0x33; 8];
    for bits in [768u16, 1024] {
        pk.extend_from_slice(&u32::from(bits).to_be_bytes());
        pk.extend_from_slice(&6u16.to_be_bytes());
        pk.push(0x23);
        pk.extend_from_slice(&bits.to_be_bytes());
        pk.extend(std::iter::repeat_n(0xb5, usize::from(bits / 8)));
    }
    pk.extend_from_slice(&[0, 0, 0, 2, 0, 0, 0, 0x48, 0, 0, 0, 0x24]);
    bytes.extend(v1(SSH1_SMSG_PUBLIC_KEY, &pk));
    // On another port the lines and the version must come together to be
    // recognised; on port 22 they may come in pieces.
    let mut r = Run::new(2222);
    r.feed(TO_CLIENT, &bytes, 1000).finish();
    assert_eq!(r.label(TO_CLIENT, 0), ("ssh.pre_banner", Cleartext));
    let mut r = Run::new(22);
    r.feed(TO_CLIENT, &bytes, 11);
    r.feed(TO_SERVER, b"SSH-1.5-1.2.26\n", 11);
    let mut sk = vec![3];
    sk.extend_from_slice(&[0x33; 8]);
    sk.extend_from_slice(&1000u16.to_be_bytes());
    sk.extend(std::iter::repeat_n(0x99, 125));
    sk.extend_from_slice(&[0, 0, 0, 3]);
    let ks = v1(SSH1_CMSG_SESSION_KEY, &sk);
    r.feed(TO_SERVER, &ks, 11);
    let enc = v1(14, &[0x77; 20]);
    r.feed(TO_SERVER, &enc, 11);
    r.feed(TO_CLIENT, &enc, 11);
    r.finish();
    assert_eq!(r.label(TO_CLIENT, 0), ("ssh.pre_banner", Cleartext));
    assert_eq!(r.label(TO_CLIENT, 21), ("ssh.protocol", Cleartext));
    let apps = r.apps();
    assert!(
        apps[0].starts_with("1 line before the identification string: Authorized"),
        "{apps:?}"
    );
    assert!(apps
        .iter()
        .any(|a| a.starts_with("SMSG_PUBLIC_KEY (host key rsa1 1024 SHA256:")));
    assert!(apps.contains(&"CMSG_SESSION_KEY (cipher 3des)".to_string()));
    let c = 15 + ks.len();
    assert_eq!(r.label(TO_SERVER, c), ("ssh.packet_length", Metadata));
    assert_eq!(r.label(TO_SERVER, c + 4), ("ssh.encrypted_packet", Opaque));
    // Banner, length, 7 bytes of padding, type, cipher, cookie, then the key.
    assert_eq!(
        r.label(TO_SERVER, 15 + 4 + 7 + 1),
        ("ssh.v1.cipher_type", Cleartext)
    );
    assert_eq!(
        r.label(TO_SERVER, 15 + 4 + 7 + 1 + 9 + 2),
        ("ssh.v1.session_key", Opaque)
    );
    assert_eq!(
        r.sealed()[0],
        (enc.len() as u32, Some(PlainLen { min: 21, max: 21 }))
    );
    let pr = r.facts().protection.unwrap();
    assert_eq!(pr.proto, "SSH-1.5");
    assert_eq!(pr.cipher.as_deref(), Some("3des"));
    assert!(pr.weaknesses.iter().any(|w| w.contains("SSH protocol 1")));
}

#[test]
fn telnet_and_http_on_port_22_are_not_ssh() {
    // Telnet: option negotiation, then text: readable content.
    let mut r = Run::new(22);
    r.feed(TO_CLIENT, &[IAC, 0xfd, 0x18, IAC, 0xfd, 0x20], 100);
    r.feed(TO_CLIENT, b"Debian GNU/Linux 12\r\nlogin: ", 100);
    r.feed(TO_SERVER, &[IAC, 0xfb, 0x18], 100);
    r.feed(TO_SERVER, b"alice\r\n", 100).finish();
    assert_eq!(r.facts().stack, ["unknown"]);
    assert_eq!(r.facts().protection, None);
    assert_eq!(r.label(TO_CLIENT, 6), ("data.text", Cleartext));
    assert_eq!(r.label(TO_SERVER, 3), ("data.text", Cleartext));
    // HTTP: recognised by its request line before the port is asked.
    let mut r = Run::new(22);
    r.feed(TO_SERVER, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 100)
        .finish();
    assert_eq!(r.facts().stack, ["HTTP"]);
    // Text that never names SSH.
    let mut r = Run::new(22);
    r.feed(TO_CLIENT, b"hello there\r\nhow are you\r\n", 100)
        .finish();
    assert_eq!(r.label(TO_CLIENT, 0), ("data.text", Cleartext));
    assert_eq!(r.facts().stack, ["unknown"]);
}

#[test]
fn picked_up_mid_connection() {
    // Encrypted packets without a banner: opaque, with a note.
    let mut r = Run::new(22);
    r.feed(
        TO_SERVER,
        &[0x5a, 0x22, 0x10, 0x3b, 0x1a, 0x93, 0xe6, 0x6a, 0x92, 0x03],
        100,
    );
    r.finish();
    assert_eq!(r.label(TO_SERVER, 0), ("ssh.encrypted_packet", Opaque));
    assert!(r
        .notes
        .iter()
        .any(|n| n.contains("picked up mid-connection")));
    assert_eq!(r.facts().protection.unwrap().proto, "SSH");
    // A key exchange packet in the clear is read as one.
    let mut r = Run::new(22);
    r.feed(
        TO_CLIENT,
        &kexinit("curve25519-sha256", "aes128-ctr", "hmac-sha2-256"),
        100,
    );
    r.finish();
    assert_eq!(r.apps(), ["KEXINIT"]);
}

#[test]
fn hostile_shapes_do_not_panic() {
    let mut r = Run::new(22);
    handshake(
        &mut r,
        "curve25519-sha256",
        "aes128-gcm@openssh.com",
        "none",
        1000,
    );
    let mut session = SERVER.to_vec();
    session.extend(kexinit(
        "curve25519-sha256",
        "aes128-gcm@openssh.com",
        "none",
    ));
    session.extend(ecdh_reply());
    session.extend(newkeys());
    session.extend(sealed(16, 16));
    // Every cut, and every byte flipped, of a whole server direction.
    for cut in 0..session.len() {
        let mut r = Run::new(22);
        r.feed(TO_CLIENT, &session[..cut], 13).finish();
    }
    for i in SERVER.len()..session.len() {
        for v in [0x00, 0x7f, 0xff] {
            let mut s = session.clone();
            s[i] = v;
            let mut r = Run::new(22);
            r.feed(TO_CLIENT, &s, 64).finish();
            let _ = r.facts();
        }
    }
    // Lengths at their extremes.
    for len in [0u32, 1, 5, 11, 12, MAX_PACKET, MAX_PACKET + 1, u32::MAX] {
        let mut s = SERVER.to_vec();
        s.extend_from_slice(&len.to_be_bytes());
        s.extend_from_slice(&[255, 20, 1, 2, 3]);
        let mut r = Run::new(22);
        r.feed(TO_CLIENT, &s, 3).finish();
    }
    // A line without end, longer than the pre-banner bound.
    let mut r = Run::new(22);
    r.feed(TO_CLIENT, &vec![b'a'; 3 * MAX_PRE_BANNER], 1000);
    assert!(r.buf[1].len() <= MAX_PRE_BANNER);
    r.finish();
    assert_eq!(
        fingerprint(b""),
        "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
    );
}
