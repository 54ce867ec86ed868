//! Building a [`Program`] from a registered message.

use crate::{Codec, ElemCodec, FieldIdx, Mode, Program, ReadOp, Scalar, WriteOp};
use foryjit_schema::typedef::{field_def_type, DefType, FieldKey, TypeDef};
use foryjit_schema::{
    snake_case, ArrayElem, IntEncoding, MessageInfo, Registration, Registry, ResolvedElem,
    ResolvedType,
};
use foryjit_wire::TypeIdx;

/// Why a program could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IrError {
    /// The type index is not a registered message.
    #[error("type #{0} is not a registered message")]
    NotAMessage(u32),
    /// A TypeDef field whose type this engine cannot read (a union, or an unknown type id).
    #[error("TypeDef field #{index} has type id {type_id}, which cannot be read")]
    UnreadableField {
        /// Position of the field in the TypeDef.
        index: usize,
        /// Its type id.
        type_id: u32,
    },
}

fn scalar_of(ty: &ResolvedType) -> Option<Scalar> {
    use IntEncoding::*;
    Some(match ty {
        ResolvedType::Bool => Scalar::Bool,
        ResolvedType::Int8 => Scalar::I8,
        ResolvedType::Int16 => Scalar::I16,
        ResolvedType::Int32(Fixed) => Scalar::I32,
        ResolvedType::Int32(_) => Scalar::VarI32,
        ResolvedType::Int64(Fixed) => Scalar::I64,
        ResolvedType::Int64(Varint) => Scalar::VarI64,
        ResolvedType::Int64(Tagged) => Scalar::TaggedI64,
        ResolvedType::UInt8 => Scalar::U8,
        ResolvedType::UInt16 => Scalar::U16,
        ResolvedType::UInt32(Fixed) => Scalar::U32,
        ResolvedType::UInt32(_) => Scalar::VarU32,
        ResolvedType::UInt64(Fixed) => Scalar::U64,
        ResolvedType::UInt64(Varint) => Scalar::VarU64,
        ResolvedType::UInt64(Tagged) => Scalar::TaggedU64,
        ResolvedType::Float16 => Scalar::F16,
        ResolvedType::BFloat16 => Scalar::BF16,
        ResolvedType::Float32 => Scalar::F32,
        ResolvedType::Float64 => Scalar::F64,
        _ => return None,
    })
}

fn elem_codec(reg: &Registry, e: &ResolvedElem, in_map: bool, site: Site) -> ElemCodec {
    let codec = codec_at(reg, &e.ty, site);
    // Struct elements of a list always carry their type meta once per collection; map values of
    // struct type are "declared" in same-schema mode (pyfory) but carry type meta in compatible
    // mode (unless the struct has no TypeDef) — except inside a union case, where pyfory
    // declares them in both modes; `any` is never declared. Union elements, keys and values are
    // declared in both modes, as pyfory 1.7.7 writes them: list header `0c`, map chunk header
    // `24`, no type meta (each union body names its case, and the case value carries its own
    // type meta).
    let declared = match &codec {
        Codec::Any => false,
        // A compatible-mode map value of an evolving struct carries its TypeDef; `[evolving=
        // false]` structs (no TypeDef) are declared like every struct in same-schema mode.
        Codec::Struct { ty, .. } => {
            in_map
                && (site.in_union_case
                    || site.mode == Mode::SameSchema
                    || reg.message(*ty).is_some_and(|m| !m.evolving))
        }
        _ => true,
    };
    // An `any` element is nullable whatever the schema says: null is one of the values an
    // `any` holds (pyfory writes `[None]` in a `list<any>` as `0a 24 fd` and reads it back,
    // while its TypeDef keeps the element's nullable bit 0).
    let nullable = e.nullable || matches!(codec, Codec::Any);
    ElemCodec { codec, nullable, tracking_ref: e.tracking_ref, declared }
}

/// Where a codec is used: the mode, and whether inside a union case's declared type.
#[derive(Debug, Clone, Copy)]
struct Site {
    mode: Mode,
    in_union_case: bool,
}

/// Whether a union case of this declared codec may hold null (written `<case> fd`).
///
/// pyfory 1.7.7 writes and reads a null case value as the null flag, but the union classes
/// fory-compiler generates refuse `None` for the case types they check (scalars, string, bytes,
/// date, timestamp, enum, struct, union), on construction and so also on reading. Null is
/// therefore allowed exactly where pyfory can produce and read it back: collection, dense
/// array, decimal, duration and `any` cases. A case the reader's schema does not declare (read
/// as a self-describing `any` value) may hold null too. Both directions apply this one rule, so
/// whatever decodes serializes again.
pub fn union_case_nullable(codec: Option<&Codec>) -> bool {
    match codec {
        None => true,
        Some(c) => matches!(
            c,
            Codec::List(_)
                | Codec::Set(_)
                | Codec::Map(..)
                | Codec::Array(_)
                | Codec::Decimal
                | Codec::Duration
                | Codec::Any
        ),
    }
}

/// The body codec of a resolved type in `mode`.
pub fn codec_for(reg: &Registry, ty: &ResolvedType, mode: Mode) -> Codec {
    codec_at(reg, ty, Site { mode, in_union_case: false })
}

/// The body codec of a union case's declared type in `mode`. It differs from
/// [`codec_for`] in one way, as pyfory 1.7.7 writes case values (through serializers built
/// from the case's annotation, not from a TypeDef): map values of struct type are declared in
/// both modes (`18 01 24 01 <key> <struct fields>`; in a compatible-mode field they carry type
/// meta, chunk header `04`).
pub fn union_case_codec(reg: &Registry, ty: &ResolvedType, mode: Mode) -> Codec {
    codec_at(reg, ty, Site { mode, in_union_case: true })
}

fn codec_at(reg: &Registry, ty: &ResolvedType, site: Site) -> Codec {
    let mode = site.mode;
    if let Some(s) = scalar_of(ty) {
        return Codec::Scalar(s);
    }
    match ty {
        ResolvedType::String => Codec::String,
        ResolvedType::Binary => Codec::Binary,
        ResolvedType::Date => Codec::Date,
        ResolvedType::Timestamp => Codec::Timestamp,
        ResolvedType::Duration => Codec::Duration,
        ResolvedType::Decimal => Codec::Decimal,
        ResolvedType::Array(e) => Codec::Array(*e),
        ResolvedType::List(e) => Codec::List(Box::new(elem_codec(reg, e, false, site))),
        ResolvedType::Set(e) => Codec::Set(Box::new(elem_codec(reg, e, false, site))),
        ResolvedType::Map(k, v) => Codec::Map(
            Box::new(elem_codec(reg, k, true, site)),
            Box::new(elem_codec(reg, v, true, site)),
        ),
        ResolvedType::Enum(t) => Codec::Enum(*t),
        ResolvedType::Union(t) => Codec::Union(*t),
        ResolvedType::Message(t) => {
            // Compatible mode: every struct-typed field carries type meta (the TypeDef says
            // which struct it is). Same-schema: only types registered by name (as pyfory).
            let with_meta = mode == Mode::Compatible
                || reg
                    .message(*t)
                    .is_some_and(|m| matches!(m.registration, Registration::Named { .. }));
            Codec::Struct { ty: *t, with_meta }
        }
        // Scalars were handled above; `Any` and anything else is self-describing.
        _ => Codec::Any,
    }
}

/// Bytes every `Reserve` makes room for beyond its run's maximum size, so that compiled code
/// may store a varint's bytes with one 8-byte store (an unaligned whole-word write) wherever it
/// falls in the run. Both tiers reserve the same, so they grow and fail alike.
pub const RESERVE_SLACK: u32 = 8;

/// Builds the program of message `ty` for `mode`.
pub fn build_program(reg: &Registry, ty: TypeIdx, mode: Mode) -> Result<Program, IrError> {
    let msg = reg.message(ty).ok_or(IrError::NotAMessage(ty.0))?;
    let mut write = Vec::new();
    let mut read = Vec::new();

    // Write side: one `Reserve` per run of bounded-size writes (hash, scalars, nullable scalars).
    let mut reserve_at: Option<usize> = None;
    let add_reserve =
        |write: &mut Vec<WriteOp>, bytes: u32, reserve_at: &mut Option<usize>| match *reserve_at {
            Some(i) => {
                if let WriteOp::Reserve { bytes: b } = &mut write[i] {
                    *b += bytes;
                }
            }
            None => {
                *reserve_at = Some(write.len());
                write.push(WriteOp::Reserve { bytes: bytes + RESERVE_SLACK });
            }
        };
    // Read side: one `Ensure` per run of fixed-size reads.
    let mut ensure_at: Option<usize> = None;
    let add_ensure = |read: &mut Vec<ReadOp>,
                      bytes: u32,
                      field: Option<FieldIdx>,
                      at: &mut Option<usize>| match *at {
        Some(i) => {
            if let ReadOp::Ensure { bytes: b, .. } = &mut read[i] {
                *b += bytes;
            }
        }
        None => {
            *at = Some(read.len());
            read.push(ReadOp::Ensure { bytes, field });
        }
    };

    match mode {
        Mode::SameSchema => {
            add_reserve(&mut write, 4, &mut reserve_at);
            write.push(WriteOp::PutHash(msg.hash));
            add_ensure(&mut read, 4, None, &mut ensure_at);
            read.push(ReadOp::CheckHash(msg.hash));
        }
        // The reader learns the writer's fields from the TypeDef: no hash.
        Mode::Compatible => {}
    }

    for &ord in &msg.wire_order {
        let f = &msg.fields[ord];
        let field = FieldIdx(ord as u32);
        match (scalar_of(&f.ty), f.nullable) {
            (Some(scalar), false) => {
                add_reserve(&mut write, scalar.max_size(), &mut reserve_at);
                write.push(WriteOp::PutScalar { field, scalar });
                match scalar.fixed_size() {
                    Some(n) => {
                        add_ensure(&mut read, n, Some(field), &mut ensure_at);
                    }
                    None => ensure_at = None,
                }
                read.push(ReadOp::GetScalar { field, scalar });
            }
            (Some(scalar), true) => {
                add_reserve(&mut write, 1 + scalar.max_size(), &mut reserve_at);
                write.push(WriteOp::PutNullableScalar { field, scalar });
                ensure_at = None;
                read.push(ReadOp::GetNullableScalar { field, scalar });
            }
            (None, nullable) => {
                // A reference-tracked field always carries a flag byte.
                let nullable = nullable || f.tracking_ref;
                reserve_at = None;
                ensure_at = None;
                let codec = codec_for(reg, &f.ty, mode);
                write.push(WriteOp::PutField { field, codec: codec.clone(), nullable });
                read.push(ReadOp::GetField { field, codec, nullable });
            }
        }
    }

    Ok(Program {
        ty,
        name: msg.full_name.clone(),
        field_names: msg.fields.iter().map(|f| f.name.clone()).collect(),
        hash: msg.hash,
        mode,
        write,
        read,
    })
}

/// The body codec that reads a value described only by a TypeDef field type (a field the
/// reader drops). `None` for types that cannot be skipped (unions, unknown ids).
fn skip_codec(t: &DefType) -> Option<Codec> {
    use foryjit_wire::type_id as tid;
    let elem = |a: &DefType| -> Option<ElemCodec> {
        let codec = skip_codec(a)?;
        let declared = !matches!(codec, Codec::Any);
        Some(ElemCodec { codec, nullable: a.nullable, tracking_ref: a.tracking_ref, declared })
    };
    Some(match t.id {
        tid::STRING => Codec::String,
        tid::BINARY => Codec::Binary,
        tid::DATE => Codec::Date,
        tid::TIMESTAMP => Codec::Timestamp,
        tid::DURATION => Codec::Duration,
        tid::DECIMAL => Codec::Decimal,
        tid::LIST => Codec::List(Box::new(elem(t.args.first()?)?)),
        tid::SET => Codec::Set(Box::new(elem(t.args.first()?)?)),
        tid::MAP => Codec::Map(Box::new(elem(t.args.first()?)?), Box::new(elem(t.args.get(1)?)?)),
        // An enum body is its varuint32 value.
        tid::ENUM | tid::NAMED_ENUM => Codec::Scalar(Scalar::VarU32),
        // A union of a type we do not know: every case value is self-describing.
        tid::UNION => Codec::Union(TypeIdx(u32::MAX)),
        // Struct values and `any` carry their own type meta.
        tid::UNKNOWN
        | tid::STRUCT
        | tid::COMPATIBLE_STRUCT
        | tid::NAMED_STRUCT
        | tid::NAMED_COMPATIBLE_STRUCT
        | tid::EXT
        | tid::NAMED_EXT => Codec::Any,
        id => {
            if let Some(s) = scalar_of_id(id) {
                Codec::Scalar(s)
            } else {
                Codec::Array(foryjit_schema::ArrayElem::from_type_id(id)?)
            }
        }
    })
}

fn scalar_of_id(id: u32) -> Option<Scalar> {
    use foryjit_wire::type_id as tid;
    Some(match id {
        tid::BOOL => Scalar::Bool,
        tid::INT8 => Scalar::I8,
        tid::INT16 => Scalar::I16,
        tid::INT32 => Scalar::I32,
        tid::VARINT32 => Scalar::VarI32,
        tid::INT64 => Scalar::I64,
        tid::VARINT64 => Scalar::VarI64,
        tid::TAGGED_INT64 => Scalar::TaggedI64,
        tid::UINT8 => Scalar::U8,
        tid::UINT16 => Scalar::U16,
        tid::UINT32 => Scalar::U32,
        tid::VAR_UINT32 => Scalar::VarU32,
        tid::UINT64 => Scalar::U64,
        tid::VAR_UINT64 => Scalar::VarU64,
        tid::TAGGED_UINT64 => Scalar::TaggedU64,
        tid::FLOAT16 => Scalar::F16,
        tid::BFLOAT16 => Scalar::BF16,
        tid::FLOAT32 => Scalar::F32,
        tid::FLOAT64 => Scalar::F64,
        _ => return None,
    })
}

/// How each field of a TypeDef is read and written when its type is not registered: the body
/// codec and whether it carries a null/ref flag, in the TypeDef's order.
pub fn opaque_fields(def: &TypeDef) -> Result<Vec<(Codec, bool)>, IrError> {
    def.fields
        .iter()
        .enumerate()
        .map(|(index, f)| {
            let codec =
                skip_codec(&f.ty).ok_or(IrError::UnreadableField { index, type_id: f.ty.id })?;
            Ok((codec, f.nullable || f.tracking_ref))
        })
        .collect()
}

/// Whether an integer written as `wire` fits the reader's `local` integer type without loss:
/// the same kind in another encoding, or a wider kind.
fn widens(wire: Scalar, local: Scalar) -> bool {
    use Scalar::*;
    // (signed, bytes)
    let int = |s: Scalar| -> Option<(bool, u8)> {
        Some(match s {
            I8 => (true, 1),
            I16 => (true, 2),
            I32 | VarI32 => (true, 4),
            I64 | VarI64 | TaggedI64 => (true, 8),
            U8 => (false, 1),
            U16 => (false, 2),
            U32 | VarU32 => (false, 4),
            U64 | VarU64 | TaggedU64 => (false, 8),
            _ => return None,
        })
    };
    match (int(wire), int(local)) {
        (Some((ws, wb)), Some((ls, lb))) => {
            wire != local && ((ws == ls && wb <= lb) || (!ws && ls && wb < lb))
        }
        _ => false,
    }
}

/// The element kind of a scalar type id, ignoring its encoding (`VARINT32` and `INT32` are both
/// int32), as a dense-array element.
fn array_elem_of_id(id: u32) -> Option<ArrayElem> {
    use foryjit_wire::type_id as tid;
    Some(match id {
        tid::BOOL => ArrayElem::Bool,
        tid::INT8 => ArrayElem::Int8,
        tid::INT16 => ArrayElem::Int16,
        tid::INT32 | tid::VARINT32 => ArrayElem::Int32,
        tid::INT64 | tid::VARINT64 | tid::TAGGED_INT64 => ArrayElem::Int64,
        tid::UINT8 => ArrayElem::UInt8,
        tid::UINT16 => ArrayElem::UInt16,
        tid::UINT32 | tid::VAR_UINT32 => ArrayElem::UInt32,
        tid::UINT64 | tid::VAR_UINT64 | tid::TAGGED_UINT64 => ArrayElem::UInt64,
        tid::FLOAT16 => ArrayElem::Float16,
        tid::BFLOAT16 => ArrayElem::BFloat16,
        tid::FLOAT32 => ArrayElem::Float32,
        tid::FLOAT64 => ArrayElem::Float64,
        _ => return None,
    })
}

/// The reading codec that turns the writer's `list<T>` into our `array<T>` (or the reverse),
/// when the element types agree.
fn list_array_conversion(local: &ResolvedType, remote: &DefType) -> Option<Codec> {
    match local {
        ResolvedType::Array(a) if remote.id == foryjit_wire::type_id::LIST => {
            let e = remote.args.first()?;
            let scalar = scalar_of_id(e.id)?;
            (array_elem_of_id(e.id)? == *a).then(|| {
                let elem = ElemCodec {
                    codec: Codec::Scalar(scalar),
                    nullable: false,
                    tracking_ref: false,
                    declared: true,
                };
                Codec::ListAsArray(Box::new(elem), *a)
            })
        }
        ResolvedType::List(e) => {
            let a = ArrayElem::from_type_id(remote.id)?;
            let local_elem = array_elem_of_id(e.ty.type_id())?;
            (local_elem == a).then_some(Codec::ArrayAsList(a))
        }
        _ => None,
    }
}

/// Type ids and structure equal, ignoring nullable and ref bits.
fn same_shape(a: &DefType, b: &DefType) -> bool {
    a.id == b.id
        && a.args.len() == b.args.len()
        && a.args.iter().zip(&b.args).all(|(x, y)| same_shape(x, y))
}

/// A reading codec that accepts null elements, keys and values wherever the wire marks them (a
/// writer whose schema allows nulls there).
fn lenient(c: Codec) -> Codec {
    let elem = |e: Box<ElemCodec>| Box::new(ElemCodec { nullable: true, ..*e });
    match c {
        Codec::List(e) => Codec::List(elem(e)),
        Codec::Set(e) => Codec::Set(elem(e)),
        Codec::Map(k, v) => Codec::Map(elem(k), elem(v)),
        c => c,
    }
}

/// The local field a TypeDef field maps to: same tag id, or same snake_case name.
fn match_field(msg: &MessageInfo, key: &FieldKey) -> Option<usize> {
    match key {
        FieldKey::Tag(t) => msg.fields.iter().position(|f| f.tag == Some(*t)),
        FieldKey::Name(n) => {
            let snake = snake_case(n);
            msg.fields.iter().position(|f| f.tag.is_none() && f.snake_name == snake)
        }
    }
}

/// Builds the reader of a struct whose writer's schema is `def` (compatible mode): the fields
/// in the writer's order, each read into the local field with the same identifier and type, or
/// skipped; local fields the writer did not send get their default. `local` is the registered
/// message `def` names, or `None` for a type the reader does not know (every field is skipped).
pub fn build_remote_reader(
    reg: &Registry,
    def: &TypeDef,
    local: Option<TypeIdx>,
) -> Result<Program, IrError> {
    let msg = match local {
        Some(t) => Some(reg.message(t).ok_or(IrError::NotAMessage(t.0))?),
        None => None,
    };
    let mut read = Vec::with_capacity(def.fields.len() + 1);
    let mut ensure_at: Option<usize> = None;
    let mut taken = vec![false; msg.map_or(0, |m| m.fields.len())];
    for (i, df) in def.fields.iter().enumerate() {
        let flagged = df.nullable || df.tracking_ref;
        let mut converted: Option<Codec> = None;
        let target = msg.and_then(|m| {
            let ord = match_field(m, &df.key)?;
            let f = &m.fields[ord];
            if taken[ord] {
                return None;
            }
            // Same declared type shape; nullability (top level and of elements, keys and values)
            // and ref bits may differ: a null for a non-nullable field becomes its default, and
            // null elements are accepted where the wire has them.
            if same_shape(&field_def_type(reg, &f.ty), &df.ty) {
                return Some((ord, f));
            }
            // A list of scalars and a dense array of the same element type read into each other;
            // an integer's encoding may change, and its width grow.
            converted = list_array_conversion(&f.ty, &df.ty).or_else(|| {
                let (local, wire) = (scalar_of(&f.ty)?, scalar_of_id(df.ty.id)?);
                widens(wire, local).then_some(Codec::Widen { wire, value: local })
            });
            converted.is_some().then_some((ord, f))
        });
        match target {
            Some((ord, f)) => {
                taken[ord] = true;
                let field = FieldIdx(ord as u32);
                if let Some(codec) = converted.take() {
                    ensure_at = None;
                    read.push(ReadOp::GetField { field, codec, nullable: flagged });
                    continue;
                }
                match (scalar_of(&f.ty), flagged) {
                    (Some(scalar), false) => {
                        match scalar.fixed_size() {
                            Some(n) => match ensure_at {
                                Some(at) => {
                                    if let ReadOp::Ensure { bytes, .. } = &mut read[at] {
                                        *bytes += n;
                                    }
                                }
                                None => {
                                    ensure_at = Some(read.len());
                                    read.push(ReadOp::Ensure { bytes: n, field: Some(field) });
                                }
                            },
                            None => ensure_at = None,
                        }
                        read.push(ReadOp::GetScalar { field, scalar });
                    }
                    (Some(scalar), true) => {
                        ensure_at = None;
                        read.push(ReadOp::GetNullableScalar { field, scalar });
                    }
                    (None, nullable) => {
                        ensure_at = None;
                        let codec = lenient(codec_for(reg, &f.ty, Mode::Compatible));
                        read.push(ReadOp::GetField { field, codec, nullable });
                    }
                }
            }
            None => {
                ensure_at = None;
                let codec = skip_codec(&df.ty)
                    .ok_or(IrError::UnreadableField { index: i, type_id: df.ty.id })?;
                read.push(ReadOp::Skip { codec, nullable: flagged });
            }
        }
    }
    if msg.is_some() {
        read.push(ReadOp::FillDefaults);
    }
    Ok(Program {
        ty: local.unwrap_or(TypeIdx(u32::MAX)),
        name: msg.map_or_else(|| format!("{:?}", def.ident), |m| m.full_name.clone()),
        field_names: msg
            .map_or_else(Vec::new, |m| m.fields.iter().map(|f| f.name.clone()).collect()),
        hash: 0,
        mode: Mode::Compatible,
        write: Vec::new(),
        read,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use foryjit_schema::{FieldDesc, FieldType, MessageDesc, SchemaDesc};

    #[test]
    fn groups_fixed_runs_and_breaks_at_varints() {
        let mut reg = Registry::default();
        let desc = SchemaDesc::new("t").message(
            MessageDesc::with_id("t.M", 1)
                .field(FieldDesc::new("a", 1, FieldType::Int64(IntEncoding::Fixed)))
                .field(FieldDesc::new("b", 2, FieldType::Int32(IntEncoding::Varint)))
                .field(FieldDesc::new("c", 3, FieldType::Float64))
                .field(FieldDesc::new("s", 4, FieldType::String))
                .field(FieldDesc::new("d", 5, FieldType::Bool).nullable()),
        );
        let ids = reg.register(desc).unwrap();
        let p = build_program(&reg, ids[0], Mode::SameSchema).unwrap();
        // order: a (fixed 8), c (f64 8), b (varint), d (nullable), s
        assert_eq!(p.write[0], WriteOp::Reserve { bytes: 4 + 8 + 8 + 5 + 2 + RESERVE_SLACK });
        assert_eq!(p.read[0], ReadOp::Ensure { bytes: 20, field: None });
        let dump = p.to_string();
        assert!(dump.contains("get b: var_i32"), "{dump}");
        assert!(dump.contains("put s: string"), "{dump}");
    }
}
