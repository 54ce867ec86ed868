//! Interop with the real `fory` 1.7.7 crate, in both modes: every value test runs as
//! `same_schema::<test>` (`Fory::builder().xlang(true).compatible(false)`, struct hash on, against
//! `ForyJit::builder().compatible(false)`) and as `compatible::<test>`
//! (`Fory::builder().xlang(true).compatible(true)`, TypeDefs and meta sharing, against foryjit's
//! default builder, which is compatible). In compatible mode the mirrors' fields all have
//! `#[fory(id = N)]`, so both TypeDefs identify fields by tag id and the payloads are compared
//! byte for byte like in same-schema mode (strings: `StringPolicy::Utf8`, the crate's writer).
//! Wire-format references are to the Fory xlang serialization spec,
//! <https://github.com/apache/fory/blob/main/docs/specification/xlang_serialization_spec.md>.
//!
//! Every schema below exists twice: as FDL text that foryjit loads at run time, and as a
//! `#[derive(ForyStruct)]` / `#[derive(ForyEnum)]` Rust mirror with the same type ids and field tag
//! ids. For each value (hand-picked edge values plus a few hundred seeded random ones per struct):
//!
//! 1. the fory crate serializes the Rust value, foryjit deserializes it, and the canonical JSON of
//!    foryjit's `Value` equals the JSON the Rust value should have (and the `Value` is bit-equal to
//!    the one built directly from the Rust value);
//! 2. foryjit serializes (with `StringPolicy::Utf8`, the fory crate's string writer), the fory crate
//!    deserializes, and the result equals the original value (floats compared bit for bit);
//! 3. the two payloads are byte-identical, except for the known differences between the two
//!    peers (each exception is named at its use, see `EXCEPTION_*` under "Byte-identity exceptions").
//!
//! Findings kept here on purpose (see each test's comment):
//! * `ref_fields_shared`: the crate writes the later occurrences of a shared `Rc` as
//!   back-references `fe <id>`; foryjit reads them (in both modes).
//! * `EXCEPTION_REF_FLAGS` is a byte difference between the peers themselves (the crate tracks
//!   `Rc` fields even with `track_ref(false)`; foryjit never tracks).
//! * `empty_struct_hash_divergence`: fory-derive and pyfory hash a field-less struct differently,
//!   so foryjit (pyfory's 47) and the crate reject each other's empty structs; bytes are pinned.
//!
//! Random values come from a fixed seed; set `FORYJIT_SEED` (decimal or `0x` hex) to try another.
//! A failure message always names the seed.
//!
//! Maps: both sides iterate the *same* Rust map instance (foryjit's `Value` is built from it), so
//! the wire entry order is the same on both sides and bytes are comparable even for `HashMap`s.
//! Values decoded from the wire are compared by content, never by iteration order.

use fory::{BFloat16, Float16, Fory, ForyEnum, ForyStruct};
use foryjit::{bf16, f16, EnumValue, ForyJit, StringPolicy, TypeHandle, Value};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;
use std::hash::Hash;
use std::rc::Rc;

// ---------------------------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------------------------

/// The test schema. Enum values are 0..n-1 in declaration order: fory-derive 1.7.7 writes the
/// declaration index, not the declared value.
const SCHEMA_FDL: &str = r#"
package fc;

enum Color [id=200] {
    RED = 0;
    GREEN = 1;
    BLUE = 2;
}

// The example of foryjit's crate docs: pinned bytes 01 ff 1b 67 3d 37 2c 49 02 04.
message Point [id=103] {
    int32 x = 1;
    int32 y = 2;
}

message Scalars [id=120] {
    bool b = 1;
    int8 i8v = 2;
    int16 i16v = 3;
    int32 i32v = 4;
    fixed int32 i32f = 5;
    int64 i64v = 6;
    fixed int64 i64f = 7;
    tagged int64 i64t = 8;
    uint8 u8v = 9;
    uint16 u16v = 10;
    uint32 u32v = 11;
    fixed uint32 u32f = 12;
    uint64 u64v = 13;
    fixed uint64 u64f = 14;
    tagged uint64 u64t = 15;
    float16 f16v = 16;
    bfloat16 bf16v = 17;
    float32 f32v = 18;
    float64 f64v = 19;
}

message OptScalars [id=121] {
    optional bool b = 1;
    optional int8 i8v = 2;
    optional int16 i16v = 3;
    optional int32 i32v = 4;
    optional fixed int32 i32f = 5;
    optional int64 i64v = 6;
    optional fixed int64 i64f = 7;
    optional tagged int64 i64t = 8;
    optional uint8 u8v = 9;
    optional uint16 u16v = 10;
    optional uint32 u32v = 11;
    optional fixed uint32 u32f = 12;
    optional uint64 u64v = 13;
    optional fixed uint64 u64f = 14;
    optional tagged uint64 u64t = 15;
    optional float16 f16v = 16;
    optional bfloat16 bf16v = 17;
    optional float32 f32v = 18;
    optional float64 f64v = 19;
}

message Text [id=122] {
    string s = 1;
    optional string os = 2;
    bytes data = 3;
    optional bytes odata = 4;
    string s2 = 5;
}

message Inner [id=123] {
    int32 x = 1;
    string name = 2;
    optional int64 opt = 3;
}

message Outer [id=124] {
    Inner a = 1;
    Inner b = 2;
    int32 tail = 3;
    Color color = 4;
    optional Color ocolor = 5;
    list<Inner> inners = 6;
}

message Deep [id=125] {
    Outer outer = 1;
    optional string note = 2;
    Inner inner = 3;
}

message Lists [id=126] {
    list<bool> bools = 1;
    list<int8> i8s = 2;
    list<int16> i16s = 3;
    list<int32> i32s = 4;
    list<fixed int32> i32fs = 5;
    list<int64> i64s = 6;
    list<fixed int64> i64fs = 7;
    list<tagged int64> i64ts = 8;
    list<uint8> u8s = 9;
    list<uint16> u16s = 10;
    list<uint32> u32s = 11;
    list<fixed uint32> u32fs = 12;
    list<uint64> u64s = 13;
    list<fixed uint64> u64fs = 14;
    list<tagged uint64> u64ts = 15;
    list<float16> f16s = 16;
    list<bfloat16> bf16s = 17;
    list<float32> f32s = 18;
    list<float64> f64s = 19;
    list<string> strs = 20;
    list<bytes> blobs = 21;
    list<Color> colors = 22;
    list<list<int32>> nested = 23;
    optional list<string> olist = 24;
}

message NullLists [id=127] {
    list<optional int32> oi32s = 1;
    list<optional string> ostrs = 2;
    list<optional float64> of64s = 3;
    list<optional Inner> oinners = 4;
    list<optional Color> ocolors = 5;
}

message Maps [id=128] {
    map<string, int32> s2i = 1;
    map<int32, string> i2s = 2;
    map<string, string> s2s = 3;
    map<int64, float64> i2f = 4;
    map<string, optional string> s2os = 5;
    map<string, list<int32>> s2l = 6;
    map<fixed int32, tagged uint64> enc = 7;
    map<Color, int32> c2i = 8;
    map<bool, bytes> b2b = 9;
    map<string, Color> s2c = 10;
}

message BMaps [id=129] {
    map<string, int32> s2i = 1;
    map<int64, string> i2s = 2;
    map<uint8, bool> u2b = 3;
    map<string, float32> s2f = 4;
}

message StructMaps [id=130] {
    map<string, Inner> s2inner = 1;
    map<int32, Inner> i2inner = 2;
    map<string, optional Inner> s2oinner = 3;
}

message Arrays [id=131] {
    array<bool> ab = 1;
    array<int8> ai8 = 2;
    array<int16> ai16 = 3;
    array<int32> ai32 = 4;
    array<int64> ai64 = 5;
    array<uint8> au8 = 6;
    array<uint16> au16 = 7;
    array<uint32> au32 = 8;
    array<uint64> au64 = 9;
    array<float16> af16 = 10;
    array<bfloat16> abf16 = 11;
    array<float32> af32 = 12;
    array<float64> af64 = 13;
    optional array<int32> oai32 = 14;
}

message Times [id=132] {
    date d = 1;
    timestamp t = 2;
    duration du = 3;
    optional date od = 4;
    optional timestamp ot = 5;
    list<date> ds = 6;
    map<date, int32> dm = 7;
    map<duration, string> dum = 8;
    list<timestamp> ts = 9;
    list<optional duration> odus = 10;
}

// fory-rust and pyfory hash a field-less struct differently; see `empty_struct_hash_divergence`.
message Empty [id=133] {
}

message Refs [id=134] {
    ref Inner r = 1;
    list<ref Inner> rl = 2;
    ref Inner r2 = 3;
    int32 n = 4;
}

message Nesting [id=135] {
    list<map<string, int32>> lm = 1;
    map<string, map<int32, string>> mm = 2;
    list<list<string>> ll = 3;
    map<string, list<Inner>> ml = 4;
    list<list<optional int64>> llo = 5;
    list<array<int32>> la = 6;
}
"#;

/// The benchmark shapes (`tests/schemas/bench.fdl`).
const BENCH_FDL: &str = foryjit_tests::SHAPES_FDL;

/// The shared benchmark data (`NumericStruct.json`, `Sample.json`, `MediaContent.json`, verbatim).
/// The `*List.json` files hold five copies of these values; the list tests build them that way.
const NUMERIC_STRUCT_JSON: &str = foryjit_tests::NUMERIC_STRUCT_JSON;

const SAMPLE_JSON: &str = foryjit_tests::SAMPLE_JSON;

const MEDIA_CONTENT_JSON: &str = foryjit_tests::MEDIA_CONTENT_JSON;

// ---------------------------------------------------------------------------------------------
// Byte-identity exceptions (known differences between pyfory and the fory crate)
// ---------------------------------------------------------------------------------------------

/// For a map whose value type is an id-registered struct, in same-schema mode
/// (only: compatible-mode bytes are identical) fory-rust writes the chunk header `04` plus the
/// value type meta `1b <id>` in every chunk,
/// while pyfory (and foryjit, which follows pyfory) marks the value as declared (`24`) and writes
/// no type meta. Each side reads the other's bytes, so checks 1 and 2 still apply.
const EXCEPTION_STRUCT_MAP_VALUE: &str =
    "map value of struct type: fory-rust writes `04 1b <id>`, \
     pyfory/foryjit write declared `24` (map chunk header, xlang spec)";

/// A peer difference this suite found. fory-derive tracks references of `Rc`
/// fields even with `track_ref(false)`: a `ref Inner` field is written `00` + body (REF_VALUE,
/// which takes a ref id) and a `list<ref Inner>` gets header `09` (track_ref) with a ref flag
/// before every element. foryjit implements no reference tracking and writes what pyfory does
/// with `ref=False` (xlang spec, reference meta: with ref tracking off only `fd` (null) and `ff`
/// (not null) are used): `ff` + body,
/// list header `08`, no element flags. Each side reads the other's unshared values.
const EXCEPTION_REF_FLAGS: &str =
    "`ref` fields: the crate writes REF_VALUE `00` and list header `09` \
     even with track_ref(false); foryjit (no reference tracking) writes `ff` and `08`";

const EXCEPTION_TYPEDEF_REF_BITS: &str =
    "compatible mode: the crate's TypeDef sets the ref bits of `ref` fields with track_ref(false) \
     (`c7 1c`, `71`); foryjit's clears them as pyfory's does with ref=False (`c6 1c`, `70`)";

// Not an exception: pyfory writes an all-null list with element type NONE
// and fory-rust with the declared type. That applies to untyped (root/`any`) lists only; in a
// typed `list<optional T>` field both the crate and foryjit write the declared type
// (`0e fd fd ...`), so `NullLists` is compared byte for byte.

// ---------------------------------------------------------------------------------------------
// Rust mirrors (fc)
// ---------------------------------------------------------------------------------------------

#[derive(ForyEnum, Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
enum Color {
    #[default]
    Red,
    Green,
    Blue,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct Point {
    #[fory(id = 1)]
    x: i32,
    #[fory(id = 2)]
    y: i32,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct Scalars {
    #[fory(id = 1)]
    b: bool,
    #[fory(id = 2)]
    i8v: i8,
    #[fory(id = 3)]
    i16v: i16,
    #[fory(id = 4)]
    i32v: i32,
    #[fory(id = 5, encoding = fixed)]
    i32f: i32,
    #[fory(id = 6)]
    i64v: i64,
    #[fory(id = 7, encoding = fixed)]
    i64f: i64,
    #[fory(id = 8, encoding = tagged)]
    i64t: i64,
    #[fory(id = 9)]
    u8v: u8,
    #[fory(id = 10)]
    u16v: u16,
    #[fory(id = 11)]
    u32v: u32,
    #[fory(id = 12, encoding = fixed)]
    u32f: u32,
    #[fory(id = 13)]
    u64v: u64,
    #[fory(id = 14, encoding = fixed)]
    u64f: u64,
    #[fory(id = 15, encoding = tagged)]
    u64t: u64,
    #[fory(id = 16)]
    f16v: Float16,
    #[fory(id = 17)]
    bf16v: BFloat16,
    #[fory(id = 18)]
    f32v: f32,
    #[fory(id = 19)]
    f64v: f64,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct OptScalars {
    #[fory(id = 1)]
    b: Option<bool>,
    #[fory(id = 2)]
    i8v: Option<i8>,
    #[fory(id = 3)]
    i16v: Option<i16>,
    #[fory(id = 4)]
    i32v: Option<i32>,
    #[fory(id = 5, encoding = fixed)]
    i32f: Option<i32>,
    #[fory(id = 6)]
    i64v: Option<i64>,
    #[fory(id = 7, encoding = fixed)]
    i64f: Option<i64>,
    #[fory(id = 8, encoding = tagged)]
    i64t: Option<i64>,
    #[fory(id = 9)]
    u8v: Option<u8>,
    #[fory(id = 10)]
    u16v: Option<u16>,
    #[fory(id = 11)]
    u32v: Option<u32>,
    #[fory(id = 12, encoding = fixed)]
    u32f: Option<u32>,
    #[fory(id = 13)]
    u64v: Option<u64>,
    #[fory(id = 14, encoding = fixed)]
    u64f: Option<u64>,
    #[fory(id = 15, encoding = tagged)]
    u64t: Option<u64>,
    #[fory(id = 16)]
    f16v: Option<Float16>,
    #[fory(id = 17)]
    bf16v: Option<BFloat16>,
    #[fory(id = 18)]
    f32v: Option<f32>,
    #[fory(id = 19)]
    f64v: Option<f64>,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct Text {
    #[fory(id = 1)]
    s: String,
    #[fory(id = 2)]
    os: Option<String>,
    #[fory(id = 3, bytes)]
    data: Vec<u8>,
    #[fory(id = 4, bytes)]
    odata: Option<Vec<u8>>,
    #[fory(id = 5)]
    s2: String,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct Inner {
    #[fory(id = 1)]
    x: i32,
    #[fory(id = 2)]
    name: String,
    #[fory(id = 3)]
    opt: Option<i64>,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct Outer {
    #[fory(id = 1)]
    a: Option<Inner>,
    #[fory(id = 2)]
    b: Option<Inner>,
    #[fory(id = 3)]
    tail: i32,
    #[fory(id = 4)]
    color: Color,
    #[fory(id = 5)]
    ocolor: Option<Color>,
    #[fory(id = 6)]
    inners: Vec<Inner>,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct Deep {
    #[fory(id = 1)]
    outer: Option<Outer>,
    #[fory(id = 2)]
    note: Option<String>,
    #[fory(id = 3)]
    inner: Option<Inner>,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct Lists {
    #[fory(id = 1)]
    bools: Vec<bool>,
    #[fory(id = 2)]
    i8s: Vec<i8>,
    #[fory(id = 3)]
    i16s: Vec<i16>,
    #[fory(id = 4)]
    i32s: Vec<i32>,
    #[fory(id = 5, list(element(encoding = fixed)))]
    i32fs: Vec<i32>,
    #[fory(id = 6)]
    i64s: Vec<i64>,
    #[fory(id = 7, list(element(encoding = fixed)))]
    i64fs: Vec<i64>,
    #[fory(id = 8, list(element(encoding = tagged)))]
    i64ts: Vec<i64>,
    #[fory(id = 9)]
    u8s: Vec<u8>,
    #[fory(id = 10)]
    u16s: Vec<u16>,
    #[fory(id = 11)]
    u32s: Vec<u32>,
    #[fory(id = 12, list(element(encoding = fixed)))]
    u32fs: Vec<u32>,
    #[fory(id = 13)]
    u64s: Vec<u64>,
    #[fory(id = 14, list(element(encoding = fixed)))]
    u64fs: Vec<u64>,
    #[fory(id = 15, list(element(encoding = tagged)))]
    u64ts: Vec<u64>,
    #[fory(id = 16)]
    f16s: Vec<Float16>,
    #[fory(id = 17)]
    bf16s: Vec<BFloat16>,
    #[fory(id = 18)]
    f32s: Vec<f32>,
    #[fory(id = 19)]
    f64s: Vec<f64>,
    #[fory(id = 20)]
    strs: Vec<String>,
    #[fory(id = 21, list(element(bytes)))]
    blobs: Vec<Vec<u8>>,
    #[fory(id = 22)]
    colors: Vec<Color>,
    #[fory(id = 23)]
    nested: Vec<Vec<i32>>,
    #[fory(id = 24)]
    olist: Option<Vec<String>>,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct NullLists {
    #[fory(id = 1)]
    oi32s: Vec<Option<i32>>,
    #[fory(id = 2)]
    ostrs: Vec<Option<String>>,
    #[fory(id = 3)]
    of64s: Vec<Option<f64>>,
    #[fory(id = 4)]
    oinners: Vec<Option<Inner>>,
    #[fory(id = 5)]
    ocolors: Vec<Option<Color>>,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct Maps {
    #[fory(id = 1)]
    s2i: HashMap<String, i32>,
    #[fory(id = 2)]
    i2s: HashMap<i32, String>,
    #[fory(id = 3)]
    s2s: HashMap<String, String>,
    #[fory(id = 4)]
    i2f: HashMap<i64, f64>,
    #[fory(id = 5)]
    s2os: HashMap<String, Option<String>>,
    #[fory(id = 6)]
    s2l: HashMap<String, Vec<i32>>,
    #[fory(id = 7, map(key(encoding = fixed), value(encoding = tagged)))]
    enc: HashMap<i32, u64>,
    #[fory(id = 8)]
    c2i: HashMap<Color, i32>,
    #[fory(id = 9, map(value(bytes)))]
    b2b: HashMap<bool, Vec<u8>>,
    #[fory(id = 10)]
    s2c: HashMap<String, Color>,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct BMaps {
    #[fory(id = 1)]
    s2i: BTreeMap<String, i32>,
    #[fory(id = 2)]
    i2s: BTreeMap<i64, String>,
    #[fory(id = 3)]
    u2b: BTreeMap<u8, bool>,
    #[fory(id = 4)]
    s2f: BTreeMap<String, f32>,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct StructMaps {
    #[fory(id = 1)]
    s2inner: HashMap<String, Inner>,
    #[fory(id = 2)]
    i2inner: BTreeMap<i32, Inner>,
    #[fory(id = 3)]
    s2oinner: HashMap<String, Option<Inner>>,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct Arrays {
    #[fory(id = 1, array)]
    ab: Vec<bool>,
    #[fory(id = 2, array)]
    ai8: Vec<i8>,
    #[fory(id = 3, array)]
    ai16: Vec<i16>,
    #[fory(id = 4, array)]
    ai32: Vec<i32>,
    #[fory(id = 5, array)]
    ai64: Vec<i64>,
    #[fory(id = 6, array)]
    au8: Vec<u8>,
    #[fory(id = 7, array)]
    au16: Vec<u16>,
    #[fory(id = 8, array)]
    au32: Vec<u32>,
    #[fory(id = 9, array)]
    au64: Vec<u64>,
    #[fory(id = 10, array)]
    af16: Vec<Float16>,
    #[fory(id = 11, array)]
    abf16: Vec<BFloat16>,
    #[fory(id = 12, array)]
    af32: Vec<f32>,
    #[fory(id = 13, array)]
    af64: Vec<f64>,
    #[fory(id = 14, array)]
    oai32: Option<Vec<i32>>,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct Times {
    #[fory(id = 1)]
    d: fory::Date,
    #[fory(id = 2)]
    t: fory::Timestamp,
    #[fory(id = 3)]
    du: fory::Duration,
    #[fory(id = 4)]
    od: Option<fory::Date>,
    #[fory(id = 5)]
    ot: Option<fory::Timestamp>,
    #[fory(id = 6)]
    ds: Vec<fory::Date>,
    #[fory(id = 7)]
    dm: BTreeMap<fory::Date, i32>,
    #[fory(id = 8)]
    dum: HashMap<fory::Duration, String>,
    #[fory(id = 9)]
    ts: Vec<fory::Timestamp>,
    #[fory(id = 10)]
    odus: Vec<Option<fory::Duration>>,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct Empty {}

/// `ref Inner` is nullable and ref-tracked: `Option<Rc<Inner>>` with an explicit `nullable` (the
/// derive's default for `Option<Rc<T>>` is non-nullable, which would change the schema hash).
#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct Refs {
    #[fory(id = 1, nullable)]
    r: Option<Rc<Inner>>,
    #[fory(id = 2)]
    rl: Vec<Rc<Inner>>,
    #[fory(id = 3, nullable)]
    r2: Option<Rc<Inner>>,
    #[fory(id = 4)]
    n: i32,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct Nesting {
    #[fory(id = 1)]
    lm: Vec<HashMap<String, i32>>,
    #[fory(id = 2)]
    mm: HashMap<String, HashMap<i32, String>>,
    #[fory(id = 3)]
    ll: Vec<Vec<String>>,
    #[fory(id = 4)]
    ml: HashMap<String, Vec<Inner>>,
    #[fory(id = 5)]
    llo: Vec<Vec<Option<i64>>>,
    #[fory(id = 6, list(element(array)))]
    la: Vec<Vec<i32>>,
}

fn register_fc(f: &mut Fory) -> Result<(), fory::Error> {
    f.register::<Color>(200)?;
    f.register::<Point>(103)?;
    f.register::<Scalars>(120)?;
    f.register::<OptScalars>(121)?;
    f.register::<Text>(122)?;
    f.register::<Inner>(123)?;
    f.register::<Outer>(124)?;
    f.register::<Deep>(125)?;
    f.register::<Lists>(126)?;
    f.register::<NullLists>(127)?;
    f.register::<Maps>(128)?;
    f.register::<BMaps>(129)?;
    f.register::<StructMaps>(130)?;
    f.register::<Arrays>(131)?;
    f.register::<Times>(132)?;
    f.register::<Empty>(133)?;
    f.register::<Refs>(134)?;
    f.register::<Nesting>(135)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Rust mirrors (bench)
// ---------------------------------------------------------------------------------------------

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct NumericStruct {
    #[fory(id = 1)]
    f1: i32,
    #[fory(id = 2)]
    f2: i32,
    #[fory(id = 3)]
    f3: i32,
    #[fory(id = 4)]
    f4: i32,
    #[fory(id = 5)]
    f5: i32,
    #[fory(id = 6)]
    f6: i32,
    #[fory(id = 7)]
    f7: i32,
    #[fory(id = 8)]
    f8: i32,
    #[fory(id = 9)]
    f9: i32,
    #[fory(id = 10)]
    f10: i32,
    #[fory(id = 11)]
    f11: i32,
    #[fory(id = 12)]
    f12: i32,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct Sample {
    #[fory(id = 1)]
    int_value: i32,
    #[fory(id = 2)]
    long_value: i64,
    #[fory(id = 3)]
    float_value: f32,
    #[fory(id = 4)]
    double_value: f64,
    #[fory(id = 5)]
    short_value: i32,
    #[fory(id = 6)]
    char_value: i32,
    #[fory(id = 7)]
    boolean_value: bool,
    #[fory(id = 8)]
    int_value_boxed: i32,
    #[fory(id = 9)]
    long_value_boxed: i64,
    #[fory(id = 10)]
    float_value_boxed: f32,
    #[fory(id = 11)]
    double_value_boxed: f64,
    #[fory(id = 12)]
    short_value_boxed: i32,
    #[fory(id = 13)]
    char_value_boxed: i32,
    #[fory(id = 14)]
    boolean_value_boxed: bool,
    #[fory(id = 15, array)]
    int_array: Vec<i32>,
    #[fory(id = 16, array)]
    long_array: Vec<i64>,
    #[fory(id = 17, array)]
    float_array: Vec<f32>,
    #[fory(id = 18, array)]
    double_array: Vec<f64>,
    #[fory(id = 19, array)]
    short_array: Vec<i32>,
    #[fory(id = 20, array)]
    char_array: Vec<i32>,
    #[fory(id = 21, array)]
    boolean_array: Vec<bool>,
    #[fory(id = 22)]
    string: String,
}

#[derive(ForyEnum, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
enum Player {
    #[default]
    Java,
    Flash,
}

#[derive(ForyEnum, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
enum Size {
    #[default]
    Small,
    Large,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct Media {
    #[fory(id = 1)]
    uri: String,
    #[fory(id = 2)]
    title: String,
    #[fory(id = 3)]
    width: i32,
    #[fory(id = 4)]
    height: i32,
    #[fory(id = 5)]
    format: String,
    #[fory(id = 6)]
    duration: i64,
    #[fory(id = 7)]
    size: i64,
    #[fory(id = 8)]
    bitrate: i32,
    #[fory(id = 9)]
    has_bitrate: bool,
    #[fory(id = 10)]
    persons: Vec<String>,
    #[fory(id = 11)]
    player: Player,
    #[fory(id = 12)]
    copyright: String,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct Image {
    #[fory(id = 1)]
    uri: String,
    #[fory(id = 2)]
    title: String,
    #[fory(id = 3)]
    width: i32,
    #[fory(id = 4)]
    height: i32,
    #[fory(id = 5)]
    size: Size,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct MediaContent {
    #[fory(id = 1)]
    media: Option<Media>,
    #[fory(id = 2)]
    images: Vec<Image>,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct NumericStructList {
    #[fory(id = 1)]
    struct_list: Vec<NumericStruct>,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct SampleList {
    #[fory(id = 1)]
    sample_list: Vec<Sample>,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct MediaContentList {
    #[fory(id = 1)]
    media_content_list: Vec<MediaContent>,
}

fn register_bench(f: &mut Fory) -> Result<(), fory::Error> {
    f.register::<NumericStruct>(1)?;
    f.register::<Sample>(2)?;
    f.register::<Media>(3)?;
    f.register::<Image>(4)?;
    f.register::<MediaContent>(5)?;
    f.register::<Player>(6)?;
    f.register::<Size>(7)?;
    f.register::<NumericStructList>(8)?;
    f.register::<SampleList>(9)?;
    f.register::<MediaContentList>(10)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Mirror: expected canonical JSON, the equivalent foryjit Value, and bitwise equality
// ---------------------------------------------------------------------------------------------

/// What a Rust value should look like on foryjit's side.
trait Mirror {
    /// Canonical JSON (docs/canonical-json.md) of the value at its schema type.
    fn json(&self) -> Json;
    /// The foryjit `Value` for the value at its schema type.
    fn value(&self, jit: &ForyJit) -> Value;
    /// Equality with floats compared by bits (NaN payloads and the sign of zero matter).
    fn beq(&self, other: &Self) -> bool;
    /// True for `String`: maps keyed by it are JSON objects, others are arrays of pairs.
    fn is_string_type() -> bool
    where
        Self: Sized,
    {
        false
    }
    /// The key text of a string map key.
    fn key_text(&self) -> String {
        String::new()
    }
}

/// A registered struct mirror.
trait Named {
    /// The FDL full name.
    const NAME: &'static str;
}

fn handle(jit: &ForyJit, name: &str) -> TypeHandle {
    jit.type_handle(name).unwrap_or_else(|| panic!("type {name} is not registered in foryjit"))
}

macro_rules! int_mirror {
    ($($t:ty => $var:ident),* $(,)?) => {$(
        impl Mirror for $t {
            fn json(&self) -> Json {
                Json::from(*self)
            }
            fn value(&self, _: &ForyJit) -> Value {
                Value::$var(*self)
            }
            fn beq(&self, other: &Self) -> bool {
                self == other
            }
        }
    )*};
}
int_mirror!(bool => Bool, i8 => Int8, i16 => Int16, i32 => Int32, i64 => Int64,
    u8 => UInt8, u16 => UInt16, u32 => UInt32, u64 => UInt64);

/// JSON for a float: NaN/±inf as strings, otherwise the number parsed from `text` (the shortest
/// decimal that reads back at the value's width).
fn float_json(x: f64, text: impl FnOnce() -> String) -> Json {
    if x.is_nan() {
        Json::String("NaN".into())
    } else if x == f64::INFINITY {
        Json::String("Infinity".into())
    } else if x == f64::NEG_INFINITY {
        Json::String("-Infinity".into())
    } else {
        let t = text();
        let v: f64 = t.parse().unwrap_or_else(|_| panic!("float text {t}"));
        Json::Number(serde_json::Number::from_f64(v).expect("finite"))
    }
}

/// The shortest `d.ddde±x` text of `x` that converts back to the same 16-bit float.
fn shortest_16(x: f32, same: impl Fn(f32) -> bool) -> String {
    (0..9)
        .map(|p| format!("{x:.p$e}"))
        .find(|s| s.parse::<f32>().is_ok_and(&same))
        .unwrap_or_else(|| format!("{x:?}"))
}

impl Mirror for f32 {
    fn json(&self) -> Json {
        float_json(f64::from(*self), || format!("{self:?}"))
    }
    fn value(&self, _: &ForyJit) -> Value {
        Value::Float32(*self)
    }
    fn beq(&self, other: &Self) -> bool {
        self.to_bits() == other.to_bits()
    }
}

impl Mirror for f64 {
    fn json(&self) -> Json {
        float_json(*self, || format!("{self:?}"))
    }
    fn value(&self, _: &ForyJit) -> Value {
        Value::Float64(*self)
    }
    fn beq(&self, other: &Self) -> bool {
        self.to_bits() == other.to_bits()
    }
}

impl Mirror for Float16 {
    fn json(&self) -> Json {
        let x = self.to_f32();
        let bits = self.to_bits();
        float_json(f64::from(x), || shortest_16(x, |c| Float16::from_f32(c).to_bits() == bits))
    }
    fn value(&self, _: &ForyJit) -> Value {
        Value::Float16(f16::from_bits(self.to_bits()))
    }
    fn beq(&self, other: &Self) -> bool {
        self.to_bits() == other.to_bits()
    }
}

impl Mirror for BFloat16 {
    fn json(&self) -> Json {
        let x = self.to_f32();
        let bits = self.to_bits();
        float_json(f64::from(x), || shortest_16(x, |c| BFloat16::from_f32(c).to_bits() == bits))
    }
    fn value(&self, _: &ForyJit) -> Value {
        Value::BFloat16(bf16::from_bits(self.to_bits()))
    }
    fn beq(&self, other: &Self) -> bool {
        self.to_bits() == other.to_bits()
    }
}

impl Mirror for String {
    fn json(&self) -> Json {
        Json::String(self.clone())
    }
    fn value(&self, _: &ForyJit) -> Value {
        Value::string(self.clone())
    }
    fn beq(&self, other: &Self) -> bool {
        self == other
    }
    fn is_string_type() -> bool {
        true
    }
    fn key_text(&self) -> String {
        self.clone()
    }
}

impl<T: Mirror> Mirror for Option<T> {
    fn json(&self) -> Json {
        self.as_ref().map_or(Json::Null, Mirror::json)
    }
    fn value(&self, jit: &ForyJit) -> Value {
        self.as_ref().map_or(Value::Null, |v| v.value(jit))
    }
    fn beq(&self, other: &Self) -> bool {
        match (self, other) {
            (Some(a), Some(b)) => a.beq(b),
            (None, None) => true,
            _ => false,
        }
    }
}

/// A `ref` position: the value itself (foryjit's `Value` has no identity).
impl<T: Mirror> Mirror for Rc<T> {
    fn json(&self) -> Json {
        (**self).json()
    }
    fn value(&self, jit: &ForyJit) -> Value {
        (**self).value(jit)
    }
    fn beq(&self, other: &Self) -> bool {
        (**self).beq(other)
    }
}

/// `Vec<T>` is a `list<T>`; dense arrays and bytes use the field kinds `array` / `bytes`.
impl<T: Mirror> Mirror for Vec<T> {
    fn json(&self) -> Json {
        Json::Array(self.iter().map(Mirror::json).collect())
    }
    fn value(&self, jit: &ForyJit) -> Value {
        Value::list(self.iter().map(|v| v.value(jit)).collect())
    }
    fn beq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a.beq(b))
    }
}

fn map_json<'a, K: Mirror + 'a, V: 'a>(
    entries: impl Iterator<Item = (&'a K, &'a V)>,
    vj: impl Fn(&V) -> Json,
) -> Json {
    if K::is_string_type() {
        Json::Object(entries.map(|(k, v)| (k.key_text(), vj(v))).collect())
    } else {
        Json::Array(entries.map(|(k, v)| Json::Array(vec![k.json(), vj(v)])).collect())
    }
}

impl<K: Mirror + Eq + Hash, V: Mirror> Mirror for HashMap<K, V> {
    fn json(&self) -> Json {
        map_json(self.iter(), Mirror::json)
    }
    fn value(&self, jit: &ForyJit) -> Value {
        Value::map(self.iter().map(|(k, v)| (k.value(jit), v.value(jit))).collect())
    }
    fn beq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self.iter().all(|(k, v)| other.get(k).is_some_and(|w| v.beq(w)))
    }
}

impl<K: Mirror + Ord, V: Mirror> Mirror for BTreeMap<K, V> {
    fn json(&self) -> Json {
        map_json(self.iter(), Mirror::json)
    }
    fn value(&self, jit: &ForyJit) -> Value {
        Value::map(self.iter().map(|(k, v)| (k.value(jit), v.value(jit))).collect())
    }
    fn beq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self.iter().zip(other).all(|((k, v), (l, w))| k == l && v.beq(w))
    }
}

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01.
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn date_text(days: i64) -> String {
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}")
}

impl Mirror for fory::Date {
    fn json(&self) -> Json {
        Json::String(date_text(self.epoch_days()))
    }
    fn value(&self, _: &ForyJit) -> Value {
        Value::Date(i32::try_from(self.epoch_days()).expect("date within i32 days"))
    }
    fn beq(&self, other: &Self) -> bool {
        self == other
    }
}

impl Mirror for fory::Timestamp {
    fn json(&self) -> Json {
        let s = self.seconds();
        let (days, sod) = (s.div_euclid(86_400), s.rem_euclid(86_400));
        Json::String(format!(
            "{}T{:02}:{:02}:{:02}.{:09}Z",
            date_text(days),
            sod / 3600,
            sod / 60 % 60,
            sod % 60,
            self.subsec_nanos()
        ))
    }
    fn value(&self, _: &ForyJit) -> Value {
        Value::Timestamp(foryjit::Timestamp { seconds: self.seconds(), nanos: self.subsec_nanos() })
    }
    fn beq(&self, other: &Self) -> bool {
        self == other
    }
}

impl Mirror for fory::Duration {
    fn json(&self) -> Json {
        serde_json::json!({"seconds": self.seconds(), "nanos": self.subsec_nanos()})
    }
    fn value(&self, _: &ForyJit) -> Value {
        Value::Duration(foryjit::Duration {
            seconds: self.seconds(),
            nanos: self.subsec_nanos() as i32,
        })
    }
    fn beq(&self, other: &Self) -> bool {
        self == other
    }
}

/// Standard base64 with padding (canonical JSON of `bytes`).
fn base64(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(b.len().div_ceil(3) * 4);
    for c in b.chunks(3) {
        let n = u32::from(c[0]) << 16
            | u32::from(c.get(1).copied().unwrap_or(0)) << 8
            | u32::from(c.get(2).copied().unwrap_or(0));
        s.push(A[(n >> 18) as usize & 63] as char);
        s.push(A[(n >> 12) as usize & 63] as char);
        s.push(if c.len() > 1 { A[(n >> 6) as usize & 63] as char } else { '=' });
        s.push(if c.len() > 2 { A[n as usize & 63] as char } else { '=' });
    }
    s
}

/// Element types of dense arrays (`#[fory(array)] Vec<T>`).
trait ArrayElem: Mirror + Sized {
    fn array_value(items: &[Self]) -> Value;
}

macro_rules! array_elem {
    ($($t:ty => $var:ident),* $(,)?) => {$(
        impl ArrayElem for $t {
            fn array_value(items: &[Self]) -> Value {
                Value::$var(items.to_vec().into())
            }
        }
    )*};
}
array_elem!(bool => BoolArray, i8 => Int8Array, i16 => Int16Array, i32 => Int32Array,
    i64 => Int64Array, u8 => UInt8Array, u16 => UInt16Array, u32 => UInt32Array,
    u64 => UInt64Array, f32 => Float32Array, f64 => Float64Array);

impl ArrayElem for Float16 {
    fn array_value(items: &[Self]) -> Value {
        Value::Float16Array(items.iter().map(|x| f16::from_bits(x.to_bits())).collect())
    }
}

impl ArrayElem for BFloat16 {
    fn array_value(items: &[Self]) -> Value {
        Value::BFloat16Array(items.iter().map(|x| bf16::from_bits(x.to_bits())).collect())
    }
}

/// Field kinds of the `mirror_struct!` macro: how a Rust field type maps onto the schema.
mod kind {
    use super::*;

    /// The type's own `Mirror` (scalars, strings, options, lists, maps, structs, enums, time).
    pub mod plain {
        use super::*;
        pub fn json<T: Mirror>(v: &T) -> Json {
            v.json()
        }
        pub fn value<T: Mirror>(v: &T, jit: &ForyJit) -> Value {
            v.value(jit)
        }
        pub fn beq<T: Mirror>(a: &T, b: &T) -> bool {
            a.beq(b)
        }
    }

    /// `array<T>`: `#[fory(array)] Vec<T>`.
    pub mod array {
        use super::*;
        pub fn json<T: ArrayElem>(v: &[T]) -> Json {
            Json::Array(v.iter().map(Mirror::json).collect())
        }
        pub fn value<T: ArrayElem>(v: &[T], _: &ForyJit) -> Value {
            T::array_value(v)
        }
        pub fn beq<T: ArrayElem>(a: &[T], b: &[T]) -> bool {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.beq(y))
        }
    }

    /// `optional array<T>`: `#[fory(array)] Option<Vec<T>>`.
    pub mod opt_array {
        use super::*;
        pub fn json<T: ArrayElem>(v: &Option<Vec<T>>) -> Json {
            v.as_deref().map_or(Json::Null, array::json)
        }
        pub fn value<T: ArrayElem>(v: &Option<Vec<T>>, jit: &ForyJit) -> Value {
            v.as_deref().map_or(Value::Null, |a| array::value(a, jit))
        }
        pub fn beq<T: ArrayElem>(a: &Option<Vec<T>>, b: &Option<Vec<T>>) -> bool {
            match (a, b) {
                (Some(x), Some(y)) => array::beq(x, y),
                (None, None) => true,
                _ => false,
            }
        }
    }

    /// `bytes`: `#[fory(bytes)] Vec<u8>`.
    pub mod bytes {
        use super::*;
        pub fn json(v: &[u8]) -> Json {
            Json::String(base64(v))
        }
        pub fn value(v: &[u8], _: &ForyJit) -> Value {
            Value::Binary(v.to_vec().into())
        }
        pub fn beq(a: &[u8], b: &[u8]) -> bool {
            a == b
        }
    }

    /// `optional bytes`: `#[fory(bytes)] Option<Vec<u8>>`.
    pub mod opt_bytes {
        use super::*;
        pub fn json(v: &Option<Vec<u8>>) -> Json {
            v.as_deref().map_or(Json::Null, bytes::json)
        }
        pub fn value(v: &Option<Vec<u8>>, jit: &ForyJit) -> Value {
            v.as_deref().map_or(Value::Null, |b| bytes::value(b, jit))
        }
        pub fn beq(a: &Option<Vec<u8>>, b: &Option<Vec<u8>>) -> bool {
            a == b
        }
    }

    /// `list<bytes>`: `#[fory(list(element(bytes)))] Vec<Vec<u8>>`.
    pub mod list_bytes {
        use super::*;
        pub fn json(v: &[Vec<u8>]) -> Json {
            Json::Array(v.iter().map(|b| bytes::json(b)).collect())
        }
        pub fn value(v: &[Vec<u8>], jit: &ForyJit) -> Value {
            Value::list(v.iter().map(|b| bytes::value(b, jit)).collect())
        }
        pub fn beq(a: &[Vec<u8>], b: &[Vec<u8>]) -> bool {
            a == b
        }
    }

    /// `list<array<T>>`: `#[fory(list(element(array)))] Vec<Vec<T>>`.
    pub mod list_array {
        use super::*;
        pub fn json<T: ArrayElem>(v: &[Vec<T>]) -> Json {
            Json::Array(v.iter().map(|a| array::json(a)).collect())
        }
        pub fn value<T: ArrayElem>(v: &[Vec<T>], jit: &ForyJit) -> Value {
            Value::list(v.iter().map(|a| array::value(a, jit)).collect())
        }
        pub fn beq<T: ArrayElem>(a: &[Vec<T>], b: &[Vec<T>]) -> bool {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| array::beq(x, y))
        }
    }

    /// `map<K, bytes>`: `#[fory(map(value(bytes)))] HashMap<K, Vec<u8>>`.
    pub mod map_bytes {
        use super::*;
        pub fn json<K: Mirror + Eq + Hash>(v: &HashMap<K, Vec<u8>>) -> Json {
            map_json(v.iter(), |b| bytes::json(b))
        }
        pub fn value<K: Mirror + Eq + Hash>(v: &HashMap<K, Vec<u8>>, jit: &ForyJit) -> Value {
            Value::map(v.iter().map(|(k, b)| (k.value(jit), bytes::value(b, jit))).collect())
        }
        pub fn beq<K: Mirror + Eq + Hash>(
            a: &HashMap<K, Vec<u8>>,
            b: &HashMap<K, Vec<u8>>,
        ) -> bool {
            a == b
        }
    }
}

/// Implements `Mirror` and `Named` for a struct mirror. Fields are listed in FDL declaration
/// order (the order of canonical JSON keys) with their kind (a module of `kind`).
macro_rules! mirror_struct {
    ($t:ident = $name:literal { $($f:ident : $k:ident),* $(,)? }) => {
        impl Named for $t {
            const NAME: &'static str = $name;
        }
        impl Mirror for $t {
            fn json(&self) -> Json {
                #[allow(unused_mut)]
                let mut m = serde_json::Map::new();
                $( m.insert(stringify!($f).to_owned(), kind::$k::json(&self.$f)); )*
                Json::Object(m)
            }
            fn value(&self, jit: &ForyJit) -> Value {
                let h = handle(jit, $name);
                #[allow(unused_mut)]
                let mut v = jit.new_struct(h).expect("new_struct");
                $(
                    let fv = kind::$k::value(&self.$f, jit);
                    if let Err(e) = jit.set(&mut v, stringify!($f), fv) {
                        panic!("{}.{}: {e}", $name, stringify!($f));
                    }
                )*
                v
            }
            fn beq(&self, other: &Self) -> bool {
                let _ = other;
                true $( && kind::$k::beq(&self.$f, &other.$f) )*
            }
        }
    };
}

macro_rules! mirror_enum {
    ($t:ident = $name:literal { $($v:ident => $s:literal = $n:literal),* $(,)? }) => {
        impl Mirror for $t {
            fn json(&self) -> Json {
                Json::String(match self { $($t::$v => $s),* }.to_owned())
            }
            fn value(&self, jit: &ForyJit) -> Value {
                let value = match self { $($t::$v => $n),* };
                Value::Enum(EnumValue { ty: handle(jit, $name).index(), value })
            }
            fn beq(&self, other: &Self) -> bool {
                self == other
            }
        }
    };
}

mirror_enum!(Color = "fc.Color" { Red => "RED" = 0, Green => "GREEN" = 1, Blue => "BLUE" = 2 });
mirror_enum!(Player = "bench.Player" { Java => "JAVA" = 0, Flash => "FLASH" = 1 });
mirror_enum!(Size = "bench.Size" { Small => "SMALL" = 0, Large => "LARGE" = 1 });

mirror_struct!(Point = "fc.Point" { x: plain, y: plain });
mirror_struct!(Scalars = "fc.Scalars" {
    b: plain, i8v: plain, i16v: plain, i32v: plain, i32f: plain, i64v: plain, i64f: plain,
    i64t: plain, u8v: plain, u16v: plain, u32v: plain, u32f: plain, u64v: plain, u64f: plain,
    u64t: plain, f16v: plain, bf16v: plain, f32v: plain, f64v: plain,
});
mirror_struct!(OptScalars = "fc.OptScalars" {
    b: plain, i8v: plain, i16v: plain, i32v: plain, i32f: plain, i64v: plain, i64f: plain,
    i64t: plain, u8v: plain, u16v: plain, u32v: plain, u32f: plain, u64v: plain, u64f: plain,
    u64t: plain, f16v: plain, bf16v: plain, f32v: plain, f64v: plain,
});
mirror_struct!(Text = "fc.Text" { s: plain, os: plain, data: bytes, odata: opt_bytes, s2: plain });
mirror_struct!(Inner = "fc.Inner" { x: plain, name: plain, opt: plain });
mirror_struct!(Outer = "fc.Outer" {
    a: plain, b: plain, tail: plain, color: plain, ocolor: plain, inners: plain,
});
mirror_struct!(Deep = "fc.Deep" { outer: plain, note: plain, inner: plain });
mirror_struct!(Lists = "fc.Lists" {
    bools: plain, i8s: plain, i16s: plain, i32s: plain, i32fs: plain, i64s: plain, i64fs: plain,
    i64ts: plain, u8s: plain, u16s: plain, u32s: plain, u32fs: plain, u64s: plain, u64fs: plain,
    u64ts: plain, f16s: plain, bf16s: plain, f32s: plain, f64s: plain, strs: plain,
    blobs: list_bytes, colors: plain, nested: plain, olist: plain,
});
mirror_struct!(NullLists = "fc.NullLists" {
    oi32s: plain, ostrs: plain, of64s: plain, oinners: plain, ocolors: plain,
});
mirror_struct!(Maps = "fc.Maps" {
    s2i: plain, i2s: plain, s2s: plain, i2f: plain, s2os: plain, s2l: plain, enc: plain,
    c2i: plain, b2b: map_bytes, s2c: plain,
});
mirror_struct!(BMaps = "fc.BMaps" { s2i: plain, i2s: plain, u2b: plain, s2f: plain });
mirror_struct!(StructMaps = "fc.StructMaps" { s2inner: plain, i2inner: plain, s2oinner: plain });
mirror_struct!(Arrays = "fc.Arrays" {
    ab: array, ai8: array, ai16: array, ai32: array, ai64: array, au8: array, au16: array,
    au32: array, au64: array, af16: array, abf16: array, af32: array, af64: array,
    oai32: opt_array,
});
mirror_struct!(Times = "fc.Times" {
    d: plain, t: plain, du: plain, od: plain, ot: plain, ds: plain, dm: plain, dum: plain,
    ts: plain, odus: plain,
});
mirror_struct!(Empty = "fc.Empty" {});
mirror_struct!(Refs = "fc.Refs" { r: plain, rl: plain, r2: plain, n: plain });
mirror_struct!(Nesting = "fc.Nesting" { lm: plain, mm: plain, ll: plain, ml: plain, llo: plain, la: list_array });

mirror_struct!(NumericStruct = "bench.NumericStruct" {
    f1: plain, f2: plain, f3: plain, f4: plain, f5: plain, f6: plain, f7: plain, f8: plain,
    f9: plain, f10: plain, f11: plain, f12: plain,
});
mirror_struct!(Sample = "bench.Sample" {
    int_value: plain, long_value: plain, float_value: plain, double_value: plain,
    short_value: plain, char_value: plain, boolean_value: plain, int_value_boxed: plain,
    long_value_boxed: plain, float_value_boxed: plain, double_value_boxed: plain,
    short_value_boxed: plain, char_value_boxed: plain, boolean_value_boxed: plain,
    int_array: array, long_array: array, float_array: array, double_array: array,
    short_array: array, char_array: array, boolean_array: array, string: plain,
});
mirror_struct!(Media = "bench.Media" {
    uri: plain, title: plain, width: plain, height: plain, format: plain, duration: plain,
    size: plain, bitrate: plain, has_bitrate: plain, persons: plain, player: plain,
    copyright: plain,
});
mirror_struct!(Image = "bench.Image" { uri: plain, title: plain, width: plain, height: plain, size: plain });
mirror_struct!(MediaContent = "bench.MediaContent" { media: plain, images: plain });
mirror_struct!(NumericStructList = "bench.NumericStructList" { struct_list: plain });
mirror_struct!(SampleList = "bench.SampleList" { sample_list: plain });
mirror_struct!(MediaContentList = "bench.MediaContentList" { media_content_list: plain });

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

/// The pair of configurations a test runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CrateMode {
    /// `Fory::builder().xlang(true).compatible(false)` against `.compatible(false)`.
    SameSchema,
    /// `Fory::builder().xlang(true).compatible(true)` against foryjit's default builder.
    Compatible,
}

struct Env {
    jit: ForyJit,
    fory: Fory,
    mode: CrateMode,
}

fn env(mode: CrateMode, fdl: &str, register: fn(&mut Fory) -> Result<(), fory::Error>) -> Env {
    let desc = foryjit::SchemaDesc::from_idl(fdl)
        .unwrap_or_else(|e| panic!("foryjit cannot parse the schema: {e}"));
    env_desc(mode, desc, register)
}

/// As [`env`], with foryjit's schema given as a descriptor (see [`plain_fields`]).
fn env_desc(
    mode: CrateMode,
    desc: foryjit::SchemaDesc,
    register: fn(&mut Fory) -> Result<(), fory::Error>,
) -> Env {
    let jit = match mode {
        CrateMode::SameSchema => ForyJit::builder().compatible(false),
        // Compatible mode is the builder's default: nothing to set.
        CrateMode::Compatible => ForyJit::builder(),
    }
    .string_policy(StringPolicy::Utf8)
    .build();
    assert_eq!(
        jit.mode() == foryjit::Mode::Compatible,
        mode == CrateMode::Compatible,
        "foryjit's mode for {mode:?}"
    );
    jit.register_schema(desc).unwrap_or_else(|e| panic!("foryjit cannot load the schema: {e}"));
    let mut fory = Fory::builder().xlang(true).compatible(mode == CrateMode::Compatible).build();
    register(&mut fory).unwrap_or_else(|e| panic!("fory registration: {e:?}"));
    if mode == CrateMode::SameSchema {
        assert!(fory.is_check_struct_version(), "same-schema mode must write the struct hash");
    }
    Env { jit, fory, mode }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

fn clip(s: String) -> String {
    const MAX: usize = 1500;
    if s.len() <= MAX {
        return s;
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &s[..end], s.len())
}

/// JSON equality that also tells `-0.0` from `0.0` and `1` from `1.0`: compare the texts.
fn json_same(a: &Json, b: &Json) -> bool {
    a == b && serde_json::to_string(a).ok() == serde_json::to_string(b).ok()
}

/// Whether the two payloads must be byte-identical.
#[derive(Clone, Copy, Debug)]
enum Bytes {
    /// No known peer difference applies: assert equality.
    Exact,
    /// A documented §15 difference: the bytes may differ (checks 1 and 2 still apply).
    Exception(&'static str),
}

/// How one value fared in check 3.
enum Outcome {
    Identical,
    Differ,
}

/// Runs checks 1–3 for one value; `Err` describes the first failed check.
fn check<T>(env: &Env, v: &T, bytes: Bytes) -> Result<Outcome, String>
where
    T: Mirror + Named + fory::Serializer<Target = T> + Debug,
{
    let h = handle(&env.jit, T::NAME);
    let expected = v.json();
    let direct = v.value(&env.jit);

    // 1. fory writes, foryjit reads.
    let fb = env.fory.serialize(v).map_err(|e| format!("fory crate cannot serialize: {e:?}"))?;
    let ours = env.jit.deserialize(&fb).map_err(|e| {
        format!("(1) foryjit cannot read the fory crate's bytes: {e}\n  fory bytes: {}", hex(&fb))
    })?;
    let got =
        env.jit.to_json(h, &ours).map_err(|e| format!("(1) to_json: {e}\n  value: {ours:?}"))?;
    if !json_same(&got, &expected) {
        return Err(format!(
            "(1) JSON of the decoded value differs\n  fory bytes: {}\n  expected:   {}\n  got:        {}",
            hex(&fb),
            expected,
            got
        ));
    }
    if !ours.bit_eq(&direct) {
        return Err(format!(
            "(1) decoded Value is not bit-equal to the Value built from the Rust value\n  fory bytes: {}\n  decoded: {ours:?}\n  built:   {direct:?}",
            hex(&fb)
        ));
    }
    // The canonical JSON goes back through from_json to the same JSON.
    let from =
        env.jit.from_json(h, &expected).map_err(|e| format!("from_json({expected}): {e}"))?;
    let again = env.jit.to_json(h, &from).map_err(|e| format!("to_json(from_json): {e}"))?;
    if !json_same(&again, &expected) {
        return Err(format!(
            "JSON round trip differs\n  expected: {expected}\n  got:      {again}"
        ));
    }

    // 2. foryjit writes (Utf8 strings), fory reads.
    let ob =
        env.jit.serialize(&direct).map_err(|e| format!("(2) foryjit cannot serialize: {e}"))?;
    let back: T = env.fory.deserialize(&ob).map_err(|e| {
        format!(
            "(2) fory crate cannot read foryjit's bytes: {e:?}\n  ours: {}\n  fory: {}",
            hex(&ob),
            hex(&fb)
        )
    })?;
    if !back.beq(v) {
        return Err(format!(
            "(2) fory crate decoded a different value\n  ours: {}\n  fory: {}\n  decoded: {back:?}",
            hex(&ob),
            hex(&fb)
        ));
    }

    // 3. Same bytes.
    if ob == fb {
        return Ok(Outcome::Identical);
    }
    match bytes {
        Bytes::Exact => {
            Err(format!("(3) payloads differ\n  fory: {}\n  ours: {}", hex(&fb), hex(&ob)))
        }
        Bytes::Exception(_) => Ok(Outcome::Differ),
    }
}

/// Checks 1–3 for a root value that is not a struct: the expected `Value` is given (the Rust
/// type alone does not say list versus dense array).
fn check_root<T>(env: &Env, v: &T, expected: &Value) -> Result<(), String>
where
    T: Mirror + fory::Serializer<Target = T> + Debug,
{
    let fb = env.fory.serialize(v).map_err(|e| format!("fory crate cannot serialize: {e:?}"))?;
    let ours = env.jit.deserialize(&fb).map_err(|e| {
        format!("(1) foryjit cannot read the fory crate's bytes: {e}\n  fory bytes: {}", hex(&fb))
    })?;
    if !ours.bit_eq(expected) {
        return Err(format!(
            "(1) decoded {ours:?}, expected {expected:?}\n  fory bytes: {}",
            hex(&fb)
        ));
    }
    let ob =
        env.jit.serialize(expected).map_err(|e| format!("(2) foryjit cannot serialize: {e}"))?;
    let back: T = env.fory.deserialize(&ob).map_err(|e| {
        format!(
            "(2) fory crate cannot read foryjit's bytes: {e:?}\n  ours: {}\n  fory: {}",
            hex(&ob),
            hex(&fb)
        )
    })?;
    if !back.beq(v) {
        return Err(format!(
            "(2) fory crate decoded {back:?}\n  ours: {}\n  fory: {}",
            hex(&ob),
            hex(&fb)
        ));
    }
    if ob != fb {
        return Err(format!("(3) payloads differ\n  fory: {}\n  ours: {}", hex(&fb), hex(&ob)));
    }
    Ok(())
}

/// Collects the outcome of many cases of one test and fails at the end with the first few
/// failures, the counts and the seed.
struct Run {
    name: &'static str,
    mode: CrateMode,
    seed: u64,
    cases: usize,
    identical: usize,
    excepted: Vec<&'static str>,
    failures: Vec<String>,
}

impl Run {
    fn new(env: &Env, name: &'static str) -> Run {
        Run {
            name,
            mode: env.mode,
            seed: seed(),
            cases: 0,
            identical: 0,
            excepted: Vec::new(),
            failures: Vec::new(),
        }
    }

    fn rng(&self) -> Gen {
        // One stream per test, so adding a test does not change the values of the others.
        let salt = self.name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        Gen(StdRng::seed_from_u64(self.seed ^ salt))
    }

    fn case<T>(&mut self, env: &Env, label: impl std::fmt::Display, v: &T, bytes: Bytes)
    where
        T: Mirror + Named + fory::Serializer<Target = T> + Debug,
    {
        self.cases += 1;
        match check(env, v, bytes) {
            Ok(Outcome::Identical) => self.identical += 1,
            Ok(Outcome::Differ) => {
                if let Bytes::Exception(why) = bytes {
                    if !self.excepted.contains(&why) {
                        self.excepted.push(why);
                    }
                }
            }
            Err(e) => self.failures.push(format!(
                "[{} {label}] {e}\n  rust value: {}",
                T::NAME,
                clip(format!("{v:?}"))
            )),
        }
    }

    fn root<T>(&mut self, env: &Env, label: impl std::fmt::Display, v: &T, expected: Value)
    where
        T: Mirror + fory::Serializer<Target = T> + Debug,
    {
        self.cases += 1;
        match check_root(env, v, &expected) {
            Ok(()) => self.identical += 1,
            Err(e) => self.failures.push(format!(
                "[root {} {label}] {e}\n  rust value: {}",
                std::any::type_name::<T>(),
                clip(format!("{v:?}"))
            )),
        }
    }

    fn finish(self) {
        println!(
            "{} [{:?}]: {} cases, {} byte-identical, {} with a documented byte difference, {} failed (seed {:#x})",
            self.name,
            self.mode,
            self.cases,
            self.identical,
            self.cases - self.identical - self.failures.len(),
            self.failures.len(),
            self.seed
        );
        for why in &self.excepted {
            println!("  byte exception seen: {why}");
        }
        if !self.failures.is_empty() {
            let shown: Vec<&String> = self.failures.iter().take(4).collect();
            panic!(
                "{} [{:?}]: {} of {} cases failed (seed {:#x}; rerun with FORYJIT_SEED={:#x}). First failures:\n\n{}",
                self.name,
                self.mode,
                self.failures.len(),
                self.cases,
                self.seed,
                self.seed,
                shown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n\n")
            );
        }
    }
}

const DEFAULT_SEED: u64 = 0x0f0e_5eed_2026_0707;
const RANDOM_CASES: usize = 300;

fn seed() -> u64 {
    foryjit_tests::seed_from_env(DEFAULT_SEED)
}

// ---------------------------------------------------------------------------------------------
// Random values
// ---------------------------------------------------------------------------------------------

struct Gen(StdRng);

macro_rules! gen_int {
    ($($name:ident: $t:ty = [$($e:expr),* $(,)?];)*) => {$(
        fn $name(&mut self) -> $t {
            const EDGES: &[$t] = &[$($e),*];
            match self.below(10) {
                0..=2 => self.pick(EDGES),
                3..=4 => (self.0.random_range(0i64..256) - 128) as $t,
                5..=7 => {
                    // Random bit length: covers every varint length evenly.
                    let bits = self.0.random_range(1u32..=64);
                    let x = (self.0.random::<u64>() >> (64 - bits)) as $t;
                    if self.0.random_bool(0.5) { x } else { x.wrapping_neg() }
                }
                _ => self.0.random(),
            }
        }
    )*};
}

impl Gen {
    fn below(&mut self, n: usize) -> usize {
        self.0.random_range(0..n)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.0.random_bool(p)
    }

    fn bool(&mut self) -> bool {
        self.0.random()
    }

    fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())].clone()
    }

    gen_int! {
        i8: i8 = [i8::MIN, i8::MAX, 0, -1, 1];
        i16: i16 = [i16::MIN, i16::MAX, 0, -1, 1, 255, 256, -256];
        i32: i32 = [i32::MIN, i32::MAX, 0, -1, 1, 63, 64, -64, -65, 8191, 8192, -8193,
            (1 << 20) - 1, 1 << 20, (1 << 27) - 1, 1 << 27, -(1 << 27) - 1];
        i64: i64 = [i64::MIN, i64::MAX, 0, -1, 1, 63, 64, -65, (1 << 30) - 1, 1 << 30,
            -(1 << 30), -(1 << 30) - 1, i32::MAX as i64, i32::MIN as i64, (1 << 55) - 1,
            1 << 55, -(1 << 55) - 1, 1 << 56, (1 << 62), -(1 << 62)];
        u8: u8 = [0, 1, 127, 128, 255];
        u16: u16 = [0, 1, 127, 128, 255, 256, u16::MAX];
        u32: u32 = [0, 1, 127, 128, 16383, 16384, (1 << 28) - 1, 1 << 28, 1 << 31, u32::MAX];
        u64: u64 = [0, 1, 127, 128, (1 << 31) - 1, 1 << 31, u32::MAX as u64, (1 << 56) - 1,
            1 << 56, (1 << 63) - 1, 1 << 63, u64::MAX];
    }

    fn f64(&mut self) -> f64 {
        const SPECIAL: &[u64] = &[
            0x0000_0000_0000_0000, // 0.0
            0x8000_0000_0000_0000, // -0.0
            0x7ff8_0000_0000_0000, // NaN
            0xfff8_0000_0000_0000, // -NaN
            0x7ff0_0000_0000_0001, // signalling NaN
            0x7ff8_dead_beef_0001, // NaN with payload
            0x7ff0_0000_0000_0000, // inf
            0xfff0_0000_0000_0000, // -inf
            0x0000_0000_0000_0001, // smallest subnormal
            0x0010_0000_0000_0000, // MIN_POSITIVE
            0x7fef_ffff_ffff_ffff, // MAX
            0xffef_ffff_ffff_ffff, // MIN
        ];
        match self.below(10) {
            0..=1 => f64::from_bits(self.pick(SPECIAL)),
            2..=5 => f64::from_bits(self.0.random()),
            _ => (self.0.random_range(-1_000_000_000i64..1_000_000_000) as f64) / 1000.0,
        }
    }

    fn f32(&mut self) -> f32 {
        const SPECIAL: &[u32] = &[
            0x0000_0000,
            0x8000_0000,
            0x7fc0_0000,
            0xffc0_0000,
            0x7f80_0001,
            0x7fc0_1234,
            0x7f80_0000,
            0xff80_0000,
            0x0000_0001,
            0x0080_0000,
            0x7f7f_ffff,
            0xff7f_ffff,
        ];
        match self.below(10) {
            0..=1 => f32::from_bits(self.pick(SPECIAL)),
            2..=5 => f32::from_bits(self.0.random()),
            _ => (self.0.random_range(-1_000_000i32..1_000_000) as f32) / 1000.0,
        }
    }

    fn f16(&mut self) -> Float16 {
        const SPECIAL: &[u16] = &[
            0x0000, 0x8000, 0x7e00, 0xfe00, 0x7c01, 0x7e55, 0x7c00, 0xfc00, 0x0001, 0x0400, 0x7bff,
            0xfbff, 0x3c00, 0x2e66,
        ];
        match self.below(10) {
            0..=1 => Float16::from_bits(self.pick(SPECIAL)),
            2..=6 => Float16::from_bits(self.0.random()),
            _ => Float16::from_f32((self.0.random_range(-100_000i32..100_000) as f32) / 100.0),
        }
    }

    fn bf16(&mut self) -> BFloat16 {
        const SPECIAL: &[u16] = &[
            0x0000, 0x8000, 0x7fc0, 0xffc0, 0x7f81, 0x7fd5, 0x7f80, 0xff80, 0x0001, 0x0080, 0x7f7f,
            0xff7f, 0x3f80, 0x3dcd, 0x3fc0,
        ];
        match self.below(10) {
            0..=1 => BFloat16::from_bits(self.pick(SPECIAL)),
            2..=6 => BFloat16::from_bits(self.0.random()),
            _ => BFloat16::from_f32((self.0.random_range(-100_000i32..100_000) as f32) / 100.0),
        }
    }

    fn char(&mut self) -> char {
        const RANGES: &[(u32, u32)] = &[
            (0x20, 0x7e),
            (0x20, 0x7e),
            (0x00, 0x1f),
            (0x7f, 0xff),
            (0x100, 0x17f),
            (0x391, 0x3c9),
            (0x410, 0x44f),
            (0x4e00, 0x9fff),
            (0xac00, 0xd7a3),
            (0xe000, 0xfffd),
            (0x1f300, 0x1f64f),
            (0x10000, 0x10_ffff),
        ];
        let (lo, hi) = self.pick(RANGES);
        char::from_u32(self.0.random_range(lo..=hi)).unwrap_or('?')
    }

    fn string(&mut self) -> String {
        const WORDS: &[&str] = &[
            "",
            "a",
            "hello",
            "Hello, World!",
            "é",
            "naïve café",
            "\u{ff}\u{fe}",
            "中文",
            "日本語のテキスト",
            "😀",
            "a😀b",
            "𝄞 music",
            "\u{0}",
            "line\nbreak\ttab\"quote\\",
            "\u{7f}\u{80}\u{7ff}\u{800}\u{ffff}\u{10000}\u{10ffff}",
            "video/theora\u{1234}",
            "0123456789012345678901234567890",
            "01234567890123456789012345678901",
        ];
        match self.below(20) {
            0..=5 => self.pick(WORDS).to_owned(),
            6..=13 => {
                let n = self.below(49);
                (0..n).map(|_| char::from(self.0.random_range(0x20u8..0x7f))).collect()
            }
            14..=18 => {
                let n = self.below(24);
                (0..n).map(|_| self.char()).collect()
            }
            _ => {
                let n = self.0.random_range(100..600);
                (0..n).map(|_| self.char()).collect()
            }
        }
    }

    fn bytes(&mut self) -> Vec<u8> {
        let n = if self.chance(0.05) { self.0.random_range(128..600) } else { self.below(41) };
        (0..n).map(|_| self.0.random()).collect()
    }

    /// A length: often 0, usually short, sometimes long enough for multi-byte length varints.
    fn len(&mut self, max: usize) -> usize {
        match self.below(10) {
            0..=1 => 0,
            2..=8 => self.0.random_range(1..=max.min(8)),
            _ => self.0.random_range(1..=max),
        }
    }

    fn vec<T>(&mut self, max: usize, mut f: impl FnMut(&mut Gen) -> T) -> Vec<T> {
        let n = self.len(max);
        (0..n).map(|_| f(self)).collect()
    }

    fn opt<T>(&mut self, f: impl FnOnce(&mut Gen) -> T) -> Option<T> {
        if self.chance(0.3) {
            None
        } else {
            Some(f(self))
        }
    }

    fn hash_map<K: Eq + Hash, V>(
        &mut self,
        max: usize,
        mut k: impl FnMut(&mut Gen) -> K,
        mut v: impl FnMut(&mut Gen) -> V,
    ) -> HashMap<K, V> {
        let n = self.len(max);
        (0..n).map(|_| (k(self), v(self))).collect()
    }

    fn btree_map<K: Ord, V>(
        &mut self,
        max: usize,
        mut k: impl FnMut(&mut Gen) -> K,
        mut v: impl FnMut(&mut Gen) -> V,
    ) -> BTreeMap<K, V> {
        let n = self.len(max);
        (0..n).map(|_| (k(self), v(self))).collect()
    }

    fn color(&mut self) -> Color {
        self.pick(&[Color::Red, Color::Green, Color::Blue])
    }

    fn date(&mut self) -> fory::Date {
        // 0001-01-01 ..= 9999-12-31, the range of the four-digit year of canonical JSON.
        const EDGES: &[i64] = &[0, -1, 1, 19_724, -719_162, 2_932_896, 11_016, -25_567];
        let days = if self.chance(0.2) {
            self.pick(EDGES)
        } else {
            self.0.random_range(-719_162..=2_932_896)
        };
        fory::Date::from_epoch_days(days)
    }

    fn timestamp(&mut self) -> fory::Timestamp {
        const EDGES: &[(i64, u32)] = &[
            (0, 0),
            (-1, 500_000_000),
            (-1, 999_999_999),
            (1_704_164_645, 6),
            (-62_135_596_800, 0),
            (253_402_300_799, 999_999_999),
        ];
        let (s, n) = if self.chance(0.2) {
            self.pick(EDGES)
        } else {
            (
                self.0.random_range(-62_135_596_800..=253_402_300_799),
                self.0.random_range(0..1_000_000_000),
            )
        };
        fory::Timestamp::new(s, n).expect("timestamp")
    }

    fn duration(&mut self) -> fory::Duration {
        const EDGES: &[(i64, u32)] =
            &[(0, 0), (-1, 500_000_000), (i64::MAX, 999_999_999), (i64::MIN, 0), (86_400, 1)];
        let (s, n) = if self.chance(0.2) {
            self.pick(EDGES)
        } else {
            (self.i64(), self.0.random_range(0..1_000_000_000))
        };
        fory::Duration::from_normalized(s, n).expect("duration")
    }
}

// Random values of each mirror.

fn gen_scalars(g: &mut Gen) -> Scalars {
    Scalars {
        b: g.bool(),
        i8v: g.i8(),
        i16v: g.i16(),
        i32v: g.i32(),
        i32f: g.i32(),
        i64v: g.i64(),
        i64f: g.i64(),
        i64t: g.i64(),
        u8v: g.u8(),
        u16v: g.u16(),
        u32v: g.u32(),
        u32f: g.u32(),
        u64v: g.u64(),
        u64f: g.u64(),
        u64t: g.u64(),
        f16v: g.f16(),
        bf16v: g.bf16(),
        f32v: g.f32(),
        f64v: g.f64(),
    }
}

fn gen_opt_scalars(g: &mut Gen) -> OptScalars {
    OptScalars {
        b: g.opt(Gen::bool),
        i8v: g.opt(Gen::i8),
        i16v: g.opt(Gen::i16),
        i32v: g.opt(Gen::i32),
        i32f: g.opt(Gen::i32),
        i64v: g.opt(Gen::i64),
        i64f: g.opt(Gen::i64),
        i64t: g.opt(Gen::i64),
        u8v: g.opt(Gen::u8),
        u16v: g.opt(Gen::u16),
        u32v: g.opt(Gen::u32),
        u32f: g.opt(Gen::u32),
        u64v: g.opt(Gen::u64),
        u64f: g.opt(Gen::u64),
        u64t: g.opt(Gen::u64),
        f16v: g.opt(Gen::f16),
        bf16v: g.opt(Gen::bf16),
        f32v: g.opt(Gen::f32),
        f64v: g.opt(Gen::f64),
    }
}

fn gen_text(g: &mut Gen) -> Text {
    Text {
        s: g.string(),
        os: g.opt(Gen::string),
        data: g.bytes(),
        odata: g.opt(Gen::bytes),
        s2: g.string(),
    }
}

fn gen_inner(g: &mut Gen) -> Inner {
    Inner { x: g.i32(), name: g.string(), opt: g.opt(Gen::i64) }
}

fn gen_outer(g: &mut Gen) -> Outer {
    Outer {
        a: g.opt(gen_inner),
        b: g.opt(gen_inner),
        tail: g.i32(),
        color: g.color(),
        ocolor: g.opt(Gen::color),
        inners: g.vec(12, gen_inner),
    }
}

fn gen_deep(g: &mut Gen) -> Deep {
    Deep { outer: g.opt(gen_outer), note: g.opt(Gen::string), inner: g.opt(gen_inner) }
}

fn gen_lists(g: &mut Gen) -> Lists {
    Lists {
        bools: g.vec(40, Gen::bool),
        i8s: g.vec(40, Gen::i8),
        i16s: g.vec(40, Gen::i16),
        i32s: g.vec(40, Gen::i32),
        i32fs: g.vec(40, Gen::i32),
        i64s: g.vec(40, Gen::i64),
        i64fs: g.vec(40, Gen::i64),
        i64ts: g.vec(40, Gen::i64),
        u8s: g.vec(40, Gen::u8),
        u16s: g.vec(40, Gen::u16),
        u32s: g.vec(40, Gen::u32),
        u32fs: g.vec(40, Gen::u32),
        u64s: g.vec(40, Gen::u64),
        u64fs: g.vec(40, Gen::u64),
        u64ts: g.vec(40, Gen::u64),
        f16s: g.vec(40, Gen::f16),
        bf16s: g.vec(40, Gen::bf16),
        f32s: g.vec(40, Gen::f32),
        f64s: g.vec(40, Gen::f64),
        strs: g.vec(20, Gen::string),
        blobs: g.vec(10, Gen::bytes),
        colors: g.vec(20, Gen::color),
        nested: g.vec(6, |g| g.vec(10, Gen::i32)),
        olist: g.opt(|g| g.vec(10, Gen::string)),
    }
}

/// Lists with nulls: mixed, without nulls, and (often, for short lists) all null.
fn gen_null_lists(g: &mut Gen) -> NullLists {
    NullLists {
        oi32s: g.vec(20, |g| g.opt(Gen::i32)),
        ostrs: g.vec(20, |g| g.opt(Gen::string)),
        of64s: g.vec(20, |g| g.opt(Gen::f64)),
        oinners: g.vec(8, |g| g.opt(gen_inner)),
        ocolors: g.vec(8, |g| g.opt(Gen::color)),
    }
}

fn has_all_null_list(v: &NullLists) -> bool {
    fn all_null<T>(l: &[Option<T>]) -> bool {
        !l.is_empty() && l.iter().all(Option::is_none)
    }
    all_null(&v.oi32s)
        || all_null(&v.ostrs)
        || all_null(&v.of64s)
        || all_null(&v.oinners)
        || all_null(&v.ocolors)
}

fn gen_maps(g: &mut Gen) -> Maps {
    Maps {
        s2i: g.hash_map(20, Gen::string, Gen::i32),
        i2s: g.hash_map(20, Gen::i32, Gen::string),
        s2s: g.hash_map(20, Gen::string, Gen::string),
        i2f: g.hash_map(20, Gen::i64, Gen::f64),
        s2os: g.hash_map(20, Gen::string, |g| g.opt(Gen::string)),
        s2l: g.hash_map(8, Gen::string, |g| g.vec(8, Gen::i32)),
        enc: g.hash_map(20, Gen::i32, Gen::u64),
        c2i: g.hash_map(3, Gen::color, Gen::i32),
        b2b: g.hash_map(2, Gen::bool, Gen::bytes),
        s2c: g.hash_map(6, Gen::string, Gen::color),
    }
}

fn gen_bmaps(g: &mut Gen) -> BMaps {
    BMaps {
        s2i: g.btree_map(20, Gen::string, Gen::i32),
        i2s: g.btree_map(20, Gen::i64, Gen::string),
        u2b: g.btree_map(20, Gen::u8, Gen::bool),
        s2f: g.btree_map(20, Gen::string, Gen::f32),
    }
}

fn gen_struct_maps(g: &mut Gen) -> StructMaps {
    StructMaps {
        s2inner: g.hash_map(8, Gen::string, gen_inner),
        i2inner: g.btree_map(8, Gen::i32, gen_inner),
        s2oinner: g.hash_map(6, Gen::string, |g| g.opt(gen_inner)),
    }
}

fn gen_arrays(g: &mut Gen) -> Arrays {
    Arrays {
        ab: g.vec(70, Gen::bool),
        ai8: g.vec(70, Gen::i8),
        ai16: g.vec(70, Gen::i16),
        ai32: g.vec(70, Gen::i32),
        ai64: g.vec(70, Gen::i64),
        au8: g.vec(200, Gen::u8),
        au16: g.vec(70, Gen::u16),
        au32: g.vec(70, Gen::u32),
        au64: g.vec(70, Gen::u64),
        af16: g.vec(70, Gen::f16),
        abf16: g.vec(70, Gen::bf16),
        af32: g.vec(70, Gen::f32),
        af64: g.vec(70, Gen::f64),
        oai32: g.opt(|g| g.vec(20, Gen::i32)),
    }
}

fn gen_times(g: &mut Gen) -> Times {
    Times {
        d: g.date(),
        t: g.timestamp(),
        du: g.duration(),
        od: g.opt(Gen::date),
        ot: g.opt(Gen::timestamp),
        ds: g.vec(10, Gen::date),
        dm: g.btree_map(6, Gen::date, Gen::i32),
        dum: g.hash_map(6, Gen::duration, Gen::string),
        ts: g.vec(6, Gen::timestamp),
        odus: g.vec(6, |g| g.opt(Gen::duration)),
    }
}

/// A `Refs` value; with `share`, the `Rc`s come from a pool of two and at least one is shared.
fn gen_refs(g: &mut Gen, share: bool) -> Refs {
    let pool: Vec<Rc<Inner>> = (0..2).map(|_| Rc::new(gen_inner(g))).collect();
    let next = |g: &mut Gen| if share { g.pick(&pool) } else { Rc::new(gen_inner(g)) };
    let r = if g.chance(0.3) { None } else { Some(next(g)) };
    let n = g.len(6);
    let mut rl: Vec<Rc<Inner>> = (0..n).map(|_| next(g)).collect();
    let r2 = if g.chance(0.3) { None } else { Some(next(g)) };
    if share {
        // Make sure something is shared.
        rl.push(pool[0].clone());
        rl.push(pool[0].clone());
    }
    Refs { r, rl, r2, n: g.i32() }
}

fn gen_nesting(g: &mut Gen) -> Nesting {
    Nesting {
        lm: g.vec(5, |g| g.hash_map(5, Gen::string, Gen::i32)),
        mm: g.hash_map(5, Gen::string, |g| g.hash_map(5, Gen::i32, Gen::string)),
        ll: g.vec(5, |g| g.vec(5, Gen::string)),
        ml: g.hash_map(4, Gen::string, |g| g.vec(4, gen_inner)),
        llo: g.vec(5, |g| g.vec(6, |g| g.opt(Gen::i64))),
        la: g.vec(5, |g| g.vec(10, Gen::i32)),
    }
}

fn gen_numeric(g: &mut Gen) -> NumericStruct {
    NumericStruct {
        f1: g.i32(),
        f2: g.i32(),
        f3: g.i32(),
        f4: g.i32(),
        f5: g.i32(),
        f6: g.i32(),
        f7: g.i32(),
        f8: g.i32(),
        f9: g.i32(),
        f10: g.i32(),
        f11: g.i32(),
        f12: g.i32(),
    }
}

fn gen_sample(g: &mut Gen) -> Sample {
    Sample {
        int_value: g.i32(),
        long_value: g.i64(),
        float_value: g.f32(),
        double_value: g.f64(),
        short_value: i32::from(g.i16()),
        char_value: i32::from(g.u16()),
        boolean_value: g.bool(),
        int_value_boxed: g.i32(),
        long_value_boxed: g.i64(),
        float_value_boxed: g.f32(),
        double_value_boxed: g.f64(),
        short_value_boxed: i32::from(g.i16()),
        char_value_boxed: i32::from(g.u16()),
        boolean_value_boxed: g.bool(),
        int_array: g.vec(30, Gen::i32),
        long_array: g.vec(30, Gen::i64),
        float_array: g.vec(30, Gen::f32),
        double_array: g.vec(30, Gen::f64),
        short_array: g.vec(30, |g| i32::from(g.i16())),
        char_array: g.vec(30, |g| i32::from(g.u16())),
        boolean_array: g.vec(30, Gen::bool),
        string: g.string(),
    }
}

fn gen_media(g: &mut Gen) -> Media {
    Media {
        uri: g.string(),
        title: g.string(),
        width: g.i32(),
        height: g.i32(),
        format: g.string(),
        duration: g.i64(),
        size: g.i64(),
        bitrate: g.i32(),
        has_bitrate: g.bool(),
        persons: g.vec(6, Gen::string),
        player: g.pick(&[Player::Java, Player::Flash]),
        copyright: g.string(),
    }
}

fn gen_image(g: &mut Gen) -> Image {
    Image {
        uri: g.string(),
        title: g.string(),
        width: g.i32(),
        height: g.i32(),
        size: g.pick(&[Size::Small, Size::Large]),
    }
}

fn gen_media_content(g: &mut Gen) -> MediaContent {
    MediaContent { media: g.opt(gen_media), images: g.vec(6, gen_image) }
}

// ---------------------------------------------------------------------------------------------
// Tests: fc schema
// ---------------------------------------------------------------------------------------------

fn fc_env(mode: CrateMode) -> Env {
    env(mode, SCHEMA_FDL, register_fc)
}

#[test]
fn helpers_are_right() {
    assert_eq!(civil(0), (1970, 1, 1));
    assert_eq!(civil(19_724), (2024, 1, 2));
    assert_eq!(civil(-1), (1969, 12, 31));
    assert_eq!(civil(-719_162), (1, 1, 1));
    assert_eq!(civil(2_932_896), (9999, 12, 31));
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foo"), "Zm9v");
    assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    assert_eq!(unhex("01 ff"), vec![1, 255]);
    // float16 0.1 is 0x2e66 (IEEE 754 binary16); its shortest text is "0.1".
    assert_eq!(Float16::from_bits(0x2e66).json(), serde_json::json!(0.1));
    assert_eq!(BFloat16::from_bits(0x3fc0).json(), serde_json::json!(1.5));
    assert_eq!(12.345f32.json(), serde_json::json!(12.345));
    assert_eq!(serde_json::to_string(&(-0.0f64).json()).unwrap(), "-0.0");
}

/// The crate-doc example: both sides write exactly `01 ff 1b 67 3d 37 2c 49 02 04` in same-schema
/// mode; in compatible mode `01 ff 1c 00` + Point's TypeDef (header `06 10 bf c4 b3 3c 51 33`,
/// body `c2 67 c4 05 c8 05`, TypeDef layout in the xlang spec, and golden:point_compat) + `02 04`.
fn point_pinned_bytes(mode: CrateMode) {
    let e = fc_env(mode);
    let p = Point { x: 1, y: 2 };
    let golden = unhex(match mode {
        CrateMode::SameSchema => "01 ff 1b 67 3d 37 2c 49 02 04",
        CrateMode::Compatible => "01 ff 1c 00 06 10 bf c4 b3 3c 51 33 c2 67 c4 05 c8 05 02 04",
    });
    assert_eq!(hex(&e.fory.serialize(&p).unwrap()), hex(&golden), "fory crate");
    assert_eq!(hex(&e.jit.serialize(&p.value(&e.jit)).unwrap()), hex(&golden), "foryjit");
    let mut run = Run::new(&e, "point");
    run.case(&e, "x=1,y=2", &p, Bytes::Exact);
    let mut g = run.rng();
    for i in 0..RANDOM_CASES {
        let v = Point { x: g.i32(), y: g.i32() };
        run.case(&e, format!("random #{i}"), &v, Bytes::Exact);
    }
    run.finish();
}

/// A struct without fields: NOT interoperable with the fory crate, by a peer divergence this
/// suite found. fory-derive hashes the empty fingerprint like any other
/// (`murmur3_x64_128("", 47)` → `0x0be9a13a`), while pyfory special-cases it to 47, and foryjit
/// follows pyfory. Each side therefore rejects the other's payload (struct version mismatch).
/// This test pins both payloads so a change on either side is noticed; see the report.
#[test]
fn empty_struct_hash_divergence() {
    let e = fc_env(CrateMode::SameSchema);
    let fory_bytes = e.fory.serialize(&Empty {}).unwrap();
    let ours = e.jit.serialize(&Empty {}.value(&e.jit)).unwrap();
    assert_eq!(
        hex(&fory_bytes),
        "01ff1b85013aa1e90b",
        "fory crate: murmur3 of the empty fingerprint"
    );
    assert_eq!(hex(&ours), "01ff1b85012f000000", "foryjit: pyfory's 47");
    // The crate rejects foryjit's payload (StructVersionMismatch 47 vs 199860538); foryjit
    // rejects the crate's (HashMismatch, expected 0x2f, found 0x0be9a13a).
    assert!(e.fory.deserialize::<Empty>(&ours).is_err());
    // foryjit reads its own bytes.
    let back = e.jit.deserialize(&ours).unwrap();
    assert!(back.bit_eq(&Empty {}.value(&e.jit)));
}

/// In compatible mode there is no schema hash, so the same-schema divergence above does not
/// apply: a field-less struct is `1c 00` + a TypeDef with no fields, and both sides agree.
#[test]
fn empty_struct_compatible() {
    let e = fc_env(CrateMode::Compatible);
    let mut run = Run::new(&e, "empty_struct_compatible");
    run.case(&e, "empty", &Empty {}, Bytes::Exact);
    run.finish();
}

/// Every test below runs twice: `same_schema::<name>` and `compatible::<name>`.
macro_rules! in_both_modes {
    ($($name:ident),* $(,)?) => {
        mod same_schema {
            $(
                #[test]
                fn $name() {
                    super::$name(super::CrateMode::SameSchema);
                }
            )*
        }
        mod compatible {
            $(
                #[test]
                fn $name() {
                    super::$name(super::CrateMode::Compatible);
                }
            )*
        }
    };
}

in_both_modes!(
    point_pinned_bytes,
    scalars,
    optional_scalars,
    strings_and_bytes,
    nested_structs,
    lists,
    lists_with_nulls,
    hash_maps,
    btree_maps,
    maps_of_structs,
    dense_arrays,
    time_values,
    ref_fields_unshared,
    ref_fields_shared,
    nested_containers,
    large_collections,
    root_values,
    bench_shapes,
    plain_struct_fields,
    plain_media_content,
);

fn f16s(bits: u16) -> Float16 {
    Float16::from_bits(bits)
}

fn bf16s(bits: u16) -> BFloat16 {
    BFloat16::from_bits(bits)
}

fn scalars(mode: CrateMode) {
    let e = fc_env(mode);
    let mut run = Run::new(&e, "scalars");
    let mut edges = vec![
        ("zero", Scalars::default()),
        (
            "max",
            Scalars {
                b: true,
                i8v: i8::MAX,
                i16v: i16::MAX,
                i32v: i32::MAX,
                i32f: i32::MAX,
                i64v: i64::MAX,
                i64f: i64::MAX,
                i64t: i64::MAX,
                u8v: u8::MAX,
                u16v: u16::MAX,
                u32v: u32::MAX,
                u32f: u32::MAX,
                u64v: u64::MAX,
                u64f: u64::MAX,
                u64t: u64::MAX,
                f16v: f16s(0x7bff),
                bf16v: bf16s(0x7f7f),
                f32v: f32::MAX,
                f64v: f64::MAX,
            },
        ),
        (
            "min",
            Scalars {
                b: false,
                i8v: i8::MIN,
                i16v: i16::MIN,
                i32v: i32::MIN,
                i32f: i32::MIN,
                i64v: i64::MIN,
                i64f: i64::MIN,
                i64t: i64::MIN,
                f16v: f16s(0xfbff),
                bf16v: bf16s(0xff7f),
                f32v: f32::MIN,
                f64v: f64::MIN,
                ..Scalars::default()
            },
        ),
        (
            "minus one / NaN",
            Scalars {
                i8v: -1,
                i16v: -1,
                i32v: -1,
                i32f: -1,
                i64v: -1,
                i64f: -1,
                i64t: -1,
                f16v: f16s(0x7e00),
                bf16v: bf16s(0x7fc0),
                f32v: f32::NAN,
                f64v: f64::NAN,
                ..Scalars::default()
            },
        ),
        (
            "tagged boundaries, in range",
            Scalars {
                i64t: (1 << 30) - 1,
                u64t: (1 << 31) - 1,
                f16v: f16s(0x8000),
                bf16v: bf16s(0x8000),
                f32v: -0.0,
                f64v: -0.0,
                ..Scalars::default()
            },
        ),
        (
            "tagged boundaries, out of range",
            Scalars {
                i64t: 1 << 30,
                u64t: 1 << 31,
                f16v: f16s(0x7c00),
                bf16v: bf16s(0x7f80),
                f32v: f32::INFINITY,
                f64v: f64::INFINITY,
                ..Scalars::default()
            },
        ),
        (
            "tagged negative boundaries",
            Scalars {
                i64t: -(1 << 30),
                f16v: f16s(0xfc00),
                bf16v: bf16s(0xff80),
                f32v: f32::NEG_INFINITY,
                f64v: f64::NEG_INFINITY,
                ..Scalars::default()
            },
        ),
        (
            "tagged negative out of range / NaN payloads",
            Scalars {
                i64t: -(1 << 30) - 1,
                f16v: f16s(0x7c01),
                bf16v: bf16s(0xffc1),
                f32v: f32::from_bits(0x7f80_0001),
                f64v: f64::from_bits(0xfff0_0000_dead_beef),
                ..Scalars::default()
            },
        ),
        (
            "PVL 9-byte varints",
            Scalars {
                i64v: 1 << 56,
                u64v: 1 << 63,
                u32v: 1 << 31,
                i32v: 1 << 30,
                ..Scalars::default()
            },
        ),
        (
            "subnormals",
            Scalars {
                f16v: f16s(0x0001),
                bf16v: bf16s(0x0001),
                f32v: f32::from_bits(1),
                f64v: f64::from_bits(1),
                ..Scalars::default()
            },
        ),
        (
            "fractions",
            Scalars {
                f16v: Float16::from_f32(0.1),
                bf16v: BFloat16::from_f32(0.1),
                f32v: 0.1,
                f64v: 0.1,
                ..Scalars::default()
            },
        ),
    ];
    let mut g = run.rng();
    for i in 0..RANDOM_CASES {
        edges.push(("random", gen_scalars(&mut g)));
        let _ = i;
    }
    for (i, (label, v)) in edges.iter().enumerate() {
        run.case(&e, format!("#{i} {label}"), v, Bytes::Exact);
    }
    run.finish();
}

fn optional_scalars(mode: CrateMode) {
    let e = fc_env(mode);
    let mut run = Run::new(&e, "optional_scalars");
    run.case(&e, "all None", &OptScalars::default(), Bytes::Exact);
    let all_some = |s: Scalars| OptScalars {
        b: Some(s.b),
        i8v: Some(s.i8v),
        i16v: Some(s.i16v),
        i32v: Some(s.i32v),
        i32f: Some(s.i32f),
        i64v: Some(s.i64v),
        i64f: Some(s.i64f),
        i64t: Some(s.i64t),
        u8v: Some(s.u8v),
        u16v: Some(s.u16v),
        u32v: Some(s.u32v),
        u32f: Some(s.u32f),
        u64v: Some(s.u64v),
        u64f: Some(s.u64f),
        u64t: Some(s.u64t),
        f16v: Some(s.f16v),
        bf16v: Some(s.bf16v),
        f32v: Some(s.f32v),
        f64v: Some(s.f64v),
    };
    run.case(&e, "all Some(0)", &all_some(Scalars::default()), Bytes::Exact);
    run.case(
        &e,
        "all Some(min)",
        &all_some(Scalars {
            i8v: i8::MIN,
            i16v: i16::MIN,
            i32v: i32::MIN,
            i32f: i32::MIN,
            i64v: i64::MIN,
            i64f: i64::MIN,
            i64t: i64::MIN,
            f32v: f32::NAN,
            f64v: -0.0,
            f16v: f16s(0xfc00),
            ..Scalars::default()
        }),
        Bytes::Exact,
    );
    run.case(
        &e,
        "all Some(max)",
        &all_some(Scalars {
            b: true,
            i8v: i8::MAX,
            i16v: i16::MAX,
            i32v: i32::MAX,
            i32f: i32::MAX,
            i64v: i64::MAX,
            i64f: i64::MAX,
            i64t: i64::MAX,
            u8v: u8::MAX,
            u16v: u16::MAX,
            u32v: u32::MAX,
            u32f: u32::MAX,
            u64v: u64::MAX,
            u64f: u64::MAX,
            u64t: u64::MAX,
            f16v: f16s(0x7c00),
            bf16v: bf16s(0x7fc0),
            f32v: f32::INFINITY,
            f64v: f64::NAN,
        }),
        Bytes::Exact,
    );
    let mut g = run.rng();
    for i in 0..RANDOM_CASES {
        let v = gen_opt_scalars(&mut g);
        run.case(&e, format!("random #{i}"), &v, Bytes::Exact);
    }
    run.finish();
}

fn strings_and_bytes(mode: CrateMode) {
    let e = fc_env(mode);
    let mut run = Run::new(&e, "strings_and_bytes");
    let long_ascii: String = "x".repeat(1000);
    let forty: String = "a".repeat(40);
    let edges = [
        Text::default(),
        Text {
            s: "hello".into(),
            os: Some(String::new()),
            data: vec![],
            odata: Some(vec![]),
            s2: String::new(),
        },
        Text {
            s: "中文".into(),
            os: Some("naïve café".into()),
            data: vec![0, 255, 128],
            odata: None,
            s2: "a😀b".into(),
        },
        Text {
            s: forty.clone(),
            os: Some(long_ascii.clone()),
            data: vec![7; 300],
            odata: Some(vec![1]),
            s2: "\u{0}".into(),
        },
        Text {
            s: "31 chars: 0123456789012345678".into(),
            os: None,
            data: (0..=255).collect(),
            odata: Some((0..=255).rev().collect()),
            s2: "𝄞".repeat(40),
        },
        Text {
            s: "\u{10ffff}\u{ffff}\u{800}\u{7ff}\u{80}\u{7f}".into(),
            os: Some("\u{ff}".into()),
            data: vec![0],
            odata: None,
            s2: "é".repeat(64),
        },
    ];
    for (i, v) in edges.iter().enumerate() {
        run.case(&e, format!("edge #{i}"), v, Bytes::Exact);
    }
    let mut g = run.rng();
    for i in 0..RANDOM_CASES {
        let v = gen_text(&mut g);
        run.case(&e, format!("random #{i}"), &v, Bytes::Exact);
    }
    run.finish();
}

fn nested_structs(mode: CrateMode) {
    let e = fc_env(mode);
    let mut run = Run::new(&e, "nested_structs");
    let inner = Inner { x: -7, name: "ሴ inner".into(), opt: Some(i64::MIN) };
    run.case(&e, "inner", &inner, Bytes::Exact);
    run.case(&e, "inner default", &Inner::default(), Bytes::Exact);
    run.case(&e, "outer default (None fields, empty list)", &Outer::default(), Bytes::Exact);
    let outer = Outer {
        a: Some(inner.clone()),
        b: None,
        tail: i32::MIN,
        color: Color::Blue,
        ocolor: Some(Color::Green),
        inners: vec![
            inner.clone(),
            Inner::default(),
            Inner { x: 1, name: String::new(), opt: None },
        ],
    };
    run.case(&e, "outer", &outer, Bytes::Exact);
    run.case(
        &e,
        "outer, ocolor None",
        &Outer { ocolor: None, b: Some(Inner::default()), ..outer.clone() },
        Bytes::Exact,
    );
    run.case(&e, "deep default", &Deep::default(), Bytes::Exact);
    run.case(
        &e,
        "deep",
        &Deep { outer: Some(outer.clone()), note: Some(String::new()), inner: Some(inner.clone()) },
        Bytes::Exact,
    );
    let mut g = run.rng();
    for i in 0..RANDOM_CASES {
        let v = gen_inner(&mut g);
        run.case(&e, format!("random inner #{i}"), &v, Bytes::Exact);
        let v = gen_outer(&mut g);
        run.case(&e, format!("random outer #{i}"), &v, Bytes::Exact);
        let v = gen_deep(&mut g);
        run.case(&e, format!("random deep #{i}"), &v, Bytes::Exact);
    }
    run.finish();
}

fn lists(mode: CrateMode) {
    let e = fc_env(mode);
    let mut run = Run::new(&e, "lists");
    run.case(&e, "all empty, olist None", &Lists::default(), Bytes::Exact);
    run.case(
        &e,
        "olist Some(empty)",
        &Lists { olist: Some(vec![]), ..Lists::default() },
        Bytes::Exact,
    );
    let one = Lists {
        bools: vec![true],
        i8s: vec![i8::MIN],
        i16s: vec![i16::MAX],
        i32s: vec![i32::MIN],
        i32fs: vec![-1],
        i64s: vec![i64::MIN],
        i64fs: vec![i64::MAX],
        i64ts: vec![1 << 30],
        u8s: vec![255],
        u16s: vec![u16::MAX],
        u32s: vec![u32::MAX],
        u32fs: vec![u32::MAX],
        u64s: vec![u64::MAX],
        u64fs: vec![u64::MAX],
        u64ts: vec![1 << 31],
        f16s: vec![f16s(0x7e00)],
        bf16s: vec![bf16s(0x8000)],
        f32s: vec![f32::NAN],
        f64s: vec![-0.0],
        strs: vec![String::new()],
        blobs: vec![vec![]],
        colors: vec![Color::Blue],
        nested: vec![vec![]],
        olist: Some(vec!["😀".into()]),
    };
    run.case(&e, "one element each", &one, Bytes::Exact);
    let many = Lists {
        strs: vec!["a".into(), "中文".into(), String::new(), "x".repeat(100)],
        blobs: vec![vec![1, 2, 3], vec![], vec![0; 200]],
        colors: vec![Color::Red, Color::Green, Color::Blue, Color::Red],
        nested: vec![vec![1, 2], vec![], vec![i32::MIN, i32::MAX]],
        i64ts: vec![0, -1, 1 << 30, -(1 << 30) - 1, i64::MAX],
        u64ts: vec![0, (1 << 31) - 1, 1 << 31, u64::MAX],
        ..one.clone()
    };
    run.case(&e, "several elements", &many, Bytes::Exact);
    let mut g = run.rng();
    for i in 0..RANDOM_CASES {
        let v = gen_lists(&mut g);
        run.case(&e, format!("random #{i}"), &v, Bytes::Exact);
    }
    run.finish();
}

fn lists_with_nulls(mode: CrateMode) {
    let e = fc_env(mode);
    let mut run = Run::new(&e, "lists_with_nulls");
    run.case(&e, "all empty", &NullLists::default(), Bytes::Exact);
    let mixed = NullLists {
        oi32s: vec![Some(1), None, Some(-1)],
        ostrs: vec![None, Some(String::new()), Some("中文".into())],
        of64s: vec![Some(f64::NAN), None, Some(-0.0)],
        oinners: vec![
            None,
            Some(Inner::default()),
            Some(Inner { x: 3, name: "n".into(), opt: Some(4) }),
        ],
        ocolors: vec![Some(Color::Blue), None],
    };
    run.case(&e, "mixed nulls", &mixed, Bytes::Exact);
    let no_nulls = NullLists {
        oi32s: vec![Some(1), Some(2)],
        ostrs: vec![Some("a".into())],
        of64s: vec![Some(1.5)],
        oinners: vec![Some(Inner::default())],
        ocolors: vec![Some(Color::Red)],
    };
    run.case(&e, "no nulls", &no_nulls, Bytes::Exact);
    // All-null lists in typed fields: declared element type on both sides (`0e fd fd`), and the
    // crate must be able to read foryjit's (it cannot read pyfory's untyped NONE form, §15).
    let all_null = NullLists {
        oi32s: vec![None, None],
        ostrs: vec![None],
        of64s: vec![None; 3],
        oinners: vec![None],
        ocolors: vec![None; 2],
    };
    run.case(&e, "all-null lists", &all_null, Bytes::Exact);
    let mut g = run.rng();
    let mut all_null_seen = 0;
    for i in 0..RANDOM_CASES {
        let v = gen_null_lists(&mut g);
        all_null_seen += usize::from(has_all_null_list(&v));
        run.case(&e, format!("random #{i}"), &v, Bytes::Exact);
    }
    assert!(all_null_seen > 0, "the random values should include all-null lists");
    run.finish();
}

fn hash_maps(mode: CrateMode) {
    let e = fc_env(mode);
    let mut run = Run::new(&e, "hash_maps");
    run.case(&e, "all empty", &Maps::default(), Bytes::Exact);
    let one = Maps {
        s2i: HashMap::from([("k".to_owned(), -1)]),
        i2s: HashMap::from([(i32::MIN, "中文".to_owned())]),
        s2s: HashMap::from([(String::new(), String::new())]),
        i2f: HashMap::from([(i64::MAX, f64::NAN)]),
        s2os: HashMap::from([("none".to_owned(), None)]),
        s2l: HashMap::from([("l".to_owned(), vec![1, 2, 3])]),
        enc: HashMap::from([(-1, u64::MAX)]),
        c2i: HashMap::from([(Color::Green, 7)]),
        b2b: HashMap::from([(true, vec![0xde, 0xad])]),
        s2c: HashMap::from([("blue".to_owned(), Color::Blue)]),
    };
    run.case(&e, "one entry each", &one, Bytes::Exact);
    let some_null = Maps {
        s2os: HashMap::from([
            ("a".to_owned(), Some("x".to_owned())),
            ("b".to_owned(), None),
            ("c".to_owned(), Some(String::new())),
        ]),
        c2i: HashMap::from([(Color::Red, 0), (Color::Green, 1), (Color::Blue, 2)]),
        b2b: HashMap::from([(true, vec![]), (false, vec![1; 100])]),
        s2l: HashMap::from([("e".to_owned(), vec![]), ("f".to_owned(), vec![i32::MAX])]),
        ..one.clone()
    };
    run.case(&e, "null values and several entries", &some_null, Bytes::Exact);
    let mut g = run.rng();
    for i in 0..RANDOM_CASES {
        let v = gen_maps(&mut g);
        run.case(&e, format!("random #{i}"), &v, Bytes::Exact);
    }
    run.finish();
}

fn btree_maps(mode: CrateMode) {
    let e = fc_env(mode);
    let mut run = Run::new(&e, "btree_maps");
    run.case(&e, "all empty", &BMaps::default(), Bytes::Exact);
    let v = BMaps {
        s2i: BTreeMap::from([
            ("a".to_owned(), 1),
            ("b".to_owned(), i32::MIN),
            ("中".to_owned(), 0),
        ]),
        i2s: BTreeMap::from([
            (i64::MIN, String::new()),
            (0, "zero".to_owned()),
            (i64::MAX, "😀".to_owned()),
        ]),
        u2b: (0..=255u8).map(|k| (k, k % 3 == 0)).collect(),
        s2f: BTreeMap::from([
            ("nan".to_owned(), f32::NAN),
            ("-0".to_owned(), -0.0),
            ("inf".to_owned(), f32::INFINITY),
        ]),
    };
    // 256 entries in u2b: fory splits chunks at 255 entries; so must foryjit.
    run.case(&e, "several entries, 256-entry map", &v, Bytes::Exact);
    let mut g = run.rng();
    for i in 0..RANDOM_CASES {
        let v = gen_bmaps(&mut g);
        run.case(&e, format!("random #{i}"), &v, Bytes::Exact);
    }
    run.finish();
}

fn maps_of_structs(mode: CrateMode) {
    let e = fc_env(mode);
    let mut run = Run::new(&e, "maps_of_structs");
    // Empty maps carry no chunk, so no difference is possible.
    run.case(&e, "empty", &StructMaps::default(), Bytes::Exact);
    let v = StructMaps {
        s2inner: HashMap::from([("a".to_owned(), Inner::default())]),
        i2inner: BTreeMap::from([
            (1, Inner { x: 1, name: "one".into(), opt: Some(1) }),
            (2, Inner::default()),
        ]),
        s2oinner: HashMap::from([
            ("none".to_owned(), None),
            ("some".to_owned(), Some(Inner::default())),
        ]),
    };
    // The difference is a same-schema one: in compatible mode the crate's bytes are foryjit's.
    let struct_values = match mode {
        CrateMode::SameSchema => Bytes::Exception(EXCEPTION_STRUCT_MAP_VALUE),
        CrateMode::Compatible => Bytes::Exact,
    };
    run.case(&e, "entries", &v, struct_values);
    let mut g = run.rng();
    for i in 0..RANDOM_CASES {
        let v = gen_struct_maps(&mut g);
        // Entries whose value is null carry no value type meta: the same on both sides.
        let no_struct_value = v.s2oinner.values().all(Option::is_none);
        let bytes = if v.s2inner.is_empty() && v.i2inner.is_empty() && no_struct_value {
            Bytes::Exact
        } else {
            struct_values
        };
        run.case(&e, format!("random #{i}"), &v, bytes);
    }
    run.finish();
}

fn dense_arrays(mode: CrateMode) {
    let e = fc_env(mode);
    let mut run = Run::new(&e, "dense_arrays");
    run.case(&e, "all empty, optional None", &Arrays::default(), Bytes::Exact);
    let v = Arrays {
        ab: vec![true, false, true],
        ai8: vec![i8::MIN, -1, 0, i8::MAX],
        ai16: vec![i16::MIN, i16::MAX],
        ai32: vec![1, -2],
        ai64: vec![i64::MIN, i64::MAX],
        au8: (0..=255).collect(),
        au16: vec![0, u16::MAX],
        au32: vec![u32::MAX],
        au64: vec![u64::MAX, 1 << 63],
        af16: vec![f16s(0x7e00), f16s(0x8000), f16s(0x7c00), f16s(0x2e66)],
        abf16: vec![bf16s(0x7fc0), bf16s(0x3dcd), bf16s(0xff80)],
        af32: vec![f32::NAN, -0.0, f32::MIN_POSITIVE, f32::from_bits(0x7f80_0001)],
        af64: vec![f64::NAN, -0.0, f64::MAX, f64::from_bits(0xfff8_0000_0000_0001)],
        oai32: Some(vec![]),
    };
    run.case(&e, "edges", &v, Bytes::Exact);
    let mut g = run.rng();
    for i in 0..RANDOM_CASES {
        let v = gen_arrays(&mut g);
        run.case(&e, format!("random #{i}"), &v, Bytes::Exact);
    }
    run.finish();
}

fn time_values(mode: CrateMode) {
    let e = fc_env(mode);
    let mut run = Run::new(&e, "time_values");
    run.case(&e, "epoch", &Times::default(), Bytes::Exact);
    let v = Times {
        d: fory::Date::from_epoch_days(19_724),
        t: fory::Timestamp::new(-1, 500_000_000).unwrap(),
        du: fory::Duration::new(0, -500_000_000).unwrap(),
        od: Some(fory::Date::from_epoch_days(-1)),
        ot: Some(fory::Timestamp::new(1_704_164_645, 6).unwrap()),
        ds: vec![fory::Date::from_epoch_days(0), fory::Date::from_epoch_days(-719_162)],
        dm: BTreeMap::from([
            (fory::Date::from_epoch_days(-1), -1),
            (fory::Date::from_epoch_days(0), 0),
        ]),
        dum: HashMap::from([(fory::Duration::new(-1, -1).unwrap(), "-1.000000001s".into())]),
        ts: vec![fory::Timestamp::new(i64::from(i32::MIN), 999_999_999).unwrap()],
        odus: vec![
            None,
            Some(fory::Duration::ZERO),
            Some(fory::Duration::new(i64::MAX, 999_999_999).unwrap()),
        ],
    };
    run.case(&e, "pre-epoch and fractions", &v, Bytes::Exact);
    let mut g = run.rng();
    for i in 0..RANDOM_CASES {
        let v = gen_times(&mut g);
        run.case(&e, format!("random #{i}"), &v, Bytes::Exact);
    }
    run.finish();
}

fn rc_inner(x: i32) -> Rc<Inner> {
    Rc::new(Inner { x, name: format!("n{x}"), opt: Some(i64::from(x)) })
}

/// `ref` fields whose values are not shared.
fn ref_fields_unshared(mode: CrateMode) {
    let e = fc_env(mode);
    let mut run = Run::new(&e, "ref_fields_unshared");
    // Null ref fields and an empty ref list look the same on both sides in same-schema mode. In
    // compatible mode the TypeDefs differ: the crate sets the ref bits of `ref` fields and
    // `list<ref T>` elements even with track_ref(false); foryjit clears them, as pyfory does with
    // ref=False (TypeDef field header, xlang spec), since neither tracks references then.
    let all_none = match mode {
        CrateMode::SameSchema => Bytes::Exact,
        CrateMode::Compatible => Bytes::Exception(EXCEPTION_TYPEDEF_REF_BITS),
    };
    run.case(&e, "all None", &Refs::default(), all_none);
    let unshared = Refs {
        r: Some(rc_inner(1)),
        rl: vec![rc_inner(2), rc_inner(3)],
        r2: Some(rc_inner(4)),
        n: -5,
    };
    run.case(&e, "unshared", &unshared, Bytes::Exception(EXCEPTION_REF_FLAGS));
    let mut g = run.rng();
    for i in 0..RANDOM_CASES {
        let v = gen_refs(&mut g, false);
        run.case(&e, format!("random #{i}"), &v, Bytes::Exception(EXCEPTION_REF_FLAGS));
    }
    run.finish();
}

/// `ref` fields that share one `Rc`: the crate writes the later occurrences as back-references
/// `fe <id>` (the xlang spec's reference meta), which foryjit must resolve (into copies: its `Value` has no
/// identity).
fn ref_fields_shared(mode: CrateMode) {
    let e = fc_env(mode);
    let mut run = Run::new(&e, "ref_fields_shared");
    let shared = rc_inner(9);
    let v = Refs { r: Some(shared.clone()), rl: vec![], r2: Some(shared.clone()), n: 0 };
    run.case(&e, "two fields, one Rc", &v, Bytes::Exception(EXCEPTION_REF_FLAGS));
    let v = Refs { r: None, rl: vec![shared.clone(), shared.clone()], r2: None, n: 0 };
    run.case(&e, "one Rc twice in a list", &v, Bytes::Exception(EXCEPTION_REF_FLAGS));
    let v = Refs {
        r: Some(shared.clone()),
        rl: vec![shared.clone(), rc_inner(1), shared.clone()],
        r2: Some(shared),
        n: 0,
    };
    run.case(&e, "one Rc everywhere", &v, Bytes::Exception(EXCEPTION_REF_FLAGS));
    let mut g = run.rng();
    for i in 0..RANDOM_CASES / 3 {
        let v = gen_refs(&mut g, true);
        run.case(&e, format!("random #{i}"), &v, Bytes::Exception(EXCEPTION_REF_FLAGS));
    }
    run.finish();
}

fn nested_containers(mode: CrateMode) {
    let e = fc_env(mode);
    let mut run = Run::new(&e, "nested_containers");
    run.case(&e, "all empty", &Nesting::default(), Bytes::Exact);
    let v = Nesting {
        lm: vec![HashMap::new(), HashMap::from([("a".to_owned(), 1)])],
        mm: HashMap::from([
            ("x".to_owned(), HashMap::from([(1, "one".to_owned())])),
            ("y".to_owned(), HashMap::new()),
        ]),
        ll: vec![vec![], vec!["中文".to_owned(), String::new()]],
        ml: HashMap::from([(
            "k".to_owned(),
            vec![Inner::default(), Inner { x: 1, name: "b".into(), opt: None }],
        )]),
        llo: vec![vec![None], vec![Some(1), None], vec![]],
        la: vec![vec![], vec![1, -1, i32::MAX]],
    };
    run.case(&e, "edges", &v, Bytes::Exact);
    let mut g = run.rng();
    for i in 0..RANDOM_CASES {
        let v = gen_nesting(&mut g);
        run.case(&e, format!("random #{i}"), &v, Bytes::Exact);
    }
    run.finish();
}

/// Lengths that need multi-byte varints, and maps of more than 255 entries (several chunks).
fn large_collections(mode: CrateMode) {
    let e = fc_env(mode);
    let mut run = Run::new(&e, "large_collections");
    let mut g = run.rng();
    for n in [127usize, 128, 255, 256, 300, 1000] {
        let v = Lists {
            i32s: (0..n).map(|_| g.i32()).collect(),
            strs: (0..n).map(|i| format!("s{i}")).collect(),
            bools: vec![true; n],
            colors: (0..n).map(|_| g.color()).collect(),
            ..Lists::default()
        };
        run.case(&e, format!("lists of {n}"), &v, Bytes::Exact);
        let v = Maps {
            s2i: (0..n).map(|i| (format!("key{i}"), i as i32)).collect(),
            i2s: (0..n).map(|i| (i as i32 - 100, "v".repeat(i % 7))).collect(),
            // Nulls at every third value split the chunks.
            s2os: (0..n).map(|i| (format!("k{i}"), (i % 3 != 0).then(|| i.to_string()))).collect(),
            ..Maps::default()
        };
        run.case(&e, format!("maps of {n}"), &v, Bytes::Exact);
        let v = BMaps {
            i2s: (0..n as i64).map(|i| (i * 1_000_003, String::new())).collect(),
            ..BMaps::default()
        };
        run.case(&e, format!("btree map of {n}"), &v, Bytes::Exact);
        let v = Arrays {
            ai64: (0..n).map(|_| g.i64()).collect(),
            ab: vec![false; n],
            ..Arrays::default()
        };
        run.case(&e, format!("arrays of {n}"), &v, Bytes::Exact);
        let v = Outer { inners: (0..n).map(|_| gen_inner(&mut g)).collect(), ..Outer::default() };
        run.case(&e, format!("struct list of {n}"), &v, Bytes::Exact);
        let v = NullLists {
            oi32s: (0..n).map(|i| (i % 2 == 0).then_some(i as i32)).collect(),
            oinners: vec![None; n],
            ..NullLists::default()
        };
        run.case(&e, format!("null lists of {n}"), &v, Bytes::Exact);
    }
    let v = Text { s: "ሴ".repeat(70_000), data: vec![0xab; 100_000], ..Text::default() };
    run.case(&e, "200 KB string, 100 KB bytes", &v, Bytes::Exact);
    run.finish();
}

/// Values at the root (not inside a struct): the variant of foryjit's `Value` picks the type id.
fn root_values(mode: CrateMode) {
    let e = fc_env(mode);
    let mut run = Run::new(&e, "root_values");
    run.root(&e, "None", &None::<i32>, Value::Null);
    run.root(&e, "enum", &Color::Blue, Color::Blue.value(&e.jit));
    run.root(&e, "struct", &Inner::default(), Inner::default().value(&e.jit));
    let mut g = run.rng();
    for i in 0..RANDOM_CASES / 3 {
        let l = format!("random #{i}");
        macro_rules! scalar {
            ($($gen:ident),*) => {$(
                let v = g.$gen();
                run.root(&e, &l, &v, v.value(&e.jit));
            )*};
        }
        scalar!(bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, f16, bf16, string, color);
        let v = Some(g.i32());
        run.root(&e, &l, &v, v.value(&e.jit));
        // Vec<u8> at the root is BINARY; other numeric Vecs are the dense arrays.
        let v = g.bytes();
        run.root(&e, &l, &v, kind::bytes::value(&v, &e.jit));
        macro_rules! array {
            ($($gen:ident),*) => {$(
                let v = g.vec(40, Gen::$gen);
                run.root(&e, &l, &v, ArrayElem::array_value(&v));
            )*};
        }
        array!(bool, i8, i16, i32, i64, u16, u32, u64, f16, bf16, f32, f64);
        let v = g.vec(10, Gen::string);
        run.root(&e, &l, &v, v.value(&e.jit));
        let v = g.vec(5, gen_inner);
        run.root(&e, &l, &v, v.value(&e.jit));
        let v = g.hash_map(10, Gen::string, Gen::i64);
        run.root(&e, &l, &v, v.value(&e.jit));
        let v = g.btree_map(10, Gen::i32, Gen::string);
        run.root(&e, &l, &v, v.value(&e.jit));
        let v = g.btree_map(4, Gen::string, gen_inner);
        run.root(&e, &l, &v, v.value(&e.jit));
    }
    run.finish();
}

// ---------------------------------------------------------------------------------------------
// Tests: bench shapes
// ---------------------------------------------------------------------------------------------

fn bench_env(mode: CrateMode) -> Env {
    env(mode, BENCH_FDL, register_bench)
}

fn bench_numeric() -> NumericStruct {
    NumericStruct {
        f1: -12345,
        f2: 987654321,
        f3: -31415,
        f4: 27182818,
        f5: -32000,
        f6: 1000000,
        f7: -999999999,
        f8: 42,
        f9: 123456789,
        f10: -42,
        f11: 31415926,
        f12: -27182818,
    }
}

fn bench_sample() -> Sample {
    Sample {
        int_value: 123,
        long_value: 1230000,
        float_value: 12.345,
        double_value: 1.234567,
        short_value: 12345,
        char_value: 33,
        boolean_value: true,
        int_value_boxed: 321,
        long_value_boxed: 3210000,
        float_value_boxed: 54.321,
        double_value_boxed: 7.654321,
        short_value_boxed: 32100,
        char_value_boxed: 36,
        boolean_value_boxed: false,
        int_array: vec![-1234, -123, -12, -1, 0, 1, 12, 123, 1234],
        long_array: vec![-123400, -12300, -1200, -100, 0, 100, 1200, 12300, 123400],
        float_array: vec![-12.34, -12.3, -12.0, -1.0, 0.0, 1.0, 12.0, 12.3, 12.34],
        double_array: vec![-1.234, -1.23, -12.0, -1.0, 0.0, 1.0, 12.0, 1.23, 1.234],
        short_array: vec![-1234, -123, -12, -1, 0, 1, 12, 123, 1234],
        char_array: vec![97, 115, 100, 102, 65, 83, 68, 70],
        boolean_array: vec![true, false, false, true],
        string: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".into(),
    }
}

fn bench_media_content() -> MediaContent {
    let image = |uri: &str, title: &str, width, height, size| Image {
        uri: uri.into(),
        title: title.into(),
        width,
        height,
        size,
    };
    MediaContent {
        media: Some(Media {
            uri: "http://javaone.com/keynote.ogg".into(),
            title: String::new(),
            width: 641,
            height: 481,
            format: "video/theora\u{1234}".into(),
            duration: 18000001,
            size: 58982401,
            bitrate: 0,
            has_bitrate: false,
            persons: vec!["Bill Gates, Jr.".into(), "Steven Jobs".into()],
            player: Player::Flash,
            copyright: "Copyright (c) 2009, Scooby Dooby Doo".into(),
        }),
        images: vec![
            image(
                "http://javaone.com/keynote_huge.jpg",
                "Javaone Keynote\u{1234}",
                32000,
                24000,
                Size::Large,
            ),
            image("http://javaone.com/keynote_large.jpg", "", 1024, 768, Size::Large),
            image("http://javaone.com/keynote_small.jpg", "", 320, 240, Size::Small),
        ],
    }
}

/// The Rust values are the shared data: their expected JSON equals the embedded files, and
/// foryjit's `from_json` of the files builds the same `Value`s.
#[test]
fn bench_data_matches_shared_json() {
    let e = bench_env(CrateMode::SameSchema);
    fn same<T: Mirror + Named>(e: &Env, v: &T, text: &str) {
        let file: Json = serde_json::from_str(text).unwrap();
        assert!(
            json_same(&v.json(), &file),
            "{}: mirror JSON {} != file {}",
            T::NAME,
            v.json(),
            file
        );
        let from = e.jit.from_json(handle(&e.jit, T::NAME), &file).unwrap();
        assert!(
            from.bit_eq(&v.value(&e.jit)),
            "{}: from_json(file) != Value of the mirror",
            T::NAME
        );
    }
    same(&e, &bench_numeric(), NUMERIC_STRUCT_JSON);
    same(&e, &bench_sample(), SAMPLE_JSON);
    same(&e, &bench_media_content(), MEDIA_CONTENT_JSON);
}

fn bench_shapes(mode: CrateMode) {
    let e = bench_env(mode);
    let mut run = Run::new(&e, "bench_shapes");
    run.case(&e, "data", &bench_numeric(), Bytes::Exact);
    run.case(&e, "data", &bench_sample(), Bytes::Exact);
    run.case(&e, "data", &bench_media_content(), Bytes::Exact);
    run.case(
        &e,
        "data",
        &NumericStructList { struct_list: vec![bench_numeric(); 5] },
        Bytes::Exact,
    );
    run.case(&e, "data", &SampleList { sample_list: vec![bench_sample(); 5] }, Bytes::Exact);
    run.case(
        &e,
        "data",
        &MediaContentList { media_content_list: vec![bench_media_content(); 5] },
        Bytes::Exact,
    );
    run.case(&e, "default", &NumericStruct::default(), Bytes::Exact);
    run.case(&e, "default", &Sample::default(), Bytes::Exact);
    run.case(&e, "default", &MediaContent::default(), Bytes::Exact);
    run.case(&e, "default", &MediaContentList::default(), Bytes::Exact);
    let mut g = run.rng();
    for i in 0..RANDOM_CASES {
        let v = gen_numeric(&mut g);
        run.case(&e, format!("random #{i}"), &v, Bytes::Exact);
        let v = gen_sample(&mut g);
        run.case(&e, format!("random #{i}"), &v, Bytes::Exact);
        let v = gen_media_content(&mut g);
        run.case(&e, format!("random #{i}"), &v, Bytes::Exact);
        if i % 10 == 0 {
            let v = NumericStructList { struct_list: g.vec(8, gen_numeric) };
            run.case(&e, format!("random #{i}"), &v, Bytes::Exact);
            let v = SampleList { sample_list: g.vec(5, gen_sample) };
            run.case(&e, format!("random #{i}"), &v, Bytes::Exact);
            let v = MediaContentList { media_content_list: g.vec(5, gen_media_content) };
            run.case(&e, format!("random #{i}"), &v, Bytes::Exact);
        }
    }
    run.finish();
}

// ---------------------------------------------------------------------------------------------
// Tests: compatible-mode schema evolution against the crate
// ---------------------------------------------------------------------------------------------

/// A later version of `fc.Inner` (id 123): `name` (2) removed, `tags` (4) and `extra` (5) added,
/// declaration order changed; `x` and `opt` keep their tag ids.
#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct InnerV2 {
    #[fory(id = 4)]
    tags: Vec<String>,
    #[fory(id = 3)]
    opt: Option<i64>,
    #[fory(id = 5)]
    extra: i64,
    #[fory(id = 1)]
    x: i32,
}

/// Two versions of `fcn.Item`, registered by name, with name-keyed fields (no ids: the crate
/// writes the snake_case field names; foryjit's schema has its tags dropped).
const ITEM_V1_FDL: &str = "option enable_auto_type_id = false;\npackage fcn;\n\
    message Item { string title = 1; int32 count = 2; optional string nick_name = 3; }\n";
const ITEM_V2_FDL: &str = "option enable_auto_type_id = false;\npackage fcn;\n\
    message Item { list<int32> tags = 1; optional string nick_name = 2; int64 version = 3; \
    int32 count = 4; }\n";

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct ItemV1 {
    title: String,
    count: i32,
    nick_name: Option<String>,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct ItemV2 {
    tags: Vec<i32>,
    nick_name: Option<String>,
    version: i64,
    count: i32,
}

fn crate_compatible() -> Fory {
    Fory::builder().xlang(true).compatible(true).build()
}

/// foryjit (default builder: compatible) with `fdl` registered, its tags dropped.
fn name_keyed_jit(fdl: &str) -> ForyJit {
    let mut desc = foryjit::SchemaDesc::from_idl(fdl).expect("item FDL");
    for t in &mut desc.types {
        if let foryjit::schema::TypeDesc::Message(m) = t {
            for f in &mut m.fields {
                f.tag = None;
            }
        }
    }
    let jit = ForyJit::builder().string_policy(StringPolicy::Utf8).build();
    jit.register_schema(desc).expect("register the item schema");
    jit
}

fn jit_write(jit: &ForyJit, ty: &str, json: Json) -> Vec<u8> {
    let v = jit.from_json(handle(jit, ty), &json).expect("from_json");
    jit.serialize(&v).expect("foryjit serializes")
}

fn jit_read(jit: &ForyJit, ty: &str, bytes: &[u8]) -> Json {
    let v = jit
        .deserialize(bytes)
        .unwrap_or_else(|e| panic!("foryjit cannot read {}: {e}", hex(bytes)));
    jit.to_json(handle(jit, ty), &v).expect("to_json")
}

/// Tag-keyed, by id: fields added, removed and reordered between the crate's `InnerV2` and
/// foryjit's `fc.Inner`, in both directions; the crate's own v1 mirror reads alike.
#[test]
fn compatible_evolution_by_tag_id() {
    let e = fc_env(CrateMode::Compatible);
    let mut v2 = crate_compatible();
    v2.register::<InnerV2>(123).expect("register InnerV2");

    // The crate (v2) writes; foryjit (v1) reads: `name` gets "", tags/extra are dropped.
    for w in [
        InnerV2 { tags: vec!["a".into(), "ß".into()], opt: Some(-5), extra: 77, x: 9 },
        InnerV2::default(),
        InnerV2 { tags: vec![], opt: None, extra: i64::MIN, x: i32::MAX },
    ] {
        let bytes = v2.serialize(&w).expect("crate serializes InnerV2");
        let opt = w.opt.map_or(Json::Null, Json::from);
        let want = serde_json::json!({"x": w.x, "name": "", "opt": opt});
        assert_eq!(jit_read(&e.jit, "fc.Inner", &bytes), want, "{w:?}");
        // Twice on the same engine: the cached reader gives the same.
        assert_eq!(jit_read(&e.jit, "fc.Inner", &bytes), want, "{w:?} (second read)");
        let theirs: Inner = e.fory.deserialize(&bytes).expect("crate v1 reads v2");
        assert_eq!(theirs, Inner { x: w.x, name: String::new(), opt: w.opt });
    }

    // foryjit (v1) writes; the crate (v2) reads: tags [] and extra 0, `name` dropped.
    for (x, name, opt) in [(-3, "gone", None), (0, "", Some(1i64)), (i32::MIN, "ሴ", Some(i64::MAX))]
    {
        let json = serde_json::json!({"x": x, "name": name, "opt": opt});
        let ours = jit_write(&e.jit, "fc.Inner", json);
        let back: InnerV2 = v2.deserialize(&ours).expect("crate v2 reads foryjit v1");
        assert_eq!(back, InnerV2 { tags: vec![], opt, extra: 0, x });
        // And the same bytes as the crate's v1 mirror writes (tag-keyed TypeDefs agree).
        let theirs = e.fory.serialize(&Inner { x, name: name.into(), opt }).expect("crate v1");
        assert_eq!(hex(&ours), hex(&theirs));
    }
}

/// Name-keyed, by name: `fcn.Item` v1 ⇄ v2 between the crate and foryjit, all four pairings;
/// same-version bytes are identical (both write snake_case names).
#[test]
fn compatible_evolution_by_name() {
    let (jit1, jit2) = (name_keyed_jit(ITEM_V1_FDL), name_keyed_jit(ITEM_V2_FDL));
    let mut c1 = crate_compatible();
    c1.register_by_name::<ItemV1>("fcn.Item").expect("register ItemV1");
    let mut c2 = crate_compatible();
    c2.register_by_name::<ItemV2>("fcn.Item").expect("register ItemV2");

    let i1 = ItemV1 { title: "t".into(), count: -4, nick_name: Some("n".into()) };
    let j1 = serde_json::json!({"title": "t", "count": -4, "nick_name": "n"});
    let i2 = ItemV2 { tags: vec![1, -1], nick_name: None, version: 1 << 40, count: 7 };
    let j2 =
        serde_json::json!({"tags": [1, -1], "nick_name": null, "version": 1i64 << 40, "count": 7});

    // Same version: same bytes, each reads the other.
    let (c1b, f1b) = (c1.serialize(&i1).expect("c1"), jit_write(&jit1, "fcn.Item", j1.clone()));
    assert_eq!(hex(&f1b), hex(&c1b), "v1 bytes");
    let (c2b, f2b) = (c2.serialize(&i2).expect("c2"), jit_write(&jit2, "fcn.Item", j2.clone()));
    assert_eq!(hex(&f2b), hex(&c2b), "v2 bytes");

    // v1 written (crate or foryjit), v2 read (foryjit or crate).
    let want2 = serde_json::json!({"tags": [], "nick_name": "n", "version": 0, "count": -4});
    assert_eq!(jit_read(&jit2, "fcn.Item", &c1b), want2);
    assert_eq!(jit_read(&jit2, "fcn.Item", &f1b), want2);
    let want2_crate = ItemV2 { tags: vec![], nick_name: Some("n".into()), version: 0, count: -4 };
    assert_eq!(c2.deserialize::<ItemV2>(&f1b).expect("c2 reads foryjit v1"), want2_crate);
    assert_eq!(c2.deserialize::<ItemV2>(&c1b).expect("c2 reads c1"), want2_crate);

    // v2 written, v1 read.
    let want1 = serde_json::json!({"title": "", "count": 7, "nick_name": null});
    assert_eq!(jit_read(&jit1, "fcn.Item", &c2b), want1);
    assert_eq!(jit_read(&jit1, "fcn.Item", &f2b), want1);
    let want1_crate = ItemV1 { title: String::new(), count: 7, nick_name: None };
    assert_eq!(c1.deserialize::<ItemV1>(&f2b).expect("c1 reads foryjit v2"), want1_crate);
    assert_eq!(c1.deserialize::<ItemV1>(&c2b).expect("c1 reads c2"), want1_crate);

    // One engine, both versions in turns (TypeDef cache keyed per version).
    for _ in 0..2 {
        assert_eq!(jit_read(&jit1, "fcn.Item", &f1b), j1);
        assert_eq!(jit_read(&jit1, "fcn.Item", &c2b), want1);
    }
}

// ---------------------------------------------------------------------------------------------
// Tests: plain (non-`Option`) struct fields
// ---------------------------------------------------------------------------------------------
//
// A derive struct's plain `T` field of struct type is non-nullable: the crate writes no flag
// byte before it (`RefMode::None`), puts nullable 0 in the struct hash's fingerprint (same-schema
// mode) and clears the nullable bit of its TypeDef field (compatible mode); the type meta of
// compatible mode is still written. FDL makes every message field nullable (fory-compiler
// does), so foryjit's side of these tests is the FDL with those fields made non-nullable in the
// descriptor ([`plain_fields`]).

/// The plain-field schema; [`PLAIN_FIELDS`] lists the fields that are plain `T` in the mirrors.
const PLAIN_FDL: &str = r#"
package fp;

message Pt [id=401] {
    int32 x = 1;
    int32 y = 2;
}

// `p` is a plain `Pt`, `q` an `Option<Pt>`.
message Wrap [id=402] {
    Pt p = 1;
    optional Pt q = 2;
}

message Leaf [id=403] {
    int32 x = 1;
    string name = 2;
    optional int64 opt = 3;
}

message Mid [id=404] {
    Leaf leaf = 1;
    optional string note = 2;
    Leaf maybe = 3;
    list<Leaf> leaves = 4;
    int32 n = 5;
}

message Top [id=405] {
    Mid mid = 1;
    int32 tail = 2;
    Leaf other = 3;
    Wrap wrap = 4;
}
"#;

/// (message, field) pairs of [`PLAIN_FDL`] that are plain `T` fields in the Rust mirrors.
const PLAIN_FIELDS: &[(&str, &str)] = &[
    ("fp.Wrap", "p"),
    ("fp.Mid", "leaf"),
    ("fp.Top", "mid"),
    ("fp.Top", "other"),
    ("fp.Top", "wrap"),
];

/// `fdl` as a descriptor with the `fields` made non-nullable (each must exist).
fn plain_fields(fdl: &str, fields: &[(&str, &str)]) -> foryjit::SchemaDesc {
    let mut desc = foryjit::SchemaDesc::from_idl(fdl).expect("FDL parses");
    for &(ty, field) in fields {
        let f = desc
            .types
            .iter_mut()
            .find_map(|t| match t {
                foryjit::schema::TypeDesc::Message(m) if m.full_name == ty => {
                    m.fields.iter_mut().find(|f| f.name == field)
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("{ty} has no field {field}"));
        f.nullable = false;
    }
    desc
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct Pt {
    #[fory(id = 1)]
    x: i32,
    #[fory(id = 2)]
    y: i32,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct Wrap {
    #[fory(id = 1)]
    p: Pt,
    #[fory(id = 2)]
    q: Option<Pt>,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct Leaf {
    #[fory(id = 1)]
    x: i32,
    #[fory(id = 2)]
    name: String,
    #[fory(id = 3)]
    opt: Option<i64>,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct Mid {
    #[fory(id = 1)]
    leaf: Leaf,
    #[fory(id = 2)]
    note: Option<String>,
    #[fory(id = 3)]
    maybe: Option<Leaf>,
    #[fory(id = 4)]
    leaves: Vec<Leaf>,
    #[fory(id = 5)]
    n: i32,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct Top {
    #[fory(id = 1)]
    mid: Mid,
    #[fory(id = 2)]
    tail: i32,
    #[fory(id = 3)]
    other: Leaf,
    #[fory(id = 4)]
    wrap: Wrap,
}

mirror_struct!(Pt = "fp.Pt" { x: plain, y: plain });
mirror_struct!(Wrap = "fp.Wrap" { p: plain, q: plain });
mirror_struct!(Leaf = "fp.Leaf" { x: plain, name: plain, opt: plain });
mirror_struct!(Mid = "fp.Mid" { leaf: plain, note: plain, maybe: plain, leaves: plain, n: plain });
mirror_struct!(Top = "fp.Top" { mid: plain, tail: plain, other: plain, wrap: plain });

fn register_fp(f: &mut Fory) -> Result<(), fory::Error> {
    f.register::<Pt>(401)?;
    f.register::<Wrap>(402)?;
    f.register::<Leaf>(403)?;
    f.register::<Mid>(404)?;
    f.register::<Top>(405)?;
    Ok(())
}

fn fp_env(mode: CrateMode) -> Env {
    env_desc(mode, plain_fields(PLAIN_FDL, PLAIN_FIELDS), register_fp)
}

fn gen_pt(g: &mut Gen) -> Pt {
    Pt { x: g.i32(), y: g.i32() }
}

fn gen_wrap(g: &mut Gen) -> Wrap {
    Wrap { p: gen_pt(g), q: g.opt(gen_pt) }
}

fn gen_leaf(g: &mut Gen) -> Leaf {
    Leaf { x: g.i32(), name: g.string(), opt: g.opt(Gen::i64) }
}

fn gen_mid(g: &mut Gen) -> Mid {
    Mid {
        leaf: gen_leaf(g),
        note: g.opt(Gen::string),
        maybe: g.opt(gen_leaf),
        leaves: g.vec(6, gen_leaf),
        n: g.i32(),
    }
}

fn gen_top(g: &mut Gen) -> Top {
    Top { mid: gen_mid(g), tail: g.i32(), other: gen_leaf(g), wrap: gen_wrap(g) }
}

/// The bytes of `Wrap { p: Pt { x: 1, y: 2 }, q: None }`, pinned (the crate writes the same):
/// no flag byte before `p`, `fd` for `q`.
/// * same-schema: `01 ff 1b 92 03` (root), Wrap's hash `b4 88 c8 0d`, then `p` with no type meta
///   (registered by id): Pt's hash `3d 37 2c 49` and `02 04`; then `fd`.
/// * compatible: `01 ff 1c 00` + Wrap's TypeDef, whose fields are `c4 1c` (tag 1, nullable bit
///   clear) and `ca 1c` (tag 2, nullable); then `p` as `1c 02` + Pt's TypeDef + `02 04`, with
///   no flag before its type meta; then `fd`.
fn wrap_pinned(mode: CrateMode) -> &'static str {
    match mode {
        CrateMode::SameSchema => "01ff1b9203 b488c80d 3d372c49 0204 fd",
        CrateMode::Compatible => {
            "01ff1c00 0710d0456ef2190b c29203 c41c ca1c \
             1c02 07d00e1be6a4a023 c29103c405c805 0204 fd"
        }
    }
}

fn plain_struct_fields(mode: CrateMode) {
    let e = fp_env(mode);
    let wrap = Wrap { p: Pt { x: 1, y: 2 }, q: None };
    let ours = e.jit.serialize(&wrap.value(&e.jit)).expect("foryjit serializes Wrap");
    let pinned = unhex(wrap_pinned(mode));
    assert_eq!(hex(&ours), hex(&pinned), "pinned Wrap bytes ({mode:?})");
    let theirs = e.fory.serialize(&wrap).expect("crate serializes Wrap");
    assert_eq!(hex(&theirs), hex(&pinned), "the crate's Wrap bytes ({mode:?})");
    let mut run = Run::new(&e, "plain_struct_fields");
    run.case(&e, "pinned", &wrap, Bytes::Exact);
    run.case(&e, "default", &Pt::default(), Bytes::Exact);
    run.case(&e, "default", &Wrap::default(), Bytes::Exact);
    run.case(&e, "default", &Leaf::default(), Bytes::Exact);
    run.case(&e, "default", &Mid::default(), Bytes::Exact);
    run.case(&e, "default", &Top::default(), Bytes::Exact);
    let mut g = run.rng();
    for i in 0..RANDOM_CASES {
        let v = gen_wrap(&mut g);
        run.case(&e, format!("random #{i}"), &v, Bytes::Exact);
        let v = gen_mid(&mut g);
        run.case(&e, format!("random #{i}"), &v, Bytes::Exact);
        let v = gen_top(&mut g);
        run.case(&e, format!("random #{i}"), &v, Bytes::Exact);
    }
    run.finish();
    // A null in a plain field is the caller's error, not a flag byte.
    let mut v = wrap.value(&e.jit);
    assert!(e.jit.set(&mut v, "p", Value::Null).is_err(), "set checks nullability");
    assert!(e.jit.set_unchecked(&mut v, "p", Value::Null));
    let err = e.jit.serialize(&v).expect_err("null in a non-nullable struct field");
    assert!(err.to_string().contains('p'), "{err}");
}

/// `MediaContent` with a plain `media: Media` field, as the fory benchmarks declare it.
#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct PlainMediaContent {
    #[fory(id = 1)]
    media: Media,
    #[fory(id = 2)]
    images: Vec<Image>,
}

#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct PlainMediaContentList {
    #[fory(id = 1)]
    media_content_list: Vec<PlainMediaContent>,
}

mirror_struct!(PlainMediaContent = "bench.MediaContent" { media: plain, images: plain });
mirror_struct!(PlainMediaContentList = "bench.MediaContentList" { media_content_list: plain });

fn register_plain_media(f: &mut Fory) -> Result<(), fory::Error> {
    f.register::<Media>(3)?;
    f.register::<Image>(4)?;
    f.register::<PlainMediaContent>(5)?;
    f.register::<Player>(6)?;
    f.register::<Size>(7)?;
    f.register::<PlainMediaContentList>(10)?;
    Ok(())
}

/// The benchmark's MediaContent shapes with `media` non-nullable: byte-identical to the crate's
/// structs with a plain `Media` field.
fn plain_media_content(mode: CrateMode) {
    let desc = plain_fields(BENCH_FDL, &[("bench.MediaContent", "media")]);
    let e = env_desc(mode, desc, register_plain_media);
    let mut run = Run::new(&e, "plain_media_content");
    let plain = |m: MediaContent| PlainMediaContent {
        media: m.media.unwrap_or_default(),
        images: m.images,
    };
    let data = plain(bench_media_content());
    run.case(&e, "data", &data, Bytes::Exact);
    let list = PlainMediaContentList { media_content_list: vec![data; 5] };
    run.case(&e, "data", &list, Bytes::Exact);
    run.case(&e, "default", &PlainMediaContent::default(), Bytes::Exact);
    let mut g = run.rng();
    for i in 0..RANDOM_CASES / 3 {
        let v = plain(gen_media_content(&mut g));
        run.case(&e, format!("random #{i}"), &v, Bytes::Exact);
        if i % 10 == 0 {
            let items = g.vec(5, gen_media_content).into_iter().map(plain).collect();
            let v = PlainMediaContentList { media_content_list: items };
            run.case(&e, format!("random #{i}"), &v, Bytes::Exact);
        }
    }
    run.finish();
}

/// An older `fp.Wrap` without the plain field `p`.
#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct WrapV0 {
    #[fory(id = 2)]
    q: Option<Pt>,
}

/// `fp.Wrap` with `p` nullable (`Option<Pt>`).
#[derive(ForyStruct, Debug, Clone, PartialEq, Default)]
struct WrapOpt {
    #[fory(id = 1)]
    p: Option<Pt>,
    #[fory(id = 2)]
    q: Option<Pt>,
}

/// Compatible mode: a writer without the plain field `p`, or with `p` nullable, against readers
/// (the crate's plain-`Pt` mirror and foryjit) whose `p` is plain: a missing `p` is `Pt`'s
/// default on both sides; a present one is read whatever its flag.
#[test]
fn compatible_evolution_plain_struct_field() {
    let e = fp_env(CrateMode::Compatible);
    let v0_jit = ForyJit::builder().string_policy(StringPolicy::Utf8).build();
    v0_jit
        .load_idl(
            "package fp; message Pt [id=401] { int32 x = 1; int32 y = 2; }\n\
                   message Wrap [id=402] { optional Pt q = 2; }",
        )
        .expect("v0 schema");
    let mut v0 = crate_compatible();
    v0.register::<Pt>(401).expect("register Pt");
    v0.register::<WrapV0>(402).expect("register WrapV0");
    let mut opt = crate_compatible();
    opt.register::<Pt>(401).expect("register Pt");
    opt.register::<WrapOpt>(402).expect("register WrapOpt");

    for q in [None, Some(Pt { x: -1, y: 1 << 20 })] {
        let w0 = WrapV0 { q: q.clone() };
        let want = Wrap { p: Pt::default(), q: q.clone() };
        let q_json = q.as_ref().map_or(Json::Null, Mirror::json);
        let crate_bytes = v0.serialize(&w0).expect("crate writes v0");
        let jit_bytes = jit_write(&v0_jit, "fp.Wrap", serde_json::json!({"q": q_json}));
        assert_eq!(hex(&jit_bytes), hex(&crate_bytes), "v0 bytes");
        for bytes in [&crate_bytes, &jit_bytes] {
            let theirs: Wrap = e.fory.deserialize(bytes).expect("crate reads v0 into Wrap");
            assert_eq!(theirs, want, "crate, {}", hex(bytes));
            assert_eq!(jit_read(&e.jit, "fp.Wrap", bytes), want.json(), "foryjit, {}", hex(bytes));
        }
        // `p` written nullable and present: read as is.
        let wo = WrapOpt { p: Some(Pt { x: 5, y: -5 }), q: q.clone() };
        let bytes = opt.serialize(&wo).expect("crate writes WrapOpt");
        let want = Wrap { p: Pt { x: 5, y: -5 }, q: q.clone() };
        let theirs: Wrap = e.fory.deserialize(&bytes).expect("crate reads WrapOpt into Wrap");
        assert_eq!(theirs, want);
        assert_eq!(jit_read(&e.jit, "fp.Wrap", &bytes), want.json());
        // `p` written nullable and null: `Pt`'s default on both sides (as for a missing field).
        let bytes = opt.serialize(&WrapOpt { p: None, q: q.clone() }).expect("crate writes");
        let want = Wrap { p: Pt::default(), q: q.clone() };
        let theirs: Wrap = e.fory.deserialize(&bytes).expect("crate reads a null into Pt");
        assert_eq!(theirs, want);
        assert_eq!(jit_read(&e.jit, "fp.Wrap", &bytes), want.json());
    }
}
