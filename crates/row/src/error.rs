//! The row format's typed error.

use std::fmt;

/// What went wrong while writing or reading a row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RowErrorKind {
    /// The type index names no registered message.
    #[error("type #{0} is not a registered message")]
    NotAMessage(u32),
    /// The schema uses a type the standard row format does not define (see `docs/row-format.md`).
    #[error("the standard row format has no {0} (neither its spec nor its peers define it)")]
    Unsupported(&'static str),
    /// A value's variant does not match its position's type.
    #[error("expected {expected}, found {found}")]
    Mismatch {
        /// What the schema wants.
        expected: &'static str,
        /// The value's kind.
        found: &'static str,
    },
    /// A struct value has another number of fields than its type.
    #[error("struct has {found} fields, its type {expected}")]
    FieldCount {
        /// Fields of the type.
        expected: usize,
        /// Fields of the value.
        found: usize,
    },
    /// A null where the schema does not allow one.
    #[error("null in a non-nullable position")]
    NullNotAllowed,
    /// A value does not fit the format (32-bit offsets and sizes, int32 days, int64 microseconds).
    #[error("{0} does not fit the row format")]
    TooLarge(&'static str),
    /// An offset or size of the row points outside its bytes.
    #[error("out of bounds: {size} bytes at {offset} in a region of {len}")]
    OutOfBounds {
        /// Offset inside the region.
        offset: u64,
        /// Bytes wanted.
        size: u64,
        /// Length of the region.
        len: usize,
    },
    /// The row's bytes are inconsistent.
    #[error("corrupt row: {0}")]
    Corrupt(&'static str),
    /// A field ordinal or name the row's type does not have.
    #[error("no field {0}")]
    NoSuchField(String),
    /// An element index past the end of an array.
    #[error("index {index} out of range for {len} elements")]
    NoSuchElement {
        /// The index asked for.
        index: usize,
        /// The number of elements.
        len: usize,
    },
    /// Rows nested deeper than [`crate::MAX_DEPTH`].
    #[error("nesting deeper than {0}")]
    TooDeep(usize),
}

/// A row error: its kind and where it happened (`field.sub[3].key`, empty at the root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// What went wrong.
    pub kind: RowErrorKind,
    /// Where: field names, `[i]` for elements, `{key i}` / `{value i}` for map sides.
    pub path: String,
}

impl RowError {
    pub(crate) fn new(kind: RowErrorKind) -> Self {
        RowError { kind, path: String::new() }
    }

    /// Prepends a path segment (a field name, or `[i]`).
    pub(crate) fn at(mut self, segment: impl fmt::Display) -> Self {
        let seg = segment.to_string();
        if self.path.is_empty() {
            self.path = seg;
        } else if self.path.starts_with('[') || self.path.starts_with('{') {
            self.path = seg + &self.path;
        } else {
            self.path = format!("{seg}.{}", self.path);
        }
        self
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}: {}", self.path, self.kind)
        }
    }
}

impl std::error::Error for RowError {}

impl From<RowErrorKind> for RowError {
    fn from(kind: RowErrorKind) -> Self {
        RowError::new(kind)
    }
}

/// Result of a row operation.
pub type RowResult<T> = Result<T, RowError>;

pub(crate) fn err<T>(kind: RowErrorKind) -> RowResult<T> {
    Err(RowError::new(kind))
}
