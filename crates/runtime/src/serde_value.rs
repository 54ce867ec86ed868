//! serde support: [`ValueView`] implements [`serde::Serialize`] with the canonical JSON shape
//! (`docs/canonical-json.md`) in any serde format, and [`ValueSeed`] is a
//! [`serde::de::DeserializeSeed`] that builds a [`Value`] of a registered type from any
//! self-describing serde format (JSON, MessagePack, CBOR, YAML, …) with no `serde_json::Value`
//! in between. Both apply the same rules as [`ForyJit::to_json`](crate::ForyJit::to_json) and
//! [`ForyJit::from_json`](crate::ForyJit::from_json) (one implementation of the scalar rules
//! serves all of them), so `serde_json::to_value(&view)` equals `to_json`.
//!
//! Binary formats get the JSON shape too: `bytes` are base64 text, floats that are NaN or
//! infinite are the strings `"NaN"`, `"Infinity"`, `"-Infinity"`. On input a `bytes` position
//! also takes a native byte string (MessagePack `bin`, CBOR byte strings). The deserializer
//! is driven with `deserialize_any`, so formats that are not self-describing (bincode,
//! postcard) cannot feed a [`ValueSeed`].
//!
//! ```
//! use serde::de::DeserializeSeed;
//! use foryjit::ForyJit;
//! let fory = ForyJit::default();
//! let point = fory.load_idl("package demo; message Point [id=103] { int32 x = 1; int32 y = 2; }")?
//!     .get("demo.Point").unwrap();
//! let mut de = serde_json::Deserializer::from_str(r#"{"x": 1, "y": 2}"#);
//! let value = fory.value_seed(point).deserialize(&mut de).unwrap();
//! assert_eq!(serde_json::to_string(&fory.view(&value)).unwrap(), r#"{"x":1,"y":2}"#);
//! # Ok::<(), foryjit::Error>(())
//! ```

use crate::json::{
    self, any_type, any_value_type, array_canon, array_elem_type, canon_scalar, dense_array,
    duration_of, expected, field_of, finish_struct, is_composite, mismatch, scalar_value,
    struct_message, type_name, union_case, Canon, JsonError, JsonProblem, Scalar,
};
use crate::view::ValueView;
use foryjit_interp::Catalog;
use foryjit_schema::{Registry, ResolvedType};
use foryjit_wire::{MapEntry, UnionValue, Value};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Serialize, SerializeMap, SerializeSeq, Serializer};
use std::fmt;
use std::sync::Arc;

/// One step of the path to a position (rendered as `docs/canonical-json.md` errors show it).
#[derive(Clone, Copy)]
enum Seg<'p> {
    Field(&'p str),
    Index(usize),
    Pair(usize),
    KeyNo(usize),
    Case(&'p str),
    Any(&'p str),
}

/// The path to a position, as a list through the stack: built for free, rendered on error.
#[derive(Clone, Copy)]
struct Path<'p> {
    parent: Option<&'p Path<'p>>,
    seg: Option<Seg<'p>>,
}

impl<'p> Path<'p> {
    const ROOT: Path<'static> = Path { parent: None, seg: None };

    fn push<'q>(&'q self, seg: Seg<'q>) -> Path<'q> {
        Path { parent: Some(self), seg: Some(seg) }
    }

    fn render(&self) -> String {
        let mut segs = Vec::new();
        let mut at = Some(self);
        while let Some(p) = at {
            segs.extend(p.seg);
            at = p.parent;
        }
        let mut out = String::new();
        for s in segs.into_iter().rev() {
            match s {
                Seg::Field(f) => out = json::join(&out, f),
                Seg::Index(i) => out.push_str(&format!("[{i}]")),
                Seg::Pair(i) => out.push_str(&format!("{{#{i}}}")),
                Seg::KeyNo(i) => out.push_str(&format!("{{key #{i}}}")),
                Seg::Case(c) => out.push_str(&format!(".{c}")),
                Seg::Any(t) => out.push_str(&format!("<{t}>")),
            }
        }
        out
    }

    fn error(&self, problem: JsonProblem) -> JsonError {
        let path = self.render();
        JsonError { path: if path.is_empty() { "<root>".into() } else { path }, problem }
    }
}

// ---------------------------------------------------------------------------------------------
// Serialize
// ---------------------------------------------------------------------------------------------

/// The canonical JSON shape in any serde format; a value that does not fit its schema is an
/// error (a [`JsonError`] message, as [`ForyJit::to_json`](crate::ForyJit::to_json) gives).
///
/// ```
/// # use foryjit::ForyJit;
/// let fory = ForyJit::default();
/// let ty = fory.load_idl("package d; enum E [id=1] { A = 0; B = 1; } message M [id=2] { E e = 1; bytes b = 2; }")?
///     .get("d.M").unwrap();
/// let value = fory.from_json(ty, &serde_json::json!({"e": "B", "b": "AQI="}))?;
/// let view = fory.view(&value);
/// assert_eq!(serde_json::to_value(&view).unwrap(), fory.to_json(ty, &value)?);
/// # Ok::<(), foryjit::Error>(())
/// ```
impl Serialize for ValueView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Ser { reg: self.registry(), ty: &self.ty, v: self.value, path: Path::ROOT }.serialize(s)
    }
}

struct Ser<'a> {
    reg: &'a Registry,
    ty: &'a ResolvedType,
    v: &'a Value,
    path: Path<'a>,
}

struct CanonSer<'c, 'v>(&'c Canon<'v>);

impl Serialize for CanonSer<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Canon::Bool(b) => s.serialize_bool(*b),
            Canon::I64(x) => s.serialize_i64(*x),
            Canon::U64(x) => s.serialize_u64(*x),
            Canon::F64(x) => s.serialize_f64(*x),
            Canon::Str(t) => s.serialize_str(t),
        }
    }
}

/// A `[key, value]` pair of a map whose keys are not strings.
struct PairSer<'a>(Ser<'a>, Ser<'a>);

impl Serialize for PairSer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(2))?;
        seq.serialize_element(&self.0)?;
        seq.serialize_element(&self.1)?;
        seq.end()
    }
}

impl Serialize for Ser<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use ser::Error as _;
        let (reg, ty, v) = (self.reg, self.ty, self.v);
        let fail = |p: JsonProblem| S::Error::custom(self.path.error(p));
        if v.is_null() {
            return s.serialize_unit();
        }
        if let Some(c) = canon_scalar(reg, ty, v) {
            return CanonSer(&c.map_err(fail)?).serialize(s);
        }
        let child = |ty, v, seg| Ser { reg, ty, v, path: self.path.push(seg) };
        match (ty, v) {
            (ResolvedType::Duration, Value::Duration(d)) => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("seconds", &d.seconds)?;
                m.serialize_entry("nanos", &d.nanos)?;
                m.end()
            }
            (ResolvedType::Array(e), v) => {
                let Some(items) = array_canon(*e, v) else {
                    return Err(fail(mismatch("array", v)));
                };
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for c in &items {
                    seq.serialize_element(&CanonSer(c))?;
                }
                seq.end()
            }
            (ResolvedType::Union(t), Value::Union(u)) if u.ty == *t => {
                let Some(case) = reg.union(*t).and_then(|x| x.case_by_id(u.case)) else {
                    return Err(fail(JsonProblem::UnknownUnionCase(u.case.to_string())));
                };
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry(&case.name, &child(&case.ty, &u.value, Seg::Case(&case.name)))?;
                m.end()
            }
            (ResolvedType::List(e), Value::List(items))
            | (ResolvedType::Set(e), Value::Set(items)) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for (i, it) in items.iter().enumerate() {
                    seq.serialize_element(&child(&e.ty, it, Seg::Index(i)))?;
                }
                seq.end()
            }
            (ResolvedType::Map(k, val), Value::Map(entries)) if k.ty == ResolvedType::String => {
                let mut m = s.serialize_map(Some(entries.len()))?;
                for (i, e) in entries.iter().enumerate() {
                    let Value::String(key) = &e.key else {
                        let at = self.path.push(Seg::KeyNo(i));
                        return Err(S::Error::custom(at.error(mismatch("string", &e.key))));
                    };
                    let key = key.as_str();
                    m.serialize_entry(key, &child(&val.ty, &e.value, Seg::Field(key)))?;
                }
                m.end()
            }
            (ResolvedType::Map(k, val), Value::Map(entries)) => {
                let mut seq = s.serialize_seq(Some(entries.len()))?;
                for (i, e) in entries.iter().enumerate() {
                    seq.serialize_element(&PairSer(
                        child(&k.ty, &e.key, Seg::Pair(i)),
                        child(&val.ty, &e.value, Seg::Pair(i)),
                    ))?;
                }
                seq.end()
            }
            (ResolvedType::Message(t), Value::Struct(st)) => {
                let m = struct_message(reg, *t, v).map_err(fail)?;
                let mut out = s.serialize_map(Some(m.fields.len()))?;
                for (f, fv) in m.fields.iter().zip(st.fields.iter()) {
                    out.serialize_entry(&f.name, &child(&f.ty, fv, Seg::Field(&f.name)))?;
                }
                out.end()
            }
            (ResolvedType::Any, v) => {
                let (name, t) = any_value_type(reg, v).map_err(fail)?;
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry(&name, &child(&t, v, Seg::Any(&name)))?;
                m.end()
            }
            (t, v) => Err(fail(mismatch(type_name(t), v))),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// DeserializeSeed
// ---------------------------------------------------------------------------------------------

/// Builds a [`Value`] of one registered type from any self-describing serde format: get one
/// from [`ForyJit::value_seed`](crate::ForyJit::value_seed) and call
/// [`DeserializeSeed::deserialize`] with the format's deserializer. The input has the
/// canonical JSON shape; errors name the path and the problem as
/// [`ForyJit::from_json`](crate::ForyJit::from_json)'s do.
///
/// ```
/// use serde::de::DeserializeSeed;
/// # let fory = foryjit::ForyJit::default();
/// let ty = fory.load_idl("package d; message M [id=1] { map<int32, string> m = 1; }")?.get("d.M").unwrap();
/// let mut de = serde_json::Deserializer::from_str(r#"{"m": [[1, "one"], [2, "two"]]}"#);
/// let value = fory.value_seed(ty).deserialize(&mut de).unwrap();
/// assert_eq!(fory.view(&value).get("m").unwrap().entries().len(), 2);
///
/// let mut bad = serde_json::Deserializer::from_str(r#"{"m": [[1, 2]]}"#);
/// let err = fory.value_seed(ty).deserialize(&mut bad).unwrap_err();
/// assert!(err.to_string().contains("at m{#0}: expected string"), "{err}");
/// # Ok::<(), foryjit::Error>(())
/// ```
#[derive(Clone)]
pub struct ValueSeed {
    cat: Arc<Catalog>,
    ty: ResolvedType,
}

impl fmt::Debug for ValueSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValueSeed").field("ty", &self.ty).finish_non_exhaustive()
    }
}

impl ValueSeed {
    pub(crate) fn new(cat: Arc<Catalog>, ty: ResolvedType) -> Self {
        ValueSeed { cat, ty }
    }
}

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        (&self).deserialize(d)
    }
}

impl<'de> DeserializeSeed<'de> for &ValueSeed {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Seed { reg: self.cat.registry(), ty: &self.ty, path: Path::ROOT }.deserialize(d)
    }
}

#[derive(Clone, Copy)]
struct Seed<'s> {
    reg: &'s Registry,
    ty: &'s ResolvedType,
    path: Path<'s>,
}

impl<'s> Seed<'s> {
    fn fail<E: de::Error>(&self, problem: JsonProblem) -> E {
        E::custom(self.path.error(problem))
    }

    fn scalar<E: de::Error>(&self, s: Scalar<'_>) -> Result<Value, E> {
        if is_composite(self.ty) {
            return Err(self.fail(expected(self.ty)));
        }
        scalar_value(self.reg, self.ty, s).map_err(|p| self.fail(p))
    }
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name =
            crate::introspect::fdl_type_name(&crate::introspect::field_type(self.reg, self.ty));
        write!(f, "the canonical JSON of {name}")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        self.scalar(Scalar::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, x: i64) -> Result<Value, E> {
        self.scalar(Scalar::I64(x))
    }

    fn visit_u64<E: de::Error>(self, x: u64) -> Result<Value, E> {
        self.scalar(Scalar::U64(x))
    }

    fn visit_i128<E: de::Error>(self, x: i128) -> Result<Value, E> {
        match (i64::try_from(x), u64::try_from(x)) {
            (Ok(x), _) => self.visit_i64(x),
            (_, Ok(x)) => self.visit_u64(x),
            _ => Err(self.fail(JsonProblem::OutOfRange(type_name(self.ty)))),
        }
    }

    fn visit_u128<E: de::Error>(self, x: u128) -> Result<Value, E> {
        match u64::try_from(x) {
            Ok(x) => self.visit_u64(x),
            Err(_) => Err(self.fail(JsonProblem::OutOfRange(type_name(self.ty)))),
        }
    }

    fn visit_f64<E: de::Error>(self, x: f64) -> Result<Value, E> {
        self.scalar(Scalar::F64(x))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        self.scalar(Scalar::Str(s))
    }

    fn visit_bytes<E: de::Error>(self, b: &[u8]) -> Result<Value, E> {
        self.scalar(Scalar::Bytes(b))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let (reg, path) = (self.reg, &self.path);
        let mut i = 0usize;
        let next = |ty: &ResolvedType, seg: Seg<'_>, seq: &mut A| {
            let at = path.push(seg);
            seq.next_element_seed(Seed { reg, ty, path: at })
        };
        match self.ty {
            ResolvedType::Array(e) => {
                let et = array_elem_type(*e);
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(x) = next(&et, Seg::Index(i), &mut seq)? {
                    if x.is_null() {
                        return Err(de::Error::custom(
                            path.push(Seg::Index(i)).error(expected(&et)),
                        ));
                    }
                    out.push(x);
                    i += 1;
                }
                dense_array(*e, out).map_err(|p| self.fail(p))
            }
            ResolvedType::List(e) | ResolvedType::Set(e) => {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(x) = next(&e.ty, Seg::Index(i), &mut seq)? {
                    out.push(x);
                    i += 1;
                }
                Ok(if matches!(self.ty, ResolvedType::Set(_)) {
                    Value::Set(out.into())
                } else {
                    Value::List(out.into())
                })
            }
            ResolvedType::Map(k, v) if k.ty != ResolvedType::String => {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                loop {
                    let at = path.push(Seg::Pair(i));
                    let pair = PairSeed { reg, k: &k.ty, v: &v.ty, path: at };
                    match seq.next_element_seed(pair)? {
                        Some(entry) => out.push(entry),
                        None => break,
                    }
                    i += 1;
                }
                Ok(Value::Map(out.into()))
            }
            ty => Err(self.fail(expected(ty))),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let (reg, path) = (self.reg, &self.path);
        match self.ty {
            ResolvedType::Duration => {
                let (mut seconds, mut nanos) = (None, None);
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "seconds" => seconds = Some(map.next_value_seed(ScalarSeed)?),
                        "nanos" => nanos = Some(map.next_value_seed(ScalarSeed)?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let (Some(s), Some(n)) = (seconds, nanos) else {
                    return Err(self.fail(expected(self.ty)));
                };
                let (Some(s), Some(n)) = (s.as_scalar(), n.as_scalar()) else {
                    return Err(self.fail(expected(self.ty)));
                };
                duration_of(s, n).map_err(|p| self.fail(p))
            }
            ResolvedType::Union(t) => {
                let Some(name) = map.next_key::<String>()? else {
                    return Err(self.fail(expected(self.ty)));
                };
                let case = union_case(reg, *t, &name).map_err(|p| self.fail(p))?;
                let at = path.push(Seg::Case(&name));
                let value = map.next_value_seed(Seed { reg, ty: &case.ty, path: at })?;
                if map.next_key::<IgnoredAny>()?.is_some() {
                    return Err(self.fail(expected(self.ty)));
                }
                Ok(Value::Union(Box::new(UnionValue { ty: *t, case: case.id, value })))
            }
            ResolvedType::Map(k, v) if k.ty == ResolvedType::String => {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
                while let Some(key) = map.next_key::<String>()? {
                    let at = path.push(Seg::Field(&key));
                    let value = map.next_value_seed(Seed { reg, ty: &v.ty, path: at })?;
                    out.push(MapEntry { key: Value::string(key), value });
                }
                Ok(Value::Map(out.into()))
            }
            ResolvedType::Message(t) => {
                let Some(m) = reg.message(*t) else {
                    return Err(self.fail(JsonProblem::Expected("registered message")));
                };
                let mut slots: Vec<Option<Value>> = vec![None; m.fields.len()];
                while let Some(key) = map.next_key::<String>()? {
                    let ord = field_of(m, &key).map_err(|p| self.fail(p))?;
                    let at = path.push(Seg::Field(&key));
                    let ty = &m.fields[ord].ty;
                    slots[ord] = Some(map.next_value_seed(Seed { reg, ty, path: at })?);
                }
                finish_struct(m, slots).map_err(|p| self.fail(p))
            }
            ResolvedType::Any => {
                let Some(name) = map.next_key::<String>()? else {
                    return Err(self.fail(JsonProblem::AnyShape));
                };
                let t = any_type(reg, &name).map_err(|p| self.fail(p))?;
                let at = path.push(Seg::Any(&name));
                let value = map.next_value_seed(Seed { reg, ty: &t, path: at })?;
                if map.next_key::<IgnoredAny>()?.is_some() {
                    return Err(self.fail(JsonProblem::AnyShape));
                }
                Ok(value)
            }
            ty => Err(self.fail(expected(ty))),
        }
    }
}

/// A `[key, value]` pair of a map whose keys are not strings.
struct PairSeed<'s> {
    reg: &'s Registry,
    k: &'s ResolvedType,
    v: &'s ResolvedType,
    path: Path<'s>,
}

impl<'de> DeserializeSeed<'de> for PairSeed<'_> {
    type Value = MapEntry;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<MapEntry, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PairSeed<'_> {
    type Value = MapEntry;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a [key, value] pair")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<MapEntry, A::Error> {
        let bad = || de::Error::custom(self.path.error(JsonProblem::Expected("[key, value]")));
        let key = seq.next_element_seed(Seed { reg: self.reg, ty: self.k, path: self.path })?;
        let value = seq.next_element_seed(Seed { reg: self.reg, ty: self.v, path: self.path })?;
        match (key, value, seq.next_element::<IgnoredAny>()?) {
            (Some(key), Some(value), None) => Ok(MapEntry { key, value }),
            _ => Err(bad()),
        }
    }
}

/// A scalar read whole (the members of a duration).
enum OwnedScalar {
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(String),
    Other,
}

impl OwnedScalar {
    fn as_scalar(&self) -> Option<Scalar<'_>> {
        Some(match self {
            OwnedScalar::Bool(b) => Scalar::Bool(*b),
            OwnedScalar::I64(x) => Scalar::I64(*x),
            OwnedScalar::U64(x) => Scalar::U64(*x),
            OwnedScalar::F64(x) => Scalar::F64(*x),
            OwnedScalar::Str(s) => Scalar::Str(s),
            OwnedScalar::Other => return None,
        })
    }
}

struct ScalarSeed;

impl<'de> DeserializeSeed<'de> for ScalarSeed {
    type Value = OwnedScalar;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<OwnedScalar, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScalarSeed {
    type Value = OwnedScalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<OwnedScalar, E> {
        Ok(OwnedScalar::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, x: i64) -> Result<OwnedScalar, E> {
        Ok(OwnedScalar::I64(x))
    }

    fn visit_u64<E: de::Error>(self, x: u64) -> Result<OwnedScalar, E> {
        Ok(OwnedScalar::U64(x))
    }

    fn visit_f64<E: de::Error>(self, x: f64) -> Result<OwnedScalar, E> {
        Ok(OwnedScalar::F64(x))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<OwnedScalar, E> {
        Ok(OwnedScalar::Str(s.to_owned()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<OwnedScalar, E> {
        Ok(OwnedScalar::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OwnedScalar, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(OwnedScalar::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OwnedScalar, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(OwnedScalar::Other)
    }
}
