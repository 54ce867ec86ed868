//! # foryjit-schema
//!
//! Run-time schemas for foryjit: type descriptors built in code ([`desc`]), the Fory IDL loader
//! ([`idl`]), and the [`Registry`] that resolves type references, computes the xlang field order
//! and the same-schema struct hash so our struct bytes equal every other Fory language's.
//!
//! ```
//! use foryjit_schema::{Registry, SchemaDesc};
//! let desc = SchemaDesc::from_idl("package demo; message Point [id=1] { int32 x = 1; int32 y = 2; }").unwrap();
//! let mut reg = Registry::default();
//! let ids = reg.register(desc).unwrap();
//! let point = reg.message(ids[0]).unwrap();
//! assert_eq!(point.hash, u32::from_le_bytes([0x3d, 0x37, 0x2c, 0x49]));
//! ```
#![deny(clippy::undocumented_unsafe_blocks, unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod desc;
pub mod error;
pub mod idl;
pub mod registry;
pub mod typedef;

pub use desc::{
    ArrayElem, ElemType, EnumDesc, EnumMember, FieldDesc, FieldType, IntEncoding, MessageDesc,
    Registration, SchemaDesc, TypeDesc, UnionCase, UnionDesc,
};
pub use error::SchemaError;
pub use foryjit_wire::TypeIdx;
pub use registry::{
    snake_case, EnumInfo, FieldInfo, Limits, MessageInfo, Registry, ResolvedElem, ResolvedType,
    TypeInfo, UnionCaseInfo, UnionInfo,
};
