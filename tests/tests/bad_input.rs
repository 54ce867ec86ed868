//! Robustness ("bad input") tests.
//!
//! Every test asserts an exact outcome: a typed error of a specific kind (with its byte offset and
//! field path where they are meaningful), or a value equal to the expected one. Nothing here only
//! checks "did not panic".
//!
//! * truncations: every prefix of every valid payload fails with `Truncated`;
//! * seeded random mutations and random bytes (override the seed with `FORYJIT_SEED`): every result
//!   is `Ok` (and then re-serializes and round-trips) or an `Error::Codec`; panics are caught and
//!   reported with the input in hex; allocations stay proportional to the input;
//! * targeted malformed inputs: header, ref flags, type ids, hashes, strings, arrays, maps,
//!   collection headers, enums, time values, hostile lengths (with the largest single allocation
//!   measured by the counting allocator of this test binary), nesting depth, trailing bytes;
//! * after every failed read the same engine still decodes a valid payload;
//! * serialize side: values that do not match the schema, output limits, `serialize_into` reuse;
//! * JSON side: out-of-range integers, missing and unknown fields.

use foryjit::json::{JsonError, JsonProblem};
use foryjit::{
    CodecError, CodecLimits, Duration, ElemType, EnumValue, Error, ErrorKind, FieldDesc, FieldType,
    ForyJit, IntEncoding, MessageDesc, PathSegment, SchemaDesc, StructValue, Timestamp, TypeHandle,
    Value,
};
use foryjit_tests::{hex, unhex};
use serde_json::json;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

// =============================================================================================
// Counting allocator: the largest single allocation made by the current thread while tracking.
// Thread-local, so tests running in parallel do not disturb each other.

struct CountingAlloc;

thread_local! {
    static TRACKING: Cell<bool> = const { Cell::new(false) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note_alloc(size: usize) {
    // `try_with`: the allocator may run while thread-locals are being torn down. Both cells have
    // const initializers and no destructor, so this never allocates.
    let tracking = TRACKING.try_with(Cell::get).unwrap_or(false);
    if tracking {
        let _ = LARGEST.try_with(|l| {
            if size > l.get() {
                l.set(size);
            }
        });
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the only
// extra work is updating two thread-local cells, which neither allocates nor unwinds.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` (every allocation goes through this wrapper)
        // with `layout`, as the caller guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_alloc(new_size);
        // SAFETY: as for `dealloc`; `new_size` is valid per the caller's contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

struct TrackGuard;

impl Drop for TrackGuard {
    fn drop(&mut self) {
        TRACKING.with(|t| t.set(false));
    }
}

/// Runs `f` and returns its result with the largest single allocation (bytes) it made.
fn largest_alloc<R>(f: impl FnOnce() -> R) -> (R, usize) {
    LARGEST.with(|l| l.set(0));
    TRACKING.with(|t| t.set(true));
    let guard = TrackGuard;
    let r = f();
    drop(guard);
    (r, LARGEST.with(Cell::get))
}

/// The allocation a failed or successful read may make for `input_len` bytes: a fixed
/// allowance plus 64 bytes per input byte (a `MapEntry` is 64 bytes, a `Value` 32; a reader may
/// preallocate one slot per remaining input byte, never more).
fn alloc_allowance(input_len: usize) -> usize {
    (64 << 10) + 64 * input_len
}

// =============================================================================================
// Schemas

/// Every type of the language, in one package registered by id.
const ROBUST_FDL: &str = r#"
package robust;

enum Color [id=20] { RED = 0; GREEN = 1; BLUE = 5; }

message Point [id=21] { int32 x = 1; int32 y = 2; }

message Scalars [id=22] {
    bool b = 1;
    int8 i8 = 2;
    int16 i16 = 3;
    int32 i32 = 4;
    fixed_int32 fi32 = 5;
    int64 i64 = 6;
    fixed_int64 fi64 = 7;
    tagged_int64 ti64 = 8;
    uint8 u8 = 9;
    uint16 u16 = 10;
    uint32 u32 = 11;
    fixed_uint32 fu32 = 12;
    uint64 u64 = 13;
    fixed_uint64 fu64 = 14;
    tagged_uint64 tu64 = 15;
    float16 f16 = 16;
    bfloat16 bf16 = 17;
    float32 f32 = 18;
    float64 f64 = 19;
}

message Optionals [id=23] {
    optional bool b = 1;
    optional int8 i8 = 2;
    optional int16 i16 = 3;
    optional int32 i32 = 4;
    optional fixed_int32 fi32 = 5;
    optional int64 i64 = 6;
    optional tagged_int64 ti64 = 7;
    optional uint32 u32 = 8;
    optional tagged_uint64 tu64 = 9;
    optional float16 f16 = 10;
    optional float32 f32 = 11;
    optional float64 f64 = 12;
    optional string s = 13;
    optional bytes bin = 14;
    optional date d = 15;
    optional timestamp ts = 16;
    optional duration dur = 17;
    optional Color color = 18;
    Point p = 19;
    optional list<int32> li = 20;
    optional map<string, int32> m = 21;
    optional array<int32> arr = 22;
}

message Texts [id=24] {
    string s = 1;
    string empty = 2;
    string unicode = 3;
    bytes bin = 4;
    date d = 5;
    timestamp ts = 6;
    duration dur = 7;
    Color color = 8;
}

message Arrays [id=25] {
    array<bool> a_bool = 1;
    array<int8> a_i8 = 2;
    array<int16> a_i16 = 3;
    array<int32> a_i32 = 4;
    array<int64> a_i64 = 5;
    array<uint8> a_u8 = 6;
    array<uint16> a_u16 = 7;
    array<uint32> a_u32 = 8;
    array<uint64> a_u64 = 9;
    array<float16> a_f16 = 10;
    array<bfloat16> a_bf16 = 11;
    array<float32> a_f32 = 12;
    array<float64> a_f64 = 13;
}

message Lists [id=26] {
    list<int32> ints = 1;
    list<string> strs = 2;
    list<optional int64> opt_longs = 3;
    list<Point> points = 4;
    list<Color> colors = 5;
    list<bytes> blobs = 6;
    list<list<int32>> nested = 7;
    list<optional Point> opt_points = 8;
    list<fixed_int64> fixed = 9;
    list<float64> doubles = 10;
}

message Maps [id=27] {
    map<string, int32> counts = 1;
    map<int32, Point> by_id = 2;
    map<string, optional string> opt = 3;
    map<Color, list<int32>> by_color = 4;
    map<int64, bytes> blobs = 5;
    map<string, map<string, float64>> nested = 6;
}

message Holder [id=28] {
    Scalars scalars = 1;
    Texts texts = 2;
    Arrays arrays = 3;
    Lists lists = 4;
    Maps maps = 5;
    Optionals opts = 6;
}

message Dyn [id=29] {
    any a = 1;
    list<any> items = 2;
    map<string, optional any> props = 3;
}

message Node [id=9] {
    int32 v = 1;
    Node next = 2;
    list<Node> kids = 3;
}
"#;

/// Small one-field messages for hand-written bodies: every payload is
/// `01 ff 1b <id> <hash:4> <body>`, so the body starts at byte 8.
const TARGET_FDL: &str = r#"
package t;

enum E [id=41] { A = 0; B = 3; }

message P [id=42] { int32 x = 1; }
message Q [id=43] { int32 x = 1; int32 y = 2; }
message OptI [id=44] { optional int32 v = 1; }
message OptS [id=45] { optional string v = 1; }
message Str [id=46] { string v = 1; }
message Bin [id=47] { bytes v = 1; }
message A16 [id=48] { array<int16> v = 1; }
message A32 [id=49] { array<int32> v = 1; }
message A64 [id=50] { array<float64> v = 1; }
message LI [id=51] { list<int32> v = 1; }
message LOI [id=52] { list<optional int32> v = 1; }
message LP [id=53] { list<P> v = 1; }
message MSI [id=54] { map<string, int32> v = 1; }
message MIP [id=55] { map<int32, P> v = 1; }
message MSOS [id=56] { map<string, optional string> v = 1; }
message En [id=57] { E v = 1; }
message Ts [id=58] { timestamp v = 1; }
message Dur [id=59] { duration v = 1; }
message Dt [id=60] { date v = 1; }
message HasP [id=61] { P v = 1; }
message AnyF [id=62] { any v = 1; }
message I32 [id=63] { int32 v = 1; }
message TI64 [id=64] { tagged_int64 v = 1; }
message LLI [id=65] { list<list<int32>> v = 1; }
message LS [id=66] { list<string> v = 1; }
"#;

/// Types registered by namespace and name: type meta carries meta strings.
const NAMED_FDL: &str = r#"
package robust.named;
option enable_auto_type_id = false;

enum Mood { HAPPY = 0; SAD = 1; }

message Pet {
    string name = 1;
    Mood mood = 2;
    Pet friend = 3;
    list<Pet> litter = 4;
    map<string, Pet> by_name = 5;
}
"#;

/// A named type the robust engine does not know (same namespace as `Pet`).
const STRANGER_FDL: &str = r#"
package robust.named;
option enable_auto_type_id = false;
message Cat { string name = 1; }
"#;

/// The benchmark shapes (`tests/schemas/bench.fdl`).
const SHAPES_FDL: &str = foryjit_tests::SHAPES_FDL;

/// Copy of `shared/bench/MediaContent.json`.
const MEDIA_CONTENT_JSON: &str = foryjit_tests::MEDIA_CONTENT_JSON;

// =============================================================================================
// Engines and sample values

/// An engine with every robust/target/named schema and a set message, registered in a fixed
/// order, so type indices agree between engines built with different limits.
fn robust_engine(limits: CodecLimits) -> ForyJit {
    let fory = ForyJit::builder().compatible(false).limits(limits).build();
    fory.load_idl(ROBUST_FDL).expect("ROBUST_FDL loads");
    fory.load_idl(TARGET_FDL).expect("TARGET_FDL loads");
    fory.load_idl(NAMED_FDL).expect("NAMED_FDL loads");
    let set = |elem: FieldType| FieldType::Set(Box::new(ElemType::new(elem)));
    fory.register_schema(
        SchemaDesc::new("robust.sets").message(
            MessageDesc::with_id("robust.sets.Tags", 30)
                .field(FieldDesc::new("tags", 1, set(FieldType::String)))
                .field(FieldDesc::new("nums", 2, set(FieldType::Int64(IntEncoding::Varint)))),
        ),
    )
    .expect("set schema registers");
    fory
}

fn bench_engine(limits: CodecLimits) -> ForyJit {
    let fory = ForyJit::builder().compatible(false).limits(limits).build();
    fory.load_idl(SHAPES_FDL).expect("SHAPES_FDL loads");
    fory
}

fn huge_limits() -> CodecLimits {
    CodecLimits {
        max_depth: 50,
        max_string_bytes: usize::MAX,
        max_binary_bytes: usize::MAX,
        max_collection_len: usize::MAX,
        max_shared_copy_values: usize::MAX,
        max_output_bytes: usize::MAX,
        ..CodecLimits::default()
    }
}

fn ty(fory: &ForyJit, name: &str) -> TypeHandle {
    fory.type_handle(name).unwrap_or_else(|| panic!("type {name} is registered"))
}

fn from_json(fory: &ForyJit, name: &str, j: serde_json::Value) -> Value {
    fory.from_json(ty(fory, name), &j).unwrap_or_else(|e| panic!("from_json {name}: {e}"))
}

fn sv(fory: &ForyJit, name: &str, fields: Vec<Value>) -> Value {
    Value::Struct(StructValue::new(ty(fory, name).index(), fields))
}

fn ser(fory: &ForyJit, v: &Value) -> Vec<u8> {
    fory.serialize(v).unwrap_or_else(|e| panic!("serialize: {e}\nvalue: {v:?}"))
}

fn bytes_of(spaced_hex: &str) -> Vec<u8> {
    let s: String = spaced_hex.chars().filter(|c| !c.is_whitespace()).collect();
    unhex(&s).unwrap_or_else(|| panic!("bad hex literal {spaced_hex}"))
}

fn varu32(mut v: u32) -> Vec<u8> {
    let mut out = Vec::new();
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
    out
}

/// PVL varuint64, as the wire crate writes it.
fn varu64(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..8 {
        if v < 0x80 {
            out.push(v as u8);
            return out;
        }
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
    out
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn path_of(e: &CodecError) -> String {
    e.path.to_string()
}

/// Named sample values of the robust engine (all valid; each serializes).
fn robust_samples(fory: &ForyJit) -> Vec<(&'static str, Value)> {
    let point = |x: i32, y: i32| sv(fory, "robust.Point", vec![Value::Int32(x), Value::Int32(y)]);
    let color = |value: u32| Value::Enum(EnumValue { ty: ty(fory, "robust.Color").index(), value });
    let pet_json = json!({
        "name": "rex", "mood": "SAD",
        "friend": {"name": "tom", "mood": "HAPPY", "friend": null, "litter": [], "by_name": {}},
        "litter": [
            {"name": "a", "mood": "HAPPY", "litter": [], "by_name": {}},
            {"name": "b", "mood": "SAD", "litter": [], "by_name": {}}
        ],
        "by_name": {"kit": {"name": "kit", "mood": "HAPPY", "litter": [], "by_name": {}}}
    });
    let pet = from_json(fory, "robust.named.Pet", pet_json);
    let scalars_max = from_json(
        fory,
        "robust.Scalars",
        json!({
            "b": true, "i8": -128, "i16": -32768, "i32": -2147483648i64, "fi32": 2147483647,
            "i64": i64::MIN, "fi64": i64::MAX, "ti64": 1i64 << 40, "u8": 255, "u16": 65535,
            "u32": 4294967295u32, "fu32": 123, "u64": u64::MAX, "fu64": 1, "tu64": 1u64 << 33,
            "f16": 1.5, "bf16": -2.0, "f32": 3.25, "f64": 1e300
        }),
    );
    let scalars_small = from_json(
        fory,
        "robust.Scalars",
        json!({
            "b": false, "i8": 1, "i16": 2, "i32": 3, "fi32": -4, "i64": 5, "fi64": -6, "ti64": -7,
            "u8": 8, "u16": 9, "u32": 10, "fu32": 11, "u64": 12, "fu64": 13, "tu64": 14,
            "f16": "NaN", "bf16": "-Infinity", "f32": -0.0, "f64": 0.1
        }),
    );
    let texts = from_json(
        fory,
        "robust.Texts",
        json!({
            "s": "hello", "empty": "", "unicode": "h\u{e9}llo \u{1234} \u{1F600}",
            "bin": "AAEC/w==", "d": "2024-02-29", "ts": "1969-12-31T23:59:59.5Z",
            "dur": {"seconds": -3, "nanos": 5}, "color": "BLUE"
        }),
    );
    let arrays = from_json(
        fory,
        "robust.Arrays",
        json!({
            "a_bool": [true, false], "a_i8": [-1, 2], "a_i16": [-300, 7], "a_i32": [1, -70000],
            "a_i64": [1, -(1i64 << 40)], "a_u8": [0, 255], "a_u16": [65535], "a_u32": [4000000000u32],
            "a_u64": [u64::MAX], "a_f16": [0.5, -1.0], "a_bf16": [2.0], "a_f32": [1.25, -3.5],
            "a_f64": [1e-300, 2.5]
        }),
    );
    let arrays_empty = from_json(
        fory,
        "robust.Arrays",
        json!({
            "a_bool": [], "a_i8": [], "a_i16": [], "a_i32": [], "a_i64": [], "a_u8": [],
            "a_u16": [], "a_u32": [], "a_u64": [], "a_f16": [], "a_bf16": [], "a_f32": [],
            "a_f64": []
        }),
    );
    let lists = from_json(
        fory,
        "robust.Lists",
        json!({
            "ints": [1, -1, 300], "strs": ["a", "", "\u{1234}"], "opt_longs": [1, null, 3],
            "points": [{"x": 1, "y": 2}, {"x": -1, "y": 0}], "colors": ["RED", "BLUE"],
            "blobs": ["AA==", ""], "nested": [[1, 2], [], [3]],
            "opt_points": [null, {"x": 1, "y": 1}], "fixed": [-1, 2], "doubles": [0.5]
        }),
    );
    let lists_empty = from_json(
        fory,
        "robust.Lists",
        json!({
            "ints": [], "strs": [], "opt_longs": [], "points": [], "colors": [], "blobs": [],
            "nested": [], "opt_points": [], "fixed": [], "doubles": []
        }),
    );
    let maps = from_json(
        fory,
        "robust.Maps",
        json!({
            "counts": {"a": 1, "b": 2},
            "by_id": [[1, {"x": 1, "y": 2}], [2, {"x": 3, "y": 4}]],
            "opt": {"k": null, "j": "v"},
            "by_color": [["RED", [1, 2]], ["BLUE", []]],
            "blobs": [[5, "AQI="], [-5, ""]],
            "nested": {"outer": {"inner": 1.5}, "empty": {}}
        }),
    );
    let optionals_null = from_json(fory, "robust.Optionals", json!({}));
    let optionals_full = from_json(
        fory,
        "robust.Optionals",
        json!({
            "b": true, "i8": -1, "i16": 300, "i32": -5, "fi32": 6, "i64": 7, "ti64": 1i64 << 35,
            "u32": 9, "tu64": 10, "f16": 0.25, "f32": 1.5, "f64": -2.5, "s": "opt",
            "bin": "AQID", "d": "1970-01-01", "ts": "2000-01-01T00:00:00Z",
            "dur": {"seconds": 1, "nanos": 999999999}, "color": "GREEN", "p": {"x": 5, "y": 6},
            "li": [1, 2], "m": {"z": 26}, "arr": [7, 8]
        }),
    );
    let holder = sv(
        fory,
        "robust.Holder",
        vec![
            scalars_max.clone(),
            texts.clone(),
            arrays.clone(),
            lists.clone(),
            maps.clone(),
            optionals_full.clone(),
        ],
    );
    let node = from_json(
        fory,
        "robust.Node",
        json!({
            "v": 1,
            "next": {"v": 2, "next": null, "kids": []},
            "kids": [{"v": 3, "next": null, "kids": [{"v": 4, "kids": []}]}, {"v": 5, "kids": []}]
        }),
    );
    let dyn_value = sv(
        fory,
        "robust.Dyn",
        vec![
            Value::list(vec![
                Value::Int32(1),
                Value::string("x"),
                Value::Null,
                point(1, 2),
                Value::Float64(2.5),
                Value::map(vec![(Value::string("k"), Value::Int64(9))]),
            ]),
            Value::list(vec![Value::Int64(5), Value::string("s"), color(5), Value::Date(19000)]),
            Value::map(vec![
                (Value::string("bin"), Value::Binary(vec![1u8, 2, 3].into())),
                (Value::string("pet"), pet.clone()),
                (Value::string("none"), Value::Null),
                (Value::string("arr"), Value::Int32Array(vec![1, 2].into())),
            ]),
        ],
    );
    let dyn_nulls =
        sv(fory, "robust.Dyn", vec![Value::Null, Value::list(vec![]), Value::map(vec![])]);
    let tags = from_json(fory, "robust.sets.Tags", json!({"tags": ["a", "b"], "nums": [1, -2]}));
    let root_list = Value::list(vec![
        Value::Int32(7),
        Value::string("mixed"),
        Value::Null,
        Value::Bool(true),
        Value::list(vec![Value::Int64(1), Value::Int64(2)]),
        Value::Timestamp(Timestamp { seconds: 5, nanos: 6 }),
        Value::Duration(Duration { seconds: -5, nanos: 6 }),
        point(3, 4),
    ]);
    let root_map = Value::map(vec![
        (Value::string("a"), Value::Int32(1)),
        (Value::string("b"), Value::Int32(2)),
        (Value::Int64(3), Value::string("c")),
        (Value::Null, Value::Float32(1.0)),
    ]);
    let root_set = Value::Set(vec![Value::string("p"), Value::string("q")].into());
    vec![
        ("Scalars(max)", scalars_max),
        ("Scalars(small)", scalars_small),
        ("Texts", texts),
        ("Arrays", arrays),
        ("Arrays(empty)", arrays_empty),
        ("Lists", lists),
        ("Lists(empty)", lists_empty),
        ("Maps", maps),
        ("Optionals(null)", optionals_null),
        ("Optionals(full)", optionals_full),
        ("Holder", holder),
        ("Node", node),
        ("Dyn", dyn_value),
        ("Dyn(nulls)", dyn_nulls),
        ("Pet(named)", pet),
        ("Tags(set)", tags),
        ("root list", root_list),
        ("root map", root_map),
        ("root set", root_set),
        ("root string", Value::string("just a string \u{e9}")),
        ("root int32 array", Value::Int32Array(vec![1, 2, 3].into())),
        ("root enum", color(1)),
    ]
}

/// Named sample values of the bench engine.
fn bench_samples(fory: &ForyJit) -> Vec<(&'static str, Value)> {
    let media: serde_json::Value = serde_json::from_str(MEDIA_CONTENT_JSON).expect("json parses");
    let numeric = json!({
        "f1": 1, "f2": -2, "f3": 300, "f4": -70000, "f5": 2147483647, "f6": -2147483648i64,
        "f7": 0, "f8": 8, "f9": 9, "f10": 10, "f11": 11, "f12": 12
    });
    let sample = json!({
        "int_value": 123, "long_value": 1i64 << 40, "float_value": 12.345, "double_value": 1.0e10,
        "short_value": 32767, "char_value": 65, "boolean_value": true,
        "int_value_boxed": -5, "long_value_boxed": -(1i64 << 50), "float_value_boxed": -0.5,
        "double_value_boxed": 2.0, "short_value_boxed": -32768, "char_value_boxed": 0x1234,
        "boolean_value_boxed": false,
        "int_array": [1, 2, 3], "long_array": [4, 5], "float_array": [1.5], "double_array": [2.5, 3.5],
        "short_array": [7], "char_array": [97, 98], "boolean_array": [true, false, true],
        "string": "ABCDEFGHIJKLMNOPQRSTUVWXYZ\u{e9}"
    });
    vec![
        ("MediaContent", from_json(fory, "bench.MediaContent", media.clone())),
        ("NumericStruct", from_json(fory, "bench.NumericStruct", numeric.clone())),
        ("Sample", from_json(fory, "bench.Sample", sample.clone())),
        (
            "MediaContentList",
            from_json(
                fory,
                "bench.MediaContentList",
                json!({"media_content_list": [media.clone(), media]}),
            ),
        ),
        (
            "NumericStructList",
            from_json(
                fory,
                "bench.NumericStructList",
                json!({"struct_list": [numeric.clone(), numeric]}),
            ),
        ),
        ("SampleList", from_json(fory, "bench.SampleList", json!({"sample_list": [sample]}))),
    ]
}

/// (engine name, payload name, bytes) for every sample.
struct Corpus {
    robust: ForyJit,
    bench: ForyJit,
    payloads: Vec<(bool, &'static str, Vec<u8>, Value)>,
}

impl Corpus {
    fn new() -> Corpus {
        let robust = robust_engine(CodecLimits::default());
        let bench = bench_engine(CodecLimits::default());
        let mut payloads = Vec::new();
        for (name, v) in robust_samples(&robust) {
            let b = ser(&robust, &v);
            payloads.push((true, name, b, v));
        }
        for (name, v) in bench_samples(&bench) {
            let b = ser(&bench, &v);
            payloads.push((false, name, b, v));
        }
        Corpus { robust, bench, payloads }
    }

    fn engine(&self, robust: bool) -> &ForyJit {
        if robust {
            &self.robust
        } else {
            &self.bench
        }
    }

    /// The first payload of the same engine: the liveness reference.
    fn reference(&self, robust: bool) -> (&[u8], &Value) {
        let (_, _, b, v) = self.payloads.iter().find(|p| p.0 == robust).expect("a payload");
        (b, v)
    }
}

/// The engine still decodes `bytes` to `expect` (checked after failed reads).
fn assert_alive(fory: &ForyJit, bytes: &[u8], expect: &Value, after: &str) {
    match fory.deserialize(bytes) {
        Ok(v) => assert!(v.bit_eq(expect), "engine decodes a valid payload wrongly after {after}"),
        Err(e) => panic!("engine fails on a valid payload after {after}: {e}"),
    }
}

// =============================================================================================
// A harness for hand-written malformed inputs of the robust engine

struct Harness {
    fory: ForyJit,
    ref_bytes: Vec<u8>,
    ref_value: Value,
}

impl Harness {
    fn new() -> Harness {
        Harness::with_limits(CodecLimits::default())
    }

    fn with_limits(limits: CodecLimits) -> Harness {
        let fory = robust_engine(limits);
        let ref_value = robust_samples(&fory).swap_remove(10).1; // Holder: every kind nested
        let ref_bytes = ser(&fory, &ref_value);
        Harness { fory, ref_bytes, ref_value }
    }

    fn ty(&self, name: &str) -> TypeHandle {
        ty(&self.fory, name)
    }

    fn idx(&self, name: &str) -> u32 {
        self.ty(name).index().0
    }

    fn json(&self, name: &str, j: serde_json::Value) -> Value {
        from_json(&self.fory, name, j)
    }

    fn ser(&self, v: &Value) -> Vec<u8> {
        ser(&self.fory, v)
    }

    /// `01 ff 1b <id> <hash>` of a target message (8 bytes), cut from a valid payload.
    fn prefix(&self, name: &str) -> Vec<u8> {
        let sample = target_sample(name).unwrap_or_else(|| panic!("no sample JSON for {name}"));
        let mut out = self.ser(&self.json(name, sample));
        assert_eq!(&out[..3], &[0x01, 0xff, 0x1b], "{name} is registered by id");
        out.truncate(8);
        out
    }

    /// A payload of target message `name` with a hand-written body.
    fn frame(&self, name: &str, body: &[u8]) -> Vec<u8> {
        cat(&[&self.prefix(name), body])
    }

    /// Deserializes `input`, which must fail with exactly `kind` at `offset` with field path
    /// `path` (`<root>` for none); checks the allocation bound and that the engine still works.
    fn expect(&self, input: &[u8], kind: ErrorKind, offset: usize, path: &str) -> CodecError {
        let e = self.expect_with(input, |k| *k == kind, &format!("{kind:?}"));
        assert_eq!(
            (e.offset, path_of(&e).as_str()),
            (offset, path),
            "offset/path of {kind:?} for input {}",
            hex(input)
        );
        e
    }

    /// Like [`Harness::expect`], with a predicate on the kind; returns the error.
    fn expect_with(
        &self,
        input: &[u8],
        pred: impl Fn(&ErrorKind) -> bool,
        what: &str,
    ) -> CodecError {
        let (r, largest) = largest_alloc(|| self.fory.deserialize(input));
        let e = match r {
            Ok(v) => panic!("input {} decoded to {v:?}, expected {what}", hex(input)),
            Err(Error::Codec(e)) => *e,
            Err(e) => panic!("input {}: non-codec error {e:?}, expected {what}", hex(input)),
        };
        assert!(pred(&e.kind), "input {}: got {e:?} ({e}), expected {what}", hex(input));
        assert!(e.offset <= input.len(), "offset {} past the input ({})", e.offset, input.len());
        assert!(
            largest <= alloc_allowance(input.len()),
            "input {}: largest allocation {largest} bytes for {} input bytes",
            hex(input),
            input.len()
        );
        assert_alive(&self.fory, &self.ref_bytes, &self.ref_value, &format!("{e}"));
        e
    }

    /// Deserializes `input`, which must succeed with `expect`.
    fn expect_ok(&self, input: &[u8], expect: &Value) {
        match self.fory.deserialize(input) {
            Ok(v) => assert!(
                v.bit_eq(expect),
                "input {} decoded to {v:?}, expected {expect:?}",
                hex(input)
            ),
            Err(e) => panic!("input {} failed: {e}", hex(input)),
        }
    }

    /// Serializes `v`, which must fail with exactly `kind` at `offset` with field path `path`.
    fn expect_ser(&self, v: &Value, kind: ErrorKind, offset: usize, path: &str) -> CodecError {
        let e = self.expect_ser_with(v, |k| *k == kind, &format!("{kind:?}"));
        assert_eq!((e.offset, path_of(&e).as_str()), (offset, path), "offset/path of {kind:?}");
        e
    }

    fn expect_ser_with(
        &self,
        v: &Value,
        pred: impl Fn(&ErrorKind) -> bool,
        what: &str,
    ) -> CodecError {
        let mut out = vec![0xaa; 3];
        let e = match self.fory.serialize_into(v, &mut out) {
            Ok(()) => panic!("{v:?} serialized to {}, expected {what}", hex(&out)),
            Err(Error::Codec(e)) => *e,
            Err(e) => panic!("{v:?}: non-codec error {e:?}, expected {what}"),
        };
        assert!(pred(&e.kind), "got {e:?} ({e}), expected {what}");
        assert!(out.is_empty(), "failed serialize_into left {} in the buffer", hex(&out));
        // The buffer stays usable: the reference value serializes into it.
        self.fory
            .serialize_into(&self.ref_value, &mut out)
            .expect("buffer reusable after an error");
        assert_eq!(out, self.ref_bytes, "serialize_into after an error");
        e
    }
}

/// The simplest valid JSON of each target message (used for its 8-byte prefix).
fn target_sample(name: &str) -> Option<serde_json::Value> {
    Some(match name.strip_prefix("t.")? {
        "P" => json!({"x": 1}),
        "Q" => json!({"x": 1, "y": 2}),
        "Str" => json!({"v": "s"}),
        "Bin" => json!({"v": ""}),
        "A16" | "A32" | "A64" | "LI" | "LOI" | "LP" | "LLI" | "LS" => json!({"v": []}),
        "MSI" | "MSOS" => json!({"v": {}}),
        "MIP" => json!({"v": []}),
        "En" => json!({"v": "A"}),
        "Ts" => json!({"v": "1970-01-01T00:00:00Z"}),
        "Dur" => json!({"v": {"seconds": 0, "nanos": 0}}),
        "Dt" => json!({"v": "1970-01-01"}),
        "I32" | "TI64" => json!({"v": 0}),
        "OptI" | "OptS" | "HasP" | "AnyF" => json!({}),
        _ => return None,
    })
}

// =============================================================================================
// Seeded random numbers (SplitMix64: tiny, deterministic, no dependency on a crate's algorithm)

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

const DEFAULT_SEED: u64 = 0x5eed_f0e7_2026_0001;

fn seed() -> u64 {
    foryjit_tests::seed_from_env(DEFAULT_SEED)
}

/// A random mutation of `base`.
fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    const INTERESTING: [u8; 12] =
        [0x00, 0x01, 0x02, 0x04, 0x08, 0x0c, 0x7f, 0x80, 0xfd, 0xfe, 0xff, 0x1b];
    let mut b = base.to_vec();
    let rounds = 1 + rng.below(3);
    for _ in 0..rounds {
        let len = b.len();
        match rng.below(9) {
            // Flip one bit.
            0 if len > 0 => {
                let i = rng.below(len);
                b[i] ^= 1 << rng.below(8);
            }
            // Replace a byte with a random one.
            1 if len > 0 => {
                let i = rng.below(len);
                b[i] = rng.byte();
            }
            // Replace a byte with an interesting one.
            2 if len > 0 => {
                let i = rng.below(len);
                b[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            // Overwrite with a maximal varint (a huge length or id).
            3 if len > 0 => {
                let i = rng.below(len);
                let big: &[u8] =
                    if rng.below(2) == 0 { &[0xff, 0xff, 0xff, 0xff, 0x0f] } else { &[0xff; 9] };
                for (k, &x) in big.iter().enumerate() {
                    if let Some(slot) = b.get_mut(i + k) {
                        *slot = x;
                    }
                }
            }
            // Insert random bytes.
            4 => {
                let i = rng.below(len + 1);
                let n = 1 + rng.below(4);
                for _ in 0..n {
                    b.insert(i, rng.byte());
                }
            }
            // Delete a range.
            5 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(8));
                b.drain(i..i + n);
            }
            // Duplicate a range (splicing structure into itself).
            6 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(16));
                let chunk: Vec<u8> = b[i..i + n].to_vec();
                let at = rng.below(b.len() + 1);
                b.splice(at..at, chunk);
            }
            // Truncate and append random bytes.
            7 => {
                let i = rng.below(len + 1);
                b.truncate(i);
                let n = rng.below(6);
                for _ in 0..n {
                    b.push(rng.byte());
                }
            }
            // Set a byte to a small number (lengths, counts, chunk sizes).
            _ if len > 0 => {
                let i = rng.below(len);
                b[i] = rng.below(6) as u8;
            }
            _ => b.push(rng.byte()),
        }
    }
    b
}

/// Runs one fuzz input: the result must be `Ok` (re-serializable, round-tripping) or an
/// `Error::Codec` within the input; no panic; allocations proportional to the input. Returns the
/// error kind name (for the summary) or "ok".
fn fuzz_one(fory: &ForyJit, input: &[u8], ctx: &dyn Fn() -> String) -> &'static str {
    let (r, largest) = largest_alloc(|| catch_unwind(AssertUnwindSafe(|| fory.deserialize(input))));
    let r = match r {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("deserialize panicked ({msg}) on {}\ninput: {}", ctx(), hex(input));
        }
    };
    assert!(
        largest <= alloc_allowance(input.len()),
        "largest allocation {largest} bytes for {} input bytes on {}\ninput: {}",
        input.len(),
        ctx(),
        hex(input)
    );
    match r {
        Ok(v) => {
            // What the reader accepts, the writer accepts, and it reads back the same.
            let again = match catch_unwind(AssertUnwindSafe(|| fory.serialize(&v))) {
                Ok(Ok(b)) => b,
                Ok(Err(e)) => panic!(
                    "decoded value does not re-serialize ({e}) on {}\ninput: {}\nvalue: {v:?}",
                    ctx(),
                    hex(input)
                ),
                Err(_) => panic!(
                    "serialize panicked on a decoded value on {}\ninput: {}",
                    ctx(),
                    hex(input)
                ),
            };
            match fory.deserialize(&again) {
                Ok(v2) => assert!(
                    v2.bit_eq(&v),
                    "round trip of a decoded value differs on {}\ninput: {}",
                    ctx(),
                    hex(input)
                ),
                Err(e) => panic!(
                    "re-serialized value fails to decode ({e}) on {}\ninput: {}",
                    ctx(),
                    hex(input)
                ),
            }
            "ok"
        }
        Err(Error::Codec(e)) => {
            assert!(
                e.offset <= input.len(),
                "error offset {} past the input ({} bytes): {e} on {}\ninput: {}",
                e.offset,
                input.len(),
                ctx(),
                hex(input)
            );
            kind_name(&e.kind)
        }
        Err(e) => panic!("non-codec error {e:?} on {}\ninput: {}", ctx(), hex(input)),
    }
}

fn kind_name(k: &ErrorKind) -> &'static str {
    match k {
        ErrorKind::Truncated { .. } => "Truncated",
        ErrorKind::InvalidHeader(_) => "InvalidHeader",
        ErrorKind::InvalidRefFlag(_) => "InvalidRefFlag",
        ErrorKind::MalformedVarint => "MalformedVarint",
        ErrorKind::UnknownTypeId(_) => "UnknownTypeId",
        ErrorKind::UnregisteredType(_) => "UnregisteredType",
        ErrorKind::TypeMismatch { .. } => "TypeMismatch",
        ErrorKind::HashMismatch { .. } => "HashMismatch",
        ErrorKind::InvalidStringEncoding(_) => "InvalidStringEncoding",
        ErrorKind::InvalidStringData => "InvalidStringData",
        ErrorKind::LengthLimit { .. } => "LengthLimit",
        ErrorKind::BadArrayLength { .. } => "BadArrayLength",
        ErrorKind::DepthLimit(_) => "DepthLimit",
        ErrorKind::OutputLimit(_) => "OutputLimit",
        ErrorKind::InvalidMapChunk => "InvalidMapChunk",
        ErrorKind::InvalidCollectionHeader(_) => "InvalidCollectionHeader",
        ErrorKind::UnknownEnumValue(_) => "UnknownEnumValue",
        ErrorKind::UnexpectedNull => "UnexpectedNull",
        ErrorKind::WrongKind { .. } => "WrongKind",
        ErrorKind::FieldCount { .. } => "FieldCount",
        ErrorKind::WrongStructType { .. } => "WrongStructType",
        ErrorKind::TrailingBytes(_) => "TrailingBytes",
        ErrorKind::Unsupported(_) => "Unsupported",
        ErrorKind::InvalidTime => "InvalidTime",
        ErrorKind::IntOutOfRange(_) => "IntOutOfRange",
        ErrorKind::InvalidMetaString => "InvalidMetaString",
        _ => "other",
    }
}

// =============================================================================================
// Sanity: the corpus round-trips (otherwise the negative tests below prove nothing)

#[test]
fn corpus_round_trips() {
    let c = Corpus::new();
    assert_eq!(c.payloads.len(), 28);
    for (robust, name, bytes, v) in &c.payloads {
        let back = c.engine(*robust).deserialize(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(back.bit_eq(v), "{name} round trip");
    }
}

/// The counting allocator really sees allocations (so the bounds below mean something).
#[test]
fn counting_allocator_sees_allocations() {
    let (v, largest) = largest_alloc(|| vec![7u8; 100_000]);
    assert_eq!(v.len(), 100_000);
    assert!(largest >= 100_000, "largest {largest}");
    let (_, none) = largest_alloc(|| 1 + 1);
    assert_eq!(none, 0);
    // A real decode of the biggest sample allocates something, but nothing huge.
    let c = Corpus::new();
    let (_, _, bytes, _) = c.payloads.iter().max_by_key(|p| p.2.len()).expect("payloads");
    let (r, largest) =
        largest_alloc(|| c.bench.deserialize(bytes).or_else(|_| c.robust.deserialize(bytes)));
    assert!(r.is_ok());
    assert!(largest > 0 && largest <= alloc_allowance(bytes.len()), "largest {largest}");
}

// =============================================================================================
// Truncation

#[test]
fn every_truncation_is_truncated() {
    let c = Corpus::new();
    let mut cases = 0usize;
    for (robust, name, bytes, _) in &c.payloads {
        let fory = c.engine(*robust);
        let (rb, rv) = c.reference(*robust);
        for cut in 0..bytes.len() {
            let input = &bytes[..cut];
            let (r, largest) = largest_alloc(|| fory.deserialize(input));
            match r {
                Err(Error::Codec(e)) => {
                    assert!(
                        matches!(e.kind, ErrorKind::Truncated { need } if need >= 1),
                        "{name} cut at {cut}/{}: {e:?} ({e}), expected Truncated\ninput: {}",
                        bytes.len(),
                        hex(input)
                    );
                    assert!(
                        e.offset <= cut,
                        "{name} cut at {cut}: offset {} past the input",
                        e.offset
                    );
                }
                Ok(v) => panic!("{name} cut at {cut}/{} decoded to {v:?}", bytes.len()),
                Err(e) => panic!("{name} cut at {cut}: non-codec error {e:?}"),
            }
            assert!(largest <= alloc_allowance(cut), "{name} cut at {cut}: allocation {largest}");
            cases += 1;
        }
        assert_alive(fory, rb, rv, &format!("truncations of {name}"));
    }
    println!("truncation cases: {cases}");
    assert!(cases > 2000, "only {cases} truncation cases");
}

// =============================================================================================
// Random mutations and random bytes

#[test]
fn random_mutations_are_ok_or_typed_errors() {
    let seed = seed();
    println!("FORYJIT_SEED={seed:#x}");
    let c = Corpus::new();
    let mut rng = Rng(seed);
    let mut summary: std::collections::BTreeMap<&'static str, usize> = Default::default();
    let per_payload = 3000;
    for (robust, name, bytes, _) in &c.payloads {
        let fory = c.engine(*robust);
        let (rb, rv) = c.reference(*robust);
        for case in 0..per_payload {
            let input = mutate(&mut rng, bytes);
            let ctx = || format!("mutation {case} of {name} (FORYJIT_SEED={seed:#x})");
            let kind = fuzz_one(fory, &input, &ctx);
            *summary.entry(kind).or_default() += 1;
            if kind != "ok" {
                assert_alive(fory, rb, rv, &ctx());
            }
        }
    }
    let total: usize = summary.values().sum();
    println!("mutation cases: {total}; outcomes: {summary:?}");
    assert_eq!(total, per_payload * c.payloads.len());
}

#[test]
fn random_bytes_are_ok_or_typed_errors() {
    let seed = seed() ^ 0xbad_b17e5;
    println!("FORYJIT_SEED={:#x} (random bytes use seed ^ 0xbadb17e5)", seed ^ 0xbad_b17e5);
    let c = Corpus::new();
    let mut rng = Rng(seed);
    let mut summary: std::collections::BTreeMap<&'static str, usize> = Default::default();
    let cases: usize = 30_000;
    for case in 0..cases {
        let robust = !case.is_multiple_of(3);
        let fory = c.engine(robust);
        let len = rng.below(48);
        let mut input: Vec<u8> = (0..len).map(|_| rng.byte()).collect();
        // Most cases get a valid header and root flag, so the reader gets past them.
        if !case.is_multiple_of(4) {
            let mut head = vec![0x01, 0xff];
            // Often a plausible type id as well.
            if case.is_multiple_of(2) {
                head.push([0x1b, 0x16, 0x18, 0x15, 0x1d, 0x19, 0x17, 0x2e][rng.below(8)]);
            }
            head.extend_from_slice(&input);
            input = head;
        }
        let ctx = || format!("random case {case} (FORYJIT_SEED={:#x})", seed ^ 0xbad_b17e5);
        let kind = fuzz_one(fory, &input, &ctx);
        *summary.entry(kind).or_default() += 1;
        if kind != "ok" {
            let (rb, rv) = c.reference(robust);
            assert_alive(fory, rb, rv, &ctx());
        }
    }
    println!("random-byte cases: {cases}; outcomes: {summary:?}");
}

/// Every single-byte corruption (xor 0xff, and each of a few interesting values) of each payload.
#[test]
fn every_single_byte_corruption_is_ok_or_typed_error() {
    let c = Corpus::new();
    let mut cases = 0usize;
    for (robust, name, bytes, _) in &c.payloads {
        let fory = c.engine(*robust);
        for i in 0..bytes.len() {
            for repl in [bytes[i] ^ 0xff, 0x00, 0xfd, 0x80] {
                if repl == bytes[i] {
                    continue;
                }
                let mut input = bytes.clone();
                input[i] = repl;
                let ctx = || format!("{name} byte {i} := {repl:#04x}");
                let kind = fuzz_one(fory, &input, &ctx);
                // A corrupted struct hash is reported where the hash starts, with both values.
                if kind == "HashMismatch" {
                    let e = fory.deserialize(&input).unwrap_err();
                    let e = e.as_codec().expect("codec error");
                    let ErrorKind::HashMismatch { expected, found } = e.kind else {
                        unreachable!()
                    };
                    let at = e.offset;
                    assert!(at + 4 <= input.len(), "{}: hash offset {at}", ctx());
                    assert_eq!(
                        &found.to_le_bytes()[..],
                        &input[at..at + 4],
                        "{}: found hash bytes",
                        ctx()
                    );
                    assert_ne!(expected, found);
                }
                cases += 1;
            }
        }
    }
    println!("single-byte corruption cases: {cases}");
}

// =============================================================================================
// Header and root

#[test]
fn wrong_header_bitmap_is_invalid_header() {
    let h = Harness::new();
    let c = Corpus::new();
    for (_, _, bytes, _) in c.payloads.iter().filter(|p| p.0) {
        for bad in [0x00u8, 0x02, 0x81, 0x05, 0x09, 0xff, 0x80, 0x11] {
            let mut input = bytes.clone();
            input[0] = bad;
            h.expect(&input, ErrorKind::InvalidHeader(bad), 0, "<root>");
        }
        // xlang | out-of-band: read without its buffers (docs/out-of-band.md)
        let mut input = bytes.clone();
        input[0] = 0x03;
        h.expect(&input, ErrorKind::BuffersRequired, 0, "<root>");
    }
    h.expect(&[], ErrorKind::Truncated { need: 1 }, 0, "<root>");
    h.expect(&[0x02], ErrorKind::InvalidHeader(0x02), 0, "<root>");
}

#[test]
fn root_ref_flags() {
    let h = Harness::new();
    let p = h.json("t.P", json!({"x": 5}));
    let good = h.ser(&p);
    assert_eq!(good[1], 0xff);
    for bad in [0xfeu8, 0xfc, 0x01, 0x7f, 0x80, 0x1b] {
        let mut input = good.clone();
        input[1] = bad;
        h.expect(&input, ErrorKind::InvalidRefFlag(bad), 1, "<root>");
    }
    // REF_VALUE (0x00) is what pyfory writes with ref tracking on: accepted.
    let mut input = good.clone();
    input[1] = 0x00;
    h.expect_ok(&input, &p);
    // A null root, alone and with trailing bytes.
    h.expect_ok(&[0x01, 0xfd], &Value::Null);
    h.expect(&[0x01, 0xfd, 0x00], ErrorKind::TrailingBytes(1), 2, "<root>");
    h.expect(&[0x01], ErrorKind::Truncated { need: 1 }, 1, "<root>");
    h.expect(&[0x01, 0xff], ErrorKind::Truncated { need: 1 }, 2, "<root>");
}

#[test]
fn trailing_bytes() {
    let h = Harness::new();
    let c = Corpus::new();
    for (robust, name, bytes, _) in &c.payloads {
        let fory = c.engine(*robust);
        for extra in [&[0x00u8][..], &[0xff, 0xff, 0xff, 0xff, 0xff], &bytes[..]] {
            let input = cat(&[bytes, extra]);
            match fory.deserialize(&input) {
                Err(Error::Codec(e)) => {
                    assert_eq!(e.kind, ErrorKind::TrailingBytes(extra.len()), "{name}");
                    assert_eq!(e.offset, bytes.len(), "{name}: offset of the trailing bytes");
                }
                other => panic!("{name} + {} trailing bytes: {other:?}", extra.len()),
            }
        }
    }
    let p = h.ser(&h.json("t.P", json!({"x": 1})));
    h.expect(&cat(&[&p, &[7]]), ErrorKind::TrailingBytes(1), p.len(), "<root>");
}

// =============================================================================================
// Type ids

#[test]
fn unknown_type_ids() {
    let h = Harness::new();
    // Not xlang type ids at all, or ids with no standalone meaning.
    for id in [0u32, 16, 33, 42, 52, 57, 63, 64, 100, 127, 128, 1000, 1 << 20, u32::MAX] {
        let input = cat(&[&[0x01, 0xff], &varu32(id)]);
        h.expect(&input, ErrorKind::UnknownTypeId(id), 2, "<root>");
    }
    // Inside an `any` field: AnyF body = ref flag + type meta.
    let input = h.frame("t.AnyF", &cat(&[&[0xff], &varu32(200)]));
    h.expect(&input, ErrorKind::UnknownTypeId(200), 9, "v");
    // As the shared element type of a dynamic root list.
    let input = bytes_of("01 ff 16 02 08 39 00 00");
    h.expect(&input, ErrorKind::UnknownTypeId(57), 5, "<root>");
    // As a per-element type of a dynamic root list (header 0: every element carries its type).
    let input = bytes_of("01 ff 16 02 00 05 02 40");
    h.expect(&input, ErrorKind::UnknownTypeId(64), 7, "[1]");
    // A varint longer than 5 bytes.
    h.expect(&bytes_of("01 ff ff ff ff ff ff 01"), ErrorKind::MalformedVarint, 2, "<root>");
}

#[test]
fn unsupported_type_ids_in_same_schema_mode() {
    let h = Harness::new();
    // Compatible-struct kinds (TypeDef metadata) in a same-schema engine, and ext types.
    for id in [28u32, 30, 31, 32] {
        let input = cat(&[&[0x01, 0xff], &varu32(id), &[0, 0, 0, 0]]);
        h.expect_with(&input, |k| matches!(k, ErrorKind::Unsupported(_)), "Unsupported");
    }
    // A TYPED_UNION whose id nobody registered.
    let input = cat(&[&[0x01, 0xff], &varu32(34), &[0, 0, 0, 0]]);
    h.expect(&input, ErrorKind::UnregisteredType("union id 0".into()), 2, "<root>");
    // DECIMAL is supported: scale 0, unscaled 0, then two bytes too many.
    let input = cat(&[&[0x01, 0xff], &varu32(40), &[0, 0, 0, 0]]);
    h.expect(&input, ErrorKind::TrailingBytes(2), 5, "<root>");
}

#[test]
fn unregistered_user_types() {
    let h = Harness::new();
    // STRUCT / ENUM with user ids nobody registered.
    h.expect(
        &bytes_of("01 ff 1b e7 07"),
        ErrorKind::UnregisteredType("id 999".into()),
        2,
        "<root>",
    );
    h.expect(
        &bytes_of("01 ff 19 7f 00"),
        ErrorKind::UnregisteredType("id 127".into()),
        2,
        "<root>",
    );
    // A struct id that is registered as an enum (Color = 20) and an enum id that is a struct.
    h.expect(
        &bytes_of("01 ff 1b 14 00 00 00 00"),
        ErrorKind::UnregisteredType("id 20".into()),
        2,
        "<root>",
    );
    h.expect(&bytes_of("01 ff 19 15 00"), ErrorKind::UnregisteredType("id 21".into()), 2, "<root>");
    // A named struct from another engine's schema.
    let other = ForyJit::builder().compatible(false).build();
    let s = other.load_idl(STRANGER_FDL).expect("stranger loads");
    let cat_ty = s.get("robust.named.Cat").expect("Cat");
    let cat_bytes = ser(&other, &other.from_json(cat_ty, &json!({"name": "tom"})).expect("json"));
    assert_eq!(cat_bytes[2], 0x1d, "NAMED_STRUCT");
    h.expect(&cat_bytes, ErrorKind::UnregisteredType("robust.named.Cat".into()), 2, "<root>");
    // A named enum type meta for a struct name (Pet is a struct).
    let pet = h.ser(&h.json(
        "robust.named.Pet",
        json!({"name": "p", "mood": "SAD", "litter": [], "by_name": {}}),
    ));
    let mut input = pet.clone();
    input[2] = 0x1a; // NAMED_ENUM
    h.expect(&input, ErrorKind::UnregisteredType("robust.named.Pet".into()), 2, "<root>");
}

#[test]
fn type_meta_that_does_not_fit_the_declared_type() {
    let h = Harness::new();
    // list<P> with the element type announced as enum E (id 41).
    let input = h.frame("t.LP", &bytes_of("01 08 19 29 00"));
    h.expect(
        &input,
        ErrorKind::TypeMismatch { expected: "the declared element type", found: 27 },
        10,
        "v",
    );
    // list<P> with the element type announced as struct Q (id 43).
    let input = h.frame("t.LP", &bytes_of("01 08 1b 2b 00"));
    h.expect(
        &input,
        ErrorKind::TypeMismatch { expected: "the declared element type", found: 27 },
        10,
        "v",
    );
    // list<P> whose elements carry their own type (header 0): one is a string.
    let p_prefix = h.prefix("t.P");
    let input =
        h.frame("t.LP", &cat(&[&[0x02, 0x00, 0x1b, 0x2a], &p_prefix[4..8], &[0x02, 0x15, 0x00]]));
    h.expect(
        &input,
        ErrorKind::TypeMismatch { expected: "the declared element type", found: 21 },
        17,
        "v[1]",
    );
}

// =============================================================================================
// Struct hash

#[test]
fn wrong_struct_hash_is_hash_mismatch_at_the_hash() {
    let h = Harness::new();
    // Root structs registered by id: the hash is at byte 4.
    let c = Corpus::new();
    for (robust, name, bytes, _) in &c.payloads {
        if bytes[2] != 0x1b {
            continue;
        }
        let fory = c.engine(*robust);
        let expected = u32::from_le_bytes(bytes[4..8].try_into().expect("4 bytes"));
        let mut input = bytes.clone();
        input[5] ^= 0x40;
        let found = u32::from_le_bytes(input[4..8].try_into().expect("4 bytes"));
        match fory.deserialize(&input) {
            Err(Error::Codec(e)) => {
                assert_eq!(e.kind, ErrorKind::HashMismatch { expected, found }, "{name}");
                assert_eq!((e.offset, path_of(&e).as_str()), (4, "<root>"), "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    // A nested struct (HasP.v): its hash follows the NOT_NULL flag at byte 8.
    let has_p = h.ser(&h.json("t.HasP", json!({"v": {"x": 3}})));
    let p_hash = u32::from_le_bytes(h.prefix("t.P")[4..8].try_into().expect("4 bytes"));
    assert_eq!(&has_p[8..13], &cat(&[&[0xff], &p_hash.to_le_bytes()])[..]);
    let mut input = has_p.clone();
    input[12] ^= 0x01;
    let found = p_hash ^ 0x0100_0000;
    h.expect(&input, ErrorKind::HashMismatch { expected: p_hash, found }, 9, "v");
    // A struct element of a list: list<P> = len 2, header 0x08, type meta 1b 2a, P, P.
    let lp = h.ser(&h.json("t.LP", json!({"v": [{"x": 1}, {"x": 2}]})));
    let second = 8 + 4 + 4 + 1; // body, header bytes, first hash, first x
    assert_eq!(&lp[second..second + 4], &p_hash.to_le_bytes());
    let mut input = lp.clone();
    input[second] ^= 0xff;
    let found = p_hash ^ 0xff;
    h.expect(&input, ErrorKind::HashMismatch { expected: p_hash, found }, second, "v[1]");
    // The hash of a nested struct inside Holder, wherever it lies: located by its bytes.
    let scalars_hash = {
        let b = h.ser(&robust_samples(&h.fory).swap_remove(0).1);
        b[4..8].to_vec()
    };
    let holder = h.ref_bytes.clone();
    let at = holder
        .windows(4)
        .enumerate()
        .skip(8)
        .find(|(_, w)| *w == &scalars_hash[..])
        .map(|(i, _)| i)
        .expect("Scalars hash inside Holder");
    let mut input = holder.clone();
    input[at + 3] ^= 0x80;
    let e = h.expect_with(&input, |k| matches!(k, ErrorKind::HashMismatch { .. }), "HashMismatch");
    assert_eq!((e.offset, path_of(&e).as_str()), (at, "scalars"));
}

// =============================================================================================
// Ref flags inside structs and collections

#[test]
fn invalid_ref_flags_inside() {
    let h = Harness::new();
    // Nullable scalar field.
    // `fe` is a back-reference: with no value tracked yet, ref id 2 is unknown.
    h.expect(&h.frame("t.OptI", &[0xfe, 0x02]), ErrorKind::BadRefId(2), 8, "v");
    h.expect(&h.frame("t.OptS", &[0xfe, 0x02]), ErrorKind::BadRefId(2), 8, "v");
    for bad in [0xfcu8, 0x01, 0x80] {
        let input = h.frame("t.OptI", &[bad, 0x02]);
        h.expect(&input, ErrorKind::InvalidRefFlag(bad), 8, "v");
        // Nullable string field.
        let input = h.frame("t.OptS", &[bad, 0x02]);
        h.expect(&input, ErrorKind::InvalidRefFlag(bad), 8, "v");
        // Nullable message field.
        let input = h.frame("t.HasP", &[bad]);
        h.expect(&input, ErrorKind::InvalidRefFlag(bad), 8, "v");
        // An element flag of list<optional int32> (header 0x0e = same|declared|has_null).
        let input = h.frame("t.LOI", &[0x02, 0x0e, 0xff, 0x02, bad, 0x02]);
        h.expect(&input, ErrorKind::InvalidRefFlag(bad), 12, "v[1]");
    }
    // Null, NOT_NULL and REF_VALUE are accepted where a value may be null.
    h.expect_ok(&h.frame("t.OptI", &[0xfd]), &sv(&h.fory, "t.OptI", vec![Value::Null]));
    h.expect_ok(&h.frame("t.OptI", &[0xff, 0x02]), &sv(&h.fory, "t.OptI", vec![Value::Int32(1)]));
    h.expect_ok(&h.frame("t.OptI", &[0x00, 0x02]), &sv(&h.fory, "t.OptI", vec![Value::Int32(1)]));
    // REF_VALUE in a list element is accepted with or without the track-ref bit (0x01): the
    // reader handles flags uniformly and records the value for later back-references.
    let lenient = h.frame("t.LOI", &[0x01, 0x0e, 0x00, 0x02]);
    h.expect_ok(&lenient, &sv(&h.fory, "t.LOI", vec![Value::list(vec![Value::Int32(1)])]));
    let ok = h.frame("t.LOI", &[0x01, 0x0f, 0x00, 0x02]);
    h.expect_ok(&ok, &sv(&h.fory, "t.LOI", vec![Value::list(vec![Value::Int32(1)])]));
}

#[test]
fn nulls_where_the_schema_forbids_them() {
    let h = Harness::new();
    // list<int32> with has_null and a null element.
    let input = h.frame("t.LI", &[0x02, 0x0e, 0xff, 0x02, 0xfd]);
    h.expect(&input, ErrorKind::UnexpectedNull, 12, "v[1]");
    // ... and with the track-ref bit instead of has_null.
    let input = h.frame("t.LI", &[0x01, 0x0d, 0xfd]);
    h.expect(&input, ErrorKind::UnexpectedNull, 10, "v[0]");
    // map<string, int32>: a chunk header with the key null (0x02) / the value null (0x10).
    let input = h.frame("t.MSI", &[0x01, 0x22, 0x02]);
    h.expect(&input, ErrorKind::UnexpectedNull, 9, "v{key #0}");
    let input = h.frame("t.MSI", &[0x01, 0x14, 0x06, b'a']);
    h.expect(&input, ErrorKind::UnexpectedNull, 9, "v{value #0}");
    let input = h.frame("t.MSI", &[0x01, 0x12]);
    h.expect(&input, ErrorKind::UnexpectedNull, 9, "v{key #0}");
}

/// A chunk of a map whose header says "ref flag before each value" (0x08) and whose value flag is
/// NULL: for a non-nullable value type this must fail like any other null there.
#[test]
fn null_flag_inside_a_map_chunk_for_non_nullable_sides() {
    let h = Harness::new();
    // map<string, int32>: 1 entry; chunk header 0x2c = key declared | value declared | value
    // ref flag; size 1; key "a"; value flag NULL (at byte 13).
    let input = h.frame("t.MSI", &[0x01, 0x2c, 0x01, 0x06, b'a', 0xfd]);
    let e = h.expect_with(&input, |k| *k == ErrorKind::UnexpectedNull, "UnexpectedNull");
    assert_eq!(path_of(&e), "v{value #0}");
    assert!((9..=13).contains(&e.offset), "offset {}", e.offset);
    // Same for the key: chunk header 0x25 = key ref flag | declared sides; key flag NULL (byte 11).
    let input = h.frame("t.MSI", &[0x01, 0x25, 0x01, 0xfd, 0x02]);
    let e = h.expect_with(&input, |k| *k == ErrorKind::UnexpectedNull, "UnexpectedNull");
    assert_eq!(path_of(&e), "v{key #0}");
    assert!((9..=11).contains(&e.offset), "offset {}", e.offset);
}

// =============================================================================================
// Strings

#[test]
fn bad_strings() {
    let h = Harness::new();
    let str_of = |s: &str| sv(&h.fory, "t.Str", vec![Value::string(s)]);
    // Encoding 3 does not exist.
    h.expect(&h.frame("t.Str", &[0x0b, b'a', b'b']), ErrorKind::InvalidStringEncoding(3), 8, "v");
    h.expect(&h.frame("t.Str", &[0x03]), ErrorKind::InvalidStringEncoding(3), 8, "v");
    // UTF-16 with an odd byte length.
    h.expect(
        &h.frame("t.Str", &[0x0d, b'a', 0, b'b']),
        ErrorKind::InvalidStringEncoding(1),
        8,
        "v",
    );
    h.expect(&h.frame("t.Str", &[0x05, b'a']), ErrorKind::InvalidStringEncoding(1), 8, "v");
    // UTF-16 with an unpaired surrogate.
    h.expect(&h.frame("t.Str", &[0x09, 0x00, 0xd8]), ErrorKind::InvalidStringData, 9, "v");
    h.expect(&h.frame("t.Str", &[0x11, 0x00, 0xdc, b'a', 0]), ErrorKind::InvalidStringData, 9, "v");
    // Invalid UTF-8: bad continuation, lone 0xff, overlong NUL, encoded surrogate, cut sequence.
    for bad in
        [&[0xc3u8, 0x28][..], &[0xff], &[0xc0, 0x80], &[0xed, 0xa0, 0x80], &[b'a', 0xe2, 0x82]]
    {
        let body = cat(&[&varu64(((bad.len() as u64) << 2) | 2), bad]);
        h.expect(&h.frame("t.Str", &body), ErrorKind::InvalidStringData, 9, "v");
    }
    // Every valid encoding is accepted: LATIN1 (bytes above 0x7f too), UTF-16, UTF-8, empty.
    h.expect_ok(&h.frame("t.Str", &[0x08, b'h', 0xe9]), &str_of("h\u{e9}"));
    h.expect_ok(&h.frame("t.Str", &[0x09, 0x34, 0x12]), &str_of("\u{1234}"));
    h.expect_ok(&h.frame("t.Str", &[0x0e, 0xe2, 0x82, 0xac]), &str_of("\u{20ac}"));
    h.expect_ok(&h.frame("t.Str", &[0x00]), &str_of(""));
    h.expect_ok(&h.frame("t.Str", &[0x01]), &str_of(""));
    // Inside a list<string>, the path names the element.
    let input = h.frame("t.LS", &[0x02, 0x0c, 0x06, b'a', 0x0b, b'b', b'c']);
    h.expect(&input, ErrorKind::InvalidStringEncoding(3), 12, "v[1]");
}

// =============================================================================================
// Arrays, maps, collections

#[test]
fn array_length_not_multiple_of_width() {
    let h = Harness::new();
    for (name, width, lens) in [
        ("t.A16", 2u32, &[1u32, 3, 5][..]),
        ("t.A32", 4, &[1, 2, 3, 5, 7]),
        ("t.A64", 8, &[4, 7, 12]),
    ] {
        for &len in lens {
            let body = cat(&[&varu32(len), &vec![0u8; len as usize]]);
            h.expect(&h.frame(name, &body), ErrorKind::BadArrayLength { len, width }, 8, "v");
        }
    }
    // A dynamic root array too.
    h.expect(
        &bytes_of("01 ff 2e 03 01 02 03"),
        ErrorKind::BadArrayLength { len: 3, width: 4 },
        3,
        "<root>",
    );
    // Good lengths are accepted.
    h.expect_ok(
        &h.frame("t.A32", &[0x04, 1, 0, 0, 0]),
        &sv(&h.fory, "t.A32", vec![Value::Int32Array(vec![1].into())]),
    );
}

#[test]
fn bad_map_chunks() {
    let h = Harness::new();
    let one = h.ser(&h.json("t.MSI", json!({"v": {"a": 1}})));
    assert_eq!(&one[8..], &[0x01, 0x24, 0x01, 0x06, b'a', 0x02], "map<string,int32> layout");
    // Chunk size 0.
    h.expect(
        &h.frame("t.MSI", &[0x01, 0x24, 0x00, 0x06, b'a', 0x02]),
        ErrorKind::InvalidMapChunk,
        10,
        "v",
    );
    // Chunk size larger than the entries left.
    h.expect(
        &h.frame("t.MSI", &[0x01, 0x24, 0x02, 0x06, b'a', 0x02, 0x06, b'b', 0x04]),
        ErrorKind::InvalidMapChunk,
        10,
        "v",
    );
    let input =
        h.frame("t.MSI", &[0x02, 0x24, 0x01, 0x06, b'a', 0x02, 0x24, 0x02, 0x06, b'b', 0x04]);
    h.expect(&input, ErrorKind::InvalidMapChunk, 15, "v");
    // Reserved chunk header bits.
    for bad in [0x64u8, 0xa4, 0xc0, 0x40, 0x80] {
        h.expect(
            &h.frame("t.MSI", &[0x01, bad, 0x01, 0x06, b'a', 0x02]),
            ErrorKind::InvalidMapChunk,
            9,
            "v",
        );
    }
    // A "declared" key in a dynamic (root) map: nothing declares the key type.
    h.expect(&bytes_of("01 ff 18 01 24 01 06 61 02"), ErrorKind::InvalidMapChunk, 6, "{key #0}");
    // A chunk of a root map with size 0.
    h.expect(&bytes_of("01 ff 18 01 00 00 15 05"), ErrorKind::InvalidMapChunk, 5, "<root>");
}

#[test]
fn collection_header_reserved_bits() {
    let h = Harness::new();
    for bad in [0x1cu8, 0x2c, 0x4c, 0x8c, 0xf0, 0xff, 0x10] {
        h.expect(
            &h.frame("t.LI", &[0x01, bad, 0x02]),
            ErrorKind::InvalidCollectionHeader(bad),
            9,
            "v",
        );
    }
    // The "declared type" bit where nothing declares the element type (root list).
    h.expect(&bytes_of("01 ff 16 01 04 02"), ErrorKind::InvalidCollectionHeader(0x04), 4, "<root>");
    h.expect(
        &bytes_of("01 ff 16 01 0c 05 02"),
        ErrorKind::InvalidCollectionHeader(0x0c),
        4,
        "<root>",
    );
}

#[test]
fn unknown_enum_values() {
    let h = Harness::new();
    for v in [1u32, 2, 4, 127, 128, 1 << 20, u32::MAX] {
        h.expect(&h.frame("t.En", &varu32(v)), ErrorKind::UnknownEnumValue(v), 8, "v");
    }
    // A 5-byte varint with the continuation bit set is malformed.
    h.expect(&h.frame("t.En", &[0xff; 5]), ErrorKind::MalformedVarint, 8, "v");
    // As a root value (ENUM E = 41) and inside list<Color> of Lists.
    h.expect(&bytes_of("01 ff 19 29 02"), ErrorKind::UnknownEnumValue(2), 4, "<root>");
    h.expect_ok(
        &bytes_of("01 ff 19 29 03"),
        &Value::Enum(EnumValue { ty: h.ty("t.E").index(), value: 3 }),
    );
}

#[test]
fn invalid_time_values() {
    let h = Harness::new();
    let secs = 0u64.to_le_bytes();
    for nanos in [1_000_000_000u32, u32::MAX, 0x8000_0000] {
        let input = h.frame("t.Ts", &cat(&[&secs, &nanos.to_le_bytes()]));
        h.expect(&input, ErrorKind::InvalidTime, 8, "v");
        let input = h.frame("t.Dur", &cat(&[&[0x00], &nanos.to_le_bytes()]));
        h.expect(&input, ErrorKind::InvalidTime, 8, "v");
    }
    // Dates beyond the int32 day range.
    for days in [1i64 << 31, -(1i64 << 31) - 1, i64::MAX] {
        let zz = ((days << 1) ^ (days >> 63)) as u64;
        h.expect(&h.frame("t.Dt", &varu64(zz)), ErrorKind::InvalidTime, 8, "v");
    }
    // Timestamp with fewer than 12 bytes left.
    h.expect(&h.frame("t.Ts", &[0; 11]), ErrorKind::Truncated { need: 1 }, 8, "v");
    h.expect_ok(
        &h.frame("t.Ts", &cat(&[&(-1i64).to_le_bytes(), &999_999_999u32.to_le_bytes()])),
        &sv(&h.fory, "t.Ts", vec![Value::Timestamp(Timestamp { seconds: -1, nanos: 999_999_999 })]),
    );
}

// =============================================================================================
// Hostile lengths: typed error, no allocation beyond what the input justifies

/// `LengthLimit` with `limit: ANY_LIMIT` matches any reported limit (a string's reported limit is
/// the smaller of the configured one and the bytes left, which is an implementation detail).
const ANY_LIMIT: u64 = u64::MAX;

fn kind_matches(expected: &ErrorKind, got: &ErrorKind) -> bool {
    match (expected, got) {
        (
            ErrorKind::LengthLimit { len: a, limit: ANY_LIMIT },
            ErrorKind::LengthLimit { len: b, .. },
        ) => a == b,
        _ => expected == got,
    }
}

#[test]
fn hostile_lengths_are_typed_errors_without_big_allocations() {
    const BIG: u32 = 1 << 31;
    let default = Harness::new();
    let huge = Harness::with_limits(huge_limits());
    let d = CodecLimits::default();
    // (target, body, error under default limits, error under huge limits)
    let cases: Vec<(&str, Vec<u8>, ErrorKind, ErrorKind)> = vec![
        (
            "t.Str",
            cat(&[&varu64((u64::from(BIG) << 2) | 2), b"abc"]),
            ErrorKind::LengthLimit { len: u64::from(BIG), limit: ANY_LIMIT },
            ErrorKind::Truncated { need: BIG as usize - 3 },
        ),
        (
            "t.Str",
            cat(&[&varu64(((1u64 << 60) << 2) | 2), b"x"]),
            ErrorKind::LengthLimit { len: 1 << 60, limit: ANY_LIMIT },
            ErrorKind::Truncated { need: (1usize << 60) - 1 },
        ),
        (
            "t.Str",
            cat(&[&varu64((4096 << 2) | 1), b"ab"]),
            ErrorKind::Truncated { need: 4094 },
            ErrorKind::Truncated { need: 4094 },
        ),
        (
            "t.Bin",
            cat(&[&varu32(BIG), b"abc"]),
            ErrorKind::LengthLimit { len: u64::from(BIG), limit: d.max_binary_bytes as u64 },
            ErrorKind::Truncated { need: BIG as usize - 3 },
        ),
        (
            "t.Bin",
            cat(&[&varu32(u32::MAX), b"abc"]),
            ErrorKind::LengthLimit { len: u64::from(u32::MAX), limit: d.max_binary_bytes as u64 },
            ErrorKind::Truncated { need: u32::MAX as usize - 3 },
        ),
        (
            "t.A64",
            cat(&[&varu32(BIG), &[0; 8]]),
            ErrorKind::LengthLimit { len: u64::from(BIG), limit: d.max_binary_bytes as u64 },
            ErrorKind::Truncated { need: BIG as usize - 8 },
        ),
        (
            "t.LI",
            cat(&[&varu32(BIG), &[0x0c, 0x02]]),
            ErrorKind::LengthLimit { len: u64::from(BIG), limit: d.max_collection_len as u64 },
            ErrorKind::Truncated { need: BIG as usize - 2 },
        ),
        (
            "t.LI",
            cat(&[&varu32(1 << 20), &[0x0c, 0x02]]),
            ErrorKind::Truncated { need: (1 << 20) - 2 },
            ErrorKind::Truncated { need: (1 << 20) - 2 },
        ),
        (
            "t.LP",
            cat(&[&varu32(u32::MAX), &[0x08, 0x1b, 0x2a]]),
            ErrorKind::LengthLimit { len: u64::from(u32::MAX), limit: d.max_collection_len as u64 },
            ErrorKind::Truncated { need: u32::MAX as usize - 3 },
        ),
        (
            "t.MSI",
            cat(&[&varu32(BIG), &[0x24, 0xff]]),
            ErrorKind::LengthLimit { len: u64::from(BIG), limit: d.max_collection_len as u64 },
            ErrorKind::Truncated { need: BIG as usize - 2 },
        ),
        (
            "t.MIP",
            cat(&[&varu32(1 << 24), &[0x24, 0xff]]),
            ErrorKind::Truncated { need: (1 << 24) - 2 },
            ErrorKind::Truncated { need: (1 << 24) - 2 },
        ),
    ];
    let mut cases_run = 0;
    for (name, body, under_default, under_huge) in cases {
        for (h, kind) in [(&default, under_default), (&huge, under_huge)] {
            let input = h.frame(name, &body);
            let e = h.expect_with(&input, |k| kind_matches(&kind, k), &format!("{kind:?}"));
            assert_eq!(path_of(&e), "v", "{name}: path");
            if matches!(kind, ErrorKind::LengthLimit { .. }) {
                assert_eq!(e.offset, 8, "{name}: a length error points at the length");
            }
            // The measured bound, stated plainly for these tiny inputs.
            let (_, largest) = largest_alloc(|| h.fory.deserialize(&input));
            assert!(
                largest < 64 << 10,
                "{name}: largest allocation {largest} for {} bytes",
                input.len()
            );
            cases_run += 1;
        }
    }
    // Dynamic roots claiming huge sizes (string, binary, list, set, map, array).
    for (input, under_default) in [
        (cat(&[&[0x01, 0xff, 0x15], &varu64((u64::from(BIG) << 2) | 2)]), "LengthLimit"),
        (cat(&[&[0x01, 0xff, 0x29], &varu32(BIG)]), "LengthLimit"),
        (cat(&[&[0x01, 0xff, 0x16], &varu32(BIG), &[0x08]]), "LengthLimit"),
        (cat(&[&[0x01, 0xff, 0x17], &varu32(1 << 23), &[0x08]]), "Truncated"),
        (cat(&[&[0x01, 0xff, 0x18], &varu32(u32::MAX)]), "LengthLimit"),
        (cat(&[&[0x01, 0xff, 0x30], &varu32(1 << 30)]), "LengthLimit"),
    ] {
        for (h, want) in [(&default, under_default), (&huge, "Truncated")] {
            let e = h.expect_with(&input, |k| kind_name(k) == want, want);
            if want == "LengthLimit" {
                assert_eq!(e.offset, 3, "{e}");
            }
            let (_, largest) = largest_alloc(|| h.fory.deserialize(&input));
            assert!(largest < 64 << 10, "largest allocation {largest} for {}", hex(&input));
            cases_run += 1;
        }
    }
    // A named type whose first meta string claims 2^31 - 1 bytes, and one that references an
    // entry that was never read.
    let input = bytes_of("01 ff 1d fe ff ff ff 0f 00");
    default.expect_with(&input, |k| matches!(k, ErrorKind::LengthLimit { .. }), "LengthLimit");
    default.expect(&bytes_of("01 ff 1d 03 00"), ErrorKind::InvalidMetaString, 3, "<root>");
    assert_eq!(cases_run, 34);
}

/// Lengths just within what the remaining input could hold, nested: allocations stay linear.
#[test]
fn plausible_lengths_allocate_proportionally() {
    let h = Harness::with_limits(huge_limits());
    // list<list<int32>>: the outer list claims 1000 elements, the first inner one 3000, and every
    // element byte is 0x0c (int 6 / the next inner list's length and header): it runs out.
    let body = cat(&[&varu32(1000), &[0x0c], &varu32(3000), &vec![0x0c; 4000]]);
    let input = h.frame("t.LLI", &body);
    let e = h.expect_with(&input, |k| matches!(k, ErrorKind::Truncated { .. }), "Truncated");
    assert!(path_of(&e).starts_with("v["), "path {}", e.path);
}

// =============================================================================================
// Depth

fn node_chain(fory: &ForyJit, depth: usize) -> Value {
    let node = ty(fory, "robust.Node").index();
    let mut v = Value::Null;
    for i in (0..depth).rev() {
        v = Value::Struct(StructValue::new(
            node,
            vec![Value::Int32(i as i32), v, Value::list(vec![])],
        ));
    }
    v
}

#[test]
fn nesting_past_the_depth_limit() {
    let deep_engine = robust_engine(CodecLimits { max_depth: 200, ..CodecLimits::default() });
    let h = Harness::new(); // max_depth 50
    let ok = node_chain(&deep_engine, 50);
    let ok_bytes = ser(&deep_engine, &ok);
    h.expect_ok(&ok_bytes, &ok);
    assert_eq!(ok_bytes, h.ser(&ok), "depth 50 is within the default limit on both sides");

    let deep = node_chain(&deep_engine, 51);
    let deep_bytes = ser(&deep_engine, &deep);
    let e = h.expect_with(&deep_bytes, |k| *k == ErrorKind::DepthLimit(50), "DepthLimit(50)");
    // The failing node is the 51st: its hash starts at the offset, and the path is 50 × next.
    assert_eq!(
        &deep_bytes[e.offset..e.offset + 4],
        &deep_bytes[4..8],
        "offset at the 51st node's hash"
    );
    assert_eq!(e.path.0.len(), 50);
    assert!(e.path.0.iter().all(|s| *s == PathSegment::Field("next".into())), "path {}", e.path);
    // The deep engine reads it.
    assert!(deep_engine.deserialize(&deep_bytes).expect("deep engine reads").bit_eq(&deep));

    // A low limit: 3 levels.
    let low = robust_engine(CodecLimits { max_depth: 3, ..CodecLimits::default() });
    let three = ser(&deep_engine, &node_chain(&deep_engine, 3));
    assert!(low.deserialize(&three).is_ok());
    let four = ser(&deep_engine, &node_chain(&deep_engine, 4));
    let e = low.deserialize(&four).expect_err("4 levels with max_depth 3");
    assert_eq!(e.as_codec().map(|c| c.kind.clone()), Some(ErrorKind::DepthLimit(3)));
    assert_eq!(e.as_codec().map(path_of).as_deref(), Some("next.next.next"));

    // Nesting through list<Node> kids counts the list level too.
    let node = ty(&deep_engine, "robust.Node").index();
    let mut v = Value::Struct(StructValue::new(
        node,
        vec![Value::Int32(0), Value::Null, Value::list(vec![])],
    ));
    for _ in 0..30 {
        v = Value::Struct(StructValue::new(
            node,
            vec![Value::Int32(1), Value::Null, Value::list(vec![v])],
        ));
    }
    let kids_bytes = ser(&deep_engine, &v);
    let e = h.expect_with(&kids_bytes, |k| *k == ErrorKind::DepthLimit(50), "DepthLimit(50)");
    assert!(path_of(&e).starts_with("kids[0].kids[0]"), "path {}", e.path);
    // Serializing with a low limit fails the same way.
    let e = low.serialize(&four_levels(&low)).expect_err("serialize past max_depth");
    assert_eq!(e.as_codec().map(|c| c.kind.clone()), Some(ErrorKind::DepthLimit(3)));
}

fn four_levels(fory: &ForyJit) -> Value {
    node_chain(fory, 4)
}

/// Hostile nesting with default limits: 100 000 nested lists / maps / any fields in a few hundred
/// KiB must fail with DepthLimit, not overflow the stack.
#[test]
fn hostile_deep_nesting_is_depth_limit() {
    let h = Harness::new();
    let n = 100_000;
    // Root list of one element whose element is a list ... (header 0: element carries its type).
    let mut input = vec![0x01, 0xff, 0x16];
    for _ in 0..n {
        input.extend_from_slice(&[0x01, 0x00, 0x16]);
    }
    input.push(0x00);
    let e = h.expect_with(&input, |k| *k == ErrorKind::DepthLimit(50), "DepthLimit(50)");
    assert_eq!(e.path.0.len(), 50, "path {}", e.path);
    assert!(e.path.0.iter().all(|s| *s == PathSegment::Index(0)), "path {}", e.path);
    // Root map whose value is a map ...: chunk header 0, size 1, key STRING, value MAP, key "".
    let mut input = vec![0x01, 0xff, 0x18];
    for _ in 0..n {
        input.extend_from_slice(&[0x01, 0x00, 0x01, 0x15, 0x18, 0x02]);
    }
    input.push(0x00);
    h.expect_with(&input, |k| *k == ErrorKind::DepthLimit(50), "DepthLimit(50)");
    // AnyF whose any field holds an AnyF struct ...: 1b 3e <hash> ff 1b 3e <hash> ...
    let prefix = h.prefix("t.AnyF");
    let mut input = prefix.clone();
    for _ in 0..n {
        input.push(0xff);
        input.extend_from_slice(&prefix[2..8]);
    }
    input.push(0xfd);
    h.expect_with(&input, |k| *k == ErrorKind::DepthLimit(50), "DepthLimit(50)");
    // Node.next chains by hand: find where `next` sits among Node's fields from the layout of
    // Node(v=5, next=null, kids=[]), then nest 100 000 nodes through `next`.
    let one = h.ser(&node_chain_with_v(&h.fory, 5));
    assert_eq!(one.len(), 11, "Node layout: header, type, hash, 3 one-byte fields");
    let fields = &one[8..];
    let at = fields.iter().position(|&b| b == 0xfd).expect("next is null");
    let (before, after) = (&fields[..at], &fields[at + 1..]);
    let mut input = one[..4].to_vec();
    for _ in 0..n {
        input.extend_from_slice(&one[4..8]);
        input.extend_from_slice(before);
        input.push(0xff);
    }
    input.extend_from_slice(&one[4..]);
    for _ in 0..n {
        input.extend_from_slice(after);
    }
    let e = h.expect_with(&input, |k| *k == ErrorKind::DepthLimit(50), "DepthLimit(50)");
    assert_eq!(e.path.0.len(), 50, "path {}", e.path);
}

fn node_chain_with_v(fory: &ForyJit, v: i32) -> Value {
    let node = ty(fory, "robust.Node").index();
    Value::Struct(StructValue::new(node, vec![Value::Int32(v), Value::Null, Value::list(vec![])]))
}

// =============================================================================================
// Liveness after failures, and concurrent use

#[test]
fn engine_keeps_working_after_each_failure_kind() {
    let h = Harness::new();
    let named = h.ser(&h.json(
        "robust.named.Pet",
        json!({"name": "p", "mood": "SAD", "litter": [], "by_name": {}}),
    ));
    let bad_inputs: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x00],
        bytes_of("01 fe"),
        bytes_of("01 ff 39"),
        bytes_of("01 ff 1b e7 07"),
        h.frame("t.Str", &[0x0b, 0, 0]),
        h.frame("t.MSI", &[0x01, 0x24, 0x00]),
        h.frame("t.LI", &[0x01, 0xff]),
        named[..named.len() - 1].to_vec(),
        cat(&[&named, &[0]]),
    ];
    for round in 0..3 {
        for bad in &bad_inputs {
            let r = h.fory.deserialize(bad);
            assert!(matches!(r, Err(Error::Codec(_))), "round {round}: {}: {r:?}", hex(bad));
            assert_alive(&h.fory, &h.ref_bytes, &h.ref_value, "a failed read");
            h.expect_ok(
                &named,
                &h.json(
                    "robust.named.Pet",
                    json!({"name": "p", "mood": "SAD", "litter": [], "by_name": {}}),
                ),
            );
        }
    }
    // From several threads at once: failures on one thread do not disturb another.
    std::thread::scope(|s| {
        for t in 0..4 {
            let h = &h;
            let bad_inputs = &bad_inputs;
            s.spawn(move || {
                for i in 0..200 {
                    let bad = &bad_inputs[(i + t) % bad_inputs.len()];
                    assert!(h.fory.deserialize(bad).is_err());
                    assert_alive(
                        &h.fory,
                        &h.ref_bytes,
                        &h.ref_value,
                        "a failed read on another thread",
                    );
                }
            });
        }
    });
}

// =============================================================================================
// Serialize side

#[test]
fn serialize_wrong_kind_reports_the_field_path() {
    let bench = bench_engine(CodecLimits::default());
    let media_json: serde_json::Value = serde_json::from_str(MEDIA_CONTENT_JSON).expect("json");
    let mc_ty = ty(&bench, "bench.MediaContent");
    let good = bench.from_json(mc_ty, &media_json).expect("from_json");
    let good_bytes = ser(&bench, &good);
    // media.persons[1] = 5 instead of a string.
    let mut bad = good.clone();
    let mut media = bench.get(&bad, "media").cloned().expect("media");
    assert!(bench.set_unchecked(
        &mut media,
        "persons",
        Value::list(vec![Value::string("Bill Gates, Jr."), Value::Int32(5)])
    ));
    assert!(bench.set_unchecked(&mut bad, "media", media));
    let mut out = b"junk".to_vec();
    let e = bench.serialize_into(&bad, &mut out).expect_err("wrong kind");
    let e = e.as_codec().expect("codec error").clone();
    assert_eq!(e.kind, ErrorKind::WrongKind { expected: "string", found: "int32" });
    assert_eq!(e.path.to_string(), "media.persons[1]");
    assert_eq!(
        e.path.0,
        vec![
            PathSegment::Field("media".into()),
            PathSegment::Field("persons".into()),
            PathSegment::Index(1)
        ]
    );
    // The offset is where "Steven Jobs" starts in the valid payload (UTF-8 header 0x2e).
    let steven = cat(&[&[0x2e], b"Steven Jobs"]);
    let at = good_bytes.windows(steven.len()).position(|w| w == &steven[..]).expect("Steven Jobs");
    assert_eq!(e.offset, at, "offset of media.persons[1]");
    assert!(e.to_string().contains("media.persons[1]"), "message {e}");
    // The buffer is empty and usable.
    assert!(out.is_empty());
    bench.serialize_into(&good, &mut out).expect("serialize after an error");
    assert_eq!(out, good_bytes);

    // images[2].width = "wide".
    let mut bad = good.clone();
    let Value::Struct(s) = &mut bad else { panic!("struct") };
    let images_ord = bench.field_ordinal(mc_ty, "images").expect("images");
    let Some(Value::List(images)) = s.fields.get_mut(images_ord) else { panic!("images") };
    let mut img = images[2].clone();
    assert!(bench.set_unchecked(&mut img, "width", Value::string("wide")));
    let mut list: Vec<Value> = images.to_vec();
    list[2] = img;
    s.fields[images_ord] = Value::list(list);
    let e = bench.serialize(&bad).expect_err("wrong kind in images[2]");
    let e = e.as_codec().expect("codec error");
    assert_eq!(e.kind, ErrorKind::WrongKind { expected: "int32", found: "string" });
    assert_eq!(e.path.to_string(), "images[2].width");
    assert!(e.offset > at && e.offset < good_bytes.len(), "offset {}", e.offset);
}

#[test]
fn serialize_values_that_do_not_match_the_schema() {
    let h = Harness::new();
    let i = |n: i32| Value::Int32(n);
    let p = |x: i32| sv(&h.fory, "t.P", vec![i(x)]);
    // Wrong kind in a scalar field, a string field, an array field.
    h.expect_ser(
        &sv(&h.fory, "t.I32", vec![Value::string("x")]),
        ErrorKind::WrongKind { expected: "int32", found: "string" },
        8,
        "v",
    );
    h.expect_ser(
        &sv(&h.fory, "t.Str", vec![i(1)]),
        ErrorKind::WrongKind { expected: "string", found: "int32" },
        8,
        "v",
    );
    h.expect_ser(
        &sv(&h.fory, "t.A32", vec![Value::Int64Array(vec![1].into())]),
        ErrorKind::WrongKind { expected: "array", found: "array<int64>" },
        8,
        "v",
    );
    h.expect_ser(
        &sv(&h.fory, "t.LI", vec![i(1)]),
        ErrorKind::WrongKind { expected: "list", found: "int32" },
        8,
        "v",
    );
    h.expect_ser(
        &sv(&h.fory, "t.LI", vec![Value::list(vec![i(1), Value::string("two")])]),
        ErrorKind::WrongKind { expected: "int32", found: "string" },
        11,
        "v[1]",
    );
    h.expect_ser(
        &sv(&h.fory, "t.MSI", vec![Value::map(vec![(Value::string("a"), Value::string("x"))])]),
        ErrorKind::WrongKind { expected: "int32", found: "string" },
        13,
        "v{value #0}",
    );
    // Scalars: a string in the int32 field; the path names the field.
    let mut scalars = robust_samples(&h.fory).swap_remove(0).1;
    assert!(h.fory.set_unchecked(&mut scalars, "i32", Value::string("x")));
    let e = h.expect_ser_with(
        &scalars,
        |k| *k == ErrorKind::WrongKind { expected: "int32", found: "string" },
        "WrongKind",
    );
    assert_eq!(path_of(&e), "i32");
    let scalars_len = h.ser(&robust_samples(&h.fory).swap_remove(0).1).len();
    assert!(e.offset >= 8 && e.offset < scalars_len, "offset {}", e.offset);
    // Nested inside Holder.
    let mut holder = h.ref_value.clone();
    let mut inner = h.fory.get(&holder, "scalars").cloned().expect("scalars");
    assert!(h.fory.set_unchecked(&mut inner, "u16", Value::Int16(3)));
    assert!(h.fory.set_unchecked(&mut holder, "scalars", inner));
    let e = h.expect_ser_with(
        &holder,
        |k| *k == ErrorKind::WrongKind { expected: "uint16", found: "int16" },
        "WrongKind",
    );
    assert_eq!(path_of(&e), "scalars.u16");

    // Null in non-nullable positions.
    h.expect_ser(&sv(&h.fory, "t.Str", vec![Value::Null]), ErrorKind::UnexpectedNull, 8, "v");
    h.expect_ser(&sv(&h.fory, "t.LI", vec![Value::Null]), ErrorKind::UnexpectedNull, 8, "v");
    h.expect_ser(
        &sv(&h.fory, "t.LI", vec![Value::list(vec![i(1), Value::Null])]),
        ErrorKind::UnexpectedNull,
        9,
        "v[1]",
    );
    h.expect_ser(
        &sv(&h.fory, "t.MSI", vec![Value::map(vec![(Value::string("a"), Value::Null)])]),
        ErrorKind::UnexpectedNull,
        9,
        "v{value #0}",
    );
    h.expect_ser(
        &sv(&h.fory, "t.MSI", vec![Value::map(vec![(Value::Null, i(1))])]),
        ErrorKind::UnexpectedNull,
        9,
        "v{key #0}",
    );

    // Wrong field count, at the root and nested.
    h.expect_ser(
        &sv(&h.fory, "t.P", vec![i(1), i(2)]),
        ErrorKind::FieldCount { expected: 1, found: 2 },
        4,
        "<root>",
    );
    h.expect_ser(
        &sv(&h.fory, "t.Q", vec![]),
        ErrorKind::FieldCount { expected: 2, found: 0 },
        4,
        "<root>",
    );
    h.expect_ser(
        &sv(&h.fory, "t.HasP", vec![sv(&h.fory, "t.P", vec![])]),
        ErrorKind::FieldCount { expected: 1, found: 0 },
        9,
        "v",
    );
    // A struct of another type.
    let q = sv(&h.fory, "t.Q", vec![i(1), i(2)]);
    h.expect_ser(
        &sv(&h.fory, "t.HasP", vec![q.clone()]),
        ErrorKind::WrongStructType { expected: h.idx("t.P"), found: h.idx("t.Q") },
        9,
        "v",
    );
    h.expect_ser(
        &sv(&h.fory, "t.LP", vec![Value::list(vec![p(1), q])]),
        ErrorKind::WrongStructType { expected: h.idx("t.P"), found: h.idx("t.Q") },
        17,
        "v[1]",
    );
    // Enum values the enum does not declare; an enum of another type.
    let e_ty = h.ty("t.E").index();
    h.expect_ser(
        &sv(&h.fory, "t.En", vec![Value::Enum(EnumValue { ty: e_ty, value: 2 })]),
        ErrorKind::UnknownEnumValue(2),
        8,
        "v",
    );
    h.expect_ser(
        &Value::Enum(EnumValue { ty: e_ty, value: 7 }),
        ErrorKind::UnknownEnumValue(7),
        4,
        "<root>",
    );
    let color = Value::Enum(EnumValue { ty: h.ty("robust.Color").index(), value: 0 });
    h.expect_ser(
        &sv(&h.fory, "t.En", vec![color]),
        ErrorKind::WrongStructType { expected: h.idx("t.E"), found: h.idx("robust.Color") },
        8,
        "v",
    );
    // Invalid time values.
    for nanos in [1_000_000_000u32, u32::MAX] {
        h.expect_ser(
            &sv(&h.fory, "t.Ts", vec![Value::Timestamp(Timestamp { seconds: 0, nanos })]),
            ErrorKind::InvalidTime,
            8,
            "v",
        );
    }
    for nanos in [-1i32, 1_000_000_000, i32::MIN] {
        h.expect_ser(
            &sv(&h.fory, "t.Dur", vec![Value::Duration(Duration { seconds: 0, nanos })]),
            ErrorKind::InvalidTime,
            8,
            "v",
        );
        h.expect_ser(
            &Value::Duration(Duration { seconds: 1, nanos }),
            ErrorKind::InvalidTime,
            3,
            "<root>",
        );
    }
    // A struct or enum value of a type index nobody registered.
    h.expect_ser_with(
        &Value::Struct(StructValue::new(foryjit::TypeIdx(9999), vec![])),
        |k| matches!(k, ErrorKind::UnregisteredType(_)),
        "UnregisteredType",
    );
}

/// A null in a non-nullable scalar field is a missing value like a null in a string field:
/// `UnexpectedNull`, not `WrongKind`.
#[test]
fn serialize_null_in_non_nullable_scalar_field_is_unexpected_null() {
    let h = Harness::new();
    h.expect_ser(&sv(&h.fory, "t.I32", vec![Value::Null]), ErrorKind::UnexpectedNull, 8, "v");
    let mut scalars = robust_samples(&h.fory).swap_remove(0).1;
    assert!(h.fory.set_unchecked(&mut scalars, "b", Value::Null));
    let e = h.expect_ser_with(&scalars, |k| *k == ErrorKind::UnexpectedNull, "UnexpectedNull");
    assert_eq!(path_of(&e), "b");
}

/// `max_output_bytes` bounds the payload: a limit equal to the payload's size succeeds, any
/// smaller limit fails with `OutputLimit(limit)`, leaves the buffer empty and reusable.
#[test]
fn output_limit_at_every_payload_boundary() {
    let c = Corpus::new();
    let limits = |max| CodecLimits { max_output_bytes: max, ..CodecLimits::default() };
    let engine = |robust: bool, max| {
        if robust {
            robust_engine(limits(max))
        } else {
            bench_engine(limits(max))
        }
    };
    let mut cases = 0;
    let mut exact_failures = Vec::new();
    for (robust, name, bytes, v) in &c.payloads {
        let len = bytes.len();
        match engine(*robust, len).serialize(v) {
            Ok(out) => assert_eq!(out, *bytes, "{name} with max_output_bytes = its size"),
            Err(e) => exact_failures.push(format!("{name} ({len} bytes): {e}")),
        }
        for max in [len - 1, len / 2, 2, 1, 0] {
            let small = engine(*robust, max);
            let mut out = vec![1, 2, 3];
            match small.serialize_into(v, &mut out) {
                Err(Error::Codec(e)) => {
                    assert_eq!(e.kind, ErrorKind::OutputLimit(max), "{name} max {max}");
                    assert!(e.offset <= max, "{name} max {max}: offset {}", e.offset);
                }
                other => panic!("{name} max {max}: {other:?}"),
            }
            assert!(out.is_empty(), "{name}: buffer after OutputLimit");
            // Reuse the buffer with an engine that has room.
            c.engine(*robust)
                .serialize_into(v, &mut out)
                .expect("serialize into the reused buffer");
            assert_eq!(out, *bytes, "{name}");
            cases += 1;
        }
    }
    assert_eq!(cases, 5 * c.payloads.len());
    assert!(
        exact_failures.is_empty(),
        "payloads that fit max_output_bytes exactly but fail:\n{}",
        exact_failures.join("\n")
    );
}

#[test]
fn serialize_into_reuses_a_buffer_after_failures() {
    let h = Harness::new();
    let mut out = Vec::with_capacity(4096);
    let bad = sv(&h.fory, "t.Str", vec![Value::Int32(3)]);
    for _ in 0..3 {
        out.extend_from_slice(b"stale");
        assert!(h.fory.serialize_into(&bad, &mut out).is_err());
        assert!(out.is_empty());
        assert!(out.capacity() >= 4096, "capacity kept");
        h.fory.serialize_into(&h.ref_value, &mut out).expect("valid value");
        assert_eq!(out, h.ref_bytes);
        let back = h.fory.deserialize(&out).expect("reads back");
        assert!(back.bit_eq(&h.ref_value));
    }
}

// =============================================================================================
// JSON side

fn json_err(fory: &ForyJit, name: &str, j: serde_json::Value) -> JsonError {
    match fory.from_json(ty(fory, name), &j) {
        Err(Error::Json(e)) => e,
        other => panic!("{name} from {j}: {other:?}, expected a JSON error"),
    }
}

#[test]
fn json_integers_out_of_range() {
    let fory = robust_engine(CodecLimits::default());
    let base = json!({
        "b": true, "i8": 1, "i16": 1, "i32": 1, "fi32": 1, "i64": 1, "fi64": 1, "ti64": 1,
        "u8": 1, "u16": 1, "u32": 1, "fu32": 1, "u64": 1, "fu64": 1, "tu64": 1,
        "f16": 1.0, "bf16": 1.0, "f32": 1.0, "f64": 1.0
    });
    from_json(&fory, "robust.Scalars", base.clone());
    let cases: Vec<(&str, serde_json::Value, &str)> = vec![
        ("i8", json!(300), "int8"),
        ("i8", json!(128), "int8"),
        ("i8", json!(-129), "int8"),
        ("i16", json!(32768), "int16"),
        ("i16", json!(-40000), "int16"),
        ("i32", json!(2147483648u64), "int32"),
        ("fi32", json!(-2147483649i64), "int32"),
        ("i64", json!(9223372036854775808u64), "int64"),
        ("ti64", json!(u64::MAX), "int64"),
        ("u8", json!(256), "uint8"),
        ("u8", json!(-1), "uint8"),
        ("u16", json!(65536), "uint16"),
        ("u32", json!(4294967296u64), "uint32"),
        ("fu32", json!(-1), "uint32"),
        ("u64", json!(-1), "uint64"),
        ("tu64", json!(i64::MIN), "uint64"),
    ];
    for (field, value, width) in &cases {
        let mut j = base.clone();
        j[*field] = value.clone();
        let e = json_err(&fory, "robust.Scalars", j);
        assert_eq!(e.problem, JsonProblem::OutOfRange(width), "{field} = {value}");
        assert_eq!(e.path, *field);
    }
    // Nested: Holder.scalars.i8 and array / list elements.
    let mut holder = fory
        .to_json(ty(&fory, "robust.Holder"), &robust_samples(&fory).swap_remove(10).1)
        .expect("to_json");
    holder["scalars"]["i8"] = json!(300);
    let e = json_err(&fory, "robust.Holder", holder.clone());
    assert_eq!((e.path.as_str(), &e.problem), ("scalars.i8", &JsonProblem::OutOfRange("int8")));
    holder["scalars"]["i8"] = json!(1);
    holder["arrays"]["a_u8"] = json!([1, 256]);
    let e = json_err(&fory, "robust.Holder", holder.clone());
    assert_eq!(
        (e.path.as_str(), &e.problem),
        ("arrays.a_u8[1]", &JsonProblem::OutOfRange("uint8"))
    );
    holder["arrays"]["a_u8"] = json!([1]);
    holder["lists"]["ints"] = json!([1, 1u64 << 40]);
    let e = json_err(&fory, "robust.Holder", holder.clone());
    assert_eq!((e.path.as_str(), &e.problem), ("lists.ints[1]", &JsonProblem::OutOfRange("int32")));
    // Non-integers where integers belong.
    let mut j = base.clone();
    j["i32"] = json!(1.5);
    assert_eq!(json_err(&fory, "robust.Scalars", j).problem, JsonProblem::Expected("int32"));
    let mut j = base;
    j["u64"] = json!("12");
    assert_eq!(json_err(&fory, "robust.Scalars", j).problem, JsonProblem::Expected("uint64"));
}

#[test]
fn json_missing_and_unknown_fields() {
    let fory = robust_engine(CodecLimits::default());
    // Missing non-nullable fields (absent or null).
    let e = json_err(&fory, "t.P", json!({}));
    assert_eq!((e.path.as_str(), e.problem), ("<root>", JsonProblem::MissingField("x".into())));
    let e = json_err(&fory, "t.P", json!({"x": null}));
    assert_eq!(e.problem, JsonProblem::MissingField("x".into()));
    let e = json_err(&fory, "t.HasP", json!({"v": {}}));
    assert_eq!((e.path.as_str(), e.problem), ("v", JsonProblem::MissingField("x".into())));
    let media: serde_json::Value = serde_json::from_str(MEDIA_CONTENT_JSON).expect("json");
    let bench = bench_engine(CodecLimits::default());
    let mut m = media.clone();
    m["images"][1].as_object_mut().expect("object").remove("width");
    let e = json_err(&bench, "bench.MediaContent", m);
    assert_eq!(
        (e.path.as_str(), e.problem),
        ("images[1]", JsonProblem::MissingField("width".into()))
    );
    // Nullable fields may be absent.
    let v = from_json(&fory, "t.OptI", json!({}));
    assert_eq!(v, sv(&fory, "t.OptI", vec![Value::Null]));
    // Unknown fields, at the root and nested.
    let e = json_err(&fory, "t.P", json!({"x": 1, "zzz": 2}));
    assert_eq!((e.path.as_str(), e.problem), ("<root>", JsonProblem::UnknownField("zzz".into())));
    let mut m = media;
    m["media"]["colour"] = json!("red");
    let e = json_err(&bench, "bench.MediaContent", m);
    assert_eq!((e.path.as_str(), e.problem), ("media", JsonProblem::UnknownField("colour".into())));
    // Unknown enum names and wrong JSON kinds.
    let e = json_err(&fory, "t.En", json!({"v": "PURPLE"}));
    assert_eq!((e.path.as_str(), e.problem), ("v", JsonProblem::UnknownEnumName("PURPLE".into())));
    let e = json_err(&fory, "t.Str", json!({"v": 5}));
    assert_eq!(e.problem, JsonProblem::Expected("string"));
    let e = json_err(&fory, "t.P", json!([1]));
    assert_eq!(e.problem, JsonProblem::Expected("object"));
    // Errors render their path.
    let e = json_err(&fory, "t.HasP", json!({"v": {"x": 1000000000000u64}}));
    assert_eq!(Error::Json(e).to_string(), "json: at v.x: number out of range for int32");
}
