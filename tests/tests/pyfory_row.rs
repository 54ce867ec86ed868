//! The row format against live pyfory 1.7.7 (`pyfory.format.create_row_encoder` on a schema
//! built from the same FDL, field for field, in declaration order; `tests/peers/pyfory_row_peer.py`),
//! both directions, on `tests/schemas/row/row.fdl`:
//!
//! 1. pyfory writes the value: the row equals foryjit's byte for byte, except the slots of null
//!    fields, which pyfory leaves uninitialised (the spec calls them undefined; foryjit and the
//!    fory crate write zeros). Those slots are zeroed in pyfory's row before comparing.
//! 2. foryjit reads pyfory's row back to the same value, bit for bit.
//! 3. pyfory reads foryjit's row back to the same value.
//!
//! Findings pinned here (see `docs/row-format.md`): pyfory's timestamp writer rounds through a
//! float (`timestamp_rounding_differs`), and `pyfory.format.infer_schema` orders a dataclass's
//! fields by name (`inferred_field_order_is_by_name`). pyfory has no duration in rows.

use foryjit::row::{FieldOrder, RowCodec, RowField, RowView};
use foryjit::schema::{Registry, ResolvedType};
use foryjit::{ForyJit, TypeHandle, TypeIdx, Value};
use foryjit_tests::row_gen::RowGen;
use foryjit_tests::{hex, unhex};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::{json, Value as Json};
use std::io::Write;
use std::process::{Command, Stdio};

const FDL: &str = include_str!("../schemas/row/row.fdl");

fn peer_type(reg: &Registry, ty: &ResolvedType) -> Json {
    use ResolvedType as T;
    let kind = match ty {
        T::Bool => "bool",
        T::Int8 => "int8",
        T::Int16 => "int16",
        T::Int32(_) => "int32",
        T::Int64(_) => "int64",
        T::Float32 => "float32",
        T::Float64 => "float64",
        T::String => "string",
        T::Binary => "bytes",
        T::Date => "date",
        T::Timestamp => "timestamp",
        T::List(e) | T::Set(e) => return json!({"kind": "list", "elem": peer_type(reg, &e.ty)}),
        T::Array(foryjit::ArrayElem::Float64) => {
            return json!({"kind": "list", "elem": {"kind": "float64"}})
        }
        T::Map(k, v) => {
            return json!({"kind": "map", "key": peer_type(reg, &k.ty), "value": peer_type(reg, &v.ty)})
        }
        T::Message(idx) => return peer_struct(reg, *idx),
        other => panic!("pyfory rows have no {other:?}"),
    };
    json!({ "kind": kind })
}

fn peer_struct(reg: &Registry, idx: TypeIdx) -> Json {
    let msg = reg.message(idx).unwrap();
    let fields: Vec<Json> =
        msg.fields.iter().map(|f| json!({"name": f.name, "type": peer_type(reg, &f.ty)})).collect();
    json!({"kind": "struct", "fields": fields})
}

fn peer_value(reg: &Registry, ty: &ResolvedType, v: &Value) -> Json {
    use ResolvedType as T;
    match (ty, v) {
        (_, Value::Null) => Json::Null,
        (_, Value::Bool(b)) => json!(b),
        (_, Value::Int8(x)) => json!(x),
        (_, Value::Int16(x)) => json!(x),
        (_, Value::Int32(x)) => json!(x),
        (_, Value::Int64(x)) => json!(x),
        (_, Value::Float32(x)) => json!({"f32": hex(&x.to_le_bytes())}),
        (_, Value::Float64(x)) => json!({"f64": hex(&x.to_le_bytes())}),
        (_, Value::String(s)) => json!(s.as_str()),
        (_, Value::Binary(b)) => json!(hex(b)),
        (_, Value::Date(d)) => json!(d),
        (_, Value::Timestamp(t)) => json!(t.seconds * 1_000_000 + i64::from(t.nanos / 1000)),
        (T::List(e), Value::List(items)) => {
            Json::Array(items.iter().map(|x| peer_value(reg, &e.ty, x)).collect())
        }
        (_, Value::Float64Array(items)) => {
            Json::Array(items.iter().map(|x| json!({"f64": hex(&x.to_le_bytes())})).collect())
        }
        (T::Map(k, val), Value::Map(entries)) => Json::Array(
            entries
                .iter()
                .map(|e| {
                    json!([peer_value(reg, &k.ty, &e.key), peer_value(reg, &val.ty, &e.value)])
                })
                .collect(),
        ),
        (T::Message(idx), Value::Struct(s)) => {
            let msg = reg.message(*idx).unwrap();
            Json::Object(
                msg.fields
                    .iter()
                    .zip(s.fields.iter())
                    .map(|(f, x)| (f.name.clone(), peer_value(reg, &f.ty, x)))
                    .collect(),
            )
        }
        other => panic!("no peer JSON for {other:?}"),
    }
}

/// Runs the peer once with `cases` for the types of `names`.
fn run_peer(reg: &Registry, names: &[(&str, TypeIdx)], cases: Vec<Json>) -> Vec<Json> {
    let python = foryjit_tests::peer::python_path().unwrap_or_else(|e| panic!("{e}"));
    let script = foryjit_tests::repo_root().join("tests/peers/pyfory_row_peer.py");
    let types: serde_json::Map<String, Json> =
        names.iter().map(|(n, idx)| (n.to_string(), peer_struct(reg, *idx))).collect();
    let req = json!({"types": types, "cases": cases});
    let mut child = Command::new(python)
        .arg(&script)
        .env("TZ", "UTC")
        .env("PYTHONWARNINGS", "ignore")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the pyfory row peer");
    child.stdin.take().unwrap().write_all(req.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "peer failed: {}", String::from_utf8_lossy(&out.stderr));
    let resp: Json = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(resp["pyfory"], "1.7.7");
    resp["results"].as_array().unwrap().clone()
}

/// Zeroes the slot of every null field, in the row and in every nested row.
fn zero_null_slots(codec: &RowCodec, ty: TypeIdx, bytes: &[u8]) -> Vec<u8> {
    fn row(v: &RowView<'_>, root: usize, out: &mut [u8]) {
        let base = v.as_bytes().as_ptr() as usize - root;
        for i in 0..v.num_fields() {
            if v.is_null(i).unwrap() {
                let s = base + v.slot_offset(i).unwrap();
                out[s..s + 8].fill(0);
            } else {
                field(v.get(i).unwrap(), root, out);
            }
        }
    }
    fn field(f: RowField<'_>, root: usize, out: &mut [u8]) {
        match f {
            RowField::Struct(r) => row(&r, root, out),
            RowField::Array(a) => a.iter().for_each(|x| field(x.unwrap(), root, out)),
            RowField::Map(m) => {
                field(RowField::Array(m.keys()), root, out);
                field(RowField::Array(m.values()), root, out);
            }
            _ => {}
        }
    }
    let mut out = bytes.to_vec();
    row(&codec.view(ty, bytes).unwrap(), bytes.as_ptr() as usize, &mut out);
    out
}

struct Env {
    fory: ForyJit,
    codec: RowCodec,
    all: TypeHandle,
}

/// `FieldOrder::ByName` against `pyfory.format.encoder(dataclass)` (the inferred, name-sorted
/// schema; nested messages sorted too): byte-identical (null slots zeroed), both directions.
#[test]
fn by_name_order_matches_pyfory_encoder_on_dataclasses() {
    let e = env();
    let codec = e.fory.row_codec().with_field_order(FieldOrder::ByName);
    let reg = codec.registry();
    let ty = ResolvedType::Message(e.all.index());
    let seed = foryjit_tests::seed_from_env(0x0509_2026);
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5a);
    let gen = RowGen { whole_second_timestamps: true, nonempty_bytes: true, max_depth: 4 };
    let values: Vec<Value> =
        (0..60).map(|_| gen.message(reg, e.all.index(), &mut rng, 0)).collect();
    let rows: Vec<Vec<u8>> = values.iter().map(|v| codec.to_row(v).unwrap()).collect();
    // Declared order gives other bytes (the schema's names are not in name order).
    assert_ne!(rows[0], e.fory.to_row(&values[0]).unwrap());
    let mut cases = Vec::new();
    for (v, row) in values.iter().zip(&rows) {
        cases.push(
            json!({"op": "encode_inferred", "type": "All", "value": peer_value(reg, &ty, v)}),
        );
        cases.push(json!({"op": "decode_inferred", "type": "All", "hex": hex(row)}));
    }
    let results = run_peer(reg, &[("All", e.all.index())], cases);
    for (i, (v, row)) in values.iter().zip(&rows).enumerate() {
        let (enc, dec) = (&results[2 * i], &results[2 * i + 1]);
        let theirs = unhex(enc["hex"].as_str().unwrap_or_else(|| panic!("#{i}: {enc}"))).unwrap();
        let zeroed = zero_null_slots(&codec, e.all.index(), &theirs);
        assert_eq!(hex(&zeroed), hex(row), "seed {seed:#x} #{i}");
        assert!(codec.from_row(e.all.index(), &theirs).unwrap().bit_eq(v), "#{i}");
        assert_eq!(dec["value"], peer_value(reg, &ty, v), "#{i}: {dec}");
    }
}

fn env() -> Env {
    let fory = ForyJit::default();
    let all = fory.load_idl(FDL).unwrap().get("rowt.All").unwrap();
    Env { codec: fory.row_codec(), fory, all }
}

fn check_values(e: &Env, values: &[Value], what: &str) {
    let reg = e.codec.registry();
    let ty = ResolvedType::Message(e.all.index());
    let ours: Vec<Vec<u8>> = values.iter().map(|v| e.fory.to_row(v).unwrap()).collect();
    let mut cases = Vec::new();
    for (v, row) in values.iter().zip(&ours) {
        cases.push(json!({"op": "encode", "type": "All", "value": peer_value(reg, &ty, v)}));
        cases.push(json!({"op": "decode", "type": "All", "hex": hex(row)}));
    }
    let results = run_peer(reg, &[("All", e.all.index())], cases);
    for (i, (v, row)) in values.iter().zip(&ours).enumerate() {
        let (enc, dec) = (&results[2 * i], &results[2 * i + 1]);
        // 1. pyfory's row equals ours (null slots zeroed).
        let theirs =
            unhex(enc["hex"].as_str().unwrap_or_else(|| panic!("{what} #{i}: {enc}"))).unwrap();
        let theirs_zeroed = zero_null_slots(&e.codec, e.all.index(), &theirs);
        assert_eq!(hex(&theirs_zeroed), hex(row), "{what} #{i}: {v:?}");
        // 2. foryjit reads pyfory's row.
        let back = e.fory.from_row(e.all, &theirs).unwrap();
        assert!(back.bit_eq(v), "{what} #{i}: {back:?}");
        // 3. pyfory reads ours.
        assert_eq!(dec["value"], peer_value(reg, &ty, v), "{what} #{i}: {dec}");
    }
}

#[test]
fn hand_picked_values_both_directions() {
    let e = env();
    let json_values = [
        json!({"flag": false, "tiny": 0, "small": 0, "medium": 0, "big": 0, "single": 0.0,
               "double": 0.0, "text": "", "blob": "AA==", "day": "1970-01-01",
               "at": "1970-01-01T00:00:00Z", "shorts": [], "names": [], "counts": {},
               "inner": null, "inners": [], "nested": [], "maybe": null, "floats": [],
               "groups": []}),
        json!({"flag": true, "tiny": -128, "small": 32767, "medium": -2,
               "big": -9223372036854775807i64, "single": 1.5, "double": -2.25,
               "text": "héllo, wörld — 8 bytes+", "blob": "AAEC/w==", "day": "2020-01-02",
               "at": "2024-01-02T03:04:05Z", "shorts": [1, -1, 3],
               "names": ["a", null, "bcdefghij", ""], "counts": {"k": 5, "z": null},
               "inner": {"a": 7, "s": null}, "inners": [{"a": 1, "s": "x"}, {"a": 2, "s": null}],
               "nested": [[1, 2, 3, 4, 5, 6, 7, 8, 9], [], [-1]], "maybe": 9,
               "floats": [1.5, -0.5], "groups": [[3, ["x", ""]], [-1, []]]}),
    ];
    let values: Vec<Value> = json_values
        .iter()
        .map(|j| e.fory.from_json(e.all, j).unwrap_or_else(|err| panic!("{err}: {j}")))
        .collect();
    check_values(&e, &values, "hand-picked");
}

#[test]
fn random_values_both_directions() {
    let e = env();
    let seed = foryjit_tests::seed_from_env(0x0509_2026);
    let mut rng = StdRng::seed_from_u64(seed);
    let gen = RowGen { whole_second_timestamps: true, nonempty_bytes: true, max_depth: 4 };
    let values: Vec<Value> =
        (0..150).map(|_| gen.message(e.codec.registry(), e.all.index(), &mut rng, 0)).collect();
    check_values(&e, &values, &format!("seed {seed:#x}"));
}

/// pyfory writes `int(dt.timestamp() * 1000000)`: the float product can land just below the
/// exact count and the truncation loses a microsecond. foryjit and the fory crate write the
/// exact count; both read pyfory's value as written.
#[test]
fn timestamp_rounding_differs() {
    let e = env();
    let exact: i64 = -4_320_976_725_275_186;
    let mut v = e.fory.new_struct(e.all).unwrap();
    let fields = &mut v.as_struct_mut().unwrap().fields;
    let defaults = [
        Value::Bool(false),
        Value::Int8(0),
        Value::Int16(0),
        Value::Int32(0),
        Value::Int64(0),
        Value::Float32(0.0),
        Value::Float64(0.0),
        Value::string(""),
        Value::Binary(vec![0].into()),
        Value::Date(0),
        Value::Timestamp(foryjit::Timestamp {
            seconds: exact.div_euclid(1_000_000),
            nanos: exact.rem_euclid(1_000_000) as u32 * 1000,
        }),
        Value::list(vec![]),
        Value::list(vec![]),
        Value::map(vec![]),
        Value::Null,
        Value::list(vec![]),
        Value::list(vec![]),
        Value::Null,
        Value::Float64Array(vec![].into()),
        Value::map(vec![]),
    ];
    for (slot, d) in fields.iter_mut().zip(defaults) {
        *slot = d;
    }
    let ours = e.fory.to_row(&v).unwrap();
    let reg = e.codec.registry();
    let ty = ResolvedType::Message(e.all.index());
    let results = run_peer(
        reg,
        &[("All", e.all.index())],
        vec![json!({"op": "encode", "type": "All", "value": peer_value(reg, &ty, &v)})],
    );
    let theirs =
        unhex(results[0]["hex"].as_str().unwrap_or_else(|| panic!("{}", results[0]))).unwrap();
    let at_slot = 8 + 10 * 8;
    let word = |b: &[u8]| i64::from_le_bytes(b[at_slot..at_slot + 8].try_into().unwrap());
    assert_eq!(word(&ours), exact);
    assert_eq!(word(&theirs), exact + 1, "pyfory's float rounding (truncation toward zero)");
    let view = e.codec.view(e.all.index(), &theirs).unwrap();
    let t = view.get_timestamp_by_name("at").unwrap().unwrap();
    assert_eq!(t.seconds * 1_000_000 + i64::from(t.nanos / 1000), exact + 1);
    // The fory crate agrees with foryjit.
    let crate_micros = fory::Timestamp::from_epoch_micros(exact).to_epoch_micros().unwrap();
    assert_eq!(crate_micros, exact);
}

/// pyfory's row writer cannot write empty bytes (`&data[0]` on an empty buffer raises
/// `IndexError`); it reads foryjit's empty bytes (size 0) fine.
#[test]
fn pyfory_cannot_write_empty_bytes() {
    let e = env();
    let reg = e.codec.registry();
    let ty = ResolvedType::Message(e.all.index());
    let v = e
        .fory
        .from_json(
            e.all,
            &json!({"flag": false, "tiny": 0, "small": 0, "medium": 0, "big": 0, "single": 0.0,
               "double": 0.0, "text": "", "blob": "", "day": "1970-01-01",
               "at": "1970-01-01T00:00:00Z", "shorts": [], "names": [], "counts": {},
               "inner": null, "inners": [], "nested": [], "maybe": null, "floats": [],
               "groups": []}),
        )
        .unwrap();
    let ours = e.fory.to_row(&v).unwrap();
    let results = run_peer(
        reg,
        &[("All", e.all.index())],
        vec![
            json!({"op": "encode", "type": "All", "value": peer_value(reg, &ty, &v)}),
            json!({"op": "decode", "type": "All", "hex": hex(&ours)}),
        ],
    );
    let err = results[0]["error"].as_str().unwrap_or_default();
    assert!(err.starts_with("IndexError"), "{}", results[0]);
    assert_eq!(results[1]["value"], peer_value(reg, &ty, &v));
    assert!(e.fory.from_row(e.all, &ours).unwrap().bit_eq(&v));
}

/// `pyfory.format.encoder(dataclass)` fails on a list nested in a list or a map: its schema hash
/// (`compute_schema_hash`) reads `.value_type` off a nested list it sees as a plain `DataType`.
/// (`infer_schema` + `create_row_encoder` work, and are what the `*_inferred` peer ops use.)
#[test]
fn pyfory_encoder_fails_on_nested_lists() {
    let python = foryjit_tests::peer::python_path().unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new(python)
        .args(["-W", "ignore", "-c"])
        .arg(
            "import dataclasses, typing, pyfory.format as F\n\
             C = dataclasses.make_dataclass('C', [('x', typing.List[typing.List[int]])])\n\
             try:\n    F.encoder(C)\nexcept AttributeError as e:\n    print('AttributeError', e)\n\
             print(F.infer_schema(C))",
        )
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("AttributeError") && text.contains("value_type"), "{text}");
    assert!(text.contains("x: list<list<int64>>"), "{text}");
}

/// `pyfory.format.infer_schema` (what `pyfory.format.encoder(SomeDataclass)` uses) sorts a
/// dataclass's fields by name; the fory crate and foryjit use declaration order. A Python user
/// gets foryjit's rows by passing an explicit schema, or by declaring fields in name order.
#[test]
fn inferred_field_order_is_by_name() {
    let e = env();
    let names = ["zeta", "alpha", "mid"];
    let results =
        run_peer(e.codec.registry(), &[], vec![json!({"op": "infer_order", "names": names})]);
    assert_eq!(results[0]["names"], json!(["alpha", "mid", "zeta"]));
}

/// A bool byte other than 0 or 1: pyfory reads it as `True`; the fory crate and foryjit call the
/// row corrupt.
#[test]
fn bool_byte_other_than_one() {
    let e = env();
    let mut rng = StdRng::seed_from_u64(7);
    let gen = RowGen { whole_second_timestamps: true, nonempty_bytes: true, max_depth: 2 };
    let v = gen.message(e.codec.registry(), e.all.index(), &mut rng, 0);
    let mut row = e.fory.to_row(&v).unwrap();
    row[8] = 2; // the `flag` slot
    let results = run_peer(
        e.codec.registry(),
        &[("All", e.all.index())],
        vec![json!({"op": "decode", "type": "All", "hex": hex(&row)})],
    );
    assert_eq!(results[0]["value"]["flag"], json!(true), "{}", results[0]);
    let err = e.codec.view(e.all.index(), &row).unwrap().get_bool(0).unwrap_err();
    assert_eq!(err.kind, foryjit::row::RowErrorKind::Corrupt("bool byte other than 0 or 1"));
    assert!(e.fory.from_row(e.all, &row).is_err());
    assert!(fory::from_row::<CrateFlag>(&row[..16]).unwrap().flag().is_err());
}

/// A one-field prefix of `rowt.All` for the fory crate (its first slot is `flag`).
#[derive(fory::ForyRow)]
struct CrateFlag {
    flag: bool,
}
