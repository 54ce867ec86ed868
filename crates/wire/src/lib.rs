//! # foryjit-wire
//!
//! The shared bottom layer of foryjit: the Fory xlang byte primitives, the dynamic [`Value`] with
//! its `#[repr(C)]` layout, and the typed [`CodecError`]. Both execution tiers (the interpreter
//! and compiled code) encode and decode through these functions, so there is one source of truth
//! for the bytes.
//!
//! ```text
//!   schema ──► ir ──► interp ──┐
//!                └──► jit ─────┴──► runtime ──► cli
//!   wire (this crate) ──► every tier
//! ```
//!
//! ```
//! use foryjit_wire::{Reader, Writer};
//! let mut buf = Vec::new();
//! let mut w = Writer::new(&mut buf, usize::MAX);
//! w.put_vari64(-3);
//! assert_eq!(buf, [0x05]);
//! assert_eq!(Reader::new(&buf).vari64().unwrap(), -3);
//! ```
#![deny(clippy::undocumented_unsafe_blocks, unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod access;
pub mod buffer;
pub mod decimal;
pub mod error;
pub mod hash;
pub mod layout;
pub mod limits;
pub mod meta_string;
pub mod rvec;
pub mod type_id;
pub mod value;

pub use buffer::{pod_vec_from_le, Buf, LePod, Reader, StringPolicy, Writer};
pub use decimal::Decimal;
pub use error::{CodecError, CodecResult, ErrorKind, FieldPath, PathSegment};
pub use half::{bf16, f16};
pub use limits::CodecLimits;
pub use rvec::{RString, RVec};
pub use value::{
    Duration, EnumValue, Graph, MapEntry, StructValue, Timestamp, TypeIdx, UnionValue,
    UnknownStruct, Value,
};
