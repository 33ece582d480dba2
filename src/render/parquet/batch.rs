//! Rows gathered into columns: a flow's JSON object shredded by the description
//! (definition and repetition levels), failing on what the description lacks.

use super::*;

#[derive(Debug)]
pub(super) enum Values {
    Bool(Vec<bool>),
    Int(Vec<i64>),
    Float(Vec<f64>),
    Str(Vec<ByteArray>),
}

/// One primitive column of a batch: its values (nulls and empty lists have none) and
/// a definition and a repetition level per entry.
#[derive(Debug)]
pub(super) struct Column {
    pub(super) values: Values,
    pub(super) def: Vec<i16>,
    pub(super) rep: Vec<i16>,
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
    pub(super) schema: &'static FlowSchema,
    pub(super) columns: Vec<Column>,
    pub(super) rows: usize,
}

/// Where a value does not fit the description.
pub(super) fn mismatch(path: &str, want: &str, v: &Value) -> String {
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

pub(super) fn values_len(v: &Values) -> usize {
    match v {
        Values::Bool(v) => v.len(),
        Values::Int(v) => v.len(),
        Values::Float(v) => v.len(),
        Values::Str(v) => v.len(),
    }
}

/// Dremel's shredding: `def` is the definition level the ancestors reached, `rep` the
/// repetition level of this value's first entry, `depth` the repeated ancestors.
pub(super) fn shred(
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
