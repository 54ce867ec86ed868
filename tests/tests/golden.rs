//! Golden-vector conformance: every case of `tests/golden/vectors.json` (bytes written by
//! pyfory 1.7.7, see `tests/golden/README.md`) must
//!
//! 1. deserialize into a [`Value`] with the engine configured from the case's `config`,
//! 2. serialize back (with [`StringPolicy::PyforyLike`]) to exactly the same bytes, and
//! 3. where this file has an expectation for the case (table in [`expectation`], written from the
//!    case's `python_value_repr`), decode to that value (compared with [`Value::bit_eq`]).
//!
//! Cases the engine cannot handle yet are listed in `tests/golden/known_failures.txt`. The test
//! fails when a case that is not listed fails, when a listed case passes (so the list stays
//! honest), and when the list names a case that does not exist.
//!
//! Engine configuration per case:
//! * `compatible=false` → same-schema mode.
//! * `compatible=true` but no struct or named type in the schema (root scalars, strings, lists,
//!   maps, arrays, time values, enums registered by id): the payload has no TypeDef, so the bytes
//!   are those of same-schema mode and the case runs in same-schema mode.
//! * `compatible=true` with a struct or a type registered by name: compatible mode.
//! * `ref=true`: the payload is read with `deserialize_graph` (shared and cyclic values become
//!   graph nodes) and written back with `serialize_graph`; the bytes must be identical.
//! * The `plain` schema (a hand-written pyfory dataclass, registered by name, whose fields have no
//!   tag ids) is loaded from its FDL description with the tags removed and the package/name
//!   registration that the description states.
//!
//! Run one case with details: `GOLDEN_CASE=point_sc cargo test -p foryjit-tests --test golden -- --nocapture`.

use foryjit::schema::{Registration, SchemaDesc, TypeDesc};
use foryjit::{bf16, f16, Duration, ForyJit, SchemaHandle, StringPolicy, Timestamp, Value};
use foryjit_tests::{hex, unhex};
use serde_json::{json, Value as Json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

// ---------------------------------------------------------------------------------------------
// Loading the vectors and the known-failure list

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("golden")
}

/// One golden case, as read from `vectors.json`.
#[derive(Debug)]
struct Case {
    name: String,
    fdl: Option<String>,
    xlang: bool,
    ref_tracking: bool,
    compatible: bool,
    python_value_repr: String,
    hex: String,
}

struct Vectors {
    cases: Vec<Case>,
    /// The FDL text of the `plain` schema (fields identified by name, registered by name).
    plain_fdl: Option<String>,
}

fn load_vectors() -> Vectors {
    let path = golden_dir().join("vectors.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let doc: Json = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    let plain_fdl = doc.pointer("/schemas/plain").and_then(Json::as_str).map(str::to_owned);
    let raw = doc["cases"].as_array().expect("vectors.json: `cases` must be an array");
    let mut cases = Vec::with_capacity(raw.len());
    for (i, c) in raw.iter().enumerate() {
        let field = |k: &str| -> &str {
            c[k].as_str()
                .unwrap_or_else(|| panic!("vectors.json case #{i}: `{k}` must be a string"))
        };
        let flag = |k: &str| -> bool {
            c["config"][k]
                .as_bool()
                .unwrap_or_else(|| panic!("vectors.json case #{i}: `config.{k}` must be a bool"))
        };
        cases.push(Case {
            name: field("name").to_owned(),
            fdl: c["fdl"].as_str().map(str::to_owned),
            xlang: flag("xlang"),
            ref_tracking: flag("ref"),
            compatible: flag("compatible"),
            python_value_repr: field("python_value_repr").to_owned(),
            hex: field("hex").to_owned(),
        });
    }
    Vectors { cases, plain_fdl }
}

/// `case_name  # reason` lines; blank lines and lines starting with `#` are ignored.
fn load_known_failures() -> BTreeMap<String, String> {
    let path = golden_dir().join("known_failures.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, reason) = match line.split_once('#') {
            Some((name, reason)) => (name.trim(), reason.trim()),
            None => (line, ""),
        };
        assert!(
            !name.is_empty() && !name.contains(char::is_whitespace),
            "known_failures.txt:{}: expected `case_name  # reason`, got {line:?}",
            n + 1
        );
        assert!(!reason.is_empty(), "known_failures.txt:{}: {name} has no reason", n + 1);
        assert!(
            out.insert(name.to_owned(), reason.to_owned()).is_none(),
            "known_failures.txt:{}: {name} is listed twice",
            n + 1
        );
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Engine configuration

/// Which engine mode a case runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RunMode {
    SameSchema,
    Compatible,
}

/// Parses the case's FDL. The `plain` schema describes a dataclass without field ids that is
/// registered by name: its tags are dropped and its types registered as `package.Name`.
fn schema_desc(fdl: &str, name_keyed: bool) -> Result<SchemaDesc, String> {
    let mut desc = SchemaDesc::from_idl(fdl).map_err(|e| format!("FDL does not load: {e}"))?;
    if name_keyed {
        let package = desc.package.clone();
        for t in &mut desc.types {
            let TypeDesc::Message(m) = t else { continue };
            let simple = m.full_name.rsplit('.').next().unwrap_or_default().to_owned();
            m.registration = Registration::Named { namespace: package.clone(), name: simple };
            for f in &mut m.fields {
                f.tag = None;
            }
        }
    }
    Ok(desc)
}

/// In compatible mode, a payload carries a TypeDef for every struct and for every type registered
/// by name. Without such types its bytes are those of same-schema mode.
fn run_mode(case: &Case, desc: Option<&Result<SchemaDesc, String>>) -> RunMode {
    if !case.compatible {
        return RunMode::SameSchema;
    }
    let needs_typedef = match desc {
        None => false,
        Some(Ok(d)) => d.types.iter().any(|t| {
            matches!(t, TypeDesc::Message(_))
                || matches!(t.registration(), Registration::Named { .. })
        }),
        // The schema does not load (e.g. a union): decide from the text.
        Some(Err(_)) => case.fdl.as_deref().is_some_and(|f| {
            f.lines().any(|l| {
                let l = l.trim_start();
                l.starts_with("message ") || l.starts_with("union ")
            })
        }),
    };
    if needs_typedef {
        RunMode::Compatible
    } else {
        RunMode::SameSchema
    }
}

// ---------------------------------------------------------------------------------------------
// Expected values, written from each case's `python_value_repr`

/// What a case must decode to.
enum Expect {
    /// A root value without user types.
    Value(Value),
    /// A root message: its type's (simple or full) name and its canonical JSON, turned into the
    /// expected [`Value`] by `from_json`.
    Message(&'static str, Json),
    /// A root enum: its type's name and the member's wire value.
    Enum(&'static str, u32),
}

fn int(x: i64) -> Value {
    Value::Int64(x)
}
fn st(s: &str) -> Value {
    Value::string(s)
}
fn bin(b: &[u8]) -> Value {
    Value::Binary(b.to_vec().into())
}
fn list(items: Vec<Value>) -> Value {
    Value::list(items)
}

fn allprims_zero() -> Json {
    json!({"b": false, "i8": 0, "i16": 0, "i32": 0, "fi32": 0, "i64": 0, "fi64": 0, "ti64": 0,
           "u8": 0, "u16": 0, "u32": 0, "fu32": 0, "u64": 0, "fu64": 0, "tu64": 0,
           "f16": 0.0, "bf16": 0.0, "f32": 0.0, "f64": 0.0})
}

fn with(mut base: Json, changes: Json) -> Json {
    for (k, v) in changes.as_object().expect("changes must be an object") {
        assert!(base.get(k).is_some(), "no field {k} to change");
        base[k] = v.clone();
    }
    base
}

fn collections_json() -> Json {
    json!({"ints": [1, -1], "strs": ["a"], "maybe_strs": ["x", null], "counts": {"k": 5},
           "names": [[7, "seven"]], "points": [{"x": 1, "y": 2}], "point_map": {"p": {"x": 3, "y": 4}}})
}

fn team_json() -> Json {
    json!({"lead": {"name": "a", "age": 1, "level": "LOW"},
           "members": [{"name": "b", "age": 2, "level": "HIGH"}]})
}

/// The expected decoded value of a case, when this table has one. Cases without an entry (refs,
/// unions, decimals, `any`) are checked by the byte round trip alone.
fn expectation(name: &str) -> Option<Expect> {
    use Expect::{Enum, Message};
    let v = |x: Value| Some(Expect::Value(x));
    match name {
        // root scalars
        "null" => v(Value::Null),
        "bool_true" => v(Value::Bool(true)),
        "int_0" => v(int(0)),
        "int_neg1" => v(int(-1)),
        "int_64" => v(int(64)),
        "int64_min" => v(int(i64::MIN)),
        "int64_max" => v(int(i64::MAX)),
        "float64_1_5" => v(Value::Float64(1.5)),
        "float64_nan" => v(Value::Float64(f64::from_bits(0x7ff8_0000_0000_0000))),
        "float64_neg_inf" => v(Value::Float64(f64::NEG_INFINITY)),
        "str_empty" => v(st("")),
        "str_ascii" => v(st("hello")),
        "str_latin1" => v(st("café")),
        "str_utf16" => v(st("中文")),
        "str_emoji" => v(st("a😀")),
        "str_long_ascii" => v(st(&"x".repeat(40))),
        "binary_empty" => v(bin(b"")),
        "binary" => v(bin(b"\x00\x01\xff")),
        // collections
        "list_ints" => v(list(vec![int(1), int(2), int(3)])),
        "list_empty" => v(list(vec![])),
        "list_strs" => v(list(vec![st("a"), st("b")])),
        "list_any_mixed" => {
            v(list(vec![int(1), st("a"), Value::Float64(2.5), Value::Bool(true), bin(b"x")]))
        }
        "list_with_nulls" => v(list(vec![int(1), Value::Null, int(3)])),
        "list_mixed_with_null" => v(list(vec![int(1), st("a"), Value::Null])),
        "list_all_null" => v(list(vec![Value::Null, Value::Null])),
        "set_ints" => v(Value::Set(vec![int(1), int(2), int(3)].into())),
        "map_str_int" => v(Value::map(vec![(st("a"), int(1)), (st("b"), int(2))])),
        "map_empty" => v(Value::map(vec![])),
        "map_mixed" => v(Value::map(vec![
            (st("a"), int(1)),
            (int(2), st("b")),
            (st("c"), Value::Null),
            (Value::Null, int(5)),
        ])),
        "nested_list_map" => v(list(vec![
            list(vec![int(1), int(2)]),
            Value::map(vec![(st("k"), list(vec![int(3)]))]),
        ])),
        // time
        "date" => v(Value::Date(19724)),
        "date_pre_epoch" => v(Value::Date(-1)),
        "timestamp" => {
            v(Value::Timestamp(Timestamp { seconds: 1_704_164_645, nanos: 123_456_000 }))
        }
        "timestamp_pre_epoch" => v(Value::Timestamp(Timestamp { seconds: -1, nanos: 500_000_000 })),
        "duration_neg_half_second" => {
            v(Value::Duration(Duration { seconds: -1, nanos: 500_000_000 }))
        }
        // dense arrays
        "array_int8" => v(Value::Int8Array(vec![1i8, -1].into())),
        "array_int32" => v(Value::Int32Array(vec![1i32, -2].into())),
        "array_uint8" => v(Value::UInt8Array(vec![1u8, 255].into())),
        "array_float32" => v(Value::Float32Array(vec![1.0f32, -0.5].into())),
        "array_bool" => v(Value::BoolArray(vec![true, false].into())),
        "array_float16" => v(Value::Float16Array(
            vec![f16::from_f32(1.0), f16::from_f32(-2.0), f16::from_f32(0.5)].into(),
        )),
        "array_bfloat16" => v(Value::BFloat16Array(
            vec![bf16::from_f32(1.0), bf16::from_f32(-2.0), bf16::from_f32(0.5)].into(),
        )),
        // structs and enums registered by id
        "point_sc" | "point_compat" => Some(Message("Point", json!({"x": 1, "y": -1}))),
        "autoid_sc" => Some(Message("AutoId", json!({"v": 1}))),
        "allprims_zero_sc" => Some(Message("AllPrims", allprims_zero())),
        "allprims_neg1_umax_sc" => Some(Message(
            "AllPrims",
            json!({"b": true, "i8": -1, "i16": -1, "i32": -1, "fi32": -1, "i64": -1, "fi64": -1,
                   "ti64": -1, "u8": 255, "u16": 65535, "u32": u32::MAX, "fu32": u32::MAX,
                   "u64": u64::MAX, "fu64": u64::MAX, "tu64": u64::MAX,
                   "f16": -1.0, "bf16": -1.0, "f32": -1.0, "f64": -1.0}),
        )),
        "allprims_min_max_sc" => Some(Message(
            "AllPrims",
            json!({"b": true, "i8": -128, "i16": 32767, "i32": i32::MIN, "fi32": i32::MAX,
                   "i64": i64::MIN, "fi64": i64::MAX, "ti64": 1i64 << 30, "u8": 128, "u16": 256,
                   "u32": 1u32 << 31, "fu32": 1, "u64": 1u64 << 63, "fu64": 1u64 << 63,
                   "tu64": 1u64 << 31, "f16": 65504.0, "bf16": 1.5, "f32": 3.4028234663852886e38,
                   "f64": 5e-324}),
        )),
        "allprims_tagged_small_compat" => Some(Message(
            "AllPrims",
            with(
                allprims_zero(),
                json!({"ti64": -(1i64 << 30), "tu64": (1u64 << 31) - 1, "i32": 64, "u32": 128,
                       "i64": -65, "u64": 1u64 << 56, "f16": 0.1, "bf16": 0.1}),
            ),
        )),
        "line_sc" => Some(Message("Line", json!({"a": {"x": 1, "y": 2}, "b": null, "label": "l"}))),
        "line_compat" => Some(Message(
            "Line",
            json!({"a": {"x": 1, "y": 2}, "b": {"x": 3, "y": 4}, "label": "l"}),
        )),
        "optionals_null_sc" => Some(Message(
            "Optionals",
            json!({"oi": null, "os": null, "of": null, "ol": null, "op": null, "req": 7}),
        )),
        "optionals_set_sc" | "optionals_set_compat" => Some(Message(
            "Optionals",
            json!({"oi": -2, "os": "x", "of": 0.5, "ol": [1], "op": {"x": 0, "y": 0}, "req": 0}),
        )),
        "collections_sc" | "collections_compat" => Some(Message("Collections", collections_json())),
        "arrays_sc" => Some(Message(
            "Arrays",
            json!({"bools": [true], "i8s": [-1], "i16s": [2], "i32s": [3], "i64s": [4], "u8s": [5],
                   "u16s": [6], "u32s": [7], "u64s": [8], "f16s": [1.0], "bf16s": [1.0],
                   "f32s": [1.0], "f64s": [1.0]}),
        )),
        "withenum_sc" => Some(Message(
            "WithEnum",
            json!({"color": "BLUE", "maybe_color": null, "colors": ["RED", "GREEN"]}),
        )),
        "enum_root_by_id" => Some(Enum("Color", 2)),
        // types registered by name
        "named_user_sc" | "named_user_compat" => {
            Some(Message("User", json!({"name": "Bob", "age": 3, "level": "HIGH"})))
        }
        "named_team_sc" | "named_team_compat" => Some(Message("Team", team_json())),
        "named_enum_sc" | "named_enum_compat" => Some(Enum("Level", 1)),
        "plain_fields_by_name_sc" | "plain_fields_by_name_compat" => Some(Message(
            "Person",
            json!({"name": "Al", "age": 5, "nick_name": "x", "score_2": 1.0}),
        )),
        _ => None,
    }
}

/// Every case name [`expectation`] knows (checked against the vectors so typos cannot hide).
const EXPECTED_CASES: &[&str] = &[
    "null",
    "bool_true",
    "int_0",
    "int_neg1",
    "int_64",
    "int64_min",
    "int64_max",
    "float64_1_5",
    "float64_nan",
    "float64_neg_inf",
    "str_empty",
    "str_ascii",
    "str_latin1",
    "str_utf16",
    "str_emoji",
    "str_long_ascii",
    "binary_empty",
    "binary",
    "list_ints",
    "list_empty",
    "list_strs",
    "list_any_mixed",
    "list_with_nulls",
    "list_mixed_with_null",
    "list_all_null",
    "set_ints",
    "map_str_int",
    "map_empty",
    "map_mixed",
    "nested_list_map",
    "date",
    "date_pre_epoch",
    "timestamp",
    "timestamp_pre_epoch",
    "duration_neg_half_second",
    "array_int8",
    "array_int32",
    "array_uint8",
    "array_float32",
    "array_bool",
    "array_float16",
    "array_bfloat16",
    "point_sc",
    "point_compat",
    "autoid_sc",
    "allprims_zero_sc",
    "allprims_neg1_umax_sc",
    "allprims_min_max_sc",
    "allprims_tagged_small_compat",
    "line_sc",
    "line_compat",
    "optionals_null_sc",
    "optionals_set_sc",
    "optionals_set_compat",
    "collections_sc",
    "collections_compat",
    "arrays_sc",
    "withenum_sc",
    "enum_root_by_id",
    "named_user_sc",
    "named_user_compat",
    "named_team_sc",
    "named_team_compat",
    "named_enum_sc",
    "named_enum_compat",
    "plain_fields_by_name_sc",
    "plain_fields_by_name_compat",
];

fn expected_value(
    engine: &ForyJit,
    schema: Option<&SchemaHandle>,
    e: Expect,
) -> Result<Value, String> {
    let handle = |name: &str| {
        schema
            .and_then(|s| s.get(name))
            .ok_or_else(|| format!("expectation: the schema has no type {name}"))
    };
    match e {
        Expect::Value(v) => Ok(v),
        Expect::Message(name, j) => engine
            .from_json(handle(name)?, &j)
            .map_err(|err| format!("expectation: JSON for {name} does not load: {err}")),
        Expect::Enum(name, value) => {
            Ok(Value::Enum(foryjit::EnumValue { ty: handle(name)?.index(), value }))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Running one case

/// What happened to a case.
struct Outcome {
    mode: RunMode,
    /// `Ok(true)` passed with a value check, `Ok(false)` passed on bytes alone.
    result: Result<bool, String>,
}

fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()))
}

fn run_case(case: &Case, plain_fdl: Option<&str>) -> Outcome {
    let desc = case.fdl.as_deref().map(|f| schema_desc(f, Some(f) == plain_fdl));
    let mode = run_mode(case, desc.as_ref());
    Outcome { mode, result: run_case_in(case, desc, mode) }
}

fn run_case_in(
    case: &Case,
    desc: Option<Result<SchemaDesc, String>>,
    mode: RunMode,
) -> Result<bool, String> {
    if !case.xlang {
        return Err("not an xlang case".into());
    }
    let engine = ForyJit::builder()
        .string_policy(StringPolicy::PyforyLike)
        .compatible(mode == RunMode::Compatible)
        .track_ref(case.ref_tracking)
        .build();
    let schema = match desc {
        None => None,
        Some(d) => {
            Some(engine.register_schema(d?).map_err(|e| format!("schema does not register: {e}"))?)
        }
    };
    let bytes = unhex(&case.hex).ok_or("`hex` is not hex")?;
    if case.ref_tracking {
        // Reference tracking: read as a graph (shared and cyclic values stay shared) and write
        // the graph back.
        let graph =
            engine.deserialize_graph(&bytes).map_err(|e| format!("deserialize_graph: {e}"))?;
        let again = engine.serialize_graph(&graph).map_err(|e| format!("serialize_graph: {e}"))?;
        if again != bytes {
            return Err(format!(
                "re-serialized graph bytes differ at offset {}:\n      expected {}\n      actual   {}",
                first_difference(&bytes, &again),
                case.hex,
                hex(&again)
            ));
        }
        return Ok(false);
    }
    let value = engine.deserialize(&bytes).map_err(|e| format!("deserialize: {e}"))?;

    let mut problems = Vec::new();
    match engine.serialize(&value) {
        Ok(again) if again == bytes => {}
        Ok(again) => problems.push(format!(
            "re-serialized bytes differ at offset {}:\n      expected {}\n      actual   {}",
            first_difference(&bytes, &again),
            case.hex,
            hex(&again)
        )),
        Err(e) => problems.push(format!("serialize of the decoded value: {e}")),
    }
    let mut checked = false;
    if let Some(e) = expectation(&case.name) {
        match expected_value(&engine, schema.as_ref(), e) {
            Ok(want) if value.bit_eq(&want) => checked = true,
            Ok(want) => problems.push(format!(
                "decoded value differs from {}:\n      expected {want:?}\n      actual   {value:?}",
                case.python_value_repr
            )),
            Err(e) => problems.push(e),
        }
    }
    if problems.is_empty() {
        Ok(checked)
    } else {
        Err(problems.join("\n    "))
    }
}

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn golden_vectors() {
    let vectors = load_vectors();
    let known = load_known_failures();
    let only = std::env::var("GOLDEN_CASE").ok().filter(|s| !s.is_empty());

    let names: BTreeSet<&str> = vectors.cases.iter().map(|c| c.name.as_str()).collect();
    let mut errors = Vec::new();
    for name in known.keys() {
        if !names.contains(name.as_str()) {
            errors.push(format!("{name}: listed in known_failures.txt but not in vectors.json"));
        }
    }

    let (mut passed, mut value_checked, mut known_failed, mut ran) = (0, 0, 0, 0);
    for case in &vectors.cases {
        if only.as_deref().is_some_and(|o| o != case.name) {
            continue;
        }
        ran += 1;
        let out = run_case(case, vectors.plain_fdl.as_deref());
        let tag = format!(
            "{} [{:?}{}]",
            case.name,
            out.mode,
            if case.ref_tracking { ", ref" } else { "" }
        );
        match (&out.result, known.get(&case.name)) {
            (Ok(checked), None) => {
                passed += 1;
                value_checked += usize::from(*checked);
                if only.is_some() {
                    println!("PASS {tag}{}", if *checked { " (value checked)" } else { "" });
                }
            }
            (Ok(_), Some(reason)) => errors.push(format!(
                "{tag}: passes but is listed in known_failures.txt ({reason}); remove it from the list"
            )),
            (Err(e), Some(reason)) => {
                known_failed += 1;
                println!("known failure {tag}: {reason}\n    actual: {e}");
            }
            (Err(e), None) => errors.push(format!("{tag}: FAILED\n    {e}")),
        }
    }

    println!(
        "golden: {passed} passed ({value_checked} with a decoded-value check), {known_failed} known failures, {} of {ran} cases",
        passed + known_failed
    );
    assert!(errors.is_empty(), "{} golden problem(s):\n  {}", errors.len(), errors.join("\n  "));
    if only.is_some() {
        assert!(ran > 0, "GOLDEN_CASE names no case");
    }
}

#[test]
fn vectors_file_is_well_formed() {
    let vectors = load_vectors();
    let mut seen = BTreeSet::new();
    for c in &vectors.cases {
        assert!(seen.insert(c.name.as_str()), "case {} appears twice", c.name);
        assert!(c.hex.starts_with("01"), "{}: payload must start with the xlang header 01", c.name);
        assert!(unhex(&c.hex).is_some(), "{}: bad hex", c.name);
        assert!(!c.python_value_repr.is_empty(), "{}: empty python_value_repr", c.name);
    }
    assert!(vectors.plain_fdl.is_some(), "vectors.json has no schemas.plain");
    for name in EXPECTED_CASES {
        assert!(seen.contains(name), "expectation table names unknown case {name}");
        assert!(
            expectation(name).is_some(),
            "EXPECTED_CASES lists {name} but expectation() has no entry"
        );
    }
    for c in &vectors.cases {
        assert_eq!(
            expectation(&c.name).is_some(),
            EXPECTED_CASES.contains(&c.name.as_str()),
            "{}: expectation() and EXPECTED_CASES disagree",
            c.name
        );
    }
}

#[test]
fn mode_selection_follows_the_payload() {
    let vectors = load_vectors();
    let plain = vectors.plain_fdl.as_deref();
    let mode = |name: &str| {
        let c = vectors
            .cases
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no case {name}"));
        let desc = c.fdl.as_deref().map(|f| schema_desc(f, Some(f) == plain));
        run_mode(c, desc.as_ref())
    };
    for same in [
        "int_0",
        "str_utf16",
        "map_mixed",
        "array_bfloat16",
        "timestamp",
        "enum_root_by_id",
        "point_sc",
    ] {
        assert_eq!(mode(same), RunMode::SameSchema, "{same}");
    }
    for compat in
        ["point_compat", "named_enum_compat", "drawing_compat", "plain_fields_by_name_compat"]
    {
        assert_eq!(mode(compat), RunMode::Compatible, "{compat}");
    }
}

/// Unknown types (issue 5): a compatible-mode engine that registered **nothing** decodes every
/// compatible-mode golden struct payload to `Value::Unknown` values that keep the writer's
/// TypeDefs, and encodes them again to pyfory's exact bytes. Only payloads that also hold an
/// enum registered by id (which travels without a TypeDef, so nothing describes it) may fail,
/// and only with `UnregisteredType`.
#[test]
fn compatible_payloads_round_trip_without_their_schema() {
    let vectors = load_vectors();
    let known = load_known_failures();
    let engine = ForyJit::builder().string_policy(StringPolicy::PyforyLike).build();
    let (mut identical, mut refused) = (Vec::new(), Vec::new());
    for case in &vectors.cases {
        let has_typedef = case.hex.starts_with("01ff1c") || case.hex.starts_with("01ff1e");
        // Known failures are skipped, except the one whose only problem is our own TypeDef
        // field names: kept TypeDefs are pyfory's, so its bytes must come back exactly.
        let skip = known.contains_key(&case.name) && case.name != "plain_fields_by_name_compat";
        if !case.compatible || case.ref_tracking || !has_typedef || skip {
            continue;
        }
        let bytes = unhex(&case.hex).expect("hex");
        match engine.deserialize(&bytes) {
            Ok(v) => {
                assert!(matches!(v, Value::Unknown(_)), "{}: {v:?}", case.name);
                let again = engine.serialize(&v).unwrap_or_else(|e| panic!("{}: {e}", case.name));
                assert_eq!(hex(&again), case.hex, "{}: re-encoded bytes differ", case.name);
                identical.push(case.name.clone());
            }
            Err(e) => {
                let kind = e.as_codec().map(|c| c.kind.clone());
                assert!(
                    matches!(kind, Some(foryjit::ErrorKind::UnregisteredType(_))),
                    "{}: {e}",
                    case.name
                );
                refused.push(case.name.clone());
            }
        }
    }
    println!("identical: {identical:?}\nrefused (enum by id inside): {refused:?}");
    assert!(identical.len() >= 8, "too few cases round-tripped: {identical:?}");
    assert!(identical.iter().any(|n| n == "plain_fields_by_name_compat"));
}

/// Reference tracking, live: for every `ref=true` case, pyfory reads foryjit's graph bytes
/// (shared and cyclic objects) and writes them again to the same bytes.
#[test]
fn pyfory_reads_our_graphs_back() {
    use foryjit_tests::peer::PyforyPeer;
    let vectors = load_vectors();
    let mut checked = 0;
    for case in vectors.cases.iter().filter(|c| c.ref_tracking) {
        let Some(fdl) = case.fdl.as_deref() else { continue };
        let desc = schema_desc(fdl, false).expect("FDL loads");
        let Some(ty) = desc.types.first().map(|t| t.full_name().to_owned()) else { continue };
        let engine = ForyJit::builder()
            .string_policy(StringPolicy::PyforyLike)
            .compatible(case.compatible)
            .track_ref(true)
            .build();
        engine.register_schema(desc).expect("registers");
        let bytes = unhex(&case.hex).expect("hex");
        let ours = engine
            .serialize_graph(&engine.deserialize_graph(&bytes).expect("graph"))
            .expect("serialize_graph");
        let mut peer = PyforyPeer::shared();
        let handle = peer.load(fdl).expect("pyfory loads").handle;
        let cfg = json!({"xlang": true, "ref": true, "compatible": case.compatible});
        let answer = peer
            .request(json!({"op": "reserialize", "handle": handle, "type": ty,
                            "hex": hex(&ours), "config": cfg}))
            .unwrap_or_else(|e| panic!("{}: pyfory: {e}", case.name));
        assert_eq!(answer["hex"].as_str(), Some(hex(&ours).as_str()), "{}", case.name);
        checked += 1;
    }
    assert!(checked >= 4, "ref cases with a schema: {checked}");
}
