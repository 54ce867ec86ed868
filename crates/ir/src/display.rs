//! The readable text dump of a program (`Display`).

use crate::{Codec, ElemCodec, Program, ReadOp, Scalar, WriteOp};
use std::fmt;

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Scalar::*;
        f.write_str(match self {
            Bool => "bool",
            I8 => "i8",
            I16 => "i16",
            I32 => "i32",
            VarI32 => "var_i32",
            I64 => "i64",
            VarI64 => "var_i64",
            TaggedI64 => "tagged_i64",
            U8 => "u8",
            U16 => "u16",
            U32 => "u32",
            VarU32 => "var_u32",
            U64 => "u64",
            VarU64 => "var_u64",
            TaggedU64 => "tagged_u64",
            F16 => "f16",
            BF16 => "bf16",
            F32 => "f32",
            F64 => "f64",
        })
    }
}

impl fmt::Display for ElemCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nullable {
            f.write_str("optional ")?;
        }
        if self.tracking_ref {
            f.write_str("ref ")?;
        }
        write!(f, "{}", self.codec)?;
        if !self.declared {
            f.write_str(" (undeclared)")?;
        }
        Ok(())
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Codec::Scalar(s) => write!(f, "{s}"),
            Codec::String => f.write_str("string"),
            Codec::Binary => f.write_str("bytes"),
            Codec::Date => f.write_str("date"),
            Codec::Timestamp => f.write_str("timestamp"),
            Codec::Duration => f.write_str("duration"),
            Codec::Decimal => f.write_str("decimal"),
            Codec::ListAsArray(e, a) => write!(f, "list<{}> as array<{a:?}>", e.codec),
            Codec::ArrayAsList(a) => write!(f, "array<{a:?}> as list"),
            Codec::Widen { wire, value } => write!(f, "{wire:?} widened to {value:?}"),
            Codec::Array(e) => write!(f, "array<{e:?}>"),
            Codec::Enum(t) => write!(f, "enum #{}", t.0),
            Codec::Union(t) => write!(f, "union#{}", t.0),
            Codec::Struct { ty, with_meta } => {
                write!(f, "struct #{}{}", ty.0, if *with_meta { " +meta" } else { "" })
            }
            Codec::List(e) => write!(f, "list<{e}>"),
            Codec::Set(e) => write!(f, "set<{e}>"),
            Codec::Map(k, v) => write!(f, "map<{k}, {v}>"),
            Codec::Any => f.write_str("any"),
        }
    }
}

impl fmt::Display for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = |i: u32| self.field_names.get(i as usize).map(String::as_str).unwrap_or("?");
        writeln!(
            f,
            "program {} (type #{}, {:?}, hash 0x{:08x})",
            self.name, self.ty.0, self.mode, self.hash
        )?;
        writeln!(f, "write:")?;
        for op in &self.write {
            match op {
                WriteOp::Reserve { bytes } => writeln!(f, "  reserve {bytes}")?,
                WriteOp::PutHash(h) => writeln!(f, "  put_hash 0x{h:08x}")?,
                WriteOp::PutScalar { field, scalar } => {
                    writeln!(f, "  put {}: {scalar}", name(field.0))?
                }
                WriteOp::PutNullableScalar { field, scalar } => {
                    writeln!(f, "  put {}: optional {scalar}", name(field.0))?
                }
                WriteOp::PutField { field, codec, nullable } => writeln!(
                    f,
                    "  put {}: {}{codec}",
                    name(field.0),
                    if *nullable { "optional " } else { "" }
                )?,
            }
        }
        writeln!(f, "read:")?;
        for op in &self.read {
            match op {
                ReadOp::Ensure { bytes, field } => match field {
                    Some(fi) => writeln!(f, "  ensure {bytes} ({})", name(fi.0))?,
                    None => writeln!(f, "  ensure {bytes} (struct)")?,
                },
                ReadOp::CheckHash(h) => writeln!(f, "  check_hash 0x{h:08x}")?,
                ReadOp::GetScalar { field, scalar } => {
                    writeln!(f, "  get {}: {scalar}", name(field.0))?
                }
                ReadOp::GetNullableScalar { field, scalar } => {
                    writeln!(f, "  get {}: optional {scalar}", name(field.0))?
                }
                ReadOp::GetField { field, codec, nullable } => writeln!(
                    f,
                    "  get {}: {}{codec}",
                    name(field.0),
                    if *nullable { "optional " } else { "" }
                )?,
                ReadOp::Skip { codec, nullable } => {
                    writeln!(f, "  skip {}{codec}", if *nullable { "optional " } else { "" })?
                }
                ReadOp::FillDefaults => writeln!(f, "  fill_defaults")?,
            }
        }
        Ok(())
    }
}
