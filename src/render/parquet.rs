//! Flows as Parquet (`flows --format parquet`, feature `parquet`; docs/scale.md): one
//! row per flow, with the columns of the `flow` objects of `flows --json`
//! (docs/json.md) — the same names, the same nesting, the same order — so a query
//! reads the Parquet file and the JSON Lines alike.
//!
//! The rows are made from the JSON object itself ([`flow_json`]): [`FLOW`] describes
//! each key's type, and [`Batch::push`] shreds an object into columns (Dremel's
//! definition and repetition levels), failing on a key or a type the description does
//! not have, so the two formats cannot drift apart silently. Nested values keep their
//! shape: objects are groups (structs), arrays are `LIST`s, `details` is a `MAP`.
//! Integers are `INT64` (what DuckDB's `read_json` infers for JSON integers), strings
//! `BYTE_ARRAY (STRING)`, `duration` `DOUBLE`, and `null` is a null.
//!
//! Written with the parquet crate's low-level writer ([`SerializedFileWriter`]): no
//! Arrow. Rows gather in a [`Batch`] per capture; each full batch (and the last) is
//! one row group.

use super::json::flow_json;
use crate::report::FlowReport;
use crate::sink::{FrameView, Sink, Summary};
use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::{Type, TypePtr};
use serde_json::Value;
use std::io::{self, Write};
use std::sync::{Arc, OnceLock};

/// Rows per row group: a batch this full is written out.
pub const ROWS_PER_GROUP: usize = 65_536;

/// A JSON value's type as a Parquet column has it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prim {
    Bool,
    /// Every JSON integer: `INT64`.
    Int,
    /// `DOUBLE`.
    Float,
    /// `BYTE_ARRAY` annotated `STRING`.
    Str,
}

/// The shape of a JSON value: a primitive, an object with known keys (a group), an
/// array (a `LIST` of its items), or an object of strings with any keys (a `MAP`).
#[derive(Debug)]
pub enum Kind {
    Prim(Prim),
    Struct(Vec<Field>),
    List(Box<Node>),
    Map,
}

/// A value in the description, and whether it may be `null`.
#[derive(Debug)]
pub struct Node {
    pub kind: Kind,
    pub nullable: bool,
    /// Primitive columns under this node.
    leaves: usize,
}

/// A key of an object.
#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub node: Node,
}

impl Node {
    fn prim(p: Prim) -> Node {
        Node {
            kind: Kind::Prim(p),
            nullable: false,
            leaves: 1,
        }
    }

    fn list(item: Node) -> Node {
        Node {
            leaves: item.leaves,
            kind: Kind::List(Box::new(item)),
            nullable: false,
        }
    }

    fn obj(fields: Vec<(&'static str, Node)>) -> Node {
        let fields: Vec<Field> = fields
            .into_iter()
            .map(|(name, node)| Field { name, node })
            .collect();
        Node {
            leaves: fields.iter().map(|f| f.node.leaves).sum(),
            kind: Kind::Struct(fields),
            nullable: false,
        }
    }

    fn map() -> Node {
        Node {
            kind: Kind::Map,
            nullable: false,
            leaves: 2,
        }
    }

    /// The same, with `null` allowed.
    fn or_null(mut self) -> Node {
        self.nullable = true;
        self
    }
}

fn int() -> Node {
    Node::prim(Prim::Int)
}

fn text() -> Node {
    Node::prim(Prim::Str)
}

fn boolean() -> Node {
    Node::prim(Prim::Bool)
}

fn texts() -> Node {
    Node::list(text())
}

fn labels() -> Node {
    Node::obj(vec![
        ("leak", int()),
        ("header", int()),
        ("readable", int()),
        ("opaque", int()),
        ("undecoded", int()),
    ])
}

fn endpoint() -> Node {
    Node::obj(vec![("ip", text()), ("port", int())])
}

fn direction() -> Node {
    Node::obj(vec![
        ("packets", int()),
        ("bytes", int()),
        ("payload", labels()),
        ("plaintext", int()),
        ("sizes", Node::list(int())),
        (
            "decrypted",
            Node::obj(vec![
                ("records", int()),
                ("bytes", int()),
                ("sha256", text()),
            ])
            .or_null(),
        ),
    ])
}

fn version_number() -> Node {
    Node::obj(vec![("id", int()), ("name", text())]).or_null()
}

fn tls() -> Node {
    Node::obj(vec![
        ("version", version_number()),
        ("offered", version_number()),
        ("cipher", version_number()),
        ("sni", text().or_null()),
        ("ech", boolean()),
        ("alpn_offered", texts()),
        ("alpn", text().or_null()),
        (
            "certificates",
            Node::list(Node::obj(vec![
                ("subject", text()),
                ("issuer", text()),
                ("san", texts()),
            ])),
        ),
        ("client_hello_seen", boolean()),
        ("server_hello_seen", boolean()),
        ("resumed", boolean()),
        ("weaknesses", texts()),
        ("ja3", text().or_null()),
        ("ja3s", text().or_null()),
        ("ja4", text().or_null()),
    ])
    .or_null()
}

/// The `flow` object of docs/json.md, key by key in the order `flows --json` writes
/// them. A unit test holds it to docs/eavesdrop.schema.json.
fn flow() -> Node {
    Node::obj(vec![
        ("type", text()),
        ("version", int()),
        ("file", text()),
        ("id", int()),
        ("transport", text()),
        ("client", endpoint()),
        ("server", endpoint()),
        ("first_frame", int()),
        ("last_frame", int()),
        ("start", text().or_null()),
        ("duration", Node::prim(Prim::Float)),
        ("end", text()),
        ("syn_seen", boolean()),
        ("stack", texts()),
        ("to_server", direction()),
        ("to_client", direction()),
        ("tls", tls()),
        (
            "decryption",
            Node::obj(vec![
                ("status", text()),
                ("says", texts()),
                ("endpoints_only", texts()),
                ("inner", texts()),
            ])
            .or_null(),
        ),
        (
            "protection",
            Node::obj(vec![
                ("protocol", text()),
                ("cipher", text().or_null()),
                ("mac", text().or_null()),
                ("readable", boolean()),
                ("weaknesses", texts()),
            ])
            .or_null(),
        ),
        ("details", Node::map()),
        (
            "leaks",
            Node::list(Node::obj(vec![
                ("kind", text()),
                ("value", text()),
                ("frame", int()),
                ("direction", text()),
            ])),
        ),
        ("leaks_dropped", int()),
        ("conversation", text().or_null()),
        (
            "messages",
            Node::list(Node::obj(vec![
                ("direction", text()),
                ("frame", int()),
                ("records", int()),
                (
                    "plaintext_len",
                    Node::obj(vec![("min", int()), ("max", int())]),
                ),
            ])),
        ),
        ("messages_dropped", int()),
        (
            "names",
            Node::list(Node::obj(vec![
                ("name", text()),
                ("source", text()),
                ("frame", int()),
            ])),
        ),
        ("notes", int()),
        ("verdict", text()),
    ])
}

/// The description of a flow row, and its Parquet schema.
#[derive(Debug)]
pub struct FlowSchema {
    pub root: Node,
    pub parquet: TypePtr,
    /// Per primitive column, in column order: its type and its maximum definition and
    /// repetition levels.
    columns: Vec<(Prim, i16, i16)>,
}

/// The flow row's description (built once).
pub fn flow_schema() -> io::Result<&'static FlowSchema> {
    static SCHEMA: OnceLock<Result<FlowSchema, String>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let root = flow();
            let Kind::Struct(fields) = &root.kind else {
                return Err("the flow is an object".into());
            };
            let mut children = Vec::with_capacity(fields.len());
            for f in fields {
                children.push(Arc::new(parquet_type(f.name, &f.node)?));
            }
            let parquet = Type::group_type_builder("flow")
                .with_fields(children)
                .build()
                .map_err(|e| e.to_string())?;
            let mut columns = Vec::new();
            leaf_levels(&root, 0, 0, &mut columns);
            Ok(FlowSchema {
                root,
                parquet: Arc::new(parquet),
                columns,
            })
        })
        .as_ref()
        .map_err(|e| io::Error::other(format!("the Parquet schema: {e}")))
}

fn repetition(nullable: bool) -> Repetition {
    if nullable {
        Repetition::OPTIONAL
    } else {
        Repetition::REQUIRED
    }
}

fn primitive(name: &str, p: Prim, rep: Repetition) -> Result<Type, String> {
    let (physical, logical) = match p {
        Prim::Bool => (Physical::BOOLEAN, None),
        Prim::Int => (Physical::INT64, None),
        Prim::Float => (Physical::DOUBLE, None),
        Prim::Str => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
    };
    Type::primitive_type_builder(name, physical)
        .with_repetition(rep)
        .with_logical_type(logical)
        .build()
        .map_err(|e| e.to_string())
}

/// A node as Parquet has it: lists in the three-level form of the specification
/// (`<list> (LIST) { repeated group list { element } }`), maps as
/// `<map> (MAP) { repeated group key_value { key; value } }`.
fn parquet_type(name: &str, node: &Node) -> Result<Type, String> {
    let rep = repetition(node.nullable);
    let group = |name: &str, logical: Option<LogicalType>, rep, fields: Vec<Type>| {
        Type::group_type_builder(name)
            .with_repetition(rep)
            .with_logical_type(logical)
            .with_fields(fields.into_iter().map(Arc::new).collect())
            .build()
            .map_err(|e| e.to_string())
    };
    match &node.kind {
        Kind::Prim(p) => primitive(name, *p, rep),
        Kind::Struct(fields) => {
            let children = fields
                .iter()
                .map(|f| parquet_type(f.name, &f.node))
                .collect::<Result<Vec<_>, _>>()?;
            group(name, None, rep, children)
        }
        Kind::List(item) => {
            let element = parquet_type("element", item)?;
            let list = group("list", None, Repetition::REPEATED, vec![element])?;
            group(name, Some(LogicalType::List), rep, vec![list])
        }
        Kind::Map => {
            let key = primitive("key", Prim::Str, Repetition::REQUIRED)?;
            let value = primitive("value", Prim::Str, Repetition::REQUIRED)?;
            let entries = group("key_value", None, Repetition::REPEATED, vec![key, value])?;
            group(name, Some(LogicalType::Map), rep, vec![entries])
        }
    }
}

/// The primitive columns under `node` in order, with their maximum levels.
fn leaf_levels(node: &Node, def: i16, rep: i16, out: &mut Vec<(Prim, i16, i16)>) {
    let def = def + i16::from(node.nullable);
    match &node.kind {
        Kind::Prim(p) => out.push((*p, def, rep)),
        Kind::Struct(fields) => {
            for f in fields {
                leaf_levels(&f.node, def, rep, out);
            }
        }
        Kind::List(item) => leaf_levels(item, def + 1, rep + 1, out),
        Kind::Map => {
            out.push((Prim::Str, def + 1, rep + 1));
            out.push((Prim::Str, def + 1, rep + 1));
        }
    }
}

#[derive(Debug)]
enum Values {
    Bool(Vec<bool>),
    Int(Vec<i64>),
    Float(Vec<f64>),
    Str(Vec<ByteArray>),
}

/// One primitive column of a batch: its values (nulls and empty lists have none) and
/// a definition and a repetition level per entry.
#[derive(Debug)]
struct Column {
    values: Values,
    def: Vec<i16>,
    rep: Vec<i16>,
}

impl Column {
    fn level(&mut self, def: i16, rep: i16) {
        self.def.push(def);
        self.rep.push(rep);
    }
}

/// Flow rows shredded into columns, waiting to be written as one row group.
#[derive(Debug)]
pub struct Batch {
    schema: &'static FlowSchema,
    columns: Vec<Column>,
    rows: usize,
}

/// Where a value does not fit the description.
fn mismatch(path: &str, want: &str, v: &Value) -> String {
    let got = match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    format!("{path}: {got} where the Parquet schema has {want}")
}

impl Batch {
    pub fn new() -> io::Result<Batch> {
        let schema = flow_schema()?;
        let columns = schema
            .columns
            .iter()
            .map(|(p, _, _)| Column {
                values: match p {
                    Prim::Bool => Values::Bool(Vec::new()),
                    Prim::Int => Values::Int(Vec::new()),
                    Prim::Float => Values::Float(Vec::new()),
                    Prim::Str => Values::Str(Vec::new()),
                },
                def: Vec::new(),
                rep: Vec::new(),
            })
            .collect();
        Ok(Batch {
            schema,
            columns,
            rows: 0,
        })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Adds `other`'s rows after these.
    pub fn append(&mut self, other: Batch) {
        for (c, o) in self.columns.iter_mut().zip(other.columns) {
            c.def.extend(o.def);
            c.rep.extend(o.rep);
            match (&mut c.values, o.values) {
                (Values::Bool(a), Values::Bool(b)) => a.extend(b),
                (Values::Int(a), Values::Int(b)) => a.extend(b),
                (Values::Float(a), Values::Float(b)) => a.extend(b),
                (Values::Str(a), Values::Str(b)) => a.extend(b),
                // Both batches come from the one schema.
                _ => {}
            }
        }
        self.rows += other.rows;
    }

    /// Adds a `flow` object as a row. On a key or a type the description lacks, the
    /// batch is left as it was and the error names the key.
    pub fn push(&mut self, flow: &Value) -> io::Result<()> {
        let marks: Vec<(usize, usize)> = self
            .columns
            .iter()
            .map(|c| (c.def.len(), values_len(&c.values)))
            .collect();
        match shred(&self.schema.root, flow, 0, 0, 0, &mut self.columns, "flow") {
            Ok(()) => {
                self.rows += 1;
                Ok(())
            }
            Err(e) => {
                for (c, (levels, values)) in self.columns.iter_mut().zip(marks) {
                    c.def.truncate(levels);
                    c.rep.truncate(levels);
                    match &mut c.values {
                        Values::Bool(v) => v.truncate(values),
                        Values::Int(v) => v.truncate(values),
                        Values::Float(v) => v.truncate(values),
                        Values::Str(v) => v.truncate(values),
                    }
                }
                Err(io::Error::other(e))
            }
        }
    }
}

fn values_len(v: &Values) -> usize {
    match v {
        Values::Bool(v) => v.len(),
        Values::Int(v) => v.len(),
        Values::Float(v) => v.len(),
        Values::Str(v) => v.len(),
    }
}

/// Dremel's shredding: `def` is the definition level the ancestors reached, `rep` the
/// repetition level of this value's first entry, `depth` the repeated ancestors.
fn shred(
    node: &Node,
    v: &Value,
    def: i16,
    rep: i16,
    depth: i16,
    cols: &mut [Column],
    path: &str,
) -> Result<(), String> {
    if v.is_null() {
        if !node.nullable {
            return Err(mismatch(path, "no null", v));
        }
        for c in cols.iter_mut() {
            c.level(def, rep);
        }
        return Ok(());
    }
    let def = def + i16::from(node.nullable);
    match &node.kind {
        Kind::Prim(p) => {
            let [c] = cols else {
                return Err(format!("{path}: one column expected"));
            };
            match (p, &mut c.values) {
                (Prim::Bool, Values::Bool(out)) => {
                    out.push(v.as_bool().ok_or_else(|| mismatch(path, "a boolean", v))?)
                }
                (Prim::Int, Values::Int(out)) => out.push(
                    v.as_i64()
                        .ok_or_else(|| mismatch(path, "an integer (INT64)", v))?,
                ),
                (Prim::Float, Values::Float(out)) => {
                    out.push(v.as_f64().ok_or_else(|| mismatch(path, "a number", v))?)
                }
                (Prim::Str, Values::Str(out)) => out.push(ByteArray::from(
                    v.as_str().ok_or_else(|| mismatch(path, "a string", v))?,
                )),
                _ => return Err(format!("{path}: column of another type")),
            }
            c.level(def, rep);
        }
        Kind::Struct(fields) => {
            let obj = v
                .as_object()
                .ok_or_else(|| mismatch(path, "an object", v))?;
            if let Some(k) = obj.keys().find(|k| !fields.iter().any(|f| f.name == *k)) {
                return Err(format!(
                    "{path}.{k}: a key the Parquet schema does not have"
                ));
            }
            let mut rest = cols;
            for f in fields {
                let (mine, next) = rest
                    .split_at_mut_checked(f.node.leaves)
                    .ok_or_else(|| format!("{path}.{}: columns missing", f.name))?;
                let child = obj.get(f.name).unwrap_or(&Value::Null);
                shred(
                    &f.node,
                    child,
                    def,
                    rep,
                    depth,
                    mine,
                    &format!("{path}.{}", f.name),
                )?;
                rest = next;
            }
        }
        Kind::List(item) => {
            let items = v.as_array().ok_or_else(|| mismatch(path, "an array", v))?;
            if items.is_empty() {
                for c in cols.iter_mut() {
                    c.level(def, rep);
                }
            }
            for (i, x) in items.iter().enumerate() {
                let r = if i == 0 { rep } else { depth + 1 };
                shred(item, x, def + 1, r, depth + 1, cols, path)?;
            }
        }
        Kind::Map => {
            let obj = v
                .as_object()
                .ok_or_else(|| mismatch(path, "an object", v))?;
            let [keys, values] = cols else {
                return Err(format!("{path}: two columns expected"));
            };
            if obj.is_empty() {
                keys.level(def, rep);
                values.level(def, rep);
            }
            for (i, (k, x)) in obj.iter().enumerate() {
                let r = if i == 0 { rep } else { depth + 1 };
                let x = x
                    .as_str()
                    .ok_or_else(|| mismatch(&format!("{path}.{k}"), "a string", x))?;
                match (&mut keys.values, &mut values.values) {
                    (Values::Str(ks), Values::Str(vs)) => {
                        ks.push(ByteArray::from(k.as_str()));
                        vs.push(ByteArray::from(x));
                    }
                    _ => return Err(format!("{path}: string columns expected")),
                }
                keys.level(def + 1, r);
                values.level(def + 1, r);
            }
        }
    }
    Ok(())
}

/// One Parquet file of flows. Batches gather into row groups of [`ROWS_PER_GROUP`]
/// rows (the captures of a run share them: a row group per small capture would be
/// mostly metadata).
pub struct ParquetWriter<W: Write + Send> {
    inner: SerializedFileWriter<W>,
    pending: Option<Batch>,
    rows: u64,
}

/// A Parquet error as an I/O error; the writer's own I/O errors keep their kind (a
/// closed pipe stays `BrokenPipe`).
fn pq(e: parquet::errors::ParquetError) -> io::Error {
    match e {
        parquet::errors::ParquetError::External(e) => match e.downcast::<io::Error>() {
            Ok(e) => *e,
            Err(e) => io::Error::other(e),
        },
        e => io::Error::other(e),
    }
}

impl<W: Write + Send> ParquetWriter<W> {
    pub fn new(out: W) -> io::Result<ParquetWriter<W>> {
        let schema = flow_schema()?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_key_value_metadata(Some(vec![
                KeyValue::new(
                    "eavesdrop.version".into(),
                    env!("CARGO_PKG_VERSION").to_string(),
                ),
                KeyValue::new(
                    "eavesdrop.json_version".into(),
                    super::json::VERSION.to_string(),
                ),
                KeyValue::new("eavesdrop.type".into(), "flow".to_string()),
            ]))
            .build();
        let inner =
            SerializedFileWriter::new(out, schema.parquet.clone(), Arc::new(props)).map_err(pq)?;
        Ok(ParquetWriter {
            inner,
            pending: None,
            rows: 0,
        })
    }

    /// Flows taken so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Takes a batch's rows, after those taken before; writes a row group once
    /// [`ROWS_PER_GROUP`] rows are waiting.
    pub fn push(&mut self, batch: Batch) -> io::Result<()> {
        self.rows += batch.rows as u64;
        let pending = match self.pending.take() {
            Some(mut p) => {
                p.append(batch);
                p
            }
            None => batch,
        };
        if pending.rows >= ROWS_PER_GROUP {
            self.write(&pending)
        } else {
            self.pending = Some(pending);
            Ok(())
        }
    }

    /// Writes the batch as one row group (nothing for an empty batch).
    fn write(&mut self, batch: &Batch) -> io::Result<()> {
        if batch.rows == 0 {
            return Ok(());
        }
        let mut group = self.inner.next_row_group().map_err(pq)?;
        for (c, (_, max_def, max_rep)) in batch.columns.iter().zip(&batch.schema.columns) {
            let def = (*max_def > 0).then_some(c.def.as_slice());
            let rep = (*max_rep > 0).then_some(c.rep.as_slice());
            let mut col = group
                .next_column()
                .map_err(pq)?
                .ok_or_else(|| io::Error::other("the Parquet schema has fewer columns"))?;
            match &c.values {
                Values::Bool(v) => col.typed::<BoolType>().write_batch(v, def, rep),
                Values::Int(v) => col.typed::<Int64Type>().write_batch(v, def, rep),
                Values::Float(v) => col.typed::<DoubleType>().write_batch(v, def, rep),
                Values::Str(v) => col.typed::<ByteArrayType>().write_batch(v, def, rep),
            }
            .map_err(pq)?;
            col.close().map_err(pq)?;
        }
        group.close().map_err(pq)?;
        Ok(())
    }

    /// Writes the rows waiting and the footer; gives back the output.
    pub fn finish(mut self) -> io::Result<W> {
        if let Some(p) = self.pending.take() {
            self.write(&p)?;
        }
        self.inner.into_inner().map_err(pq)
    }
}

/// A sink for one capture: each flow becomes a row of the batch; full batches (and the
/// last, at the end of the capture) go to `full` — a [`ParquetWriter`], or kept for
/// one when captures are read in parallel. Warnings go to `err`, with the capture's
/// name; frames are not read.
pub struct ParquetSink<E: Write, F: FnMut(Batch) -> io::Result<()>> {
    file: String,
    err: E,
    batch: Batch,
    full: F,
}

impl<E: Write, F: FnMut(Batch) -> io::Result<()>> ParquetSink<E, F> {
    pub fn new(file: &str, err: E, full: F) -> io::Result<ParquetSink<E, F>> {
        Ok(ParquetSink {
            file: file.to_string(),
            err,
            batch: Batch::new()?,
            full,
        })
    }

    fn hand_over(&mut self) -> io::Result<()> {
        if self.batch.rows == 0 {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.batch, Batch::new()?);
        (self.full)(batch)
    }
}

impl<E: Write, F: FnMut(Batch) -> io::Result<()>> Sink for ParquetSink<E, F> {
    fn frame(&mut self, _view: &FrameView<'_>) -> io::Result<()> {
        Ok(())
    }

    fn warning(&mut self, text: &str) -> io::Result<()> {
        writeln!(
            self.err,
            "eavesdrop: warning: {}: {}",
            super::escape(&self.file),
            super::escape(text)
        )
    }

    fn flow(&mut self, r: &FlowReport) -> io::Result<()> {
        self.batch.push(&flow_json(r, &self.file))?;
        if self.batch.rows >= ROWS_PER_GROUP {
            self.hand_over()?;
        }
        Ok(())
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        self.hand_over()?;
        self.err.flush()
    }
}

#[cfg(test)]
mod tests {
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
}
