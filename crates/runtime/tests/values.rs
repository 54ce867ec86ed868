//! Values that know their schema (issue 16 item 1): `ValueView` reads fields by name and prints
//! field and enum member names; `set` checks the declared type; `new_struct` fills schema
//! defaults that serialize in both modes and both tiers; `deserialize_as` checks the root type.

use foryjit::{Error, ForyJit, StructValue, Tier, Value, ValueError};
use serde_json::json;

const FDL: &str = r#"package v;
enum Color [id=1] { GREEN = 4; RED = 7; }
message Inner [id=2] { int32 a = 1; optional string s = 2; }
union Shape [id=3] { string name = 1; Inner inner = 2; }
message All [id=4] {
    bool b = 1;
    int8 i8v = 2;
    int16 i16v = 3;
    int32 i32v = 4;
    fixed int64 i64f = 5;
    tagged uint64 u64t = 6;
    uint8 u8v = 7;
    float16 f16v = 8;
    bfloat16 bf16v = 9;
    float32 f32v = 10;
    float64 f64v = 11;
    string s = 12;
    bytes data = 13;
    date d = 14;
    timestamp ts = 15;
    duration dur = 16;
    decimal dec = 17;
    array<int32> arr = 18;
    list<string> names = 19;
    map<string, Inner> by_name = 21;
    map<int32, Color> by_id = 22;
    Color color = 23;
    optional Color ocolor = 24;
    Inner inner = 25;
    Shape shape = 26;
    any anything = 27;
    optional int32 maybe = 28;
    list<optional int32> holes = 29;
}
message Node [id=5] { int32 v = 1; ref Node next = 2; }
"#;

/// Every engine flavour: both tiers, both modes.
fn engines() -> Vec<ForyJit> {
    let mut out = Vec::new();
    for &tier in Tier::available() {
        for compatible in [true, false] {
            let f = ForyJit::builder().tier(tier).compatible(compatible).build();
            f.load_idl(FDL).unwrap();
            out.push(f);
        }
    }
    out
}

fn sample(f: &ForyJit) -> Value {
    let all = f.type_handle("v.All").unwrap();
    f.from_json(
        all,
        &json!({
            "b": true, "i8v": -8, "i16v": 300, "i32v": -70000, "i64f": 1, "u64t": 18446744073709551615u64,
            "u8v": 255, "f16v": 0.5, "bf16v": -2.0, "f32v": 12.345, "f64v": "NaN",
            "s": "héllo", "data": "AQID", "d": "2024-02-29", "ts": "1969-12-31T23:59:59.500000000Z",
            "dur": {"seconds": -3, "nanos": 5}, "dec": "-12.345", "arr": [1, -2],
            "names": ["x", "y"],
            "by_name": {"k": {"a": 1, "s": null}}, "by_id": [[3, "RED"]],
            "color": "RED", "ocolor": null, "inner": {"a": 2, "s": "t"},
            "shape": {"inner": {"a": 5, "s": null}}, "anything": {"v.Color": "GREEN"},
            "maybe": null, "holes": [1, null, 3]
        }),
    )
    .unwrap()
}

#[test]
fn a_view_reads_fields_by_name_and_shows_names() {
    for f in engines() {
        let v = sample(&f);
        let view = f.view(&v);
        assert_eq!(view.type_name(), "v.All");
        assert_eq!(view.type_handle(), f.type_handle("v.All"));
        assert_eq!(view.get("i32v").unwrap().value(), &Value::Int32(-70000));
        assert_eq!(view.get("color").unwrap().enum_name(), Some("RED"));
        assert_eq!(view.get("color").unwrap().type_name(), "v.Color");
        assert_eq!(view.get("inner").unwrap().get("s").unwrap().value().as_str(), Some("t"));
        assert!(view.get("ocolor").unwrap().is_null());
        assert!(view.get("nope").is_none());
        assert!(view.get("i32v").unwrap().get("x").is_none(), "a scalar has no fields");
        // Containers.
        let names = view.get("names").unwrap();
        assert_eq!(names.type_name(), "list<string>");
        assert_eq!(names.items().len(), 2);
        assert_eq!(names.index(1).unwrap().value().as_str(), Some("y"));
        assert!(names.index(2).is_none());
        let by_name = view.get("by_name").unwrap();
        assert_eq!(by_name.get_key("k").unwrap().get("a").unwrap().value().as_i64(), Some(1));
        let by_id = view.get("by_id").unwrap().entries();
        assert_eq!(by_id[0].0.value(), &Value::Int32(3));
        assert_eq!(by_id[0].1.enum_name(), Some("RED"));
        assert_eq!(view.get("holes").unwrap().type_name(), "list<optional int32>");
        // Unions: the active case by name.
        let shape = view.get("shape").unwrap();
        let (case, inner) = shape.union_case().unwrap();
        assert_eq!(case, "inner");
        assert_eq!(inner.get("a").unwrap().value().as_i64(), Some(5));
        assert_eq!(shape.get("inner").unwrap().get("a").unwrap().value().as_i64(), Some(5));
        assert!(shape.get("name").is_none());
        // `any`: the value's own type.
        assert_eq!(view.get("anything").unwrap().type_name(), "any");
        assert_eq!(format!("{:?}", view.get("anything").unwrap()), "GREEN");
        // Field order and names.
        let fields: Vec<String> = view.fields().into_iter().map(|(n, _)| n).collect();
        assert_eq!(fields.len(), 28);
        assert_eq!((fields[0].as_str(), fields[27].as_str()), ("b", "holes"));

        let dbg = format!("{view:?}");
        for part in [
            "v.All { b: true, i8v: -8,",
            "f64v: NaN",
            r#"s: "héllo""#,
            r#"d: "2024-02-29""#,
            "dur: -3s+5ns",
            "arr: [1, -2]",
            r#"names: ["x", "y"], by_name"#,
            r#"by_name: {"k": v.Inner { a: 1, s: null }}"#,
            "by_id: {3: RED}",
            "color: RED, ocolor: null",
            "shape: inner(v.Inner { a: 5, s: null })",
            "holes: [1, null, 3] }",
        ] {
            assert!(dbg.contains(part), "{part} not in {dbg}");
        }
        // Pretty Debug works too (field per line).
        assert!(format!("{view:#?}").contains("\n    i8v: -8,\n"));
    }
}

#[test]
fn display_is_the_canonical_json() {
    for f in engines() {
        let v = sample(&f);
        let all = f.type_handle("v.All").unwrap();
        let view = f.view(&v);
        let text = view.to_string();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            f.to_json(all, &v).unwrap()
        );
        assert_eq!(view.to_json().unwrap(), f.to_json(all, &v).unwrap());
        // Views of nested positions too.
        assert_eq!(view.get("inner").unwrap().to_string(), r#"{"a":2,"s":"t"}"#);
        assert_eq!(view.get("color").unwrap().to_string(), r#""RED""#);
        // A value that does not fit its schema prints its Debug form instead of failing.
        let mut bad = v.clone();
        let ord = f.field_ordinal(all, "color").unwrap();
        bad.as_struct_mut().unwrap().set(ord, Value::Int32(1));
        let shown = f.view(&bad).to_string();
        assert!(shown.starts_with("v.All {") && shown.contains("color: Int32(1)"), "{shown}");
        assert!(f.view(&bad).to_json().is_err());
    }
}

#[test]
fn views_of_roots_that_are_not_structs() {
    let f = ForyJit::default();
    f.load_idl(FDL).unwrap();
    let x = Value::Int64(7);
    assert_eq!(f.view(&x).type_name(), "int64");
    assert_eq!(f.view(&x).to_string(), "7");
    let color = f.type_handle("v.Color").unwrap();
    let red = Value::Enum(foryjit::EnumValue { ty: color.index(), value: 7 });
    assert_eq!(format!("{:?}", f.view(&red)), "RED");
    assert_eq!(f.view_as(color, &red).unwrap().enum_name(), Some("RED"));
    let inner = f.type_handle("v.Inner").unwrap();
    let err = f.view_as(inner, &red).unwrap_err();
    assert_eq!(err.to_string(), "expected v.Inner, found enum v.Color");
    let nothing = Value::Null;
    assert!(f.view_as(inner, &nothing).unwrap().is_null());
    let list = Value::list(vec![Value::from("a"), Value::from(1i32)]);
    assert_eq!(format!("{:?}", f.view(&list)), r#"["a", 1]"#);
}

#[test]
fn set_checks_the_declared_type_and_says_what_it_expected() {
    let f = ForyJit::default();
    f.load_idl(FDL).unwrap();
    let all = f.type_handle("v.All").unwrap();
    let color = f.type_handle("v.Color").unwrap();
    let inner = f.type_handle("v.Inner").unwrap();
    let mut v = f.new_struct(all).unwrap();
    let before = v.clone();
    let cases: Vec<(&str, Value, &str)> = vec![
        ("i32v", Value::from("1"), "at i32v: expected int32, found string"),
        ("i32v", Value::Null, "at i32v: expected int32, found null"),
        ("i8v", Value::Int64(300), "at i8v: expected int8, found int64"),
        ("f32v", Value::Float64(0.1), "at f32v: expected float32, found float64"),
        (
            "names",
            Value::list(vec![Value::from("a"), Value::Int32(1)]),
            "at names[1]: expected string, found int32",
        ),
        (
            "holes",
            Value::list(vec![Value::Null, Value::from("x")]),
            "at holes[1]: expected int32, found string",
        ),
        (
            "by_id",
            Value::map(vec![(Value::Int32(1), Value::Int32(1))]),
            "at by_id{#0}: expected v.Color, found int32",
        ),
        (
            "color",
            Value::Enum(foryjit::EnumValue { ty: color.index(), value: 5 }),
            "at color: expected v.Color, found enum v.Color",
        ),
        (
            "inner",
            Value::Struct(StructValue::new(inner.index(), vec![Value::Int32(1)])),
            "at inner: expected v.Inner, found struct v.Inner",
        ),
        (
            "inner",
            Value::Struct(StructValue::new(inner.index(), vec![Value::Int32(1), Value::Int32(2)])),
            "at inner.s: expected string, found int32",
        ),
        (
            "arr",
            Value::Int64Array(vec![1i64].into()),
            "at arr: expected array<int32>, found array<int64>",
        ),
        (
            "inner",
            Value::Struct(StructValue::new(all.index(), vec![])),
            "at inner: expected v.Inner, found struct v.All",
        ),
    ];
    for (field, value, want) in cases {
        match f.set(&mut v, field, value) {
            Err(Error::Value(e @ ValueError::WrongType { .. })) => assert_eq!(e.to_string(), want),
            other => panic!("{field}: {other:?}"),
        }
        assert_eq!(v, before, "a refused set leaves the struct as it was");
    }
    assert_eq!(f.set(&mut v, "nope", 1i32).unwrap_err().to_string(), "v.All has no field \"nope\"");
    let mut not_struct = Value::Int32(1);
    assert!(matches!(
        f.set(&mut not_struct, "a", 1i32),
        Err(Error::Value(ValueError::NotAStruct { .. }))
    ));

    // Accepted: exact types, nulls where nullable, lossless widening and narrowing.
    f.set(&mut v, "i32v", 5i32).unwrap();
    f.set(&mut v, "i64f", 5i32).unwrap();
    assert_eq!(f.get(&v, "i64f"), Some(&Value::Int64(5)));
    f.set(&mut v, "i8v", 100i64).unwrap();
    assert_eq!(f.get(&v, "i8v"), Some(&Value::Int8(100)));
    f.set(&mut v, "u64t", u64::MAX).unwrap();
    f.set(&mut v, "f32v", 0.5f64).unwrap();
    assert_eq!(f.get(&v, "f32v"), Some(&Value::Float32(0.5)));
    f.set(&mut v, "f64v", 0.1f32).unwrap();
    assert_eq!(f.get(&v, "f64v"), Some(&Value::Float64(0.1f32 as f64)));
    let payload = f32::from_bits(0x7fc0_0001);
    f.set(&mut v, "f32v", payload).unwrap();
    assert!(f.get(&v, "f32v").unwrap().bit_eq(&Value::Float32(payload)), "NaN payload kept");
    f.set(&mut v, "maybe", Value::Null).unwrap();
    f.set(&mut v, "maybe", 3u8).unwrap();
    assert_eq!(f.get(&v, "maybe"), Some(&Value::Int32(3)));
    f.set(&mut v, "s", "text").unwrap();
    f.set(&mut v, "data", vec![1u8, 2]).unwrap();
    f.set(&mut v, "anything", Value::string("anything goes")).unwrap();
    f.set(&mut v, "holes", Value::list(vec![Value::Null, Value::Int32(2)])).unwrap();
    f.set(&mut v, "inner", Value::Null).unwrap(); // FDL message fields are nullable
    f.set(&mut v, "color", Value::Enum(foryjit::EnumValue { ty: color.index(), value: 4 }))
        .unwrap();
    assert!(f.check(all, &v).is_ok());
    for e in engines() {
        let ty = e.type_handle("v.All").unwrap();
        let bytes = e.serialize(&v).unwrap();
        assert!(e.deserialize_as(ty, &bytes).unwrap().bit_eq(&v));
    }
}

#[test]
fn new_struct_fills_schema_defaults_that_serialize_in_every_mode_and_tier() {
    let mut reference: Option<(bool, Vec<u8>)> = None;
    for f in engines() {
        let all = f.type_handle("v.All").unwrap();
        let v = f.new_struct(all).unwrap();
        assert_eq!(
            f.to_json(all, &v).unwrap(),
            json!({
                "b": false, "i8v": 0, "i16v": 0, "i32v": 0, "i64f": 0, "u64t": 0, "u8v": 0,
                "f16v": 0.0, "bf16v": 0.0, "f32v": 0.0, "f64v": 0.0, "s": "", "data": "",
                "d": "1970-01-01", "ts": "1970-01-01T00:00:00.000000000Z",
                "dur": {"seconds": 0, "nanos": 0}, "dec": "0", "arr": [], "names": [],
                "by_name": {}, "by_id": [], "color": "GREEN", "ocolor": null,
                "inner": null, "shape": {"name": ""}, "anything": null, "maybe": null,
                "holes": []
            })
        );
        let bytes = f.serialize(&v).unwrap();
        assert!(f.deserialize(&bytes).unwrap().bit_eq(&v));
        // Same mode, other tier: same bytes.
        let compatible = f.mode() == foryjit::Mode::Compatible;
        match &reference {
            Some((c, b)) if *c == compatible => assert_eq!(&bytes, b),
            _ => reference = Some((compatible, bytes)),
        }
    }
}

#[test]
fn new_struct_builds_non_nullable_nested_messages_and_stops_at_cycles() {
    use foryjit::{FieldDesc, FieldType, IntEncoding, MessageDesc, SchemaDesc, UnionDesc};
    for &tier in Tier::available() {
        for compatible in [true, false] {
            let f = ForyJit::builder().tier(tier).compatible(compatible).build();
            // As the fory crate's plain `T` fields: non-nullable message fields.
            let s = f
                .register_schema(
                    SchemaDesc::new("c")
                        .message(MessageDesc::with_id("c.Leaf", 10).field(FieldDesc::new(
                            "n",
                            1,
                            FieldType::Int64(IntEncoding::Varint),
                        )))
                        .message(
                            MessageDesc::with_id("c.Mid", 11)
                                .field(FieldDesc::new("leaf", 1, FieldType::named("c.Leaf")))
                                .field(
                                    FieldDesc::new("next", 2, FieldType::named("c.Mid"))
                                        .tracking_ref(),
                                ),
                        )
                        .union(
                            UnionDesc::with_id("c.U", 12)
                                .case("again", 1, FieldType::named("c.Top"))
                                .case("n", 2, FieldType::Int32(IntEncoding::Varint)),
                        )
                        .message(
                            MessageDesc::with_id("c.Top", 13)
                                .field(FieldDesc::new("mid", 1, FieldType::named("c.Mid")))
                                .field(FieldDesc::new("u", 2, FieldType::named("c.U")).nullable()),
                        )
                        // A union whose first case leads back to the message holding it.
                        .union(
                            UnionDesc::with_id("c.V", 14)
                                .case("w", 1, FieldType::named("c.W"))
                                .case("s", 2, FieldType::String),
                        )
                        .message(MessageDesc::with_id("c.W", 15).field(FieldDesc::new(
                            "v",
                            1,
                            FieldType::named("c.V"),
                        ))),
                )
                .unwrap();
            let mid = s.get("c.Mid").unwrap();
            let v = f.new_struct(mid).unwrap();
            // The ref field reaches its own type: null there instead of an endless value.
            assert_eq!(f.to_json(mid, &v).unwrap(), json!({"leaf": {"n": 0}, "next": null}));
            assert!(f.deserialize(&f.serialize(&v).unwrap()).unwrap().bit_eq(&v));
            let top = s.get("c.Top").unwrap();
            let t = f.new_struct(top).unwrap();
            assert_eq!(
                f.to_json(top, &t).unwrap(),
                json!({"mid": {"leaf": {"n": 0}, "next": null}, "u": null})
            );
            assert!(f.deserialize(&f.serialize(&t).unwrap()).unwrap().bit_eq(&t));
            // The union takes its first case whose default is complete.
            let w = s.get("c.W").unwrap();
            let wv = f.new_struct(w).unwrap();
            assert_eq!(f.to_json(w, &wv).unwrap(), json!({"v": {"s": ""}}));
            assert!(f.deserialize(&f.serialize(&wv).unwrap()).unwrap().bit_eq(&wv));
            // Only messages have a struct value.
            assert!(f.new_struct(s.get("c.U").unwrap()).is_err());
        }
    }
}

#[test]
fn deserialize_as_checks_the_root_type_and_names_both() {
    for f in engines() {
        let (inner, all) = (f.type_handle("v.Inner").unwrap(), f.type_handle("v.All").unwrap());
        let color = f.type_handle("v.Color").unwrap();
        let bytes = f.serialize(&f.new_struct(inner).unwrap()).unwrap();
        assert!(f.deserialize_as(inner, &bytes).is_ok());
        let err = f.deserialize_as(all, &bytes).unwrap_err();
        assert!(
            matches!(&err, Error::Value(ValueError::WrongRootType { expected, found })
                if expected == "v.All" && found == "struct v.Inner"),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "expected v.All, found struct v.Inner");
        let int = f.serialize(&Value::Int64(3)).unwrap();
        assert_eq!(
            f.deserialize_as(inner, &int).unwrap_err().to_string(),
            "expected v.Inner, found int64"
        );
        let red = Value::Enum(foryjit::EnumValue { ty: color.index(), value: 7 });
        let red_bytes = f.serialize(&red).unwrap();
        assert_eq!(f.deserialize_as(color, &red_bytes).unwrap(), red);
        assert_eq!(
            f.deserialize_as(inner, &red_bytes).unwrap_err().to_string(),
            "expected v.Inner, found enum v.Color"
        );
        // Bad bytes stay a codec error.
        assert!(matches!(f.deserialize_as(inner, &bytes[..bytes.len() - 1]), Err(Error::Codec(_))));
    }
    // A struct the reader never registered (compatible mode) is named by the writer's identity.
    let writer = ForyJit::default();
    writer.load_idl("package w; message Other [id=77] { int32 x = 1; }").unwrap();
    let other = writer.type_handle("w.Other").unwrap();
    let bytes = writer.serialize(&writer.new_struct(other).unwrap()).unwrap();
    let reader = ForyJit::default();
    reader.load_idl(FDL).unwrap();
    let err = reader.deserialize_as(reader.type_handle("v.Inner").unwrap(), &bytes).unwrap_err();
    assert_eq!(err.to_string(), "expected v.Inner, found unknown struct #77");
}

#[test]
fn new_struct_on_a_very_deep_schema_neither_overflows_nor_lies() {
    use foryjit::{FieldDesc, FieldType, IntEncoding, MessageDesc, SchemaDesc};
    // 2000 messages, each holding the next as a plain (non-nullable) field.
    let n = 2000u32;
    let mut desc = SchemaDesc::new("deep");
    for i in 0..n {
        let mut m = MessageDesc::with_id(format!("deep.M{i}"), 1000 + i).field(FieldDesc::new(
            "v",
            1,
            FieldType::Int32(IntEncoding::Varint),
        ));
        if i + 1 < n {
            m = m.field(FieldDesc::new("next", 2, FieldType::named(format!("deep.M{}", i + 1))));
        }
        desc = desc.message(m);
    }
    let f = ForyJit::builder().tier(Tier::Interpreter).build();
    let top = f.register_schema(desc).unwrap().get("deep.M0").unwrap();
    let v = f.new_struct(top).unwrap();
    // Deeper than any writer accepts: serializing is a typed error, not a crash.
    assert!(matches!(f.serialize(&v), Err(Error::Codec(_))));
    let shallow = f.type_handle(&format!("deep.M{}", n - 3)).unwrap();
    let s = f.new_struct(shallow).unwrap();
    assert_eq!(
        f.to_json(shallow, &s).unwrap(),
        json!({"v": 0, "next": {"v": 0, "next": {"v": 0}}})
    );
    assert!(f.deserialize(&f.serialize(&s).unwrap()).unwrap().bit_eq(&s));
}
