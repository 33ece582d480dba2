//! QUIC Handshake and 1-RTT packets opened with the endpoints' secrets (RFC 9001
//! section 5; QUIC v2's labels, RFC 9369 section 3.3): the key holder's view. The
//! TLS 1.3 traffic secrets of the key log give each direction's packet key, IV and
//! header protection key; header protection is removed (AES-ECB or ChaCha20 over a
//! sample of the ciphertext, section 5.4), the packet number recovered from its
//! truncated form (RFC 9000 appendix A.3), the AEAD tag checked, and the frames read:
//! CRYPTO (the encrypted handshake, described) and STREAM (the application's bytes,
//! counted and hashed in packet order). A key update (the key phase bit) moves to the
//! next keys when they open the packet and the current ones do not.

use super::varint;
use crate::keys::KeyRing;
use crate::note::{NoteGroup, Severity};
use crate::proto::keyview::KeyView;
use crate::proto::tls::cipher::{tls13_suite, AeadAlg, AeadKey, PrfHash};
use crate::proto::tls::decrypt::{describe_message, DecryptFacts, DecryptStatus};
use crate::proto::tls::keysched::expand_label;
use crate::proto::tls::{ContentType, HandshakeType};
use crate::proto::{Decrypted, Direction, Emitter};
use sha2::{Digest, Sha256};

/// Which packet number space a protected packet belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Space {
    Handshake,
    OneRtt,
}

impl Space {
    fn index(self) -> usize {
        match self {
            Space::Handshake => 0,
            Space::OneRtt => 1,
        }
    }
}

/// Header protection key (RFC 9001 section 5.4.3, 5.4.4).
enum Hp {
    Aes128(Box<aes::Aes128>),
    Aes256(Box<aes::Aes256>),
    ChaCha(Vec<u8>),
}

impl Hp {
    fn mask(&self, sample: &[u8]) -> Option<[u8; 5]> {
        use aes::cipher::{BlockEncrypt, KeyIvInit, StreamCipher, StreamCipherSeek};
        let mut m = [0u8; 5];
        match self {
            Hp::Aes128(k) => {
                let mut b = aes::Block::clone_from_slice(sample.get(..16)?);
                k.encrypt_block(&mut b);
                m.copy_from_slice(b.get(..5)?);
            }
            Hp::Aes256(k) => {
                let mut b = aes::Block::clone_from_slice(sample.get(..16)?);
                k.encrypt_block(&mut b);
                m.copy_from_slice(b.get(..5)?);
            }
            Hp::ChaCha(key) => {
                let counter = u32::from_le_bytes(sample.get(..4)?.try_into().ok()?);
                let nonce = sample.get(4..16)?;
                let mut c = chacha20::ChaCha20::new_from_slices(key, nonce).ok()?;
                c.seek(u64::from(counter) * 64);
                c.apply_keystream(&mut m);
            }
        }
        Some(m)
    }
}

struct PacketKeys {
    aead: AeadKey,
    iv: [u8; 12],
    hp: Hp,
    secret: Vec<u8>,
}

impl std::fmt::Debug for PacketKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PacketKeys(…)")
    }
}

fn labels(v2: bool) -> (&'static str, &'static str, &'static str, &'static str) {
    if v2 {
        ("quicv2 key", "quicv2 iv", "quicv2 hp", "quicv2 ku")
    } else {
        ("quic key", "quic iv", "quic hp", "quic ku")
    }
}

fn packet_keys(alg: AeadAlg, v2: bool, secret: &[u8], hp: Option<Hp>) -> Option<PacketKeys> {
    let hash = PrfHash::for_secret(secret.len());
    let (lk, li, lh, _) = labels(v2);
    let key = expand_label(hash, secret, lk, &[], alg.key_len())?;
    let iv = expand_label(hash, secret, li, &[], 12)?;
    let hp = match hp {
        Some(h) => h,
        None => {
            let hpk = expand_label(hash, secret, lh, &[], alg.key_len())?;
            use aes::cipher::KeyInit;
            match alg {
                AeadAlg::ChaCha20Poly1305 => Hp::ChaCha(hpk),
                a if a.key_len() == 32 => {
                    Hp::Aes256(Box::new(aes::Aes256::new_from_slice(&hpk).ok()?))
                }
                _ => Hp::Aes128(Box::new(aes::Aes128::new_from_slice(&hpk).ok()?)),
            }
        }
    };
    Some(PacketKeys {
        aead: AeadKey::new(alg, &key)?,
        iv: iv.try_into().ok()?,
        hp,
        secret: secret.to_vec(),
    })
}

#[derive(Debug, Default)]
struct SpaceState {
    keys: Option<PacketKeys>,
    /// The key phase of `keys` (1-RTT).
    phase: bool,
    largest: Option<u64>,
}

#[derive(Debug, Default)]
struct DirState {
    spaces: [SpaceState; 2],
    /// CRYPTO bytes of the Handshake space, contiguous from offset 0 (bounded).
    crypto: Vec<u8>,
    crypto_read: usize,
    records: u64,
    bytes: u64,
    hasher: Option<Sha256>,
    ok: u64,
    failed: u64,
}

/// Bytes of the encrypted handshake kept per direction, at most.
const MAX_CRYPTO: usize = 64 * 1024;

/// Decryption state of one QUIC connection.
#[derive(Debug)]
pub(super) struct QuicDecrypt {
    ring: KeyRing,
    keep: bool,
    /// Hash the decrypted application data (JSON wants its SHA-256).
    digest: bool,
    client_random: Option<[u8; 32]>,
    cipher: Option<u16>,
    v2: bool,
    missing_at: Option<u64>,
    installed: bool,
    counted: bool,
    decrypted_any: bool,
    noted: bool,
    dirs: [DirState; 2],
    view: KeyView,
    says: Vec<String>,
    secrets: Vec<String>,
}

/// RFC 9000 appendix A.3.
fn decode_pn(largest: Option<u64>, truncated: u64, bits: u32) -> u64 {
    let expected = largest.map_or(0, |l| l + 1);
    let win = 1u64 << bits;
    let hwin = win / 2;
    let mask = win - 1;
    let candidate = (expected & !mask) | truncated;
    if candidate + hwin <= expected && candidate < (1u64 << 62) - win {
        candidate + win
    } else if candidate > expected + hwin && candidate >= win {
        candidate - win
    } else {
        candidate
    }
}

impl QuicDecrypt {
    pub(super) fn new(ring: KeyRing, ports: (u16, u16)) -> QuicDecrypt {
        QuicDecrypt {
            keep: ring.keep_plaintext(),
            digest: ring.digests(),
            ring,
            client_random: None,
            cipher: None,
            v2: false,
            missing_at: None,
            installed: false,
            counted: false,
            decrypted_any: false,
            noted: false,
            dirs: Default::default(),
            view: KeyView::new(ports, crate::decode::Transport::Tcp),
            says: Vec::new(),
            secrets: Vec::new(),
        }
    }

    pub(super) fn client_hello(&mut self, body: &[u8]) {
        self.client_random = body.get(2..34).and_then(|r| r.try_into().ok());
    }

    pub(super) fn server_hello(&mut self, cipher: u16, version: u32) {
        self.cipher = Some(cipher);
        self.v2 = version == 0x6b33_43cf;
        if !self.counted {
            self.counted = true;
            self.ring.saw_session();
        }
        self.install();
    }

    /// Keys for both directions and both spaces, from the key log.
    fn install(&mut self) {
        let generation = self.ring.generation();
        if self.installed || self.missing_at == Some(generation) {
            return;
        }
        let (Some((alg, _)), Some(cr)) = (self.cipher.and_then(tls13_suite), self.client_random)
        else {
            return;
        };
        let Some(s) = self.ring.session(&cr) else {
            self.missing_at = Some(generation);
            return;
        };
        self.installed = true;
        let v2 = self.v2;
        for (d, hs, app) in [
            (0, s.client_handshake, s.client_traffic),
            (1, s.server_handshake, s.server_traffic),
        ] {
            if let Some(dir) = self.dirs.get_mut(d) {
                let [h, o] = &mut dir.spaces;
                h.keys = hs.and_then(|k| packet_keys(alg, v2, &k, None));
                o.keys = app.and_then(|k| packet_keys(alg, v2, &k, None));
            }
        }
    }

    /// Opens a protected packet: `pkt` from its first byte, packet number at
    /// `pn_at`, protected part ending at `end`; `at` is the packet's offset in the
    /// datagram. Emits a [`Decrypted`] unit; `false` when it does not open.
    #[allow(clippy::too_many_arguments)] // the packet and where it sits
    pub(super) fn open(
        &mut self,
        dir: Direction,
        space: Space,
        pkt: &[u8],
        pn_at: usize,
        end: usize,
        at: u64,
        out: &mut Emitter,
    ) -> bool {
        if !self.installed {
            self.install();
        }
        let Some(alg) = self.cipher.and_then(tls13_suite).map(|(a, _)| a) else {
            return false;
        };
        let long = pkt.first().is_some_and(|b| b & 0x80 != 0);
        let v2 = self.v2;
        let Some(st) = self
            .dirs
            .get_mut(dir.index())
            .and_then(|d| d.spaces.get_mut(space.index()))
        else {
            return false;
        };
        let Some(keys) = st.keys.as_ref() else {
            return false;
        };
        // Header protection (RFC 9001 section 5.4.2).
        let Some(mask) = pkt.get(pn_at + 4..pn_at + 20).and_then(|s| keys.hp.mask(s)) else {
            return false;
        };
        let Some(mut header) = pkt.get(..pn_at + 4).map(<[u8]>::to_vec) else {
            return false;
        };
        let [m0, m1, m2, m3, m4] = mask;
        let Some(b0) = header.first_mut() else {
            return false;
        };
        *b0 ^= m0 & if long { 0x0f } else { 0x1f };
        let first = *b0;
        let pn_len = usize::from(first & 3) + 1;
        let mut truncated = 0u64;
        for (i, m) in [m1, m2, m3, m4].into_iter().enumerate().take(pn_len) {
            if let Some(b) = header.get_mut(pn_at + i) {
                *b ^= m;
                truncated = (truncated << 8) | u64::from(*b);
            }
        }
        header.truncate(pn_at + pn_len);
        let pn = decode_pn(st.largest, truncated, 8 * pn_len as u32);
        let phase = !long && first & 0x04 != 0;
        let Some(body) = pkt.get(pn_at + pn_len..end) else {
            return false;
        };
        let Some(split) = body.len().checked_sub(alg.tag_len()) else {
            return false;
        };
        let (ct, tag) = body.split_at(split);
        let try_open = |k: &PacketKeys| -> Option<Vec<u8>> {
            let mut nonce = k.iv;
            for (n, b) in nonce.iter_mut().skip(4).zip(pn.to_be_bytes()) {
                *n ^= b;
            }
            let mut buf = ct.to_vec();
            k.aead.open(&nonce, &header, &mut buf, tag).then_some(buf)
        };
        let mut plain = None;
        if space == Space::OneRtt && st.keys.is_some() && phase != st.phase {
            // A key update (RFC 9001 section 6): the next keys, same header protection.
            let (_, _, _, ku) = labels(v2);
            let next = st.keys.take().and_then(|k| {
                let hash = PrfHash::for_secret(k.secret.len());
                let secret = expand_label(hash, &k.secret, ku, &[], k.secret.len());
                secret.and_then(|s| packet_keys(alg, v2, &s, Some(k.hp)))
            });
            if let Some(n) = next {
                plain = try_open(&n);
                st.keys = Some(n);
                st.phase = phase;
            }
        } else if let Some(k) = st.keys.as_ref() {
            plain = try_open(k);
        }
        let d = self.dirs.get_mut(dir.index());
        let Some(plain) = plain else {
            if let Some(d) = d {
                d.failed += 1;
            }
            if !self.noted {
                self.noted = true;
                out.note(
                    at..at + end as u64,
                    Severity::Warn,
                    NoteGroup::Undecoded,
                    "key log does not decrypt this QUIC packet (its authentication tag does not verify)"
                        .into(),
                );
            }
            return false;
        };
        if let Some(d) = d {
            d.ok += 1;
            if let Some(s) = d.spaces.get_mut(space.index()) {
                s.largest = Some(s.largest.map_or(pn, |l| l.max(pn)));
            }
        }
        if !self.decrypted_any {
            self.decrypted_any = true;
            self.ring.decrypted_session();
        }
        self.frames(dir, space, &plain, at, at + end as u64, out);
        true
    }

    /// Reads the frames of a decrypted packet (RFC 9000 section 19) and emits the
    /// unit: its CRYPTO messages and STREAM data.
    fn frames(
        &mut self,
        dir: Direction,
        space: Space,
        p: &[u8],
        at: u64,
        end: u64,
        out: &mut Emitter,
    ) {
        let mut pos = 0usize;
        let mut stream_data: Vec<u8> = Vec::new();
        let mut says: Vec<String> = Vec::new();
        let mut secrets: Vec<String> = Vec::new();
        let mut crypto = false;
        let digest = self.digest;
        while pos < p.len() {
            let Some(kind) = varint(p, &mut pos) else {
                break;
            };
            let ok = (|| -> Option<()> {
                match kind {
                    0x00 | 0x01 | 0x1e => {}
                    0x02 | 0x03 => {
                        varint(p, &mut pos)?;
                        varint(p, &mut pos)?;
                        let n = varint(p, &mut pos)?;
                        varint(p, &mut pos)?;
                        for _ in 0..n.min(1024) {
                            varint(p, &mut pos)?;
                            varint(p, &mut pos)?;
                        }
                        if kind == 0x03 {
                            for _ in 0..3 {
                                varint(p, &mut pos)?;
                            }
                        }
                    }
                    0x04 => {
                        for _ in 0..3 {
                            varint(p, &mut pos)?;
                        }
                    }
                    0x05 | 0x11 | 0x15 => {
                        varint(p, &mut pos)?;
                        varint(p, &mut pos)?;
                    }
                    0x06 => {
                        let off = usize::try_from(varint(p, &mut pos)?).ok()?;
                        let len = usize::try_from(varint(p, &mut pos)?).ok()?;
                        let data = p.get(pos..pos.checked_add(len)?)?;
                        pos += len;
                        crypto = true;
                        self.crypto(dir, off, data, &mut says, &mut secrets);
                    }
                    0x07 => {
                        let len = usize::try_from(varint(p, &mut pos)?).ok()?;
                        pos = pos.checked_add(len)?;
                    }
                    0x08..=0x0f => {
                        varint(p, &mut pos)?;
                        if kind & 0x04 != 0 {
                            varint(p, &mut pos)?;
                        }
                        let len = if kind & 0x02 != 0 {
                            usize::try_from(varint(p, &mut pos)?).ok()?
                        } else {
                            p.len().checked_sub(pos)?
                        };
                        let data = p.get(pos..pos.checked_add(len)?)?;
                        pos += len;
                        stream_data.extend_from_slice(data);
                        if let Some(d) = self.dirs.get_mut(dir.index()) {
                            d.records += 1;
                            d.bytes += data.len() as u64;
                            if digest {
                                d.hasher.get_or_insert_with(Sha256::new).update(data);
                            }
                        }
                    }
                    0x10 | 0x12 | 0x13 | 0x14 | 0x16 | 0x17 | 0x19 => {
                        varint(p, &mut pos)?;
                    }
                    0x18 => {
                        varint(p, &mut pos)?;
                        varint(p, &mut pos)?;
                        let l = usize::from(*p.get(pos)?);
                        pos = pos.checked_add(1 + l + 16)?;
                    }
                    0x1a | 0x1b => pos = pos.checked_add(8)?,
                    0x1c | 0x1d => {
                        varint(p, &mut pos)?;
                        if kind == 0x1c {
                            varint(p, &mut pos)?;
                        }
                        let l = usize::try_from(varint(p, &mut pos)?).ok()?;
                        pos = pos.checked_add(l)?;
                        says.push("CONNECTION_CLOSE".into());
                    }
                    0x30 | 0x31 => {
                        let len = if kind == 0x31 {
                            usize::try_from(varint(p, &mut pos)?).ok()?
                        } else {
                            p.len().checked_sub(pos)?
                        };
                        pos = pos.checked_add(len)?;
                    }
                    _ => return None,
                }
                Some(())
            })();
            if ok.is_none() || pos > p.len() {
                break;
            }
        }
        if !stream_data.is_empty() {
            let said = self.view.push(dir, &stream_data);
            says.extend(said.says);
            secrets.extend(said.secrets);
        }
        for s in &says {
            if self.says.len() < 8 && !self.says.contains(s) {
                self.says.push(s.clone());
            }
        }
        for s in &secrets {
            if self.secrets.len() < 8 && !self.secrets.contains(s) {
                self.secrets.push(s.clone());
            }
        }
        let (content, shown): (ContentType, &[u8]) = if !stream_data.is_empty() {
            (ContentType::APPLICATION_DATA, &stream_data)
        } else if crypto || space == Space::Handshake {
            (ContentType::HANDSHAKE, p)
        } else {
            (ContentType(0), p)
        };
        let len = u32::try_from(shown.len()).unwrap_or(u32::MAX);
        if content == ContentType(0) && says.is_empty() {
            // Only ACKs, connection IDs, padding: nothing the endpoints read.
            says.push("control frames".into());
        }
        out.decrypted.push(Decrypted {
            at,
            end,
            proto: "QUIC",
            content: if content == ContentType(0) {
                ContentType::APPLICATION_DATA
            } else {
                content
            },
            len: if content == ContentType(0) { 0 } else { len },
            plaintext: if self.keep && content != ContentType(0) {
                shown.to_vec()
            } else {
                Vec::new()
            },
            says,
            secrets,
        });
    }

    /// CRYPTO data of the Handshake space: whole messages are described.
    fn crypto(
        &mut self,
        dir: Direction,
        off: usize,
        data: &[u8],
        says: &mut Vec<String>,
        secrets: &mut Vec<String>,
    ) {
        let Some(d) = self.dirs.get_mut(dir.index()) else {
            return;
        };
        // In order only (packets are rarely reordered on one path); beyond, not read.
        if off != d.crypto.len() || d.crypto.len() + data.len() > MAX_CRYPTO {
            return;
        }
        d.crypto.extend_from_slice(data);
        loop {
            let mut r = crate::codec::Reader::new(d.crypto.get(d.crypto_read..).unwrap_or(&[]));
            let (Some(t), Some(len)) = (r.u8(), r.u24()) else {
                break;
            };
            let Some(body) = r.take(len as usize) else {
                break;
            };
            says.push(describe_message(HandshakeType(t), body, true, secrets));
            d.crypto_read += 4 + len as usize;
        }
    }

    pub(super) fn facts(&self) -> DecryptFacts {
        let ok: u64 = self.dirs.iter().map(|d| d.ok).sum();
        let bad: u64 = self.dirs.iter().map(|d| d.failed).sum();
        let status = if ok == 0 && bad > 0 {
            DecryptStatus::WrongKey
        } else if ok > 0 && bad > 0 {
            DecryptStatus::Partly
        } else if ok > 0 {
            DecryptStatus::Decrypted
        } else if self.counted && !self.installed {
            DecryptStatus::NoKeys
        } else {
            DecryptStatus::NotNeeded
        };
        let mut f = DecryptFacts {
            status,
            says: self.says.clone(),
            secrets: self.secrets.clone(),
            inner: self.view.layers(),
            ..DecryptFacts::default()
        };
        for (t, d) in f.dirs.iter_mut().zip(&self.dirs) {
            t.records = d.records;
            t.bytes = d.bytes;
            if self.digest {
                t.sha256 = hex::encode(d.hasher.clone().unwrap_or_default().finalize());
            }
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9000 appendix A.3's example.
    #[test]
    fn packet_numbers_recovered() {
        assert_eq!(decode_pn(Some(0xa82f30ea), 0x9b32, 16), 0xa82f9b32);
        assert_eq!(decode_pn(None, 0, 8), 0);
        assert_eq!(decode_pn(Some(255), 1, 8), 257);
    }

    /// RFC 9001 appendix A.5: ChaCha20 header protection.
    #[test]
    fn chacha20_header_protection_rfc_9001() {
        let hp = hex::decode("25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4")
            .unwrap();
        let sample = hex::decode("5e5cd55c41f69080575d7999c25a5bfb").unwrap();
        let mask = Hp::ChaCha(hp).mask(&sample).unwrap();
        assert_eq!(hex::encode(mask), "aefefe7d03");
    }
}
