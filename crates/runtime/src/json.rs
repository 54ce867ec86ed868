//! Canonical JSON by schema (see `docs/canonical-json.md`).

use base64::Engine as _;
use foryjit_schema::{ArrayElem, Registry, ResolvedType};
use foryjit_wire::{
    bf16, f16, Duration, EnumValue, MapEntry, StructValue, Timestamp, TypeIdx, Value,
};
use serde_json::{Map, Number, Value as Json};

/// Why a JSON document does not fit the schema, or a value cannot be shown as JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at {path}: {problem}")]
pub struct JsonError {
    /// Where, as `field.sub[3]`.
    pub path: String,
    /// What is wrong.
    pub problem: JsonProblem,
}

/// The kinds of JSON mismatch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonProblem {
    /// The JSON kind does not fit the schema type.
    #[error("expected {0}")]
    Expected(&'static str),
    /// A non-nullable field is missing.
    #[error("missing field {0}")]
    MissingField(String),
    /// A key that is not a field of the message.
    #[error("unknown field {0}")]
    UnknownField(String),
    /// A number outside the type's range.
    #[error("number out of range for {0}")]
    OutOfRange(&'static str),
    /// An enum name the enum does not declare.
    #[error("unknown enum name {0}")]
    UnknownEnumName(String),
    /// A union case the union does not declare.
    #[error("unknown union case {0}")]
    UnknownUnionCase(String),
    /// The value does not match the schema (to_json).
    #[error("value of kind {found} where {expected} is expected")]
    ValueMismatch {
        /// What the schema expects.
        expected: &'static str,
        /// The value's kind.
        found: &'static str,
    },
    /// A type that has no canonical JSON form yet.
    #[error("no canonical JSON for {0}")]
    Unsupported(&'static str),
    /// An `any` value in JSON is `null` or a one-key object `{"type": value}`.
    #[error("an `any` value is null or one {{\"type\": value}} object")]
    AnyShape,
    /// The type named in an `any` object is neither a built-in type nor a registered one.
    #[error("unknown type {0} in an `any` value")]
    UnknownAnyType(String),
}

pub(crate) fn fail<T>(path: &str, problem: JsonProblem) -> Result<T, JsonError> {
    Err(JsonError { path: if path.is_empty() { "<root>".into() } else { path.into() }, problem })
}

pub(crate) fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

// ---------------------------------------------------------------------------------------------
// The rules shared by every canonical conversion: this module's `serde_json::Value` converters
// and the serde `Serialize` / `DeserializeSeed` of `crate::serde_value` call these, so a scalar
// has one canonical form whichever way it travels.
// ---------------------------------------------------------------------------------------------

/// The canonical form of a scalar value (anything that is not an object or array in JSON).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Canon<'v> {
    Bool(bool),
    I64(i64),
    U64(u64),
    /// A finite float, already rounded to the shortest decimal of its width.
    F64(f64),
    Str(std::borrow::Cow<'v, str>),
}

impl Canon<'_> {
    pub(crate) fn to_json(&self) -> Json {
        match self {
            Canon::Bool(b) => Json::Bool(*b),
            Canon::I64(x) => Json::from(*x),
            Canon::U64(x) => Json::from(*x),
            Canon::F64(x) => Number::from_f64(*x).map(Json::Number).unwrap_or(Json::Null),
            Canon::Str(s) => Json::String(s.as_ref().to_owned()),
        }
    }
}

/// A scalar read from some input format (JSON, or any serde format).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scalar<'j> {
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(&'j str),
    Bytes(&'j [u8]),
}

impl<'j> Scalar<'j> {
    /// A JSON scalar (`None` for null, arrays and objects).
    pub(crate) fn of_json(j: &'j Json) -> Option<Scalar<'j>> {
        Some(match j {
            Json::Bool(b) => Scalar::Bool(*b),
            Json::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(x), _, _) => Scalar::I64(x),
                (None, Some(x), _) => Scalar::U64(x),
                (None, None, Some(x)) => Scalar::F64(x),
                _ => return None,
            },
            Json::String(s) => Scalar::Str(s),
            _ => return None,
        })
    }
}

/// Shortest decimal text that reads back to the same value at width `bits`.
fn float_canon(x: f64, text: impl Fn() -> String) -> Canon<'static> {
    if x.is_nan() {
        Canon::Str("NaN".into())
    } else if x.is_infinite() {
        Canon::Str(if x > 0.0 { "Infinity" } else { "-Infinity" }.into())
    } else {
        Canon::F64(text().parse::<f64>().unwrap_or(x))
    }
}

fn shortest_half(x: f32, round_trip: impl Fn(f32) -> bool) -> String {
    for p in 1..=9 {
        let s = format!("{:.*e}", p - 1, x);
        if let Ok(v) = s.parse::<f32>() {
            if round_trip(v) {
                return s;
            }
        }
    }
    format!("{x}")
}

fn f16_canon(x: f16) -> Canon<'static> {
    float_canon(x.to_f64(), || {
        shortest_half(x.to_f32(), |c| f16::from_f32(c).to_bits() == x.to_bits())
    })
}

fn bf16_canon(x: bf16) -> Canon<'static> {
    float_canon(x.to_f64(), || {
        shortest_half(x.to_f32(), |c| bf16::from_f32(c).to_bits() == x.to_bits())
    })
}

fn f32_canon(x: f32) -> Canon<'static> {
    float_canon(x as f64, || format!("{x:?}"))
}

fn f64_canon(x: f64) -> Canon<'static> {
    float_canon(x, || format!("{x:?}"))
}

/// True for the types whose canonical form is an object or an array.
pub(crate) fn is_composite(ty: &ResolvedType) -> bool {
    matches!(
        ty,
        ResolvedType::Duration
            | ResolvedType::Array(_)
            | ResolvedType::List(_)
            | ResolvedType::Set(_)
            | ResolvedType::Map(..)
            | ResolvedType::Message(_)
            | ResolvedType::Union(_)
            | ResolvedType::Any
    )
}

/// The canonical form of non-null `v` at a scalar position of type `ty`; `None` when `ty` is
/// composite (see [`is_composite`]).
pub(crate) fn canon_scalar<'v>(
    reg: &'v Registry,
    ty: &ResolvedType,
    v: &'v Value,
) -> Option<Result<Canon<'v>, JsonProblem>> {
    Some(Ok(match (ty, v) {
        (ResolvedType::Bool, Value::Bool(b)) => Canon::Bool(*b),
        (ResolvedType::Int8, Value::Int8(x)) => Canon::I64((*x).into()),
        (ResolvedType::Int16, Value::Int16(x)) => Canon::I64((*x).into()),
        (ResolvedType::Int32(_), Value::Int32(x)) => Canon::I64((*x).into()),
        (ResolvedType::Int64(_), Value::Int64(x)) => Canon::I64(*x),
        (ResolvedType::UInt8, Value::UInt8(x)) => Canon::U64((*x).into()),
        (ResolvedType::UInt16, Value::UInt16(x)) => Canon::U64((*x).into()),
        (ResolvedType::UInt32(_), Value::UInt32(x)) => Canon::U64((*x).into()),
        (ResolvedType::UInt64(_), Value::UInt64(x)) => Canon::U64(*x),
        (ResolvedType::Float16, Value::Float16(x)) => f16_canon(*x),
        (ResolvedType::BFloat16, Value::BFloat16(x)) => bf16_canon(*x),
        (ResolvedType::Float32, Value::Float32(x)) => f32_canon(*x),
        (ResolvedType::Float64, Value::Float64(x)) => f64_canon(*x),
        (ResolvedType::String, Value::String(s)) => Canon::Str(s.as_str().into()),
        (ResolvedType::Binary, Value::Binary(b)) => {
            Canon::Str(base64::engine::general_purpose::STANDARD.encode(b.as_slice()).into())
        }
        (ResolvedType::Date, Value::Date(d)) => Canon::Str(format_date(*d as i64).into()),
        (ResolvedType::Timestamp, Value::Timestamp(t)) => Canon::Str(format_timestamp(*t).into()),
        (ResolvedType::Decimal, Value::Decimal(d)) => Canon::Str(d.to_string().into()),
        (ResolvedType::Enum(t), Value::Enum(ev)) => {
            match reg.enumeration(*t).and_then(|e| e.member_by_value(ev.value)) {
                Some(m) => Canon::Str(m.name.as_str().into()),
                None => return Some(Err(JsonProblem::UnknownEnumName(ev.value.to_string()))),
            }
        }
        (t, _) if is_composite(t) => return None,
        (t, v) => return Some(Err(mismatch(type_name(t), v))),
    }))
}

/// The canonical forms of a dense array's elements (`None`: `v` is not an array of `e`).
pub(crate) fn array_canon(e: ArrayElem, v: &Value) -> Option<Vec<Canon<'static>>> {
    fn each<T: Copy>(a: &[T], f: impl Fn(T) -> Canon<'static>) -> Option<Vec<Canon<'static>>> {
        Some(a.iter().map(|&x| f(x)).collect())
    }
    match (e, v) {
        (ArrayElem::Bool, Value::BoolArray(a)) => each(a, Canon::Bool),
        (ArrayElem::Int8, Value::Int8Array(a)) => each(a, |x| Canon::I64(x.into())),
        (ArrayElem::Int16, Value::Int16Array(a)) => each(a, |x| Canon::I64(x.into())),
        (ArrayElem::Int32, Value::Int32Array(a)) => each(a, |x| Canon::I64(x.into())),
        (ArrayElem::Int64, Value::Int64Array(a)) => each(a, Canon::I64),
        (ArrayElem::UInt8, Value::UInt8Array(a)) => each(a, |x| Canon::U64(x.into())),
        (ArrayElem::UInt16, Value::UInt16Array(a)) => each(a, |x| Canon::U64(x.into())),
        (ArrayElem::UInt32, Value::UInt32Array(a)) => each(a, |x| Canon::U64(x.into())),
        (ArrayElem::UInt64, Value::UInt64Array(a)) => each(a, Canon::U64),
        (ArrayElem::Float16, Value::Float16Array(a)) => each(a, f16_canon),
        (ArrayElem::BFloat16, Value::BFloat16Array(a)) => each(a, bf16_canon),
        (ArrayElem::Float32, Value::Float32Array(a)) => each(a, f32_canon),
        (ArrayElem::Float64, Value::Float64Array(a)) => each(a, f64_canon),
        _ => None,
    }
}

/// True when `v` is a dense array of `e`.
pub(crate) fn array_elem_fits(e: ArrayElem, v: &Value) -> bool {
    matches!(
        (e, v),
        (ArrayElem::Bool, Value::BoolArray(_))
            | (ArrayElem::Int8, Value::Int8Array(_))
            | (ArrayElem::Int16, Value::Int16Array(_))
            | (ArrayElem::Int32, Value::Int32Array(_))
            | (ArrayElem::Int64, Value::Int64Array(_))
            | (ArrayElem::UInt8, Value::UInt8Array(_))
            | (ArrayElem::UInt16, Value::UInt16Array(_))
            | (ArrayElem::UInt32, Value::UInt32Array(_))
            | (ArrayElem::UInt64, Value::UInt64Array(_))
            | (ArrayElem::Float16, Value::Float16Array(_))
            | (ArrayElem::BFloat16, Value::BFloat16Array(_))
            | (ArrayElem::Float32, Value::Float32Array(_))
            | (ArrayElem::Float64, Value::Float64Array(_))
    )
}

/// What a position of type `ty` expects, when the input has the wrong shape.
pub(crate) fn expected(ty: &ResolvedType) -> JsonProblem {
    JsonProblem::Expected(match ty {
        ResolvedType::Bool => "bool",
        ResolvedType::Float16
        | ResolvedType::BFloat16
        | ResolvedType::Float32
        | ResolvedType::Float64 => "number",
        ResolvedType::Binary => "base64 text",
        ResolvedType::Date => "a date YYYY-MM-DD",
        ResolvedType::Timestamp => "an RFC 3339 UTC timestamp",
        ResolvedType::Duration => "{seconds, nanos}",
        ResolvedType::Decimal => "a decimal string such as \"3.14\"",
        ResolvedType::Enum(_) => "enum name",
        ResolvedType::Union(_) => "an object with one case: {\"case\": value}",
        ResolvedType::Array(_) | ResolvedType::List(_) | ResolvedType::Set(_) => "array",
        ResolvedType::Map(k, _) if k.ty == ResolvedType::String => "object",
        ResolvedType::Map(..) => "array of pairs",
        ResolvedType::Message(_) => "object",
        ResolvedType::Any => return JsonProblem::AnyShape,
        t => type_name(t),
    })
}

fn int_of(s: Scalar<'_>, name: &'static str) -> Result<i128, JsonProblem> {
    match s {
        Scalar::I64(x) => Ok(x.into()),
        Scalar::U64(x) => Ok(x.into()),
        _ => Err(JsonProblem::Expected(name)),
    }
}

/// An integer of type `T` (named `name` in errors).
pub(crate) fn ranged<T: TryFrom<i128>>(
    s: Scalar<'_>,
    name: &'static str,
) -> Result<T, JsonProblem> {
    let x = int_of(s, name)?;
    T::try_from(x).map_err(|_| JsonProblem::OutOfRange(name))
}

fn float_of(s: Scalar<'_>) -> Result<f64, JsonProblem> {
    match s {
        Scalar::I64(x) => Ok(x as f64),
        Scalar::U64(x) => Ok(x as f64),
        Scalar::F64(x) => Ok(x),
        Scalar::Str("NaN") => Ok(f64::NAN),
        Scalar::Str("Infinity") => Ok(f64::INFINITY),
        Scalar::Str("-Infinity") => Ok(f64::NEG_INFINITY),
        _ => Err(JsonProblem::Expected("number")),
    }
}

/// float16 from an f32, rounding to nearest; NaN becomes `0x7e01`, the quiet NaN pyfory's
/// converter produces, so JSON `"NaN"` serializes to the same bytes as in pyfory.
fn f16_of(x: f32) -> f16 {
    if x.is_nan() {
        f16::from_bits(0x7e01 | ((x.to_bits() >> 16) as u16 & 0x8000))
    } else {
        f16::from_f32(x)
    }
}

/// f32 from the number's shortest text, rounded once (not via f64 twice).
fn f32_of(s: Scalar<'_>) -> Result<f32, JsonProblem> {
    let text = match s {
        Scalar::I64(x) => x.to_string(),
        Scalar::U64(x) => x.to_string(),
        Scalar::F64(x) if x.is_finite() => format!("{x:e}"),
        _ => String::new(),
    };
    if let Ok(x) = text.parse::<f32>() {
        return Ok(x);
    }
    Ok(float_of(s)? as f32)
}

/// The value of scalar input `s` at a position of type `ty` (composite types refuse it).
pub(crate) fn scalar_value(
    reg: &Registry,
    ty: &ResolvedType,
    s: Scalar<'_>,
) -> Result<Value, JsonProblem> {
    let text = match s {
        Scalar::Str(t) => Some(t),
        _ => None,
    };
    Ok(match ty {
        ResolvedType::Bool => match s {
            Scalar::Bool(b) => Value::Bool(b),
            _ => return Err(expected(ty)),
        },
        ResolvedType::Int8 => Value::Int8(ranged(s, "int8")?),
        ResolvedType::Int16 => Value::Int16(ranged(s, "int16")?),
        ResolvedType::Int32(_) => Value::Int32(ranged(s, "int32")?),
        ResolvedType::Int64(_) => Value::Int64(ranged(s, "int64")?),
        ResolvedType::UInt8 => Value::UInt8(ranged(s, "uint8")?),
        ResolvedType::UInt16 => Value::UInt16(ranged(s, "uint16")?),
        ResolvedType::UInt32(_) => Value::UInt32(ranged(s, "uint32")?),
        ResolvedType::UInt64(_) => Value::UInt64(ranged(s, "uint64")?),
        ResolvedType::Float16 => Value::Float16(f16_of(f32_of(s)?)),
        ResolvedType::BFloat16 => Value::BFloat16(bf16::from_f32(f32_of(s)?)),
        ResolvedType::Float32 => Value::Float32(f32_of(s)?),
        ResolvedType::Float64 => Value::Float64(float_of(s)?),
        ResolvedType::String => match text {
            Some(t) => Value::string(t),
            None => return Err(expected(ty)),
        },
        ResolvedType::Binary => match s {
            Scalar::Str(t) => match base64::engine::general_purpose::STANDARD.decode(t) {
                Ok(b) => Value::Binary(b.into()),
                Err(_) => return Err(expected(ty)),
            },
            // Binary formats (MessagePack, CBOR) may carry bytes as bytes.
            Scalar::Bytes(b) => Value::Binary(b.to_vec().into()),
            _ => return Err(expected(ty)),
        },
        ResolvedType::Date => match text.and_then(parse_date) {
            Some(d) => Value::Date(i32::try_from(d).map_err(|_| JsonProblem::OutOfRange("date"))?),
            None => return Err(expected(ty)),
        },
        ResolvedType::Timestamp => match text.and_then(parse_timestamp) {
            Some(t) => Value::Timestamp(t),
            None => return Err(expected(ty)),
        },
        ResolvedType::Decimal => match text.map(str::parse::<foryjit_wire::Decimal>) {
            Some(Ok(d)) => Value::Decimal(d),
            _ => return Err(expected(ty)),
        },
        ResolvedType::Enum(t) => {
            let Some(name) = text else { return Err(expected(ty)) };
            match reg.enumeration(*t).and_then(|e| e.member_by_name(name)) {
                Some(m) => Value::Enum(EnumValue { ty: *t, value: m.value }),
                None => return Err(JsonProblem::UnknownEnumName(name.to_owned())),
            }
        }
        t => return Err(expected(t)),
    })
}

/// A duration from its `seconds` and `nanos` members.
pub(crate) fn duration_of(seconds: Scalar<'_>, nanos: Scalar<'_>) -> Result<Value, JsonProblem> {
    let nanos: i32 = ranged(nanos, "nanos")?;
    if !(0..1_000_000_000).contains(&nanos) {
        return Err(JsonProblem::OutOfRange("nanos"));
    }
    Ok(Value::Duration(Duration { seconds: ranged(seconds, "seconds")?, nanos }))
}

/// The element type of a dense array, as a scalar position.
pub(crate) fn array_elem_type(e: ArrayElem) -> ResolvedType {
    use foryjit_schema::IntEncoding::Varint;
    match e {
        ArrayElem::Bool => ResolvedType::Bool,
        ArrayElem::Int8 => ResolvedType::Int8,
        ArrayElem::Int16 => ResolvedType::Int16,
        ArrayElem::Int32 => ResolvedType::Int32(Varint),
        ArrayElem::Int64 => ResolvedType::Int64(Varint),
        ArrayElem::UInt8 => ResolvedType::UInt8,
        ArrayElem::UInt16 => ResolvedType::UInt16,
        ArrayElem::UInt32 => ResolvedType::UInt32(Varint),
        ArrayElem::UInt64 => ResolvedType::UInt64(Varint),
        ArrayElem::Float16 => ResolvedType::Float16,
        ArrayElem::BFloat16 => ResolvedType::BFloat16,
        ArrayElem::Float32 => ResolvedType::Float32,
        ArrayElem::Float64 => ResolvedType::Float64,
    }
}

/// A dense array from element values made by [`scalar_value`] with [`array_elem_type`].
pub(crate) fn dense_array(e: ArrayElem, items: Vec<Value>) -> Result<Value, JsonProblem> {
    macro_rules! pack {
        ($variant:ident, $array:ident) => {{
            let mut out = Vec::with_capacity(items.len());
            for it in items {
                match it {
                    Value::$variant(x) => out.push(x),
                    other => return Err(mismatch(type_name(&array_elem_type(e)), &other)),
                }
            }
            Value::$array(out.into())
        }};
    }
    Ok(match e {
        ArrayElem::Bool => pack!(Bool, BoolArray),
        ArrayElem::Int8 => pack!(Int8, Int8Array),
        ArrayElem::Int16 => pack!(Int16, Int16Array),
        ArrayElem::Int32 => pack!(Int32, Int32Array),
        ArrayElem::Int64 => pack!(Int64, Int64Array),
        ArrayElem::UInt8 => pack!(UInt8, UInt8Array),
        ArrayElem::UInt16 => pack!(UInt16, UInt16Array),
        ArrayElem::UInt32 => pack!(UInt32, UInt32Array),
        ArrayElem::UInt64 => pack!(UInt64, UInt64Array),
        ArrayElem::Float16 => pack!(Float16, Float16Array),
        ArrayElem::BFloat16 => pack!(BFloat16, BFloat16Array),
        ArrayElem::Float32 => pack!(Float32, Float32Array),
        ArrayElem::Float64 => pack!(Float64, Float64Array),
    })
}

/// A struct of message `m` from the values read for its fields (by ordinal; `None` or null for
/// the fields the input did not give): a missing non-nullable field is an error.
pub(crate) fn finish_struct(
    m: &foryjit_schema::MessageInfo,
    slots: Vec<Option<Value>>,
) -> Result<Value, JsonProblem> {
    let mut fields = Vec::with_capacity(m.fields.len());
    for (f, slot) in m.fields.iter().zip(slots) {
        match slot {
            Some(v) if !v.is_null() => fields.push(v),
            _ if f.nullable => fields.push(Value::Null),
            _ => return Err(JsonProblem::MissingField(f.name.clone())),
        }
    }
    Ok(Value::Struct(StructValue::new(m.idx, fields)))
}

/// The ordinal of input key `key` in message `m`, or an unknown-field error.
pub(crate) fn field_of(m: &foryjit_schema::MessageInfo, key: &str) -> Result<usize, JsonProblem> {
    m.field_ordinal(key).ok_or_else(|| JsonProblem::UnknownField(key.to_owned()))
}

/// The case of union `t` called `name`.
pub(crate) fn union_case<'r>(
    reg: &'r Registry,
    t: TypeIdx,
    name: &str,
) -> Result<&'r foryjit_schema::UnionCaseInfo, JsonProblem> {
    match reg.union(t).and_then(|u| u.case_by_name(name)) {
        Some(c) => Ok(c),
        None => Err(JsonProblem::UnknownUnionCase(name.to_owned())),
    }
}

/// The type an `any` value's input names.
pub(crate) fn any_type(reg: &Registry, name: &str) -> Result<ResolvedType, JsonProblem> {
    match any_type_named(reg, name) {
        Some(t) => Ok(t),
        None => Err(JsonProblem::UnknownAnyType(name.to_owned())),
    }
}

// ---------------------------------------------------------------------------------------------
// serde_json::Value
// ---------------------------------------------------------------------------------------------

/// Converts a message value to canonical JSON.
pub fn to_json(reg: &Registry, ty: TypeIdx, v: &Value) -> Result<Json, JsonError> {
    value_to_json(reg, &user_type(reg, ty), v, "")
}

/// The resolved type of registered type `ty` (a message, an enum or a union).
pub(crate) fn user_type(reg: &Registry, ty: TypeIdx) -> ResolvedType {
    match reg.get(ty).map(|t| &**t) {
        Some(foryjit_schema::TypeInfo::Enum(_)) => ResolvedType::Enum(ty),
        Some(foryjit_schema::TypeInfo::Union(_)) => ResolvedType::Union(ty),
        _ => ResolvedType::Message(ty),
    }
}

pub(crate) fn mismatch(expected: &'static str, v: &Value) -> JsonProblem {
    JsonProblem::ValueMismatch { expected, found: v.kind_name() }
}

pub(crate) fn value_to_json(
    reg: &Registry,
    ty: &ResolvedType,
    v: &Value,
    path: &str,
) -> Result<Json, JsonError> {
    if v.is_null() {
        return Ok(Json::Null);
    }
    if let Some(c) = canon_scalar(reg, ty, v) {
        return c.map(|c| c.to_json()).or_else(|p| fail(path, p));
    }
    Ok(match (ty, v) {
        (ResolvedType::Duration, Value::Duration(d)) => {
            serde_json::json!({"seconds": d.seconds, "nanos": d.nanos})
        }
        (ResolvedType::Array(e), v) => match array_canon(*e, v) {
            Some(items) => Json::Array(items.iter().map(Canon::to_json).collect()),
            None => return fail(path, mismatch("array", v)),
        },
        (ResolvedType::Union(t), Value::Union(u)) if u.ty == *t => {
            let case = reg.union(*t).and_then(|x| x.case_by_id(u.case));
            let Some(case) = case else {
                return fail(path, JsonProblem::UnknownUnionCase(u.case.to_string()));
            };
            let inner = value_to_json(reg, &case.ty, &u.value, &format!("{path}.{}", case.name))?;
            let mut obj = serde_json::Map::new();
            obj.insert(case.name.clone(), inner);
            Json::Object(obj)
        }
        // A list is a `List` and a set a `Set`, as the writer and the reader have them.
        (ResolvedType::List(e), Value::List(items)) | (ResolvedType::Set(e), Value::Set(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, it) in items.iter().enumerate() {
                out.push(value_to_json(reg, &e.ty, it, &format!("{path}[{i}]"))?);
            }
            Json::Array(out)
        }
        (ResolvedType::Map(k, val), Value::Map(entries)) => {
            if k.ty == ResolvedType::String {
                let mut m = Map::new();
                for (i, e) in entries.iter().enumerate() {
                    let key = match &e.key {
                        Value::String(s) => s.as_str().to_owned(),
                        other => {
                            return fail(&format!("{path}{{key #{i}}}"), mismatch("string", other))
                        }
                    };
                    let vj = value_to_json(reg, &val.ty, &e.value, &join(path, &key))?;
                    m.insert(key, vj);
                }
                Json::Object(m)
            } else {
                let mut out = Vec::with_capacity(entries.len());
                for (i, e) in entries.iter().enumerate() {
                    let p = format!("{path}{{#{i}}}");
                    out.push(Json::Array(vec![
                        value_to_json(reg, &k.ty, &e.key, &p)?,
                        value_to_json(reg, &val.ty, &e.value, &p)?,
                    ]));
                }
                Json::Array(out)
            }
        }
        (ResolvedType::Message(t), Value::Struct(s)) => {
            let m = struct_message(reg, *t, v).or_else(|p| fail(path, p))?;
            let mut out = Map::new();
            for (f, fv) in m.fields.iter().zip(s.fields.iter()) {
                out.insert(f.name.clone(), value_to_json(reg, &f.ty, fv, &join(path, &f.name))?);
            }
            Json::Object(out)
        }
        (ResolvedType::Any, v) => {
            let (name, ty) = any_value_type(reg, v).or_else(|p| fail(path, p))?;
            let inner = value_to_json(reg, &ty, v, &format!("{path}<{name}>"))?;
            let mut obj = Map::new();
            obj.insert(name, inner);
            Json::Object(obj)
        }
        (t, v) => return fail(path, mismatch(type_name(t), v)),
    })
}

/// The message a struct value at a position of message type `t` has (its type must be `t`).
pub(crate) fn struct_message<'r>(
    reg: &'r Registry,
    t: TypeIdx,
    v: &Value,
) -> Result<&'r foryjit_schema::MessageInfo, JsonProblem> {
    let Some(m) = reg.message(t) else { return Err(mismatch("a registered message", v)) };
    match v {
        Value::Struct(s) if s.ty == t && s.fields.len() == m.fields.len() => Ok(m),
        _ => Err(mismatch("a struct of the declared type", v)),
    }
}

/// The type name an `any` value carries, and its type (values with no schema refused).
pub(crate) fn any_value_type(
    reg: &Registry,
    v: &Value,
) -> Result<(String, ResolvedType), JsonProblem> {
    any_type_of(reg, v).ok_or(JsonProblem::Unsupported("this value in an `any` position"))
}

/// The built-in type called `name` in an `any` value's JSON (FDL's names; `list`, `set` and
/// `map` hold `any` elements, keys and values), or the registered message, enum or union of
/// that full name.
pub(crate) fn any_type_named(reg: &Registry, name: &str) -> Option<ResolvedType> {
    use foryjit_schema::{IntEncoding, ResolvedElem};
    let any =
        || Box::new(ResolvedElem { ty: ResolvedType::Any, nullable: true, tracking_ref: false });
    let array =
        |e: &str| ARRAY_ELEMS.iter().find(|(n, _)| *n == e).map(|(_, a)| ResolvedType::Array(*a));
    Some(match name {
        "bool" => ResolvedType::Bool,
        "int8" => ResolvedType::Int8,
        "int16" => ResolvedType::Int16,
        "int32" => ResolvedType::Int32(IntEncoding::Varint),
        "int64" => ResolvedType::Int64(IntEncoding::Varint),
        "uint8" => ResolvedType::UInt8,
        "uint16" => ResolvedType::UInt16,
        "uint32" => ResolvedType::UInt32(IntEncoding::Varint),
        "uint64" => ResolvedType::UInt64(IntEncoding::Varint),
        "float16" => ResolvedType::Float16,
        "bfloat16" => ResolvedType::BFloat16,
        "float32" => ResolvedType::Float32,
        "float64" => ResolvedType::Float64,
        "string" => ResolvedType::String,
        "bytes" => ResolvedType::Binary,
        "date" => ResolvedType::Date,
        "timestamp" => ResolvedType::Timestamp,
        "duration" => ResolvedType::Duration,
        "decimal" => ResolvedType::Decimal,
        "list" => ResolvedType::List(any()),
        "set" => ResolvedType::Set(any()),
        "map" => ResolvedType::Map(any(), any()),
        _ => match name.strip_prefix("array<").and_then(|r| r.strip_suffix('>')) {
            Some(e) => array(e)?,
            None => user_type(reg, reg.by_name(name)?),
        },
    })
}

/// The FDL name of a dense array's element type.
pub(crate) fn array_elem_name(e: ArrayElem) -> &'static str {
    ARRAY_ELEMS.iter().find(|(_, a)| *a == e).map_or("?", |(n, _)| n)
}

/// Dense array element types by their FDL names.
const ARRAY_ELEMS: [(&str, ArrayElem); 13] = [
    ("bool", ArrayElem::Bool),
    ("int8", ArrayElem::Int8),
    ("int16", ArrayElem::Int16),
    ("int32", ArrayElem::Int32),
    ("int64", ArrayElem::Int64),
    ("uint8", ArrayElem::UInt8),
    ("uint16", ArrayElem::UInt16),
    ("uint32", ArrayElem::UInt32),
    ("uint64", ArrayElem::UInt64),
    ("float16", ArrayElem::Float16),
    ("bfloat16", ArrayElem::BFloat16),
    ("float32", ArrayElem::Float32),
    ("float64", ArrayElem::Float64),
];

/// The type name an `any` value's JSON carries for `v`, and the type to convert it with.
/// `None` for values with no schema of their own (unknown structs, graph references).
pub(crate) fn any_type_of(reg: &Registry, v: &Value) -> Option<(String, ResolvedType)> {
    let builtin = |name: &str| any_type_named(reg, name).map(|t| (name.to_owned(), t));
    let user = |ty: TypeIdx| reg.get(ty).map(|t| (t.full_name().to_owned(), user_type(reg, ty)));
    let array = |e: ArrayElem| {
        ARRAY_ELEMS
            .iter()
            .find(|(_, a)| *a == e)
            .map(|(n, a)| (format!("array<{n}>"), ResolvedType::Array(*a)))
    };
    match v {
        Value::Bool(_) => builtin("bool"),
        Value::Int8(_) => builtin("int8"),
        Value::Int16(_) => builtin("int16"),
        Value::Int32(_) => builtin("int32"),
        Value::Int64(_) => builtin("int64"),
        Value::UInt8(_) => builtin("uint8"),
        Value::UInt16(_) => builtin("uint16"),
        Value::UInt32(_) => builtin("uint32"),
        Value::UInt64(_) => builtin("uint64"),
        Value::Float16(_) => builtin("float16"),
        Value::BFloat16(_) => builtin("bfloat16"),
        Value::Float32(_) => builtin("float32"),
        Value::Float64(_) => builtin("float64"),
        Value::String(_) => builtin("string"),
        Value::Binary(_) => builtin("bytes"),
        Value::Date(_) => builtin("date"),
        Value::Timestamp(_) => builtin("timestamp"),
        Value::Duration(_) => builtin("duration"),
        Value::Decimal(_) => builtin("decimal"),
        Value::List(_) => builtin("list"),
        Value::Set(_) => builtin("set"),
        Value::Map(_) => builtin("map"),
        Value::BoolArray(_) => array(ArrayElem::Bool),
        Value::Int8Array(_) => array(ArrayElem::Int8),
        Value::Int16Array(_) => array(ArrayElem::Int16),
        Value::Int32Array(_) => array(ArrayElem::Int32),
        Value::Int64Array(_) => array(ArrayElem::Int64),
        Value::UInt8Array(_) => array(ArrayElem::UInt8),
        Value::UInt16Array(_) => array(ArrayElem::UInt16),
        Value::UInt32Array(_) => array(ArrayElem::UInt32),
        Value::UInt64Array(_) => array(ArrayElem::UInt64),
        Value::Float16Array(_) => array(ArrayElem::Float16),
        Value::BFloat16Array(_) => array(ArrayElem::BFloat16),
        Value::Float32Array(_) => array(ArrayElem::Float32),
        Value::Float64Array(_) => array(ArrayElem::Float64),
        Value::Struct(s) => user(s.ty),
        Value::Enum(e) => user(e.ty),
        Value::Union(u) => user(u.ty),
        Value::Null | Value::Unknown(_) | Value::Ref(_) => None,
    }
}

pub(crate) fn type_name(t: &ResolvedType) -> &'static str {
    match t {
        ResolvedType::Bool => "bool",
        ResolvedType::Int8 => "int8",
        ResolvedType::Int16 => "int16",
        ResolvedType::Int32(_) => "int32",
        ResolvedType::Int64(_) => "int64",
        ResolvedType::UInt8 => "uint8",
        ResolvedType::UInt16 => "uint16",
        ResolvedType::UInt32(_) => "uint32",
        ResolvedType::UInt64(_) => "uint64",
        ResolvedType::Float16 => "float16",
        ResolvedType::BFloat16 => "bfloat16",
        ResolvedType::Float32 => "float32",
        ResolvedType::Float64 => "float64",
        ResolvedType::String => "string",
        ResolvedType::Binary => "bytes",
        ResolvedType::Date => "date",
        ResolvedType::Timestamp => "timestamp",
        ResolvedType::Duration => "duration",
        ResolvedType::Decimal => "decimal",
        ResolvedType::Array(_) => "array",
        ResolvedType::List(_) => "list",
        ResolvedType::Set(_) => "set",
        ResolvedType::Map(..) => "map",
        ResolvedType::Message(_) => "message",
        ResolvedType::Enum(_) => "enum",
        ResolvedType::Union(_) => "union",
        ResolvedType::Any => "any",
    }
}

/// Builds a message value from canonical JSON.
pub fn from_json(reg: &Registry, ty: TypeIdx, j: &Json) -> Result<Value, JsonError> {
    json_to_value(reg, &user_type(reg, ty), j, "")
}

fn json_to_value(
    reg: &Registry,
    ty: &ResolvedType,
    j: &Json,
    path: &str,
) -> Result<Value, JsonError> {
    if j.is_null() {
        return Ok(Value::Null);
    }
    if !is_composite(ty) {
        return match Scalar::of_json(j) {
            Some(s) => scalar_value(reg, ty, s).or_else(|p| fail(path, p)),
            None => fail(path, expected(ty)),
        };
    }
    Ok(match (ty, j) {
        (ResolvedType::Duration, Json::Object(o)) => {
            let (Some(s), Some(n)) = (o.get("seconds"), o.get("nanos")) else {
                return fail(path, expected(ty));
            };
            let scalar = |x| Scalar::of_json(x).map_or_else(|| fail(path, expected(ty)), Ok);
            duration_of(scalar(s)?, scalar(n)?).or_else(|p| fail(path, p))?
        }
        (ResolvedType::Array(e), Json::Array(items)) => {
            let et = array_elem_type(*e);
            let mut out = Vec::with_capacity(items.len());
            for (i, x) in items.iter().enumerate() {
                let p = format!("{path}[{i}]");
                match Scalar::of_json(x) {
                    Some(s) => out.push(scalar_value(reg, &et, s).or_else(|x| fail(&p, x))?),
                    None => return fail(&p, expected(&et)),
                }
            }
            dense_array(*e, out).or_else(|p| fail(path, p))?
        }
        (ResolvedType::Union(t), Json::Object(o)) if o.len() == 1 => {
            let Some((name, inner)) = o.iter().next() else { return fail(path, expected(ty)) };
            let case = union_case(reg, *t, name).or_else(|p| fail(path, p))?;
            let value = json_to_value(reg, &case.ty, inner, &format!("{path}.{name}"))?;
            Value::Union(Box::new(foryjit_wire::UnionValue { ty: *t, case: case.id, value }))
        }
        (ResolvedType::List(e) | ResolvedType::Set(e), Json::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, it) in items.iter().enumerate() {
                out.push(json_to_value(reg, &e.ty, it, &format!("{path}[{i}]"))?);
            }
            if matches!(ty, ResolvedType::Set(_)) {
                Value::Set(out.into())
            } else {
                Value::List(out.into())
            }
        }
        (ResolvedType::Map(k, v), Json::Object(m)) if k.ty == ResolvedType::String => {
            let mut out = Vec::with_capacity(m.len());
            for (key, vj) in m {
                out.push(MapEntry {
                    key: Value::string(key.clone()),
                    value: json_to_value(reg, &v.ty, vj, &join(path, key))?,
                });
            }
            Value::Map(out.into())
        }
        (ResolvedType::Map(k, v), Json::Array(pairs)) if k.ty != ResolvedType::String => {
            let mut out = Vec::with_capacity(pairs.len());
            for (i, p) in pairs.iter().enumerate() {
                let pp = format!("{path}{{#{i}}}");
                match p.as_array().map(Vec::as_slice) {
                    Some([kj, vj]) => out.push(MapEntry {
                        key: json_to_value(reg, &k.ty, kj, &pp)?,
                        value: json_to_value(reg, &v.ty, vj, &pp)?,
                    }),
                    _ => return fail(&pp, JsonProblem::Expected("[key, value]")),
                }
            }
            Value::Map(out.into())
        }
        (ResolvedType::Message(t), Json::Object(obj)) => {
            let Some(m) = reg.message(*t) else {
                return fail(path, JsonProblem::Expected("registered message"));
            };
            let mut slots: Vec<Option<Value>> = vec![None; m.fields.len()];
            for key in obj.keys() {
                field_of(m, key).or_else(|p| fail(path, p))?;
            }
            for (ord, f) in m.fields.iter().enumerate() {
                if let Some(fj) = obj.get(&f.name) {
                    slots[ord] = Some(json_to_value(reg, &f.ty, fj, &join(path, &f.name))?);
                }
            }
            finish_struct(m, slots).or_else(|p| fail(path, p))?
        }
        (ResolvedType::Any, Json::Object(o)) if o.len() == 1 => {
            let Some((name, inner)) = o.iter().next() else { return fail(path, expected(ty)) };
            let t = any_type(reg, name).or_else(|p| fail(path, p))?;
            json_to_value(reg, &t, inner, &format!("{path}<{name}>"))?
        }
        (t, _) => return fail(path, expected(t)),
    })
}

// Civil-date conversions (days since 1970-01-01 <-> proleptic Gregorian y-m-d).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub(crate) fn format_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

pub(crate) fn parse_date(s: &str) -> Option<i64> {
    let mut it = s.splitn(3, '-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, m, d);
    (civil_from_days(days) == (y, m, d)).then_some(days)
}

pub(crate) fn format_timestamp(t: Timestamp) -> String {
    let days = t.seconds.div_euclid(86400);
    let secs = t.seconds.rem_euclid(86400);
    format!(
        "{}T{:02}:{:02}:{:02}.{:09}Z",
        format_date(days),
        secs / 3600,
        (secs / 60) % 60,
        secs % 60,
        t.nanos
    )
}

pub(crate) fn parse_timestamp(s: &str) -> Option<Timestamp> {
    let s = s.strip_suffix('Z')?;
    let (date, time) = s.split_once('T')?;
    let days = parse_date(date)?;
    let (hms, frac) = match time.split_once('.') {
        Some((a, b)) => (a, b),
        None => (time, ""),
    };
    let mut it = hms.splitn(3, ':');
    let (h, mi, se): (i64, i64, i64) =
        (it.next()?.parse().ok()?, it.next()?.parse().ok()?, it.next()?.parse().ok()?);
    if !(0..24).contains(&h) || !(0..60).contains(&mi) || !(0..60).contains(&se) || frac.len() > 9 {
        return None;
    }
    let nanos = if frac.is_empty() {
        0
    } else {
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        frac.parse::<u32>().ok()? * 10u32.pow(9 - frac.len() as u32)
    };
    Some(Timestamp { seconds: days * 86400 + h * 3600 + mi * 60 + se, nanos })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(parse_date("2024-01-02"), Some(19724));
        assert_eq!(format_date(-1), "1969-12-31");
        assert_eq!(parse_date("2023-02-29"), None);
        let t = parse_timestamp("1969-12-31T23:59:59.5Z").unwrap();
        assert_eq!((t.seconds, t.nanos), (-1, 500_000_000));
        assert_eq!(format_timestamp(t), "1969-12-31T23:59:59.500000000Z");
    }

    #[test]
    fn floats_print_shortest_at_width() {
        assert_eq!(f32_canon(12.345f32).to_json(), serde_json::json!(12.345));
        let h = f16::from_f32(0.1);
        let s = shortest_half(h.to_f32(), |c| f16::from_f32(c).to_bits() == h.to_bits());
        assert_eq!(f16::from_f32(s.parse().unwrap()).to_bits(), h.to_bits());
        assert_eq!(f64_canon(f64::NAN).to_json(), Json::String("NaN".into()));
    }
}
