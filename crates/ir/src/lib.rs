//! # foryjit-ir
//!
//! The serialization program of each registered message: a short, typed list of operations that
//! says what to write and what to read, in wire order. It is the **one input of both tiers**: the
//! interpreter walks it, the JIT lowers it to machine code. Decisions that change observable
//! behaviour — which fields share one capacity or readable-bytes check, what an error names —
//! are made here, once, as explicit ops, so both tiers fail the same way on the same field.
//!
//! ```text
//! message Point { int32 x = 1; int32 y = 2; }   (same-schema mode)
//!
//! write:  reserve 22            // hash + two varint32 at their maximum + 8 slack
//!         put_hash 0x492c373d
//!         put x: var_i32
//!         put y: var_i32
//! read:   ensure 4 (struct)     // the hash
//!         check_hash 0x492c373d
//!         get x: var_i32        // varints check every byte
//!         get y: var_i32
//! ```
//!
//! ```
//! use foryjit_schema::{Registry, SchemaDesc, MessageDesc, FieldDesc, FieldType, IntEncoding};
//! use foryjit_ir::{build_program, Mode};
//! let mut reg = Registry::default();
//! let desc = SchemaDesc::new("demo").message(
//!     MessageDesc::with_id("demo.Point", 1)
//!         .field(FieldDesc::new("x", 1, FieldType::Int32(IntEncoding::Varint)))
//!         .field(FieldDesc::new("y", 2, FieldType::Int32(IntEncoding::Fixed))));
//! let ids = reg.register(desc).unwrap();
//! let prog = build_program(&reg, ids[0], Mode::SameSchema).unwrap();
//! // hash 4 + varint 5 + fixed 4, plus RESERVE_SLACK
//! assert!(prog.to_string().contains("reserve 21"));
//! ```
#![deny(clippy::undocumented_unsafe_blocks, unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod build;
mod display;

pub use build::{
    build_program, build_remote_reader, codec_for, opaque_fields, union_case_codec,
    union_case_nullable, IrError, RESERVE_SLACK,
};
use foryjit_schema::ArrayElem;
use foryjit_wire::TypeIdx;

/// Room the write side makes before the ops that do not reserve through a `Reserve` op: both
/// tiers reserve (or, in compiled code, check for) exactly these many bytes at these points, so
/// that they grow the buffer and reach the output limit alike.
pub mod room {
    /// Before a value's flag (`fd`, `ff`, or a graph's `00` / `fe` + a ref id): the flag and the
    /// head that follows it, or the ref id.
    pub const FLAGGED: u32 = 6;
    /// Before an enum's wire value: the longest varuint32.
    pub const ENUM_VALUE: u32 = 5;
}

/// Serialization mode a program is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// Same-schema (`compatible=false`): a 4-byte schema hash before every struct's fields.
    #[default]
    SameSchema,
    /// Compatible (`compatible=true`, the peers' default): no hash; every struct value is
    /// preceded by type meta with a meta-shared TypeDef, and readers match fields by identifier.
    Compatible,
}

/// Index of a field by its declaration ordinal (the `Value` ordinal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldIdx(pub u32);

/// A scalar in its wire encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scalar {
    /// bool, 1 byte
    Bool,
    /// int8
    I8,
    /// int16, 2 bytes LE
    I16,
    /// int32, fixed 4 bytes
    I32,
    /// int32, zigzag varint
    VarI32,
    /// int64, fixed 8 bytes
    I64,
    /// int64, zigzag PVL varint
    VarI64,
    /// int64, tagged (4 or 9 bytes)
    TaggedI64,
    /// uint8
    U8,
    /// uint16
    U16,
    /// uint32 fixed
    U32,
    /// uint32 varint
    VarU32,
    /// uint64 fixed
    U64,
    /// uint64 PVL varint
    VarU64,
    /// uint64 tagged
    TaggedU64,
    /// float16
    F16,
    /// bfloat16
    BF16,
    /// float32
    F32,
    /// float64
    F64,
}

impl Scalar {
    /// Bytes the value takes when its width is fixed; `None` for varint and tagged encodings.
    pub fn fixed_size(self) -> Option<u32> {
        use Scalar::*;
        match self {
            Bool | I8 | U8 => Some(1),
            I16 | U16 | F16 | BF16 => Some(2),
            I32 | U32 | F32 => Some(4),
            I64 | U64 | F64 => Some(8),
            VarI32 | VarI64 | TaggedI64 | VarU32 | VarU64 | TaggedU64 => None,
        }
    }

    /// Most bytes the value can take.
    pub fn max_size(self) -> u32 {
        use Scalar::*;
        match self {
            VarI32 | VarU32 => 5,
            VarI64 | VarU64 | TaggedI64 | TaggedU64 => 9,
            s => s.fixed_size().unwrap_or(9),
        }
    }

    /// The `Value` tag a value of this scalar must carry.
    pub fn value_tag(self) -> u8 {
        use foryjit_wire::value::tag;
        use Scalar::*;
        match self {
            Bool => tag::BOOL,
            I8 => tag::INT8,
            I16 => tag::INT16,
            I32 | VarI32 => tag::INT32,
            I64 | VarI64 | TaggedI64 => tag::INT64,
            U8 => tag::UINT8,
            U16 => tag::UINT16,
            U32 | VarU32 => tag::UINT32,
            U64 | VarU64 | TaggedU64 => tag::UINT64,
            F16 => tag::FLOAT16,
            BF16 => tag::BFLOAT16,
            F32 => tag::FLOAT32,
            F64 => tag::FLOAT64,
        }
    }

    /// The xlang type id of this scalar.
    pub fn type_id(self) -> u32 {
        use foryjit_wire::type_id as t;
        use Scalar::*;
        match self {
            Bool => t::BOOL,
            I8 => t::INT8,
            I16 => t::INT16,
            I32 => t::INT32,
            VarI32 => t::VARINT32,
            I64 => t::INT64,
            VarI64 => t::VARINT64,
            TaggedI64 => t::TAGGED_INT64,
            U8 => t::UINT8,
            U16 => t::UINT16,
            U32 => t::UINT32,
            VarU32 => t::VAR_UINT32,
            U64 => t::UINT64,
            VarU64 => t::VAR_UINT64,
            TaggedU64 => t::TAGGED_UINT64,
            F16 => t::FLOAT16,
            BF16 => t::BFLOAT16,
            F32 => t::FLOAT32,
            F64 => t::FLOAT64,
        }
    }
}

/// How one non-null value of a known type is written and read (its body, without flags).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Codec {
    /// A scalar.
    Scalar(Scalar),
    /// string
    String,
    /// bytes
    Binary,
    /// date (zigzag varint64 days)
    Date,
    /// timestamp (int64 seconds + uint32 nanos)
    Timestamp,
    /// duration (zigzag varint64 seconds + int32 nanos)
    Duration,
    /// decimal (zigzag varint32 scale + small or big unscaled form)
    Decimal,
    /// Reading only (schema evolution): a list of scalars on the wire, read into a dense array
    /// field; the element codec is the writer's.
    ListAsArray(Box<ElemCodec>, ArrayElem),
    /// Reading only (schema evolution): a dense array on the wire, read into a list field.
    ArrayAsList(ArrayElem),
    /// Reading only (schema evolution): an integer written as `wire`, widened losslessly to the
    /// field's `value` kind (int8 → int16 → int32 → int64, unsigned likewise, unsigned into a
    /// wider signed).
    Widen {
        /// The writer's encoding.
        wire: Scalar,
        /// The reader's field type.
        value: Scalar,
    },
    /// dense array: varuint32 byte length + raw elements
    Array(ArrayElem),
    /// enum: varuint32 of the declared value
    Enum(TypeIdx),
    /// union: varuint32 case id, then the case value as a complete `any` value (flag, type
    /// meta, body); the catalog knows each case's declared type
    Union(TypeIdx),
    /// nested message: the struct body (hash + fields), preceded by type meta when `with_meta`
    Struct {
        /// The message.
        ty: TypeIdx,
        /// Write type meta before the body (named types in same-schema mode, as pyfory does).
        with_meta: bool,
    },
    /// list
    List(Box<ElemCodec>),
    /// set
    Set(Box<ElemCodec>),
    /// map
    Map(Box<ElemCodec>, Box<ElemCodec>),
    /// any value: type meta + body
    Any,
}

/// A collection element, map key or map value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ElemCodec {
    /// The element body codec.
    pub codec: Codec,
    /// Elements may be null.
    pub nullable: bool,
    /// Elements are reference-tracked.
    pub tracking_ref: bool,
    /// The element type is "declared" (no per-collection type meta); false for struct elements,
    /// which always carry their type meta once per collection.
    pub declared: bool,
}

/// A write operation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WriteOp {
    /// One capacity check for the following run of bounded-size writes.
    Reserve {
        /// Bytes to make room for (varints counted at their maximum).
        bytes: u32,
    },
    /// The 4-byte schema hash.
    PutHash(u32),
    /// A non-null scalar field (capacity reserved by the preceding `Reserve`).
    PutScalar {
        /// The field.
        field: FieldIdx,
        /// Its encoding.
        scalar: Scalar,
    },
    /// A nullable scalar field: `ff` + value or `fd` (capacity reserved).
    PutNullableScalar {
        /// The field.
        field: FieldIdx,
        /// Its encoding.
        scalar: Scalar,
    },
    /// A variable-size field (string, list, nested struct, ...), `ff`/`fd` first when nullable.
    PutField {
        /// The field.
        field: FieldIdx,
        /// Its body codec.
        codec: Codec,
        /// Written with a null flag.
        nullable: bool,
    },
}

/// A read operation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReadOp {
    /// One readable-bytes check for the following run of fixed-size reads. On failure the error
    /// names `field` (the run's first field; `None` when the run starts with the struct hash).
    Ensure {
        /// Bytes that must be readable.
        bytes: u32,
        /// The field the error names.
        field: Option<FieldIdx>,
    },
    /// Read the 4-byte hash and compare (bytes ensured).
    CheckHash(u32),
    /// A non-null scalar: fixed-size ones are covered by the preceding `Ensure`, varint and
    /// tagged ones check each byte.
    GetScalar {
        /// The field.
        field: FieldIdx,
        /// Its encoding.
        scalar: Scalar,
    },
    /// A nullable scalar: flag then value, each checked.
    GetNullableScalar {
        /// The field.
        field: FieldIdx,
        /// Its encoding.
        scalar: Scalar,
    },
    /// A variable-size field.
    GetField {
        /// The field.
        field: FieldIdx,
        /// Its body codec.
        codec: Codec,
        /// Read with a null flag.
        nullable: bool,
    },
    /// A field the writer sent that the reader's schema does not have (or has with another
    /// type): read it by the writer's description and drop it (compatible mode).
    Skip {
        /// The field's body codec, from the writer's TypeDef.
        codec: Codec,
        /// Read with a null/ref flag.
        nullable: bool,
    },
    /// Gives every non-nullable field that is still null its type's default value (fields the
    /// writer did not send, or sent as nullable). Last op of a compatible-mode reader whose
    /// writer's schema differs.
    FillDefaults,
}

/// The program of one message type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// The message.
    pub ty: TypeIdx,
    /// Its full name (for dumps and errors).
    pub name: String,
    /// Field names by ordinal (for error paths).
    pub field_names: Vec<String>,
    /// Same-schema hash.
    pub hash: u32,
    /// Mode the program was built for.
    pub mode: Mode,
    /// Write ops in wire order.
    pub write: Vec<WriteOp>,
    /// Read ops in wire order.
    pub read: Vec<ReadOp>,
}

impl Program {
    /// Number of fields of the message.
    pub fn field_count(&self) -> usize {
        self.field_names.len()
    }
}
