//! serde (issue 16 item 2): `Serialize` of a schema-aware view gives the canonical JSON shape
//! (`serde_json::to_value(&view) == to_json`), and `ValueSeed` builds values straight from a
//! serde format — JSON text and MessagePack here — giving the same Fory bytes as `from_json`,
//! in both tiers and both modes.
//!
//! Random values come from a fixed seed; `FORYJIT_SEED` (decimal or `0x` hex) picks another,
//! and a failure names the seed.

use foryjit::{ForyJit, Tier, TypeHandle, Value};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::de::DeserializeSeed;
use serde_json::{json, Value as Json};

const FDL: &str = r#"package s;
enum Color [id=1] { GREEN = 4; RED = 7; BLUE = 9; }
message Inner [id=2] { int32 a = 1; optional string s = 2; }
union Shape [id=3] { string name = 1; Inner inner = 2; list<int64> sizes = 3; }
message All [id=4] {
    bool b = 1;
    int8 i8v = 2;
    int16 i16v = 3;
    int32 i32v = 4;
    fixed int32 i32f = 5;
    int64 i64v = 6;
    tagged int64 i64t = 7;
    uint8 u8v = 8;
    uint16 u16v = 9;
    uint32 u32v = 10;
    uint64 u64v = 11;
    float16 f16v = 12;
    bfloat16 bf16v = 13;
    float32 f32v = 14;
    float64 f64v = 15;
    string s = 16;
    bytes data = 17;
    date d = 18;
    timestamp ts = 19;
    duration dur = 20;
    decimal dec = 21;
    array<float32> af32 = 22;
    array<uint8> au8 = 23;
    array<bfloat16> abf = 24;
    list<string> names = 25;
    map<string, Inner> by_name = 27;
    map<int32, Color> by_id = 28;
    Color color = 29;
    optional Color ocolor = 30;
    Inner inner = 31;
    Shape shape = 32;
    any anything = 33;
    list<any> many = 34;
    optional float64 of64 = 35;
    list<optional int32> holes = 36;
}
"#;

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

fn seed() -> u64 {
    match std::env::var("FORYJIT_SEED") {
        Ok(s) => match s.strip_prefix("0x") {
            Some(h) => u64::from_str_radix(h, 16).expect("FORYJIT_SEED"),
            None => s.parse().expect("FORYJIT_SEED"),
        },
        Err(_) => 0x5e4d_e001,
    }
}

/// Hand-picked documents: edges of every scalar, every container, `any`.
fn documents() -> Vec<Json> {
    let base = json!({
        "b": true, "i8v": -128, "i16v": 32767, "i32v": -2147483648i64, "i32f": 7,
        "i64v": -9223372036854775808i64, "i64t": 9223372036854775807i64, "u8v": 255,
        "u16v": 65535, "u32v": 4294967295u64, "u64v": 18446744073709551615u64,
        "f16v": 65504.0, "bf16v": -1.5, "f32v": 0.1, "f64v": -0.0,
        "s": "héllo \"wörld\" \u{1F600}", "data": "AAECAwQ=", "d": "0001-01-01",
        "ts": "2262-04-11T23:47:16.854775807Z", "dur": {"seconds": -1, "nanos": 999999999},
        "dec": "-123456789012345678901234567890.000001", "af32": [1.5, "NaN", "-Infinity"],
        "au8": [0, 255], "abf": [0.5, -2.0],
        "names": ["", "a"], "by_name": {"x": {"a": 1, "s": null}, "": {"a": 2, "s": "y"}},
        "by_id": [[-1, "BLUE"], [0, "GREEN"]], "color": "RED", "ocolor": "BLUE",
        "inner": {"a": -5, "s": ""}, "shape": {"sizes": [1, 2]},
        "anything": {"map": [[{"string": "k"}, {"list": [{"int8": 1}, null]}]]},
        "many": [{"s.Inner": {"a": 1, "s": null}}, {"float32": 0.25}, {"array<int32>": [1]}, null, {"s.Shape": {"name": "n"}}],
        "of64": "Infinity", "holes": [null, 1, null]
    });
    let mut second = base.clone();
    let o = second.as_object_mut().unwrap();
    for k in ["ocolor", "inner", "anything", "of64"] {
        o.insert(k.into(), Json::Null);
    }
    o.insert("f32v".into(), json!(3.4028235e38));
    o.insert("f64v".into(), json!(5e-324));
    o.insert("f16v".into(), json!("NaN"));
    o.insert("shape".into(), json!({"inner": {"a": 1, "s": null}}));
    o.insert("by_name".into(), json!({}));
    o.insert("many".into(), json!([]));
    vec![base, second]
}

/// A random document of `s.All` (random scalars, a few random container sizes).
fn random_document(rng: &mut StdRng) -> Json {
    let mut d = documents().swap_remove(rng.random_range(0..2));
    let o = d.as_object_mut().unwrap();
    let f32v = f32::from_bits(rng.random());
    let f64v = f64::from_bits(rng.random());
    let float = |x: f64| {
        if x.is_nan() {
            json!("NaN")
        } else if x.is_infinite() {
            json!(if x > 0.0 { "Infinity" } else { "-Infinity" })
        } else {
            json!(x)
        }
    };
    o.insert("i8v".into(), json!(rng.random::<i8>()));
    o.insert("i32v".into(), json!(rng.random::<i32>()));
    o.insert("i64t".into(), json!(rng.random::<i64>()));
    o.insert("u64v".into(), json!(rng.random::<u64>()));
    // Shortest f32 text as JSON (what a JSON producer of that f32 would write).
    let f32_json = if f32v.is_finite() {
        serde_json::from_str::<Json>(&format!("{f32v:?}")).unwrap()
    } else {
        float(f32v as f64)
    };
    o.insert("f32v".into(), f32_json);
    o.insert("f64v".into(), float(f64v));
    o.insert("bf16v".into(), float(foryjit::bf16::from_bits(rng.random()).to_f64()));
    o.insert("f16v".into(), float(foryjit::f16::from_bits(rng.random()).to_f64()));
    let n = rng.random_range(0..5);
    o.insert("names".into(), json!((0..n).map(|i| format!("n{i}")).collect::<Vec<_>>()));
    o.insert(
        "holes".into(),
        json!((0..n).map(|i| if i % 2 == 0 { json!(null) } else { json!(i) }).collect::<Vec<_>>()),
    );
    o.insert(
        "dur".into(),
        json!({"seconds": rng.random::<i64>(), "nanos": rng.random_range(0..1_000_000_000)}),
    );
    d
}

fn handle(f: &ForyJit) -> TypeHandle {
    f.type_handle("s.All").unwrap()
}

#[test]
fn serialize_gives_the_canonical_json() {
    for f in engines() {
        let ty = handle(&f);
        for doc in documents() {
            let v = f.from_json(ty, &doc).unwrap();
            let view = f.view(&v);
            let canonical = f.to_json(ty, &v).unwrap();
            assert_eq!(serde_json::to_value(&view).unwrap(), canonical);
            // Text too: serde_json::to_string of the view is the canonical document's text.
            assert_eq!(serde_json::to_string(&view).unwrap(), canonical.to_string());
            assert_eq!(serde_json::to_value(f.view_as(ty, &v).unwrap()).unwrap(), canonical);
        }
    }
}

#[test]
fn serialize_equals_to_json_on_random_values() {
    let seed = seed();
    let mut rng = StdRng::seed_from_u64(seed);
    let f = ForyJit::builder().tier(Tier::Interpreter).build();
    f.load_idl(FDL).unwrap();
    let ty = handle(&f);
    for i in 0..300 {
        let doc = random_document(&mut rng);
        let v = f.from_json(ty, &doc).unwrap_or_else(|e| panic!("seed {seed} #{i}: {e}"));
        let canonical = f.to_json(ty, &v).unwrap();
        assert_eq!(serde_json::to_value(f.view(&v)).unwrap(), canonical, "seed {seed} #{i}");
        // And back: the seed reads the canonical text to the same value.
        let text = canonical.to_string();
        let back = f
            .value_seed(ty)
            .deserialize(&mut serde_json::Deserializer::from_str(&text))
            .unwrap_or_else(|e| panic!("seed {seed} #{i}: {e}"));
        assert!(back.bit_eq(&v), "seed {seed} #{i}: {text}");
    }
}

/// JSON text → ValueSeed → bytes equals JSON → from_json → bytes; MessagePack of the view →
/// ValueSeed → bytes too; in both tiers and modes.
#[test]
fn round_trips_through_json_text_and_messagepack_give_the_same_fory_bytes() {
    let seed = seed();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut docs = documents();
    docs.extend((0..50).map(|_| random_document(&mut rng)));
    for f in engines() {
        let ty = handle(&f);
        for (i, doc) in docs.iter().enumerate() {
            let ctx = format!("seed {seed}, doc #{i}, {:?} {:?}", f.tier(), f.mode());
            let via_json = f.from_json(ty, doc).unwrap();
            let expected = f.serialize(&via_json).unwrap();
            // Straight from JSON text, no serde_json::Value in between.
            let text = doc.to_string();
            let v = f
                .value_seed(ty)
                .deserialize(&mut serde_json::Deserializer::from_str(&text))
                .unwrap_or_else(|e| panic!("{ctx}: {e}"));
            assert_eq!(f.serialize(&v).unwrap(), expected, "{ctx}: json text");
            // MessagePack: the view serialized, read back through the seed.
            let packed = rmp_serde::to_vec(&f.view(&via_json)).unwrap();
            let mut de = rmp_serde::Deserializer::new(&packed[..]);
            let v = f.value_seed(ty).deserialize(&mut de).unwrap_or_else(|e| panic!("{ctx}: {e}"));
            assert_eq!(f.serialize(&v).unwrap(), expected, "{ctx}: msgpack");
            // Fory bytes → value → MessagePack → value → the same Fory bytes.
            let decoded = f.deserialize(&expected).unwrap();
            let packed = rmp_serde::to_vec(&f.view(&decoded)).unwrap();
            let v = f
                .value_seed(ty)
                .deserialize(&mut rmp_serde::Deserializer::new(&packed[..]))
                .unwrap();
            assert_eq!(f.serialize(&v).unwrap(), expected, "{ctx}: decoded, msgpack");
        }
    }
}

#[test]
fn messagepack_bytes_fields_may_be_native_binary() {
    let f = ForyJit::default();
    f.load_idl(FDL).unwrap();
    let inner = f.load_idl("package b; message B [id=50] { bytes data = 1; }").unwrap();
    let ty = inner.get("b.B").unwrap();
    // A MessagePack `bin` (what serde_bytes or a Vec<u8> with `serialize_bytes` writes).
    struct Bin<'a>(&'a [u8]);
    impl serde::Serialize for Bin<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }
    struct B(Vec<u8>);
    impl serde::Serialize for B {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut m = s.serialize_map(Some(1))?;
            m.serialize_entry("data", &Bin(&self.0))?;
            m.end()
        }
    }
    let packed = rmp_serde::to_vec(&B(vec![1, 2, 255])).unwrap();
    let v = f.value_seed(ty).deserialize(&mut rmp_serde::Deserializer::new(&packed[..])).unwrap();
    assert_eq!(f.get(&v, "data").and_then(Value::as_bytes), Some(&[1u8, 2, 255][..]));
}

#[test]
fn seed_errors_name_the_path_and_the_problem() {
    let f = ForyJit::default();
    f.load_idl(FDL).unwrap();
    let ty = handle(&f);
    let inner = f.type_handle("s.Inner").unwrap();
    let shape = f.type_handle("s.Shape").unwrap();
    let err = |ty: TypeHandle, text: &str| -> String {
        let e = f
            .value_seed(ty)
            .deserialize(&mut serde_json::Deserializer::from_str(text))
            .expect_err(text)
            .to_string();
        // The same problem from_json reports, plus serde_json's position.
        if let Ok(j) = serde_json::from_str::<Json>(text) {
            let same = f.from_json(ty, &j).expect_err(text).to_string();
            assert!(e.starts_with(same.trim_start_matches("json: ")), "{e} vs {same}");
        }
        e
    };
    assert!(err(inner, r#"{"a": 1, "x": 2}"#).starts_with("at <root>: unknown field x"));
    assert!(err(inner, r#"{"s": "t"}"#).starts_with("at <root>: missing field a"));
    assert!(err(inner, r#"{"a": null}"#).starts_with("at <root>: missing field a"));
    assert!(err(inner, r#"{"a": 2147483648}"#).starts_with("at a: number out of range for int32"));
    assert!(err(inner, r#"{"a": 1.5}"#).starts_with("at a: expected int32"));
    assert!(err(inner, r#"[1]"#).starts_with("at <root>: expected object"));
    assert!(err(shape, r#"{"circle": 1}"#).starts_with("at <root>: unknown union case circle"));
    assert!(err(shape, r#"{"sizes": [1, "x"]}"#).starts_with("at .sizes[1]: expected int64"));
    assert!(err(shape, r#"{"name": "a", "sizes": []}"#)
        .starts_with("at <root>: expected an object with one case"));
    let doc = |patch: Json| {
        let mut d = documents().swap_remove(0);
        for (k, v) in patch.as_object().unwrap() {
            d.as_object_mut().unwrap().insert(k.clone(), v.clone());
        }
        d.to_string()
    };
    assert!(err(ty, &doc(json!({"color": "PINK"}))).starts_with("at color: unknown enum name PINK"));
    assert!(err(ty, &doc(json!({"by_name": {"k": {"a": "1"}}})))
        .starts_with("at by_name.k.a: expected int32"));
    assert!(
        err(ty, &doc(json!({"by_id": [[1]]}))).starts_with("at by_id{#0}: expected [key, value]")
    );
    assert!(err(ty, &doc(json!({"anything": {"nope": 1}})))
        .starts_with("at anything: unknown type nope in an `any` value"));
    assert!(err(ty, &doc(json!({"many": [{"int8": 1000}]})))
        .starts_with("at many[0]<int8>: number out of range for int8"));
    assert!(err(ty, &doc(json!({"af32": [1, null]}))).starts_with("at af32[1]: expected number"));
    assert!(err(ty, &doc(json!({"dur": {"seconds": 1, "nanos": -1}})))
        .starts_with("at dur: number out of range for nanos"));
    assert!(
        err(ty, &doc(json!({"d": "2023-02-29"}))).starts_with("at d: expected a date YYYY-MM-DD")
    );
    assert!(err(ty, &doc(json!({"data": "!!"}))).starts_with("at data: expected base64 text"));
}

#[test]
fn serialize_refuses_values_that_do_not_fit_their_schema() {
    let f = ForyJit::default();
    f.load_idl(FDL).unwrap();
    let ty = handle(&f);
    let mut v = f.from_json(ty, &documents()[0]).unwrap();
    f.set_unchecked(&mut v, "names", Value::list(vec![Value::Int32(1)]));
    let err = serde_json::to_value(f.view(&v)).unwrap_err().to_string();
    assert_eq!(err, "at names[0]: value of kind int32 where string is expected");
    assert_eq!(f.to_json(ty, &v).unwrap_err().to_string(), format!("json: {err}"));
    assert!(rmp_serde::to_vec(&f.view(&v)).is_err());
}
