//! How each schema type sits in a row: its slot kind and width.

use crate::error::{err, RowResult};
use crate::RowErrorKind;
use foryjit_schema::{ArrayElem, ResolvedType};

/// Where a value of a type lives: inline at its natural width, or in the variable region
/// through an offset+size word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    Fixed(usize),
    Var,
}

impl Slot {
    /// The width of an array element of this kind (a variable element takes an 8-byte word).
    pub(crate) fn elem_width(self) -> usize {
        match self {
            Slot::Fixed(w) => w,
            Slot::Var => 8,
        }
    }
}

/// The slot kind of `ty`, or the typed error for a type the row format does not define.
/// Containers are checked down to their elements (not into nested messages).
pub(crate) fn slot_of(ty: &ResolvedType) -> RowResult<Slot> {
    use ResolvedType as T;
    Ok(match ty {
        T::Bool | T::Int8 => Slot::Fixed(1),
        T::Int16 => Slot::Fixed(2),
        T::Int32(_) | T::Float32 | T::Date => Slot::Fixed(4),
        T::Int64(_) | T::Float64 | T::Timestamp | T::Duration => Slot::Fixed(8),
        T::String | T::Binary | T::Message(_) => Slot::Var,
        T::List(e) | T::Set(e) => {
            slot_of(&e.ty)?;
            Slot::Var
        }
        T::Map(k, v) => {
            slot_of(&k.ty)?;
            slot_of(&v.ty)?;
            Slot::Var
        }
        T::Array(a) => {
            dense_width(*a)?;
            Slot::Var
        }
        other => return err(RowErrorKind::Unsupported(unsupported_name(other))),
    })
}

/// The element width of a dense array the row format covers.
pub(crate) fn dense_width(a: ArrayElem) -> RowResult<usize> {
    Ok(match a {
        ArrayElem::Bool | ArrayElem::Int8 => 1,
        ArrayElem::Int16 => 2,
        ArrayElem::Int32 | ArrayElem::Float32 => 4,
        ArrayElem::Int64 | ArrayElem::Float64 => 8,
        ArrayElem::UInt8 => return err(RowErrorKind::Unsupported("array<uint8>")),
        ArrayElem::UInt16 => return err(RowErrorKind::Unsupported("array<uint16>")),
        ArrayElem::UInt32 => return err(RowErrorKind::Unsupported("array<uint32>")),
        ArrayElem::UInt64 => return err(RowErrorKind::Unsupported("array<uint64>")),
        ArrayElem::Float16 => return err(RowErrorKind::Unsupported("array<float16>")),
        ArrayElem::BFloat16 => return err(RowErrorKind::Unsupported("array<bfloat16>")),
    })
}

fn unsupported_name(ty: &ResolvedType) -> &'static str {
    use ResolvedType as T;
    match ty {
        T::UInt8 => "uint8",
        T::UInt16 => "uint16",
        T::UInt32(_) => "uint32",
        T::UInt64(_) => "uint64",
        T::Float16 => "float16",
        T::BFloat16 => "bfloat16",
        T::Decimal => "decimal",
        T::Enum(_) => "enum",
        T::Union(_) => "union",
        T::Any => "any",
        _ => "such type",
    }
}

/// Bytes of a null bitmap for `n` fields or elements: whole 8-byte words.
#[inline]
pub(crate) fn bitmap_width(n: usize) -> usize {
    n.div_ceil(64) * 8
}

/// `n` rounded up to a multiple of 8.
#[inline]
pub(crate) fn round8(n: usize) -> Option<usize> {
    n.checked_add(7).map(|v| v & !7)
}

/// A short name of a schema type, for mismatch errors.
pub(crate) fn type_name(ty: &ResolvedType) -> &'static str {
    use ResolvedType as T;
    match ty {
        T::Bool => "bool",
        T::Int8 => "int8",
        T::Int16 => "int16",
        T::Int32(_) => "int32",
        T::Int64(_) => "int64",
        T::Float32 => "float32",
        T::Float64 => "float64",
        T::String => "string",
        T::Binary => "bytes",
        T::Date => "date",
        T::Timestamp => "timestamp",
        T::Duration => "duration",
        T::List(_) => "list",
        T::Set(_) => "set",
        T::Map(..) => "map",
        T::Message(_) => "struct",
        T::Array(a) => dense_name(*a),
        other => unsupported_name(other),
    }
}

pub(crate) fn dense_name(a: ArrayElem) -> &'static str {
    match a {
        ArrayElem::Bool => "array<bool>",
        ArrayElem::Int8 => "array<int8>",
        ArrayElem::Int16 => "array<int16>",
        ArrayElem::Int32 => "array<int32>",
        ArrayElem::Int64 => "array<int64>",
        ArrayElem::UInt8 => "array<uint8>",
        ArrayElem::UInt16 => "array<uint16>",
        ArrayElem::UInt32 => "array<uint32>",
        ArrayElem::UInt64 => "array<uint64>",
        ArrayElem::Float16 => "array<float16>",
        ArrayElem::BFloat16 => "array<bfloat16>",
        ArrayElem::Float32 => "array<float32>",
        ArrayElem::Float64 => "array<float64>",
    }
}

/// The scalar type of one dense-array element the row format covers, as a schema type.
pub(crate) fn dense_elem_type(a: ArrayElem) -> RowResult<&'static ResolvedType> {
    dense_width(a)?;
    Ok(dense_scalar(a))
}

/// [`dense_elem_type`] for an element type already checked (float64 for the others).
pub(crate) fn dense_scalar(a: ArrayElem) -> &'static ResolvedType {
    use foryjit_schema::IntEncoding::Fixed;
    static BOOL: ResolvedType = ResolvedType::Bool;
    static I8: ResolvedType = ResolvedType::Int8;
    static I16: ResolvedType = ResolvedType::Int16;
    static I32: ResolvedType = ResolvedType::Int32(Fixed);
    static I64: ResolvedType = ResolvedType::Int64(Fixed);
    static F32: ResolvedType = ResolvedType::Float32;
    static F64: ResolvedType = ResolvedType::Float64;
    match a {
        ArrayElem::Bool => &BOOL,
        ArrayElem::Int8 => &I8,
        ArrayElem::Int16 => &I16,
        ArrayElem::Int32 => &I32,
        ArrayElem::Int64 => &I64,
        ArrayElem::Float32 => &F32,
        _ => &F64,
    }
}

/// Microseconds since the epoch (or of a duration) from seconds + nanos, flooring
/// sub-microsecond precision (as the fory crate does).
pub(crate) fn to_micros(seconds: i64, nanos: i64, what: &'static str) -> RowResult<i64> {
    let total = i128::from(seconds) * 1_000_000 + i128::from(nanos).div_euclid(1000);
    i64::try_from(total).or_else(|_| err(RowErrorKind::TooLarge(what)))
}

/// Seconds and nanos in `[0, 1e9)` from microseconds.
pub(crate) fn from_micros(micros: i64) -> (i64, u32) {
    (micros.div_euclid(1_000_000), (micros.rem_euclid(1_000_000) as u32) * 1000)
}
