//! The shapes for `apache-avro`'s generic `Value`: one Avro JSON schema per shape, written by
//! hand, and a schema-driven conversion from the shape JSON.
//!
//! Type mapping from `shapes.fdl`: `int32` → `int`, `int64` → `long`, `float32` → `float`,
//! `float64` → `double`, `bool` → `boolean`, `string` → `string`, `array<T>` and `list<T>` →
//! `array`, enums → Avro `enum` with the FDL member names as symbols, and the message-typed field
//! `Media media` → the union `["null", Media]`. Every named type is defined once per schema (no
//! references by name).

use apache_avro::schema::Schema;
use apache_avro::types::Value;
use serde_json::Value as Json;

const NUMERIC_STRUCT: &str = r#"{"type": "record", "name": "NumericStruct", "namespace": "bench",
  "fields": [
    {"name": "f1", "type": "int"}, {"name": "f2", "type": "int"}, {"name": "f3", "type": "int"},
    {"name": "f4", "type": "int"}, {"name": "f5", "type": "int"}, {"name": "f6", "type": "int"},
    {"name": "f7", "type": "int"}, {"name": "f8", "type": "int"}, {"name": "f9", "type": "int"},
    {"name": "f10", "type": "int"}, {"name": "f11", "type": "int"}, {"name": "f12", "type": "int"}
  ]}"#;

const SAMPLE: &str = r#"{"type": "record", "name": "Sample", "namespace": "bench",
  "fields": [
    {"name": "int_value", "type": "int"},
    {"name": "long_value", "type": "long"},
    {"name": "float_value", "type": "float"},
    {"name": "double_value", "type": "double"},
    {"name": "short_value", "type": "int"},
    {"name": "char_value", "type": "int"},
    {"name": "boolean_value", "type": "boolean"},
    {"name": "int_value_boxed", "type": "int"},
    {"name": "long_value_boxed", "type": "long"},
    {"name": "float_value_boxed", "type": "float"},
    {"name": "double_value_boxed", "type": "double"},
    {"name": "short_value_boxed", "type": "int"},
    {"name": "char_value_boxed", "type": "int"},
    {"name": "boolean_value_boxed", "type": "boolean"},
    {"name": "int_array", "type": {"type": "array", "items": "int"}},
    {"name": "long_array", "type": {"type": "array", "items": "long"}},
    {"name": "float_array", "type": {"type": "array", "items": "float"}},
    {"name": "double_array", "type": {"type": "array", "items": "double"}},
    {"name": "short_array", "type": {"type": "array", "items": "int"}},
    {"name": "char_array", "type": {"type": "array", "items": "int"}},
    {"name": "boolean_array", "type": {"type": "array", "items": "boolean"}},
    {"name": "string", "type": "string"}
  ]}"#;

const MEDIA: &str = r#"{"type": "record", "name": "Media", "namespace": "bench",
  "fields": [
    {"name": "uri", "type": "string"},
    {"name": "title", "type": "string"},
    {"name": "width", "type": "int"},
    {"name": "height", "type": "int"},
    {"name": "format", "type": "string"},
    {"name": "duration", "type": "long"},
    {"name": "size", "type": "long"},
    {"name": "bitrate", "type": "int"},
    {"name": "has_bitrate", "type": "boolean"},
    {"name": "persons", "type": {"type": "array", "items": "string"}},
    {"name": "player", "type": {"type": "enum", "name": "Player", "symbols": ["JAVA", "FLASH"]}},
    {"name": "copyright", "type": "string"}
  ]}"#;

const IMAGE: &str = r#"{"type": "record", "name": "Image", "namespace": "bench",
  "fields": [
    {"name": "uri", "type": "string"},
    {"name": "title", "type": "string"},
    {"name": "width", "type": "int"},
    {"name": "height", "type": "int"},
    {"name": "size", "type": {"type": "enum", "name": "Size", "symbols": ["SMALL", "LARGE"]}}
  ]}"#;

fn media_content() -> String {
    format!(
        r#"{{"type": "record", "name": "MediaContent", "namespace": "bench",
  "fields": [
    {{"name": "media", "type": ["null", {MEDIA}]}},
    {{"name": "images", "type": {{"type": "array", "items": {IMAGE}}}}}
  ]}}"#
    )
}

fn list_of(name: &str, field: &str, item: &str) -> String {
    format!(
        r#"{{"type": "record", "name": "{name}", "namespace": "bench",
  "fields": [{{"name": "{field}", "type": {{"type": "array", "items": {item}}}}}]}}"#
    )
}

/// The Avro schema (JSON text) of shape `name`.
pub fn schema_text(name: &str) -> String {
    match name {
        "NumericStruct" => NUMERIC_STRUCT.to_owned(),
        "Sample" => SAMPLE.to_owned(),
        "MediaContent" => media_content(),
        "NumericStructList" => list_of(name, "struct_list", NUMERIC_STRUCT),
        "SampleList" => list_of(name, "sample_list", SAMPLE),
        "MediaContentList" => list_of(name, "media_content_list", &media_content()),
        other => panic!("no Avro schema for shape {other}"),
    }
}

/// The parsed Avro schema of shape `name`.
pub fn schema(name: &str) -> Schema {
    Schema::parse_str(&schema_text(name))
        .unwrap_or_else(|e| panic!("Avro schema of {name} parses: {e}"))
}

/// Converts shape JSON into an Avro `Value` of `schema` (panics on JSON that does not fit: the
/// inputs are fixed files).
pub fn value_from_json(schema: &Schema, json: &Json) -> Value {
    let int = || json.as_i64().unwrap_or_else(|| panic!("not an integer: {json}"));
    let float = || json.as_f64().unwrap_or_else(|| panic!("not a number: {json}"));
    match schema {
        Schema::Null => Value::Null,
        Schema::Boolean => Value::Boolean(json.as_bool().unwrap_or_else(|| panic!("{json}"))),
        Schema::Int => Value::Int(i32::try_from(int()).unwrap_or_else(|_| panic!("{json}"))),
        Schema::Long => Value::Long(int()),
        // Canonical JSON writes float32 as the nearest decimal; rounding the f64 back is exact.
        Schema::Float => Value::Float(float() as f32),
        Schema::Double => Value::Double(float()),
        Schema::String => {
            Value::String(json.as_str().unwrap_or_else(|| panic!("not a string: {json}")).into())
        }
        Schema::Array(a) => Value::Array(
            json.as_array()
                .unwrap_or_else(|| panic!("not a list: {json}"))
                .iter()
                .map(|e| value_from_json(&a.items, e))
                .collect(),
        ),
        Schema::Enum(e) => {
            let name = json.as_str().unwrap_or_else(|| panic!("enum not by name: {json}"));
            let index = e
                .symbols
                .iter()
                .position(|s| s == name)
                .unwrap_or_else(|| panic!("unknown symbol {name}"));
            Value::Enum(index as u32, name.to_owned())
        }
        Schema::Union(u) => {
            let pick = |want_null: bool| {
                u.variants()
                    .iter()
                    .position(|v| matches!(v, Schema::Null) == want_null)
                    .unwrap_or_else(|| panic!("union without a fitting branch for {json}"))
            };
            let branch = pick(json.is_null());
            Value::Union(branch as u32, Box::new(value_from_json(&u.variants()[branch], json)))
        }
        Schema::Record(r) => Value::Record(
            r.fields
                .iter()
                .map(|f| {
                    let v = json.get(&f.name).unwrap_or_else(|| panic!("missing field {}", f.name));
                    (f.name.clone(), value_from_json(&f.schema, v))
                })
                .collect(),
        ),
        other => panic!("Avro schema kind not used by the shapes: {other:?}"),
    }
}
