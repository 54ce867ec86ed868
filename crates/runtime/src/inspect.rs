//! Schema-less inspection of xlang payloads (like `protoc --decode_raw`).
//!
//! [`Inspector::inspect`] walks any payload pyfory or the `fory` crate writes without knowing its
//! schema and returns a tree of [`Node`]s, each with the byte range it covers: the header bitmap,
//! every ref/null flag, every type meta (type id, user id, inline meta strings or meta-share
//! marker) and TypeDef (with one node per field entry: tag id or name, type, nullable and ref
//! bits), and every value, down to scalars. A struct whose TypeDef travels with it (compatible
//! mode) is walked field by field from that TypeDef, whether or not its type is known here.
//!
//! A same-schema struct carries only a 4-byte schema hash, so its fields cannot be walked without
//! its schema: the walk then ends with an [`Role::Opaque`] node over the rest of the payload and
//! [`Outcome::Opaque`]. Given a schema ([`Inspector::with_schema`]), the inspector walks such
//! structs too, and names the types, fields, enum members and union cases it knows.
//!
//! Corrupt input gives the tree decoded so far and [`Outcome::Failed`] with a typed error that
//! says at which byte the walk stopped.
//!
//! ```
//! use foryjit::inspect::{self, Outcome, Role};
//! // pyfory `Point(x=1, y=2)` in compatible mode: header, flag, COMPATIBLE_STRUCT + new TypeDef #0,
//! // the 14-byte TypeDef, then the two VARINT32 fields.
//! let bytes = [0x01, 0xff, 0x1c, 0x00, 0x06, 0x10, 0xbf, 0xc4, 0xb3, 0x3c, 0x51, 0x33,
//!              0xc2, 0x67, 0xc4, 0x05, 0xc8, 0x05, 0x02, 0x04];
//! let tree = inspect::inspect(&bytes);
//! assert!(matches!(tree.outcome, Outcome::Complete));
//! let root = &tree.nodes[1];
//! assert_eq!(root.range, 1..20);
//! let fields: Vec<_> = root.children.iter().filter(|n| n.role == Role::Value).collect();
//! assert_eq!((fields[0].range.clone(), fields[0].text.as_str()), (18..19, "VARINT32 1"));
//! assert_eq!((fields[1].range.clone(), fields[1].text.as_str()), (19..20, "VARINT32 2"));
//! ```

use crate::stream::{Frames, StreamError};
use crate::{ForyJit, Mode};
use foryjit_interp::Catalog;
use foryjit_schema::registry::{Registry, ResolvedType};
use foryjit_schema::typedef::{
    self, DefKind, DefType, FieldKey, TypeDef, TypeDefLimits, TypeIdent,
};
use foryjit_schema::{ArrayElem, Registration};
use foryjit_wire::buffer::{bf16_from_bits, f16_from_bits};
use foryjit_wire::meta_string::{MetaContext, MetaStringReader};
use foryjit_wire::type_id::{self as tid, flag};
use foryjit_wire::{CodecError, CodecResult, Decimal, ErrorKind, Reader, TypeIdx};
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// Deepest nesting of values walked.
const MAX_DEPTH: usize = 64;
/// Container items that take no input bytes (elements of type NONE) allowed in one payload.
const MAX_UNBACKED_ITEMS: usize = 8192;
/// Characters of a string value shown in a node's text.
const SHOWN_CHARS: usize = 48;
/// Elements of a dense array shown in a node's text.
const SHOWN_ELEMENTS: usize = 8;

/// What the bytes of a [`Node`] are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Role {
    /// The header bitmap (first byte of a payload).
    Header,
    /// A value: the root, a struct field, a list element, a map key or value, a union case.
    Value,
    /// A ref/null flag byte (`fd` null, `fe id` reference, `ff` not null, `00` new tracked value).
    Flag,
    /// Type meta: type id, then a user id, inline meta strings or a meta-share marker.
    TypeMeta,
    /// A TypeDef (its children are the field entries).
    TypeDef,
    /// One field entry of a TypeDef.
    DefField,
    /// The 4-byte schema hash of a same-schema struct.
    Hash,
    /// Framing inside a value or type meta: a length or count with a collection's header byte,
    /// a map chunk's header and size, a union's case id, a meta-share marker, an inline meta
    /// string, a TypeDef's header or type identity.
    Framing,
    /// A map chunk (its children: the chunk header, key/value type meta, the entries).
    Chunk,
    /// A stream message (its children: the length prefix and the payload's nodes).
    Message,
    /// A stream message's length prefix.
    Prefix,
    /// Bytes the inspector cannot walk (see [`Outcome::Opaque`]).
    Opaque,
}

/// One node of an inspected payload: what it is, where it is and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// What the bytes are.
    pub role: Role,
    /// Where the node sits: `root`, `field 2 (name)`, `[3]`, `key #0`, `TypeDef #1`, ….
    pub label: String,
    /// What it holds: `VARINT32 5`, `COMPATIBLE_STRUCT golden.Point`, `null`, ….
    pub text: String,
    /// Byte range in the input (a stream's bytes for [`Inspector::inspect_stream`]).
    pub range: Range<usize>,
    /// Nodes inside it, in byte order; together they tile the node's range, except where a
    /// node's own bytes (a length, a flag) come first.
    pub children: Vec<Node>,
}

impl Node {
    fn new(role: Role, label: impl Into<String>, at: usize) -> Node {
        Node { role, label: label.into(), text: String::new(), range: at..at, children: Vec::new() }
    }

    /// Every node of the tree under this one (itself first), depth first.
    pub fn walk(&self) -> Vec<&Node> {
        let mut out = vec![self];
        for c in &self.children {
            out.extend(c.walk());
        }
        out
    }
}

/// Why the inspector stopped before the end of the input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum InspectError {
    /// The payload is corrupt (or uses something this inspector does not know) at `offset`.
    #[error("{kind} at byte {offset}")]
    Payload {
        /// What went wrong.
        kind: ErrorKind,
        /// Byte offset in the input where the walk stopped.
        offset: usize,
    },
    /// The stream's framing is broken (see [`StreamError`]).
    #[error(transparent)]
    Stream(#[from] StreamError),
}

impl InspectError {
    /// Byte offset in the input where the walk stopped (a message's length prefix for framing
    /// errors).
    pub fn offset(&self) -> usize {
        match self {
            InspectError::Payload { offset, .. } => *offset,
            InspectError::Stream(e) => e.offset() as usize,
        }
    }
}

/// How a walk ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Every byte was walked.
    Complete,
    /// A value that cannot be walked without its schema (a same-schema struct body, an ext
    /// type, a collection whose element type is declared elsewhere): the walk stopped cleanly
    /// at `offset`, the rest of the payload is one [`Role::Opaque`] node. In a stream, the
    /// following messages are still walked.
    Opaque {
        /// Where the unwalkable bytes start.
        offset: usize,
        /// Why they cannot be walked.
        reason: String,
    },
    /// Corrupt input: the tree holds what was decoded before the error.
    Failed(InspectError),
}

/// A walked payload or stream: the tree and how the walk ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Inspection {
    /// Top-level nodes: the header and the root value of a payload, or one [`Role::Message`]
    /// node per message of a stream.
    pub nodes: Vec<Node>,
    /// How the walk ended.
    pub outcome: Outcome,
}

impl Inspection {
    /// The tree as text, one node a line: offset, length, the node's bytes in hex (up to eight
    /// on the line; a long leaf continues on up to three lines offset `+8`, `+16`, … from its
    /// start), then the indented label and text. `input` is the inspected input (for the hex).
    pub fn display<'a>(&'a self, input: &'a [u8]) -> impl fmt::Display + 'a {
        TreeText { nodes: &self.nodes, input, title: true }
    }

    /// [`Inspection::display`] without the title line (for printing a stream message by
    /// message under one title).
    pub fn display_untitled<'a>(&'a self, input: &'a [u8]) -> impl fmt::Display + 'a {
        TreeText { nodes: &self.nodes, input, title: false }
    }
}

struct TreeText<'a> {
    nodes: &'a [Node],
    input: &'a [u8],
    title: bool,
}

/// Bytes of hex shown on a node's line.
const HEX_PER_LINE: usize = 8;
/// Continuation lines of hex under a leaf node.
const HEX_MORE_LINES: usize = 3;

fn hex_bytes(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}

impl TreeText<'_> {
    fn node(&self, f: &mut fmt::Formatter<'_>, n: &Node, depth: usize) -> fmt::Result {
        let bytes = self.input.get(n.range.clone()).unwrap_or_default();
        let mut hex = hex_bytes(&bytes[..bytes.len().min(HEX_PER_LINE)]);
        let leaf = n.children.is_empty();
        if bytes.len() > HEX_PER_LINE && !leaf {
            hex.push_str(" …");
        }
        let indent = "  ".repeat(depth);
        let text = if n.text.is_empty() { String::new() } else { format!(": {}", n.text) };
        writeln!(
            f,
            "{:>8} {:>6}  {:<26} {indent}{}{text}",
            n.range.start,
            n.range.len(),
            hex,
            n.label
        )?;
        if leaf && bytes.len() > HEX_PER_LINE {
            let rest = &bytes[HEX_PER_LINE..];
            for (i, chunk) in rest.chunks(HEX_PER_LINE).enumerate() {
                if i == HEX_MORE_LINES {
                    let left = rest.len() - i * HEX_PER_LINE;
                    let more = format!("+{}", (i + 1) * HEX_PER_LINE);
                    writeln!(f, "{more:>8} {:>6}  … {left} more bytes", "")?;
                    break;
                }
                let more = format!("+{}", (i + 1) * HEX_PER_LINE);
                writeln!(f, "{more:>8} {:>6}  {}", "", hex_bytes(chunk))?;
            }
        }
        for c in &n.children {
            self.node(f, c, depth + 1)?;
        }
        Ok(())
    }
}

impl fmt::Display for TreeText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.title {
            writeln!(f, "{:>8} {:>6}  {:<26} structure", "offset", "len", "bytes")?;
        }
        for n in self.nodes {
            self.node(f, n, 0)?;
        }
        Ok(())
    }
}

/// Walks payloads and streams; optionally with a schema and a fixed mode.
#[derive(Debug, Clone, Default)]
pub struct Inspector {
    catalog: Option<Arc<Catalog>>,
    mode: Option<Mode>,
    limits: TypeDefLimits,
}

/// Inspects one payload without a schema (mode detected from the bytes).
pub fn inspect(payload: &[u8]) -> Inspection {
    Inspector::new().inspect(payload)
}

impl Inspector {
    /// An inspector without a schema that detects the mode from the bytes.
    pub fn new() -> Self {
        Self::default()
    }

    /// An inspector that knows the types registered in `fory` (as they are now): it names the
    /// types, fields, enum members and union cases it finds, and walks same-schema structs.
    pub fn with_schema(fory: &ForyJit) -> Self {
        Inspector { catalog: Some(Arc::clone(&*fory.snapshot())), ..Self::default() }
    }

    /// Reads the bytes as written in `mode`, instead of detecting it. It matters only for the
    /// named kinds (NAMED_STRUCT, NAMED_ENUM, NAMED_UNION), whose type meta is inline meta
    /// strings in same-schema mode and a TypeDef in compatible mode.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// Walks one payload (header byte first).
    pub fn inspect(&self, payload: &[u8]) -> Inspection {
        let mut defs = Vec::new();
        let mut nodes = Vec::new();
        let outcome = self.payload(payload, 0, &mut defs, &mut nodes);
        Inspection { nodes, outcome }
    }

    /// Walks a length-delimited stream ([`crate::stream`]): one [`Role::Message`] node per
    /// message, offsets counted from the start of the stream. TypeDefs carry over from one
    /// message to the next, so streams written with shared TypeDefs are walked too. The walk
    /// ends at the first corrupt message or framing error; a message that cannot be walked to
    /// its end without a schema ([`Outcome::Opaque`]) ends in an [`Role::Opaque`] node and the
    /// walk goes on with the next one.
    ///
    /// The whole tree is kept: for large streams, walk message by message with
    /// [`Inspector::stream_messages`].
    pub fn inspect_stream(&self, data: &[u8]) -> Inspection {
        let mut nodes = Vec::new();
        for msg in self.stream_messages(data) {
            nodes.extend(msg.nodes);
            if let Outcome::Failed(e) = msg.outcome {
                return Inspection { nodes, outcome: Outcome::Failed(e) };
            }
        }
        Inspection { nodes, outcome: Outcome::Complete }
    }

    /// [`Inspector::inspect_stream`] one message at a time: each item holds one
    /// [`Role::Message`] node (none for a framing error) and that message's outcome; after a
    /// [`Outcome::Failed`] item the iterator ends.
    pub fn stream_messages<'i, 'a>(&'i self, data: &'a [u8]) -> StreamMessages<'i, 'a> {
        StreamMessages { inspector: self, frames: Frames::new(data), defs: Vec::new(), done: false }
    }

    fn payload(
        &self,
        payload: &[u8],
        base: usize,
        defs: &mut Vec<Arc<TypeDef>>,
        out: &mut Vec<Node>,
    ) -> Outcome {
        let mut w = Walk {
            r: Reader::new(payload),
            base,
            reg: self.catalog.as_deref().map(Catalog::registry),
            mode: self.mode,
            limits: self.limits,
            meta: MetaStringReader::new(),
            defs,
            next_ref: 0,
            depth: 0,
            unbacked: 0,
        };
        let mut top = Node::new(Role::Message, "", base);
        let res = w.root(&mut top);
        out.append(&mut top.children);
        match res {
            Ok(()) => Outcome::Complete,
            Err(Stop::Opaque(reason)) => {
                let at = w.r.pos();
                let mut n = Node::new(Role::Opaque, "opaque", base + at);
                n.range.end = base + payload.len();
                n.text = format!("{} bytes not walked: {reason}", payload.len() - at);
                out.push(n);
                Outcome::Opaque { offset: base + at, reason }
            }
            Err(Stop::Error(e)) => Outcome::Failed(InspectError::Payload {
                kind: e.kind,
                offset: base.saturating_add(e.offset),
            }),
        }
    }
}

/// The messages of a stream, walked one at a time: see [`Inspector::stream_messages`].
#[derive(Debug)]
pub struct StreamMessages<'i, 'a> {
    inspector: &'i Inspector,
    frames: Frames<'a>,
    defs: Vec<Arc<TypeDef>>,
    done: bool,
}

impl Iterator for StreamMessages<'_, '_> {
    type Item = Inspection;

    fn next(&mut self) -> Option<Inspection> {
        if self.done {
            return None;
        }
        let frame = match self.frames.next()? {
            Ok(f) => f,
            Err(e) => {
                self.done = true;
                return Some(Inspection { nodes: Vec::new(), outcome: Outcome::Failed(e.into()) });
            }
        };
        let offset = frame.offset as usize;
        let end = self.frames.position();
        let payload_at = end - frame.payload.len();
        let mut msg = Node::new(Role::Message, format!("message #{}", frame.index), offset);
        msg.range.end = end;
        msg.text = format!("{} bytes", frame.payload.len());
        let mut prefix = Node::new(Role::Prefix, "length", offset);
        prefix.range.end = payload_at;
        prefix.text = frame.payload.len().to_string();
        msg.children.push(prefix);
        let outcome =
            self.inspector.payload(frame.payload, payload_at, &mut self.defs, &mut msg.children);
        self.done = matches!(outcome, Outcome::Failed(_));
        Some(Inspection { nodes: vec![msg], outcome })
    }
}

/// Where a value of a declared type sits, which decides what precedes its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pos {
    /// Its type meta was just read.
    Announced,
    /// A struct field (compatible mode: structs carry type meta here).
    Field,
    /// A collection element or map key/value whose type the header declares: body only.
    Declared,
}

enum Stop {
    Error(Box<CodecError>),
    Opaque(String),
}

impl From<Box<CodecError>> for Stop {
    fn from(e: Box<CodecError>) -> Stop {
        Stop::Error(e)
    }
}

type Res<T = ()> = Result<T, Stop>;

/// A type as the bytes declare it elsewhere (a TypeDef field, a schema), not on the wire here.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Decl {
    id: u32,
    nullable: bool,
    tracking_ref: bool,
    args: Vec<Decl>,
    /// The registered type (with a schema), for user types.
    user: Option<TypeIdx>,
}

impl Decl {
    fn from_def(t: &DefType) -> Decl {
        Decl {
            id: t.id,
            nullable: t.nullable,
            tracking_ref: t.tracking_ref,
            args: t.args.iter().map(Decl::from_def).collect(),
            user: None,
        }
    }

    fn from_resolved(reg: &Registry, t: &ResolvedType, nullable: bool, tracking_ref: bool) -> Decl {
        let def = typedef::field_def_type(reg, t);
        let mut d = Decl { nullable, tracking_ref, ..Decl::from_def(&def) };
        match t {
            ResolvedType::Message(u) | ResolvedType::Enum(u) | ResolvedType::Union(u) => {
                d.user = Some(*u)
            }
            ResolvedType::List(e) | ResolvedType::Set(e) => {
                d.args = vec![Decl::from_resolved(reg, &e.ty, e.nullable, e.tracking_ref)]
            }
            ResolvedType::Map(k, v) => {
                d.args = vec![
                    Decl::from_resolved(reg, &k.ty, k.nullable, k.tracking_ref),
                    Decl::from_resolved(reg, &v.ty, v.nullable, v.tracking_ref),
                ]
            }
            _ => {}
        }
        d
    }

    /// Takes the registered user types of `local` (the reader's schema of the same field)
    /// where the two agree in shape.
    fn take_users(&mut self, local: &Decl) {
        let kind = |id: u32| match id {
            id if is_struct_kind(id) => tid::STRUCT,
            tid::NAMED_ENUM => tid::ENUM,
            tid::TYPED_UNION | tid::NAMED_UNION => tid::UNION,
            id => id,
        };
        if kind(self.id) != kind(local.id) {
            return;
        }
        self.user = local.user;
        if self.args.len() == local.args.len() {
            for (a, l) in self.args.iter_mut().zip(&local.args) {
                a.take_users(l);
            }
        }
    }

    fn text(&self) -> String {
        let mut s = type_label(self.id);
        if !self.args.is_empty() {
            let args: Vec<String> = self
                .args
                .iter()
                .map(|a| {
                    let mut t = a.text();
                    if a.nullable {
                        t.push_str(" nullable");
                    }
                    if a.tracking_ref {
                        t.push_str(" ref");
                    }
                    t
                })
                .collect();
            s = format!("{s}<{}>", args.join(", "));
        }
        s
    }
}

/// A struct's fields, as far as they are known.
#[derive(Debug, Clone)]
enum Fields {
    /// From a TypeDef (compatible mode); the registered type of that name, if any.
    Def(Arc<TypeDef>, Option<TypeIdx>),
    /// From the schema: the registered struct, and whether a schema hash comes first.
    Local(TypeIdx, bool),
    /// Not known: why.
    Unknown(String),
}

/// A type as type meta announces it.
#[derive(Debug, Clone)]
enum Wire {
    Builtin(u32),
    Struct(Fields),
    Enum(Option<TypeIdx>),
    Union(Option<TypeIdx>),
    Ext,
}

struct Walk<'a, 'r, 'd> {
    r: Reader<'a>,
    base: usize,
    reg: Option<&'r Registry>,
    mode: Option<Mode>,
    limits: TypeDefLimits,
    meta: MetaStringReader,
    defs: &'d mut Vec<Arc<TypeDef>>,
    next_ref: u32,
    depth: usize,
    unbacked: usize,
}

/// The name of an xlang type id (`VARINT32`, `COMPATIBLE_STRUCT`, …), `None` past the table.
pub fn type_name(id: u32) -> Option<&'static str> {
    #[rustfmt::skip]
    const NAMES: [&str; 57] = [
        "UNKNOWN", "BOOL", "INT8", "INT16", "INT32", "VARINT32",
        "INT64", "VARINT64", "TAGGED_INT64", "UINT8", "UINT16", "UINT32",
        "VAR_UINT32", "UINT64", "VAR_UINT64", "TAGGED_UINT64", "FLOAT8", "FLOAT16",
        "BFLOAT16", "FLOAT32", "FLOAT64", "STRING", "LIST", "SET",
        "MAP", "ENUM", "NAMED_ENUM", "STRUCT", "COMPATIBLE_STRUCT", "NAMED_STRUCT",
        "NAMED_COMPATIBLE_STRUCT", "EXT", "NAMED_EXT", "UNION", "TYPED_UNION", "NAMED_UNION",
        "NONE", "DURATION", "TIMESTAMP", "DATE", "DECIMAL", "BINARY",
        "ARRAY", "BOOL_ARRAY", "INT8_ARRAY", "INT16_ARRAY", "INT32_ARRAY", "INT64_ARRAY",
        "UINT8_ARRAY", "UINT16_ARRAY", "UINT32_ARRAY", "UINT64_ARRAY", "FLOAT8_ARRAY", "FLOAT16_ARRAY",
        "BFLOAT16_ARRAY", "FLOAT32_ARRAY", "FLOAT64_ARRAY",
    ];
    NAMES.get(usize::try_from(id).ok()?).copied()
}

fn type_label(id: u32) -> String {
    match type_name(id) {
        Some(n) => n.to_owned(),
        None => format!("type {id}"),
    }
}

fn is_struct_kind(id: u32) -> bool {
    matches!(
        id,
        tid::STRUCT | tid::COMPATIBLE_STRUCT | tid::NAMED_STRUCT | tid::NAMED_COMPATIBLE_STRUCT
    )
}

fn ident_text(ident: &TypeIdent) -> String {
    match ident {
        TypeIdent::Id(id) => format!("id {id}"),
        TypeIdent::Named { namespace, name } if namespace.is_empty() => name.clone(),
        TypeIdent::Named { namespace, name } => format!("{namespace}.{name}"),
    }
}

fn def_field_text(f: &typedef::DefField) -> String {
    let mut s = match &f.key {
        FieldKey::Tag(t) => format!("tag {t}: "),
        FieldKey::Name(n) => format!("{n:?}: "),
    };
    s.push_str(&Decl::from_def(&f.ty).text());
    if f.nullable {
        s.push_str(", nullable");
    }
    if f.tracking_ref {
        s.push_str(", ref");
    }
    s
}

/// Days since 1970-01-01 as a proleptic Gregorian `YYYY-MM-DD`.
fn civil(days: i64) -> String {
    // Beyond ±3 billion years: no calendar date (and no overflow below).
    if days.unsigned_abs() > 1 << 40 {
        return format!("{days} days from 1970-01-01");
    }
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

impl<'a> Walk<'a, '_, '_> {
    fn pos(&self) -> usize {
        self.base + self.r.pos()
    }

    fn error(&self, kind: ErrorKind) -> Stop {
        Stop::Error(CodecError::new(kind, self.r.pos()))
    }

    fn name_of(&self, ty: Option<TypeIdx>) -> Option<String> {
        Some(self.reg?.get(ty?)?.full_name().to_owned())
    }

    /// Runs `f` on a new child node of `parent` that starts here and ends where `f` stops
    /// (also when it fails: the partial node stays in the tree).
    fn child(
        &mut self,
        parent: &mut Node,
        role: Role,
        label: impl Into<String>,
        f: impl FnOnce(&mut Self, &mut Node) -> Res,
    ) -> Res {
        let mut n = Node::new(role, label, self.pos());
        let res = f(self, &mut n);
        n.range.end = self.pos().max(n.range.start);
        if matches!(res, Err(Stop::Error(_))) {
            n.text.push_str(if n.text.is_empty() { "(incomplete)" } else { " (incomplete)" });
        }
        parent.children.push(n);
        res
    }

    /// A leaf child whose text `f` reads.
    fn leaf(
        &mut self,
        parent: &mut Node,
        role: Role,
        label: impl Into<String>,
        f: impl FnOnce(&mut Reader<'a>) -> CodecResult<String>,
    ) -> Res {
        self.child(parent, role, label, |w, n| {
            n.text = f(&mut w.r)?;
            Ok(())
        })
    }

    fn enter(&mut self) -> Res {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(ErrorKind::DepthLimit(MAX_DEPTH as u32)));
        }
        Ok(())
    }

    fn root(&mut self, top: &mut Node) -> Res {
        let mut bits = 0u8;
        self.leaf(top, Role::Header, "header", |r| {
            bits = r.u8()?;
            let mut parts = Vec::new();
            if bits & tid::HEADER_XLANG != 0 {
                parts.push("xlang");
            }
            if bits & tid::HEADER_OOB != 0 {
                parts.push("out-of-band buffers");
            }
            Ok(format!("0x{bits:02x} {}", parts.join(", ")).trim_end().to_owned())
        })?;
        if bits & !(tid::HEADER_XLANG | tid::HEADER_OOB) != 0 || bits & tid::HEADER_XLANG == 0 {
            return Err(Stop::Error(CodecError::new(ErrorKind::InvalidHeader(bits), 0)));
        }
        if bits & tid::HEADER_OOB != 0 {
            return Err(Stop::Opaque("out-of-band buffers are not walked".into()));
        }
        self.child(top, Role::Value, "root", |w, n| w.flagged_dynamic(n))?;
        if self.r.remaining() != 0 {
            return Err(self.error(ErrorKind::TrailingBytes(self.r.remaining())));
        }
        Ok(())
    }

    /// A ref/null flag; `true` when a value body follows.
    fn flag(&mut self, node: &mut Node) -> Res<bool> {
        let mut body = false;
        let mut null = false;
        let mut tracked = false;
        let next = self.next_ref;
        self.leaf(node, Role::Flag, "flag", |r| {
            let at = r.pos();
            Ok(match r.u8()? {
                flag::NULL => {
                    null = true;
                    "null".into()
                }
                flag::NOT_NULL => {
                    body = true;
                    "not null".into()
                }
                flag::REF_VALUE => {
                    body = true;
                    tracked = true;
                    format!("new tracked value, ref id {next}")
                }
                flag::REF => format!("reference to ref id {}", r.varu32()?),
                f => return Err(CodecError::new(ErrorKind::InvalidRefFlag(f), at)),
            })
        })?;
        if tracked {
            self.next_ref += 1;
        }
        if !body {
            let flag_text = node.children.last().map(|c| c.text.clone()).unwrap_or_default();
            node.text = if null { "null".into() } else { flag_text };
        }
        Ok(body)
    }

    /// Flag, then type meta and body.
    fn flagged_dynamic(&mut self, node: &mut Node) -> Res {
        if self.flag(node)? {
            self.dynamic(node)?;
        }
        Ok(())
    }

    /// Type meta, then body.
    fn dynamic(&mut self, node: &mut Node) -> Res {
        let wire = self.type_meta(node)?;
        self.wire_body(node, &wire)
    }

    fn type_meta(&mut self, node: &mut Node) -> Res<Wire> {
        let mut wire = Wire::Builtin(0);
        self.child(node, Role::TypeMeta, "type", |w, n| {
            wire = w.type_meta_in(n)?;
            Ok(())
        })?;
        let meta_text = node.children.last().map(|n| n.text.clone()).unwrap_or_default();
        node.text = meta_text;
        Ok(wire)
    }

    fn type_meta_in(&mut self, n: &mut Node) -> Res<Wire> {
        let at = self.r.pos();
        let id = self.r.varu32()?;
        let kind = type_label(id);
        let reg = self.reg;
        Ok(match id {
            tid::STRUCT | tid::ENUM | tid::TYPED_UNION | tid::EXT => {
                let user = self.r.varu32()?;
                let local = match id {
                    tid::TYPED_UNION => reg.and_then(|r| r.by_union_id(user)),
                    tid::EXT => None,
                    _ => reg.and_then(|r| r.by_user_id(id == tid::ENUM, user)),
                };
                n.text = match self.name_of(local) {
                    Some(name) => format!("{kind} id {user} ({name})"),
                    None => format!("{kind} id {user}"),
                };
                match id {
                    tid::ENUM => Wire::Enum(local),
                    tid::TYPED_UNION => Wire::Union(local),
                    tid::EXT => Wire::Ext,
                    _ => Wire::Struct(self.local_fields(local, true)),
                }
            }
            tid::COMPATIBLE_STRUCT | tid::NAMED_COMPATIBLE_STRUCT => {
                let (def, local) = self.shared_typedef(n)?;
                n.text = format!("{kind} {}", self.def_name(&def, local));
                Wire::Struct(Fields::Def(def, local))
            }
            tid::NAMED_STRUCT | tid::NAMED_ENUM | tid::NAMED_UNION | tid::NAMED_EXT => {
                if self.typedef_follows() {
                    let (def, local) = self.shared_typedef(n)?;
                    n.text = format!("{kind} {}", self.def_name(&def, local));
                    match id {
                        tid::NAMED_STRUCT => Wire::Struct(Fields::Def(def, local)),
                        tid::NAMED_ENUM => Wire::Enum(local),
                        tid::NAMED_UNION => Wire::Union(local),
                        _ => Wire::Ext,
                    }
                } else {
                    self.mode.get_or_insert(Mode::Consistent);
                    let ns = self.meta_string(n, "namespace", MetaContext::Namespace)?;
                    let name = self.meta_string(n, "type name", MetaContext::TypeName)?;
                    let local = reg.and_then(|r| r.by_namespace_name(&ns, &name));
                    n.text = format!("{kind} {ns}.{name} (inline meta strings)");
                    match id {
                        tid::NAMED_STRUCT => Wire::Struct(self.local_fields(local, true)),
                        tid::NAMED_ENUM => Wire::Enum(local),
                        tid::NAMED_UNION => Wire::Union(local),
                        _ => Wire::Ext,
                    }
                }
            }
            id if id <= tid::FLOAT64_ARRAY
                && !matches!(
                    id,
                    tid::UNKNOWN | tid::FLOAT8 | tid::FLOAT8_ARRAY | tid::ARRAY | tid::UNION
                ) =>
            {
                n.text = kind;
                Wire::Builtin(id)
            }
            id => return Err(Stop::Error(CodecError::new(ErrorKind::UnknownTypeId(id), at))),
        })
    }

    /// One inline (deduplicated) meta string, as a child node of the type meta `n`.
    fn meta_string(&mut self, n: &mut Node, label: &str, ctx: MetaContext) -> Res<Arc<str>> {
        let at = self.pos();
        let repeat = self.r.clone().varu32().is_ok_and(|h| h & 1 == 1);
        let text = self.meta.read(&mut self.r, ctx)?;
        let mut m = Node::new(Role::Framing, label, at);
        m.range.end = self.pos();
        m.text = format!("{text:?}{}", if repeat { " (a repeat)" } else { "" });
        n.children.push(m);
        Ok(text)
    }

    fn local_fields(&self, local: Option<TypeIdx>, hash: bool) -> Fields {
        match (local, self.reg) {
            (Some(t), Some(reg)) if reg.message(t).is_some() => Fields::Local(t, hash),
            _ => Fields::Unknown(
                "a struct written without a TypeDef (same-schema mode, or `evolving=false`) \
                 carries no field descriptions: its body cannot be walked without its schema \
                 (give it with --idl)"
                    .into(),
            ),
        }
    }

    fn def_name(&self, def: &TypeDef, local: Option<TypeIdx>) -> String {
        let ident = ident_text(&def.ident);
        match self.name_of(local) {
            Some(name) if !matches!(def.ident, TypeIdent::Named { .. }) => {
                format!("{ident} ({name})")
            }
            _ => ident,
        }
    }

    /// Whether a named kind's type meta is a meta-share marker + TypeDef (compatible mode)
    /// rather than inline meta strings (same-schema mode).
    fn typedef_follows(&self) -> bool {
        match self.mode {
            Some(Mode::Compatible) => true,
            Some(Mode::Consistent) => false,
            None => {
                // A new TypeDef: an even marker with the next index, then a frame whose header
                // hash matches its body; 52 bits of hash make a false match implausible.
                let mut p = self.r.clone();
                let Ok(marker) = p.varu32() else { return false };
                if marker & 1 == 1 {
                    return (marker >> 1) < self.defs.len() as u32 && !self.defs.is_empty();
                }
                match typedef::read_frame(&mut p, &self.limits) {
                    Ok((header, body)) => typedef::header_matches(header, body),
                    Err(_) => false,
                }
            }
        }
    }

    /// The meta-share marker and, the first time, the TypeDef (as a child node).
    fn shared_typedef(&mut self, n: &mut Node) -> Res<(Arc<TypeDef>, Option<TypeIdx>)> {
        self.mode.get_or_insert(Mode::Compatible);
        let at = self.r.pos();
        let marker = self.r.varu32()?;
        let index = marker >> 1;
        let def = if marker & 1 == 1 {
            let def = self.defs.get(index as usize).cloned();
            def.ok_or_else(|| Stop::Error(CodecError::new(ErrorKind::BadMetaShareRef(index), at)))?
        } else {
            // A later message of a stream that does not share TypeDefs starts again at 0.
            if index as usize > self.defs.len() {
                return Err(Stop::Error(CodecError::new(ErrorKind::BadMetaShareRef(index), at)));
            }
            self.defs.truncate(index as usize);
            let def = self.typedef(n, index)?;
            self.defs.push(def.clone());
            def
        };
        let local = self.reg.and_then(|reg| match &def.ident {
            TypeIdent::Id(id) => match def.kind {
                DefKind::Struct { .. } => reg.by_user_id(false, *id),
                DefKind::Other(0) => reg.by_user_id(true, *id),
                DefKind::Other(_) => reg.by_union_id(*id),
            },
            TypeIdent::Named { namespace, name } => reg.by_namespace_name(namespace, name),
        });
        let what = if marker & 1 == 1 { "earlier" } else { "new" };
        n.children.insert(0, {
            let mut m = Node::new(Role::Framing, "meta-share marker", self.base + at);
            m.range.end = m.range.start + varu32_len(marker);
            m.text = format!("{what} TypeDef #{index}");
            m
        });
        Ok((def, local))
    }

    fn typedef(&mut self, parent: &mut Node, index: u32) -> Res<Arc<TypeDef>> {
        let mut out = None;
        self.child(parent, Role::TypeDef, format!("TypeDef #{index}"), |w, n| {
            let frame_at = w.r.pos();
            let (header, body) = typedef::read_frame(&mut w.r, &w.limits)?;
            let body_at = w.r.pos() - body.len();
            let frame = w.r.data().get(frame_at..w.r.pos()).unwrap_or_default();
            if !typedef::header_matches(header, body) {
                return Err(Stop::Error(CodecError::new(ErrorKind::InvalidTypeDef, frame_at)));
            }
            let (def, spans) =
                TypeDef::parse_body_spanned(header, frame, body, body_at, &w.limits)?;
            let kind = match def.kind {
                DefKind::Struct { compatible: true } => "struct (compatible)".to_owned(),
                DefKind::Struct { compatible: false } => "struct".to_owned(),
                DefKind::Other(k) => {
                    ["enum", "named enum", "ext", "named ext", "union", "named union"]
                        .get(usize::from(k))
                        .map_or_else(|| format!("kind {k}"), |s| (*s).to_owned())
                }
            };
            n.text = format!(
                "{kind} {}, {} field(s), {} body bytes, hash 0x{:013x}",
                ident_text(&def.ident),
                def.fields.len(),
                body.len(),
                header >> 12
            );
            let mut h = Node::new(Role::Framing, "TypeDef header", w.base + frame_at);
            h.range.end = w.base + body_at;
            h.text = format!("size {}, hash", body.len());
            n.children.push(h);
            let fields_at = spans.first().map_or(body_at + body.len(), |s| s.start);
            let mut id = Node::new(Role::Framing, "type identity", w.base + body_at);
            id.range.end = w.base + fields_at;
            id.text = ident_text(&def.ident);
            n.children.push(id);
            for (f, span) in def.fields.iter().zip(&spans) {
                let mut fnode = Node::new(Role::DefField, "field", w.base + span.start);
                fnode.range.end = w.base + span.end;
                fnode.text = def_field_text(f);
                n.children.push(fnode);
            }
            out = Some(Arc::new(def));
            Ok(())
        })?;
        out.ok_or_else(|| self.error(ErrorKind::InvalidTypeDef))
    }

    fn wire_body(&mut self, node: &mut Node, wire: &Wire) -> Res {
        match wire {
            Wire::Builtin(id) => {
                let decl = Decl {
                    id: *id,
                    nullable: false,
                    tracking_ref: false,
                    args: vec![],
                    user: None,
                };
                self.body(node, &decl, Pos::Announced)
            }
            Wire::Struct(fields) => self.struct_body(node, fields),
            Wire::Enum(local) => self.enum_body(node, *local),
            Wire::Union(local) => self.union_body(node, *local),
            Wire::Ext => Err(Stop::Opaque("an ext type's body has no generic layout".into())),
        }
    }

    fn enum_body(&mut self, node: &mut Node, local: Option<TypeIdx>) -> Res {
        let v = self.r.varu32()?;
        let member = self
            .reg
            .zip(local)
            .and_then(|(r, t)| r.enumeration(t))
            .and_then(|e| e.member_by_value(v).map(|m| format!("{}.{}", e.full_name, m.name)));
        let value = match member {
            Some(m) => format!("{v} ({m})"),
            None => v.to_string(),
        };
        node.text = if node.children.iter().any(|c| c.role == Role::TypeMeta) {
            format!("{} = {value}", node.text)
        } else {
            format!("ENUM {value}")
        };
        Ok(())
    }

    fn union_body(&mut self, node: &mut Node, local: Option<TypeIdx>) -> Res {
        self.enter()?;
        let info = self.reg.zip(local).and_then(|(r, t)| r.union(t));
        let mut case = 0;
        self.leaf(node, Role::Framing, "case id", |r| {
            case = r.varu32()?;
            Ok(case.to_string())
        })?;
        let decl = info.and_then(|u| u.case_by_id(case)).map(|c| (c.name.clone(), c.ty.clone()));
        let label = match &decl {
            Some((name, _)) => format!("case {case} ({name})"),
            None => format!("case {case}"),
        };
        let reg = self.reg;
        let elem = decl.zip(reg).map(|((_, ty), reg)| Decl::from_resolved(reg, &ty, false, false));
        if !node.text.is_empty() {
            node.text.push_str(", ");
        }
        node.text.push_str(&label);
        self.child(node, Role::Value, label, |w, n| {
            if w.flag(n)? {
                let wire = w.type_meta(n)?;
                match (&wire, &elem) {
                    (Wire::Builtin(tid::LIST | tid::SET | tid::MAP), Some(d)) => {
                        w.body(n, d, Pos::Announced)?
                    }
                    _ => w.wire_body(n, &wire)?,
                }
            }
            Ok(())
        })?;
        self.depth -= 1;
        Ok(())
    }

    fn struct_body(&mut self, node: &mut Node, fields: &Fields) -> Res {
        self.enter()?;
        match fields {
            Fields::Unknown(why) => return Err(Stop::Opaque(why.clone())),
            Fields::Def(def, local) => {
                if !matches!(def.kind, DefKind::Struct { .. }) {
                    return Err(self.error(ErrorKind::InvalidTypeDef));
                }
                let reg = self.reg;
                let msg = reg.zip(*local).and_then(|(r, t)| r.message(t));
                for f in &def.fields {
                    let mut decl = Decl {
                        nullable: f.nullable,
                        tracking_ref: f.tracking_ref,
                        ..Decl::from_def(&f.ty)
                    };
                    let known = msg.and_then(|m| {
                        m.fields.iter().find(|lf| match &f.key {
                            FieldKey::Tag(t) => lf.tag == Some(*t),
                            FieldKey::Name(n) => lf.snake_name == foryjit_schema::snake_case(n),
                        })
                    });
                    let label = match (&f.key, known) {
                        (FieldKey::Tag(t), Some(lf)) => format!("field {t} ({})", lf.name),
                        (FieldKey::Tag(t), None) => format!("field {t}"),
                        (FieldKey::Name(n), _) => format!("field {n}"),
                    };
                    if let Some((lf, reg)) = known.zip(reg) {
                        decl.take_users(&Decl::from_resolved(reg, &lf.ty, false, false));
                    }
                    self.child(node, Role::Value, label, |w, n| w.field(n, &decl))?;
                }
            }
            Fields::Local(t, hash) => {
                let Some(msg) = self.reg.and_then(|r| r.message(*t)) else {
                    return Err(Stop::Opaque("unknown struct".into()));
                };
                // STRUCT in compatible mode is an `evolving=false` struct: no hash. Detecting the
                // mode, a hash equal to the schema's or an evolving struct says same-schema.
                let hashed = *hash
                    && match self.mode {
                        Some(Mode::Compatible) => false,
                        Some(Mode::Consistent) => true,
                        None => {
                            let mut p = self.r.clone();
                            msg.evolving || p.u32().is_ok_and(|h| h == msg.hash)
                        }
                    };
                if hashed {
                    let want = msg.hash;
                    let mut found = 0;
                    self.leaf(node, Role::Hash, "schema hash", |r| {
                        found = r.u32()?;
                        Ok(format!(
                            "0x{found:08x} ({})",
                            if found == want {
                                "matches the schema"
                            } else {
                                "does NOT match the schema"
                            }
                        ))
                    })?;
                    if found != want {
                        return Err(Stop::Opaque(format!(
                            "the schema hash 0x{found:08x} is not {}'s 0x{want:08x}",
                            msg.full_name
                        )));
                    }
                }
                let reg = self.reg;
                for &ord in &msg.wire_order {
                    let Some(f) = msg.fields.get(ord) else { continue };
                    let Some(reg) = reg else { break };
                    let decl = Decl::from_resolved(reg, &f.ty, f.nullable, f.tracking_ref);
                    let label = match f.tag {
                        Some(t) => format!("field {t} ({})", f.name),
                        None => format!("field {}", f.name),
                    };
                    self.child(node, Role::Value, label, |w, n| w.field(n, &decl))?;
                }
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// A struct field as declared: flag when nullable or tracked (not for unions), then body.
    fn field(&mut self, n: &mut Node, d: &Decl) -> Res {
        let flagged = d.id != tid::UNION && (d.nullable || d.tracking_ref || d.id == tid::UNKNOWN);
        if flagged && !self.flag(n)? {
            return Ok(());
        }
        self.body(n, d, Pos::Field)
    }

    /// The body of a value of declared type `d` (no type meta on the wire for it, except for
    /// `any` and — compatible mode — structs).
    fn body(&mut self, n: &mut Node, d: &Decl, pos: Pos) -> Res {
        let id = d.id;
        let at = self.r.pos();
        let r = &mut self.r;
        let text: String = match id {
            tid::UNKNOWN => return self.dynamic(n),
            tid::BOOL => match r.u8()? {
                0 => "false".into(),
                1 => "true".into(),
                b => format!("bool 0x{b:02x}"),
            },
            tid::INT8 => (r.u8()? as i8).to_string(),
            tid::INT16 => (r.u16()? as i16).to_string(),
            tid::INT32 => (r.u32()? as i32).to_string(),
            tid::VARINT32 => r.vari32()?.to_string(),
            tid::INT64 => (r.u64()? as i64).to_string(),
            tid::VARINT64 => r.vari64()?.to_string(),
            tid::TAGGED_INT64 => r.tagged_i64()?.to_string(),
            tid::UINT8 => r.u8()?.to_string(),
            tid::UINT16 => r.u16()?.to_string(),
            tid::UINT32 => r.u32()?.to_string(),
            tid::VAR_UINT32 => r.varu32()?.to_string(),
            tid::UINT64 => r.u64()?.to_string(),
            tid::VAR_UINT64 => r.varu64()?.to_string(),
            tid::TAGGED_UINT64 => r.tagged_u64()?.to_string(),
            tid::FLOAT16 => f16_from_bits(r.u16()?).to_string(),
            tid::BFLOAT16 => bf16_from_bits(r.u16()?).to_string(),
            tid::FLOAT32 => f32::from_bits(r.u32()?).to_string(),
            tid::FLOAT64 => f64::from_bits(r.u64()?).to_string(),
            tid::STRING => {
                let mut p = r.clone();
                let enc = match p.varu64()? & 3 {
                    0 => "latin1",
                    1 => "utf16",
                    _ => "utf8",
                };
                let s = r.string(usize::MAX)?;
                let n_chars = s.chars().count();
                let shown: String = s.chars().take(SHOWN_CHARS).collect();
                let more = if n_chars > SHOWN_CHARS { "…" } else { "" };
                format!("{shown:?}{more} ({enc}, {n_chars} chars)")
            }
            tid::BINARY => {
                let len = r.length(usize::MAX, 1)?;
                let b = r.bytes(len)?;
                format!(
                    "{len} bytes{}",
                    if len > 0 && len <= 16 { format!(" {}", hex_bytes(b)) } else { String::new() }
                )
            }
            tid::DATE => civil(r.vari64()?),
            tid::TIMESTAMP => {
                let secs = r.u64()? as i64;
                let nanos = r.u32()?;
                let (days, s) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
                format!(
                    "{}T{:02}:{:02}:{:02}.{nanos:09}Z",
                    civil(days),
                    s / 3600,
                    s / 60 % 60,
                    s % 60
                )
            }
            tid::DURATION => {
                let secs = r.vari64()?;
                let nanos = r.u32()? as i32;
                format!("{secs} s + {nanos} ns")
            }
            tid::DECIMAL => Decimal::read(r)?.to_string(),
            tid::NONE => "none".into(),
            tid::LIST | tid::SET => return self.collection(n, d.args.first(), id),
            tid::MAP => return self.map(n, d.args.first(), d.args.get(1)),
            tid::ENUM | tid::NAMED_ENUM => return self.enum_body(n, d.user),
            tid::UNION | tid::TYPED_UNION | tid::NAMED_UNION => return self.union_body(n, d.user),
            id if is_struct_kind(id) => {
                // Compatible mode writes type meta before every struct field and element;
                // same-schema mode only before named structs (pyfory) — an id-registered one is
                // its hash and fields.
                if pos == Pos::Announced {
                    return Err(self.error(ErrorKind::UnknownTypeId(id)));
                }
                // A declared map value (or element) of struct type is its body alone.
                if pos == Pos::Declared {
                    if d.user.is_none() {
                        return Err(Stop::Opaque(
                            "a struct declared by a schema, without type meta or TypeDef".into(),
                        ));
                    }
                    let fields = self.local_fields(d.user, true);
                    n.text = format!("struct {}", self.name_of(d.user).unwrap_or_default());
                    return self.struct_body(n, &fields);
                }
                let meta = match self.reg.zip(d.user).and_then(|(r, t)| r.message(t)) {
                    Some(m) => matches!(m.registration, Registration::Named { .. }),
                    None => true,
                };
                if self.mode == Some(Mode::Compatible) || meta {
                    return self.dynamic(n);
                }
                let fields = self.local_fields(d.user, true);
                let name = self.name_of(d.user).unwrap_or_default();
                n.text = format!("struct {name}");
                return self.struct_body(n, &fields);
            }
            tid::EXT | tid::NAMED_EXT => {
                return Err(Stop::Opaque("an ext type's body has no generic layout".into()))
            }
            id => match ArrayElem::from_type_id(id) {
                Some(e) => {
                    let width = e.width() as usize;
                    let len_at = r.pos();
                    let len = r.length(usize::MAX, 1)?;
                    if len % width != 0 {
                        return Err(Stop::Error(CodecError::new(
                            ErrorKind::BadArrayLength { len: len as u32, width: width as u32 },
                            len_at,
                        )));
                    }
                    let b = r.bytes(len)?;
                    let shown: Vec<String> = b
                        .chunks(width)
                        .take(SHOWN_ELEMENTS)
                        .map(|c| array_elem_text(id, c))
                        .collect();
                    let more = if len / width > SHOWN_ELEMENTS { ", …" } else { "" };
                    format!("{} elements [{}{more}]", len / width, shown.join(", "))
                }
                None => return Err(Stop::Error(CodecError::new(ErrorKind::UnknownTypeId(id), at))),
            },
        };
        n.text = format!("{} {text}", type_label(id));
        Ok(())
    }

    fn count_unbacked(&mut self, from: usize) -> Res {
        if self.r.pos() == from {
            self.unbacked += 1;
            if self.unbacked > MAX_UNBACKED_ITEMS {
                return Err(self.error(ErrorKind::UnbackedItems(MAX_UNBACKED_ITEMS)));
            }
        }
        Ok(())
    }

    fn collection(&mut self, n: &mut Node, decl: Option<&Decl>, id: u32) -> Res {
        self.enter()?;
        let mut len = 0usize;
        let mut header = 0u8;
        let kind = type_label(id);
        self.leaf(n, Role::Framing, "length, header", |r| {
            len = r.length(usize::MAX, 0)?;
            if len == 0 {
                return Ok("0 elements".into());
            }
            let at = r.pos();
            header = r.u8()?;
            if header & 0xf0 != 0 {
                return Err(CodecError::new(ErrorKind::InvalidCollectionHeader(header), at));
            }
            let mut bits = Vec::new();
            for (bit, name) in
                [(1, "track ref"), (2, "has null"), (4, "declared"), (8, "same type")]
            {
                if header & bit != 0 {
                    bits.push(name);
                }
            }
            Ok(format!("{len} elements, header 0x{header:02x} ({})", bits.join(", ")))
        })?;
        n.text = format!("{kind}, {len} elements");
        let (track, has_null, declared, same) =
            (header & 1 != 0, header & 2 != 0, header & 4 != 0, header & 8 != 0);
        let mut elem: Option<(Wire, String)> = None;
        if len > 0 && declared {
            if decl.is_none() {
                return Err(Stop::Opaque(format!(
                    "a {kind} whose element type is declared by a schema, not written"
                )));
            }
        } else if len > 0 && same {
            elem = Some(self.meta_child(n, "element type")?);
        }
        for i in 0..len {
            let from = self.r.pos();
            self.child(n, Role::Value, format!("[{i}]"), |w, en| {
                if same || declared {
                    if (track || has_null) && !w.flag(en)? {
                        return Ok(());
                    }
                    match (&elem, decl) {
                        (Some((wire, text)), _) => {
                            en.text = text.clone();
                            w.wire_body(en, wire)
                        }
                        (None, Some(d)) => {
                            let d = Decl { nullable: false, tracking_ref: false, ..d.clone() };
                            w.body(en, &d, Pos::Declared)
                        }
                        (None, None) => Ok(()),
                    }
                } else if track || has_null {
                    w.flagged_dynamic(en)
                } else {
                    w.dynamic(en)
                }
            })?;
            self.count_unbacked(from)?;
        }
        self.depth -= 1;
        Ok(())
    }

    fn map(&mut self, n: &mut Node, kd: Option<&Decl>, vd: Option<&Decl>) -> Res {
        self.enter()?;
        let mut count = 0usize;
        self.leaf(n, Role::Framing, "size", |r| {
            count = r.length(usize::MAX, 0)?;
            Ok(format!("{count} entries"))
        })?;
        n.text = format!("MAP, {count} entries");
        let mut done = 0usize;
        let mut chunk_no = 0;
        while done < count {
            let from = self.r.pos();
            self.child(n, Role::Chunk, format!("chunk #{chunk_no}"), |w, c| {
                done += w.chunk(c, kd, vd, count - done, done)?;
                Ok(())
            })?;
            self.count_unbacked(from)?;
            chunk_no += 1;
        }
        self.depth -= 1;
        Ok(())
    }

    /// One map chunk; returns its number of entries.
    fn chunk(
        &mut self,
        c: &mut Node,
        kd: Option<&Decl>,
        vd: Option<&Decl>,
        left: usize,
        first: usize,
    ) -> Res<usize> {
        let mut h = 0u8;
        let mut size = 1usize;
        self.leaf(c, Role::Framing, "chunk header", |r| {
            let at = r.pos();
            h = r.u8()?;
            if h & 0xc0 != 0 {
                return Err(CodecError::new(ErrorKind::InvalidMapChunk, at));
            }
            let mut bits = Vec::new();
            for (bit, name) in [
                (0x01, "key ref"),
                (0x02, "key null"),
                (0x04, "key declared"),
                (0x08, "value ref"),
                (0x10, "value null"),
                (0x20, "value declared"),
            ] {
                if h & bit != 0 {
                    bits.push(name);
                }
            }
            if h & 0x12 == 0 {
                let s_at = r.pos();
                size = usize::from(r.u8()?);
                if size == 0 || size > left {
                    return Err(CodecError::new(ErrorKind::InvalidMapChunk, s_at));
                }
            }
            Ok(format!("0x{h:02x} ({}), {size} entries", bits.join(", ")))
        })?;
        c.text = format!("{size} entries");
        let (key_null, val_null) = (h & 0x02 != 0, h & 0x10 != 0);
        if key_null || val_null {
            let label = format!("entry #{first}");
            if key_null && val_null {
                c.text = "null key, null value".into();
                return Ok(1);
            }
            // The non-null side: a flag when its ref bit is set, type meta unless declared.
            let (decl, flagged, declared, side) = if val_null {
                (kd, h & 0x01 != 0, h & 0x04 != 0, "key")
            } else {
                (vd, h & 0x08 != 0, h & 0x20 != 0, "value")
            };
            c.text = format!("{side} only (the other is null)");
            self.child(c, Role::Value, format!("{side} of {label}"), |w, n| {
                w.chunk_side(n, decl, None, flagged, declared)
            })?;
            return Ok(1);
        }
        let (key_declared, val_declared) = (h & 0x04 != 0, h & 0x20 != 0);
        let mut kw = None;
        let mut vw = None;
        if !key_declared {
            kw = Some(self.meta_child(c, "key type")?);
        }
        if !val_declared {
            vw = Some(self.meta_child(c, "value type")?);
        }
        for i in 0..size {
            let e = first + i;
            self.child(c, Role::Value, format!("key #{e}"), |w, n| {
                w.chunk_side(n, kd, kw.as_ref(), h & 0x01 != 0, key_declared)
            })?;
            self.child(c, Role::Value, format!("value #{e}"), |w, n| {
                w.chunk_side(n, vd, vw.as_ref(), h & 0x08 != 0, val_declared)
            })?;
        }
        Ok(size)
    }

    /// Type meta as a child of `c` called `label` (a collection's element type, a map chunk's
    /// key or value type).
    fn meta_child(&mut self, c: &mut Node, label: &str) -> Res<(Wire, String)> {
        let mut tmp = Node::new(Role::Value, "", 0);
        let res = self.type_meta(&mut tmp);
        if let Some(mut meta) = tmp.children.pop() {
            meta.label = label.into();
            c.children.push(meta);
        }
        Ok((res?, tmp.text))
    }

    /// A map key or value: flag if `flagged`; body by the chunk's type meta (`wire`), the
    /// declared type, or — a null-entry chunk's undeclared side — its own type meta.
    fn chunk_side(
        &mut self,
        n: &mut Node,
        decl: Option<&Decl>,
        wire: Option<&(Wire, String)>,
        flagged: bool,
        declared: bool,
    ) -> Res {
        if flagged && !self.flag(n)? {
            return Ok(());
        }
        match (wire, declared, decl) {
            (Some((w, text)), _, _) => {
                n.text = text.clone();
                self.wire_body(n, w)
            }
            (None, true, Some(d)) => {
                let d = Decl { nullable: false, tracking_ref: false, ..d.clone() };
                self.body(n, &d, Pos::Declared)
            }
            (None, true, None) => Err(Stop::Opaque(
                "a map whose key or value type is declared by a schema, not written".into(),
            )),
            (None, false, _) => self.dynamic(n),
        }
    }
}

fn varu32_len(v: u32) -> usize {
    match v {
        0..=0x7f => 1,
        0x80..=0x3fff => 2,
        0x4000..=0x1f_ffff => 3,
        0x20_0000..=0xfff_ffff => 4,
        _ => 5,
    }
}

fn array_elem_text(id: u32, c: &[u8]) -> String {
    let mut b = [0u8; 8];
    b[..c.len().min(8)].copy_from_slice(&c[..c.len().min(8)]);
    let u = u64::from_le_bytes(b);
    match id {
        tid::BOOL_ARRAY => (u != 0).to_string(),
        tid::INT8_ARRAY => (u as u8 as i8).to_string(),
        tid::INT16_ARRAY => (u as u16 as i16).to_string(),
        tid::INT32_ARRAY => (u as u32 as i32).to_string(),
        tid::INT64_ARRAY => (u as i64).to_string(),
        tid::FLOAT16_ARRAY => f16_from_bits(u as u16).to_string(),
        tid::BFLOAT16_ARRAY => bf16_from_bits(u as u16).to_string(),
        tid::FLOAT32_ARRAY => f32::from_bits(u as u32).to_string(),
        tid::FLOAT64_ARRAY => f64::from_bits(u).to_string(),
        _ => u.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_follow_the_type_id_table() {
        for (id, name) in [
            (tid::UNKNOWN, "UNKNOWN"),
            (tid::VARINT32, "VARINT32"),
            (tid::TAGGED_UINT64, "TAGGED_UINT64"),
            (tid::NAMED_COMPATIBLE_STRUCT, "NAMED_COMPATIBLE_STRUCT"),
            (tid::NONE, "NONE"),
            (tid::BINARY, "BINARY"),
            (tid::FLOAT64_ARRAY, "FLOAT64_ARRAY"),
        ] {
            assert_eq!(type_name(id), Some(name));
        }
        assert_eq!(type_name(tid::FLOAT64_ARRAY + 1), None);
        assert_eq!(type_label(64), "type 64");
    }

    #[test]
    fn dates_are_proleptic_gregorian() {
        assert_eq!(civil(0), "1970-01-01");
        assert_eq!(civil(-1), "1969-12-31");
        assert_eq!(civil(19_724), "2024-01-02");
        assert_eq!(civil(-719_162), "0001-01-01");
        assert_eq!(civil(i64::MIN), format!("{} days from 1970-01-01", i64::MIN));
    }

    #[test]
    fn scalar_bodies_show_their_values() {
        // DATE, TIMESTAMP (pre-epoch), DURATION −0.5 s, DECIMAL 3.14, INT32_ARRAY [1, -2].
        let cases: [(&[u8], &str); 5] = [
            (&[0x01, 0xff, 0x27, 0x98, 0xb4, 0x02], "DATE 2024-01-02"),
            (
                &[
                    0x01, 0xff, 0x26, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x65,
                    0xcd, 0x1d,
                ],
                "TIMESTAMP 1969-12-31T23:59:59.500000000Z",
            ),
            (&[0x01, 0xff, 0x25, 0x01, 0x00, 0x65, 0xcd, 0x1d], "DURATION -1 s + 500000000 ns"),
            (&[0x01, 0xff, 0x28, 0x04, 0xe8, 0x09], "DECIMAL 3.14"),
            (
                &[0x01, 0xff, 0x2e, 0x08, 0x01, 0x00, 0x00, 0x00, 0xfe, 0xff, 0xff, 0xff],
                "INT32_ARRAY 2 elements [1, -2]",
            ),
        ];
        for (bytes, text) in cases {
            let tree = inspect(bytes);
            assert_eq!(tree.outcome, Outcome::Complete, "{text}");
            assert_eq!(tree.nodes[1].text, text);
            assert_eq!(tree.nodes[1].range, 1..bytes.len());
        }
    }
}
