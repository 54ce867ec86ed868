//! Meta strings: the compact encodings Fory uses for namespaces, type names and field names, and
//! the two wire forms they travel in.
//!
//! A meta string is a short identifier packed with one of five [`Encoding`]s. The 5- and 6-bit
//! encodings share one bit layout: a single flag bit (the most significant bit of byte 0), then
//! the character codes, each most significant bit first. The flag is set when the zero padding at
//! the end is wide enough to hold one more character, telling the decoder to drop that phantom
//! character.
//!
//! The two wire forms:
//!
//! * **Inline, deduplicated** (named types when meta share is off), written by
//!   [`MetaStringWriter`] and read by [`MetaStringReader`]. The first occurrence of a string in
//!   one root call is `varuint32(len << 1)`, then the encoding byte (`len <= 16`, omitted for
//!   `len == 0`) or an 8-byte little-endian hash (`len > 16`), then the bytes. A repeat is
//!   `varuint32(((id + 1) << 1) | 1)`, where ids count distinct strings in first-write order.
//! * **TypeDef header**, written by [`write_typedef_name`] and read by [`read_typedef_name`]:
//!   one byte `(len << 2) | index`, `index` being the encoding's position in the context's
//!   allowed list; when `len >= 63` the byte is `(63 << 2) | index` followed by
//!   `varuint32(len - 63)`.
//!
//! ```
//! use foryjit_wire::meta_string::{encode, Encoding, MetaContext, INLINE_ALLOWED};
//! let s = encode("golden.named", MetaContext::Namespace, INLINE_ALLOWED);
//! assert_eq!(s.encoding, Encoding::LowerSpecial);
//! assert_eq!(s.bytes, [0x19, 0xcb, 0x19, 0x1b, 0xa6, 0x81, 0x84, 0x18]);
//! ```

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use crate::buffer::{Reader, Writer};
use crate::error::{CodecError, CodecResult, ErrorKind};
use crate::hash::murmur3_x64_128_lane0;

/// Longest encoded meta string (in bytes) this engine writes or accepts.
pub const MAX_META_STRING_BYTES: usize = 32767;

/// Most distinct meta strings one root call may write or read in the inline form.
pub const MAX_META_STRING_ENTRIES: usize = 1 << 16;

/// Inline strings up to this many encoded bytes carry an encoding byte; longer ones a hash.
pub const SMALL_META_STRING_THRESHOLD: usize = 16;

/// Seed of the murmur3 hash of long inline meta strings.
const HASH_SEED: u32 = 47;

/// The TypeDef header's 6-bit size value that says "a varuint32 with the rest follows".
const TYPEDEF_BIG_SIZE: usize = 63;

/// How the characters of a meta string are packed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Encoding {
    /// Plain UTF-8 bytes.
    Utf8 = 0,
    /// 5 bits per char: `a`–`z` = 0–25, `.` = 26, `_` = 27, `$` = 28, `|` = 29.
    LowerSpecial = 1,
    /// 6 bits per char: `a`–`z` = 0–25, `A`–`Z` = 26–51, `0`–`9` = 52–61, then the context's
    /// two special characters as 62 and 63.
    LowerUpperDigitSpecial = 2,
    /// The first char lowercased, then [`Encoding::LowerSpecial`].
    FirstToLowerSpecial = 3,
    /// Every uppercase `X` written as `|x`, then [`Encoding::LowerSpecial`].
    AllToLowerSpecial = 4,
}

impl Encoding {
    /// The encoding with wire id `id` (0–4), or `None`.
    pub fn from_id(id: u8) -> Option<Encoding> {
        match id {
            0 => Some(Encoding::Utf8),
            1 => Some(Encoding::LowerSpecial),
            2 => Some(Encoding::LowerUpperDigitSpecial),
            3 => Some(Encoding::FirstToLowerSpecial),
            4 => Some(Encoding::AllToLowerSpecial),
            _ => None,
        }
    }

    /// The wire id (0–4).
    pub fn id(self) -> u8 {
        self as u8
    }
}

/// Where a meta string is used; picks the two special characters of
/// [`Encoding::LowerUpperDigitSpecial`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetaContext {
    /// A namespace (package): specials `.` and `_`.
    Namespace,
    /// A type name: specials `$` and `_`.
    TypeName,
    /// A field name: specials `$` and `_`.
    FieldName,
}

impl MetaContext {
    /// The characters coded as 62 and 63 in [`Encoding::LowerUpperDigitSpecial`].
    pub fn specials(self) -> (char, char) {
        match self {
            MetaContext::Namespace => ('.', '_'),
            MetaContext::TypeName | MetaContext::FieldName => ('$', '_'),
        }
    }
}

/// Encodings an inline (meta share off) namespace or type name may use: all five.
pub const INLINE_ALLOWED: &[Encoding] = &[
    Encoding::Utf8,
    Encoding::LowerSpecial,
    Encoding::LowerUpperDigitSpecial,
    Encoding::FirstToLowerSpecial,
    Encoding::AllToLowerSpecial,
];

/// Encodings of a TypeDef namespace, in header-index order.
pub const TYPEDEF_NAMESPACE_ALLOWED: &[Encoding] =
    &[Encoding::Utf8, Encoding::AllToLowerSpecial, Encoding::LowerUpperDigitSpecial];

/// Encodings of a TypeDef type name, in header-index order.
pub const TYPEDEF_TYPE_NAME_ALLOWED: &[Encoding] = &[
    Encoding::Utf8,
    Encoding::AllToLowerSpecial,
    Encoding::LowerUpperDigitSpecial,
    Encoding::FirstToLowerSpecial,
];

/// Encodings of a TypeDef field name, in header-index order.
pub const TYPEDEF_FIELD_NAME_ALLOWED: &[Encoding] =
    &[Encoding::Utf8, Encoding::AllToLowerSpecial, Encoding::LowerUpperDigitSpecial];

/// A string together with its encoded form.
///
/// Build it with [`encode`] or [`encode_as`], which keep the fields consistent; the writers trust
/// `hash` to match `bytes` and `encoding`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MetaString {
    /// The original text.
    pub text: String,
    /// The encoding of `bytes`.
    pub encoding: Encoding,
    /// The encoded bytes.
    pub bytes: Vec<u8>,
    /// [`meta_string_hash`] of `bytes` and `encoding`: on the wire for inline strings longer than
    /// [`SMALL_META_STRING_THRESHOLD`] bytes, and the deduplication key of [`MetaStringWriter`].
    pub hash: u64,
}

impl MetaString {
    fn new(text: &str, encoding: Encoding, bytes: Vec<u8>) -> MetaString {
        let hash = meta_string_hash(&bytes, encoding);
        MetaString { text: text.to_owned(), encoding, bytes, hash }
    }
}

/// The 64-bit hash of an encoded meta string: lane 0 of `murmur3_x64_128(bytes, 47)` with its
/// low byte replaced by the encoding id.
pub fn meta_string_hash(bytes: &[u8], encoding: Encoding) -> u64 {
    (murmur3_x64_128_lane0(bytes, HASH_SEED) & !0xff) | u64::from(encoding.id())
}

/// Encodes `text` for `ctx`, choosing the encoding the way pyfory does among `allowed`.
///
/// The choice: [`Encoding::LowerSpecial`] when every char is in `[a-z._$|]`; otherwise, when
/// every char is an ASCII letter, digit or one of the context's two specials:
/// [`Encoding::LowerUpperDigitSpecial`] if there is a digit, [`Encoding::FirstToLowerSpecial`]
/// if the only uppercase letter is the first char, [`Encoding::AllToLowerSpecial`] if it is
/// strictly shorter than 6 bits per char, else [`Encoding::LowerUpperDigitSpecial`]; otherwise
/// [`Encoding::Utf8`]. Encodings missing from `allowed` are skipped; UTF-8 is the fallback even
/// when it is not listed. The empty string is UTF-8 with no bytes.
pub fn encode(text: &str, ctx: MetaContext, allowed: &[Encoding]) -> MetaString {
    let encoding = choose_encoding(text, ctx, allowed);
    // The chosen encoding can represent `text`, so the fallback is never taken.
    encode_as(text, ctx, encoding)
        .unwrap_or_else(|| MetaString::new(text, Encoding::Utf8, text.as_bytes().to_vec()))
}

/// Encodes `text` for `ctx` with the given `encoding`, or `None` when the encoding cannot
/// represent it. The empty string always yields UTF-8 with no bytes, as in pyfory.
pub fn encode_as(text: &str, ctx: MetaContext, encoding: Encoding) -> Option<MetaString> {
    if text.is_empty() {
        return Some(MetaString::new(text, Encoding::Utf8, Vec::new()));
    }
    let bytes = match encoding {
        Encoding::Utf8 => text.as_bytes().to_vec(),
        Encoding::LowerSpecial => {
            let codes = text.chars().map(lower_special_code).collect::<Option<Vec<u8>>>()?;
            pack(&codes, 5)
        }
        Encoding::LowerUpperDigitSpecial => {
            let specials = ctx.specials();
            let codes =
                text.chars().map(|c| luds_code(c, specials)).collect::<Option<Vec<u8>>>()?;
            pack(&codes, 6)
        }
        Encoding::FirstToLowerSpecial => {
            // The decoder uppercases a leading `a`–`z`, so one cannot be represented.
            if text.starts_with(|c: char| c.is_ascii_lowercase()) {
                return None;
            }
            let mut codes = Vec::with_capacity(text.len());
            for (i, c) in text.chars().enumerate() {
                let c = if i == 0 { c.to_ascii_lowercase() } else { c };
                codes.push(lower_special_code(c)?);
            }
            pack(&codes, 5)
        }
        Encoding::AllToLowerSpecial => {
            let mut codes = Vec::with_capacity(text.len() * 2);
            for c in text.chars() {
                if c == '|' {
                    // `|` is the escape here, so a literal one cannot be represented.
                    return None;
                } else if c.is_ascii_uppercase() {
                    codes.push(ESCAPE_CODE);
                    codes.push(lower_special_code(c.to_ascii_lowercase())?);
                } else {
                    codes.push(lower_special_code(c)?);
                }
            }
            pack(&codes, 5)
        }
    };
    Some(MetaString::new(text, encoding, bytes))
}

fn choose_encoding(text: &str, ctx: MetaContext, allowed: &[Encoding]) -> Encoding {
    if text.is_empty() {
        return Encoding::Utf8;
    }
    let (s1, s2) = ctx.specials();
    let mut lower_special = true;
    let mut luds = true;
    let mut digits = 0usize;
    let mut uppers = 0usize;
    let mut chars = 0usize;
    for c in text.chars() {
        chars += 1;
        lower_special &= lower_special_code(c).is_some();
        luds &= c.is_ascii_alphanumeric() || c == s1 || c == s2;
        digits += usize::from(c.is_ascii_digit());
        uppers += usize::from(c.is_ascii_uppercase());
    }
    let has = |e: Encoding| allowed.contains(&e);
    if lower_special && has(Encoding::LowerSpecial) {
        return Encoding::LowerSpecial;
    }
    if luds && has(Encoding::LowerUpperDigitSpecial) {
        if digits > 0 {
            return Encoding::LowerUpperDigitSpecial;
        }
        let first_upper = text.chars().next().is_some_and(|c| c.is_ascii_uppercase());
        if uppers == 1 && first_upper && has(Encoding::FirstToLowerSpecial) {
            return Encoding::FirstToLowerSpecial;
        }
        if (chars + uppers) * 5 < chars * 6 && has(Encoding::AllToLowerSpecial) {
            return Encoding::AllToLowerSpecial;
        }
        return Encoding::LowerUpperDigitSpecial;
    }
    Encoding::Utf8
}

/// The LOWER_SPECIAL code of `|`, the uppercase escape of ALL_TO_LOWER_SPECIAL.
const ESCAPE_CODE: u8 = 29;

fn lower_special_code(c: char) -> Option<u8> {
    match c {
        'a'..='z' => Some(c as u8 - b'a'),
        '.' => Some(26),
        '_' => Some(27),
        '$' => Some(28),
        '|' => Some(ESCAPE_CODE),
        _ => None,
    }
}

fn lower_special_char(code: u8) -> Option<char> {
    match code {
        0..=25 => Some(char::from(b'a' + code)),
        26 => Some('.'),
        27 => Some('_'),
        28 => Some('$'),
        29 => Some('|'),
        _ => None,
    }
}

fn luds_code(c: char, (s1, s2): (char, char)) -> Option<u8> {
    match c {
        'a'..='z' => Some(c as u8 - b'a'),
        'A'..='Z' => Some(c as u8 - b'A' + 26),
        '0'..='9' => Some(c as u8 - b'0' + 52),
        _ if c == s1 => Some(62),
        _ if c == s2 => Some(63),
        _ => None,
    }
}

fn luds_char(code: u8, (s1, s2): (char, char)) -> char {
    match code {
        0..=25 => char::from(b'a' + code),
        26..=51 => char::from(b'A' + (code - 26)),
        52..=61 => char::from(b'0' + (code - 52)),
        62 => s1,
        _ => s2,
    }
}

/// Packs `codes` of `width` bits after the leading flag bit, setting the flag when the padding
/// could hold another char.
fn pack(codes: &[u8], width: usize) -> Vec<u8> {
    let total_bits = codes.len() * width + 1;
    let mut out = vec![0u8; total_bits.div_ceil(8)];
    let mut bit = 1usize;
    for &code in codes {
        for i in (0..width).rev() {
            if (code >> i) & 1 == 1 {
                if let Some(b) = out.get_mut(bit / 8) {
                    *b |= 0x80 >> (bit % 8);
                }
            }
            bit += 1;
        }
    }
    if out.len() * 8 >= total_bits + width {
        if let Some(b) = out.first_mut() {
            *b |= 0x80;
        }
    }
    out
}

/// The codes packed in `bytes` with `width` bits each: `(code, byte index of its first bit)`.
fn unpack(bytes: &[u8], width: usize) -> impl Iterator<Item = (u8, usize)> + '_ {
    let strip = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let mut count = (bytes.len() * 8).saturating_sub(1) / width;
    if strip {
        count = count.saturating_sub(1);
    }
    let mask = (1u16 << width) - 1;
    (0..count).map(move |k| {
        let bit = 1 + k * width;
        let at = bit / 8;
        let hi = u16::from(bytes.get(at).copied().unwrap_or(0));
        let lo = u16::from(bytes.get(at + 1).copied().unwrap_or(0));
        let window = (hi << 8) | lo;
        (((window >> (16 - width - bit % 8)) & mask) as u8, at)
    })
}

/// Decodes meta string `bytes` in `encoding` for `ctx`.
///
/// Errors are [`ErrorKind::InvalidMetaString`] with an offset relative to the start of `bytes`.
pub fn decode(bytes: &[u8], encoding: Encoding, ctx: MetaContext) -> CodecResult<String> {
    decode_at(bytes, encoding, ctx, 0)
}

/// [`decode`] with error offsets shifted by `base`.
fn decode_at(
    bytes: &[u8],
    encoding: Encoding,
    ctx: MetaContext,
    base: usize,
) -> CodecResult<String> {
    let bad = |at: usize| CodecError::new(ErrorKind::InvalidMetaString, base + at);
    if bytes.is_empty() {
        return Ok(String::new());
    }
    match encoding {
        Encoding::Utf8 => {
            std::str::from_utf8(bytes).map(str::to_owned).map_err(|e| bad(e.valid_up_to()))
        }
        Encoding::LowerSpecial | Encoding::FirstToLowerSpecial => {
            let mut out = String::with_capacity(bytes.len() * 8 / 5);
            for (code, at) in unpack(bytes, 5) {
                let c = lower_special_char(code).ok_or_else(|| bad(at))?;
                if out.is_empty() && encoding == Encoding::FirstToLowerSpecial {
                    out.push(c.to_ascii_uppercase());
                } else {
                    out.push(c);
                }
            }
            Ok(out)
        }
        Encoding::AllToLowerSpecial => {
            let mut out = String::with_capacity(bytes.len() * 8 / 5);
            let mut escaped = None;
            for (code, at) in unpack(bytes, 5) {
                let c = lower_special_char(code).ok_or_else(|| bad(at))?;
                if escaped.is_some() {
                    if !c.is_ascii_lowercase() {
                        return Err(bad(at));
                    }
                    out.push(c.to_ascii_uppercase());
                    escaped = None;
                } else if code == ESCAPE_CODE {
                    escaped = Some(at);
                } else {
                    out.push(c);
                }
            }
            match escaped {
                Some(at) => Err(bad(at)),
                None => Ok(out),
            }
        }
        Encoding::LowerUpperDigitSpecial => {
            let specials = ctx.specials();
            Ok(unpack(bytes, 6).map(|(code, _)| luds_char(code, specials)).collect())
        }
    }
}

/// Passes a precomputed 64-bit hash through, folding high bits into the low byte (which holds
/// the encoding id and so carries almost no entropy).
#[derive(Default)]
struct PassHasher(u64);

impl Hasher for PassHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = v ^ (v >> 29);
    }
}

/// No entry: ends a hash chain.
const NO_ENTRY: u32 = u32::MAX;

#[derive(Debug, Clone)]
struct WriteEntry {
    start: usize,
    end: usize,
    encoding: Encoding,
    /// The previous entry with the same hash, or [`NO_ENTRY`].
    next: u32,
}

/// The per-root-call table of the inline form on the write side: the first occurrence of a
/// string is written in full, repeats as a reference.
///
/// Strings are identified by their encoded bytes and encoding (as pyfory does), so equal texts
/// from different contexts share an id exactly when they encode the same. Call
/// [`MetaStringWriter::clear`] before each root call; the table keeps its memory.
#[derive(Debug, Default)]
pub struct MetaStringWriter {
    arena: Vec<u8>,
    entries: Vec<WriteEntry>,
    index: HashMap<u64, u32, BuildHasherDefault<PassHasher>>,
}

impl MetaStringWriter {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets every written string (start of a new root call).
    pub fn clear(&mut self) {
        self.arena.clear();
        self.entries.clear();
        self.index.clear();
    }

    /// Writes `s` in the inline form: in full the first time, then as a reference.
    ///
    /// Fails with [`ErrorKind::LengthLimit`] when `s` is longer than [`MAX_META_STRING_BYTES`]
    /// or the table already holds [`MAX_META_STRING_ENTRIES`] strings, and with
    /// [`ErrorKind::OutputLimit`] when the writer is full.
    pub fn write(&mut self, w: &mut Writer<'_>, s: &MetaString) -> CodecResult<()> {
        let mut id = self.index.get(&s.hash).copied().unwrap_or(NO_ENTRY);
        while let Some(e) = self.entries.get(id as usize) {
            if e.encoding == s.encoding && self.arena.get(e.start..e.end) == Some(&s.bytes[..]) {
                w.reserve(5)?;
                w.put_varu32(((id + 1) << 1) | 1);
                return Ok(());
            }
            id = e.next;
        }

        let len = s.bytes.len();
        if len > MAX_META_STRING_BYTES {
            return Err(limit_error(len, MAX_META_STRING_BYTES, w.len()));
        }
        if self.entries.len() >= MAX_META_STRING_ENTRIES {
            return Err(limit_error(self.entries.len() + 1, MAX_META_STRING_ENTRIES, w.len()));
        }
        w.reserve(5 + 8 + len)?;
        w.put_varu32((len as u32) << 1);
        if len > SMALL_META_STRING_THRESHOLD {
            w.put_u64(s.hash);
        } else if len > 0 {
            w.put_u8(s.encoding.id());
        }
        w.put_bytes(&s.bytes)?;

        let new_id = self.entries.len() as u32;
        let start = self.arena.len();
        self.arena.extend_from_slice(&s.bytes);
        let next = self.index.insert(s.hash, new_id).unwrap_or(NO_ENTRY);
        self.entries.push(WriteEntry { start, end: self.arena.len(), encoding: s.encoding, next });
        Ok(())
    }
}

fn limit_error(len: usize, limit: usize, offset: usize) -> Box<CodecError> {
    CodecError::new(ErrorKind::LengthLimit { len: len as u64, limit: limit as u64 }, offset)
}

#[derive(Debug, Clone)]
struct ReadEntry {
    start: usize,
    end: usize,
    encoding: Encoding,
    /// Decoded text: slot 0 for every context, except LUDS in a namespace (slot 1), the one
    /// case where the context changes the text.
    text: [Option<Arc<str>>; 2],
}

fn text_slot(encoding: Encoding, ctx: MetaContext) -> usize {
    usize::from(encoding == Encoding::LowerUpperDigitSpecial && ctx == MetaContext::Namespace)
}

/// The per-root-call table of the inline form on the read side.
///
/// Entries keep their encoded bytes, so a string first read as a namespace and referenced later
/// as a type name is decoded with the right special characters. Call
/// [`MetaStringReader::clear`] before each root call; the table keeps its memory.
#[derive(Debug, Default)]
pub struct MetaStringReader {
    arena: Vec<u8>,
    entries: Vec<ReadEntry>,
}

impl MetaStringReader {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets every read string (start of a new root call).
    pub fn clear(&mut self) {
        self.arena.clear();
        self.entries.clear();
    }

    /// Reads one inline meta string (full or reference) and decodes it for `ctx`.
    ///
    /// Errors: [`ErrorKind::InvalidMetaString`] for an unknown reference id, encoding id, hash
    /// mismatch or undecodable bytes; [`ErrorKind::LengthLimit`] past [`MAX_META_STRING_BYTES`]
    /// or [`MAX_META_STRING_ENTRIES`]; [`ErrorKind::Truncated`] when the input ends.
    pub fn read(&mut self, r: &mut Reader<'_>, ctx: MetaContext) -> CodecResult<Arc<str>> {
        let at = r.pos();
        let header = r.varu32()?;
        let n = (header >> 1) as usize;
        if header & 1 == 1 {
            if n == 0 || n > self.entries.len() {
                return Err(CodecError::new(ErrorKind::InvalidMetaString, at));
            }
            return self.text(n - 1, ctx, at);
        }

        if n > MAX_META_STRING_BYTES {
            return Err(limit_error(n, MAX_META_STRING_BYTES, at));
        }
        if self.entries.len() >= MAX_META_STRING_ENTRIES {
            return Err(limit_error(self.entries.len() + 1, MAX_META_STRING_ENTRIES, at));
        }
        let tag_at = r.pos();
        let (encoding, hash) = if n > SMALL_META_STRING_THRESHOLD {
            let hash = r.u64()?;
            let encoding = Encoding::from_id(hash as u8)
                .ok_or_else(|| CodecError::new(ErrorKind::InvalidMetaString, tag_at))?;
            (encoding, Some(hash))
        } else if n > 0 {
            let encoding = Encoding::from_id(r.u8()?)
                .ok_or_else(|| CodecError::new(ErrorKind::InvalidMetaString, tag_at))?;
            (encoding, None)
        } else {
            (Encoding::Utf8, None)
        };
        let body_at = r.pos();
        let body = r.bytes(n)?;
        if hash.is_some_and(|h| h != meta_string_hash(body, encoding)) {
            return Err(CodecError::new(ErrorKind::InvalidMetaString, tag_at));
        }
        let text: Arc<str> = decode_at(body, encoding, ctx, body_at)?.into();

        let start = self.arena.len();
        self.arena.extend_from_slice(body);
        let mut entry = ReadEntry { start, end: self.arena.len(), encoding, text: [None, None] };
        if let Some(slot) = entry.text.get_mut(text_slot(encoding, ctx)) {
            *slot = Some(text.clone());
        }
        self.entries.push(entry);
        Ok(text)
    }

    /// The text of entry `idx` for `ctx`, decoding (and caching) it on first use in this context.
    fn text(&mut self, idx: usize, ctx: MetaContext, at: usize) -> CodecResult<Arc<str>> {
        let bad = || CodecError::new(ErrorKind::InvalidMetaString, at);
        let entry = self.entries.get_mut(idx).ok_or_else(bad)?;
        let slot = entry.text.get_mut(text_slot(entry.encoding, ctx)).ok_or_else(bad)?;
        if let Some(t) = slot {
            return Ok(t.clone());
        }
        let bytes = self.arena.get(entry.start..entry.end).ok_or_else(bad)?;
        let text: Arc<str> = decode(bytes, entry.encoding, ctx).map_err(|_| bad())?.into();
        *slot = Some(text.clone());
        Ok(text)
    }
}

/// Writes `s` in the TypeDef header form: `(len << 2) | index` (or `(63 << 2) | index` and
/// `varuint32(len - 63)`), then the bytes. `index` is the position of `s.encoding` in `allowed`
/// (one of the `TYPEDEF_*_ALLOWED` lists).
///
/// Fails with [`ErrorKind::InvalidMetaString`] when the encoding is not among the first four of
/// `allowed`, [`ErrorKind::LengthLimit`] past [`MAX_META_STRING_BYTES`].
pub fn write_typedef_name(
    w: &mut Writer<'_>,
    s: &MetaString,
    allowed: &[Encoding],
) -> CodecResult<()> {
    let index = allowed
        .iter()
        .take(4)
        .position(|&e| e == s.encoding)
        .ok_or_else(|| CodecError::new(ErrorKind::InvalidMetaString, w.len()))?
        as u8;
    let len = s.bytes.len();
    if len > MAX_META_STRING_BYTES {
        return Err(limit_error(len, MAX_META_STRING_BYTES, w.len()));
    }
    w.reserve(1 + 5 + len)?;
    if len >= TYPEDEF_BIG_SIZE {
        w.put_u8(((TYPEDEF_BIG_SIZE as u8) << 2) | index);
        w.put_varu32((len - TYPEDEF_BIG_SIZE) as u32);
    } else {
        w.put_u8(((len as u8) << 2) | index);
    }
    w.put_bytes(&s.bytes)
}

/// Reads a name in the TypeDef header form (see [`write_typedef_name`]) and decodes it for
/// `ctx`; `allowed` maps the header's 2-bit index to an encoding.
///
/// Errors: [`ErrorKind::InvalidMetaString`] for an index past `allowed` or undecodable bytes,
/// [`ErrorKind::LengthLimit`] past [`MAX_META_STRING_BYTES`], [`ErrorKind::Truncated`] when the
/// input ends.
pub fn read_typedef_name(
    r: &mut Reader<'_>,
    ctx: MetaContext,
    allowed: &[Encoding],
) -> CodecResult<String> {
    let at = r.pos();
    let header = r.u8()?;
    let encoding = *allowed
        .get(usize::from(header & 3))
        .ok_or_else(|| CodecError::new(ErrorKind::InvalidMetaString, at))?;
    let mut len = usize::from(header >> 2);
    if len == TYPEDEF_BIG_SIZE {
        let extra = r.varu32()? as usize;
        len = len.saturating_add(extra);
    }
    if len > MAX_META_STRING_BYTES {
        return Err(limit_error(len, MAX_META_STRING_BYTES, at));
    }
    let body_at = r.pos();
    let body = r.bytes(len)?;
    decode_at(body, encoding, ctx, body_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTEXTS: [MetaContext; 3] =
        [MetaContext::Namespace, MetaContext::TypeName, MetaContext::FieldName];

    fn unhex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len() / 2).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap()).collect()
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Writes a sequence of `(text, ctx)` inline with one table.
    fn write_inline(items: &[(&str, MetaContext)]) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut w = Writer::new(&mut buf, usize::MAX);
        let mut t = MetaStringWriter::new();
        for &(s, ctx) in items {
            t.write(&mut w, &encode(s, ctx, INLINE_ALLOWED)).unwrap();
        }
        buf
    }

    fn read_inline(bytes: &[u8], ctxs: &[MetaContext]) -> Vec<String> {
        let mut r = Reader::new(bytes);
        let mut t = MetaStringReader::new();
        let out = ctxs.iter().map(|&c| t.read(&mut r, c).unwrap().to_string()).collect();
        assert_eq!(r.remaining(), 0);
        out
    }

    fn sample_strings() -> Vec<String> {
        let mut v: Vec<String> = [
            "",
            "a",
            "A",
            "AB",
            "ABC",
            "aB",
            "x1",
            "golden.named",
            "golden_named",
            "User",
            "UserInfo",
            "camelCaseName",
            "fooBarBaz",
            "Hello_World",
            "user_id2",
            "$ref",
            "a$b_c",
            "a|b",
            "X|y",
            "Foo.Bar1",
            "Foo$Bar1",
            "MyType_2",
            "a.b",
            "ab$c",
            "aBc$",
            "UPPERCASE",
            "with space",
            "héllo",
            "Émoji名",
            "名字",
            "a😀",
            "lower_case$name",
            "com.example.longnamespace.models",
            "VeryLongTypeNameForTesting",
            "Type_With$Dollar",
            "abcdefghijklmnopqrstuvwxyz.._",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.push("a".repeat(100));
        v.push("Ab1".repeat(40));
        v.push("x.Y_".repeat(30));
        v.push("ü".repeat(50));
        // Every length around the flag-bit boundaries.
        for n in 0..40 {
            v.push("q".repeat(n));
            v.push("Z".repeat(n));
            v.push(format!("Q{}", "r".repeat(n)));
            v.push(format!("{}7", "mN".repeat(n / 2)));
        }
        v
    }

    #[test]
    fn round_trips_in_every_context() {
        let allowed_sets = [
            INLINE_ALLOWED,
            TYPEDEF_NAMESPACE_ALLOWED,
            TYPEDEF_TYPE_NAME_ALLOWED,
            TYPEDEF_FIELD_NAME_ALLOWED,
        ];
        for s in sample_strings() {
            for ctx in CONTEXTS {
                for allowed in allowed_sets {
                    let m = encode(&s, ctx, allowed);
                    assert!(allowed.contains(&m.encoding), "{s:?} {ctx:?} {:?}", m.encoding);
                    assert_eq!(m.hash, meta_string_hash(&m.bytes, m.encoding));
                    assert_eq!(decode(&m.bytes, m.encoding, ctx).unwrap(), s, "{ctx:?} {m:?}");

                    if allowed == INLINE_ALLOWED {
                        continue; // five encodings do not fit the 2-bit TypeDef index
                    }
                    let mut buf = Vec::new();
                    write_typedef_name(&mut Writer::new(&mut buf, usize::MAX), &m, allowed)
                        .unwrap();
                    let mut r = Reader::new(&buf);
                    assert_eq!(read_typedef_name(&mut r, ctx, allowed).unwrap(), s);
                    assert_eq!(r.remaining(), 0);
                }
                let buf = write_inline(&[(&s, ctx), ("x", ctx), (&s, ctx)]);
                assert_eq!(read_inline(&buf, &[ctx; 3]), [s.as_str(), "x", s.as_str()]);
            }
            // Every explicit encoding that can represent the string decodes back to it.
            for id in 0..5 {
                let enc = Encoding::from_id(id).unwrap();
                for ctx in CONTEXTS {
                    if let Some(m) = encode_as(&s, ctx, enc) {
                        assert_eq!(decode(&m.bytes, m.encoding, ctx).unwrap(), s);
                    }
                }
            }
        }
    }

    #[test]
    fn selection_matches_pyfory() {
        use Encoding::*;
        use MetaContext::*;
        // (text, ctx, encoding, bytes) as produced by pyfory 1.7.7's MetaStringEncoder.
        let cases: &[(&str, MetaContext, Encoding, &str)] = &[
            ("UserInfo", TypeName, LowerUpperDigitSpecial, "dc9088c468a700"),
            ("User", TypeName, FirstToLowerSpecial, "524488"),
            ("Level", TypeName, FirstToLowerSpecial, "ac9522c0"),
            ("Team", TypeName, FirstToLowerSpecial, "4c8060"),
            ("golden.named", Namespace, LowerSpecial, "19cb191ba6818418"),
            ("abc_def", Namespace, LowerSpecial, "0022d8c850"),
            ("a|b", TypeName, LowerSpecial, "03a1"),
            ("fooBarBaz", TypeName, LowerUpperDigitSpecial, "0a71cd808b6032"),
            ("aBcDeFgH", Namespace, LowerUpperDigitSpecial, "80d84e88f8d080"),
            ("x1", Namespace, LowerUpperDigitSpecial, "2fa8"),
            ("Hello_World", Namespace, AllToLowerSpecial, "f4e45addbed9d158c0"),
            ("Hello_World", TypeName, AllToLowerSpecial, "f4e45addbed9d158c0"),
            ("ab$c", Namespace, LowerSpecial, "003c10"),
            ("a.b", TypeName, LowerSpecial, "0341"),
            ("Émoji名", TypeName, Utf8, "c3896d6f6a69e5908d"),
            ("", Namespace, Utf8, ""),
            (
                "abcdefghijklmnopqrstuvwxyz.._",
                Namespace,
                LowerSpecial,
                "8022190a63a12a5b1ae7c2329d2b6be33ad6c0",
            ),
            ("A", TypeName, FirstToLowerSpecial, "00"),
            ("aB", TypeName, LowerUpperDigitSpecial, "00d8"),
            ("Foo.Bar1", Namespace, LowerUpperDigitSpecial, "be71df36023a80"),
            ("Foo$Bar1", Namespace, Utf8, "466f6f2442617231"),
            ("Foo.Bar1", TypeName, Utf8, "466f6f2e42617231"),
            ("Foo$Bar1", TypeName, LowerUpperDigitSpecial, "be71df36023a80"),
            ("MyType_2", TypeName, LowerUpperDigitSpecial, "ccc5ac1e27fb00"),
            ("a_b.c", TypeName, LowerSpecial, "8361d080"),
            ("aBc$", Namespace, Utf8, "61426324"),
            ("aBc$", TypeName, LowerUpperDigitSpecial, "80d85f00"),
        ];
        for &(text, ctx, enc, bytes) in cases {
            let m = encode(text, ctx, INLINE_ALLOWED);
            assert_eq!((m.encoding, hex(&m.bytes)), (enc, bytes.to_string()), "{text:?} {ctx:?}");
        }
        // TypeDef lists have no LOWER_SPECIAL; FIRST_TO_LOWER only for type names.
        let td = |s: &str, ctx, allowed| encode(s, ctx, allowed).encoding;
        assert_eq!(td("golden.named", Namespace, TYPEDEF_NAMESPACE_ALLOWED), AllToLowerSpecial);
        assert_eq!(td("golden.named", TypeName, TYPEDEF_TYPE_NAME_ALLOWED), Utf8);
        assert_eq!(td("userId", FieldName, TYPEDEF_FIELD_NAME_ALLOWED), AllToLowerSpecial);
        assert_eq!(td("User", TypeName, TYPEDEF_TYPE_NAME_ALLOWED), FirstToLowerSpecial);
        assert_eq!(td("abc1", FieldName, TYPEDEF_FIELD_NAME_ALLOWED), LowerUpperDigitSpecial);
        // FIRST_TO_LOWER not allowed: fall through to the length rule, then LUDS.
        assert_eq!(td("User", FieldName, TYPEDEF_FIELD_NAME_ALLOWED), LowerUpperDigitSpecial);
        assert_eq!(td("Abcdefg", Namespace, TYPEDEF_NAMESPACE_ALLOWED), AllToLowerSpecial);
        assert_eq!(td("a.b", FieldName, TYPEDEF_FIELD_NAME_ALLOWED), Utf8);
        // `encode_as` refuses what an encoding cannot hold.
        assert!(encode_as("Ab", Namespace, LowerSpecial).is_none());
        assert!(encode_as("a-b", TypeName, LowerUpperDigitSpecial).is_none());
        assert!(encode_as("ab1", Namespace, AllToLowerSpecial).is_none());
        assert_eq!(encode_as("", Namespace, LowerSpecial).unwrap().encoding, Utf8);
    }

    #[test]
    fn golden_named_vectors() {
        use MetaContext::*;
        // named_user_sc: 01 ff 1d | 10 01 19cb191ba6818418 | 06 03 524488 | ...
        let user = unhex("100119cb191ba6818418 0603524488");
        assert_eq!(write_inline(&[("golden.named", Namespace), ("User", TypeName)]), user);
        assert_eq!(read_inline(&user, &[Namespace, TypeName]), ["golden.named", "User"]);

        // named_enum_sc: 01 ff 1a | 10 01 .. | 08 03 ac9522c0 | 01
        let level = unhex("100119cb191ba6818418 0803ac9522c0");
        assert_eq!(write_inline(&[("golden.named", Namespace), ("Level", TypeName)]), level);
        assert_eq!(read_inline(&level, &[Namespace, TypeName]), ["golden.named", "Level"]);

        // named_team_sc: Team's type info, then `lead` (ns ref #0, User new = #2), then the list
        // element (ns ref #0, User ref #2): `1d 03 07`.
        let team = unhex("100119cb191ba6818418 06034c8060 03 0603524488 03 07");
        let items = [
            ("golden.named", Namespace),
            ("Team", TypeName),
            ("golden.named", Namespace),
            ("User", TypeName),
            ("golden.named", Namespace),
            ("User", TypeName),
        ];
        assert_eq!(write_inline(&items), team);
        let ctxs: Vec<_> = items.iter().map(|i| i.1).collect();
        let texts: Vec<_> = items.iter().map(|i| i.0).collect();
        assert_eq!(read_inline(&team, &ctxs), texts);

        // fory-rust writes the namespace as ALL_TO_LOWER_SPECIAL (04): same payload, readable.
        let rust = unhex("100419cb191ba6818418 0603524488");
        assert_eq!(read_inline(&rust, &[Namespace, TypeName]), ["golden.named", "User"]);
        let ns = encode_as("golden.named", Namespace, Encoding::AllToLowerSpecial).unwrap();
        let mut buf = Vec::new();
        MetaStringWriter::new().write(&mut Writer::new(&mut buf, usize::MAX), &ns).unwrap();
        assert_eq!(buf, unhex("100419cb191ba6818418"));
    }

    #[test]
    fn long_strings_carry_the_hash() {
        use MetaContext::*;
        // pyfory: register(A, name="com.example.longnamespace.models.VeryLongTypeNameForTesting"),
        // serialize(A(7)) = 01 ff 1d | <these bytes> | 3bb002cb 0e
        let expected = unhex(
            "2a 013b539c39780b5989 ccd12e063d64d2dcd3340c249e01134c70c8b900
             28 022ba6bf438afb085e 222c4a71a35ac1e24e01823e72368892641a30",
        );
        let items = [
            ("com.example.longnamespace.models", Namespace),
            ("VeryLongTypeNameForTesting", TypeName),
        ];
        assert_eq!(hex(&write_inline(&items)), hex(&expected));
        assert_eq!(
            read_inline(&expected, &[Namespace, TypeName]),
            ["com.example.longnamespace.models", "VeryLongTypeNameForTesting"]
        );
        // A corrupted hash or body is rejected.
        for flip in [2usize, 9, 20] {
            let mut bad = expected.clone();
            bad[flip] ^= 0x10;
            let err = MetaStringReader::new().read(&mut Reader::new(&bad), Namespace).unwrap_err();
            assert_eq!(err.kind, ErrorKind::InvalidMetaString);
        }
        // name="org.Demo_2.lower_case$name": LUDS namespace, LOWER_SPECIAL type name.
        let demo = unhex("10021c88df3a21877fb0 14012dd6247620489c681840");
        assert_eq!(write_inline(&[("org.Demo_2", Namespace), ("lower_case$name", TypeName)]), demo);
        assert_eq!(read_inline(&demo, &[Namespace, TypeName]), ["org.Demo_2", "lower_case$name"]);
        // name="Émoji名": empty namespace (`00`, no encoding byte), UTF-8 type name.
        let emoji = unhex("00 1200c3896d6f6a69e5908d");
        assert_eq!(write_inline(&[("", Namespace), ("Émoji名", TypeName)]), emoji);
        assert_eq!(read_inline(&emoji, &[Namespace, TypeName]), ["", "Émoji名"]);
    }

    #[test]
    fn same_bytes_share_an_id_across_contexts() {
        use MetaContext::*;
        // "Foo.Bar1" (namespace) and "Foo$Bar1" (type name) encode to the same LUDS bytes, so the
        // second is a reference, decoded with the type-name specials.
        let buf = write_inline(&[("Foo.Bar1", Namespace), ("Foo$Bar1", TypeName)]);
        assert_eq!(hex(&buf), "0e02be71df36023a8003");
        assert_eq!(read_inline(&buf, &[Namespace, TypeName]), ["Foo.Bar1", "Foo$Bar1"]);
        // `clear` starts a new table.
        let mut out = Vec::new();
        let mut w = Writer::new(&mut out, usize::MAX);
        let mut t = MetaStringWriter::new();
        let m = encode("abc", TypeName, INLINE_ALLOWED);
        t.write(&mut w, &m).unwrap();
        t.clear();
        t.write(&mut w, &m).unwrap();
        t.write(&mut w, &m).unwrap();
        assert_eq!(hex(&out), "04010022".to_owned() + "04010022" + "03");
    }

    #[test]
    fn typedef_headers_match_pyfory() {
        use MetaContext::*;
        let ns = |s: &str| {
            let mut buf = Vec::new();
            let m = encode(s, Namespace, TYPEDEF_NAMESPACE_ALLOWED);
            write_typedef_name(
                &mut Writer::new(&mut buf, usize::MAX),
                &m,
                TYPEDEF_NAMESPACE_ALLOWED,
            )
            .unwrap();
            let mut r = Reader::new(&buf);
            assert_eq!(read_typedef_name(&mut r, Namespace, TYPEDEF_NAMESPACE_ALLOWED).unwrap(), s);
            hex(&buf)
        };
        let tn = |s: &str| {
            let mut buf = Vec::new();
            let m = encode(s, TypeName, TYPEDEF_TYPE_NAME_ALLOWED);
            write_typedef_name(
                &mut Writer::new(&mut buf, usize::MAX),
                &m,
                TYPEDEF_TYPE_NAME_ALLOWED,
            )
            .unwrap();
            let mut r = Reader::new(&buf);
            assert_eq!(read_typedef_name(&mut r, TypeName, TYPEDEF_TYPE_NAME_ALLOWED).unwrap(), s);
            hex(&buf)
        };
        // Bytes from pyfory 1.7.7 `typedef_encoder.write_namespace` / `write_typename`.
        assert_eq!(ns("golden.named"), "2119cb191ba6818418");
        assert_eq!(ns(""), "00");
        assert_eq!(ns("Org2.x"), "165088db7cb8");
        let long = "com.example.a.very.long.namespace.that.exceeds.sixty.three.bytes.when.encoded.\
                    with.five.bits.per.char.abcdefghijklmnop";
        assert_eq!(
            ns(long),
            "fd0b09ccd12e063d64d03552471a5b9a6d340c249e0113533827a25c4420e5a922f3c6a678909a0e2649\
             6ac723744689c320f5644cfa2a2a4d0513969e48e8470474008864298e84a96c6b9e"
        );
        assert_eq!(tn("User"), "0f524488");
        assert_eq!(tn("UserInfo"), "1edc9088c468a700");
        assert_eq!(tn("x"), "055c");
        assert_eq!(tn("Émoji名"), "24c3896d6f6a69e5908d");
        assert_eq!(tn("Type_With$Dollar"), "3176787937db2267e746e5ac11");

        // An encoding outside the list cannot be written; an index outside it cannot be read.
        let m = encode("User", TypeName, INLINE_ALLOWED);
        let mut buf = Vec::new();
        let err = write_typedef_name(
            &mut Writer::new(&mut buf, usize::MAX),
            &m,
            TYPEDEF_NAMESPACE_ALLOWED,
        )
        .unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidMetaString);
        let err = read_typedef_name(
            &mut Reader::new(&[0x0f, 0x52, 0x44, 0x88]),
            Namespace,
            TYPEDEF_NAMESPACE_ALLOWED,
        )
        .unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidMetaString);
    }

    #[test]
    fn malformed_inline_input_is_an_error() {
        use MetaContext::*;
        let read = |b: &[u8]| MetaStringReader::new().read(&mut Reader::new(b), TypeName);
        // Reference to an id never defined, or id 0.
        assert_eq!(read(&[0x03]).unwrap_err().kind, ErrorKind::InvalidMetaString);
        assert_eq!(read(&[0x01]).unwrap_err().kind, ErrorKind::InvalidMetaString);
        // Unknown encoding byte.
        assert_eq!(read(&[0x02, 0x05, 0x00]).unwrap_err().kind, ErrorKind::InvalidMetaString);
        // LOWER_SPECIAL code 31.
        assert_eq!(read(&[0x02, 0x01, 0x7c]).unwrap_err().kind, ErrorKind::InvalidMetaString);
        // ALL_TO_LOWER_SPECIAL with a trailing escape (`|` alone: code 29).
        assert_eq!(read(&[0x02, 0x04, 0x74]).unwrap_err().kind, ErrorKind::InvalidMetaString);
        // Invalid UTF-8.
        assert_eq!(read(&[0x02, 0x00, 0xff]).unwrap_err().kind, ErrorKind::InvalidMetaString);
        // Truncated body and over-long length.
        assert!(matches!(read(&[0x06, 0x01, 0x00]).unwrap_err().kind, ErrorKind::Truncated { .. }));
        let mut big = Vec::new();
        Writer::new(&mut big, usize::MAX).put_varu32(((MAX_META_STRING_BYTES + 1) as u32) << 1);
        assert!(matches!(read(&big).unwrap_err().kind, ErrorKind::LengthLimit { .. }));
        // Writing an over-long string is refused too.
        let huge = encode(&"a".repeat(MAX_META_STRING_BYTES * 2), TypeName, INLINE_ALLOWED);
        let mut buf = Vec::new();
        let err = MetaStringWriter::new()
            .write(&mut Writer::new(&mut buf, usize::MAX), &huge)
            .unwrap_err();
        assert!(matches!(err.kind, ErrorKind::LengthLimit { .. }));
        assert!(buf.is_empty());
    }

    /// xorshift64*: deterministic pseudo-random bytes without a dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn bytes(&mut self, max: usize) -> Vec<u8> {
            let n = (self.next() % (max as u64 + 1)) as usize;
            (0..n).map(|_| self.next() as u8).collect()
        }
    }

    #[test]
    fn random_input_never_panics() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for round in 0..20_000 {
            let mut data = rng.bytes(48);
            // Bias towards plausible headers so the deeper paths are reached.
            if round % 2 == 0 && !data.is_empty() {
                data[0] &= 0x3e;
                if data.len() > 1 {
                    data[1] %= 6;
                }
            }
            let ctx = CONTEXTS[round % 3];
            let mut t = MetaStringReader::new();
            let mut r = Reader::new(&data);
            for _ in 0..8 {
                if t.read(&mut r, CONTEXTS[(round / 3) % 3]).is_err() || r.remaining() == 0 {
                    break;
                }
            }
            for id in 0..5 {
                let enc = Encoding::from_id(id).unwrap();
                if let Ok(s) = decode(&data, enc, ctx) {
                    assert!(s.len() <= data.len() * 2);
                }
            }
            for allowed in [TYPEDEF_NAMESPACE_ALLOWED, TYPEDEF_TYPE_NAME_ALLOWED] {
                let _ = read_typedef_name(&mut Reader::new(&data), ctx, allowed);
            }
        }
    }
}
