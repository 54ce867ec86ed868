//! # foryjit-row
//!
//! Fory's **standard row format** for schemas known at run time: a row writer for every
//! registered message type, borrowed random-access views ([`RowView`], [`ArrayView`],
//! [`MapView`]) that read one field in O(1) without decoding the rest, and conversions
//! row ⇄ [`Value`]. The bytes are the ones pyfory 1.7.7 (`pyfory.format`) and the `fory`
//! 1.7.7 crate (`#[derive(ForyRow)]`, `to_row`) produce; `docs/row-format.md` says where those
//! peers and the spec differ.
//!
//! A row is a null bitmap (one bit per field, whole 8-byte words), one 8-byte slot per field
//! in **declaration order**, then a variable region. Fixed-width values (bool, int8–int64,
//! float32/64, date as int32 days, timestamp and duration as int64 microseconds) sit in their
//! slot; strings, bytes, lists, sets, dense arrays, maps and nested messages store
//! `(offset << 32) | size` and live, 8-byte padded, in the variable region. Types the format
//! does not define (unsigned ints, float16/bfloat16, decimal, enums, unions, `any`) are a
//! typed error.
//!
//! ```
//! use foryjit_row::RowCodec;
//! use foryjit_schema::{Registry, SchemaDesc};
//! use foryjit_wire::{StructValue, Value};
//! let mut reg = Registry::default();
//! let ids = reg.register(SchemaDesc::from_idl(
//!     "package d; message P [id=1] { int32 x = 1; optional string s = 2; }").unwrap()).unwrap();
//! let codec = RowCodec::new(reg);
//! let p = Value::Struct(StructValue::new(ids[0], vec![Value::Int32(-2), Value::Null]));
//! let mut row = Vec::new();
//! codec.write_row(&p, &mut row).unwrap();
//! assert_eq!(row, [2, 0, 0, 0, 0, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
//! assert!(codec.view(ids[0], &row).unwrap().is_null(1).unwrap());
//! assert_eq!(codec.from_row(ids[0], &row).unwrap(), p);
//! ```
#![deny(clippy::undocumented_unsafe_blocks, unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod error;
mod layout;
mod view;
mod writer;

use std::sync::Arc;

pub use error::{RowError, RowErrorKind, RowResult};
use foryjit_schema::Registry;
use foryjit_wire::{TypeIdx, Value};
pub use view::{ArrayView, MapView, RowField, RowView};

/// How deep rows, arrays and maps may nest (writing and reading); deeper is
/// [`RowErrorKind::TooDeep`].
pub const MAX_DEPTH: usize = 128;

/// Writes `value` (a struct of a registered message type) as one row into `out`, which is
/// cleared first and keeps its capacity. On error `out` is left empty.
pub fn write_row(reg: &Registry, value: &Value, out: &mut Vec<u8>) -> RowResult<()> {
    out.clear();
    let r = writer::write_root(reg, value, out);
    if r.is_err() {
        out.clear();
    }
    r
}

/// `value` as a new row.
pub fn to_row(reg: &Registry, value: &Value) -> RowResult<Vec<u8>> {
    let mut out = Vec::new();
    write_row(reg, value, &mut out)?;
    Ok(out)
}

/// Decodes a row of message `ty` into a struct [`Value`].
pub fn from_row(reg: &Registry, ty: TypeIdx, bytes: &[u8]) -> RowResult<Value> {
    RowView::new(reg, ty, bytes)?.to_value()
}

/// A registry snapshot to write and read rows with (cheap to clone, `Send + Sync`).
#[derive(Clone)]
pub struct RowCodec {
    reg: Arc<dyn AsRef<Registry> + Send + Sync>,
}

struct Owned(Registry);

impl AsRef<Registry> for Owned {
    fn as_ref(&self) -> &Registry {
        &self.0
    }
}

impl std::fmt::Debug for RowCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowCodec").field("types", &self.registry().len()).finish()
    }
}

impl RowCodec {
    /// A codec for the types of `reg`.
    pub fn new(reg: Registry) -> Self {
        RowCodec { reg: Arc::new(Owned(reg)) }
    }

    /// A codec over a shared owner of a registry (an engine's catalog snapshot), without
    /// copying it.
    pub fn from_shared(reg: Arc<dyn AsRef<Registry> + Send + Sync>) -> Self {
        RowCodec { reg }
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        (*self.reg).as_ref()
    }

    /// See [`write_row`].
    pub fn write_row(&self, value: &Value, out: &mut Vec<u8>) -> RowResult<()> {
        write_row(self.registry(), value, out)
    }

    /// See [`to_row`].
    pub fn to_row(&self, value: &Value) -> RowResult<Vec<u8>> {
        to_row(self.registry(), value)
    }

    /// See [`from_row`].
    pub fn from_row(&self, ty: TypeIdx, bytes: &[u8]) -> RowResult<Value> {
        from_row(self.registry(), ty, bytes)
    }

    /// A random-access view of `bytes` as a row of message `ty`.
    pub fn view<'a>(&'a self, ty: TypeIdx, bytes: &'a [u8]) -> RowResult<RowView<'a>> {
        RowView::new(self.registry(), ty, bytes)
    }
}
