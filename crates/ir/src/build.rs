//! Building a [`Program`] from a registered message.

use crate::{Codec, ElemCodec, FieldIdx, Mode, Program, ReadOp, Scalar, WriteOp};
use foryjit_schema::{IntEncoding, Registration, Registry, ResolvedElem, ResolvedType};
use foryjit_wire::TypeIdx;

/// Why a program could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IrError {
    /// The type index is not a registered message.
    #[error("type #{0} is not a registered message")]
    NotAMessage(u32),
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

fn elem_codec(reg: &Registry, e: &ResolvedElem, in_map: bool) -> ElemCodec {
    let codec = codec_for(reg, &e.ty);
    // Struct elements of a list always carry their type meta once per collection; map values of
    // struct type are "declared" in same-schema mode (pyfory); `any` is never declared.
    let declared = match &codec {
        Codec::Any => false,
        Codec::Struct { .. } => in_map,
        _ => true,
    };
    ElemCodec { codec, nullable: e.nullable, tracking_ref: e.tracking_ref, declared }
}

/// The body codec of a resolved type.
pub fn codec_for(reg: &Registry, ty: &ResolvedType) -> Codec {
    if let Some(s) = scalar_of(ty) {
        return Codec::Scalar(s);
    }
    match ty {
        ResolvedType::String => Codec::String,
        ResolvedType::Binary => Codec::Binary,
        ResolvedType::Date => Codec::Date,
        ResolvedType::Timestamp => Codec::Timestamp,
        ResolvedType::Duration => Codec::Duration,
        ResolvedType::Array(e) => Codec::Array(*e),
        ResolvedType::List(e) => Codec::List(Box::new(elem_codec(reg, e, false))),
        ResolvedType::Set(e) => Codec::Set(Box::new(elem_codec(reg, e, false))),
        ResolvedType::Map(k, v) => {
            Codec::Map(Box::new(elem_codec(reg, k, true)), Box::new(elem_codec(reg, v, true)))
        }
        ResolvedType::Enum(t) => Codec::Enum(*t),
        ResolvedType::Message(t) => {
            let with_meta = reg
                .message(*t)
                .is_some_and(|m| matches!(m.registration, Registration::Named { .. }));
            Codec::Struct { ty: *t, with_meta }
        }
        // Scalars were handled above; `Any` and anything else is self-describing.
        _ => Codec::Any,
    }
}

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
                write.push(WriteOp::Reserve { bytes });
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
                let codec = codec_for(reg, &f.ty);
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
        assert_eq!(p.write[0], WriteOp::Reserve { bytes: 4 + 8 + 8 + 5 + 2 });
        assert_eq!(p.read[0], ReadOp::Ensure { bytes: 20, field: None });
        let dump = p.to_string();
        assert!(dump.contains("get b: var_i32"), "{dump}");
        assert!(dump.contains("put s: string"), "{dump}");
    }
}
