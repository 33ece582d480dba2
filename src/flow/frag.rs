//! IP fragment reassembly: IPv4 (RFC 791 section 3.2) and IPv6 (RFC 8200 section 4.5).
//!
//! Fragments are gathered per datagram (source, destination, identification, and for
//! IPv4 the protocol). Overlapping fragments keep their first copy (as TCP
//! reassembly does); bytes a later copy would change are counted for a note, since
//! overlaps with different bytes are an evasion technique (RFC 5722 forbids them in
//! IPv6). A datagram completes when its last fragment (MF clear) has arrived and no
//! hole remains; it is then decoded as if it had come whole, and its labels go back
//! to the frames that carried each byte.
//!
//! Bounds: open datagrams, bytes held by all of them, and a time limit in capture
//! time (30 s, Linux's `ipfrag_time`). A datagram given up leaves its fragments'
//! payload undecoded, with a note saying why.

use crate::capture::{Frame, LinkType, Timestamp};
use crate::decode::FragmentInfo;
use std::collections::HashMap;
use std::net::IpAddr;
use std::ops::Range;

/// The largest IP datagram payload: a fragment may not end past it.
const MAX_DATAGRAM: u32 = 65_535;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    src: IpAddr,
    dst: IpAddr,
    id: u32,
    /// IPv4 keys include the protocol; IPv6 keys do not (0).
    proto: u8,
}

/// One fragment's place: datagram payload offset and length, frame and frame offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    pub offset: u32,
    pub len: u32,
    pub frame: u64,
    pub frame_off: u32,
}

/// A datagram being gathered, or one handed back complete or given up.
#[derive(Clone, Debug)]
pub struct Datagram {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub id: u32,
    pub proto: u8,
    /// The payload as gathered so far (first copy of every byte).
    pub bytes: Vec<u8>,
    /// Every fragment, in arrival order (duplicates included: each frame gets labels).
    pub pieces: Vec<Piece>,
    /// The payload length, once the last fragment is in.
    pub total: Option<u32>,
    /// Sorted, disjoint ranges of `bytes` that arrived.
    have: Vec<Range<u32>>,
    first_ts: Timestamp,
    order: u64,
    /// A fragment was cut short by the capture's snap length.
    pub cut: bool,
    /// Bytes a later overlapping fragment would have changed (while inserting).
    conflicting: u32,
    /// Frames whose fragment disagreed with bytes already gathered, and by how many bytes.
    pub conflicts: Vec<(u64, u32)>,
}

impl Datagram {
    /// The whole datagram as a frame of its own (link type RAW): a rebuilt minimal IP
    /// header (nobody's bytes: the engine labels only what follows it) and the gathered
    /// payload, so that it decodes as if it had come in one piece. Returns the frame
    /// and the rebuilt header's length.
    pub fn rebuild(&self, number: u64, ts: Timestamp) -> Result<(Frame, u32), GaveUp> {
        let h: u32 = if self.src.is_ipv6() { 40 } else { 20 };
        let len = u32::try_from(self.bytes.len()).map_err(|_| GaveUp::TooBig)?;
        let mut pkt = Vec::with_capacity((h + len) as usize);
        match (self.src, self.dst) {
            (IpAddr::V4(s), IpAddr::V4(t)) => {
                let total = u16::try_from(h + len).map_err(|_| GaveUp::TooBig)?;
                pkt.extend_from_slice(&[0x45, 0]);
                pkt.extend_from_slice(&total.to_be_bytes());
                pkt.extend_from_slice(&(self.id as u16).to_be_bytes());
                pkt.extend_from_slice(&[0, 0, 64, self.proto, 0, 0]);
                pkt.extend_from_slice(&s.octets());
                pkt.extend_from_slice(&t.octets());
            }
            (IpAddr::V6(s), IpAddr::V6(t)) => {
                let plen = u16::try_from(len).map_err(|_| GaveUp::TooBig)?;
                pkt.extend_from_slice(&[0x60, 0, 0, 0]);
                pkt.extend_from_slice(&plen.to_be_bytes());
                pkt.extend_from_slice(&[self.proto, 64]);
                pkt.extend_from_slice(&s.octets());
                pkt.extend_from_slice(&t.octets());
            }
            _ => return Err(GaveUp::End),
        }
        pkt.extend_from_slice(&self.bytes);
        let frame = Frame {
            number,
            ts,
            link: LinkType::RAW,
            interface: 0,
            orig_len: h + len,
            data: pkt,
            cut_by_eof: false,
        };
        Ok((frame, h))
    }

    fn complete(&self) -> bool {
        match self.total {
            Some(t) => self.have.len() == 1 && self.have.first() == Some(&(0..t)),
            None => false,
        }
    }

    /// The frames that carry this datagram, each once, in arrival order.
    pub fn frames(&self) -> Vec<u64> {
        let mut out: Vec<u64> = Vec::with_capacity(self.pieces.len());
        for p in &self.pieces {
            if !out.contains(&p.frame) {
                out.push(p.frame);
            }
        }
        out
    }

    /// Why a datagram that did not complete is incomplete, for its note.
    pub fn missing(&self) -> String {
        let mut holes = Vec::new();
        let mut pos = 0;
        for r in &self.have {
            if r.start > pos {
                holes.push(format!("{pos}..{}", r.start));
            }
            pos = r.end;
        }
        match self.total {
            Some(t) if pos < t => holes.push(format!("{pos}..{t}")),
            None => holes.push(format!("{pos}.. (the last fragment)")),
            _ => {}
        }
        let shown: Vec<&str> = holes.iter().take(3).map(String::as_str).collect();
        let more = if holes.len() > 3 { ", …" } else { "" };
        format!("bytes {}{more} never arrived", shown.join(", "))
    }

    /// Records `data` at `offset`: bytes already present keep their first copy (and a
    /// differing later copy is counted in `conflicting`).
    fn insert(&mut self, offset: u32, data: &[u8]) {
        let end = offset + data.len() as u32;
        if data.is_empty() {
            return;
        }
        if self.bytes.len() < end as usize {
            self.bytes.resize(end as usize, 0);
        }
        let copy = |bytes: &mut Vec<u8>, r: Range<u32>| {
            let src = data.get((r.start - offset) as usize..(r.end - offset) as usize);
            let dst = bytes.get_mut(r.start as usize..r.end as usize);
            if let (Some(src), Some(dst)) = (src, dst) {
                dst.copy_from_slice(src);
            }
        };
        let mut pos = offset;
        for r in &self.have {
            if r.end <= pos {
                continue;
            }
            if r.start >= end {
                break;
            }
            if r.start > pos {
                copy(&mut self.bytes, pos..r.start);
            }
            let ov = r.start.max(pos)..r.end.min(end);
            let old = self
                .bytes
                .get(ov.start as usize..ov.end as usize)
                .unwrap_or(&[]);
            let now = data
                .get((ov.start - offset) as usize..(ov.end - offset) as usize)
                .unwrap_or(&[]);
            self.conflicting += old.iter().zip(now).filter(|(a, b)| a != b).count() as u32;
            pos = ov.end;
            if pos >= end {
                break;
            }
        }
        if pos < end {
            copy(&mut self.bytes, pos..end);
        }
        self.have.push(offset..end);
        self.have.sort_by_key(|r| r.start);
        let mut merged: Vec<Range<u32>> = Vec::with_capacity(self.have.len());
        for r in self.have.drain(..) {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        self.have = merged;
    }
}

/// Bounds of the fragment table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FragLimits {
    pub max_datagrams: usize,
    pub max_bytes: usize,
    pub timeout_secs: i64,
}

impl Default for FragLimits {
    fn default() -> Self {
        FragLimits {
            max_datagrams: 1024,
            max_bytes: 8 * 1024 * 1024,
            timeout_secs: 30,
        }
    }
}

/// What became of one fragment.
#[derive(Debug)]
pub enum Added {
    /// Waiting for the rest of its datagram.
    Held,
    /// The datagram is whole.
    Complete(Datagram),
    /// Not gathered (why): its payload stays undecoded.
    Refused(String),
}

/// Why a datagram was given up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GaveUp {
    /// Older than the time limit when a later frame arrived.
    Timeout,
    /// The table was full.
    Evicted,
    /// The capture ended.
    End,
    /// The payload would not fit an IPv4 datagram once a header is added.
    TooBig,
}

#[derive(Debug, Default)]
pub struct Defrag {
    open: HashMap<Key, Datagram, foldhash::fast::RandomState>,
    /// Open datagrams by age (`Datagram::order`), to find the oldest at once.
    by_age: std::collections::BTreeMap<u64, Key>,
    held: usize,
    counter: u64,
    /// The capture second of the last expiry pass: one pass per second is enough.
    last_expire: Option<i64>,
    pub limits: FragLimits,
}

impl Defrag {
    pub fn new(limits: FragLimits) -> Defrag {
        Defrag {
            limits,
            ..Defrag::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    /// Bytes held by all open datagrams.
    pub fn held_bytes(&self) -> usize {
        self.held
    }

    /// Takes one fragment; `data` is its captured payload. Datagrams given up to make
    /// room are returned in `gave_up`.
    pub fn add(
        &mut self,
        info: &FragmentInfo,
        data: &[u8],
        frame: u64,
        ts: Timestamp,
        gave_up: &mut Vec<(Datagram, GaveUp)>,
    ) -> Added {
        let wire_end = info.offset.saturating_add(info.wire_len);
        if wire_end > MAX_DATAGRAM {
            return Added::Refused(format!(
                "IP fragment ends at byte {wire_end}, past the largest datagram ({MAX_DATAGRAM}): not reassembled"
            ));
        }
        let v6 = info.src.is_ipv6();
        let key = Key {
            src: info.src,
            dst: info.dst,
            id: info.id,
            proto: if v6 { 0 } else { info.proto },
        };
        if !self.open.contains_key(&key) {
            while self.open.len() >= self.limits.max_datagrams.max(1) {
                match self.oldest() {
                    Some(k) => self.give_up(k, GaveUp::Evicted, gave_up),
                    None => break,
                }
            }
        }
        let len = (info.range.end - info.range.start).min(info.wire_len);
        while self.held + len as usize > self.limits.max_bytes && !self.open.is_empty() {
            match self.oldest() {
                Some(k) => self.give_up(k, GaveUp::Evicted, gave_up),
                None => break,
            }
        }
        self.counter += 1;
        let order = self.counter;
        if !self.open.contains_key(&key) {
            self.by_age.insert(order, key);
        }
        let d = self.open.entry(key).or_insert_with(|| Datagram {
            src: info.src,
            dst: info.dst,
            id: info.id,
            proto: info.proto,
            bytes: Vec::new(),
            pieces: Vec::new(),
            total: None,
            have: Vec::new(),
            first_ts: ts,
            order,
            cut: false,
            conflicting: 0,
            conflicts: Vec::new(),
        });
        d.conflicting = 0;
        if !info.more {
            match d.total {
                Some(t) if t != wire_end => {
                    // Two different ends: keep the first (first copy wins).
                    d.conflicting += 1;
                }
                _ => d.total = Some(wire_end),
            }
        } else if info.offset == 0 {
            d.proto = info.proto;
        }
        if d.total.is_some_and(|t| wire_end > t) {
            return Added::Refused(
                "IP fragment reaches past the end its datagram's last fragment declared: not reassembled"
                    .into(),
            );
        }
        if len < info.wire_len {
            d.cut = true;
        }
        let data = data.get(..len as usize).unwrap_or(data);
        let before = d.bytes.len();
        d.insert(info.offset, data);
        if d.conflicting > 0 {
            d.conflicts.push((frame, d.conflicting));
        }
        self.held += d.bytes.len() - before;
        d.pieces.push(Piece {
            offset: info.offset,
            len,
            frame,
            frame_off: info.range.start,
        });
        if d.complete() {
            if let Some(d) = self.open.remove(&key) {
                self.by_age.remove(&d.order);
                self.held = self.held.saturating_sub(d.bytes.len());
                return Added::Complete(d);
            }
        }
        Added::Held
    }

    /// Gives up datagrams older than the time limit at `now`.
    pub fn expire(&mut self, now: Timestamp, gave_up: &mut Vec<(Datagram, GaveUp)>) {
        if self.open.is_empty() || self.last_expire.is_some_and(|s| s >= now.sec) {
            return;
        }
        self.last_expire = Some(now.sec);
        let limit = self.limits.timeout_secs;
        let old: Vec<Key> = self
            .open
            .iter()
            .filter(|(_, d)| now.sec.saturating_sub(d.first_ts.sec) > limit)
            .map(|(k, _)| *k)
            .collect();
        for k in old {
            self.give_up(k, GaveUp::Timeout, gave_up);
        }
    }

    /// Gives up every open datagram (the capture ended), oldest first.
    pub fn drain(&mut self, gave_up: &mut Vec<(Datagram, GaveUp)>) {
        let mut all: Vec<Datagram> = self.open.drain().map(|(_, d)| d).collect();
        all.sort_by_key(|d| d.order);
        self.by_age.clear();
        self.held = 0;
        gave_up.extend(all.into_iter().map(|d| (d, GaveUp::End)));
    }

    fn oldest(&self) -> Option<Key> {
        self.open
            .iter()
            .min_by_key(|(_, d)| d.order)
            .map(|(k, _)| *k)
    }

    fn give_up(&mut self, key: Key, why: GaveUp, gave_up: &mut Vec<(Datagram, GaveUp)>) {
        if let Some(d) = self.open.remove(&key) {
            self.held = self.held.saturating_sub(d.bytes.len());
            gave_up.push((d, why));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn info(offset: u32, len: u32, more: bool) -> FragmentInfo {
        FragmentInfo {
            src: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            dst: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
            id: 7,
            proto: 17,
            offset,
            more,
            range: 20..20 + len,
            wire_len: len,
            data_start: 20,
            encap: Default::default(),
        }
    }

    fn ts(sec: i64) -> Timestamp {
        Timestamp::new(sec, 0)
    }

    fn add(d: &mut Defrag, offset: u32, data: &[u8], more: bool, frame: u64) -> Added {
        let mut gave_up = Vec::new();
        let r = d.add(
            &info(offset, data.len() as u32, more),
            data,
            frame,
            ts(0),
            &mut gave_up,
        );
        assert!(gave_up.is_empty());
        r
    }

    #[test]
    fn any_order_and_duplicates_complete_with_first_copies() {
        let whole: Vec<u8> = (0..48u8).collect();
        let parts = [(0usize, 16usize), (16, 32), (32, 48)];
        for order in [[0, 1, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1]] {
            let mut d = Defrag::default();
            let mut done = None;
            for (n, &i) in order.iter().enumerate() {
                let (a, b) = parts[i];
                // A duplicate of every fragment before it: must change nothing.
                if let Added::Complete(x) = add(&mut d, a as u32, &whole[a..b], i != 2, n as u64) {
                    done = Some(x);
                    break;
                }
                assert!(matches!(
                    add(&mut d, a as u32, &whole[a..b], i != 2, 100),
                    Added::Held
                ));
            }
            let x = done.expect("complete");
            assert_eq!(x.bytes, whole, "order {order:?}");
            assert!(x.conflicts.is_empty());
            assert!(d.is_empty());
        }
    }

    #[test]
    fn overlap_that_disagrees_keeps_the_first_copy_and_is_counted() {
        let mut d = Defrag::default();
        assert!(matches!(
            add(&mut d, 0, b"AAAAAAAABBBBBBBB", true, 1),
            Added::Held
        ));
        // Overlaps bytes 8..16 with different content, then adds 16..24.
        assert!(matches!(
            add(&mut d, 8, b"XXXXXXXXCCCCCCCC", true, 2),
            Added::Held
        ));
        let Added::Complete(x) = add(&mut d, 24, b"DDDD", false, 3) else {
            panic!("complete")
        };
        assert_eq!(x.bytes, b"AAAAAAAABBBBBBBBCCCCCCCCDDDD");
        assert_eq!(x.conflicts, vec![(2, 8)]);
        assert_eq!(x.frames(), vec![1, 2, 3]);
    }

    #[test]
    fn missing_fragment_is_named_when_given_up() {
        let mut d = Defrag::default();
        add(&mut d, 0, &[1; 16], true, 1);
        add(&mut d, 32, &[3; 8], false, 2);
        let mut gave_up = Vec::new();
        d.drain(&mut gave_up);
        assert_eq!(gave_up.len(), 1);
        assert_eq!(gave_up[0].1, GaveUp::End);
        assert_eq!(gave_up[0].0.missing(), "bytes 16..32 never arrived");
        // Without the last fragment, the end is unknown.
        add(&mut d, 0, &[1; 16], true, 3);
        let mut gave_up = Vec::new();
        d.drain(&mut gave_up);
        assert_eq!(
            gave_up[0].0.missing(),
            "bytes 16.. (the last fragment) never arrived"
        );
    }

    #[test]
    fn time_limit_and_byte_bound_give_datagrams_up() {
        let mut d = Defrag::new(FragLimits {
            max_datagrams: 4,
            max_bytes: 100,
            timeout_secs: 30,
        });
        let mut gave_up = Vec::new();
        d.add(&info(0, 16, true), &[0; 16], 1, ts(0), &mut gave_up);
        d.expire(ts(30), &mut gave_up);
        assert!(gave_up.is_empty(), "30 s is not more than 30 s");
        d.expire(ts(31), &mut gave_up);
        assert_eq!(gave_up.len(), 1);
        assert_eq!(gave_up[0].1, GaveUp::Timeout);
        // Bytes: six datagrams of 40 bytes never hold more than 100.
        let mut gave_up = Vec::new();
        for id in 0..6u32 {
            let mut i = info(0, 40, true);
            i.id = id;
            d.add(&i, &[0; 40], u64::from(id), ts(0), &mut gave_up);
            assert!(d.held <= 100, "{}", d.held);
        }
        assert_eq!(gave_up.len(), 4);
        assert!(gave_up.iter().all(|(_, why)| *why == GaveUp::Evicted));
        // Datagram count.
        let mut d = Defrag::new(FragLimits {
            max_datagrams: 2,
            ..FragLimits::default()
        });
        let mut gave_up = Vec::new();
        for id in 0..5u32 {
            let mut i = info(0, 8, true);
            i.id = id;
            d.add(&i, &[0; 8], u64::from(id), ts(0), &mut gave_up);
        }
        assert_eq!(d.open.len(), 2);
        assert_eq!(gave_up.len(), 3);
    }

    #[test]
    fn fragments_past_the_largest_datagram_or_its_end_are_refused() {
        let mut d = Defrag::default();
        let mut gave_up = Vec::new();
        let r = d.add(&info(65_528, 16, false), &[0; 16], 1, ts(0), &mut gave_up);
        assert!(
            matches!(r, Added::Refused(ref w) if w.contains("past the largest")),
            "{r:?}"
        );
        add(&mut d, 16, &[0; 8], false, 2);
        let r = add(&mut d, 16, &[0; 16], true, 3);
        assert!(
            matches!(r, Added::Refused(ref w) if w.contains("past the end")),
            "{r:?}"
        );
    }

    #[test]
    fn cut_fragment_never_completes_and_says_why() {
        let mut d = Defrag::default();
        let mut gave_up = Vec::new();
        let mut i = info(0, 16, true);
        i.wire_len = 24; // 8 bytes beyond the snap length
        d.add(&i, &[0; 16], 1, ts(0), &mut gave_up);
        d.add(&info(24, 8, false), &[0; 8], 2, ts(0), &mut gave_up);
        d.drain(&mut gave_up);
        assert_eq!(gave_up.len(), 1);
        assert!(gave_up[0].0.cut);
    }
}
