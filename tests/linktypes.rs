//! The same session on other link types: `captures/*-ppp.pcap` and
//! `*-radiotap.pcap` are `tls13-echo.pcapng` and `quic-echo.pcap` with every IP
//! packet rewritten onto PPP or 802.11 with radiotap (scripts/relink.py). What an
//! observer learns from the session — the SNI, every label of every payload byte, the
//! flow's verdict — must not depend on the link. And what the link adds: on 802.11 the
//! addresses are leaks, a beacon's SSID too, and a protected frame's body is opaque.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::*;
use serde_json::Value;

fn json_lines(args: &[&str], file: &str) -> Vec<Value> {
    let out = eavesdrop()
        .args(args)
        .arg(capture(file))
        .output()
        .expect("eavesdrop");
    assert!(out.status.success(), "{file}: {}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

/// Per frame of a flow: its description, payload label counts and the payload's spans
/// (field, label) with offsets relative to the payload's start.
fn payload_view(file: &str) -> Vec<Value> {
    json_lines(&["show", "--json"], file)
        .into_iter()
        .filter(|v| v["type"] == "frame" && !v["flow"].is_null())
        .map(|v| {
            let start = v["payload"][0].as_u64().unwrap_or(0);
            let spans: Vec<Value> = v["spans"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["start"].as_u64().unwrap() >= start && v["payload"][0].is_u64())
                .map(|s| {
                    serde_json::json!([
                        s["field"],
                        s["label"],
                        s["start"].as_u64().unwrap() - start,
                        s["end"].as_u64().unwrap() - start,
                    ])
                })
                .collect();
            serde_json::json!({
                "line_end": v["line"].as_str().unwrap().split(": ").last(),
                "description": v["description"],
                "spans": spans,
            })
        })
        .collect()
}

/// `v` without its frame numbers (802.11 adds management frames before the session).
fn without_frames(v: &mut Value) {
    match v {
        Value::Object(o) => {
            o.remove("frame");
            o.values_mut().for_each(without_frames);
        }
        Value::Array(a) => a.iter_mut().for_each(without_frames),
        _ => {}
    }
}

/// A flow's facts without what depends on the link (frame numbers, byte totals).
fn flow_view(file: &str) -> Vec<Value> {
    json_lines(&["flows", "--json"], file)
        .into_iter()
        .filter(|v| v["type"] == "flow")
        .map(|mut v| {
            let o = v.as_object_mut().unwrap();
            for k in ["file", "first_frame", "last_frame", "start", "duration"] {
                o.remove(k);
            }
            for dir in ["to_server", "to_client"] {
                if let Some(d) = o.get_mut(dir).and_then(Value::as_object_mut) {
                    d.remove("bytes");
                }
            }
            without_frames(&mut v);
            v
        })
        .collect()
}

#[test]
fn a_session_on_ppp_or_80211_gets_the_labels_it_gets_on_ethernet() {
    for (ethernet, other) in [
        ("tls13-echo.pcapng", "tls13-echo-ppp.pcap"),
        ("tls13-echo.pcapng", "tls13-echo-radiotap.pcap"),
        ("quic-echo.pcap", "quic-echo-ppp.pcap"),
    ] {
        let (a, b) = (payload_view(ethernet), payload_view(other));
        assert!(!a.is_empty());
        assert_eq!(a, b, "{other} against {ethernet}");
        let (fa, fb) = (flow_view(ethernet), flow_view(other));
        assert_eq!(fa, fb, "{other} against {ethernet}");
        let sni = |f: &[Value]| {
            f.iter()
                .map(|v| {
                    v["tls"]["sni"]
                        .as_str()
                        .or(v["quic"]["sni"].as_str())
                        .map(String::from)
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(sni(&fb), sni(&fa));
        assert!(
            sni(&fb).iter().all(|s| s.as_deref() == Some("localhost")),
            "{fb:?}"
        );
    }
}

#[test]
fn wireless_addresses_and_ssids_are_leaks_and_protected_bodies_opaque() {
    let frames = json_lines(&["show", "--json"], "tls13-echo-radiotap.pcap");
    let frames: Vec<&Value> = frames.iter().filter(|v| v["type"] == "frame").collect();
    let spans = |f: &Value, field: &str| -> Vec<(String, u64)> {
        f["spans"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["field"] == field)
            .map(|s| {
                (
                    s["label"].as_str().unwrap().to_string(),
                    s["end"].as_u64().unwrap() - s["start"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    // The beacon: three addresses and the SSID, all leaks.
    let beacon = frames[0];
    assert!(beacon["line"]
        .as_str()
        .unwrap()
        .contains("Beacon (eavesdrop-lab)"));
    assert_eq!(spans(beacon, "wlan.ssid"), [("leak".to_string(), 13)]);
    assert_eq!(spans(beacon, "wlan.addr").len(), 3);
    assert!(spans(beacon, "wlan.addr")
        .iter()
        .all(|(l, n)| l == "leak" && *n == 6));
    // A data frame: radiotap and the MAC header are header, LLC/SNAP too.
    let data = frames[2];
    assert_eq!(spans(data, "radiotap.header"), [("header".to_string(), 16)]);
    assert_eq!(spans(data, "llc.snap"), [("header".to_string(), 8)]);
    // The protected frame: an IV, then ciphertext, nothing else.
    let last = frames.last().unwrap();
    assert!(last["line"]
        .as_str()
        .unwrap()
        .starts_with("54.0 Mb/s 2437 MHz 11g -42dBm signal Data IV:"));
    let body = spans(last, "wlan.encrypted");
    assert_eq!(body.len(), 1);
    assert_eq!(body[0].0, "opaque");
    assert_eq!(last["counts"]["readable"], 0);
    assert_eq!(last["counts"]["undecoded"], 0);
}
