//! # foryjit
//!
//! Fory xlang serialization for schemas known only at run time. Load a schema (a descriptor built
//! in code, or Fory IDL text), then serialize and deserialize dynamic [`Value`]s; the bytes are
//! the ones pyfory and the `fory` crate produce and accept.
//!
//! ```
//! use foryjit::{ForyJit, Value};
//! let fory = ForyJit::builder().build();
//! let schema = fory.load_idl("package demo; message Point [id=103] { int32 x = 1; int32 y = 2; }")?;
//! let point = schema.get("demo.Point").unwrap();
//! let value = fory.from_json(point, &serde_json::json!({"x": 1, "y": 2}))?;
//! let bytes = fory.serialize(&value)?;
//! assert_eq!(bytes, [0x01, 0xff, 0x1b, 0x67, 0x3d, 0x37, 0x2c, 0x49, 0x02, 0x04]);
//! let back: Value = fory.deserialize(&bytes)?;
//! assert_eq!(fory.to_json(point, &back)?, serde_json::json!({"x": 1, "y": 2}));
//! # Ok::<(), foryjit::Error>(())
//! ```
#![deny(clippy::undocumented_unsafe_blocks, unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod engine;
mod error;
pub mod json;
mod tier;

pub use engine::{ForyJit, ForyJitBuilder, Mode, SchemaHandle, TypeHandle};
pub use error::Error;
pub use foryjit_schema as schema;
pub use foryjit_schema::{
    ArrayElem, ElemType, EnumDesc, FieldDesc, FieldType, IntEncoding, MessageDesc, SchemaDesc,
};
pub use foryjit_wire::{
    bf16, f16, CodecError, CodecLimits, Duration, EnumValue, ErrorKind, FieldPath, MapEntry,
    PathSegment, RString, RVec, StringPolicy, StructValue, Timestamp, TypeIdx, Value,
};
pub use json::JsonError;
pub use tier::{Tier, TierState, TypeStats};
