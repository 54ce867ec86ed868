//! Canonical JSON of `any` values (`docs/canonical-json.md`): a one-key object naming the
//! value's type. Every kind a dynamic value can hold goes JSON → value → bytes → value → JSON
//! unchanged, in both tiers, and the bytes are the same in both tiers.

use foryjit::json::JsonProblem;
#[cfg(feature = "jit")]
use foryjit::Tier;
use foryjit::{Error, ForyJit};
use serde_json::json;

const FDL: &str = "package j;
enum Color [id=41] { RED = 0; GREEN = 1; }
message Inner [id=42] { int32 a = 1; string b = 2; }
union Shape [id=43] { string name = 1; int64 size = 2; }
message Holder [id=44] { any x = 1; list<any> xs = 2; }";

#[cfg(feature = "jit")]
fn engines() -> Vec<ForyJit> {
    Tier::available()
        .iter()
        .flat_map(|&t| [true, false].map(|c| ForyJit::builder().tier(t).compatible(c).build()))
        .inspect(|f| {
            f.load_idl(FDL).unwrap();
        })
        .collect()
}

#[test]
#[cfg(feature = "jit")] // the tiers against each other
fn every_kind_of_any_round_trips_through_json_and_bytes() {
    let xs = [
        json!(null),
        json!({"bool": true}),
        json!({"int8": -8}),
        json!({"int16": 300}),
        json!({"int32": -70000}),
        json!({"int64": 9007199254740993i64}),
        json!({"uint8": 255}),
        json!({"uint16": 65535}),
        json!({"uint32": 4000000000u32}),
        json!({"uint64": 18446744073709551615u64}),
        json!({"float32": 1.5}),
        json!({"float64": -0.1}),
        json!({"float16": 0.5}),
        json!({"bfloat16": 2.0}),
        json!({"string": "héllo"}),
        json!({"bytes": "AAEC"}),
        json!({"date": "2024-02-29"}),
        json!({"timestamp": "2024-01-02T03:04:05.000000006Z"}),
        json!({"duration": {"seconds": 5, "nanos": 7}}),
        json!({"decimal": "-12.345"}),
        json!({"array<int32>": [1, -2, 3]}),
        json!({"array<float64>": [0.25]}),
        json!({"list": [{"string": "a"}, {"int64": 1}, null]}),
        json!({"set": [{"int32": 1}, {"int32": 2}]}),
        json!({"map": [[{"string": "k"}, {"list": []}], [{"int32": 3}, null]]}),
        json!({"j.Inner": {"a": 1, "b": "x"}}),
        json!({"j.Color": "GREEN"}),
        json!({"j.Shape": {"size": 9}}),
    ];
    for fory in engines() {
        let holder = fory.type_handle("j.Holder").unwrap();
        for x in &xs {
            let doc = json!({"x": x, "xs": [x, {"string": "tail"}]});
            let v = fory.from_json(holder, &doc).unwrap_or_else(|e| panic!("{x}: {e}"));
            let bytes = fory.serialize(&v).unwrap_or_else(|e| panic!("{x}: {e}"));
            let back = fory.deserialize(&bytes).unwrap_or_else(|e| panic!("{x}: {e}"));
            assert_eq!(fory.to_json(holder, &back).unwrap(), doc, "{:?}: {x}", fory.tier());
        }
    }
    // Both tiers write the same bytes for every kind.
    let all = engines();
    for x in &xs {
        let doc = json!({"x": x, "xs": []});
        let bytes: Vec<Vec<u8>> = all
            .iter()
            .map(|f| {
                f.serialize(&f.from_json(f.type_handle("j.Holder").unwrap(), &doc).unwrap())
                    .unwrap()
            })
            .collect();
        assert_eq!(bytes[0], bytes[2], "{x} compatible");
        assert_eq!(bytes[1], bytes[3], "{x} same-schema");
    }
}

#[test]
fn malformed_any_json_is_a_typed_error() {
    let fory = ForyJit::builder().build();
    fory.load_idl(FDL).unwrap();
    let holder = fory.type_handle("j.Holder").unwrap();
    let problem = |x: serde_json::Value| match fory.from_json(holder, &json!({"x": x, "xs": []})) {
        Err(Error::Json(e)) => e.problem,
        other => panic!("{x}: {other:?}"),
    };
    assert_eq!(problem(json!(5)), JsonProblem::AnyShape);
    assert_eq!(problem(json!({"int32": 1, "int64": 2})), JsonProblem::AnyShape);
    assert_eq!(problem(json!({"j.Nope": {}})), JsonProblem::UnknownAnyType("j.Nope".into()));
    assert_eq!(
        problem(json!({"array<text>": []})),
        JsonProblem::UnknownAnyType("array<text>".into())
    );
    assert!(matches!(problem(json!({"int8": 300})), JsonProblem::OutOfRange(_)));
}
