//! Schema errors: IDL syntax errors with line and column, and registration errors.

use crate::idl::IdlErrorKind;

/// Why a schema could not be loaded or registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// Fory IDL text could not be parsed (1-based line and column).
    #[error("IDL error at {line}:{column}: {kind}")]
    Idl {
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
        /// What is wrong.
        kind: IdlErrorKind,
    },
    /// Two types share a full name.
    #[error("duplicate type name {0}")]
    DuplicateTypeName(String),
    /// Two types share a numeric id.
    #[error("duplicate type id {0}")]
    DuplicateTypeId(u32),
    /// A field refers to a type that is not known.
    #[error("type {in_type}: unknown type {name}")]
    UnknownType {
        /// The referring type.
        in_type: String,
        /// The unknown name.
        name: String,
    },
    /// A field name or tag id is used twice.
    #[error("type {in_type}: duplicate field {field}")]
    DuplicateField {
        /// The type.
        in_type: String,
        /// The field name or tag.
        field: String,
    },
    /// A schema limit was exceeded.
    #[error("schema limit exceeded: {what} is {value}, limit {limit}")]
    Limit {
        /// Which limit.
        what: &'static str,
        /// The value found.
        value: usize,
        /// The limit.
        limit: usize,
    },
    /// A construct that is valid IDL but not a valid schema (bad map key, empty enum, ...).
    #[error("type {in_type}: {problem}")]
    Invalid {
        /// The type.
        in_type: String,
        /// What is wrong.
        problem: &'static str,
    },
}
