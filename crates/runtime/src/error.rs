//! The facade's error type.

use crate::json::JsonError;
use foryjit_interp::CatalogError;
use foryjit_schema::SchemaError;
use foryjit_wire::CodecError;

/// Any foryjit error. Encoding and decoding failures carry kind, field path and byte offset.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The schema could not be loaded or registered.
    #[error("schema: {0}")]
    Schema(#[from] SchemaError),
    /// Encoding or decoding failed.
    #[error("{0}")]
    Codec(#[from] Box<CodecError>),
    /// A row could not be written or read (see [`crate::row`]).
    #[error("row: {0}")]
    Row(#[from] foryjit_row::RowError),
    /// Canonical JSON did not match the schema.
    #[error("json: {0}")]
    Json(#[from] JsonError),
    /// A value does not fit its schema (a field set with the wrong type, a root of another
    /// type than asked for).
    #[error("{0}")]
    Value(#[from] crate::ValueError),
    /// No type of that name is registered.
    #[error("unknown type {0}")]
    UnknownType(String),
    /// A JIT-only engine could not compile a type (the types stay registered and interpreted).
    #[error("could not compile {type_name}: {reason}")]
    Compile {
        /// The type.
        type_name: String,
        /// Why.
        reason: String,
    },
    /// The engine does not implement this yet.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// A [`crate::MetaShare`] that was used with another engine (its TypeDefs, and the readers
    /// compiled for them, belong to that engine).
    #[error("this MetaShare belongs to another engine")]
    ForeignMetaShare,
    /// A message stream is framed wrongly, or one of its messages failed (see
    /// [`crate::stream`]).
    #[error("stream: {0}")]
    Stream(#[from] crate::stream::StreamError),
}

impl From<CatalogError> for Error {
    fn from(e: CatalogError) -> Self {
        match e {
            CatalogError::Schema(s) => Error::Schema(s),
            CatalogError::Ir(_) => Error::Unsupported("type cannot be compiled to IR"),
            CatalogError::TypeDef(_) => Error::Unsupported("type cannot be described by a TypeDef"),
        }
    }
}

impl Error {
    /// The codec error, when this is one.
    pub fn as_codec(&self) -> Option<&CodecError> {
        match self {
            Error::Codec(c) => Some(c),
            _ => None,
        }
    }
}
