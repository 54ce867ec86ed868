//! Fory IDL (`.fdl`) loader: a hand-written lexer and recursive-descent parser that turns IDL
//! text into a [`SchemaDesc`]. The user-facing reference is `docs/idl.md` (shown as the
//! `foryjit::idl` module of the `foryjit` crate).
//!
//! Supported (following fory-compiler 1.7.7):
//!
//! * `//` and `/* */` comments; `package a.b [alias x];`; `option name = value;` (only
//!   `enable_auto_type_id`, `evolving` and foryjit's `field_ids` have an effect, other options
//!   are ignored);
//!   `service` blocks are skipped; `import "path";` through an [`IdlLoader`] ([`parse_with`],
//!   [`load_file`]; plain [`parse`] refuses it with [`IdlErrorKind::ImportNotSupported`]).
//! * `enum Name [id=N] { NAME = 0; ... }` and `message Name [id=N, evolving=false, alias="x"]
//!   { fields; nested message/enum definitions; reserved ...; }`.
//! * Fields `[optional] [ref] [repeated] type name = N [nullable=true, ref=true, ...];` with the
//!   scalar types, `fixed`/`varint`/`tagged` integer encodings (also spelled `fixed_int32`, ...),
//!   `list<[optional] [ref] T>`, `map<K, [optional] [ref] V>`, `array<T>`, `any` and named types.
//! * Type references resolve like fory-compiler: a simple name is looked up among the nested types
//!   of the enclosing messages (innermost first), then at package level; a dotted name is a path
//!   from package level (`Outer.Inner`), optionally package-qualified (`pkg.Outer.Inner`).
//!   Types may be used before they are declared. Resolved references use the full name.
//! * Type identity: `[id=N]` registers by id; otherwise, with `enable_auto_type_id` (default on),
//!   by the id `murmur3_x86_32("<package-or-package-alias>.<Outer.Inner>")` (`[alias="a"]`
//!   replaces the type path, a dotted alias replaces the whole input); with
//!   `option enable_auto_type_id = false;` by namespace and name, where a nested type `Inner` of
//!   `pkg.Outer` gets namespace `pkg.Outer` and name `Inner` (what the Java, Python and Go code
//!   generators register).
//!
//! Field semantics: the field number is the tag id (`0..2^29`); `optional` (or `[nullable=true]`)
//! makes a field nullable, and fields of message type and of type `any` are always nullable
//! (`optional` on them is accepted and changes nothing), as in fory-compiler, which has no syntax
//! for a non-nullable message field either. A descriptor built in code can declare one (a plain
//! `T` struct field of the fory crate, written with no flag byte): parse the FDL and set the
//! field's `nullable` to false. `ref` (or `[ref=true]`, which on a list or map field applies
//! to the elements or values) is only allowed on message types, as in fory-compiler. Modifiers after `repeated` apply to the elements. Containers may nest
//! (`list<map<K, V>>`), unlike in fory-compiler, up to [`IdlLimits::max_nesting_depth`].
//! Map keys may be string, bool, integers, date, timestamp, duration or enums.
//!
//! Unions (top level or nested in a message) become [`UnionDesc`]s.
//!
//! Every error carries the 1-based line and column of the offending token. Input size, type
//! count, field count and nesting depth are bounded by [`IdlLimits`], so hostile input cannot
//! exhaust memory or the stack.

use std::collections::{HashMap, HashSet};

use crate::desc::{
    ArrayElem, ElemType, EnumDesc, EnumMember, FieldDesc, FieldType, IntEncoding, MessageDesc,
    Registration, SchemaDesc, TypeDesc, UnionCase, UnionDesc,
};
use crate::SchemaError;

mod imports;
pub use imports::{
    load_file, parse_resolving, parse_with, FsLoader, IdlLoader, IdlSource, MemoryLoader,
};

/// Size limits applied while loading IDL text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdlLimits {
    /// Maximum length of the text in bytes (default 4 MiB).
    pub max_text_bytes: usize,
    /// Maximum number of enums, messages and unions, nested ones included, in one text and in
    /// all the files of one load together (default 10 000).
    pub max_types: usize,
    /// Maximum number of fields in one message, and of members in one enum (default 10 000).
    pub max_fields_per_message: usize,
    /// Maximum nesting depth of messages inside messages, and of containers inside containers
    /// in one type expression such as `list<map<K, list<V>>>` (default 32). Values above 128
    /// are treated as 128, which keeps the recursive parser far away from the stack limit.
    pub max_nesting_depth: usize,
    /// Maximum number of files one load reads through `import`, the first one included
    /// (default 1 024).
    pub max_files: usize,
}

impl Default for IdlLimits {
    fn default() -> Self {
        IdlLimits {
            max_text_bytes: 4 << 20,
            max_types: 10_000,
            max_fields_per_message: 10_000,
            max_nesting_depth: 32,
            max_files: 1024,
        }
    }
}

/// Hard cap on [`IdlLimits::max_nesting_depth`]: the recursion bound of the parser.
const HARD_MAX_NESTING_DEPTH: usize = 128;
/// Field numbers are tag ids in `[0, 2^29)`.
const MAX_FIELD_NUMBER: i64 = (1 << 29) - 1;
/// Offending token text kept in errors is cut to this many characters.
const MAX_FOUND_CHARS: usize = 40;

/// What is wrong with a piece of IDL text (see [`SchemaError::Idl`] for the position).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdlErrorKind {
    /// A character that starts no token.
    #[error("unexpected character {0:?}")]
    UnexpectedChar(char),
    /// A `/*` comment without its `*/`.
    #[error("unterminated block comment")]
    UnterminatedComment,
    /// A string literal without its closing quote on the same line.
    #[error("unterminated string literal")]
    UnterminatedString,
    /// An integer literal that does not fit in 64 bits.
    #[error("integer {0} is out of range")]
    IntegerOutOfRange(String),
    /// A token that does not fit the grammar here.
    #[error("expected {expected}, found {found}")]
    UnexpectedToken {
        /// What the grammar allows here.
        expected: &'static str,
        /// The offending token (shortened), or `end of input`.
        found: String,
    },
    /// An `import` statement in text parsed without an [`IdlLoader`] (use [`parse_with`],
    /// or `ForyJit::load_idl_with` / `ForyJit::load_idl_file`).
    #[error("import needs a loader; parse with an IdlLoader (load_idl_with, load_idl_file)")]
    ImportNotSupported,
    /// `import public` or `import weak`, which Fory IDL does not support.
    #[error("`import {0}` is not supported; import each file directly where it is needed")]
    UnsupportedImportModifier(&'static str),
    /// A simple or partly qualified type name that matches types of several imported files.
    #[error("type {name} is ambiguous: {candidates}; qualify it with its package")]
    AmbiguousType {
        /// The name as written.
        name: String,
        /// The full names it could mean, comma-separated.
        candidates: String,
    },
    /// A valid IDL construct this engine does not support yet (`union`).
    #[error("{0} is not supported")]
    UnsupportedType(&'static str),
    /// A second `package` declaration.
    #[error("duplicate package declaration")]
    DuplicatePackage,
    /// An option with a value of the wrong kind (e.g. `evolving = 3`).
    #[error("invalid value for option {0}")]
    InvalidOptionValue(String),
    /// A type id outside `1..=u32::MAX`.
    #[error("type id {0} is out of range 1..=4294967295")]
    InvalidTypeId(i64),
    /// Two types with the same (local) name, e.g. `Outer.Inner`.
    #[error("duplicate type name {0}")]
    DuplicateTypeName(String),
    /// Two types with the same numeric id (explicit or auto-generated).
    #[error("duplicate type id {0}")]
    DuplicateTypeId(u32),
    /// A type reference that names no enum or message of the text.
    #[error("unknown type {0}")]
    UnknownType(String),
    /// A field number outside `[0, 2^29)`.
    #[error("field number {0} is out of range 0..=536870911")]
    FieldNumberOutOfRange(i64),
    /// Two fields of one message share a number.
    #[error("duplicate field number {0}")]
    DuplicateFieldNumber(u32),
    /// Two fields of one message share a name.
    #[error("duplicate field name {0}")]
    DuplicateFieldName(String),
    /// An enum value outside `0..=u32::MAX`.
    #[error("enum value {0} is out of range 0..=4294967295")]
    EnumValueOutOfRange(i64),
    /// Two members of one enum share a value.
    #[error("duplicate enum value {0}")]
    DuplicateEnumValue(u32),
    /// Two members of one enum share a name.
    #[error("duplicate enum member {0}")]
    DuplicateEnumMember(String),
    /// An enum without members.
    #[error("enum {0} declares no values")]
    EmptyEnum(String),
    /// A union without cases.
    #[error("union {0} declares no cases")]
    EmptyUnion(String),
    /// An encoding modifier on a type that does not have it (`tagged int32`, `fixed string`).
    #[error("`{modifier}` encoding is not valid for {ty}")]
    InvalidEncoding {
        /// `fixed`, `varint` or `tagged`.
        modifier: &'static str,
        /// The type it was applied to.
        ty: String,
    },
    /// A map key type other than string, bool, integers, date/time types or enums.
    #[error("{0} cannot be a map key")]
    InvalidMapKey(String),
    /// An `array<T>` element other than bool, integers and floats (without encoding modifier).
    #[error("{0} cannot be an array element")]
    InvalidArrayElement(String),
    /// `ref` on something other than a message type.
    #[error("ref is only valid for message types, not {0}")]
    RefNotAllowed(String),
    /// Messages or type expressions nested deeper than [`IdlLimits::max_nesting_depth`].
    #[error("nesting deeper than {0} levels")]
    NestingTooDeep(usize),
}

/// Parses Fory IDL text with the default [`IdlLimits`].
pub fn parse(text: &str) -> Result<SchemaDesc, SchemaError> {
    parse_with_limits(text, &IdlLimits::default())
}

/// Parses Fory IDL text into a schema descriptor, within `limits`.
///
/// Types come out in declaration order, each message before the types nested in it.
pub fn parse_with_limits(text: &str, limits: &IdlLimits) -> Result<SchemaDesc, SchemaError> {
    let unit = parse_unit(text, limits)?;
    if let Some((_, pos)) = unit.imports.first() {
        return Err(error_at(*pos, IdlErrorKind::ImportNotSupported));
    }
    unit.finish(&|_, _| Ok(None))
}

/// Parses one text into its declarations.
fn parse_unit(text: &str, limits: &IdlLimits) -> Result<Unit, SchemaError> {
    if text.len() > limits.max_text_bytes {
        return Err(SchemaError::Limit {
            what: "IDL text bytes",
            value: text.len(),
            limit: limits.max_text_bytes,
        });
    }
    let mut parser = Parser::new(text, limits)?;
    parser.parse_file()?;
    Ok(parser.into_unit())
}

// ---------------------------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pos {
    line: u32,
    column: u32,
}

fn error_at(pos: Pos, kind: IdlErrorKind) -> SchemaError {
    SchemaError::Idl { line: pos.line, column: pos.column, kind }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok<'a> {
    /// Identifier or keyword: `[A-Za-z_][A-Za-z0-9_]*`.
    Word(&'a str),
    /// Integer literal: `-?[0-9]+`.
    Int(&'a str),
    /// String literal with escapes applied.
    Str(String),
    /// One of `{}[]()<>;,=.`.
    Punct(u8),
    Eof,
}

#[derive(Debug, Clone)]
struct Token<'a> {
    tok: Tok<'a>,
    pos: Pos,
}

impl Token<'_> {
    /// The token as shown in an error message.
    fn describe(&self) -> String {
        match &self.tok {
            Tok::Word(w) | Tok::Int(w) => format!("`{}`", shorten(w)),
            Tok::Str(s) => format!("string \"{}\"", shorten(s)),
            Tok::Punct(c) => format!("`{}`", char::from(*c)),
            Tok::Eof => "end of input".to_string(),
        }
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= MAX_FOUND_CHARS {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(MAX_FOUND_CHARS).collect();
        out.push('…');
        out
    }
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    line: u32,
    column: u32,
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Lexer { src, pos: 0, line: 1, column: 1 }
    }

    fn here(&self) -> Pos {
        Pos { line: self.line, column: self.column }
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.src.as_bytes().get(at).copied()
    }

    /// Consumes one byte; columns count characters, so UTF-8 continuation bytes add none.
    fn bump_byte(&mut self) {
        let Some(b) = self.byte(self.pos) else { return };
        self.pos += 1;
        if b == b'\n' {
            self.line = self.line.saturating_add(1);
            self.column = 1;
        } else if b & 0xC0 != 0x80 {
            self.column = self.column.saturating_add(1);
        }
    }

    fn bump_char(&mut self, c: char) {
        for _ in 0..c.len_utf8() {
            self.bump_byte();
        }
    }

    fn skip_trivia(&mut self) -> Result<(), SchemaError> {
        while let Some(b) = self.byte(self.pos) {
            match (b, self.byte(self.pos + 1)) {
                (b' ' | b'\t' | b'\r' | b'\n', _) => self.bump_byte(),
                (b'/', Some(b'/')) => {
                    while matches!(self.byte(self.pos), Some(c) if c != b'\n') {
                        self.bump_byte();
                    }
                }
                (b'/', Some(b'*')) => {
                    let start = self.here();
                    self.bump_byte();
                    self.bump_byte();
                    loop {
                        match (self.byte(self.pos), self.byte(self.pos + 1)) {
                            (None, _) => {
                                return Err(error_at(start, IdlErrorKind::UnterminatedComment))
                            }
                            (Some(b'*'), Some(b'/')) => {
                                self.bump_byte();
                                self.bump_byte();
                                break;
                            }
                            _ => self.bump_byte(),
                        }
                    }
                }
                _ => break,
            }
        }
        Ok(())
    }

    fn next_token(&mut self) -> Result<Token<'a>, SchemaError> {
        self.skip_trivia()?;
        let pos = self.here();
        let start = self.pos;
        let Some(b) = self.byte(start) else { return Ok(Token { tok: Tok::Eof, pos }) };
        let tok = match b {
            b'"' | b'\'' => return self.string(b, pos),
            b'{' | b'}' | b'[' | b']' | b'(' | b')' | b'<' | b'>' | b';' | b',' | b'=' | b'.' => {
                self.bump_byte();
                Tok::Punct(b)
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                while matches!(self.byte(self.pos), Some(c) if c.is_ascii_alphanumeric() || c == b'_')
                {
                    self.bump_byte();
                }
                Tok::Word(&self.src[start..self.pos])
            }
            b'0'..=b'9' => {
                self.digits();
                Tok::Int(&self.src[start..self.pos])
            }
            b'-' if matches!(self.byte(start + 1), Some(b'0'..=b'9')) => {
                self.bump_byte();
                self.digits();
                Tok::Int(&self.src[start..self.pos])
            }
            _ => {
                let c = self.src[start..].chars().next().unwrap_or('\u{FFFD}');
                return Err(error_at(pos, IdlErrorKind::UnexpectedChar(c)));
            }
        };
        Ok(Token { tok, pos })
    }

    fn digits(&mut self) {
        while matches!(self.byte(self.pos), Some(b'0'..=b'9')) {
            self.bump_byte();
        }
    }

    /// A `"..."` or `'...'` literal on one line; `\n`, `\t` and `\<c>` escapes.
    fn string(&mut self, quote: u8, pos: Pos) -> Result<Token<'a>, SchemaError> {
        self.bump_byte();
        let mut out = String::new();
        loop {
            let Some(c) = self.src[self.pos..].chars().next() else {
                return Err(error_at(pos, IdlErrorKind::UnterminatedString));
            };
            match c {
                '\n' => return Err(error_at(pos, IdlErrorKind::UnterminatedString)),
                '\\' => {
                    self.bump_byte();
                    let Some(e) = self.src[self.pos..].chars().next() else {
                        return Err(error_at(pos, IdlErrorKind::UnterminatedString));
                    };
                    self.bump_char(e);
                    out.push(match e {
                        'n' => '\n',
                        't' => '\t',
                        other => other,
                    });
                }
                c if c == char::from(quote) => {
                    self.bump_byte();
                    return Ok(Token { tok: Tok::Str(out), pos });
                }
                c => {
                    self.bump_char(c);
                    out.push(c);
                }
            }
        }
    }
}

/// Words the grammar reserves: never type names, in declarations or references.
const KEYWORDS: &[&str] = &[
    "package", "import", "public", "weak", "message", "enum", "union", "optional", "ref",
    "repeated", "list", "array", "map", "option", "true", "false", "reserved", "to", "max",
    "service", "rpc", "returns", "stream",
];

fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

// ---------------------------------------------------------------------------------------------
// Scalar types

/// A builtin scalar type name.
enum Scalar {
    Ty(FieldType),
}

fn scalar(word: &str) -> Option<Scalar> {
    use FieldType as F;
    use IntEncoding::{Fixed, Tagged, Varint};
    Some(Scalar::Ty(match word {
        "bool" => F::Bool,
        "int8" => F::Int8,
        "int16" => F::Int16,
        "int32" => F::Int32(Varint),
        "int64" => F::Int64(Varint),
        "uint8" => F::UInt8,
        "uint16" => F::UInt16,
        "uint32" => F::UInt32(Varint),
        "uint64" => F::UInt64(Varint),
        "fixed_int32" => F::Int32(Fixed),
        "fixed_int64" => F::Int64(Fixed),
        "fixed_uint32" => F::UInt32(Fixed),
        "fixed_uint64" => F::UInt64(Fixed),
        "tagged_int64" => F::Int64(Tagged),
        "tagged_uint64" => F::UInt64(Tagged),
        "float16" => F::Float16,
        "bfloat16" => F::BFloat16,
        "float32" => F::Float32,
        "float64" => F::Float64,
        "string" => F::String,
        "bytes" => F::Binary,
        "date" => F::Date,
        "timestamp" => F::Timestamp,
        "duration" => F::Duration,
        "any" => F::Any,
        "decimal" => F::Decimal,
        _ => return None,
    }))
}

/// The 32/64-bit integer `word` with an explicit encoding modifier.
fn encoded_int(modifier: &str, word: &str) -> Option<FieldType> {
    let enc = match modifier {
        "fixed" => IntEncoding::Fixed,
        "varint" => IntEncoding::Varint,
        "tagged" => IntEncoding::Tagged,
        _ => return None,
    };
    Some(match word {
        "int32" if enc != IntEncoding::Tagged => FieldType::Int32(enc),
        "uint32" if enc != IntEncoding::Tagged => FieldType::UInt32(enc),
        "int64" => FieldType::Int64(enc),
        "uint64" => FieldType::UInt64(enc),
        _ => return None,
    })
}

fn array_elem(word: &str) -> Option<ArrayElem> {
    Some(match word {
        "bool" => ArrayElem::Bool,
        "int8" => ArrayElem::Int8,
        "int16" => ArrayElem::Int16,
        "int32" => ArrayElem::Int32,
        "int64" => ArrayElem::Int64,
        "uint8" => ArrayElem::UInt8,
        "uint16" => ArrayElem::UInt16,
        "uint32" => ArrayElem::UInt32,
        "uint64" => ArrayElem::UInt64,
        "float16" => ArrayElem::Float16,
        "bfloat16" => ArrayElem::BFloat16,
        "float32" => ArrayElem::Float32,
        "float64" => ArrayElem::Float64,
        _ => return None,
    })
}

/// Builtin types that may be map keys (enums may be too; messages may not).
fn valid_builtin_key(ty: &FieldType) -> bool {
    use FieldType as F;
    matches!(
        ty,
        F::Bool
            | F::Int8
            | F::Int16
            | F::Int32(_)
            | F::Int64(_)
            | F::UInt8
            | F::UInt16
            | F::UInt32(_)
            | F::UInt64(_)
            | F::String
            | F::Date
            | F::Timestamp
            | F::Duration
    )
}

// ---------------------------------------------------------------------------------------------
// Parsed, unresolved form

/// A type expression before name resolution.
#[derive(Debug)]
enum TypeExpr {
    /// A builtin type (scalars, `any`, `array<T>`).
    Builtin(FieldType, &'static str),
    /// A reference to a user type, as written.
    Named(String, Pos),
    /// `list<T>` (also `repeated T`).
    List(Box<ElemExpr>),
    /// `map<K, V>`.
    Map(Box<TypeExpr>, Pos, Box<ElemExpr>),
}

impl TypeExpr {
    /// The type as named in error messages.
    fn label(&self) -> String {
        match self {
            TypeExpr::Builtin(_, name) => (*name).to_string(),
            TypeExpr::Named(name, _) => shorten(name),
            TypeExpr::List(_) => "list".to_string(),
            TypeExpr::Map(..) => "map".to_string(),
        }
    }
}

/// A list element or map value with its modifiers.
#[derive(Debug)]
struct ElemExpr {
    ty: TypeExpr,
    pos: Pos,
    nullable: bool,
    tracking_ref: bool,
}

#[derive(Debug)]
struct RawField {
    name: String,
    tag: u32,
    ty: TypeExpr,
    ty_pos: Pos,
    nullable: bool,
    tracking_ref: bool,
}

#[derive(Debug)]
enum RawBody {
    Message(Vec<RawField>),
    Enum(Vec<EnumMember>),
    Union(Vec<RawField>),
}

/// `[id=N, alias="x", evolving=false, ...]` after a type name.
#[derive(Debug, Default)]
struct TypeOptions {
    id: Option<u32>,
    alias: Option<String>,
    evolving: Option<bool>,
    field_ids: Option<bool>,
}

#[derive(Debug)]
struct RawType {
    /// Path inside the package: `Outer.Inner`.
    local: String,
    /// Position of the type's name.
    pos: Pos,
    options: TypeOptions,
    body: RawBody,
}

impl RawType {
    fn is_message(&self) -> bool {
        matches!(self.body, RawBody::Message(_))
    }
}

/// An option value: `true`, `false`, an integer, an identifier or a string.
enum OptValue<'a> {
    Bool(bool),
    Int(i64),
    Word(&'a str),
    Str(String),
}

// ---------------------------------------------------------------------------------------------
// Parser

struct Parser<'a> {
    lex: Lexer<'a>,
    cur: Token<'a>,
    ahead: Option<Token<'a>>,
    max_types: usize,
    max_fields: usize,
    max_depth: usize,
    package: Option<String>,
    package_alias: Option<String>,
    auto_type_id: bool,
    default_evolving: Option<bool>,
    default_field_ids: Option<bool>,
    types: Vec<RawType>,
    index: HashMap<String, usize>,
    imports: Vec<(String, Pos)>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, limits: &IdlLimits) -> Result<Self, SchemaError> {
        let mut lex = Lexer::new(text);
        let cur = lex.next_token()?;
        Ok(Parser {
            lex,
            cur,
            ahead: None,
            max_types: limits.max_types,
            max_fields: limits.max_fields_per_message,
            max_depth: limits.max_nesting_depth.min(HARD_MAX_NESTING_DEPTH),
            package: None,
            package_alias: None,
            auto_type_id: true,
            default_evolving: None,
            default_field_ids: None,
            types: Vec::new(),
            index: HashMap::new(),
            imports: Vec::new(),
        })
    }

    /// The parsed file, without its lexer.
    fn into_unit(self) -> Unit {
        Unit {
            package: self.package,
            package_alias: self.package_alias,
            auto_type_id: self.auto_type_id,
            default_evolving: self.default_evolving,
            default_field_ids: self.default_field_ids,
            types: self.types,
            index: self.index,
            imports: self.imports,
        }
    }

    // --- token helpers

    /// Consumes the current token and returns it.
    fn advance(&mut self) -> Result<Token<'a>, SchemaError> {
        let next = match self.ahead.take() {
            Some(t) => t,
            None => self.lex.next_token()?,
        };
        Ok(std::mem::replace(&mut self.cur, next))
    }

    /// The token after the current one.
    fn peek_next(&mut self) -> Result<&Token<'a>, SchemaError> {
        if self.ahead.is_none() {
            self.ahead = Some(self.lex.next_token()?);
        }
        Ok(self.ahead.as_ref().unwrap_or(&self.cur))
    }

    fn is_punct(&self, c: u8) -> bool {
        self.cur.tok == Tok::Punct(c)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.cur.tok, Tok::Word(x) if x == w)
    }

    fn unexpected(&self, expected: &'static str) -> SchemaError {
        error_at(
            self.cur.pos,
            IdlErrorKind::UnexpectedToken { expected, found: self.cur.describe() },
        )
    }

    fn expect_punct(&mut self, c: u8, expected: &'static str) -> Result<Pos, SchemaError> {
        if self.is_punct(c) {
            Ok(self.advance()?.pos)
        } else {
            Err(self.unexpected(expected))
        }
    }

    /// Any identifier or keyword.
    fn expect_word(&mut self, expected: &'static str) -> Result<(&'a str, Pos), SchemaError> {
        match self.cur.tok {
            Tok::Word(w) => Ok((w, self.advance()?.pos)),
            _ => Err(self.unexpected(expected)),
        }
    }

    /// An identifier that is not a keyword.
    fn expect_ident(&mut self, expected: &'static str) -> Result<(&'a str, Pos), SchemaError> {
        match self.cur.tok {
            Tok::Word(w) if !is_keyword(w) => Ok((w, self.advance()?.pos)),
            _ => Err(self.unexpected(expected)),
        }
    }

    fn expect_int(&mut self, expected: &'static str) -> Result<(i64, Pos), SchemaError> {
        match self.cur.tok {
            Tok::Int(text) => {
                let pos = self.cur.pos;
                let value = text
                    .parse::<i64>()
                    .map_err(|_| error_at(pos, IdlErrorKind::IntegerOutOfRange(shorten(text))))?;
                self.advance()?;
                Ok((value, pos))
            }
            _ => Err(self.unexpected(expected)),
        }
    }

    /// `a.b.c` (words joined by dots).
    fn dotted_words(&mut self, expected: &'static str) -> Result<String, SchemaError> {
        let mut name = self.expect_word(expected)?.0.to_string();
        while self.is_punct(b'.') {
            self.advance()?;
            name.push('.');
            name.push_str(self.expect_word("an identifier after `.`")?.0);
        }
        Ok(name)
    }

    fn option_value(&mut self) -> Result<(OptValue<'a>, Pos), SchemaError> {
        let pos = self.cur.pos;
        let value = match self.cur.tok {
            Tok::Word("true") => OptValue::Bool(true),
            Tok::Word("false") => OptValue::Bool(false),
            Tok::Word(w) => OptValue::Word(w),
            Tok::Str(ref s) => OptValue::Str(s.clone()),
            Tok::Int(_) => return Ok((OptValue::Int(self.expect_int("an option value")?.0), pos)),
            _ => return Err(self.unexpected("an option value")),
        };
        self.advance()?;
        Ok((value, pos))
    }

    // --- file level

    fn parse_file(&mut self) -> Result<(), SchemaError> {
        loop {
            match self.cur.tok {
                Tok::Eof => return Ok(()),
                Tok::Word("package") => self.parse_package()?,
                Tok::Word("import") => self.parse_import()?,
                Tok::Word("option") => {
                    let (name, value, pos) = self.option_statement()?;
                    self.file_option(name, value, pos)?;
                }
                Tok::Word("message") => self.parse_message(None, 1)?,
                Tok::Word("enum") => self.parse_enum(None)?,
                Tok::Word("union") => self.parse_union(None)?,
                Tok::Word("service") => self.skip_service()?,
                _ => {
                    return Err(self.unexpected("`package`, `option`, `message`, `enum` or `union`"))
                }
            }
        }
    }

    /// `import "path";` (the path is resolved later, by the [`IdlLoader`]).
    fn parse_import(&mut self) -> Result<(), SchemaError> {
        let kw = self.advance()?;
        for modifier in ["public", "weak"] {
            if self.is_word(modifier) {
                return Err(error_at(
                    self.cur.pos,
                    IdlErrorKind::UnsupportedImportModifier(modifier),
                ));
            }
        }
        let path = match &self.cur.tok {
            Tok::Str(s) => s.clone(),
            _ => return Err(self.unexpected("a quoted import path")),
        };
        self.advance()?;
        self.expect_punct(b';', "`;` after the import")?;
        self.imports.push((path, kw.pos));
        Ok(())
    }

    /// `package a.b [alias c.d];`
    fn parse_package(&mut self) -> Result<(), SchemaError> {
        let kw = self.advance()?;
        if self.package.is_some() {
            return Err(error_at(kw.pos, IdlErrorKind::DuplicatePackage));
        }
        let name = self.dotted_words("a package name")?;
        if self.is_word("alias") {
            self.advance()?;
            self.package_alias = Some(self.dotted_words("a package alias")?);
        }
        self.expect_punct(b';', "`;` after the package declaration")?;
        self.package = Some(name);
        Ok(())
    }

    /// `option name = value;` (file level, or ignored inside bodies).
    fn option_statement(&mut self) -> Result<(&'a str, OptValue<'a>, Pos), SchemaError> {
        self.advance()?;
        let (name, _) = self.expect_word("an option name")?;
        self.expect_punct(b'=', "`=` after the option name")?;
        let (value, pos) = self.option_value()?;
        self.expect_punct(b';', "`;` after the option")?;
        Ok((name, value, pos))
    }

    fn file_option(
        &mut self,
        name: &str,
        value: OptValue<'_>,
        pos: Pos,
    ) -> Result<(), SchemaError> {
        let target = match name {
            "enable_auto_type_id" => &mut self.auto_type_id,
            "evolving" => self.default_evolving.get_or_insert(true),
            "field_ids" => self.default_field_ids.get_or_insert(true),
            _ => return Ok(()),
        };
        match value {
            OptValue::Bool(b) => {
                *target = b;
                Ok(())
            }
            _ => Err(error_at(pos, IdlErrorKind::InvalidOptionValue(name.to_string()))),
        }
    }

    /// `service Name { ... }`: skipped with its balanced braces.
    fn skip_service(&mut self) -> Result<(), SchemaError> {
        self.advance()?;
        self.expect_word("a service name")?;
        self.expect_punct(b'{', "`{` after the service name")?;
        let mut depth = 1usize;
        loop {
            match self.cur.tok {
                Tok::Eof => return Err(self.unexpected("`}`")),
                Tok::Punct(b'{') => depth += 1,
                Tok::Punct(b'}') => {
                    depth -= 1;
                    if depth == 0 {
                        self.advance()?;
                        return Ok(());
                    }
                }
                _ => {}
            }
            self.advance()?;
        }
    }

    /// `reserved 2, 9 to 11, 40 to max, "name";`
    fn skip_reserved(&mut self) -> Result<(), SchemaError> {
        self.advance()?;
        loop {
            match self.cur.tok {
                Tok::Int(_) => {
                    self.expect_int("a reserved number")?;
                    if self.is_word("to") {
                        self.advance()?;
                        if self.is_word("max") {
                            self.advance()?;
                        } else {
                            self.expect_int("an integer or `max` after `to`")?;
                        }
                    }
                }
                Tok::Str(_) => {
                    self.advance()?;
                }
                _ => return Err(self.unexpected("a reserved number or name")),
            }
            if self.is_punct(b',') {
                self.advance()?;
            } else {
                self.expect_punct(b';', "`,` or `;` in the reserved statement")?;
                return Ok(());
            }
        }
    }

    /// `[name = value, ...]`, calling `each` for every option.
    fn bracket_options(
        &mut self,
        mut each: impl FnMut(&str, OptValue<'a>, Pos) -> Result<(), SchemaError>,
    ) -> Result<(), SchemaError> {
        self.expect_punct(b'[', "`[`")?;
        loop {
            let (name, _) = self.expect_word("an option name")?;
            self.expect_punct(b'=', "`=` after the option name")?;
            let (value, pos) = self.option_value()?;
            each(name, value, pos)?;
            if self.is_punct(b',') {
                self.advance()?;
            } else {
                self.expect_punct(b']', "`,` or `]` in the options")?;
                return Ok(());
            }
        }
    }

    /// Type options after a type name: `id`, `alias` and `evolving` are used.
    fn type_options(&mut self, allow_zero_id: bool) -> Result<TypeOptions, SchemaError> {
        let mut opts = TypeOptions::default();
        if !self.is_punct(b'[') {
            return Ok(opts);
        }
        self.bracket_options(|name, value, pos| {
            let bad = || error_at(pos, IdlErrorKind::InvalidOptionValue(name.to_string()));
            match name {
                "id" => {
                    let OptValue::Int(id) = value else { return Err(bad()) };
                    let min = if allow_zero_id { 0 } else { 1 };
                    match u32::try_from(id) {
                        Ok(id) if id >= min => opts.id = Some(id),
                        _ => return Err(error_at(pos, IdlErrorKind::InvalidTypeId(id))),
                    }
                }
                "alias" => match value {
                    OptValue::Str(s) => opts.alias = Some(s),
                    OptValue::Word(w) => opts.alias = Some(w.to_string()),
                    _ => return Err(bad()),
                },
                "evolving" => match value {
                    OptValue::Bool(b) => opts.evolving = Some(b),
                    _ => return Err(bad()),
                },
                "field_ids" => match value {
                    OptValue::Bool(b) => opts.field_ids = Some(b),
                    _ => return Err(bad()),
                },
                _ => {}
            }
            Ok(())
        })?;
        Ok(opts)
    }

    /// A type's name in its declaration, and its path inside the package.
    fn declared_name(&mut self, parent: Option<&str>) -> Result<(String, Pos), SchemaError> {
        let (name, pos) = self.expect_ident("a type name")?;
        let local = match parent {
            Some(p) => format!("{p}.{name}"),
            None => name.to_string(),
        };
        Ok((local, pos))
    }

    /// Registers a type declaration; returns its index.
    fn declare(&mut self, ty: RawType) -> Result<usize, SchemaError> {
        if self.types.len() >= self.max_types {
            return Err(SchemaError::Limit {
                what: "IDL types",
                value: self.types.len() + 1,
                limit: self.max_types,
            });
        }
        if self.index.contains_key(&ty.local) {
            return Err(error_at(ty.pos, IdlErrorKind::DuplicateTypeName(shorten(&ty.local))));
        }
        let idx = self.types.len();
        self.index.insert(ty.local.clone(), idx);
        self.types.push(ty);
        Ok(idx)
    }

    // --- enums

    /// `enum Name [options] { reserved ...; NAME = N; ... }`
    fn parse_enum(&mut self, parent: Option<&str>) -> Result<(), SchemaError> {
        self.advance()?;
        let (local, pos) = self.declared_name(parent)?;
        let options = self.type_options(false)?;
        let idx = self.declare(RawType { local, pos, options, body: RawBody::Enum(Vec::new()) })?;
        self.expect_punct(b'{', "`{` after the enum name")?;
        let mut members: Vec<EnumMember> = Vec::new();
        let mut names = HashSet::new();
        let mut values = HashSet::new();
        loop {
            match self.cur.tok {
                Tok::Punct(b'}') => {
                    self.advance()?;
                    break;
                }
                Tok::Punct(b';') => {
                    self.advance()?;
                }
                Tok::Word("reserved") => self.skip_reserved()?,
                Tok::Word("option") => {
                    self.option_statement()?;
                }
                Tok::Word(_) => {
                    let (name, name_pos) = self.expect_word("an enum value name")?;
                    self.expect_punct(b'=', "`=` after the enum value name")?;
                    let (value, value_pos) = self.expect_int("an enum value")?;
                    if self.is_punct(b'[') {
                        self.bracket_options(|_, _, _| Ok(()))?;
                    }
                    self.expect_punct(b';', "`;` after the enum value")?;
                    let value = u32::try_from(value).map_err(|_| {
                        error_at(value_pos, IdlErrorKind::EnumValueOutOfRange(value))
                    })?;
                    if members.len() >= self.max_fields {
                        return Err(SchemaError::Limit {
                            what: "IDL enum members",
                            value: members.len() + 1,
                            limit: self.max_fields,
                        });
                    }
                    if !names.insert(name) {
                        return Err(error_at(
                            name_pos,
                            IdlErrorKind::DuplicateEnumMember(shorten(name)),
                        ));
                    }
                    if !values.insert(value) {
                        return Err(error_at(value_pos, IdlErrorKind::DuplicateEnumValue(value)));
                    }
                    members.push(EnumMember { name: name.to_string(), value });
                }
                _ => return Err(self.unexpected("an enum value or `}`")),
            }
        }
        let ty = &mut self.types[idx];
        if members.is_empty() {
            return Err(error_at(ty.pos, IdlErrorKind::EmptyEnum(shorten(&ty.local))));
        }
        ty.body = RawBody::Enum(members);
        Ok(())
    }

    // --- messages

    /// `message Name [options] { fields; nested types; reserved ...; }` at nesting `depth`.
    fn parse_message(&mut self, parent: Option<&str>, depth: usize) -> Result<(), SchemaError> {
        let kw = self.advance()?;
        if depth > self.max_depth {
            return Err(error_at(kw.pos, IdlErrorKind::NestingTooDeep(self.max_depth)));
        }
        let (local, pos) = self.declared_name(parent)?;
        let options = self.type_options(false)?;
        let idx = self.declare(RawType {
            local: local.clone(),
            pos,
            options,
            body: RawBody::Message(Vec::new()),
        })?;
        self.expect_punct(b'{', "`{` after the message name")?;
        let mut fields: Vec<RawField> = Vec::new();
        let mut names = HashSet::new();
        let mut numbers = HashSet::new();
        loop {
            match self.cur.tok {
                Tok::Punct(b'}') => {
                    self.advance()?;
                    break;
                }
                Tok::Punct(b';') => {
                    self.advance()?;
                }
                Tok::Eof => return Err(self.unexpected("a field or `}`")),
                Tok::Word("reserved") => self.skip_reserved()?,
                Tok::Word("option") => {
                    self.option_statement()?;
                }
                Tok::Word("message") => self.parse_message(Some(&local), depth + 1)?,
                Tok::Word("enum") => self.parse_enum(Some(&local))?,
                Tok::Word("union") => self.parse_union(Some(&local))?,
                _ => self.message_field(&mut fields, &mut names, &mut numbers)?,
            }
        }
        self.types[idx].body = RawBody::Message(fields);
        Ok(())
    }

    /// Parses a field of a message and adds it to `fields`, checking for duplicates.
    fn message_field(
        &mut self,
        fields: &mut Vec<RawField>,
        names: &mut HashSet<String>,
        numbers: &mut HashSet<u32>,
    ) -> Result<(), SchemaError> {
        let (field, name_pos, number_pos) = self.parse_field()?;
        if fields.len() >= self.max_fields {
            return Err(SchemaError::Limit {
                what: "IDL fields per message",
                value: fields.len() + 1,
                limit: self.max_fields,
            });
        }
        if !numbers.insert(field.tag) {
            return Err(error_at(number_pos, IdlErrorKind::DuplicateFieldNumber(field.tag)));
        }
        if !names.insert(field.name.clone()) {
            return Err(error_at(name_pos, IdlErrorKind::DuplicateFieldName(shorten(&field.name))));
        }
        fields.push(field);
        Ok(())
    }

    /// `optional` / `ref [(...)]` prefixes of a list element or map value.
    fn element_modifiers(&mut self) -> Result<(bool, bool), SchemaError> {
        let (mut nullable, mut tracking_ref) = (false, false);
        loop {
            if self.is_word("optional") {
                self.advance()?;
                nullable = true;
            } else if self.is_word("ref") {
                self.advance()?;
                self.skip_ref_options()?;
                tracking_ref = true;
            } else {
                return Ok((nullable, tracking_ref));
            }
        }
    }

    /// `ref(weak=true, thread_safe=false)`: language-specific pointer options, ignored.
    fn skip_ref_options(&mut self) -> Result<(), SchemaError> {
        if !self.is_punct(b'(') {
            return Ok(());
        }
        self.advance()?;
        loop {
            self.expect_word("a ref option name")?;
            self.expect_punct(b'=', "`=` after the ref option name")?;
            self.option_value()?;
            if self.is_punct(b',') {
                self.advance()?;
            } else {
                self.expect_punct(b')', "`,` or `)` in the ref options")?;
                return Ok(());
            }
        }
    }

    /// `[optional] [ref] [repeated [optional] [ref]] type name = N [options];`
    ///
    /// Returns the field and the positions of its name and number.
    fn parse_field(&mut self) -> Result<(RawField, Pos, Pos), SchemaError> {
        let (mut nullable, mut tracking_ref) = (false, false);
        let (mut elem_nullable, mut elem_ref) = (false, false);
        let mut repeated = false;
        loop {
            if self.is_word("optional") {
                self.advance()?;
                *(if repeated { &mut elem_nullable } else { &mut nullable }) = true;
            } else if self.is_word("ref") {
                self.advance()?;
                self.skip_ref_options()?;
                *(if repeated { &mut elem_ref } else { &mut tracking_ref }) = true;
            } else if self.is_word("repeated") && !repeated {
                self.advance()?;
                repeated = true;
            } else {
                break;
            }
        }
        let ty_pos = self.cur.pos;
        let mut ty = self.parse_type(usize::from(repeated))?;
        if repeated {
            ty = TypeExpr::List(Box::new(ElemExpr {
                ty,
                pos: ty_pos,
                nullable: elem_nullable,
                tracking_ref: elem_ref,
            }));
        }
        let (name, name_pos) = self.expect_word("a field name")?;
        self.expect_punct(b'=', "`=` after the field name")?;
        let (number, number_pos) = self.expect_int("a field number")?;
        if !(0..=MAX_FIELD_NUMBER).contains(&number) {
            return Err(error_at(number_pos, IdlErrorKind::FieldNumberOutOfRange(number)));
        }
        if self.is_punct(b'[') {
            self.bracket_options(|option, value, _| {
                let on = matches!(value, OptValue::Bool(true));
                match option {
                    "nullable" if on => nullable = true,
                    "ref" if on => match &mut ty {
                        TypeExpr::List(elem) | TypeExpr::Map(_, _, elem) => {
                            elem.tracking_ref = true
                        }
                        _ => tracking_ref = true,
                    },
                    _ => {}
                }
                Ok(())
            })?;
        }
        self.expect_punct(b';', "`;` after the field")?;
        let field = RawField {
            name: name.to_string(),
            tag: number as u32,
            ty,
            ty_pos,
            nullable,
            tracking_ref,
        };
        Ok((field, name_pos, number_pos))
    }

    /// A type expression inside `depth` enclosing containers.
    ///
    /// Recursion goes through [`Self::parse_list`] and [`Self::parse_map`], bounded by the
    /// nesting limit; each branch lives in its own function to keep the recursive frames small.
    fn parse_type(&mut self, depth: usize) -> Result<TypeExpr, SchemaError> {
        let pos = self.cur.pos;
        let Tok::Word(word) = self.cur.tok else { return Err(self.unexpected("a type")) };
        match word {
            "list" | "map" if depth >= self.max_depth => {
                Err(error_at(pos, IdlErrorKind::NestingTooDeep(self.max_depth)))
            }
            "list" => self.parse_list(depth),
            "map" => self.parse_map(depth),
            "array" => self.parse_array(),
            "fixed" | "varint" | "tagged" if matches!(self.peek_next()?.tok, Tok::Word(_)) => {
                self.parse_encoded_int(word)
            }
            _ => self.parse_simple_type(word, pos),
        }
    }

    /// `list<[optional] [ref] T>`
    fn parse_list(&mut self, depth: usize) -> Result<TypeExpr, SchemaError> {
        self.advance()?;
        self.expect_punct(b'<', "`<` after `list`")?;
        let (nullable, tracking_ref) = self.element_modifiers()?;
        let pos = self.cur.pos;
        let ty = self.parse_type(depth + 1)?;
        self.expect_punct(b'>', "`>` after the list element type")?;
        Ok(TypeExpr::List(Box::new(ElemExpr { ty, pos, nullable, tracking_ref })))
    }

    /// `map<K, [optional] [ref] V>`
    fn parse_map(&mut self, depth: usize) -> Result<TypeExpr, SchemaError> {
        self.advance()?;
        self.expect_punct(b'<', "`<` after `map`")?;
        let key_pos = self.cur.pos;
        let key = self.parse_type(depth + 1)?;
        let key_ok = match &key {
            TypeExpr::Builtin(ty, _) => valid_builtin_key(ty),
            TypeExpr::Named(..) => true, // enums only; checked after resolution
            TypeExpr::List(_) | TypeExpr::Map(..) => false,
        };
        if !key_ok {
            return Err(error_at(key_pos, IdlErrorKind::InvalidMapKey(key.label())));
        }
        self.expect_punct(b',', "`,` after the map key type")?;
        let (nullable, tracking_ref) = self.element_modifiers()?;
        let pos = self.cur.pos;
        let ty = self.parse_type(depth + 1)?;
        self.expect_punct(b'>', "`>` after the map value type")?;
        let value = ElemExpr { ty, pos, nullable, tracking_ref };
        Ok(TypeExpr::Map(Box::new(key), key_pos, Box::new(value)))
    }

    /// `array<T>` for a bool or numeric `T` without encoding modifier.
    fn parse_array(&mut self) -> Result<TypeExpr, SchemaError> {
        self.advance()?;
        self.expect_punct(b'<', "`<` after `array`")?;
        let elem = match self.cur.tok {
            Tok::Word(w) => array_elem(w),
            _ => None,
        };
        let Some(elem) = elem else {
            let found = match self.cur.tok {
                Tok::Word(w) => shorten(w),
                _ => self.cur.describe(),
            };
            return Err(error_at(self.cur.pos, IdlErrorKind::InvalidArrayElement(found)));
        };
        self.advance()?;
        self.expect_punct(b'>', "`>` after the array element type")?;
        Ok(TypeExpr::Builtin(FieldType::Array(elem), "array"))
    }

    /// `fixed int32`, `varint uint64`, `tagged int64`, ...
    fn parse_encoded_int(&mut self, word: &str) -> Result<TypeExpr, SchemaError> {
        let modifier = match word {
            "fixed" => "fixed",
            "varint" => "varint",
            _ => "tagged",
        };
        self.advance()?;
        let (ty_word, ty_pos) = self.expect_word("an integer type")?;
        match encoded_int(modifier, ty_word) {
            Some(ty) => Ok(TypeExpr::Builtin(ty, builtin_label(ty_word))),
            None => Err(error_at(
                ty_pos,
                IdlErrorKind::InvalidEncoding { modifier, ty: shorten(ty_word) },
            )),
        }
    }

    /// A scalar type name or a (dotted) reference to a user type.
    fn parse_simple_type(&mut self, word: &str, pos: Pos) -> Result<TypeExpr, SchemaError> {
        match scalar(word) {
            Some(Scalar::Ty(ty)) => {
                self.advance()?;
                Ok(TypeExpr::Builtin(ty, builtin_label(word)))
            }
            None => {
                let mut name = self.expect_ident("a type")?.0.to_string();
                while self.is_punct(b'.') {
                    self.advance()?;
                    name.push('.');
                    name.push_str(self.expect_ident("a type name after `.`")?.0);
                }
                Ok(TypeExpr::Named(name, pos))
            }
        }
    }

    // --- unions

    /// `union Name [options] { type name = N [options]; ... }`. Cases cannot be `optional` or
    /// `ref`; case ids are field numbers (0 allowed).
    fn parse_union(&mut self, parent: Option<&str>) -> Result<(), SchemaError> {
        self.advance()?;
        let (local, pos) = self.declared_name(parent)?;
        let options = self.type_options(true)?;
        let idx =
            self.declare(RawType { local, pos, options, body: RawBody::Union(Vec::new()) })?;
        self.expect_punct(b'{', "`{` after the union name")?;
        let mut cases: Vec<RawField> = Vec::new();
        let mut names = HashSet::new();
        let mut numbers = HashSet::new();
        loop {
            match self.cur.tok {
                Tok::Punct(b'}') => {
                    self.advance()?;
                    break;
                }
                Tok::Punct(b';') => {
                    self.advance()?;
                }
                Tok::Eof => return Err(self.unexpected("a union case or `}`")),
                Tok::Word("reserved") => self.skip_reserved()?,
                Tok::Word("option") => {
                    self.option_statement()?;
                }
                Tok::Word("optional" | "ref") => {
                    return Err(self.unexpected("a union case type"));
                }
                _ => self.message_field(&mut cases, &mut names, &mut numbers)?,
            }
        }
        let ty = &mut self.types[idx];
        if cases.is_empty() {
            return Err(error_at(ty.pos, IdlErrorKind::EmptyUnion(shorten(&ty.local))));
        }
        ty.body = RawBody::Union(cases);
        Ok(())
    }
}

/// One parsed IDL file: its declarations, before type references are resolved.
#[derive(Debug)]
struct Unit {
    package: Option<String>,
    package_alias: Option<String>,
    auto_type_id: bool,
    default_evolving: Option<bool>,
    default_field_ids: Option<bool>,
    types: Vec<RawType>,
    index: HashMap<String, usize>,
    imports: Vec<(String, Pos)>,
}

/// Resolves a type reference that names no type of the file itself: to the full name of a
/// type of an imported file or of the engine's registry, and whether it is a message.
type ExternalLookup<'e> = dyn Fn(&str, Pos) -> Result<Option<(String, bool)>, SchemaError> + 'e;

impl Unit {
    fn full_name(&self, local: &str) -> String {
        match self.package.as_deref() {
            Some(p) if !p.is_empty() => format!("{p}.{local}"),
            _ => local.to_string(),
        }
    }

    /// Finds the type `name` refers to from inside the message at path `scope`.
    fn lookup(&self, name: &str, scope: &str) -> Option<usize> {
        if !name.contains('.') {
            let mut scope = scope;
            while !scope.is_empty() {
                if let Some(&i) = self.index.get(&format!("{scope}.{name}")) {
                    return Some(i);
                }
                scope = scope.rfind('.').map_or("", |p| &scope[..p]);
            }
            return self.index.get(name).copied();
        }
        if let Some(&i) = self.index.get(name) {
            return Some(i);
        }
        let package = self.package.as_deref().filter(|p| !p.is_empty())?;
        let rest = name.strip_prefix(package)?.strip_prefix('.')?;
        self.index.get(rest).copied()
    }

    /// Resolves a type expression; also tells whether it is a message type.
    fn resolve(
        &self,
        expr: &TypeExpr,
        scope: &str,
        ext: &ExternalLookup<'_>,
    ) -> Result<(FieldType, bool), SchemaError> {
        Ok(match expr {
            TypeExpr::Builtin(ty, _) => (ty.clone(), false),
            TypeExpr::Named(name, pos) => match self.lookup(name, scope) {
                Some(idx) => {
                    let ty = &self.types[idx];
                    (FieldType::Named(self.full_name(&ty.local)), ty.is_message())
                }
                None => {
                    let (full, is_message) = ext(name, *pos)?
                        .ok_or_else(|| error_at(*pos, IdlErrorKind::UnknownType(shorten(name))))?;
                    (FieldType::Named(full), is_message)
                }
            },
            TypeExpr::List(elem) => {
                (FieldType::List(Box::new(self.resolve_elem(elem, scope, ext)?)), false)
            }
            TypeExpr::Map(key, key_pos, value) => {
                let (key_ty, key_is_message) = self.resolve(key, scope, ext)?;
                if key_is_message {
                    return Err(error_at(*key_pos, IdlErrorKind::InvalidMapKey(key.label())));
                }
                let key_elem = ElemType::new(key_ty);
                let value = self.resolve_elem(value, scope, ext)?;
                (FieldType::Map(Box::new(key_elem), Box::new(value)), false)
            }
        })
    }

    fn resolve_elem(
        &self,
        elem: &ElemExpr,
        scope: &str,
        ext: &ExternalLookup<'_>,
    ) -> Result<ElemType, SchemaError> {
        let (ty, is_message) = self.resolve(&elem.ty, scope, ext)?;
        if elem.tracking_ref && !is_message {
            return Err(error_at(elem.pos, IdlErrorKind::RefNotAllowed(elem.ty.label())));
        }
        Ok(ElemType { ty, nullable: elem.nullable, tracking_ref: elem.tracking_ref })
    }

    /// The wire identity of every type, in declaration order.
    fn registrations(&self) -> Result<Vec<Registration>, SchemaError> {
        let package = self.package.as_deref().unwrap_or("");
        let hash_package = self.package_alias.as_deref().unwrap_or(package);
        let qualify = |name: &str| {
            if hash_package.is_empty() {
                name.to_string()
            } else {
                format!("{hash_package}.{name}")
            }
        };
        let mut used: HashSet<u32> = HashSet::new();
        for ty in &self.types {
            if let Some(id) = ty.options.id {
                if !used.insert(id) {
                    return Err(error_at(ty.pos, IdlErrorKind::DuplicateTypeId(id)));
                }
            }
        }
        let mut out = Vec::with_capacity(self.types.len());
        for ty in &self.types {
            let registration = if let Some(id) = ty.options.id {
                Registration::Id(id)
            } else if self.auto_type_id {
                let source = match ty.options.alias.as_deref() {
                    Some(alias) if alias.contains('.') => alias.to_string(),
                    Some(alias) => qualify(alias),
                    None => qualify(&ty.local),
                };
                let id = foryjit_wire::hash::murmur3_x86_32(source.as_bytes(), 0);
                if !used.insert(id) {
                    return Err(error_at(ty.pos, IdlErrorKind::DuplicateTypeId(id)));
                }
                Registration::Id(id)
            } else {
                let (parent, name) = match ty.local.rfind('.') {
                    Some(p) => (&ty.local[..p], &ty.local[p + 1..]),
                    None => ("", ty.local.as_str()),
                };
                // fory-compiler's generators use `package or "default"`.
                let package = if package.is_empty() { "default" } else { package };
                let namespace = match parent.is_empty() {
                    true => package.to_string(),
                    false => format!("{package}.{parent}"),
                };
                Registration::Named { namespace, name: name.to_string() }
            };
            out.push(registration);
        }
        Ok(out)
    }

    fn finish(&self, ext: &ExternalLookup<'_>) -> Result<SchemaDesc, SchemaError> {
        let registrations = self.registrations()?;
        let mut types = Vec::with_capacity(self.types.len());
        for (ty, registration) in self.types.iter().zip(registrations) {
            let full_name = self.full_name(&ty.local);
            types.push(match &ty.body {
                RawBody::Enum(members) => {
                    TypeDesc::Enum(EnumDesc { full_name, registration, members: members.clone() })
                }
                RawBody::Message(raw_fields) => {
                    let mut fields = Vec::with_capacity(raw_fields.len());
                    // `[field_ids=false]` (or the file option): fields identified by name, as
                    // a plain pyfory dataclass's; the numbers only order the declaration.
                    let field_ids = ty.options.field_ids.or(self.default_field_ids).unwrap_or(true);
                    for f in raw_fields {
                        let (field_ty, is_message) = self.resolve(&f.ty, &ty.local, ext)?;
                        if f.tracking_ref && !is_message {
                            return Err(error_at(
                                f.ty_pos,
                                IdlErrorKind::RefNotAllowed(f.ty.label()),
                            ));
                        }
                        // Message fields are always nullable in FDL; `any` always carries a
                        // null flag.
                        let nullable = f.nullable || is_message || field_ty == FieldType::Any;
                        fields.push(FieldDesc {
                            name: f.name.clone(),
                            tag: field_ids.then_some(f.tag),
                            ty: field_ty,
                            nullable,
                            tracking_ref: f.tracking_ref,
                        });
                    }
                    let evolving = ty.options.evolving.or(self.default_evolving).unwrap_or(true);
                    TypeDesc::Message(MessageDesc { full_name, registration, fields, evolving })
                }
                RawBody::Union(raw_cases) => {
                    let mut cases = Vec::with_capacity(raw_cases.len());
                    for c in raw_cases {
                        let (case_ty, _) = self.resolve(&c.ty, &ty.local, ext)?;
                        cases.push(UnionCase { name: c.name.clone(), id: c.tag, ty: case_ty });
                    }
                    TypeDesc::Union(UnionDesc { full_name, registration, cases })
                }
            });
        }
        Ok(SchemaDesc { package: self.package.clone().unwrap_or_default(), types })
    }
}

/// The static name of a scalar type word (for error messages).
fn builtin_label(word: &str) -> &'static str {
    const NAMES: &[&str] = &[
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "fixed_int32",
        "fixed_int64",
        "fixed_uint32",
        "fixed_uint64",
        "tagged_int64",
        "tagged_uint64",
        "float16",
        "bfloat16",
        "float32",
        "float64",
        "string",
        "bytes",
        "date",
        "timestamp",
        "duration",
        "any",
    ];
    NAMES.iter().copied().find(|n| *n == word).unwrap_or("scalar")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The benchmark shapes, from the repository copy in `tests/schemas/bench.fdl`.
    const SHAPES: &str = include_str!("../../../tests/schemas/bench.fdl");

    fn message<'d>(desc: &'d SchemaDesc, full_name: &str) -> &'d MessageDesc {
        desc.types
            .iter()
            .find_map(|t| match t {
                TypeDesc::Message(m) if m.full_name == full_name => Some(m),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no message {full_name}"))
    }

    fn enumeration<'d>(desc: &'d SchemaDesc, full_name: &str) -> &'d EnumDesc {
        desc.types
            .iter()
            .find_map(|t| match t {
                TypeDesc::Enum(e) if e.full_name == full_name => Some(e),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no enum {full_name}"))
    }

    fn field<'d>(m: &'d MessageDesc, name: &str) -> &'d FieldDesc {
        m.fields.iter().find(|f| f.name == name).unwrap_or_else(|| panic!("no field {name}"))
    }

    fn registration(desc: &SchemaDesc, full_name: &str) -> Registration {
        desc.types
            .iter()
            .find(|t| t.full_name() == full_name)
            .unwrap_or_else(|| panic!("no type {full_name}"))
            .registration()
            .clone()
    }

    /// The position and kind of an IDL error.
    fn idl_err(text: &str) -> (u32, u32, IdlErrorKind) {
        match parse(text) {
            Err(SchemaError::Idl { line, column, kind }) => (line, column, kind),
            other => panic!("expected an IDL error, got {other:?}"),
        }
    }

    fn unexpected(expected: &'static str, found: &str) -> IdlErrorKind {
        IdlErrorKind::UnexpectedToken { expected, found: found.to_string() }
    }

    fn named(name: &str) -> FieldType {
        FieldType::Named(name.to_string())
    }

    fn elem(ty: FieldType, nullable: bool, tracking_ref: bool) -> Box<ElemType> {
        Box::new(ElemType { ty, nullable, tracking_ref })
    }

    #[test]
    fn shapes() {
        let desc = parse(SHAPES).unwrap();
        assert_eq!(desc.package, "bench");
        let names: Vec<&str> = desc.types.iter().map(|t| t.full_name()).collect();
        assert_eq!(
            names,
            [
                "bench.NumericStruct",
                "bench.Sample",
                "bench.Player",
                "bench.Size",
                "bench.Media",
                "bench.Image",
                "bench.MediaContent",
                "bench.NumericStructList",
                "bench.SampleList",
                "bench.MediaContentList",
            ]
        );
        let ids: Vec<Registration> = desc.types.iter().map(|t| t.registration().clone()).collect();
        let expected_ids = [1, 2, 6, 7, 3, 4, 5, 8, 9, 10].map(Registration::Id);
        assert_eq!(ids, expected_ids);

        let numeric = message(&desc, "bench.NumericStruct");
        assert_eq!(numeric.fields.len(), 12);
        assert_eq!(
            numeric.fields[11],
            FieldDesc::new("f12", 12, FieldType::Int32(IntEncoding::Varint))
        );
        assert!(numeric.evolving);

        let sample = message(&desc, "bench.Sample");
        assert_eq!(sample.fields.len(), 22);
        assert_eq!(
            *field(sample, "long_value"),
            FieldDesc::new("long_value", 2, FieldType::Int64(IntEncoding::Varint))
        );
        assert_eq!(field(sample, "float_value").ty, FieldType::Float32);
        assert_eq!(field(sample, "boolean_value").ty, FieldType::Bool);
        assert_eq!(field(sample, "int_array").ty, FieldType::Array(ArrayElem::Int32));
        assert_eq!(field(sample, "double_array").ty, FieldType::Array(ArrayElem::Float64));
        assert_eq!(field(sample, "boolean_array").ty, FieldType::Array(ArrayElem::Bool));
        assert_eq!(*field(sample, "string"), FieldDesc::new("string", 22, FieldType::String));

        let media = message(&desc, "bench.Media");
        assert_eq!(field(media, "persons").ty, FieldType::list(FieldType::String));
        assert_eq!(*field(media, "player"), FieldDesc::new("player", 11, named("bench.Player")));

        let content = message(&desc, "bench.MediaContent");
        assert_eq!(
            *field(content, "media"),
            FieldDesc::new("media", 1, named("bench.Media")).nullable()
        );
        assert_eq!(
            *field(content, "images"),
            FieldDesc::new("images", 2, FieldType::list(named("bench.Image")))
        );

        let player = enumeration(&desc, "bench.Player");
        assert_eq!(
            player.members,
            [
                EnumMember { name: "JAVA".into(), value: 0 },
                EnumMember { name: "FLASH".into(), value: 1 },
            ]
        );
    }

    #[test]
    fn scalar_types_and_modifiers() {
        use FieldType as F;
        use IntEncoding::{Fixed, Tagged, Varint};
        let cases: Vec<(&str, FieldType)> = vec![
            ("bool", F::Bool),
            ("int8", F::Int8),
            ("int16", F::Int16),
            ("int32", F::Int32(Varint)),
            ("int64", F::Int64(Varint)),
            ("uint8", F::UInt8),
            ("uint16", F::UInt16),
            ("uint32", F::UInt32(Varint)),
            ("uint64", F::UInt64(Varint)),
            ("float16", F::Float16),
            ("bfloat16", F::BFloat16),
            ("float32", F::Float32),
            ("float64", F::Float64),
            ("string", F::String),
            ("bytes", F::Binary),
            ("date", F::Date),
            ("timestamp", F::Timestamp),
            ("duration", F::Duration),
            ("fixed int32", F::Int32(Fixed)),
            ("fixed int64", F::Int64(Fixed)),
            ("fixed uint32", F::UInt32(Fixed)),
            ("fixed uint64", F::UInt64(Fixed)),
            ("tagged int64", F::Int64(Tagged)),
            ("tagged uint64", F::UInt64(Tagged)),
            ("varint int64", F::Int64(Varint)),
            ("fixed_int32", F::Int32(Fixed)),
            ("fixed_uint64", F::UInt64(Fixed)),
            ("tagged_int64", F::Int64(Tagged)),
            ("array<int8>", F::Array(ArrayElem::Int8)),
            ("array<int16>", F::Array(ArrayElem::Int16)),
            ("array<uint8>", F::Array(ArrayElem::UInt8)),
            ("array<uint16>", F::Array(ArrayElem::UInt16)),
            ("array<uint32>", F::Array(ArrayElem::UInt32)),
            ("array<uint64>", F::Array(ArrayElem::UInt64)),
            ("array<float16>", F::Array(ArrayElem::Float16)),
            ("array<bfloat16>", F::Array(ArrayElem::BFloat16)),
            ("list<fixed int32>", F::list(F::Int32(Fixed))),
            ("list<optional string>", F::List(elem(F::String, true, false))),
            ("repeated tagged uint64", F::list(F::UInt64(Tagged))),
            ("repeated optional int32", F::List(elem(F::Int32(Varint), true, false))),
            ("map<string, int32>", F::map(F::String, F::Int32(Varint))),
            (
                "map<fixed int64, optional bytes>",
                F::Map(elem(F::Int64(Fixed), false, false), elem(F::Binary, true, false)),
            ),
            ("map<bool, date>", F::map(F::Bool, F::Date)),
            ("map<timestamp, duration>", F::map(F::Timestamp, F::Duration)),
            ("map<uint8, list<int16>>", F::map(F::UInt8, F::list(F::Int16))),
            (
                "list<map<string, array<float32>>>",
                F::list(F::map(F::String, F::Array(ArrayElem::Float32))),
            ),
        ];
        let mut text = String::from("package p;\nmessage S {\n");
        for (i, (ty, _)) in cases.iter().enumerate() {
            text.push_str(&format!("    {ty} f{i} = {};\n", i + 1));
        }
        text.push_str("    optional string maybe = 100;\n    any anything = 101;\n    list<any> anys = 102;\n}\n");
        let desc = parse(&text).unwrap();
        let s = message(&desc, "p.S");
        for (i, (src, ty)) in cases.iter().enumerate() {
            let f = &s.fields[i];
            assert_eq!(f.ty, *ty, "{src}");
            assert_eq!(f.tag, Some(i as u32 + 1));
            assert!(!f.nullable && !f.tracking_ref, "{src}");
        }
        assert_eq!(*field(s, "maybe"), FieldDesc::new("maybe", 100, F::String).nullable());
        assert_eq!(*field(s, "anything"), FieldDesc::new("anything", 101, F::Any).nullable());
        assert_eq!(*field(s, "anys"), FieldDesc::new("anys", 102, F::list(F::Any)));
    }

    #[test]
    fn nullable_ref_and_field_options() {
        let desc = parse(
            "package p;
            message Node {
                string value = 1;
                ref Node parent = 2;
                list<ref Node> children = 3;
                optional list<string> tags = 4;
                repeated ref(weak=true) Node weak = 5;
                map<string, optional ref Node> by_name = 6;
                optional Node explicit_optional = 7;
                int32 nullable_opt = 8 [nullable=true, deprecated=true];
                Node ref_opt = 9 [ref=true];
                list<Node> list_ref_opt = 10 [ref=true];
                map<int32, Node> map_ref_opt = 11 [ref = true, json_name = \"x\"];
                optional repeated optional int64 both = 12;
                Color color = 13;
                map<Color, string> by_color = 14;
                enum Color { RED = 0; }
            }",
        )
        .unwrap();
        let node = message(&desc, "p.Node");
        let n = || named("p.Node");
        let expect = [
            FieldDesc::new("value", 1, FieldType::String),
            FieldDesc::new("parent", 2, n()).nullable().tracking_ref(),
            FieldDesc::new("children", 3, FieldType::List(elem(n(), false, true))),
            FieldDesc::new("tags", 4, FieldType::list(FieldType::String)).nullable(),
            FieldDesc::new("weak", 5, FieldType::List(elem(n(), false, true))),
            FieldDesc::new(
                "by_name",
                6,
                FieldType::Map(elem(FieldType::String, false, false), elem(n(), true, true)),
            ),
            FieldDesc::new("explicit_optional", 7, n()).nullable(),
            FieldDesc::new("nullable_opt", 8, FieldType::Int32(IntEncoding::Varint)).nullable(),
            FieldDesc::new("ref_opt", 9, n()).nullable().tracking_ref(),
            FieldDesc::new("list_ref_opt", 10, FieldType::List(elem(n(), false, true))),
            FieldDesc::new(
                "map_ref_opt",
                11,
                FieldType::Map(
                    elem(FieldType::Int32(IntEncoding::Varint), false, false),
                    elem(n(), false, true),
                ),
            ),
            FieldDesc::new(
                "both",
                12,
                FieldType::List(elem(FieldType::Int64(IntEncoding::Varint), true, false)),
            )
            .nullable(),
            FieldDesc::new("color", 13, named("p.Node.Color")),
            FieldDesc::new(
                "by_color",
                14,
                FieldType::map(named("p.Node.Color"), FieldType::String),
            ),
        ];
        assert_eq!(node.fields, expect);
    }

    #[test]
    fn nested_types_and_scoped_references() {
        let desc = parse(
            "package pkg.v1;
            message Inner { string top = 1; }
            message Outer [id=10] {
                Inner inner = 1;              // Outer.Inner shadows the top-level Inner
                Outer.Inner deep = 2;         // dotted names are paths from package level...
                Outer.Inner.Deep deep2 = 3;
                pkg.v1.Outer.Inner qualified = 4; // ...optionally package-qualified
                Later later = 5;              // declared further down
                message Inner [id=11] {
                    Deep deep = 1;
                    Kind kind = 2;            // found in the enclosing message
                    message Deep [id=12] { Kind kind = 1; Inner back = 2; }
                }
                enum Kind [id=13] { A = 0; B = 1; }
            }
            message Other [id=14] {
                Inner top = 1;
                Outer.Kind kind = 2;
                list<Outer.Inner.Deep> deeps = 3;
            }
            message Later [id=15] { }
            ",
        )
        .unwrap();
        let names: Vec<&str> = desc.types.iter().map(|t| t.full_name()).collect();
        assert_eq!(
            names,
            [
                "pkg.v1.Inner",
                "pkg.v1.Outer",
                "pkg.v1.Outer.Inner",
                "pkg.v1.Outer.Inner.Deep",
                "pkg.v1.Outer.Kind",
                "pkg.v1.Other",
                "pkg.v1.Later",
            ]
        );
        let outer = message(&desc, "pkg.v1.Outer");
        let tys: Vec<&FieldType> = outer.fields.iter().map(|f| &f.ty).collect();
        assert_eq!(
            tys,
            [
                &named("pkg.v1.Outer.Inner"),
                &named("pkg.v1.Outer.Inner"),
                &named("pkg.v1.Outer.Inner.Deep"),
                &named("pkg.v1.Outer.Inner"),
                &named("pkg.v1.Later"),
            ]
        );
        assert!(outer.fields.iter().all(|f| f.nullable));
        let inner = message(&desc, "pkg.v1.Outer.Inner");
        assert_eq!(field(inner, "deep").ty, named("pkg.v1.Outer.Inner.Deep"));
        assert_eq!(*field(inner, "kind"), FieldDesc::new("kind", 2, named("pkg.v1.Outer.Kind")));
        let deep = message(&desc, "pkg.v1.Outer.Inner.Deep");
        assert_eq!(field(deep, "kind").ty, named("pkg.v1.Outer.Kind"));
        assert_eq!(field(deep, "back").ty, named("pkg.v1.Outer.Inner"));
        let other = message(&desc, "pkg.v1.Other");
        assert_eq!(field(other, "top").ty, named("pkg.v1.Inner"));
        assert_eq!(field(other, "kind").ty, named("pkg.v1.Outer.Kind"));
        assert_eq!(field(other, "deeps").ty, FieldType::list(named("pkg.v1.Outer.Inner.Deep")));
        assert_eq!(registration(&desc, "pkg.v1.Outer.Kind"), Registration::Id(13));
        assert!(message(&desc, "pkg.v1.Later").fields.is_empty());

        // Dotted names start at package level (as in fory-compiler): `Inner.Deep` inside
        // `Outer` means the top-level `Inner`, which has no `Deep`.
        let text = "message Inner {}\nmessage Outer { message Inner { message Deep {} }\n  Inner.Deep d = 1; }";
        assert_eq!(idl_err(text), (3, 3, IdlErrorKind::UnknownType("Inner.Deep".into())));
        // `Deep` is not visible from outside `Outer.Inner` by its simple name.
        assert_eq!(
            idl_err("message A { message B { message C {} } }\nmessage D { C c = 1; }"),
            (2, 13, IdlErrorKind::UnknownType("C".into()))
        );
        // Without a package, full names are the local paths.
        let desc = parse("message A { message B {} B b = 1; }").unwrap();
        assert_eq!(desc.package, "");
        assert_eq!(field(message(&desc, "A"), "b").ty, named("A.B"));
    }

    /// Ids and names checked against what fory-compiler 1.7.7 generates for the same schemas.
    #[test]
    fn auto_type_ids_match_fory_compiler() {
        let desc = parse(
            "package golden;
            message AutoId { int32 x = 1; }
            message Outer {
              message Inner { int32 y = 1; enum E { A = 0; } }
              enum Color { RED = 0; }
              Inner inner = 1;
            }
            message Al [alias=\"renamed\"] { int32 z = 1; }
            message Al2 [alias=\"x.y.Z\"] { int32 z = 1; }
            enum EA [alias=\"ealias\"] { Q = 0; }",
        )
        .unwrap();
        let expect = [
            ("golden.AutoId", 2714443544),
            ("golden.Outer", 592205746),
            ("golden.Outer.Inner", 2132487664),
            ("golden.Outer.Inner.E", 1536475125),
            ("golden.Outer.Color", 3628872031),
            ("golden.Al", 2630290599),
            ("golden.Al2", 1597292748),
            ("golden.EA", 999189886),
        ];
        for (name, id) in expect {
            assert_eq!(registration(&desc, name), Registration::Id(id), "{name}");
        }
        // A nested type's alias replaces its whole path: the input is `golden.nested_alias`.
        let desc =
            parse("package golden; message Outer { message Inner [alias=\"nested_alias\"] {} }")
                .unwrap();
        assert_eq!(registration(&desc, "golden.Outer.Inner"), Registration::Id(1062111379));
        // The package alias replaces the package in the hash input.
        let desc = parse("package p2 alias gp; message T { int32 x = 1; }").unwrap();
        assert_eq!(desc.package, "p2");
        assert_eq!(registration(&desc, "p2.T"), Registration::Id(1007533917));
        // Auto ids must not collide with explicit ones.
        assert_eq!(
            idl_err("package golden;\nmessage A [id=2714443544] {}\nmessage AutoId {}"),
            (3, 9, IdlErrorKind::DuplicateTypeId(2714443544))
        );
    }

    #[test]
    fn named_registration_without_auto_ids() {
        let desc = parse(
            "package golden.pkg alias gp;
            message Named { int32 x = 1; }
            message Outer {
              message Inner { int32 y = 1; }
              enum Color { RED = 0; }
              Inner inner = 1;
            }
            message WithId [id=5] { int32 q = 1; }
            message Al [alias=\"renamed\"] { int32 z = 1; }
            option enable_auto_type_id = false; // applies to the whole file",
        )
        .unwrap();
        let named_reg = |namespace: &str, name: &str| Registration::Named {
            namespace: namespace.into(),
            name: name.into(),
        };
        assert_eq!(registration(&desc, "golden.pkg.Named"), named_reg("golden.pkg", "Named"));
        assert_eq!(registration(&desc, "golden.pkg.Outer"), named_reg("golden.pkg", "Outer"));
        assert_eq!(
            registration(&desc, "golden.pkg.Outer.Inner"),
            named_reg("golden.pkg.Outer", "Inner")
        );
        assert_eq!(
            registration(&desc, "golden.pkg.Outer.Color"),
            named_reg("golden.pkg.Outer", "Color")
        );
        assert_eq!(registration(&desc, "golden.pkg.WithId"), Registration::Id(5));
        assert_eq!(registration(&desc, "golden.pkg.Al"), named_reg("golden.pkg", "Al"));

        let desc = parse("option enable_auto_type_id = false; message A { message B {} }").unwrap();
        assert_eq!(registration(&desc, "A"), named_reg("default", "A"));
        assert_eq!(registration(&desc, "A.B"), named_reg("default.A", "B"));
    }

    #[test]
    fn evolving_options_comments_and_skipped_statements() {
        let desc = parse(
            "/* header
               comment */ package p; // trailing
            option java_package = \"com.example\";
            option go_package = 'github.com/x;y';
            option deprecated = true;
            option evolving = false;
            service Greeter {
                rpc Hello (A) returns (stream A) { option deprecated = true; };
                rpc Bye (A) returns (A);
            }
            message A [evolving=true, deprecated=true, use_record_for_java=true] {
                reserved 2, 15, 9 to 11, 40 to max;
                reserved \"old\", 'older';
                option deprecated = true;
                int32 x = 1;;
                int32/**/y = 3 [deprecated=true];
            }
            message B { }
            enum E [deprecated=true] {
                reserved 5 to 7;
                reserved \"GONE\";
                option allow_alias = false;
                X = 0;
                Y = 4294967295 [deprecated = true];
            }",
        )
        .unwrap();
        assert!(message(&desc, "p.A").evolving);
        assert!(!message(&desc, "p.B").evolving);
        assert_eq!(message(&desc, "p.A").fields.len(), 2);
        assert_eq!(enumeration(&desc, "p.E").members[1].value, u32::MAX);
        let desc = parse("message A [evolving=false] {} message B {}").unwrap();
        assert!(!message(&desc, "A").evolving);
        assert!(message(&desc, "B").evolving);
    }

    #[test]
    fn errors_carry_line_and_column() {
        use IdlErrorKind as K;
        let cases: Vec<(&str, (u32, u32, IdlErrorKind))> = vec![
            (
                "package p;\nmessage A {\n  Missing m = 1;\n}\n",
                (3, 3, K::UnknownType("Missing".into())),
            ),
            ("message A { list<x.Y> m = 1; }", (1, 18, K::UnknownType("x.Y".into()))),
            ("message A {\n  int32 a = 1;\n  int32 b = 1;\n}", (3, 13, K::DuplicateFieldNumber(1))),
            (
                "message A {\n  int32 a = 1;\n  string a = 2;\n}",
                (3, 10, K::DuplicateFieldName("a".into())),
            ),
            ("message A { int32 x = 1 }", (1, 25, unexpected("`;` after the field", "`}`"))),
            ("message A { int32 x = 1; } @", (1, 28, K::UnexpectedChar('@'))),
            ("message A { int32 x = 1; }\n  é", (2, 3, K::UnexpectedChar('é'))),
            ("message A {}\n  /* never closed\n", (2, 3, K::UnterminatedComment)),
            ("option x = \"abc\n\";", (1, 12, K::UnterminatedString)),
            ("enum E {\n}", (1, 6, K::EmptyEnum("E".into()))),
            (
                "message A { map<float32, int32> m = 1; }",
                (1, 17, K::InvalidMapKey("float32".into())),
            ),
            ("message A { map<A, int32> m = 1; }", (1, 17, K::InvalidMapKey("A".into()))),
            (
                "message A { map<list<int32>, int32> m = 1; }",
                (1, 17, K::InvalidMapKey("list".into())),
            ),
            ("message A { map<any, int32> m = 1; }", (1, 17, K::InvalidMapKey("any".into()))),
            ("import \"other.fdl\";", (1, 1, K::ImportNotSupported)),
            (
                "message A { tagged int32 t = 1; }",
                (1, 20, K::InvalidEncoding { modifier: "tagged", ty: "int32".into() }),
            ),
            (
                "message A { fixed string t = 1; }",
                (1, 19, K::InvalidEncoding { modifier: "fixed", ty: "string".into() }),
            ),
            (
                "message A { array<string> a = 1; }",
                (1, 19, K::InvalidArrayElement("string".into())),
            ),
            (
                "message A { array<fixed int32> a = 1; }",
                (1, 19, K::InvalidArrayElement("fixed".into())),
            ),
            ("message A {}\nenum A { X = 0; }", (2, 6, K::DuplicateTypeName("A".into()))),
            ("message A [id=7] {}\nenum B [id=7] { X = 0; }", (2, 6, K::DuplicateTypeId(7))),
            ("message A [id=0] {}", (1, 15, K::InvalidTypeId(0))),
            ("message A [id=4294967296] {}", (1, 15, K::InvalidTypeId(4294967296))),
            ("message A [id=\"x\"] {}", (1, 15, K::InvalidOptionValue("id".into()))),
            ("message A [evolving=1] {}", (1, 21, K::InvalidOptionValue("evolving".into()))),
            (
                "option enable_auto_type_id = \"no\";",
                (1, 30, K::InvalidOptionValue("enable_auto_type_id".into())),
            ),
            ("enum E { X = 0; Y = 0; }", (1, 21, K::DuplicateEnumValue(0))),
            ("enum E { X = 0; X = 1; }", (1, 17, K::DuplicateEnumMember("X".into()))),
            ("enum E { X = -1; }", (1, 14, K::EnumValueOutOfRange(-1))),
            ("message A { int32 x = 536870912; }", (1, 23, K::FieldNumberOutOfRange(536870912))),
            ("message A { int32 x = -1; }", (1, 23, K::FieldNumberOutOfRange(-1))),
            (
                "message A { int32 x = 99999999999999999999; }",
                (1, 23, K::IntegerOutOfRange("99999999999999999999".into())),
            ),
            ("message A { ref int32 x = 1; }", (1, 17, K::RefNotAllowed("int32".into()))),
            ("message A { ref list<A> x = 1; }", (1, 17, K::RefNotAllowed("list".into()))),
            ("message A { list<ref string> x = 1; }", (1, 22, K::RefNotAllowed("string".into()))),
            (
                "enum E { X = 0; }\nmessage A { map<string, ref E> x = 1; }",
                (2, 29, K::RefNotAllowed("E".into())),
            ),
            ("message A { ref any x = 1; }", (1, 17, K::RefNotAllowed("any".into()))),
            ("package a;\npackage b;", (2, 1, K::DuplicatePackage)),
            (
                "message A { repeated repeated int32 x = 1; }",
                (1, 22, unexpected("a type", "`repeated`")),
            ),
            ("message optional {}", (1, 9, unexpected("a type name", "`optional`"))),
            ("message A { int32 x = 1;", (1, 25, unexpected("a field or `}`", "end of input"))),
            ("message A { int32 = 1; }", (1, 19, unexpected("a field name", "`=`"))),
            (
                "message A { map<int32> m = 1; }",
                (1, 22, unexpected("`,` after the map key type", "`>`")),
            ),
            (
                "message A { Outer.list x = 1; }",
                (1, 19, unexpected("a type name after `.`", "`list`")),
            ),
            (";", (1, 1, unexpected("`package`, `option`, `message`, `enum` or `union`", "`;`"))),
            ("service S { rpc A (B) returns (C);", (1, 35, unexpected("`}`", "end of input"))),
        ];
        for (text, expected) in cases {
            assert_eq!(idl_err(text), expected, "{text}");
        }
    }

    #[test]
    fn error_messages_render() {
        let err = parse("message A { int32 x = 1 }").unwrap_err();
        assert_eq!(err.to_string(), "IDL error at 1:25: expected `;` after the field, found `}`");
        let err = parse("message A { Nope x = 1; }").unwrap_err();
        assert_eq!(err.to_string(), "IDL error at 1:13: unknown type Nope");
        // Long offending tokens are shortened.
        let long = "x".repeat(1000);
        let (_, _, kind) = idl_err(&format!("message A {{ int32 {long} {long} }}"));
        let IdlErrorKind::UnexpectedToken { found, .. } = kind else { panic!() };
        assert!(found.chars().count() < 50, "{found}");
    }

    #[test]
    fn nesting_limits() {
        // 100 nested lists: the 33rd `list` is one level too deep.
        let text =
            format!("message M {{ {}int32{} x = 1; }}", "list<".repeat(100), ">".repeat(100));
        assert_eq!(idl_err(&text), (1, 13 + 32 * 5, IdlErrorKind::NestingTooDeep(32)));
        // Exactly 32 levels are fine; `repeated` counts as one.
        let ok = format!("message M {{ {}int32{} x = 1; }}", "list<".repeat(32), ">".repeat(32));
        parse(&ok).unwrap();
        let text = format!(
            "message M {{ repeated {}int32{} x = 1; }}",
            "list<".repeat(32),
            ">".repeat(32)
        );
        assert_eq!(idl_err(&text), (1, 22 + 31 * 5, IdlErrorKind::NestingTooDeep(32)));
        let text =
            format!("message M {{ {}int32{} x = 1; }}", "map<string, ".repeat(40), ">".repeat(40));
        assert_eq!(idl_err(&text), (1, 13 + 32 * 12, IdlErrorKind::NestingTooDeep(32)));
        // Nested messages: the 33rd `message` is too deep.
        let text = format!("{}{}", "message M { ".repeat(100), "}".repeat(100));
        assert_eq!(idl_err(&text), (1, 1 + 32 * 12, IdlErrorKind::NestingTooDeep(32)));
        let ok = format!("{}{}", "message M { ".repeat(32), "}".repeat(32));
        assert_eq!(parse(&ok).unwrap().types.len(), 32);
        // A huge configured depth is capped, so deep input cannot overflow the stack.
        let limits = IdlLimits { max_nesting_depth: usize::MAX, ..IdlLimits::default() };
        let text = format!("message M {{ {}int32 x = 1; }}", "list<".repeat(100_000));
        assert!(matches!(
            parse_with_limits(&text, &limits),
            Err(SchemaError::Idl {
                kind: IdlErrorKind::NestingTooDeep(HARD_MAX_NESTING_DEPTH),
                ..
            })
        ));
        let text = "message M { ".repeat(100_000);
        assert!(matches!(
            parse_with_limits(&text, &limits),
            Err(SchemaError::Idl {
                kind: IdlErrorKind::NestingTooDeep(HARD_MAX_NESTING_DEPTH),
                ..
            })
        ));
        let ok = format!(
            "message M {{ {}int32{} x = 1; }}",
            "list<".repeat(HARD_MAX_NESTING_DEPTH),
            ">".repeat(HARD_MAX_NESTING_DEPTH)
        );
        parse_with_limits(&ok, &limits).unwrap();
    }

    #[test]
    fn size_limits() {
        let limits = IdlLimits { max_text_bytes: 10, ..IdlLimits::default() };
        assert_eq!(
            parse_with_limits("message A {}", &limits),
            Err(SchemaError::Limit { what: "IDL text bytes", value: 12, limit: 10 })
        );
        assert_eq!(
            parse(&" ".repeat((4 << 20) + 1)),
            Err(SchemaError::Limit {
                what: "IDL text bytes",
                value: (4 << 20) + 1,
                limit: 4 << 20
            })
        );
        let limits = IdlLimits { max_types: 2, ..IdlLimits::default() };
        parse_with_limits("message A {} enum B { X = 0; }", &limits).unwrap();
        assert_eq!(
            parse_with_limits("message A { message B {} } enum C { X = 0; }", &limits),
            Err(SchemaError::Limit { what: "IDL types", value: 3, limit: 2 })
        );
        let limits = IdlLimits { max_fields_per_message: 2, ..IdlLimits::default() };
        parse_with_limits("message A { int32 a = 1; int32 b = 2; }", &limits).unwrap();
        assert_eq!(
            parse_with_limits("message A { int32 a = 1; int32 b = 2; int32 c = 3; }", &limits),
            Err(SchemaError::Limit { what: "IDL fields per message", value: 3, limit: 2 })
        );
        assert_eq!(
            parse_with_limits("enum E { A = 1; B = 2; C = 3; }", &limits),
            Err(SchemaError::Limit { what: "IDL enum members", value: 3, limit: 2 })
        );
    }

    #[test]
    fn lexer_details() {
        // Strings with escapes, single quotes, multi-byte text in comments and strings; columns
        // count characters.
        let desc = parse(
            "// é ü\noption x = 'it\\'s \"q\" \\n é';\n/* ü */ message A [alias=\"a\\\"b\"] { int32 x = 1; }",
        )
        .unwrap();
        assert_eq!(desc.types.len(), 1);
        assert_eq!(idl_err("/* éé */ #"), (1, 10, IdlErrorKind::UnexpectedChar('#')));
        assert_eq!(
            idl_err("\"éé\" #"),
            (
                1,
                1,
                unexpected("`package`, `option`, `message`, `enum` or `union`", "string \"éé\"")
            )
        );
        assert_eq!(idl_err("option x = 'abc\\"), (1, 12, IdlErrorKind::UnterminatedString));
        assert_eq!(
            idl_err("message A { int32 x = 1; } -"),
            (1, 28, IdlErrorKind::UnexpectedChar('-'))
        );
        assert_eq!(
            idl_err("\r\n\tmessage A { int32 x = 1; } /"),
            (2, 29, IdlErrorKind::UnexpectedChar('/'))
        );
        // Empty input and comment-only input are empty schemas.
        assert_eq!(parse("").unwrap(), SchemaDesc::default());
        assert_eq!(parse("// nothing\n/* here */").unwrap(), SchemaDesc::default());
    }

    /// A tiny deterministic PRNG (xorshift64*).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    const FUZZ_WORDS: &[&str] = &[
        "message",
        "enum",
        "union",
        "service",
        "package",
        "option",
        "import",
        "reserved",
        "to",
        "max",
        "optional",
        "ref",
        "repeated",
        "list",
        "map",
        "array",
        "fixed",
        "tagged",
        "varint",
        "int32",
        "int64",
        "uint64",
        "string",
        "bytes",
        "any",
        "decimal",
        "float32",
        "bool",
        "A",
        "B",
        "A.B",
        "bench.Media",
        "x",
        "id",
        "alias",
        "evolving",
        "true",
        "false",
        "{",
        "}",
        "[",
        "]",
        "(",
        ")",
        "<",
        ">",
        ";",
        ",",
        "=",
        ".",
        "0",
        "1",
        "-1",
        "7",
        "4294967296",
        "\"s\"",
        "'t'",
        "\"",
        "/*",
        "*/",
        "//",
        "\n",
        " ",
        "é",
        "\\",
    ];

    #[test]
    fn fuzz_never_panics() {
        let rich = "package f.g alias h; option enable_auto_type_id = false;
            message A [id=3, evolving=false] { optional ref B b = 1; list<optional B> l = 2;
              map<string, ref B> m = 3 [nullable=true]; repeated fixed int32 r = 4;
              message B { enum C { X = 0; } C c = 1; array<float16> a = 2; any y = 3; }
              reserved 5 to max; }
            enum E { Y = 1; } service S { rpc R (A) returns (A); }";
        let seeds = [SHAPES, rich];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..4000 {
            let text: String = match round % 4 {
                // Random printable ASCII with newlines.
                0 => (0..rng.below(300))
                    .map(|_| match rng.below(20) {
                        0 => '\n',
                        _ => char::from(b' ' + rng.below(95) as u8),
                    })
                    .collect(),
                // Random sequences of FDL tokens.
                1 => (0..rng.below(200))
                    .map(|_| format!("{} ", FUZZ_WORDS[rng.below(FUZZ_WORDS.len())]))
                    .collect(),
                // Mutated valid schemas: token insertions, deletions and duplications.
                _ => {
                    let mut text = seeds[rng.below(seeds.len())].to_string();
                    for _ in 0..1 + rng.below(4) {
                        let mut at = rng.below(text.len() + 1);
                        while !text.is_char_boundary(at) {
                            at -= 1;
                        }
                        match rng.below(3) {
                            0 => text.insert_str(at, FUZZ_WORDS[rng.below(FUZZ_WORDS.len())]),
                            1 => {
                                let mut end = (at + rng.below(20)).min(text.len());
                                while !text.is_char_boundary(end) {
                                    end -= 1;
                                }
                                text.replace_range(at..end, "");
                            }
                            _ => {
                                let mut end = (at + rng.below(40)).min(text.len());
                                while !text.is_char_boundary(end) {
                                    end -= 1;
                                }
                                let piece = text[at..end].to_string();
                                text.insert_str(at, &piece);
                            }
                        }
                    }
                    text
                }
            };
            if let Err(SchemaError::Idl { line, column, .. }) = parse(&text) {
                assert!(line >= 1 && column >= 1, "{text}");
                assert!(line as usize <= text.lines().count() + 1, "{text}");
            }
        }
    }

    #[test]
    fn unions_parse_top_level_and_nested() {
        let d = parse(
            "package u;
             union Shape [id=109] { Point point = 0; string label = 1; int64 count = 2; }
             message Point [id=103] { int32 x = 1; int32 y = 2; }
             message Holder [id=5] { union Inner [id=6] { bool b = 1; } Shape s = 1; Inner i = 2; }",
        )
        .unwrap();
        let unions: Vec<&UnionDesc> = d
            .types
            .iter()
            .filter_map(|t| match t {
                TypeDesc::Union(u) => Some(u),
                _ => None,
            })
            .collect();
        assert_eq!(unions.len(), 2);
        assert_eq!(unions[0].full_name, "u.Shape");
        assert_eq!(unions[0].registration, Registration::Id(109));
        let ids: Vec<u32> = unions[0].cases.iter().map(|c| c.id).collect();
        assert_eq!(ids, [0, 1, 2]);
        assert_eq!(unions[0].cases[0].ty, FieldType::Named("u.Point".into()));
        assert_eq!(unions[1].full_name, "u.Holder.Inner");
        // A union-typed field carries no null flag.
        let TypeDesc::Message(h) = &d.types[2] else { panic!("Holder is a message") };
        assert!(h.fields.iter().all(|f| !f.nullable));
        let e = parse("union U {\n}").unwrap_err();
        assert!(e.to_string().contains("declares no cases"), "{e}");
        assert!(parse("union U { optional string s = 1; }").is_err());
    }
    #[test]
    fn field_ids_false_identifies_fields_by_name() {
        let d = parse(
            "package f; message A [id=1, field_ids=false] { string n = 1; }
             message B [id=2] { string n = 1; }",
        )
        .unwrap();
        let tags: Vec<Option<u32>> = d
            .types
            .iter()
            .map(|t| match t {
                TypeDesc::Message(m) => m.fields[0].tag,
                _ => None,
            })
            .collect();
        assert_eq!(tags, [None, Some(1)]);
        let d = parse(
            "package f; option field_ids = false; message A [id=1] { string n = 1; }
             message B [id=2, field_ids=true] { string n = 1; }",
        )
        .unwrap();
        assert_eq!(message(&d, "f.A").fields[0].tag, None);
        assert_eq!(message(&d, "f.B").fields[0].tag, Some(1));
        assert_eq!(
            idl_err("message A [field_ids=0] {}"),
            (1, 22, IdlErrorKind::InvalidOptionValue("field_ids".into()))
        );
    }
}
