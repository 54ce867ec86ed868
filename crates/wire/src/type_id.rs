//! xlang type ids (identical in the spec, pyfory 1.7.7 and fory-core 1.7.7).
#![allow(missing_docs)]

pub const UNKNOWN: u32 = 0;
pub const BOOL: u32 = 1;
pub const INT8: u32 = 2;
pub const INT16: u32 = 3;
pub const INT32: u32 = 4;
pub const VARINT32: u32 = 5;
pub const INT64: u32 = 6;
pub const VARINT64: u32 = 7;
pub const TAGGED_INT64: u32 = 8;
pub const UINT8: u32 = 9;
pub const UINT16: u32 = 10;
pub const UINT32: u32 = 11;
pub const VAR_UINT32: u32 = 12;
pub const UINT64: u32 = 13;
pub const VAR_UINT64: u32 = 14;
pub const TAGGED_UINT64: u32 = 15;
pub const FLOAT8: u32 = 16;
pub const FLOAT16: u32 = 17;
pub const BFLOAT16: u32 = 18;
pub const FLOAT32: u32 = 19;
pub const FLOAT64: u32 = 20;
pub const STRING: u32 = 21;
pub const LIST: u32 = 22;
pub const SET: u32 = 23;
pub const MAP: u32 = 24;
pub const ENUM: u32 = 25;
pub const NAMED_ENUM: u32 = 26;
pub const STRUCT: u32 = 27;
pub const COMPATIBLE_STRUCT: u32 = 28;
pub const NAMED_STRUCT: u32 = 29;
pub const NAMED_COMPATIBLE_STRUCT: u32 = 30;
pub const EXT: u32 = 31;
pub const NAMED_EXT: u32 = 32;
pub const UNION: u32 = 33;
pub const TYPED_UNION: u32 = 34;
pub const NAMED_UNION: u32 = 35;
pub const NONE: u32 = 36;
pub const DURATION: u32 = 37;
pub const TIMESTAMP: u32 = 38;
pub const DATE: u32 = 39;
pub const DECIMAL: u32 = 40;
pub const BINARY: u32 = 41;
pub const ARRAY: u32 = 42;
pub const BOOL_ARRAY: u32 = 43;
pub const INT8_ARRAY: u32 = 44;
pub const INT16_ARRAY: u32 = 45;
pub const INT32_ARRAY: u32 = 46;
pub const INT64_ARRAY: u32 = 47;
pub const UINT8_ARRAY: u32 = 48;
pub const UINT16_ARRAY: u32 = 49;
pub const UINT32_ARRAY: u32 = 50;
pub const UINT64_ARRAY: u32 = 51;
pub const FLOAT8_ARRAY: u32 = 52;
pub const FLOAT16_ARRAY: u32 = 53;
pub const BFLOAT16_ARRAY: u32 = 54;
pub const FLOAT32_ARRAY: u32 = 55;
pub const FLOAT64_ARRAY: u32 = 56;

/// Ref/null flag bytes.
pub mod flag {
    /// Null.
    pub const NULL: u8 = 0xfd;
    /// Reference to an earlier value: a varuint32 ref id follows.
    pub const REF: u8 = 0xfe;
    /// A non-null value that is not ref-tracked.
    pub const NOT_NULL: u8 = 0xff;
    /// First sight of a ref-tracked value.
    pub const REF_VALUE: u8 = 0x00;
}

/// Payload header bitmap: bit 0 = xlang.
pub const HEADER_XLANG: u8 = 0x01;
/// Payload header bitmap: bit 1 = out-of-band buffers.
pub const HEADER_OOB: u8 = 0x02;
