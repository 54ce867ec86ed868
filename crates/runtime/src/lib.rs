//! # foryjit
//!
//! Fory xlang serialization for schemas known only at run time. Load a schema (a descriptor built
//! in code, or Fory IDL text), then serialize and deserialize dynamic [`Value`]s; the bytes are
//! the ones pyfory and the `fory` crate produce and accept.
//!
//! ```
//! use foryjit::{ForyJit, Value};
//! const IDL: &str = "package demo; message Point [id=103] { int32 x = 1; int32 y = 2; }";
//! // Compatible mode, the default (as in pyfory and the `fory` crate): the struct travels with
//! // its TypeDef, so a reader with another version of `Point` can still read it.
//! let fory = ForyJit::builder().build();
//! let point = fory.load_idl(IDL)?.get("demo.Point").unwrap();
//! let value = fory.from_json(point, &serde_json::json!({"x": 1, "y": 2}))?;
//! let bytes = fory.serialize(&value)?;
//! assert_eq!(&bytes[..4], [0x01, 0xff, 0x1c, 0x00]); // header, not null, COMPATIBLE_STRUCT, new TypeDef #0
//! assert_eq!(&bytes[bytes.len() - 2..], [0x02, 0x04]); // x, y after the 14-byte TypeDef
//! let back: Value = fory.deserialize(&bytes)?;
//! assert_eq!(fory.to_json(point, &back)?, serde_json::json!({"x": 1, "y": 2}));
//!
//! // Same-schema mode (`compatible=false`): a 4-byte schema hash instead of the TypeDef.
//! let fixed = ForyJit::builder().compatible(false).build();
//! let point = fixed.load_idl(IDL)?.get("demo.Point").unwrap();
//! let bytes = fixed.serialize(&fixed.from_json(point, &serde_json::json!({"x": 1, "y": 2}))?)?;
//! assert_eq!(bytes, [0x01, 0xff, 0x1b, 0x67, 0x3d, 0x37, 0x2c, 0x49, 0x02, 0x04]);
//! # Ok::<(), foryjit::Error>(())
//! ```
#![deny(clippy::undocumented_unsafe_blocks, unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod backend;
mod engine;
mod error;
pub mod guide;
mod heat;
pub mod idl;
pub mod inspect;
pub mod introspect;
pub mod json;
mod row_engine;
pub mod serde_value;
pub mod stream;
mod tier;
mod view;

pub use engine::{BufferPolicy, ForyJit, ForyJitBuilder, Mode, SchemaHandle, TypeHandle};
pub use error::Error;
pub use foryjit_interp::{Evolution, MetaShare};
/// Fory's standard row format: [`ForyJit::to_row`], [`ForyJit::from_row`],
/// [`ForyJit::row_codec`] and its random-access views.
pub use foryjit_row as row;
pub use foryjit_schema as schema;
pub use foryjit_schema::{
    ArrayElem, ElemType, EnumDesc, EnumMember, FieldDesc, FieldType, IntEncoding, MessageDesc,
    Registration, SchemaDesc, UnionDesc,
};
pub use foryjit_wire::type_id;
pub use foryjit_wire::{
    bf16, f16, CodecError, CodecLimits, Decimal, Duration, EnumValue, ErrorKind, FieldPath, Graph,
    MapEntry, PathSegment, RString, RVec, StringPolicy, StructValue, Timestamp, TypeIdx,
    UnionValue, UnknownStruct, Value,
};
pub use introspect::TypeSchema;
pub use json::JsonError;
pub use serde_value::ValueSeed;
pub use tier::{Tier, TierState, TypeStats};
pub use view::{ValueError, ValueView};
