//! Named byte fixtures for IKE: IKEv2 and IKEv1 messages, their payloads and identities.

use super::*;
use crate::span::Visibility::{self, *};

fn run(b: &[u8], dir: Direction) -> (Vec<(&'static str, Visibility)>, Emitter, Ike) {
    let mut ike = Ike::default();
    let mut out = Emitter::default();
    ike.feed(dir, 0, b, true, &mut out);
    let mut labels = vec![("", Undecoded); b.len()];
    for s in &out.spans {
        for i in s.range.clone() {
            assert_eq!(labels[i as usize].0, "", "byte {i} labelled twice");
            labels[i as usize] = (s.field.name(), s.vis);
        }
    }
    (labels, out, ike)
}

/// An IKE message: header with `version`, `exchange`, `flags`, then payloads
/// (type, body), chained.
fn message(version: u8, exchange: u8, flags: u8, payloads: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut b = vec![0x11; 8];
    b.extend([0; 8]);
    b.push(payloads.first().map_or(0, |p| p.0));
    b.extend([version, exchange, flags, 0, 0, 0, 0, 0, 0, 0, 0]);
    for (i, (_, body)) in payloads.iter().enumerate() {
        b.push(payloads.get(i + 1).map_or(0, |p| p.0));
        b.push(0);
        b.extend(((body.len() + 4) as u16).to_be_bytes());
        b.extend(body);
    }
    let len = (b.len() as u32).to_be_bytes();
    b[24..28].copy_from_slice(&len);
    b
}

/// An IKEv2 SA payload body with one IKE proposal: AES_GCM_16_256, PRF SHA2-256,
/// Curve25519.
fn sa_body() -> Vec<u8> {
    let transforms: [(u8, u16, Option<u16>); 3] = [(1, 20, Some(256)), (2, 5, None), (4, 31, None)];
    let mut t = Vec::new();
    for (i, (kind, id, key)) in transforms.iter().enumerate() {
        let attr: Vec<u8> = key.map_or(vec![], |k| {
            let mut a = vec![0x80, 14];
            a.extend(k.to_be_bytes());
            a
        });
        t.push(if i + 1 == transforms.len() { 0 } else { 3 });
        t.push(0);
        t.extend(((8 + attr.len()) as u16).to_be_bytes());
        t.extend([*kind, 0]);
        t.extend(id.to_be_bytes());
        t.extend(attr);
    }
    let mut p = vec![0, 0];
    p.extend(((8 + t.len()) as u16).to_be_bytes());
    p.extend([1, 1, 0, 3]);
    p.extend(t);
    p
}

#[test]
fn ike_sa_init_is_readable_and_names_the_transforms() {
    let b = message(
        0x20,
        34,
        0x08,
        &[
            (33, sa_body()),
            (34, vec![0, 31, 0, 0, 9, 9]),
            (40, vec![7; 32]),
        ],
    );
    assert!(looks_like_ike(&b));
    let (l, out, ike) = run(&b, Direction::ToServer);
    assert_eq!(l[0], ("isakmp.ispi", Metadata));
    assert_eq!(l[28], ("isakmp.payload", Metadata));
    assert_eq!(l[33], ("isakmp.sa", Cleartext));
    assert_eq!(*l.last().unwrap(), ("isakmp.nonce", Cleartext));
    assert_eq!(
        ike.offered,
        vec!["IKE:AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519"]
    );
    assert!(out.events.iter().any(|e| matches!(&e.desc,
            Desc::App { text, .. } if text == "IKE_SA_INIT request [SA KE No]")));
    // The response chooses: the flow's protection names it.
    let resp = message(0x20, 34, 0x20, &[(33, sa_body())]);
    let mut ike = ike;
    ike.feed(Direction::ToClient, 0, &resp, true, &mut Emitter::default());
    let mut f = Facts::default();
    ike.facts(&mut f);
    assert_eq!(f.stack, vec!["IKEv2"]);
    let p = f.protection.unwrap();
    assert_eq!(p.cipher.as_deref(), Some("AES_GCM_16_256"));
    assert!(p.weaknesses.is_empty());
}

#[test]
fn sk_payload_is_opaque_and_ends_the_chain() {
    let b = message(0x20, 35, 0x08, &[(46, vec![0xaa; 40])]);
    let (l, _, _) = run(&b, Direction::ToServer);
    assert_eq!(l[32], ("isakmp.enc.data", Opaque));
    assert_eq!(*l.last().unwrap(), ("isakmp.enc.data", Opaque));
    let b = message(0x20, 35, 0x08, &[(53, vec![0, 1, 0, 2, 0xaa, 0xbb])]);
    let (l, _, _) = run(&b, Direction::ToServer);
    assert_eq!(l[32], ("isakmp.skf.fragment", Metadata));
    assert_eq!(l[36], ("isakmp.enc.data", Opaque));
}

#[test]
fn ikev1_aggressive_mode_identity_is_a_leak() {
    let mut id = vec![3, 17, 1, 244];
    id.extend(b"alice@vpn.example");
    let b = message(0x10, 4, 0, &[(1, vec![0, 0, 0, 1, 0, 0, 0, 1]), (5, id)]);
    let (l, out, ike) = run(&b, Direction::ToServer);
    assert_eq!(l[b.len() - 3], ("isakmp.id.data", Cleartext));
    assert!(out.events.iter().any(|e| e.desc
        == Desc::Leak {
            kind: LeakKind::Identity,
            value: "alice@vpn.example".into()
        }));
    assert_eq!(ike.ids, vec!["alice@vpn.example"]);
}

#[test]
fn ikev1_e_flag_makes_the_body_opaque() {
    let b = message(0x10, 2, 0x01, &[(8, vec![1; 20])]);
    let (l, out, _) = run(&b, Direction::ToServer);
    assert!(l[28..].iter().all(|x| *x == ("isakmp.encrypted", Opaque)));
    assert!(out.events.iter().any(|e| matches!(&e.desc,
            Desc::App { text, .. } if text == "Main Mode request (encrypted)")));
}

#[test]
fn fifty_nested_payloads_and_a_chain_past_the_limit() {
    let many: Vec<(u8, Vec<u8>)> = (0..50).map(|_| (41u8, vec![0; 4])).collect();
    let b = message(0x20, 37, 0, &many);
    let (l, out, _) = run(&b, Direction::ToServer);
    assert!(out.notes.is_empty());
    assert_eq!(*l.last().unwrap(), ("isakmp.notify", Cleartext));
    let many: Vec<(u8, Vec<u8>)> = (0..100).map(|_| (41u8, vec![])).collect();
    let b = message(0x20, 37, 0, &many);
    let (l, out, _) = run(&b, Direction::ToServer);
    assert_eq!(out.notes.len(), 1, "{:?}", out.notes);
    assert_eq!(*l.last().unwrap(), ("data", Undecoded));
}

#[test]
fn payload_lengths_beyond_the_message_or_below_the_header() {
    let mut b = message(0x20, 34, 0, &[(40, vec![1; 8])]);
    // The nonce says 200 bytes.
    b[30..32].copy_from_slice(&200u16.to_be_bytes());
    let (l, out, _) = run(&b, Direction::ToServer);
    assert!(out.notes[0].text.contains("past the message"));
    assert_eq!(l[33], ("data", Undecoded));
    // A zero length would loop forever if trusted.
    b[30..32].copy_from_slice(&0u16.to_be_bytes());
    let (_, out, _) = run(&b, Direction::ToServer);
    assert!(out.notes[0].text.contains("shorter than its header"));
    // A chain that names a payload after the end.
    let mut b = message(0x20, 34, 0, &[(40, vec![1; 8])]);
    b[28] = 41;
    let (_, out, _) = run(&b, Direction::ToServer);
    assert!(out.notes[0].text.contains("after the end"));
}

#[test]
fn message_lengths_that_lie_and_cut_headers_never_panic() {
    let good = message(0x20, 34, 0x08, &[(33, sa_body()), (40, vec![7; 16])]);
    for cut in 0..good.len() {
        run(&good[..cut], Direction::ToServer);
    }
    let mut b = good.clone();
    b[24..28].copy_from_slice(&u32::MAX.to_be_bytes());
    let (_, out, _) = run(&b, Direction::ToServer);
    assert!(out.notes.iter().any(|n| n.text.contains("more than")));
    // Garbage SA bodies of every length.
    for n in 0..64u8 {
        let body: Vec<u8> = (0..n).map(|i| i.wrapping_mul(73)).collect();
        let b = message(0x20, 34, 0, &[(33, body.clone())]);
        run(&b, Direction::ToClient);
        let b = message(0x10, 4, 0, &[(1, body)]);
        run(&b, Direction::ToClient);
    }
}
