//! Typed errors of encoding and decoding: what went wrong, where in the bytes, and in which field.

use std::fmt;

/// What went wrong. Variants carry the numbers a caller may act on; none carries free text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Strict evolution (`ForyJitBuilder::strict_evolution`): reading a struct whose writer's
    /// TypeDef would lose data — a writer field whose type cannot be read into the reader's
    /// field of the same id (`retyped`, e.g. an `int64` into an `int32`), a writer field the
    /// reader has no field for (`skipped`), or a non-nullable reader field the writer does not
    /// send (`defaulted`). `field` names it:
    /// `Type.field`, or `Type#tag` for a writer field known only by its tag id.
    #[error("strict evolution: {what} field {field}")]
    StrictEvolution {
        /// `retyped (unreadable type) writer`, `skipped writer` or `defaulted non-nullable`.
        what: &'static str,
        /// The field.
        field: String,
    },
    /// The input ended: `need` more bytes were required.
    #[error("input truncated: {need} more byte(s) needed")]
    Truncated {
        /// Bytes missing.
        need: usize,
    },
    /// The first byte (bitmap) of the payload has bits we do not support.
    #[error("invalid header bitmap 0x{0:02x}")]
    InvalidHeader(u8),
    /// The payload's header has the out-of-band bit (`0x02`) but it was read without buffers
    /// (use `deserialize_with_buffers`).
    #[error("the payload has out-of-band buffers (header bit 0x02); read it with its buffers")]
    BuffersRequired,
    /// An out-of-band binary names buffer `index` (they are consumed in order) but only
    /// `given` buffers were passed.
    #[error("out-of-band buffer {index} is missing: {given} buffer(s) given")]
    MissingBuffer {
        /// The index of the buffer the payload needs next.
        index: usize,
        /// How many buffers the caller passed.
        given: usize,
    },
    /// The payload used fewer out-of-band buffers than were passed (an in-band payload uses
    /// none).
    #[error("{given} out-of-band buffer(s) given, the payload uses {used}")]
    UnusedBuffers {
        /// Buffers the payload consumed.
        used: usize,
        /// Buffers the caller passed.
        given: usize,
    },
    /// The in-band marker before a binary body of an out-of-band payload is neither `00` (out
    /// of band) nor `01` (in band).
    #[error("invalid in-band marker 0x{0:02x}")]
    InvalidBandMarker(u8),
    /// A reference/null flag byte that is not legal here.
    #[error("invalid ref flag 0x{0:02x}")]
    InvalidRefFlag(u8),
    /// A varint longer than its type allows.
    #[error("malformed varint")]
    MalformedVarint,
    /// A type id that is not a known xlang type.
    #[error("unknown type id {0}")]
    UnknownTypeId(u32),
    /// A user type id or name that is not registered (strict mode).
    #[error("unregistered user type {0}")]
    UnregisteredType(String),
    /// The bytes carry a different type than the schema expects here.
    #[error("type mismatch: expected {expected}, found type id {found}")]
    TypeMismatch {
        /// What the schema expects.
        expected: &'static str,
        /// The type id found in the bytes.
        found: u32,
    },
    /// The struct schema hash in the bytes differs from ours (same-schema mode).
    #[error("struct schema hash mismatch: expected 0x{expected:08x}, found 0x{found:08x}")]
    HashMismatch {
        /// Our hash.
        expected: u32,
        /// The hash in the bytes.
        found: u32,
    },
    /// A string header with encoding 3 or a bad UTF-16 byte length.
    #[error("invalid string encoding {0}")]
    InvalidStringEncoding(u8),
    /// String bytes that are not valid in their declared encoding.
    #[error("invalid string data")]
    InvalidStringData,
    /// A length prefix larger than the remaining input or a configured limit.
    #[error("length {len} exceeds limit {limit}")]
    LengthLimit {
        /// The length read.
        len: u64,
        /// The bound it broke.
        limit: u64,
    },
    /// A dense array's byte length is not a multiple of its element width.
    #[error("array byte length {len} is not a multiple of {width}")]
    BadArrayLength {
        /// Byte length read.
        len: u32,
        /// Element width.
        width: u32,
    },
    /// Nesting deeper than the configured limit.
    #[error("nesting depth exceeds limit {0}")]
    DepthLimit(u32),
    /// The output would exceed the configured maximum size, or memory could not be reserved.
    #[error("output exceeds limit of {0} bytes")]
    OutputLimit(usize),
    /// A map chunk header or size that is not legal.
    #[error("invalid map chunk")]
    InvalidMapChunk,
    /// A collection header with reserved bits set.
    #[error("invalid collection header 0x{0:02x}")]
    InvalidCollectionHeader(u8),
    /// An enum number that the enum does not declare.
    #[error("unknown enum value {0}")]
    UnknownEnumValue(u32),
    /// A null where the schema does not allow one.
    #[error("null for a non-nullable position")]
    UnexpectedNull,
    /// The value's kind does not match the schema (serialize side).
    #[error("wrong value kind: expected {expected}, found {found}")]
    WrongKind {
        /// What the schema expects.
        expected: &'static str,
        /// What the value holds.
        found: &'static str,
    },
    /// A struct value with the wrong number of fields.
    #[error("struct has {found} fields, schema has {expected}")]
    FieldCount {
        /// Fields in the schema.
        expected: usize,
        /// Fields in the value.
        found: usize,
    },
    /// A struct value of another registered type than the schema expects.
    #[error("struct of type #{found} where type #{expected} is expected")]
    WrongStructType {
        /// Expected type index.
        expected: u32,
        /// Found type index.
        found: u32,
    },
    /// Bytes left over after the root value.
    #[error("{0} trailing byte(s) after the root value")]
    TrailingBytes(usize),
    /// A feature of the format this engine does not implement (yet).
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// A time value out of range (nanos not in `[0, 1e9)`, date beyond the int32 day range).
    #[error("time value out of range")]
    InvalidTime,
    /// An integer value that does not fit the field's width (serialize side).
    #[error("integer out of range for {0}")]
    IntOutOfRange(&'static str),
    /// A back-reference (`fe id`) to a ref id that was never assigned.
    #[error("reference to unknown ref id {0}")]
    BadRefId(u32),
    /// A back-reference (`fe id`) to a value that does not fit the position it appears at (a P
    /// where a Q is declared, a string in a bytes field): refused on read and on write.
    #[error("reference to ref id {0} whose value does not fit this position")]
    RefMismatch(u32),
    /// Back-references would copy more values than the limit allows.
    #[error("shared references exceed the copy limit of {0} values")]
    SharedCopyLimit(usize),
    /// A meta string that is malformed.
    #[error("invalid meta string")]
    InvalidMetaString,
    /// A TypeDef that is malformed (bad header bits, field encoding, or type).
    #[error("invalid TypeDef")]
    InvalidTypeDef,
    /// A received TypeDef breaks a limit (`what`: which one).
    #[error("TypeDef exceeds {what} limit {limit}")]
    TypeDefLimit {
        /// The limit: `max_type_fields`, `max_type_meta_bytes`, `max_schema_versions_per_type`
        /// or `max_average_schema_versions_per_type`.
        what: &'static str,
        /// Its value.
        limit: usize,
    },
    /// A DECIMAL with a scale or magnitude out of bounds, or a non-minimal magnitude.
    #[error("invalid decimal")]
    InvalidDecimal,
    /// One root read would materialize more than `max_graph_memory_bytes`.
    #[error("decoded values exceed the memory budget of {0} bytes")]
    MemoryBudget(usize),
    /// More container items without input bytes than `max_unbacked_container_items`.
    #[error("more than {0} container items take no input bytes")]
    UnbackedItems(usize),
    /// A meta-share reference to a TypeDef index not sent in this message.
    #[error("meta-share reference to unknown TypeDef #{0}")]
    BadMetaShareRef(u32),
}

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// A struct field by name.
    Field(String),
    /// A list or array element by index.
    Index(usize),
    /// A map key (entry index).
    Key(usize),
    /// A map value (entry index).
    MapValue(usize),
    /// The value of a union case (case id).
    Case(u32),
}

/// Where in the value an error happened, outermost first: `media.persons[1]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<PathSegment>);

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("<root>");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                PathSegment::Field(n) if i == 0 => write!(f, "{n}")?,
                PathSegment::Field(n) => write!(f, ".{n}")?,
                PathSegment::Index(k) => write!(f, "[{k}]")?,
                PathSegment::Key(k) => write!(f, "{{key #{k}}}")?,
                PathSegment::MapValue(k) => write!(f, "{{value #{k}}}")?,
                PathSegment::Case(c) => write!(f, "{{case {c}}}")?,
            }
        }
        Ok(())
    }
}

/// An encode or decode failure: kind, field path and byte offset.
///
/// The offset is the position in the input (decode) or output (encode) where the failing item
/// starts or where the read ran out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} (field {path}, byte offset {offset})")]
pub struct CodecError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Byte offset in the input or output.
    pub offset: usize,
    /// The field path, outermost first.
    pub path: FieldPath,
}

impl CodecError {
    /// A new error at `offset` with an empty path. Errors travel boxed so that the `Result` of
    /// every read and write stays as small as its success value.
    #[cold]
    pub fn new(kind: ErrorKind, offset: usize) -> Box<Self> {
        Box::new(CodecError { kind, offset, path: FieldPath::default() })
    }

    /// Prepends a path segment (called while unwinding out of nested values).
    #[cold]
    pub fn within(mut self: Box<Self>, seg: PathSegment) -> Box<Self> {
        self.path.0.insert(0, seg);
        self
    }

    /// Moves the offset by `base` (for errors found while parsing a sub-slice of the input).
    #[cold]
    pub fn shifted(mut self: Box<Self>, base: usize) -> Box<Self> {
        self.offset = self.offset.saturating_add(base);
        self
    }
}

/// Result of encode/decode steps (the error is boxed: see [`CodecError::new`]).
pub type CodecResult<T> = Result<T, Box<CodecError>>;
