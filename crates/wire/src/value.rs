//! The dynamic `Value` and its `#[repr(C, u8)]` layout.
//!
//! A `Value` is what foryjit serializes and deserializes for a schema known only at run time. It is
//! cheap: a struct is a boxed array of field values addressed by **ordinal** (declaration order);
//! field names live once in the schema, never in each record. Every container is one of our own
//! `#[repr(C)]` types, so compiled code can read a tag at offset 0 and a payload at a fixed offset
//! (see [`crate::layout`]).

use crate::decimal::Decimal;
use crate::rvec::{RString, RVec};
use half::{bf16, f16};

/// Index of a registered type inside one engine's type registry.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeIdx(pub u32);

/// A timestamp: seconds since the Unix epoch and nanoseconds in `[0, 1e9)`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timestamp {
    /// Whole seconds since 1970-01-01T00:00:00Z (may be negative).
    pub seconds: i64,
    /// Nanoseconds within the second, `0..1_000_000_000`.
    pub nanos: u32,
}

/// A signed duration: seconds and nanoseconds in `[0, 1e9)`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Duration {
    /// Whole seconds (may be negative).
    pub seconds: i64,
    /// Nanoseconds added to `seconds`, `0..1_000_000_000`.
    pub nanos: i32,
}

/// An enum value: the enum's registered type and the value's wire id (its declared number).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnumValue {
    /// The enum type.
    pub ty: TypeIdx,
    /// The declared numeric value, which is what travels on the wire.
    pub value: u32,
}

/// One map entry. Maps keep their entries in order (the wire order).
#[repr(C)]
#[derive(Debug, Clone, PartialEq)]
pub struct MapEntry {
    /// The key.
    pub key: Value,
    /// The value.
    pub value: Value,
}

/// A struct value: its registered type and one value per field, in declaration order.
#[repr(C)]
#[derive(Debug, Clone, PartialEq)]
pub struct StructValue {
    /// Field values by ordinal (declaration order in the schema).
    pub fields: RVec<Value>,
    /// The struct's type.
    pub ty: TypeIdx,
}

impl StructValue {
    /// A struct of type `ty` with the given field values (declaration order).
    pub fn new(ty: TypeIdx, fields: Vec<Value>) -> Self {
        StructValue { fields: fields.into(), ty }
    }

    /// The value of field `ordinal`, if the struct has that many fields.
    pub fn get(&self, ordinal: usize) -> Option<&Value> {
        self.fields.get(ordinal)
    }

    /// Mutable access to field `ordinal`.
    pub fn get_mut(&mut self, ordinal: usize) -> Option<&mut Value> {
        self.fields.get_mut(ordinal)
    }

    /// Replaces field `ordinal`; returns `false` if there is no such field.
    pub fn set(&mut self, ordinal: usize, value: Value) -> bool {
        match self.fields.get_mut(ordinal) {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        }
    }
}

/// A dynamic value. The tag is one byte at offset 0 (`#[repr(C, u8)]`), the payload follows at
/// offset 8; `size_of::<Value>() == 32`.
///
/// At the root or inside an untyped position the variant decides the xlang type written: `Int64`
/// is VARINT64 (what Python ints are), `Int32` is VARINT32 (a Rust `i32`), `Float64` is FLOAT64,
/// `String` is STRING, `List` is LIST, the `*Array` variants are the dense `*_ARRAY` types.
/// Inside a struct the schema decides, and the variant must match the field's type.
#[repr(C, u8)]
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// Null: an absent nullable field, a null list element or map side.
    #[default]
    Null = 0,
    /// bool
    Bool(bool) = 1,
    /// int8
    Int8(i8) = 2,
    /// int16
    Int16(i16) = 3,
    /// int32 in any encoding
    Int32(i32) = 4,
    /// int64 in any encoding
    Int64(i64) = 5,
    /// uint8
    UInt8(u8) = 6,
    /// uint16
    UInt16(u16) = 7,
    /// uint32 in any encoding
    UInt32(u32) = 8,
    /// uint64 in any encoding
    UInt64(u64) = 9,
    /// float16
    Float16(f16) = 10,
    /// bfloat16
    BFloat16(bf16) = 11,
    /// float32
    Float32(f32) = 12,
    /// float64
    Float64(f64) = 13,
    /// string
    String(RString) = 14,
    /// bytes (BINARY)
    Binary(RVec<u8>) = 15,
    /// date: days since 1970-01-01
    Date(i32) = 16,
    /// timestamp
    Timestamp(Timestamp) = 17,
    /// duration
    Duration(Duration) = 18,
    /// enum value
    Enum(EnumValue) = 19,
    /// list (the value of a `list<T>` field; a `set<T>` field refuses it)
    List(RVec<Value>) = 20,
    /// set (elements in order; uniqueness is the writer's business, as in the peers). The value
    /// of a `set<T>` field, which reads back as a `Set`; a `list<T>` field refuses it.
    Set(RVec<Value>) = 21,
    /// map (entries in order)
    Map(RVec<MapEntry>) = 22,
    /// struct
    Struct(StructValue) = 23,
    /// array<bool>
    BoolArray(RVec<bool>) = 24,
    /// array<int8>
    Int8Array(RVec<i8>) = 25,
    /// array<int16>
    Int16Array(RVec<i16>) = 26,
    /// array<int32>
    Int32Array(RVec<i32>) = 27,
    /// array<int64>
    Int64Array(RVec<i64>) = 28,
    /// array<uint8>
    UInt8Array(RVec<u8>) = 29,
    /// array<uint16>
    UInt16Array(RVec<u16>) = 30,
    /// array<uint32>
    UInt32Array(RVec<u32>) = 31,
    /// array<uint64>
    UInt64Array(RVec<u64>) = 32,
    /// array<float16>
    Float16Array(RVec<f16>) = 33,
    /// array<bfloat16>
    BFloat16Array(RVec<bf16>) = 34,
    /// array<float32>
    Float32Array(RVec<f32>) = 35,
    /// array<float64>
    Float64Array(RVec<f64>) = 36,
    /// decimal
    Decimal(Decimal) = 37,
    /// a struct of a type this engine has not registered (compatible mode), kept so that it
    /// serializes again to the same bytes
    Unknown(Box<UnknownStruct>) = 38,
    /// a union: which case, and its value
    Union(Box<UnionValue>) = 39,
    /// a reference to node `n` of the enclosing [`Graph`] (shared or cyclic values)
    Ref(u32) = 40,
}

/// A value graph: values that are shared, or that contain themselves, are stored once in
/// `nodes` and referenced with [`Value::Ref`] (the index). A `Value` tree has no identity, so
/// sharing and cycles live in this arena instead — no reference counting, nothing leaks, and a
/// graph with cycles is built, read and written like any other value.
///
/// ```
/// use foryjit_wire::{Graph, Value};
/// // A list that contains itself: root = Ref(0), node 0 = [Ref(0)].
/// let g = Graph { root: Value::Ref(0), nodes: vec![Value::list(vec![Value::Ref(0)])] };
/// assert!(matches!(g.resolve(&g.root), Some(Value::List(_))));
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Graph {
    /// The root value (often a `Ref` to the first node).
    pub root: Value,
    /// The shared nodes, by reference index.
    pub nodes: Vec<Value>,
}

impl Graph {
    /// A graph whose root is a plain value (no shared nodes).
    pub fn tree(root: Value) -> Graph {
        Graph { root, nodes: Vec::new() }
    }

    /// `v` with references followed to a non-reference value (`None` for a dangling or
    /// self-only reference chain).
    pub fn resolve<'g>(&'g self, mut v: &'g Value) -> Option<&'g Value> {
        for _ in 0..=self.nodes.len() {
            match v {
                Value::Ref(i) => v = self.nodes.get(*i as usize)?,
                other => return Some(other),
            }
        }
        None
    }
}

/// A value of a union type: the case id and the case's value.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionValue {
    /// The union type.
    pub ty: TypeIdx,
    /// The case id.
    pub case: u32,
    /// The case's value.
    pub value: Value,
}

/// A struct whose type the reader never registered, read in compatible mode: the writer's
/// TypeDef and the field values in the writer's field order. Serializing it writes the same
/// TypeDef and the fields as the TypeDef describes them, so a decode → encode round trip is
/// byte-identical (pyfory's `UnknownStruct` behaviour).
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownStruct {
    /// The type id the struct was announced with — COMPATIBLE_STRUCT, NAMED_COMPATIBLE_STRUCT
    /// or NAMED_STRUCT, the kinds a compatible reader follows with a TypeDef — kept as received
    /// (whatever the TypeDef's own compatible bit says); the writer refuses any other.
    pub type_id: u32,
    /// The complete encoded TypeDef (header, size, body).
    pub typedef: std::sync::Arc<[u8]>,
    /// Field values in the TypeDef's order.
    pub fields: Vec<Value>,
}

/// The tag byte of each [`Value`] variant, as compiled code sees it at offset 0.
#[allow(missing_docs)]
pub mod tag {
    pub const NULL: u8 = 0;
    pub const BOOL: u8 = 1;
    pub const INT8: u8 = 2;
    pub const INT16: u8 = 3;
    pub const INT32: u8 = 4;
    pub const INT64: u8 = 5;
    pub const UINT8: u8 = 6;
    pub const UINT16: u8 = 7;
    pub const UINT32: u8 = 8;
    pub const UINT64: u8 = 9;
    pub const FLOAT16: u8 = 10;
    pub const BFLOAT16: u8 = 11;
    pub const FLOAT32: u8 = 12;
    pub const FLOAT64: u8 = 13;
    pub const STRING: u8 = 14;
    pub const BINARY: u8 = 15;
    pub const DATE: u8 = 16;
    pub const TIMESTAMP: u8 = 17;
    pub const DURATION: u8 = 18;
    pub const ENUM: u8 = 19;
    pub const LIST: u8 = 20;
    pub const SET: u8 = 21;
    pub const MAP: u8 = 22;
    pub const STRUCT: u8 = 23;
    pub const BOOL_ARRAY: u8 = 24;
    pub const FLOAT64_ARRAY: u8 = 36;
    pub const DECIMAL: u8 = 37;
    pub const UNKNOWN: u8 = 38;
    pub const UNION: u8 = 39;
    pub const REF: u8 = 40;
}

impl Value {
    /// The variant's tag byte (see [`tag`]).
    #[inline]
    pub fn tag(&self) -> u8 {
        // SAFETY: `Value` is `#[repr(C, u8)]`, so its first byte is the `u8` discriminant
        // (RFC 2195), and `self` is a valid reference.
        unsafe { *(self as *const Value as *const u8) }
    }

    /// A short name of the variant, used in error messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int8(_) => "int8",
            Value::Int16(_) => "int16",
            Value::Int32(_) => "int32",
            Value::Int64(_) => "int64",
            Value::UInt8(_) => "uint8",
            Value::UInt16(_) => "uint16",
            Value::UInt32(_) => "uint32",
            Value::UInt64(_) => "uint64",
            Value::Float16(_) => "float16",
            Value::BFloat16(_) => "bfloat16",
            Value::Float32(_) => "float32",
            Value::Float64(_) => "float64",
            Value::String(_) => "string",
            Value::Binary(_) => "bytes",
            Value::Date(_) => "date",
            Value::Timestamp(_) => "timestamp",
            Value::Duration(_) => "duration",
            Value::Enum(_) => "enum",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Map(_) => "map",
            Value::Struct(_) => "struct",
            Value::BoolArray(_) => "array<bool>",
            Value::Int8Array(_) => "array<int8>",
            Value::Int16Array(_) => "array<int16>",
            Value::Int32Array(_) => "array<int32>",
            Value::Int64Array(_) => "array<int64>",
            Value::UInt8Array(_) => "array<uint8>",
            Value::UInt16Array(_) => "array<uint16>",
            Value::UInt32Array(_) => "array<uint32>",
            Value::UInt64Array(_) => "array<uint64>",
            Value::Float16Array(_) => "array<float16>",
            Value::BFloat16Array(_) => "array<bfloat16>",
            Value::Float32Array(_) => "array<float32>",
            Value::Float64Array(_) => "array<float64>",
            Value::Decimal(_) => "decimal",
            Value::Unknown(_) => "unknown struct",
            Value::Union(_) => "union",
            Value::Ref(_) => "reference",
        }
    }

    /// A string value.
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(RString::from(s.into()))
    }

    /// A list value.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(items.into())
    }

    /// A set value (what a `set<T>` field takes).
    pub fn set(items: Vec<Value>) -> Value {
        Value::Set(items.into())
    }

    /// A map value from `(key, value)` pairs, in order.
    pub fn map(entries: Vec<(Value, Value)>) -> Value {
        Value::Map(entries.into_iter().map(|(key, value)| MapEntry { key, value }).collect())
    }

    /// The struct payload, if this is a struct.
    pub fn as_struct(&self) -> Option<&StructValue> {
        match self {
            Value::Struct(s) => Some(s),
            _ => None,
        }
    }

    /// The text, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s.as_str()),
            _ => None,
        }
    }

    /// True for `Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Bitwise equality: like `==` but floats compare by bits, so NaN equals the same NaN and
    /// `-0.0` differs from `0.0`. This is the equality the differential and peer tests use.
    pub fn bit_eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Float16(a), Float16(b)) => a.to_bits() == b.to_bits(),
            (BFloat16(a), BFloat16(b)) => a.to_bits() == b.to_bits(),
            (Float32(a), Float32(b)) => a.to_bits() == b.to_bits(),
            (Float64(a), Float64(b)) => a.to_bits() == b.to_bits(),
            (Float16Array(a), Float16Array(b)) => {
                a.len() == b.len()
                    && a.iter().zip(b.iter()).all(|(x, y)| x.to_bits() == y.to_bits())
            }
            (BFloat16Array(a), BFloat16Array(b)) => {
                a.len() == b.len()
                    && a.iter().zip(b.iter()).all(|(x, y)| x.to_bits() == y.to_bits())
            }
            (Float32Array(a), Float32Array(b)) => {
                a.len() == b.len()
                    && a.iter().zip(b.iter()).all(|(x, y)| x.to_bits() == y.to_bits())
            }
            (Float64Array(a), Float64Array(b)) => {
                a.len() == b.len()
                    && a.iter().zip(b.iter()).all(|(x, y)| x.to_bits() == y.to_bits())
            }
            (List(a), List(b)) | (Set(a), Set(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.bit_eq(y))
            }
            (Map(a), Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|(x, y)| x.key.bit_eq(&y.key) && x.value.bit_eq(&y.value))
            }
            (Union(a), Union(b)) => a.ty == b.ty && a.case == b.case && a.value.bit_eq(&b.value),
            (Unknown(a), Unknown(b)) => {
                a.type_id == b.type_id
                    && a.typedef == b.typedef
                    && a.fields.len() == b.fields.len()
                    && a.fields.iter().zip(&b.fields).all(|(x, y)| x.bit_eq(y))
            }
            (Struct(a), Struct(b)) => {
                a.ty == b.ty
                    && a.fields.len() == b.fields.len()
                    && a.fields.iter().zip(b.fields.iter()).all(|(x, y)| x.bit_eq(y))
            }
            _ => self == other,
        }
    }
}
