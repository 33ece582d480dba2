//! Opening records: failures and incomplete records, DTLS records with their own
//! epoch and sequence number, the AEAD/CBC/stream open with sequence search, and
//! delivery of the plaintext.

use super::*;

impl Decryptor {
    /// A record whose tag, MAC or padding did not verify: counted, noted once.
    pub(super) fn failed(
        &mut self,
        dir: Direction,
        f: Failure,
        range: std::ops::Range<u64>,
        out: &mut Emitter,
    ) {
        self.dir(dir).failed += 1;
        if !self.noted_failure {
            self.noted_failure = true;
            let why = match f {
                Failure::Tag => "the record's authentication tag does not verify",
                Failure::Mac => "the record's MAC or padding does not verify",
                Failure::Short => "the record is too short for its cipher",
            };
            let text = if self.decrypted_any {
                format!("a {} record does not decrypt ({why})", self.proto)
            } else {
                format!("key log does not decrypt this session ({why})")
            };
            out.note(range, Severity::Warn, NoteGroup::Undecoded, text);
        }
    }

    /// DTLS 1.0/1.2: a protected record (`header`: type, version, epoch, sequence
    /// number, length; `body` whole, or cut by the snap length) from `at` to `end`.
    /// Keys for a new epoch are made when its first record comes (the ChangeCipherSpec
    /// may be lost or reordered); records of an older epoch are not opened.
    pub(crate) fn dtls_record(
        &mut self,
        dir: Direction,
        header: [u8; 13],
        body: &[u8],
        at: u64,
        end: u64,
        out: &mut Emitter,
    ) {
        let [content, v0, v1, e0, e1, s0, s1, s2, s3, s4, s5, l0, l1] = header;
        let epoch = u16::from_be_bytes([e0, e1]);
        if self.version.is_none_or(|v| v.is_tls13()) {
            return;
        }
        if epoch > self.dir(dir).epoch {
            let keys = self.keys12(dir);
            if keys.is_none() {
                self.missing(out, at);
            }
            let d = self.dir(dir);
            d.keys = keys;
            d.epoch = epoch;
        }
        let d = self.dir(dir);
        if d.epoch != epoch || d.keys.is_none() {
            return;
        }
        let expected = usize::from(u16::from_be_bytes([l0, l1]));
        if body.len() != expected {
            d.incomplete += 1;
            out.note(
                at..end,
                Severity::Note,
                NoteGroup::Truncated,
                format!(
                    "DTLS record incomplete ({} of {expected} bytes captured): not decrypted",
                    body.len().min(expected)
                ),
            );
            return;
        }
        let seq = u64::from_be_bytes([e0, e1, s0, s1, s2, s3, s4, s5]);
        let mut buf = body.to_vec();
        let Some(keys) = d.keys.as_mut() else { return };
        match keys.open_at(seq, [content, v0, v1, l0, l1], &mut buf) {
            Ok((content, range)) => {
                self.dir(dir).ok += 1;
                let pt = buf.get(range).unwrap_or(&[]);
                if content == ContentType::HANDSHAKE {
                    // Read as TLS messages, reported as the record's own plaintext
                    // (12-byte DTLS headers and all): its length is what the
                    // record's size reveals.
                    let tls = dtls_to_tls_handshake(pt);
                    self.deliver(dir, at, end, content, &tls, out);
                    let keep = self.keep;
                    if let Some(u) = out.decrypted.last_mut() {
                        u.len = u32::try_from(pt.len()).unwrap_or(u32::MAX);
                        if keep {
                            u.plaintext = pt.to_vec();
                        }
                    }
                } else {
                    self.deliver(dir, at, end, content, pt, out);
                }
            }
            Err(f) => self.failed(dir, f, at..end, out),
        }
    }

    /// A record some of whose bytes were not captured: it cannot be opened, but it
    /// took a sequence number (and an RC4 keystream, which breaks).
    pub(super) fn incomplete(
        &mut self,
        dir: Direction,
        range: std::ops::Range<u64>,
        have: usize,
        expected: usize,
        out: &mut Emitter,
    ) {
        let d = self.dir(dir);
        d.gather.active = false;
        if let Some(k) = d.keys.as_mut() {
            k.seq = k.seq.wrapping_add(1);
            if k.chained() {
                d.broken = true;
            }
        }
        d.incomplete += 1;
        out.note(
            range,
            Severity::Note,
            NoteGroup::Truncated,
            format!("TLS record incomplete ({have} of {expected} bytes captured): not decrypted"),
        );
    }

    /// Opens a record with the direction's keys; TLS 1.3 tries the next epochs' keys
    /// when the current ones fail, and after lost records later sequence numbers.
    pub(super) fn open(
        &mut self,
        dir: Direction,
        header: [u8; 5],
        body: &mut Vec<u8>,
    ) -> Result<(ContentType, std::ops::Range<usize>), Failure> {
        let tls13 = self.version.is_some_and(|v| v.is_tls13());
        let cipher = self.cipher;
        let d = self.dir(dir);
        if d.keys.is_none() && !d.trial.is_empty() {
            return d.open_trial(header, body);
        }
        let Some(keys) = d.keys.as_mut() else {
            return Err(Failure::Short);
        };
        // A failed AEAD may have decrypted in place: keep the ciphertext where a
        // second try is likely (the handshake epoch, after a KeyUpdate, lost records).
        let copy = ((tls13 && (!d.app || d.expect_next)) || d.resync).then(|| body.clone());
        d.expect_next = false;
        let first = keys.open(header, body);
        let Some(copy) = copy else {
            if first.is_ok() {
                d.ok += 1;
            }
            return first;
        };
        if first.is_ok() {
            d.ok += 1;
            d.resync = false;
            return first;
        }
        if d.resync {
            let from = keys.seq;
            for seq in from..from + SEQ_SEARCH {
                body.clone_from(&copy);
                if let Ok(r) = keys.open_at(seq, header, body) {
                    keys.seq = seq + 1;
                    d.resync = false;
                    d.ok += 1;
                    return Ok(r);
                }
            }
        }
        if !tls13 {
            return first;
        }
        let Some((alg, hash)) = cipher.and_then(tls13_suite) else {
            return first;
        };
        // The next two epochs (Finished, KeyUpdate).
        let mut secret = d.secret.clone();
        let mut app = d.app;
        let mut ahead = d.ahead.clone();
        for _ in 0..2 {
            let next = match ahead.pop_front() {
                Some(s) => {
                    // The last secret known ahead is the application one (before
                    // it, after 0-RTT data, the handshake one).
                    app = ahead.is_empty();
                    s
                }
                None if app => match expand_label(hash, &secret, "traffic upd", &[], hash.size()) {
                    Some(s) => s,
                    None => break,
                },
                None => break,
            };
            let Some(mut k) = keys13(alg, hash, &next) else {
                break;
            };
            body.clone_from(&copy);
            if let Ok(r) = k.open(header, body) {
                d.keys = Some(k);
                d.secret = next;
                d.app = app;
                d.ahead = ahead;
                d.ok += 1;
                d.resync = false;
                return Ok(r);
            }
            secret = next;
        }
        first
    }

    /// A record opened: account for it, read what it says, emit it.
    pub(super) fn deliver(
        &mut self,
        dir: Direction,
        at: u64,
        end: u64,
        content: ContentType,
        pt: &[u8],
        out: &mut Emitter,
    ) {
        if !self.decrypted_any {
            self.decrypted_any = true;
            self.ring.decrypted_session();
        }
        let mut says = Vec::new();
        let mut secrets = Vec::new();
        match content {
            ContentType::APPLICATION_DATA => {
                let digest = self.digest;
                let d = self.dir(dir);
                d.records += 1;
                d.bytes += pt.len() as u64;
                if digest {
                    d.hasher.get_or_insert_with(Sha256::new).update(pt);
                }
                let said = self.view.push(dir, pt);
                says = said.says;
                secrets = said.secrets;
            }
            ContentType::HANDSHAKE => {
                self.handshake(dir, pt, &mut says, &mut secrets, out, at);
            }
            ContentType::CHANGE_CIPHER_SPEC => {
                // Renegotiation: this direction's new keys start now (DTLS: with the
                // next epoch's first record).
                says.push("ChangeCipherSpec".into());
                if self.proto == "TLS" {
                    self.change_cipher(dir, out, at);
                }
            }
            ContentType::ALERT => {
                if let [level, desc] = pt {
                    says.push(format!("Alert ({})", alert_words(*level, *desc)));
                }
            }
            other => says.push(other.to_string()),
        }
        // What the application said comes first in the flow's report, then the
        // handshake's messages.
        let list = if content == ContentType::APPLICATION_DATA {
            &mut self.app_says
        } else {
            &mut self.says
        };
        for s in &says {
            if list.len() < MAX_SAID && !list.contains(s) {
                list.push(s.clone());
            }
        }
        for s in &secrets {
            if self.secrets_seen.len() < MAX_SAID && !self.secrets_seen.contains(s) {
                self.secrets_seen.push(s.clone());
            }
        }
        out.decrypted.push(Decrypted {
            at,
            end,
            proto: self.proto,
            content,
            len: u32::try_from(pt.len()).unwrap_or(u32::MAX),
            plaintext: if self.keep { pt.to_vec() } else { Vec::new() },
            says,
            secrets,
        });
    }
}

impl DecDir {
    /// The first 0-RTT record: opened with each suite's early keys in turn; the keys
    /// that open it are the direction's from then on.
    fn open_trial(
        &mut self,
        header: [u8; 5],
        body: &mut Vec<u8>,
    ) -> Result<(ContentType, std::ops::Range<usize>), Failure> {
        let copy = body.clone();
        let mut first = Err(Failure::Short);
        for i in 0..self.trial.len() {
            body.clone_from(&copy);
            let Some(keys) = self.trial.get_mut(i) else {
                break;
            };
            let r = keys.open(header, body);
            if r.is_ok() {
                self.keys = Some(self.trial.swap_remove(i));
                self.trial.clear();
                self.ok += 1;
                return r;
            }
            if i == 0 {
                first = r;
            }
        }
        body.clone_from(&copy);
        first
    }
}
