//! Whether a value fits a position: the check behind back-references (`fe id`), the same on
//! read and on write.
//!
//! A back-reference names a value met earlier, at another position. The reader accepts it only
//! if that value is one the writer would accept here, and the writer writes one only then, so
//! that what [`crate::deserialize_graph`] returns serializes again, and a tree read never holds a
//! P where a Q is declared.
//!
//! ```text
//!   message RA { ref P first = 1; ref Q second = 2; }
//!   00 <RA> 00 <P body> fe 01        first = node 1 (a P); second = node 1: refused (a P, not a Q)
//! ```
//!
//! The check follows the value's own tree but not the references inside it: each of those was
//! checked where it was read (or is checked where it is written).

use crate::write::array_elem_of;
use foryjit_ir::{Codec, ElemCodec};
use foryjit_schema::ArrayElem;
use foryjit_wire::Value;
use std::collections::HashSet;

/// Does `v` (not null) fit a position of `codec` (`None`: an untyped position, where any
/// value fits)? Mirrors what the writer's `write_body` accepts for that codec.
pub(crate) fn value_fits(codec: Option<&Codec>, v: &Value) -> bool {
    let Some(codec) = codec else { return true };
    if matches!(v, Value::Ref(_)) {
        return true;
    }
    match codec {
        Codec::Any => true,
        Codec::Scalar(s) => v.tag() == s.value_tag(),
        Codec::Widen { value, .. } => v.tag() == value.value_tag(),
        Codec::String => matches!(v, Value::String(_)),
        Codec::Binary => matches!(v, Value::Binary(_)),
        Codec::Date => matches!(v, Value::Date(_)),
        Codec::Timestamp => matches!(v, Value::Timestamp(_)),
        Codec::Duration => matches!(v, Value::Duration(_)),
        Codec::Decimal => matches!(v, Value::Decimal(_)),
        Codec::Array(e) | Codec::ListAsArray(_, e) => array_elem_of(v) == Some(*e),
        Codec::ArrayAsList(e) => match v {
            Value::List(items) => items.iter().all(|x| x.tag() == array_elem_tag(*e)),
            _ => false,
        },
        Codec::Enum(ty) => matches!(v, Value::Enum(e) if e.ty == *ty),
        Codec::Union(ty) => matches!(v, Value::Union(u) if u.ty == *ty),
        Codec::Struct { ty, .. } => matches!(v, Value::Struct(s) if s.ty == *ty),
        Codec::List(e) => matches!(v, Value::List(items) if items.iter().all(|x| elem_fits(e, x))),
        Codec::Set(e) => matches!(v, Value::Set(items) if items.iter().all(|x| elem_fits(e, x))),
        Codec::Map(k, val) => match v {
            Value::Map(entries) => {
                entries.iter().all(|m| elem_fits(k, &m.key) && elem_fits(val, &m.value))
            }
            _ => false,
        },
    }
}

/// The tag of one element of an array of `e` as a list item.
fn array_elem_tag(e: ArrayElem) -> u8 {
    use foryjit_wire::value::tag;
    match e {
        ArrayElem::Bool => tag::BOOL,
        ArrayElem::Int8 => tag::INT8,
        ArrayElem::Int16 => tag::INT16,
        ArrayElem::Int32 => tag::INT32,
        ArrayElem::Int64 => tag::INT64,
        ArrayElem::UInt8 => tag::UINT8,
        ArrayElem::UInt16 => tag::UINT16,
        ArrayElem::UInt32 => tag::UINT32,
        ArrayElem::UInt64 => tag::UINT64,
        ArrayElem::Float16 => tag::FLOAT16,
        ArrayElem::BFloat16 => tag::BFLOAT16,
        ArrayElem::Float32 => tag::FLOAT32,
        ArrayElem::Float64 => tag::FLOAT64,
    }
}

fn elem_fits(e: &ElemCodec, v: &Value) -> bool {
    if v.is_null() {
        return e.nullable;
    }
    value_fits(Some(&e.codec), v)
}

/// The (node, position) pairs already found to fit in one root call, so that many references
/// to one node from one kind of position check it once. Made on first use: only graphs need it,
/// and every root call starts with an empty one.
#[derive(Default)]
pub(crate) struct FitMemo(Option<HashSet<(u32, Codec)>>);

impl FitMemo {
    /// [`value_fits`] for node `id` (whose value is `v`) at a position of `codec`, remembered.
    pub(crate) fn node_fits(&mut self, id: u32, codec: Option<&Codec>, v: &Value) -> bool {
        let Some(c) = codec else { return true };
        if matches!(c, Codec::Any) {
            return true;
        }
        let key = (id, c.clone());
        let memo = self.0.get_or_insert_with(HashSet::new);
        if memo.contains(&key) {
            return true;
        }
        let ok = value_fits(codec, v);
        if ok {
            memo.insert(key);
        }
        ok
    }
}
