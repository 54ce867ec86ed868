//! TypeDefs: the self-describing type metadata of compatible mode.
//!
//! In compatible mode a struct value is preceded (once per root call) by its writer's TypeDef:
//! the type's identity and, for each field in the writer's field order, its identifier (tag id
//! or snake_case name), nullable and ref bits and type. A reader matches fields by identifier,
//! so writer and reader schemas may differ.
//!
//! Layout: an 8-byte little-endian header (bits 0–7 body size, `0xff` meaning a `varuint32` with
//! the rest follows; bit 8 "compressed"; bits 12–63 a hash of the body), then the body. A struct
//! body starts with `0x80 | 0x40 (compatible) | 0x20 (by name) | min(fields, 31)`; other kinds
//! (named enums, ext, unions) start with a kind byte below `0x80` and carry no fields.
//!
//! ```
//! use foryjit_schema::{typedef, Registry, SchemaDesc};
//! let desc = SchemaDesc::from_idl(
//!     "package golden; message Point [id=103] { int32 x = 1; int32 y = 2; }").unwrap();
//! let mut reg = Registry::default();
//! let ids = reg.register(desc).unwrap();
//! let bytes = typedef::encode(&reg, ids[0], false).unwrap();
//! assert_eq!(bytes, [0x06, 0x10, 0xbf, 0xc4, 0xb3, 0x3c, 0x51, 0x33, // header
//!                    0xc2, 0x67, 0xc4, 0x05, 0xc8, 0x05]);          // body
//! let def = typedef::TypeDef::parse(&bytes, &Default::default()).unwrap();
//! assert_eq!(def.fields.len(), 2);
//! ```

use crate::desc::Registration;
use crate::registry::{Registry, ResolvedType, TypeInfo};
use foryjit_wire::hash::murmur3_x64_128_lane0;
use foryjit_wire::meta_string::{
    self, Encoding, MetaContext, TYPEDEF_FIELD_NAME_ALLOWED, TYPEDEF_NAMESPACE_ALLOWED,
    TYPEDEF_TYPE_NAME_ALLOWED,
};
use foryjit_wire::type_id as tid;
use foryjit_wire::{CodecError, CodecResult, ErrorKind, Reader, TypeIdx, Writer};

/// Seed of the TypeDef header hash.
const HASH_SEED: u32 = 47;
/// Body sizes from this value on take a size varint after the header.
const BIG_SIZE: usize = 0xff;
/// Header bit: the body is compressed (never written by the peers; rejected).
const COMPRESSED: u64 = 1 << 8;
/// Field-count value in the first body byte that says "a varuint32 with the rest follows".
const BIG_FIELD_COUNT: usize = 31;
/// Field-header size value that says "a varuint32 with the rest follows".
const BIG_FIELD_SIZE: usize = 15;
/// Field-name encoding value meaning "tag id".
const TAG_ID_ENCODING: u8 = 3;
/// Deepest container nesting accepted in one field type (`list<map<..>>`).
const MAX_TYPE_NESTING: usize = 16;

/// Bounds applied while parsing a received TypeDef.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeDefLimits {
    /// Fields in one struct TypeDef (default 512).
    pub max_fields: usize,
    /// Body bytes (default 4096).
    pub max_body_bytes: usize,
}

impl Default for TypeDefLimits {
    fn default() -> Self {
        TypeDefLimits { max_fields: 512, max_body_bytes: 4096 }
    }
}

/// The identity of a type in a TypeDef.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeIdent {
    /// Registered by numeric user id.
    Id(u32),
    /// Registered by namespace and name.
    Named {
        /// Namespace.
        namespace: String,
        /// Type name.
        name: String,
    },
}

/// A field's type as a TypeDef states it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DefType {
    /// The xlang type id (structs as COMPATIBLE_STRUCT/NAMED_COMPATIBLE_STRUCT/STRUCT, enums as
    /// ENUM, unions as UNION, `any` as 0).
    pub id: u32,
    /// Elements may be null (nested types only; a field's own bit is on [`DefField`]).
    pub nullable: bool,
    /// Elements are reference-tracked (nested types only).
    pub tracking_ref: bool,
    /// The element type of a list/set, or the key and value types of a map.
    pub args: Vec<DefType>,
}

/// How a field is identified.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldKey {
    /// By tag id.
    Tag(u32),
    /// By name (as written; compare with [`crate::snake_case`] applied).
    Name(String),
}

/// One field of a struct TypeDef.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DefField {
    /// Identifier.
    pub key: FieldKey,
    /// May be null (the value carries a null flag).
    pub nullable: bool,
    /// Reference-tracked (the value carries a ref flag).
    pub tracking_ref: bool,
    /// Type.
    pub ty: DefType,
}

/// What kind of type a TypeDef describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DefKind {
    /// A struct (compatible or not).
    Struct {
        /// The compatible bit of the body.
        compatible: bool,
    },
    /// A non-struct TypeDef: 0 ENUM, 1 NAMED_ENUM, 2 EXT, 3 NAMED_EXT, 4 TYPED_UNION,
    /// 5 NAMED_UNION.
    Other(u8),
}

/// A parsed TypeDef.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TypeDef {
    /// The 8-byte header (its hash identifies the TypeDef).
    pub header: u64,
    /// Kind.
    pub kind: DefKind,
    /// Identity.
    pub ident: TypeIdent,
    /// Fields in the writer's order (structs only).
    pub fields: Vec<DefField>,
    /// The complete encoded TypeDef (header, size varint, body), for writing it again.
    pub bytes: Vec<u8>,
}

/// Why a TypeDef could not be encoded for a registered type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TypeDefError {
    /// The index is not a registered type.
    #[error("type #{0} is not registered")]
    NotRegistered(u32),
    /// The type cannot be described (a name that no meta-string encoding can hold).
    #[error("type {0} cannot be described in a TypeDef")]
    Unencodable(String),
}

/// The header hash of a TypeDef body: murmur3 over the body followed by the two low-12-bit
/// bytes, shifted into bits 12–63 and made non-negative, with the low 12 bits of `low12`.
pub fn header_of(body: &[u8]) -> u64 {
    let low12 = body.len().min(BIG_SIZE) as u64;
    let mut input = Vec::with_capacity(body.len() + 2);
    input.extend_from_slice(body);
    input.push((low12 & 0xff) as u8);
    input.push((low12 >> 8) as u8);
    let h = murmur3_x64_128_lane0(&input, HASH_SEED) as i64;
    let shifted = h.wrapping_shl(12);
    let abs = if shifted == i64::MIN { shifted } else { shifted.abs() };
    (abs as u64 & !0xfff) | low12
}

/// The TypeDef field type of a resolved type (top level: nullable/ref live on the field).
fn def_type(reg: &Registry, ty: &ResolvedType, nullable: bool, tracking_ref: bool) -> DefType {
    let id = match ty {
        ResolvedType::Message(t) => match reg.message(*t) {
            Some(m) => match (&m.registration, m.evolving) {
                (Registration::Id(_), true) => tid::COMPATIBLE_STRUCT,
                (Registration::Named { .. }, true) => tid::NAMED_COMPATIBLE_STRUCT,
                (Registration::Id(_), false) => tid::STRUCT,
                (Registration::Named { .. }, false) => tid::NAMED_STRUCT,
            },
            None => tid::COMPATIBLE_STRUCT,
        },
        ResolvedType::Enum(_) => tid::ENUM,
        ResolvedType::Any => tid::UNKNOWN,
        t => t.type_id(),
    };
    let args = match ty {
        ResolvedType::List(e) | ResolvedType::Set(e) => {
            vec![def_type(reg, &e.ty, e.nullable, e.tracking_ref)]
        }
        ResolvedType::Map(k, v) => vec![
            def_type(reg, &k.ty, k.nullable, k.tracking_ref),
            def_type(reg, &v.ty, v.nullable, v.tracking_ref),
        ],
        _ => Vec::new(),
    };
    DefType { id, nullable, tracking_ref, args }
}

/// The TypeDef field type of a registered field, as the writer describes it.
pub fn field_def_type(reg: &Registry, ty: &ResolvedType) -> DefType {
    def_type(reg, ty, false, false)
}

/// Clears every nested ref bit (a writer without reference tracking).
fn without_ref_bits(mut t: DefType) -> DefType {
    t.tracking_ref = false;
    t.args = t.args.into_iter().map(without_ref_bits).collect();
    t
}

fn put_def_type(w: &mut Writer, t: &DefType, top: bool) -> CodecResult<()> {
    w.reserve(5)?;
    if top {
        w.put_varu32(t.id);
    } else {
        w.put_varu32((t.id << 2) | ((t.nullable as u32) << 1) | t.tracking_ref as u32);
    }
    for a in &t.args {
        put_def_type(w, a, false)?;
    }
    Ok(())
}

fn put_ident(w: &mut Writer, reg: &Registration, what: &str) -> Result<(), TypeDefError> {
    let bad = |_| TypeDefError::Unencodable(what.to_owned());
    match reg {
        Registration::Id(id) => {
            w.reserve(5).map_err(bad)?;
            w.put_varu32(*id);
        }
        Registration::Named { namespace, name } => {
            let ns =
                meta_string::encode(namespace, MetaContext::Namespace, TYPEDEF_NAMESPACE_ALLOWED);
            let nm = meta_string::encode(name, MetaContext::TypeName, TYPEDEF_TYPE_NAME_ALLOWED);
            meta_string::write_typedef_name(w, &ns, TYPEDEF_NAMESPACE_ALLOWED).map_err(bad)?;
            meta_string::write_typedef_name(w, &nm, TYPEDEF_TYPE_NAME_ALLOWED).map_err(bad)?;
        }
    }
    Ok(())
}

/// Encodes the TypeDef of registered type `ty` (header, size varint when needed, body).
///
/// `ref_tracking` is the writer's reference-tracking setting: without it a `ref` field is
/// written with a null flag (`ff`/`fd`), so the TypeDef carries no ref bits — as pyfory's with
/// `ref=False`; with it, the schema's ref bits (pyfory `ref=True`).
pub fn encode(reg: &Registry, ty: TypeIdx, ref_tracking: bool) -> Result<Vec<u8>, TypeDefError> {
    let info = reg.get(ty).ok_or(TypeDefError::NotRegistered(ty.0))?;
    let what = info.full_name().to_owned();
    let bad = |_| TypeDefError::Unencodable(what.clone());
    let mut body = Vec::new();
    let mut w = Writer::new(&mut body, usize::MAX);
    match &**info {
        TypeInfo::Message(m) => {
            let n = m.fields.len();
            let named = matches!(m.registration, Registration::Named { .. });
            let mut first = 0x80u8 | n.min(BIG_FIELD_COUNT) as u8;
            if m.evolving {
                first |= 0x40;
            }
            if named {
                first |= 0x20;
            }
            w.reserve(6).map_err(bad)?;
            w.put_u8(first);
            if n >= BIG_FIELD_COUNT {
                w.put_varu32((n - BIG_FIELD_COUNT) as u32);
            }
            put_ident(&mut w, &m.registration, &what)?;
            for &ord in &m.wire_order {
                let f = &m.fields[ord];
                // A `ref` field is written with a null flag (`ff`/`fd`) when references are not
                // tracked: nullable, not ref, in the TypeDef.
                let tracked = f.tracking_ref && ref_tracking;
                let nullable = f.nullable || (f.tracking_ref && !ref_tracking);
                let flags = ((nullable as u8) << 1) | tracked as u8;
                let ty = match ref_tracking {
                    true => field_def_type(reg, &f.ty),
                    false => without_ref_bits(field_def_type(reg, &f.ty)),
                };
                let (encoding, size, name) = match f.tag {
                    Some(tag) => (TAG_ID_ENCODING, tag as usize, None),
                    None => {
                        let s = meta_string::encode(
                            &f.snake_name,
                            MetaContext::FieldName,
                            TYPEDEF_FIELD_NAME_ALLOWED,
                        );
                        let index = TYPEDEF_FIELD_NAME_ALLOWED
                            .iter()
                            .position(|&e| e == s.encoding)
                            .unwrap_or(0) as u8;
                        if s.bytes.is_empty() {
                            return Err(TypeDefError::Unencodable(what.clone()));
                        }
                        (index, s.bytes.len() - 1, Some(s.bytes))
                    }
                };
                w.reserve(6).map_err(bad)?;
                w.put_u8((encoding << 6) | ((size.min(BIG_FIELD_SIZE) as u8) << 2) | flags);
                if size >= BIG_FIELD_SIZE {
                    w.put_varu32((size - BIG_FIELD_SIZE) as u32);
                }
                put_def_type(&mut w, &ty, true).map_err(bad)?;
                if let Some(bytes) = name {
                    w.put_bytes(&bytes).map_err(bad)?;
                }
            }
        }
        TypeInfo::Enum(_) | TypeInfo::Union(_) => {
            // Only enums and unions registered by name travel with a TypeDef: kind 1 or 5.
            let base = if matches!(&**info, TypeInfo::Union(_)) { 4u8 } else { 0 };
            let registration = info.registration();
            let kind = base + u8::from(matches!(registration, Registration::Named { .. }));
            w.reserve(1).map_err(bad)?;
            w.put_u8(kind);
            put_ident(&mut w, registration, &what)?;
        }
    }
    let header = header_of(&body);
    let mut out = Vec::with_capacity(body.len() + 13);
    out.extend_from_slice(&header.to_le_bytes());
    if body.len() >= BIG_SIZE {
        let mut w = Writer::new(&mut out, usize::MAX);
        w.reserve(5).map_err(bad)?;
        w.put_varu32((body.len() - BIG_SIZE) as u32);
    }
    out.extend_from_slice(&body);
    Ok(out)
}

#[cold]
fn invalid(at: usize) -> Box<CodecError> {
    CodecError::new(ErrorKind::InvalidTypeDef, at)
}

impl TypeDef {
    /// Parses one complete TypeDef from the start of `bytes` (convenience for tests and tools).
    pub fn parse(bytes: &[u8], limits: &TypeDefLimits) -> CodecResult<TypeDef> {
        let mut r = Reader::new(bytes);
        let (header, body) = read_frame(&mut r, limits)?;
        TypeDef::parse_body(header, r.data().get(..r.pos()).unwrap_or_default(), body, 0, limits)
    }

    /// Parses a TypeDef body. `frame` is the complete encoded TypeDef (kept in
    /// [`TypeDef::bytes`]); `body_at` is the body's offset in the input, for error offsets.
    pub fn parse_body(
        header: u64,
        frame: &[u8],
        body: &[u8],
        body_at: usize,
        limits: &TypeDefLimits,
    ) -> CodecResult<TypeDef> {
        Self::parse_body_spanned(header, frame, body, body_at, limits).map(|(def, _)| def)
    }

    /// [`TypeDef::parse_body`] that also returns where each field entry lies: one byte range
    /// per field of [`TypeDef::fields`], as offsets in the input (`body_at` added), for tools
    /// that show the bytes (`foryjit inspect`).
    pub fn parse_body_spanned(
        header: u64,
        frame: &[u8],
        body: &[u8],
        body_at: usize,
        limits: &TypeDefLimits,
    ) -> CodecResult<(TypeDef, Vec<std::ops::Range<usize>>)> {
        let mut spans = Vec::new();
        let mut r = Reader::new(body);
        let rebase = |e: Box<CodecError>| e.shifted(body_at);
        let first = r.u8().map_err(rebase)?;
        let def = if first & 0x80 == 0 {
            if first > 5 {
                return Err(invalid(body_at));
            }
            let ident = if first & 1 == 1 {
                read_named(&mut r).map_err(rebase)?
            } else {
                TypeIdent::Id(r.varu32().map_err(rebase)?)
            };
            TypeDef {
                header,
                kind: DefKind::Other(first),
                ident,
                fields: Vec::new(),
                bytes: vec![],
            }
        } else {
            let mut n = (first & 0x1f) as usize;
            if n == BIG_FIELD_COUNT {
                n = n.saturating_add(r.varu32().map_err(rebase)? as usize);
            }
            if n > limits.max_fields {
                return Err(CodecError::new(
                    ErrorKind::TypeDefLimit { what: "max_type_fields", limit: limits.max_fields },
                    body_at,
                ));
            }
            // Every field takes at least two bytes: never allocate beyond what the body holds.
            if n > r.remaining() / 2 + 1 {
                return Err(invalid(body_at));
            }
            let ident = if first & 0x20 != 0 {
                read_named(&mut r).map_err(rebase)?
            } else {
                TypeIdent::Id(r.varu32().map_err(rebase)?)
            };
            let mut fields = Vec::with_capacity(n);
            spans.reserve(n);
            for _ in 0..n {
                let from = r.pos();
                fields.push(read_field(&mut r).map_err(rebase)?);
                spans.push(body_at + from..body_at + r.pos());
            }
            TypeDef {
                header,
                kind: DefKind::Struct { compatible: first & 0x40 != 0 },
                ident,
                fields,
                bytes: Vec::new(),
            }
        };
        if r.remaining() != 0 {
            return Err(invalid(body_at + r.pos()));
        }
        Ok((TypeDef { bytes: frame.to_vec(), ..def }, spans))
    }
}

/// Reads a TypeDef's header and size and returns `(header, body)`, after checking the size
/// against the limit (before reading the body) and the header hash against the body.
pub fn read_frame<'a>(r: &mut Reader<'a>, limits: &TypeDefLimits) -> CodecResult<(u64, &'a [u8])> {
    let at = r.pos();
    let header = r.u64()?;
    if header & COMPRESSED != 0 || header & 0xe00 != 0 {
        return Err(invalid(at));
    }
    let mut size = (header & 0xff) as usize;
    if size == BIG_SIZE {
        size = size.saturating_add(r.varu32()? as usize);
    }
    if size > limits.max_body_bytes {
        return Err(CodecError::new(
            ErrorKind::TypeDefLimit { what: "max_type_meta_bytes", limit: limits.max_body_bytes },
            at,
        ));
    }
    let body = r.bytes(size)?;
    Ok((header, body))
}

/// True when `header` is the hash of `body` (a TypeDef is cached by its header, so a forged
/// header must not poison the cache).
pub fn header_matches(header: u64, body: &[u8]) -> bool {
    header_of(body) == header
}

fn read_named(r: &mut Reader) -> CodecResult<TypeIdent> {
    let namespace =
        meta_string::read_typedef_name(r, MetaContext::Namespace, TYPEDEF_NAMESPACE_ALLOWED)?;
    let name = meta_string::read_typedef_name(r, MetaContext::TypeName, TYPEDEF_TYPE_NAME_ALLOWED)?;
    Ok(TypeIdent::Named { namespace, name })
}

fn read_def_type(r: &mut Reader, top: bool, depth: usize) -> CodecResult<DefType> {
    let at = r.pos();
    if depth > MAX_TYPE_NESTING {
        return Err(invalid(at));
    }
    let v = r.varu32()?;
    let (id, nullable, tracking_ref) =
        if top { (v, false, false) } else { (v >> 2, v & 2 != 0, v & 1 != 0) };
    let args = match id {
        tid::LIST | tid::SET => vec![read_def_type(r, false, depth + 1)?],
        tid::MAP => vec![read_def_type(r, false, depth + 1)?, read_def_type(r, false, depth + 1)?],
        _ => Vec::new(),
    };
    Ok(DefType { id, nullable, tracking_ref, args })
}

fn read_field(r: &mut Reader) -> CodecResult<DefField> {
    let at = r.pos();
    let h = r.u8()?;
    let encoding = h >> 6;
    let mut size = ((h >> 2) & 0x0f) as usize;
    if size == BIG_FIELD_SIZE {
        size = size.saturating_add(r.varu32()? as usize);
    }
    let ty = read_def_type(r, true, 0)?;
    let key = if encoding == TAG_ID_ENCODING {
        FieldKey::Tag(u32::try_from(size).map_err(|_| invalid(at))?)
    } else {
        let enc: Encoding =
            *TYPEDEF_FIELD_NAME_ALLOWED.get(encoding as usize).ok_or(invalid(at))?;
        let len = size.checked_add(1).ok_or(invalid(at))?;
        if len > meta_string::MAX_META_STRING_BYTES {
            return Err(invalid(at));
        }
        let name_at = r.pos();
        let bytes = r.bytes(len)?;
        let name = meta_string::decode(bytes, enc, MetaContext::FieldName)
            .map_err(|e| e.shifted(name_at))?;
        FieldKey::Name(name)
    };
    Ok(DefField { key, nullable: h & 2 != 0, tracking_ref: h & 1 != 0, ty })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SchemaDesc;

    fn reg(fdl: &str) -> (Registry, Vec<TypeIdx>) {
        let mut reg = Registry::default();
        let ids = reg.register(SchemaDesc::from_idl(fdl).unwrap()).unwrap();
        (reg, ids)
    }

    #[test]
    fn point_header_hash_matches_pyfory() {
        let body = [0xc2, 0x67, 0xc4, 0x05, 0xc8, 0x05];
        assert_eq!(
            header_of(&body).to_le_bytes(),
            [0x06, 0x10, 0xbf, 0xc4, 0xb3, 0x3c, 0x51, 0x33]
        );
    }

    #[test]
    fn collections_typedef_matches_pyfory() {
        let (reg, ids) = reg("package golden;
            message Collections [id=106] {
                list<int32> ints = 1; list<string> strs = 2; list<optional string> maybe_strs = 3;
                map<string, int64> counts = 4; map<int32, string> names = 5;
                list<Point> points = 6; map<string, Point> point_map = 7; }
            message Point [id=103] { int32 x = 1; int32 y = 2; }");
        let bytes = encode(&reg, ids[0], false).unwrap();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "1ac0b0032ce14e1cc76ac41614c81654cc1656d018541cd4181454d81670dc185470");
        let def = TypeDef::parse(&bytes, &TypeDefLimits::default()).unwrap();
        assert_eq!(def.bytes, bytes);
        assert_eq!(def.fields.len(), 7);
        assert!(def.fields[2].ty.args[0].nullable);
        assert!(header_matches(def.header, &bytes[8..]));
    }

    #[test]
    fn hostile_typedefs_are_rejected_before_allocation() {
        let limits = TypeDefLimits::default();
        // 0xffff_ffff fields announced in a 7-byte body.
        let body = [0x9f, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01];
        let mut bytes = header_of(&body).to_le_bytes().to_vec();
        bytes.extend_from_slice(&body);
        let e = TypeDef::parse(&bytes, &limits).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::TypeDefLimit { what: "max_type_fields", .. }));
        // A body size beyond max_type_meta_bytes.
        let mut big = (0xffu64 | (1 << 20)).to_le_bytes().to_vec();
        big.extend_from_slice(&[0xff, 0xff, 0x03]);
        let e = TypeDef::parse(&big, &limits).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::TypeDefLimit { what: "max_type_meta_bytes", .. }));
    }
}
