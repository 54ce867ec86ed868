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
//! in **declaration order** (or sorted by name, [`FieldOrder::ByName`], as pyfory infers a
//! dataclass's schema), then a variable region. Fixed-width values (bool, int8–int64,
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
use writer::Ctx;

/// The order of a message's slots in its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldOrder {
    /// Declaration order: the spec's "schema order", what the fory crate's
    /// `#[derive(ForyRow)]` and an explicit `pyfory.format.schema([...])` use. The default.
    #[default]
    Declared,
    /// Sorted by snake_case field name (byte order), in every nested message too: the schema
    /// `pyfory.format.encoder(SomeDataclass)` infers (`infer_schema` sorts the type hints).
    /// `Value` ordinals, [`RowView::get`] and errors stay in declaration terms; only the
    /// bytes change.
    ByName,
}

/// How deep rows, arrays and maps may nest (writing and reading); deeper is
/// [`RowErrorKind::TooDeep`].
pub const MAX_DEPTH: usize = 128;

/// Writes `value` (a struct of a registered message type) as one row into `out`, which is
/// cleared first and keeps its capacity. On error `out` is left empty.
pub fn write_row(reg: &Registry, value: &Value, out: &mut Vec<u8>) -> RowResult<()> {
    write_row_in(Ctx::declared(reg), value, out)
}

fn write_row_in(reg: Ctx<'_>, value: &Value, out: &mut Vec<u8>) -> RowResult<()> {
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

/// A registry snapshot to write and read rows with (cheap to clone, `Send + Sync`), in
/// [`FieldOrder::Declared`] unless [`RowCodec::with_field_order`] says otherwise.
#[derive(Clone)]
pub struct RowCodec {
    reg: Arc<dyn AsRef<Registry> + Send + Sync>,
    /// For [`FieldOrder::ByName`]: per type index, each ordinal's slot, then each slot's ordinal.
    orders: Option<Arc<writer::Orders>>,
}

struct Owned(Registry);

impl AsRef<Registry> for Owned {
    fn as_ref(&self) -> &Registry {
        &self.0
    }
}

impl std::fmt::Debug for RowCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowCodec")
            .field("types", &self.registry().len())
            .field("field_order", &self.field_order())
            .finish()
    }
}

impl RowCodec {
    /// A codec for the types of `reg`.
    pub fn new(reg: Registry) -> Self {
        RowCodec { reg: Arc::new(Owned(reg)), orders: None }
    }

    /// A codec over a shared owner of a registry (an engine's catalog snapshot), without
    /// copying it.
    pub fn from_shared(reg: Arc<dyn AsRef<Registry> + Send + Sync>) -> Self {
        RowCodec { reg, orders: None }
    }

    /// This codec with its rows' slots in `order` (computed once here for every message).
    ///
    /// ```
    /// use foryjit_row::{FieldOrder, RowCodec};
    /// use foryjit_schema::{Registry, SchemaDesc};
    /// use foryjit_wire::{StructValue, Value};
    /// let mut reg = Registry::default();
    /// let ids = reg.register(SchemaDesc::from_idl(
    ///     "package d; message P [id=1] { int64 zeta = 1; int64 alpha = 2; }").unwrap()).unwrap();
    /// let codec = RowCodec::new(reg).with_field_order(FieldOrder::ByName);
    /// let p = Value::Struct(StructValue::new(ids[0], vec![Value::Int64(1), Value::Int64(2)]));
    /// let row = codec.to_row(&p).unwrap();
    /// assert_eq!(row[8], 2); // alpha's slot comes first
    /// assert_eq!(codec.view(ids[0], &row).unwrap().get_i64_by_name("zeta").unwrap(), Some(1));
    /// ```
    pub fn with_field_order(mut self, order: FieldOrder) -> Self {
        self.orders = match order {
            FieldOrder::Declared => None,
            FieldOrder::ByName => {
                let reg = self.registry();
                let orders: Vec<Box<[u32]>> = (0..reg.len() as u32)
                    .map(|i| match reg.message(TypeIdx(i)) {
                        Some(m) => {
                            let mut by_name: Vec<usize> = (0..m.fields.len()).collect();
                            by_name.sort_by(|&a, &b| {
                                m.fields[a].snake_name.cmp(&m.fields[b].snake_name)
                            });
                            // n entries ordinal -> slot, then n entries slot -> ordinal.
                            let n = m.fields.len();
                            let mut maps = vec![0u32; 2 * n];
                            for (slot, &ordinal) in by_name.iter().enumerate() {
                                maps[ordinal] = slot as u32;
                                maps[n + slot] = ordinal as u32;
                            }
                            maps.into()
                        }
                        None => Box::default(),
                    })
                    .collect();
                Some(Arc::new(writer::Orders(orders.into())))
            }
        };
        self
    }

    /// The slot order of this codec's rows.
    pub fn field_order(&self) -> FieldOrder {
        if self.orders.is_some() {
            FieldOrder::ByName
        } else {
            FieldOrder::Declared
        }
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        (*self.reg).as_ref()
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx { reg: self.registry(), orders: self.orders.as_deref() }
    }

    /// See [`write_row`].
    pub fn write_row(&self, value: &Value, out: &mut Vec<u8>) -> RowResult<()> {
        write_row_in(self.ctx(), value, out)
    }

    /// See [`to_row`].
    pub fn to_row(&self, value: &Value) -> RowResult<Vec<u8>> {
        let mut out = Vec::new();
        self.write_row(value, &mut out)?;
        Ok(out)
    }

    /// See [`from_row`].
    pub fn from_row(&self, ty: TypeIdx, bytes: &[u8]) -> RowResult<Value> {
        self.view(ty, bytes)?.to_value()
    }

    /// A random-access view of `bytes` as a row of message `ty`.
    pub fn view<'a>(&'a self, ty: TypeIdx, bytes: &'a [u8]) -> RowResult<RowView<'a>> {
        RowView::root(self.ctx(), ty, bytes)
    }
}
