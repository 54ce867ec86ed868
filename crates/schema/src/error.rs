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
    /// An error in an IDL file read through an [`IdlLoader`](crate::idl::IdlLoader): the
    /// file's name (as the loader named it) and the error.
    #[error("{file}: {error}")]
    InFile {
        /// The file, as the loader named it.
        file: String,
        /// What is wrong in it.
        error: Box<SchemaError>,
    },
    /// An `import` the loader could not find.
    #[error("{importer}:{line}:{column}: imported file {path:?} not found")]
    ImportNotFound {
        /// The importing file (`<text>` for text given directly).
        importer: String,
        /// The path as written in the `import`.
        path: String,
        /// 1-based line of the `import`.
        line: u32,
        /// 1-based column of the `import`.
        column: u32,
    },
    /// The file a load starts from was not found.
    #[error("IDL file {0:?} not found")]
    FileNotFound(String),
    /// The file a load starts from could not be read.
    #[error("cannot read IDL file {path:?}: {message}")]
    FileRead {
        /// The path as given.
        path: String,
        /// The loader's error.
        message: String,
    },
    /// The loader found an imported file but could not read it.
    #[error("{importer}: cannot read imported file {path:?}: {message}")]
    ImportRead {
        /// The importing file (`<text>` for text given directly).
        importer: String,
        /// The path as written in the `import`.
        path: String,
        /// The loader's error.
        message: String,
    },
    /// Files that import each other; the cycle, from the first file on it back to that file.
    #[error("import cycle: {}", cycle.join(" -> "))]
    ImportCycle {
        /// The files of the cycle, the first one repeated at the end.
        cycle: Vec<String>,
    },
    /// Two files of one load define the same type, or give two types the same id.
    #[error("{clash} is defined in both {first} and {second}")]
    TypeClash {
        /// What both define: `type pkg.Name` or `type id N`.
        clash: String,
        /// The first file.
        first: String,
        /// The second file.
        second: String,
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
