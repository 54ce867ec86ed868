//! # foryjit-interp
//!
//! Executes the IR at once, with no warm-up: [`serialize`] walks a message's write ops over a
//! [`Value`] and appends Fory xlang bytes; [`deserialize`] walks the read ops over bytes and
//! builds a `Value`. Positions without a schema (the root, `any`, elements of undeclared type)
//! use the dynamic rules the peers use. All bytes go through `foryjit-wire`'s encoders.
//!
//! ```
//! use foryjit_interp::{Catalog, Options, serialize, deserialize};
//! use foryjit_schema::{FieldDesc, FieldType, IntEncoding, MessageDesc, SchemaDesc};
//! use foryjit_wire::{StructValue, Value};
//! let mut cat = Catalog::default();
//! let ids = cat.register(SchemaDesc::new("demo").message(
//!     MessageDesc::with_id("demo.Point", 103)
//!         .field(FieldDesc::new("x", 1, FieldType::Int32(IntEncoding::Varint)))
//!         .field(FieldDesc::new("y", 2, FieldType::Int32(IntEncoding::Varint))))).unwrap();
//! let p = Value::Struct(StructValue::new(ids[0], vec![Value::Int32(1), Value::Int32(2)]));
//! let mut out = Vec::new();
//! serialize(&cat, &Options::default(), &p, &mut out).unwrap();
//! assert_eq!(out, [0x01, 0xff, 0x1b, 0x67, 0x3d, 0x37, 0x2c, 0x49, 0x02, 0x04]);
//! assert_eq!(deserialize(&cat, &Options::default(), &out).unwrap(), p);
//! ```
#![deny(clippy::undocumented_unsafe_blocks, unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod catalog;
mod fit;
pub mod native;
mod read;
mod write;

pub use catalog::{Catalog, CatalogError, Evolution, NativeLink, RemoteHook, RemoteType};
use foryjit_wire::{CodecLimits, CodecResult, StringPolicy, Value};

/// Per-engine options that affect encoding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Limits checked while reading and writing.
    pub limits: CodecLimits,
    /// Which string encoding the writer picks.
    pub string_policy: StringPolicy,
    /// Refuse structs whose writer's TypeDef loses data (see [`Evolution`]).
    pub strict_evolution: bool,
}

/// Serializes `value` as one complete xlang payload (header, root ref flag, type meta, body),
/// appending to `out`. On error `out` is restored to its length at entry.
pub fn serialize(
    cat: &Catalog,
    opts: &Options,
    value: &Value,
    out: &mut Vec<u8>,
) -> CodecResult<()> {
    let start = out.len();
    let r = write::write_root(cat, opts, value, out, None);
    if r.is_err() {
        out.truncate(start);
    }
    r
}

/// Deserializes one complete xlang payload.
pub fn deserialize(cat: &Catalog, opts: &Options, bytes: &[u8]) -> CodecResult<Value> {
    read::read_root(cat, opts, bytes, None)
}

/// Serializes `value` with out-of-band buffers (pyfory's `buffer_callback`): the header is
/// `0x03`, every binary body starts with an in-band marker, and the binaries for which
/// `out_of_band` returns true are left out (`00`) and returned, in wire order, as slices
/// borrowing `value`'s bytes (no copy). Dense arrays stay in band, as pyfory writes them.
/// Appends to `out`; on error `out` is restored to its length at entry.
///
/// ```
/// use foryjit_interp::{deserialize_with_buffers, serialize_with_buffers, Catalog, Options};
/// use foryjit_wire::Value;
/// let (cat, opts) = (Catalog::default(), Options::default());
/// let v = Value::list(vec![Value::Binary(b"ab".to_vec().into()), Value::Binary(b"cd".to_vec().into())]);
/// let mut out = Vec::new();
/// let bufs = serialize_with_buffers(&cat, &opts, &v, &mut out, &|_| true).unwrap();
/// assert_eq!(out, [0x03, 0xff, 0x16, 0x02, 0x08, 0x29, 0x00, 0x00]);
/// assert_eq!(bufs, [&b"ab"[..], &b"cd"[..]]);
/// assert_eq!(deserialize_with_buffers(&cat, &opts, &out, &bufs).unwrap(), v);
/// ```
pub fn serialize_with_buffers<'v>(
    cat: &Catalog,
    opts: &Options,
    value: &'v Value,
    out: &mut Vec<u8>,
    out_of_band: &dyn Fn(&[u8]) -> bool,
) -> CodecResult<Vec<&'v [u8]>> {
    let start = out.len();
    match write::write_root_oob(cat, opts, value, out, out_of_band) {
        Ok(taken) => Ok(taken
            .into_iter()
            // SAFETY: each pair is the data pointer and length of the bytes of a
            // `Value::Binary` reached from `value` during the write (the writer builds no
            // temporary binaries), and `value` is borrowed immutably for `'v`, so those bytes
            // stay alive and unchanged for `'v`.
            .map(|(p, n)| unsafe { std::slice::from_raw_parts(p, n) })
            .collect()),
        Err(e) => {
            out.truncate(start);
            Err(e)
        }
    }
}

/// Deserializes a payload written with out-of-band buffers; `buffers` are its out-of-band
/// binaries in order (each is copied once into the value). The payload must use every buffer;
/// an in-band payload (header `0x01`) is read as usual when `buffers` is empty.
pub fn deserialize_with_buffers(
    cat: &Catalog,
    opts: &Options,
    bytes: &[u8],
    buffers: &[&[u8]],
) -> CodecResult<Value> {
    read::read_root_oob(cat, opts, bytes, buffers)
}

/// Serializes a [`foryjit_wire::Graph`]: shared nodes (`Value::Ref`) are written once with
/// `00` and referenced with `fe <id>` after, as the peers write shared and cyclic objects with
/// reference tracking on.
pub fn serialize_graph(
    cat: &Catalog,
    opts: &Options,
    graph: &foryjit_wire::Graph,
    out: &mut Vec<u8>,
) -> CodecResult<()> {
    let start = out.len();
    let r = write::write_graph(cat, opts, graph, out);
    if r.is_err() {
        out.truncate(start);
    }
    r
}

/// Deserializes one payload into a [`foryjit_wire::Graph`]: every ref-tracked value (`00`)
/// becomes a node and every back-reference (`fe id`) a `Value::Ref`, so shared and cyclic
/// values keep their shape.
pub fn deserialize_graph(
    cat: &Catalog,
    opts: &Options,
    bytes: &[u8],
) -> CodecResult<foryjit_wire::Graph> {
    read::read_root_graph(cat, opts, bytes)
}

/// Compatible-mode meta sharing across the messages of one stream or connection: TypeDefs go
/// on the wire the first time a type appears in the stream and are referenced by index after.
/// Keep one `MetaShare` per direction (one for what you send, one for what you receive), and
/// start both afresh when the connection restarts. (pyfory and the `fory` crate reset sharing
/// at every message, so use this only between engines that share contexts the same way.)
#[derive(Debug, Default, Clone)]
pub struct MetaShare {
    written: Vec<write::SharedDef>,
    read: Vec<std::sync::Arc<RemoteType>>,
    /// The engine this share is bound to (0: not used yet).
    owner: u64,
}

impl MetaShare {
    /// Binds the share to engine `owner` on first use; `false` when it is bound to another.
    /// A share holds that engine's received TypeDefs and the readers compiled for them, so it
    /// must never be used with another engine (whose code may outlive or predate them).
    pub fn bind(&mut self, owner: u64) -> bool {
        if self.owner == 0 {
            self.owner = owner;
        }
        self.owner == owner
    }

    /// TypeDefs sent so far.
    pub fn sent(&self) -> usize {
        self.written.len()
    }

    /// TypeDefs received so far.
    pub fn received(&self) -> usize {
        self.read.len()
    }
}

/// [`serialize`] within a stream: TypeDefs already sent in `share` are referenced.
pub fn serialize_shared(
    cat: &Catalog,
    opts: &Options,
    value: &Value,
    out: &mut Vec<u8>,
    share: &mut MetaShare,
) -> CodecResult<()> {
    let start = out.len();
    let r = write::write_root(cat, opts, value, out, Some(&mut share.written));
    if r.is_err() {
        out.truncate(start);
    }
    r
}

/// [`deserialize`] within a stream: references to TypeDefs received earlier in `share` resolve.
pub fn deserialize_shared(
    cat: &Catalog,
    opts: &Options,
    bytes: &[u8],
    share: &mut MetaShare,
) -> CodecResult<Value> {
    read::read_root(cat, opts, bytes, Some(&mut share.read))
}

/// Serializes only the body of a registered message (its hash and fields), without header or
/// type meta. This is the unit the compiled tier replaces.
pub fn serialize_struct_body(
    cat: &Catalog,
    opts: &Options,
    value: &foryjit_wire::StructValue,
    out: &mut Vec<u8>,
) -> CodecResult<()> {
    write::write_struct_body_entry(cat, opts, value, out)
}
