//! The description against the JSON Schema, shredding, and files read back.

use super::*;
use serde_json::json;

/// The JSON Schema's type for a property, as this module's description would
/// have it: (nullable, shape).
fn shape(defs: &Value, v: &Value) -> (bool, String) {
    if let Some(r) = v.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/$defs/");
        return shape(defs, &defs[name]);
    }
    if let Some(alts) = v.get("oneOf").and_then(Value::as_array) {
        let null = alts.iter().any(|a| a["type"] == "null");
        let other: Vec<&Value> = alts.iter().filter(|a| a["type"] != "null").collect();
        assert_eq!(other.len(), 1, "{v}");
        let (n, s) = shape(defs, other[0]);
        return (null || n, s);
    }
    if v.get("enum").is_some() {
        return (false, "str".into());
    }
    let (null, ty) = match &v["type"] {
        Value::Array(ts) => {
            let other: Vec<&Value> = ts.iter().filter(|t| *t != "null").collect();
            assert_eq!(other.len(), 1, "{v}");
            (ts.len() > 1, other[0].as_str().unwrap().to_string())
        }
        Value::String(t) => (false, t.clone()),
        _ => panic!("no type in {v}"),
    };
    let s = match ty.as_str() {
        "integer" => "int".to_string(),
        "number" => "float".to_string(),
        "string" => "str".to_string(),
        "boolean" => "bool".to_string(),
        "array" => format!("[{}]", shape(defs, &v["items"]).1),
        "object" => match v.get("properties").and_then(Value::as_object) {
            Some(props) => {
                let mut keys: Vec<String> = props
                    .iter()
                    .map(|(k, p)| {
                        let (n, s) = shape(defs, p);
                        format!("{k}{}:{s}", if n { "?" } else { "" })
                    })
                    .collect();
                keys.sort();
                format!("{{{}}}", keys.join(","))
            }
            None => {
                assert_eq!(v["additionalProperties"]["type"], "string");
                "map".to_string()
            }
        },
        t => panic!("type {t}"),
    };
    (null, s)
}

fn node_shape(n: &Node) -> String {
    match &n.kind {
        Kind::Prim(Prim::Bool) => "bool".into(),
        Kind::Prim(Prim::Int) => "int".into(),
        Kind::Prim(Prim::Float) => "float".into(),
        Kind::Prim(Prim::Str) => "str".into(),
        Kind::List(item) => format!("[{}]", node_shape(item)),
        Kind::Map => "map".into(),
        Kind::Struct(fields) => {
            let mut keys: Vec<String> = fields
                .iter()
                .map(|f| {
                    let q = if f.node.nullable { "?" } else { "" };
                    format!("{}{q}:{}", f.name, node_shape(&f.node))
                })
                .collect();
            keys.sort();
            format!("{{{}}}", keys.join(","))
        }
    }
}

/// The description has every key of docs/eavesdrop.schema.json's `flow`, with its
/// type and nullability, and nothing else.
#[test]
fn the_description_is_the_json_schema_of_a_flow() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/eavesdrop.schema.json"
    ))
    .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    let defs = &schema["$defs"];
    let mut flow = defs["flow"].clone();
    // `type` is a constant there; here a string like any other.
    flow["properties"]["type"] = json!({"type": "string"});
    flow["properties"]["version"] = json!({"type": "integer"});
    flow["additionalProperties"] = json!(false);
    let (_, want) = shape(defs, &flow);
    let got = node_shape(&flow_schema().unwrap().root);
    assert_eq!(got, want);
}

fn minimal() -> Value {
    let dir = json!({"packets": 1, "bytes": 60,
        "payload": {"leak": 0, "header": 0, "readable": 6, "opaque": 0, "undecoded": 0},
        "plaintext": 6, "sizes": [6], "decrypted": null});
    json!({"type": "flow", "version": 1, "file": "a.pcap", "id": 1, "transport": "tcp",
        "client": {"ip": "10.0.0.1", "port": 1000}, "server": {"ip": "10.0.0.2", "port": 80},
        "first_frame": 1, "last_frame": 1, "start": null, "duration": 0.0, "end": "open",
        "syn_seen": false, "stack": ["TCP"], "to_server": dir.clone(), "to_client": dir,
        "tls": null, "decryption": null, "protection": null, "details": {"a.b": "c"},
        "leaks": [], "leaks_dropped": 0, "conversation": null, "messages": [],
        "messages_dropped": 0, "names": [], "notes": 0, "verdict": "v"})
}

#[test]
fn a_key_or_type_the_schema_lacks_is_an_error_and_leaves_the_batch_whole() {
    let mut b = Batch::new().unwrap();
    b.push(&minimal()).unwrap();
    let mut extra = minimal();
    extra["new_key"] = json!(1);
    let e = b.push(&extra).unwrap_err().to_string();
    assert!(e.contains("flow.new_key"), "{e}");
    let mut wrong = minimal();
    wrong["to_client"]["sizes"] = json!(["x"]);
    let e = b.push(&wrong).unwrap_err().to_string();
    assert!(e.contains("flow.to_client.sizes: a string"), "{e}");
    assert_eq!(b.rows(), 1);
    let lens: Vec<usize> = b.columns.iter().map(|c| c.def.len()).collect();
    b.push(&minimal()).unwrap();
    let again: Vec<usize> = b.columns.iter().map(|c| c.def.len()).collect();
    assert_eq!(again, lens.iter().map(|n| n * 2).collect::<Vec<_>>());
    let mut w = ParquetWriter::new(Vec::new()).unwrap();
    w.push(b).unwrap();
    assert_eq!(w.rows(), 2);
    let out = w.finish().unwrap();
    assert!(out.starts_with(b"PAR1") && out.ends_with(b"PAR1"));
}
