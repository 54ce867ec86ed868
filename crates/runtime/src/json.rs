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

fn fail<T>(path: &str, problem: JsonProblem) -> Result<T, JsonError> {
    Err(JsonError { path: if path.is_empty() { "<root>".into() } else { path.into() }, problem })
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

/// Shortest decimal text that reads back to the same value at width `bits`.
fn float_json(x: f64, text: impl Fn() -> String) -> Json {
    if x.is_nan() {
        Json::String("NaN".into())
    } else if x.is_infinite() {
        Json::String(if x > 0.0 { "Infinity" } else { "-Infinity" }.into())
    } else {
        let t = text();
        t.parse::<f64>().ok().and_then(Number::from_f64).map(Json::Number).unwrap_or(Json::Null)
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

/// Converts a message value to canonical JSON.
pub fn to_json(reg: &Registry, ty: TypeIdx, v: &Value) -> Result<Json, JsonError> {
    value_to_json(reg, &user_type(reg, ty), v, "")
}

/// The resolved type of registered type `ty` (a message, an enum or a union).
fn user_type(reg: &Registry, ty: TypeIdx) -> ResolvedType {
    match reg.get(ty).map(|t| &**t) {
        Some(foryjit_schema::TypeInfo::Enum(_)) => ResolvedType::Enum(ty),
        Some(foryjit_schema::TypeInfo::Union(_)) => ResolvedType::Union(ty),
        _ => ResolvedType::Message(ty),
    }
}

fn mismatch<T>(path: &str, expected: &'static str, v: &Value) -> Result<T, JsonError> {
    fail(path, JsonProblem::ValueMismatch { expected, found: v.kind_name() })
}

fn value_to_json(
    reg: &Registry,
    ty: &ResolvedType,
    v: &Value,
    path: &str,
) -> Result<Json, JsonError> {
    if v.is_null() {
        return Ok(Json::Null);
    }
    Ok(match (ty, v) {
        (ResolvedType::Bool, Value::Bool(b)) => Json::Bool(*b),
        (ResolvedType::Int8, Value::Int8(x)) => Json::from(*x),
        (ResolvedType::Int16, Value::Int16(x)) => Json::from(*x),
        (ResolvedType::Int32(_), Value::Int32(x)) => Json::from(*x),
        (ResolvedType::Int64(_), Value::Int64(x)) => Json::from(*x),
        (ResolvedType::UInt8, Value::UInt8(x)) => Json::from(*x),
        (ResolvedType::UInt16, Value::UInt16(x)) => Json::from(*x),
        (ResolvedType::UInt32(_), Value::UInt32(x)) => Json::from(*x),
        (ResolvedType::UInt64(_), Value::UInt64(x)) => Json::from(*x),
        (ResolvedType::Float16, Value::Float16(x)) => float_json(x.to_f64(), || {
            shortest_half(x.to_f32(), |c| f16::from_f32(c).to_bits() == x.to_bits())
        }),
        (ResolvedType::BFloat16, Value::BFloat16(x)) => float_json(x.to_f64(), || {
            shortest_half(x.to_f32(), |c| bf16::from_f32(c).to_bits() == x.to_bits())
        }),
        (ResolvedType::Float32, Value::Float32(x)) => float_json(*x as f64, || format!("{x:?}")),
        (ResolvedType::Float64, Value::Float64(x)) => float_json(*x, || format!("{x:?}")),
        (ResolvedType::String, Value::String(s)) => Json::String(s.as_str().to_owned()),
        (ResolvedType::Binary, Value::Binary(b)) => {
            Json::String(base64::engine::general_purpose::STANDARD.encode(b.as_slice()))
        }
        (ResolvedType::Date, Value::Date(d)) => Json::String(format_date(*d as i64)),
        (ResolvedType::Timestamp, Value::Timestamp(t)) => Json::String(format_timestamp(*t)),
        (ResolvedType::Duration, Value::Duration(d)) => {
            serde_json::json!({"seconds": d.seconds, "nanos": d.nanos})
        }
        (ResolvedType::Decimal, Value::Decimal(d)) => Json::String(d.to_string()),
        (ResolvedType::Array(e), v) => array_to_json(*e, v, path)?,
        (ResolvedType::Enum(t), Value::Enum(ev)) => {
            let name = reg.enumeration(*t).and_then(|e| e.member_by_value(ev.value));
            match name {
                Some(m) => Json::String(m.name.clone()),
                None => return fail(path, JsonProblem::UnknownEnumName(ev.value.to_string())),
            }
        }
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
                        other => return mismatch(&format!("{path}{{key #{i}}}"), "string", other),
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
            let Some(m) = reg.message(*t) else { return mismatch(path, "a registered message", v) };
            if s.ty != *t || s.fields.len() != m.fields.len() {
                return mismatch(path, "a struct of the declared type", v);
            }
            let mut out = Map::new();
            for (f, fv) in m.fields.iter().zip(s.fields.iter()) {
                out.insert(f.name.clone(), value_to_json(reg, &f.ty, fv, &join(path, &f.name))?);
            }
            Json::Object(out)
        }
        (ResolvedType::Any, v) => {
            let Some((name, ty)) = any_type_of(reg, v) else {
                return fail(path, JsonProblem::Unsupported("this value in an `any` position"));
            };
            let inner = value_to_json(reg, &ty, v, &format!("{path}<{name}>"))?;
            let mut obj = Map::new();
            obj.insert(name, inner);
            Json::Object(obj)
        }
        (t, v) => return mismatch(path, type_name(t), v),
    })
}

/// The built-in type called `name` in an `any` value's JSON (FDL's names; `list`, `set` and
/// `map` hold `any` elements, keys and values), or the registered message, enum or union of
/// that full name.
fn any_type_named(reg: &Registry, name: &str) -> Option<ResolvedType> {
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
fn any_type_of(reg: &Registry, v: &Value) -> Option<(String, ResolvedType)> {
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

fn type_name(t: &ResolvedType) -> &'static str {
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

fn array_to_json(e: ArrayElem, v: &Value, path: &str) -> Result<Json, JsonError> {
    fn nums<T: Copy>(a: &[T], f: impl Fn(T) -> Json) -> Json {
        Json::Array(a.iter().map(|&x| f(x)).collect())
    }
    Ok(match (e, v) {
        (ArrayElem::Bool, Value::BoolArray(a)) => nums(a, Json::Bool),
        (ArrayElem::Int8, Value::Int8Array(a)) => nums(a, Json::from),
        (ArrayElem::Int16, Value::Int16Array(a)) => nums(a, Json::from),
        (ArrayElem::Int32, Value::Int32Array(a)) => nums(a, Json::from),
        (ArrayElem::Int64, Value::Int64Array(a)) => nums(a, Json::from),
        (ArrayElem::UInt8, Value::UInt8Array(a)) => nums(a, Json::from),
        (ArrayElem::UInt16, Value::UInt16Array(a)) => nums(a, Json::from),
        (ArrayElem::UInt32, Value::UInt32Array(a)) => nums(a, Json::from),
        (ArrayElem::UInt64, Value::UInt64Array(a)) => nums(a, Json::from),
        (ArrayElem::Float16, Value::Float16Array(a)) => nums(a, |x| {
            float_json(x.to_f64(), || {
                shortest_half(x.to_f32(), |c| f16::from_f32(c).to_bits() == x.to_bits())
            })
        }),
        (ArrayElem::BFloat16, Value::BFloat16Array(a)) => nums(a, |x| {
            float_json(x.to_f64(), || {
                shortest_half(x.to_f32(), |c| bf16::from_f32(c).to_bits() == x.to_bits())
            })
        }),
        (ArrayElem::Float32, Value::Float32Array(a)) => {
            nums(a, |x| float_json(x as f64, || format!("{x:?}")))
        }
        (ArrayElem::Float64, Value::Float64Array(a)) => {
            nums(a, |x| float_json(x, || format!("{x:?}")))
        }
        (_, v) => return mismatch(path, "array", v),
    })
}

/// Builds a message value from canonical JSON.
pub fn from_json(reg: &Registry, ty: TypeIdx, j: &Json) -> Result<Value, JsonError> {
    json_to_value(reg, &user_type(reg, ty), j, "")
}

fn int_of(j: &Json, path: &str, name: &'static str) -> Result<i128, JsonError> {
    if let Some(x) = j.as_i64() {
        return Ok(x as i128);
    }
    if let Some(x) = j.as_u64() {
        return Ok(x as i128);
    }
    fail(path, JsonProblem::Expected(name))
}

fn ranged<T: TryFrom<i128>>(j: &Json, path: &str, name: &'static str) -> Result<T, JsonError> {
    let x = int_of(j, path, name)?;
    T::try_from(x).or_else(|_| fail(path, JsonProblem::OutOfRange(name)))
}

fn float_of(j: &Json, path: &str) -> Result<f64, JsonError> {
    match j {
        Json::Number(n) => {
            n.as_f64().map_or_else(|| fail(path, JsonProblem::Expected("number")), Ok)
        }
        Json::String(s) if s == "NaN" => Ok(f64::NAN),
        Json::String(s) if s == "Infinity" => Ok(f64::INFINITY),
        Json::String(s) if s == "-Infinity" => Ok(f64::NEG_INFINITY),
        _ => fail(path, JsonProblem::Expected("number")),
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

/// f32 from the JSON text, rounded once (not via f64 twice).
fn f32_of(j: &Json, path: &str) -> Result<f32, JsonError> {
    if let Json::Number(n) = j {
        if let Ok(x) = n.to_string().parse::<f32>() {
            return Ok(x);
        }
    }
    Ok(float_of(j, path)? as f32)
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
    Ok(match ty {
        ResolvedType::Bool => {
            Value::Bool(j.as_bool().map_or_else(|| fail(path, JsonProblem::Expected("bool")), Ok)?)
        }
        ResolvedType::Int8 => Value::Int8(ranged(j, path, "int8")?),
        ResolvedType::Int16 => Value::Int16(ranged(j, path, "int16")?),
        ResolvedType::Int32(_) => Value::Int32(ranged(j, path, "int32")?),
        ResolvedType::Int64(_) => Value::Int64(ranged(j, path, "int64")?),
        ResolvedType::UInt8 => Value::UInt8(ranged(j, path, "uint8")?),
        ResolvedType::UInt16 => Value::UInt16(ranged(j, path, "uint16")?),
        ResolvedType::UInt32(_) => Value::UInt32(ranged(j, path, "uint32")?),
        ResolvedType::UInt64(_) => Value::UInt64(ranged(j, path, "uint64")?),
        ResolvedType::Float16 => Value::Float16(f16_of(f32_of(j, path)?)),
        ResolvedType::BFloat16 => Value::BFloat16(bf16::from_f32(f32_of(j, path)?)),
        ResolvedType::Float32 => Value::Float32(f32_of(j, path)?),
        ResolvedType::Float64 => Value::Float64(float_of(j, path)?),
        ResolvedType::String => match j {
            Json::String(s) => Value::string(s.clone()),
            _ => return fail(path, JsonProblem::Expected("string")),
        },
        ResolvedType::Binary => match j {
            Json::String(s) => match base64::engine::general_purpose::STANDARD.decode(s) {
                Ok(b) => Value::Binary(b.into()),
                Err(_) => return fail(path, JsonProblem::Expected("base64 text")),
            },
            _ => return fail(path, JsonProblem::Expected("base64 text")),
        },
        ResolvedType::Date => match j.as_str().and_then(parse_date) {
            Some(d) => Value::Date(
                i32::try_from(d).or_else(|_| fail(path, JsonProblem::OutOfRange("date")))?,
            ),
            None => return fail(path, JsonProblem::Expected("a date YYYY-MM-DD")),
        },
        ResolvedType::Timestamp => match j.as_str().and_then(parse_timestamp) {
            Some(t) => Value::Timestamp(t),
            None => return fail(path, JsonProblem::Expected("an RFC 3339 UTC timestamp")),
        },
        ResolvedType::Duration => {
            let (Some(s), Some(n)) = (j.get("seconds"), j.get("nanos")) else {
                return fail(path, JsonProblem::Expected("{seconds, nanos}"));
            };
            let nanos: i32 = ranged(n, path, "nanos")?;
            if !(0..1_000_000_000).contains(&nanos) {
                return fail(path, JsonProblem::OutOfRange("nanos"));
            }
            Value::Duration(Duration { seconds: ranged(s, path, "seconds")?, nanos })
        }
        ResolvedType::Decimal => match j.as_str().map(str::parse::<foryjit_wire::Decimal>) {
            Some(Ok(d)) => Value::Decimal(d),
            _ => return fail(path, JsonProblem::Expected("a decimal string such as \"3.14\"")),
        },
        ResolvedType::Array(e) => array_from_json(*e, j, path)?,
        ResolvedType::Enum(t) => {
            let Some(name) = j.as_str() else {
                return fail(path, JsonProblem::Expected("enum name"));
            };
            match reg.enumeration(*t).and_then(|e| e.member_by_name(name)) {
                Some(m) => Value::Enum(EnumValue { ty: *t, value: m.value }),
                None => return fail(path, JsonProblem::UnknownEnumName(name.to_owned())),
            }
        }
        ResolvedType::Union(t) => {
            let one = j.as_object().filter(|o| o.len() == 1).and_then(|o| o.iter().next());
            let Some((name, inner)) = one else {
                return fail(
                    path,
                    JsonProblem::Expected("an object with one case: {\"case\": value}"),
                );
            };
            let Some(case) = reg.union(*t).and_then(|u| u.case_by_name(name)) else {
                return fail(path, JsonProblem::UnknownUnionCase(name.clone()));
            };
            let value = json_to_value(reg, &case.ty, inner, &format!("{path}.{name}"))?;
            Value::Union(Box::new(foryjit_wire::UnionValue { ty: *t, case: case.id, value }))
        }
        ResolvedType::List(e) | ResolvedType::Set(e) => {
            let Some(items) = j.as_array() else {
                return fail(path, JsonProblem::Expected("array"));
            };
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
        ResolvedType::Map(k, v) => {
            let mut out = Vec::new();
            if k.ty == ResolvedType::String {
                let Some(m) = j.as_object() else {
                    return fail(path, JsonProblem::Expected("object"));
                };
                for (key, vj) in m {
                    out.push(MapEntry {
                        key: Value::string(key.clone()),
                        value: json_to_value(reg, &v.ty, vj, &join(path, key))?,
                    });
                }
            } else {
                let Some(pairs) = j.as_array() else {
                    return fail(path, JsonProblem::Expected("array of pairs"));
                };
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
            }
            Value::Map(out.into())
        }
        ResolvedType::Message(t) => {
            let Some(m) = reg.message(*t) else {
                return fail(path, JsonProblem::Expected("registered message"));
            };
            let Some(obj) = j.as_object() else {
                return fail(path, JsonProblem::Expected("object"));
            };
            for key in obj.keys() {
                if m.field_ordinal(key).is_none() {
                    return fail(path, JsonProblem::UnknownField(key.clone()));
                }
            }
            let mut fields = Vec::with_capacity(m.fields.len());
            for f in &m.fields {
                let p = join(path, &f.name);
                match obj.get(&f.name) {
                    Some(fj) if !fj.is_null() => fields.push(json_to_value(reg, &f.ty, fj, &p)?),
                    _ if f.nullable => fields.push(Value::Null),
                    _ => return fail(path, JsonProblem::MissingField(f.name.clone())),
                }
            }
            Value::Struct(StructValue::new(*t, fields))
        }
        ResolvedType::Any => {
            let Some((name, inner)) =
                j.as_object().filter(|o| o.len() == 1).and_then(|o| o.iter().next())
            else {
                return fail(path, JsonProblem::AnyShape);
            };
            let Some(ty) = any_type_named(reg, name) else {
                return fail(path, JsonProblem::UnknownAnyType(name.clone()));
            };
            json_to_value(reg, &ty, inner, &format!("{path}<{name}>"))?
        }
    })
}

fn array_from_json(e: ArrayElem, j: &Json, path: &str) -> Result<Value, JsonError> {
    let Some(items) = j.as_array() else { return fail(path, JsonProblem::Expected("array")) };
    fn each<T>(
        items: &[Json],
        path: &str,
        f: impl Fn(&Json, &str) -> Result<T, JsonError>,
    ) -> Result<Vec<T>, JsonError> {
        items.iter().enumerate().map(|(i, x)| f(x, &format!("{path}[{i}]"))).collect()
    }
    Ok(match e {
        ArrayElem::Bool => Value::BoolArray(
            each(items, path, |x, p| {
                x.as_bool().map_or_else(|| fail(p, JsonProblem::Expected("bool")), Ok)
            })?
            .into(),
        ),
        ArrayElem::Int8 => Value::Int8Array(each(items, path, |x, p| ranged(x, p, "int8"))?.into()),
        ArrayElem::Int16 => {
            Value::Int16Array(each(items, path, |x, p| ranged(x, p, "int16"))?.into())
        }
        ArrayElem::Int32 => {
            Value::Int32Array(each(items, path, |x, p| ranged(x, p, "int32"))?.into())
        }
        ArrayElem::Int64 => {
            Value::Int64Array(each(items, path, |x, p| ranged(x, p, "int64"))?.into())
        }
        ArrayElem::UInt8 => {
            Value::UInt8Array(each(items, path, |x, p| ranged(x, p, "uint8"))?.into())
        }
        ArrayElem::UInt16 => {
            Value::UInt16Array(each(items, path, |x, p| ranged(x, p, "uint16"))?.into())
        }
        ArrayElem::UInt32 => {
            Value::UInt32Array(each(items, path, |x, p| ranged(x, p, "uint32"))?.into())
        }
        ArrayElem::UInt64 => {
            Value::UInt64Array(each(items, path, |x, p| ranged(x, p, "uint64"))?.into())
        }
        ArrayElem::Float16 => {
            Value::Float16Array(each(items, path, |x, p| Ok(f16_of(f32_of(x, p)?)))?.into())
        }
        ArrayElem::BFloat16 => Value::BFloat16Array(
            each(items, path, |x, p| Ok(bf16::from_f32(f32_of(x, p)?)))?.into(),
        ),
        ArrayElem::Float32 => Value::Float32Array(each(items, path, f32_of)?.into()),
        ArrayElem::Float64 => Value::Float64Array(each(items, path, float_of)?.into()),
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

fn format_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

fn parse_date(s: &str) -> Option<i64> {
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

fn format_timestamp(t: Timestamp) -> String {
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

fn parse_timestamp(s: &str) -> Option<Timestamp> {
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
        assert_eq!(
            float_json(12.345f32 as f64, || format!("{:?}", 12.345f32)),
            serde_json::json!(12.345)
        );
        let h = f16::from_f32(0.1);
        let s = shortest_half(h.to_f32(), |c| f16::from_f32(c).to_bits() == h.to_bits());
        assert_eq!(f16::from_f32(s.parse().unwrap()).to_bits(), h.to_bits());
        assert_eq!(float_json(f64::NAN, String::new), Json::String("NaN".into()));
    }
}
