//! Fory IDL (`.fdl`) loader: a hand-written lexer and recursive-descent parser that turns one
//! self-contained IDL text into a [`SchemaDesc`].
//!
//! Supported (following fory-compiler 1.7.7):
//!
//! * `//` and `/* */` comments; `package a.b [alias x];`; `option name = value;` (only
//!   `enable_auto_type_id` and `evolving` have an effect, other options are ignored);
//!   `service` blocks are skipped; `import` is rejected ([`IdlErrorKind::ImportNotSupported`]).
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
//! Unions and `decimal` are recognised but rejected with [`IdlErrorKind::UnsupportedType`].
//!
//! Every error carries the 1-based line and column of the offending token. Input size, type
//! count, field count and nesting depth are bounded by [`IdlLimits`], so hostile input cannot
//! exhaust memory or the stack.

use std::collections::{HashMap, HashSet};

use crate::desc::{
    ArrayElem, ElemType, EnumDesc, EnumMember, FieldDesc, FieldType, IntEncoding, MessageDesc,
    Registration, SchemaDesc, TypeDesc,
};
use crate::SchemaError;

/// Size limits applied while loading IDL text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdlLimits {
    /// Maximum length of the text in bytes (default 4 MiB).
    pub max_text_bytes: usize,
    /// Maximum number of enums and messages, nested ones included (default 10 000).
    pub max_types: usize,
    /// Maximum number of fields in one message, and of members in one enum (default 10 000).
    pub max_fields_per_message: usize,
    /// Maximum nesting depth of messages inside messages, and of containers inside containers
    /// in one type expression such as `list<map<K, list<V>>>` (default 32). Values above 256
    /// are treated as 256, which keeps the recursive parser far away from the stack limit.
    pub max_nesting_depth: usize,
}

impl Default for IdlLimits {
    fn default() -> Self {
        IdlLimits {
            max_text_bytes: 4 << 20,
            max_types: 10_000,
            max_fields_per_message: 10_000,
            max_nesting_depth: 32,
        }
    }
}

/// Hard cap on [`IdlLimits::max_nesting_depth`]: the recursion bound of the parser.
const HARD_MAX_NESTING_DEPTH: usize = 256;
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
    /// `import` statements: this loader reads one self-contained text.
    #[error("import is not supported; load a single self-contained IDL text")]
    ImportNotSupported,
    /// A valid IDL construct this engine does not support yet (`union`, `decimal`).
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
    if text.len() > limits.max_text_bytes {
        return Err(SchemaError::Limit {
            what: "IDL text bytes",
            value: text.len(),
            limit: limits.max_text_bytes,
        });
    }
    let mut parser = Parser::new(text, limits)?;
    parser.parse_file()?;
    parser.finish()
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
        let text = match &self.tok {
            Tok::Word(w) | Tok::Int(w) => format!("`{}`", shorten(w)),
            Tok::Str(s) => format!("string \"{}\"", shorten(s)),
            Tok::Punct(c) => format!("`{}`", char::from(*c)),
            Tok::Eof => "end of input".to_string(),
        };
        text
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
    Decimal,
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
        "decimal" => return Some(Scalar::Decimal),
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
}

/// `[id=N, alias="x", evolving=false, ...]` after a type name.
#[derive(Debug, Default)]
struct TypeOptions {
    id: Option<u32>,
    alias: Option<String>,
    evolving: Option<bool>,
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
    types: Vec<RawType>,
    index: HashMap<String, usize>,
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
            types: Vec::new(),
            index: HashMap::new(),
        })
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
        error_at(self.cur.pos, IdlErrorKind::UnexpectedToken { expected, found: self.cur.describe() })
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
                let value = text.parse::<i64>().map_err(|_| {
                    error_at(pos, IdlErrorKind::IntegerOutOfRange(shorten(text)))
                })?;
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
                Tok::Word("import") => {
                    return Err(error_at(self.cur.pos, IdlErrorKind::ImportNotSupported))
                }
                Tok::Word("option") => {
                    let (name, value, pos) = self.option_statement()?;
                    self.file_option(name, value, pos)?;
                }
                Tok::Word("message") => self.parse_message(None, 1)?,
                Tok::Word("enum") => self.parse_enum(None)?,
                Tok::Word("union") => self.parse_union()?,
                Tok::Word("service") => self.skip_service()?,
                _ => return Err(self.unexpected("`package`, `option`, `message`, `enum` or `union`")),
            }
        }
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

    fn file_option(&mut self, name: &str, value: OptValue<'_>, pos: Pos) -> Result<(), SchemaError> {
        let target = match name {
            "enable_auto_type_id" => &mut self.auto_type_id,
            "evolving" => self.default_evolving.get_or_insert(true),
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
        let idx = self.declare(RawType {
            local,
            pos,
            options,
            body: RawBody::Enum(Vec::new()),
        })?;
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
                Tok::Word("union") => self.parse_union()?,
                _ => {
                    let (field, name_pos, number_pos) = self.parse_field()?;
                    if fields.len() >= self.max_fields {
                        return Err(SchemaError::Limit {
                            what: "IDL fields per message",
                            value: fields.len() + 1,
                            limit: self.max_fields,
                        });
                    }
                    if !numbers.insert(field.tag) {
                        return Err(error_at(
                            number_pos,
                            IdlErrorKind::DuplicateFieldNumber(field.tag),
                        ));
                    }
                    if !names.insert(field.name.clone()) {
                        return Err(error_at(
                            name_pos,
                            IdlErrorKind::DuplicateFieldName(shorten(&field.name)),
                        ));
                    }
                    fields.push(field);
                }
            }
        }
        self.types[idx].body = RawBody::Message(fields);
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
                        TypeExpr::List(elem) | TypeExpr::Map(_, _, elem) => elem.tracking_ref = true,
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
    fn parse_type(&mut self, depth: usize) -> Result<TypeExpr, SchemaError> {
        let pos = self.cur.pos;
        let Tok::Word(word) = self.cur.tok else { return Err(self.unexpected("a type")) };
        match word {
            "list" | "map" if depth >= self.max_depth => {
                Err(error_at(pos, IdlErrorKind::NestingTooDeep(self.max_depth)))
            }
            "list" => {
                self.advance()?;
                self.expect_punct(b'<', "`<` after `list`")?;
                let (nullable, tracking_ref) = self.element_modifiers()?;
                let elem_pos = self.cur.pos;
                let ty = self.parse_type(depth + 1)?;
                self.expect_punct(b'>', "`>` after the list element type")?;
                Ok(TypeExpr::List(Box::new(ElemExpr { ty, pos: elem_pos, nullable, tracking_ref })))
            }
            "map" => {
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
                let value_pos = self.cur.pos;
                let ty = self.parse_type(depth + 1)?;
                self.expect_punct(b'>', "`>` after the map value type")?;
                let value = ElemExpr { ty, pos: value_pos, nullable, tracking_ref };
                Ok(TypeExpr::Map(Box::new(key), key_pos, Box::new(value)))
            }
            "array" => {
                self.advance()?;
                self.expect_punct(b'<', "`<` after `array`")?;
                let elem_pos = self.cur.pos;
                let elem = match self.cur.tok {
                    Tok::Word(w) => array_elem(w),
                    _ => None,
                };
                let Some(elem) = elem else {
                    let found = match self.cur.tok {
                        Tok::Word(w) => shorten(w),
                        _ => self.cur.describe(),
                    };
                    return Err(error_at(elem_pos, IdlErrorKind::InvalidArrayElement(found)));
                };
                self.advance()?;
                self.expect_punct(b'>', "`>` after the array element type")?;
                Ok(TypeExpr::Builtin(FieldType::Array(elem), "array"))
            }
            "fixed" | "varint" | "tagged" if matches!(self.peek_next()?.tok, Tok::Word(_)) => {
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
            _ => match scalar(word) {
                Some(Scalar::Ty(ty)) => {
                    self.advance()?;
                    Ok(TypeExpr::Builtin(ty, builtin_label(word)))
                }
                Some(Scalar::Decimal) => {
                    Err(error_at(pos, IdlErrorKind::UnsupportedType("decimal")))
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
            },
        }
    }

    // --- unions

    /// `union Name [options] { [repeated] type name = N [options]; ... }`: parsed, then
    /// rejected, since the engine has no union support yet.
    fn parse_union(&mut self) -> Result<(), SchemaError> {
        let kw = self.advance()?;
        self.expect_ident("a union name")?;
        self.type_options(true)?;
        self.expect_punct(b'{', "`{` after the union name")?;
        loop {
            match self.cur.tok {
                Tok::Punct(b'}') => {
                    self.advance()?;
                    break;
                }
                Tok::Word("reserved") => self.skip_reserved()?,
                Tok::Word("optional" | "ref") => {
                    return Err(self.unexpected("a union case type"));
                }
                _ => {
                    let repeated = self.is_word("repeated");
                    if repeated {
                        self.advance()?;
                    }
                    self.parse_type(usize::from(repeated))?;
                    self.expect_word("a union case name")?;
                    self.expect_punct(b'=', "`=` after the union case name")?;
                    self.expect_int("a union case id")?;
                    if self.is_punct(b'[') {
                        self.bracket_options(|_, _, _| Ok(()))?;
                    }
                    self.expect_punct(b';', "`;` after the union case")?;
                }
            }
        }
        Err(error_at(kw.pos, IdlErrorKind::UnsupportedType("union")))
    }

    // --- resolution

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
    fn resolve(&self, expr: &TypeExpr, scope: &str) -> Result<(FieldType, bool), SchemaError> {
        Ok(match expr {
            TypeExpr::Builtin(ty, _) => (ty.clone(), false),
            TypeExpr::Named(name, pos) => {
                let idx = self
                    .lookup(name, scope)
                    .ok_or_else(|| error_at(*pos, IdlErrorKind::UnknownType(shorten(name))))?;
                let ty = &self.types[idx];
                (FieldType::Named(self.full_name(&ty.local)), ty.is_message())
            }
            TypeExpr::List(elem) => (FieldType::List(Box::new(self.resolve_elem(elem, scope)?)), false),
            TypeExpr::Map(key, key_pos, value) => {
                let (key_ty, key_is_message) = self.resolve(key, scope)?;
                if key_is_message {
                    return Err(error_at(*key_pos, IdlErrorKind::InvalidMapKey(key.label())));
                }
                let key_elem = ElemType::new(key_ty);
                let value = self.resolve_elem(value, scope)?;
                (FieldType::Map(Box::new(key_elem), Box::new(value)), false)
            }
        })
    }

    fn resolve_elem(&self, elem: &ElemExpr, scope: &str) -> Result<ElemType, SchemaError> {
        let (ty, is_message) = self.resolve(&elem.ty, scope)?;
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
                let namespace = match (package.is_empty(), parent.is_empty()) {
                    (_, true) => package.to_string(),
                    (true, false) => parent.to_string(),
                    (false, false) => format!("{package}.{parent}"),
                };
                Registration::Named { namespace, name: name.to_string() }
            };
            out.push(registration);
        }
        Ok(out)
    }

    fn finish(self) -> Result<SchemaDesc, SchemaError> {
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
                    for f in raw_fields {
                        let (field_ty, is_message) = self.resolve(&f.ty, &ty.local)?;
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
                            tag: Some(f.tag),
                            ty: field_ty,
                            nullable,
                            tracking_ref: f.tracking_ref,
                        });
                    }
                    let evolving =
                        ty.options.evolving.or(self.default_evolving).unwrap_or(true);
                    TypeDesc::Message(MessageDesc { full_name, registration, fields, evolving })
                }
            });
        }
        Ok(SchemaDesc { package: self.package.unwrap_or_default(), types })
    }
}

/// The static name of a scalar type word (for error messages).
fn builtin_label(word: &str) -> &'static str {
    const NAMES: &[&str] = &[
        "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
        "fixed_int32", "fixed_int64", "fixed_uint32", "fixed_uint64", "tagged_int64",
        "tagged_uint64", "float16", "bfloat16", "float32", "float64", "string", "bytes", "date",
        "timestamp", "duration", "any",
    ];
    NAMES.iter().copied().find(|n| *n == word).unwrap_or("scalar")
}
