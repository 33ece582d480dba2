//! The description of a flow object (its keys, types and nesting, held to the JSON
//! Schema) and the Parquet schema made from it.

use super::*;

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
    pub(super) leaves: usize,
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

pub(super) fn int() -> Node {
    Node::prim(Prim::Int)
}

pub(super) fn text() -> Node {
    Node::prim(Prim::Str)
}

pub(super) fn boolean() -> Node {
    Node::prim(Prim::Bool)
}

pub(super) fn texts() -> Node {
    Node::list(text())
}

pub(super) fn labels() -> Node {
    Node::obj(vec![
        ("leak", int()),
        ("header", int()),
        ("readable", int()),
        ("opaque", int()),
        ("undecoded", int()),
    ])
}

pub(super) fn endpoint() -> Node {
    Node::obj(vec![("ip", text()), ("port", int())])
}

pub(super) fn direction() -> Node {
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

pub(super) fn version_number() -> Node {
    Node::obj(vec![("id", int()), ("name", text())]).or_null()
}

pub(super) fn tls() -> Node {
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
pub(super) fn flow() -> Node {
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
    pub(super) columns: Vec<(Prim, i16, i16)>,
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

pub(super) fn repetition(nullable: bool) -> Repetition {
    if nullable {
        Repetition::OPTIONAL
    } else {
        Repetition::REQUIRED
    }
}

pub(super) fn primitive(name: &str, p: Prim, rep: Repetition) -> Result<Type, String> {
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
pub(super) fn parquet_type(name: &str, node: &Node) -> Result<Type, String> {
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
pub(super) fn leaf_levels(node: &Node, def: i16, rep: i16, out: &mut Vec<(Prim, i16, i16)>) {
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
