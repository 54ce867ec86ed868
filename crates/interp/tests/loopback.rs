//! Exact-bytes loopback: each value next to the bytes pyfory 1.7.7 writes for it (same-schema
//! mode, pyfory string policy), serialized and read back by the interpreter.

use foryjit_interp::{deserialize, serialize, Catalog, Options};
use foryjit_schema::SchemaDesc;
use foryjit_wire::{StringPolicy, StructValue, Value};

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn check(cat: &Catalog, value: &Value, hex: &str) {
    let opts = Options { string_policy: StringPolicy::PyforyLike, ..Options::default() };
    let mut out = Vec::new();
    serialize(cat, &opts, value, &mut out).unwrap();
    assert_eq!(out, unhex(hex), "{value:?}");
    let back = deserialize(cat, &opts, &out).unwrap();
    assert!(back.bit_eq(value), "{back:?} != {value:?}");
}

#[test]
fn root_values() {
    let cat = Catalog::default();
    check(&cat, &Value::Null, "01fd");
    check(&cat, &Value::Bool(true), "01ff0101");
    check(&cat, &Value::Int64(i64::MIN), "01ff07ffffffffffffffffff");
    check(&cat, &Value::Float64(f64::NEG_INFINITY), "01ff14000000000000f0ff");
    check(&cat, &Value::string("中文"), "01ff15112d4e8765");
    check(&cat, &Value::Binary(vec![0, 1, 255].into()), "01ff29030001ff");
    check(&cat, &Value::list(vec![]), "01ff1600");
    check(
        &cat,
        &Value::list(vec![1, 2, 3].into_iter().map(Value::Int64).collect()),
        "01ff16030807020406",
    );
    check(
        &cat,
        &Value::list(vec![Value::Int64(1), Value::Null, Value::Int64(3)]),
        "01ff16030a07ff02fdff06",
    );
    check(&cat, &Value::list(vec![Value::Null, Value::Null]), "01ff16020a24fdfd");
    check(
        &cat,
        &Value::map(vec![
            (Value::string("a"), Value::Int64(1)),
            (Value::string("b"), Value::Int64(2)),
        ]),
        "01ff180200021507046102046204",
    );
    check(&cat, &Value::Int32Array(vec![1, -2].into()), "01ff2e0801000000feffffff");
}

#[test]
fn structs_lists_and_enums() {
    let mut cat = Catalog::default();
    let ids = cat
        .register(
            SchemaDesc::from_idl(
                "package golden;
                 enum Color [id=100] { RED = 0; GREEN = 1; BLUE = 2; }
                 message Point [id=103] { int32 x = 1; int32 y = 2; }",
            )
            .unwrap(),
        )
        .unwrap();
    let point = Value::Struct(StructValue::new(ids[1], vec![Value::Int32(1), Value::Int32(2)]));
    check(&cat, &point, "01ff1b673d372c490204");
    let color = Value::Enum(foryjit_wire::EnumValue { ty: ids[0], value: 2 });
    check(&cat, &color, "01ff196402");
    // A root list of structs: element type meta once, then hash + fields per element.
    check(&cat, &Value::list(vec![point.clone(), point]), "01ff1602081b673d372c4902043d372c490204");
}
