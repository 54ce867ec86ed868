//! Borrowed, bounds-checked random access over row bytes, and rows → `Value`.

use crate::error::{err, RowError, RowResult};
use crate::layout::{
    bitmap_width, dense_elem_type, dense_scalar, dense_width, from_micros, round8, slot_of,
};
use crate::layout::{dense_name, type_name};
use crate::writer::Ctx;
use crate::{RowErrorKind, MAX_DEPTH};
use foryjit_schema::{ArrayElem, MessageInfo, Registry, ResolvedElem, ResolvedType};
use foryjit_wire::{Duration, MapEntry, StructValue, Timestamp, TypeIdx, Value};

/// One field, element, key or value read from a row: a scalar, borrowed text or bytes, or a
/// view of a nested row, array or map. Nothing is copied.
#[derive(Debug, Clone, Copy)]
pub enum RowField<'a> {
    /// The null bit is set.
    Null,
    /// bool
    Bool(bool),
    /// int8
    Int8(i8),
    /// int16
    Int16(i16),
    /// int32 (every int32 encoding of the schema)
    Int32(i32),
    /// int64 (every int64 encoding of the schema)
    Int64(i64),
    /// float32
    Float32(f32),
    /// float64
    Float64(f64),
    /// string (UTF-8 checked)
    Str(&'a str),
    /// bytes
    Binary(&'a [u8]),
    /// date: days since 1970-01-01
    Date(i32),
    /// timestamp (microsecond precision in a row)
    Timestamp(Timestamp),
    /// duration (microsecond precision in a row)
    Duration(Duration),
    /// a nested message
    Struct(RowView<'a>),
    /// a list, set or dense array
    Array(ArrayView<'a>),
    /// a map
    Map(MapView<'a>),
}

impl<'a> RowField<'a> {
    /// A short name of the variant (for errors).
    pub fn kind_name(&self) -> &'static str {
        match self {
            RowField::Null => "null",
            RowField::Bool(_) => "bool",
            RowField::Int8(_) => "int8",
            RowField::Int16(_) => "int16",
            RowField::Int32(_) => "int32",
            RowField::Int64(_) => "int64",
            RowField::Float32(_) => "float32",
            RowField::Float64(_) => "float64",
            RowField::Str(_) => "string",
            RowField::Binary(_) => "bytes",
            RowField::Date(_) => "date",
            RowField::Timestamp(_) => "timestamp",
            RowField::Duration(_) => "duration",
            RowField::Struct(_) => "struct",
            RowField::Array(_) => "array",
            RowField::Map(_) => "map",
        }
    }

    /// True for [`RowField::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, RowField::Null)
    }

    /// The owned [`Value`] (nested rows, arrays and maps are decoded completely).
    pub fn to_value(&self) -> RowResult<Value> {
        let mut budget = self.byte_len();
        self.decode_in(&mut budget)
    }

    fn byte_len(&self) -> usize {
        match self {
            RowField::Struct(v) => v.bytes.len(),
            RowField::Array(a) => a.bytes.len(),
            RowField::Map(m) => m.bytes.len(),
            _ => 0,
        }
    }

    fn decode_in(&self, budget: &mut usize) -> RowResult<Value> {
        Ok(match *self {
            RowField::Null => Value::Null,
            RowField::Bool(x) => Value::Bool(x),
            RowField::Int8(x) => Value::Int8(x),
            RowField::Int16(x) => Value::Int16(x),
            RowField::Int32(x) => Value::Int32(x),
            RowField::Int64(x) => Value::Int64(x),
            RowField::Float32(x) => Value::Float32(x),
            RowField::Float64(x) => Value::Float64(x),
            RowField::Str(s) => Value::string(s),
            RowField::Binary(b) => Value::Binary(b.to_vec().into()),
            RowField::Date(d) => Value::Date(d),
            RowField::Timestamp(t) => Value::Timestamp(t),
            RowField::Duration(d) => Value::Duration(d),
            RowField::Struct(v) => v.decode_in(budget)?,
            RowField::Array(a) => a.decode_in(budget)?,
            RowField::Map(m) => m.decode_in(budget)?,
        })
    }
}

fn out_of_bounds(offset: usize, size: usize, len: usize) -> RowError {
    RowError::new(RowErrorKind::OutOfBounds { offset: offset as u64, size: size as u64, len })
}

fn slice(bytes: &[u8], offset: usize, size: usize) -> RowResult<&[u8]> {
    offset
        .checked_add(size)
        .and_then(|end| bytes.get(offset..end))
        .ok_or_else(|| out_of_bounds(offset, size, bytes.len()))
}

fn word(bytes: &[u8], offset: usize) -> RowResult<u64> {
    let s = slice(bytes, offset, 8)?;
    let mut w = [0u8; 8];
    w.copy_from_slice(s);
    Ok(u64::from_le_bytes(w))
}

#[inline]
fn bit(bytes: &[u8], bitmap_start: usize, i: usize) -> bool {
    // The bitmap lies inside the validated fixed region of its container.
    bytes.get(bitmap_start + (i >> 3)).is_some_and(|b| b & (1 << (i & 7)) != 0)
}

/// Takes `n` decoded items from the budget (see [`RowView::to_value`]).
fn spend(budget: &mut usize, n: usize) -> RowResult<()> {
    match budget.checked_sub(n) {
        Some(rest) => {
            *budget = rest;
            Ok(())
        }
        None => err(RowErrorKind::Corrupt("offsets alias: more values than the row has bytes")),
    }
}

/// Reads the non-null value of type `ty` whose slot is at `slot` in `bytes` (the container's
/// bytes, whose fixed region ends at `fixed_end`).
fn read_at<'a>(
    reg: Ctx<'a>,
    ty: &'a ResolvedType,
    bytes: &'a [u8],
    slot: usize,
    fixed_end: usize,
    depth: usize,
) -> RowResult<RowField<'a>> {
    use ResolvedType as T;
    macro_rules! fixed {
        ($t:ty, $n:expr) => {{
            let mut b = [0u8; $n];
            b.copy_from_slice(slice(bytes, slot, $n)?);
            <$t>::from_le_bytes(b)
        }};
    }
    Ok(match ty {
        T::Bool => match slice(bytes, slot, 1)?[0] {
            0 => RowField::Bool(false),
            1 => RowField::Bool(true),
            _ => return err(RowErrorKind::Corrupt("bool byte other than 0 or 1")),
        },
        T::Int8 => RowField::Int8(fixed!(i8, 1)),
        T::Int16 => RowField::Int16(fixed!(i16, 2)),
        T::Int32(_) => RowField::Int32(fixed!(i32, 4)),
        T::Int64(_) => RowField::Int64(fixed!(i64, 8)),
        T::Float32 => RowField::Float32(fixed!(f32, 4)),
        T::Float64 => RowField::Float64(fixed!(f64, 8)),
        T::Date => RowField::Date(fixed!(i32, 4)),
        T::Timestamp => {
            let (seconds, nanos) = from_micros(fixed!(i64, 8));
            RowField::Timestamp(Timestamp { seconds, nanos })
        }
        T::Duration => {
            let (seconds, nanos) = from_micros(fixed!(i64, 8));
            RowField::Duration(Duration { seconds, nanos: nanos as i32 })
        }
        _ => {
            slot_of(ty)?;
            let w = word(bytes, slot)?;
            let (rel, size) = ((w >> 32) as usize, (w as u32) as usize);
            if rel < fixed_end {
                return err(RowErrorKind::Corrupt("variable data overlaps the fixed region"));
            }
            let data = slice(bytes, rel, size)?;
            match ty {
                T::String => RowField::Str(
                    std::str::from_utf8(data)
                        .or_else(|_| err(RowErrorKind::Corrupt("string is not UTF-8")))?,
                ),
                T::Binary => RowField::Binary(data),
                T::Message(idx) => RowField::Struct(RowView::at(reg, *idx, data, depth + 1)?),
                T::List(e) => RowField::Array(ArrayView::at(reg, Elems::List(e), data, depth + 1)?),
                T::Set(e) => RowField::Array(ArrayView::at(reg, Elems::Set(e), data, depth + 1)?),
                T::Array(a) => {
                    RowField::Array(ArrayView::at(reg, Elems::Dense(*a), data, depth + 1)?)
                }
                T::Map(k, v) => RowField::Map(MapView::at(reg, k, v, data, depth + 1)?),
                _ => return err(RowErrorKind::Unsupported(type_name(ty))),
            }
        }
    })
}

/// A borrowed view of one row (a message): O(1) access to any field by ordinal or name,
/// without decoding the rest. Every offset and size is checked against the row's bytes; a
/// corrupt row gives a [`RowError`], never a panic or an out-of-bounds read.
///
/// ```
/// use foryjit_row::{RowCodec, RowField};
/// use foryjit_schema::{Registry, SchemaDesc};
/// use foryjit_wire::{StructValue, Value};
/// let mut reg = Registry::default();
/// let ids = reg.register(SchemaDesc::from_idl(
///     "package d; message P [id=1] { int32 x = 1; string name = 2; }").unwrap()).unwrap();
/// let codec = RowCodec::new(reg);
/// let p = Value::Struct(StructValue::new(ids[0], vec![Value::Int32(7), Value::string("ab")]));
/// let row = codec.to_row(&p).unwrap();
/// let view = codec.view(ids[0], &row).unwrap();
/// assert_eq!(view.get_i32(0).unwrap(), Some(7));
/// assert_eq!(view.get_str_by_name("name").unwrap(), Some("ab"));
/// assert!(matches!(view.get(1).unwrap(), RowField::Str("ab")));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RowView<'a> {
    reg: Ctx<'a>,
    msg: &'a MessageInfo,
    /// Ordinal → slot (`None`: the same).
    perm: Option<&'a [u32]>,
    bytes: &'a [u8],
    bitmap: usize,
    depth: usize,
}

macro_rules! typed_getters {
    ($( $(#[$doc:meta])* $name:ident, $by_name:ident, $variant:ident, $t:ty; )*) => {$(
        $(#[$doc])*
        pub fn $name(&self, ordinal: usize) -> RowResult<Option<$t>> {
            match self.get(ordinal)? {
                RowField::Null => Ok(None),
                RowField::$variant(x) => Ok(Some(x)),
                other => Err(RowError::new(RowErrorKind::Mismatch {
                    expected: stringify!($variant),
                    found: other.kind_name(),
                })
                .at(&self.msg.fields[ordinal].name)),
            }
        }

        /// Like the ordinal getter of the same type, by field name.
        pub fn $by_name(&self, name: &str) -> RowResult<Option<$t>> {
            self.$name(self.ordinal(name)?)
        }
    )*};
}

impl<'a> RowView<'a> {
    /// A view of `bytes` as a row of message `ty`. Checks that the null bitmap and the slots
    /// are there; fields are checked when read.
    ///
    /// Every writer (foryjit, pyfory, the fory crate) pads a row to whole 8-byte words, so a
    /// root of another length is refused as truncated or corrupt.
    pub fn new(reg: &'a Registry, ty: TypeIdx, bytes: &'a [u8]) -> RowResult<Self> {
        RowView::root(Ctx::declared(reg), ty, bytes)
    }

    pub(crate) fn root(reg: Ctx<'a>, ty: TypeIdx, bytes: &'a [u8]) -> RowResult<Self> {
        if !bytes.len().is_multiple_of(8) {
            return err(RowErrorKind::Corrupt("row length is not a multiple of 8"));
        }
        RowView::at(reg, ty, bytes, 0)
    }

    fn at(reg: Ctx<'a>, ty: TypeIdx, bytes: &'a [u8], depth: usize) -> RowResult<Self> {
        if depth >= MAX_DEPTH {
            return err(RowErrorKind::TooDeep(MAX_DEPTH));
        }
        let (msg, perm) = reg.message(ty)?;
        let n = msg.fields.len();
        let bitmap = bitmap_width(n);
        let fixed_end = n.checked_mul(8).and_then(|s| s.checked_add(bitmap));
        match fixed_end {
            Some(end) if end <= bytes.len() => Ok(RowView { reg, msg, perm, bytes, bitmap, depth }),
            _ => Err(out_of_bounds(0, fixed_end.unwrap_or(usize::MAX), bytes.len())),
        }
    }

    /// The row's message type.
    pub fn type_index(&self) -> TypeIdx {
        self.msg.idx
    }

    /// The row's message type, resolved.
    pub fn message(&self) -> &'a MessageInfo {
        self.msg
    }

    /// Number of fields (slots).
    pub fn num_fields(&self) -> usize {
        self.msg.fields.len()
    }

    /// The bytes of this row (for a nested row: its part of the root's bytes).
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The ordinal of the field called `name` (declared or snake_case name).
    pub fn ordinal(&self, name: &str) -> RowResult<usize> {
        self.msg.field_ordinal(name).ok_or_else(|| RowErrorKind::NoSuchField(name.into()).into())
    }

    /// The slot (and null bit) of field `ordinal`.
    #[inline]
    fn slot(&self, ordinal: usize) -> RowResult<usize> {
        if ordinal < self.msg.fields.len() {
            Ok(self.perm.map_or(ordinal, |p| p[ordinal] as usize))
        } else {
            err(RowErrorKind::NoSuchField(format!("#{ordinal}")))
        }
    }

    /// Whether field `ordinal`'s null bit is set.
    pub fn is_null(&self, ordinal: usize) -> RowResult<bool> {
        Ok(bit(self.bytes, 0, self.slot(ordinal)?))
    }

    /// The byte offset of field `ordinal`'s 8-byte slot in [`RowView::as_bytes`].
    pub fn slot_offset(&self, ordinal: usize) -> RowResult<usize> {
        Ok(self.bitmap + self.slot(ordinal)? * 8)
    }

    /// Reads field `ordinal`: O(1), nothing else is decoded.
    pub fn get(&self, ordinal: usize) -> RowResult<RowField<'a>> {
        let slot = self.slot(ordinal)?;
        if bit(self.bytes, 0, slot) {
            return Ok(RowField::Null);
        }
        let f = &self.msg.fields[ordinal];
        let fixed_end = self.bitmap + self.msg.fields.len() * 8;
        read_at(self.reg, &f.ty, self.bytes, self.bitmap + slot * 8, fixed_end, self.depth)
            .map_err(|e| e.at(&f.name))
    }

    /// Reads the field called `name`.
    pub fn get_by_name(&self, name: &str) -> RowResult<RowField<'a>> {
        self.get(self.ordinal(name)?)
    }

    typed_getters! {
        /// A bool field (`None` when null); a field of another type is a mismatch error.
        get_bool, get_bool_by_name, Bool, bool;
        /// An int8 field.
        get_i8, get_i8_by_name, Int8, i8;
        /// An int16 field.
        get_i16, get_i16_by_name, Int16, i16;
        /// An int32 field.
        get_i32, get_i32_by_name, Int32, i32;
        /// An int64 field.
        get_i64, get_i64_by_name, Int64, i64;
        /// A float32 field.
        get_f32, get_f32_by_name, Float32, f32;
        /// A float64 field.
        get_f64, get_f64_by_name, Float64, f64;
        /// A string field, borrowed.
        get_str, get_str_by_name, Str, &'a str;
        /// A bytes field, borrowed.
        get_bytes, get_bytes_by_name, Binary, &'a [u8];
        /// A date field (days since the epoch).
        get_date, get_date_by_name, Date, i32;
        /// A timestamp field.
        get_timestamp, get_timestamp_by_name, Timestamp, Timestamp;
        /// A duration field.
        get_duration, get_duration_by_name, Duration, Duration;
        /// A nested message field.
        get_struct, get_struct_by_name, Struct, RowView<'a>;
        /// A list, set or dense array field.
        get_array, get_array_by_name, Array, ArrayView<'a>;
        /// A map field.
        get_map, get_map_by_name, Map, MapView<'a>;
    }

    /// Decodes the whole row into a struct [`Value`]. A null bit on a non-nullable field is
    /// an error here (a view's `get` just reports it as null). A well-formed row decodes to at
    /// most one field or element per byte; a corrupt one whose offsets alias the same data
    /// many times is refused rather than expanded.
    pub fn to_value(&self) -> RowResult<Value> {
        let mut budget = self.bytes.len();
        self.decode_in(&mut budget)
    }

    fn decode_in(&self, budget: &mut usize) -> RowResult<Value> {
        spend(budget, self.msg.fields.len())?;
        let mut fields = Vec::with_capacity(self.msg.fields.len());
        for (i, f) in self.msg.fields.iter().enumerate() {
            let v = match self.get(i)? {
                RowField::Null if !f.nullable => {
                    return Err(RowError::new(RowErrorKind::NullNotAllowed).at(&f.name))
                }
                field => field.decode_in(budget).map_err(|e| e.at(&f.name))?,
            };
            fields.push(v);
        }
        Ok(Value::Struct(StructValue::new(self.msg.idx, fields)))
    }
}

/// What an array holds.
#[derive(Debug, Clone, Copy)]
enum Elems<'a> {
    List(&'a ResolvedElem),
    Set(&'a ResolvedElem),
    Side(&'a ResolvedElem),
    Dense(ArrayElem),
}

/// A borrowed view of a row array (a list, set or dense array field, or one side of a map):
/// O(1) access to element `i`.
#[derive(Debug, Clone, Copy)]
pub struct ArrayView<'a> {
    reg: Ctx<'a>,
    elems: Elems<'a>,
    bytes: &'a [u8],
    len: usize,
    width: u32,
    depth: u32,
}

impl<'a> ArrayView<'a> {
    fn at(reg: Ctx<'a>, elems: Elems<'a>, bytes: &'a [u8], depth: usize) -> RowResult<Self> {
        if depth >= MAX_DEPTH {
            return err(RowErrorKind::TooDeep(MAX_DEPTH));
        }
        let width = match elems {
            Elems::List(e) | Elems::Set(e) | Elems::Side(e) => slot_of(&e.ty)?.elem_width(),
            Elems::Dense(a) => {
                dense_elem_type(a)?;
                dense_width(a)?
            }
        };
        let count = word(bytes, 0)?;
        // The fixed region must fit the bytes: this bounds `len` by the input's size.
        let fixed_end = usize::try_from(count).ok().and_then(|n| {
            let data = n.checked_mul(width).and_then(round8)?;
            8usize.checked_add(bitmap_width(n))?.checked_add(data)
        });
        match fixed_end {
            Some(end) if end <= bytes.len() => {}
            _ => return Err(out_of_bounds(0, fixed_end.unwrap_or(usize::MAX), bytes.len())),
        }
        Ok(ArrayView {
            reg,
            elems,
            bytes,
            len: count as usize,
            width: width as u32,
            depth: depth as u32,
        })
    }

    /// The element type and whether elements may be null.
    fn elem(&self) -> (&'a ResolvedType, bool) {
        match self.elems {
            Elems::List(e) | Elems::Set(e) | Elems::Side(e) => (&e.ty, e.nullable),
            Elems::Dense(a) => (dense_scalar(a), false),
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes of this array (its part of the root row's bytes).
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    fn header(&self) -> usize {
        8 + bitmap_width(self.len)
    }

    fn check(&self, index: usize) -> RowResult<()> {
        if index < self.len {
            Ok(())
        } else {
            err(RowErrorKind::NoSuchElement { index, len: self.len })
        }
    }

    /// Whether element `index` is null.
    pub fn is_null(&self, index: usize) -> RowResult<bool> {
        self.check(index)?;
        Ok(bit(self.bytes, 8, index))
    }

    /// Reads element `index`: O(1).
    pub fn get(&self, index: usize) -> RowResult<RowField<'a>> {
        self.check(index)?;
        if bit(self.bytes, 8, index) {
            return Ok(RowField::Null);
        }
        let header = self.header();
        let fixed_end = header + round8(self.len * self.width as usize).unwrap_or(usize::MAX);
        let (ty, width) = (self.elem().0, self.width as usize);
        read_at(self.reg, ty, self.bytes, header + index * width, fixed_end, self.depth as usize)
            .map_err(|e| e.at(format_args!("[{index}]")))
    }

    /// The elements in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = RowResult<RowField<'a>>> + '_ {
        (0..self.len).map(move |i| self.get(i))
    }

    fn items(&self, budget: &mut usize) -> RowResult<Vec<Value>> {
        spend(budget, self.len)?;
        let mut out = Vec::with_capacity(self.len);
        for i in 0..self.len {
            match self.get(i)? {
                RowField::Null if !self.elem().1 => {
                    return Err(
                        RowError::new(RowErrorKind::NullNotAllowed).at(format_args!("[{i}]"))
                    )
                }
                f => out.push(f.decode_in(budget).map_err(|e| e.at(format_args!("[{i}]")))?),
            }
        }
        Ok(out)
    }

    /// Decodes the array: a `List`, a `Set`, or a dense `*Array` value, as the schema says.
    pub fn to_value(&self) -> RowResult<Value> {
        let mut budget = self.bytes.len();
        self.decode_in(&mut budget)
    }

    fn decode_in(&self, budget: &mut usize) -> RowResult<Value> {
        let a = match self.elems {
            Elems::List(_) | Elems::Side(_) => return Ok(Value::list(self.items(budget)?)),
            Elems::Set(_) => return Ok(Value::set(self.items(budget)?)),
            Elems::Dense(a) => a,
        };
        spend(budget, self.len)?;
        macro_rules! dense {
            ($variant:ident, $field:ident) => {{
                let mut out = Vec::with_capacity(self.len);
                for i in 0..self.len {
                    match self.get(i)? {
                        RowField::$field(x) => out.push(x),
                        RowField::Null => {
                            return Err(RowError::new(RowErrorKind::NullNotAllowed)
                                .at(format_args!("[{i}]")))
                        }
                        other => {
                            return Err(RowError::new(RowErrorKind::Mismatch {
                                expected: dense_name(a),
                                found: other.kind_name(),
                            }))
                        }
                    }
                }
                Value::$variant(out.into())
            }};
        }
        Ok(match a {
            ArrayElem::Bool => dense!(BoolArray, Bool),
            ArrayElem::Int8 => dense!(Int8Array, Int8),
            ArrayElem::Int16 => dense!(Int16Array, Int16),
            ArrayElem::Int32 => dense!(Int32Array, Int32),
            ArrayElem::Int64 => dense!(Int64Array, Int64),
            ArrayElem::Float32 => dense!(Float32Array, Float32),
            ArrayElem::Float64 => dense!(Float64Array, Float64),
            other => return err(RowErrorKind::Unsupported(dense_name(other))),
        })
    }
}

/// A borrowed view of a row map: a keys array and a values array of the same length.
#[derive(Debug, Clone, Copy)]
pub struct MapView<'a> {
    reg: Ctx<'a>,
    k: &'a ResolvedElem,
    v: &'a ResolvedElem,
    bytes: &'a [u8],
    keys_size: usize,
    len: usize,
    depth: u32,
}

impl<'a> MapView<'a> {
    fn at(
        reg: Ctx<'a>,
        k: &'a ResolvedElem,
        v: &'a ResolvedElem,
        bytes: &'a [u8],
        depth: usize,
    ) -> RowResult<Self> {
        let keys_size = word(bytes, 0)?;
        let keys_size = usize::try_from(keys_size).unwrap_or(usize::MAX);
        let keys_bytes = slice(bytes, 8, keys_size)?;
        let keys =
            ArrayView::at(reg, Elems::Side(k), keys_bytes, depth).map_err(|e| e.at("{keys}"))?;
        let rest = bytes.get(8 + keys_size..).unwrap_or(&[]);
        let values =
            ArrayView::at(reg, Elems::Side(v), rest, depth).map_err(|e| e.at("{values}"))?;
        if keys.len() != values.len() {
            return err(RowErrorKind::Corrupt("map keys and values differ in count"));
        }
        // Only what rebuilds the two (validated) arrays is kept: a small `RowField`.
        Ok(MapView { reg, k, v, bytes, keys_size, len: keys.len(), depth: depth as u32 })
    }

    fn side(&self, e: &'a ResolvedElem, keys: bool) -> ArrayView<'a> {
        let bytes = if keys {
            self.bytes.get(8..8 + self.keys_size)
        } else {
            self.bytes.get(8 + self.keys_size..)
        };
        ArrayView {
            reg: self.reg,
            elems: Elems::Side(e),
            bytes: bytes.unwrap_or(&[]),
            len: self.len,
            width: slot_of(&e.ty).map_or(8, |s| s.elem_width()) as u32,
            depth: self.depth,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the map is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes of this map.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The keys array.
    pub fn keys(&self) -> ArrayView<'a> {
        self.side(self.k, true)
    }

    /// The values array.
    pub fn values(&self) -> ArrayView<'a> {
        self.side(self.v, false)
    }

    /// Key `index`.
    pub fn key(&self, index: usize) -> RowResult<RowField<'a>> {
        self.keys().get(index)
    }

    /// Value `index`.
    pub fn value(&self, index: usize) -> RowResult<RowField<'a>> {
        self.values().get(index)
    }

    /// Decodes the map (entries in row order).
    pub fn to_value(&self) -> RowResult<Value> {
        let mut budget = self.bytes.len();
        self.decode_in(&mut budget)
    }

    fn decode_in(&self, budget: &mut usize) -> RowResult<Value> {
        let keys = self.keys().items(budget).map_err(|e| e.at("{keys}"))?;
        let values = self.values().items(budget).map_err(|e| e.at("{values}"))?;
        Ok(Value::Map(
            keys.into_iter().zip(values).map(|(key, value)| MapEntry { key, value }).collect(),
        ))
    }
}
