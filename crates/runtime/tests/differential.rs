//! The compiled tier and the interpreter are one semantics: on generated schemas (every field
//! kind, nullability, nesting, 1–1000 fields) and generated values — valid ones, values that do
//! not match the schema, truncated and bit-flipped bytes — both give the same bytes, the same
//! decoded values (floats bit for bit) and the same errors (kind, field path, byte offset).
//!
//! Seeds: a fixed one always runs; `FORYJIT_SEED` adds another. The seed is printed on failure.
#![cfg(feature = "jit")] // the compiled tier against the interpreter

use foryjit::{bf16, f16, ForyJit, StringPolicy, StructValue, Tier, TierState, Value};
use foryjit::{FieldDesc, FieldType, IntEncoding, MessageDesc, SchemaDesc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[derive(Clone, Copy, Debug)]
enum Kind {
    Bool,
    I8,
    I16,
    I32,
    FI32,
    I64,
    FI64,
    TI64,
    U8,
    U16,
    U32,
    FU32,
    U64,
    FU64,
    TU64,
    F16,
    BF16,
    F32,
    F64,
    Str,
    Bytes,
    ArrI32,
    ListI64,
    ListStr,
    MapStrI32,
    Enum,
    DenseEnum,
    Inner,
    ListInner,
    Dec,
    Uni,
    ListUni,
    MapUni,
}

const KINDS: [Kind; 33] = [
    Kind::Bool,
    Kind::I8,
    Kind::I16,
    Kind::I32,
    Kind::FI32,
    Kind::I64,
    Kind::FI64,
    Kind::TI64,
    Kind::U8,
    Kind::U16,
    Kind::U32,
    Kind::FU32,
    Kind::U64,
    Kind::FU64,
    Kind::TU64,
    Kind::F16,
    Kind::BF16,
    Kind::F32,
    Kind::F64,
    Kind::Str,
    Kind::Bytes,
    Kind::ArrI32,
    Kind::ListI64,
    Kind::ListStr,
    Kind::MapStrI32,
    Kind::Enum,
    Kind::DenseEnum,
    Kind::Inner,
    Kind::ListInner,
    Kind::Dec,
    Kind::Uni,
    Kind::ListUni,
    Kind::MapUni,
];

fn fdl_type(k: Kind) -> &'static str {
    match k {
        Kind::Bool => "bool",
        Kind::I8 => "int8",
        Kind::I16 => "int16",
        Kind::I32 => "int32",
        Kind::FI32 => "fixed int32",
        Kind::I64 => "int64",
        Kind::FI64 => "fixed int64",
        Kind::TI64 => "tagged int64",
        Kind::U8 => "uint8",
        Kind::U16 => "uint16",
        Kind::U32 => "uint32",
        Kind::FU32 => "fixed uint32",
        Kind::U64 => "uint64",
        Kind::FU64 => "fixed uint64",
        Kind::TU64 => "tagged uint64",
        Kind::F16 => "float16",
        Kind::BF16 => "bfloat16",
        Kind::F32 => "float32",
        Kind::F64 => "float64",
        Kind::Str => "string",
        Kind::Bytes => "bytes",
        Kind::ArrI32 => "array<int32>",
        Kind::ListI64 => "list<int64>",
        Kind::ListStr => "list<string>",
        Kind::MapStrI32 => "map<string, int32>",
        Kind::Enum => "E",
        Kind::DenseEnum => "F",
        Kind::Inner => "Inner",
        Kind::ListInner => "list<Inner>",
        Kind::Dec => "decimal",
        Kind::Uni => "U",
        Kind::ListUni => "list<U>",
        Kind::MapUni => "map<string, U>",
    }
}

struct Schema {
    fdl: String,
    fields: Vec<(Kind, bool)>,
}

fn gen_schema(rng: &mut StdRng, n: usize) -> Schema {
    let mut fdl = String::from(
        "package d;\nenum E [id=2] { A = 0; B = 7; C = 3; }\n\
         enum F [id=5] { X = 0; Y = 1; Z = 2; }\n\
         message Inner [id=3] { int32 a = 1; optional string s = 2; fixed int64 f = 3; }\n\
         union U [id=4] { string s = 0; int64 n = 1; Inner inner = 2; list<int32> li = 3; }\n\
         message M [id=1] {\n",
    );
    let mut fields = Vec::with_capacity(n);
    for i in 0..n {
        let k = KINDS[rng.random_range(0..KINDS.len())];
        // Union fields carry no null flag (as the peers write them). FDL makes every message
        // field nullable; half of them are named `p<i>`, which `engines` makes plain.
        let (nullable, name) = match k {
            Kind::Inner if rng.random_bool(0.5) => (false, 'p'),
            Kind::Inner => (true, 'f'),
            Kind::Uni => (false, 'f'),
            _ => (rng.random_bool(0.25), 'f'),
        };
        let opt = if nullable && !matches!(k, Kind::Inner) { "optional " } else { "" };
        fdl.push_str(&format!("  {opt}{} {name}{i} = {};\n", fdl_type(k), i + 1));
        fields.push((k, nullable));
    }
    fdl.push_str("}\n");
    Schema { fdl, fields }
}

/// Another version of `schema`'s message `d.M` (compatible-mode evolution): about a third of
/// the fields removed, the rest in reverse declaration order, two fields added.
fn evolve(rng: &mut StdRng, schema: &Schema) -> String {
    let mut lines: Vec<&str> = schema.fdl.lines().collect();
    let start = lines.iter().position(|l| l.starts_with("message M")).map_or(0, |i| i + 1);
    let end = lines.len().saturating_sub(1).max(start);
    // Union fields stay: a union field the reader drops is skipped as a self-describing value,
    // which a collection case is not (pyfory declares its element types).
    let mut fields: Vec<&str> = lines
        .drain(start..end)
        .filter(|l| {
            l.contains(" U ") || l.contains("<U>") || l.contains(", U>") || !rng.random_bool(0.33)
        })
        .collect();
    fields.reverse();
    let n = schema.fields.len();
    let mut out: Vec<String> = lines[..start].iter().map(|l| l.to_string()).collect();
    out.extend(fields.iter().map(|l| l.to_string()));
    out.push(format!("  int32 added_a = {};", n + 1));
    out.push(format!("  optional string added_b = {};", n + 2));
    // plain (see `engines`): the reader fills in the struct of Inner's defaults
    out.push(format!("  Inner p_added = {};", n + 3));
    out.push("}".into());
    out.join("\n")
}

fn pick<T: Copy>(rng: &mut StdRng, edges: &[T], random: impl FnOnce(&mut StdRng) -> T) -> T {
    if rng.random_bool(0.5) {
        edges[rng.random_range(0..edges.len())]
    } else {
        random(rng)
    }
}

fn gen_string(rng: &mut StdRng) -> String {
    const POOL: [&str; 6] = ["", "a", "café", "中文", "a😀", "hello world, a longer string"];
    POOL[rng.random_range(0..POOL.len())].repeat(rng.random_range(0..3))
}

fn gen_value(rng: &mut StdRng, fory: &ForyJit, k: Kind) -> Value {
    match k {
        Kind::Bool => Value::Bool(rng.random()),
        Kind::I8 => Value::Int8(pick(rng, &[i8::MIN, -1, 0, i8::MAX], |r| r.random())),
        Kind::I16 => Value::Int16(pick(rng, &[i16::MIN, -1, 0, i16::MAX], |r| r.random())),
        // Random values take a random bit width, so that every varint length (1–5 bytes, 1–9
        // for 64-bit) is common; the edges sit on each side of every length boundary.
        Kind::I32 | Kind::FI32 => Value::Int32(pick(
            rng,
            &[
                i32::MIN,
                -1,
                0,
                63,
                64,
                -64,
                -65,
                8191,
                8192,
                -8193,
                1_048_575,
                1_048_576,
                134_217_727,
                134_217_728,
                -134_217_729,
                i32::MAX,
            ],
            |r| r.random::<i32>() >> r.random_range(0..32),
        )),
        Kind::I64 | Kind::FI64 | Kind::TI64 => Value::Int64(pick(
            rng,
            &[i64::MIN, -1, 0, 1 << 30, -(1 << 30) - 1, 1 << 55, (1 << 55) - 1, 1 << 56, i64::MAX],
            |r| r.random::<i64>() >> r.random_range(0..64),
        )),
        Kind::U8 => Value::UInt8(rng.random()),
        Kind::U16 => Value::UInt16(rng.random()),
        Kind::U32 | Kind::FU32 => Value::UInt32(pick(
            rng,
            &[
                0,
                127,
                128,
                16_383,
                16_384,
                2_097_151,
                2_097_152,
                268_435_455,
                268_435_456,
                u32::MAX,
            ],
            |r| r.random::<u32>() >> r.random_range(0..32),
        )),
        Kind::U64 | Kind::FU64 | Kind::TU64 => Value::UInt64(pick(
            rng,
            &[0, (1 << 31) - 1, 1 << 31, (1 << 56) - 1, 1 << 56, 1 << 63, u64::MAX],
            |r| r.random::<u64>() >> r.random_range(0..64),
        )),
        Kind::F16 => Value::Float16(f16::from_bits(rng.random())),
        Kind::BF16 => Value::BFloat16(bf16::from_bits(rng.random())),
        Kind::F32 => Value::Float32(f32::from_bits(rng.random())),
        Kind::F64 => Value::Float64(f64::from_bits(rng.random())),
        Kind::Str => Value::string(gen_string(rng)),
        Kind::Bytes => Value::Binary((0..rng.random_range(0..20)).map(|_| rng.random()).collect()),
        Kind::ArrI32 => {
            Value::Int32Array((0..rng.random_range(0..6)).map(|_| rng.random()).collect())
        }
        Kind::ListI64 => {
            Value::list((0..rng.random_range(0..6)).map(|_| Value::Int64(rng.random())).collect())
        }
        Kind::ListStr => Value::list(
            (0..rng.random_range(0..4)).map(|_| Value::string(gen_string(rng))).collect(),
        ),
        Kind::MapStrI32 => Value::map(
            (0..rng.random_range(0..4))
                .map(|i| (Value::string(format!("k{i}")), Value::Int32(rng.random())))
                .collect(),
        ),
        Kind::Enum => {
            let ty = fory.type_handle("d.E").map(|h| h.index()).unwrap_or(foryjit::TypeIdx(0));
            let value = [0u32, 7, 3][rng.random_range(0..3)];
            Value::Enum(foryjit::EnumValue { ty, value })
        }
        Kind::DenseEnum => {
            let ty = fory.type_handle("d.F").map(|h| h.index()).unwrap_or(foryjit::TypeIdx(0));
            Value::Enum(foryjit::EnumValue { ty, value: rng.random_range(0..3) })
        }
        Kind::Inner => {
            let ty = fory.type_handle("d.Inner").map(|h| h.index()).unwrap_or(foryjit::TypeIdx(0));
            let s = if rng.random() { Value::string(gen_string(rng)) } else { Value::Null };
            Value::Struct(StructValue::new(
                ty,
                vec![Value::Int32(rng.random()), s, Value::Int64(rng.random())],
            ))
        }
        Kind::ListInner => Value::list(
            (0..rng.random_range(0..4)).map(|_| gen_value(rng, fory, Kind::Inner)).collect(),
        ),
        Kind::Dec => {
            let unscaled = if rng.random() { rng.random::<i64>() as i128 } else { rng.random() };
            Value::Decimal(foryjit::Decimal::from_i128(unscaled, rng.random_range(-20..20)))
        }
        Kind::Uni => {
            let ty = fory.type_handle("d.U").map(|h| h.index()).unwrap_or(foryjit::TypeIdx(0));
            let (case, value) = match rng.random_range(0..5) {
                0 => (0, Value::string(gen_string(rng))),
                1 => (1, Value::Int64(rng.random())),
                2 => (2, gen_value(rng, fory, Kind::Inner)),
                // A collection case may hold null (`<case> fd`).
                3 => (3, Value::Null),
                _ => (
                    3,
                    Value::list(
                        (0..rng.random_range(0..4)).map(|_| Value::Int32(rng.random())).collect(),
                    ),
                ),
            };
            Value::Union(Box::new(foryjit::UnionValue { ty, case, value }))
        }
        // Union elements and map values are declared (list header `0c`, chunk header `24`).
        Kind::ListUni => Value::list(
            (0..rng.random_range(0..4)).map(|_| gen_value(rng, fory, Kind::Uni)).collect(),
        ),
        Kind::MapUni => Value::map(
            (0..rng.random_range(0..4))
                .map(|i| (Value::string(format!("k{i}")), gen_value(rng, fory, Kind::Uni)))
                .collect(),
        ),
    }
}

fn gen_struct(rng: &mut StdRng, fory: &ForyJit, schema: &Schema) -> Value {
    let ty = fory.type_handle("d.M").map(|h| h.index()).unwrap_or(foryjit::TypeIdx(0));
    let fields =
        schema
            .fields
            .iter()
            .map(|&(k, nullable)| {
                if nullable && rng.random_bool(0.3) {
                    Value::Null
                } else {
                    gen_value(rng, fory, k)
                }
            })
            .collect();
    Value::Struct(StructValue::new(ty, fields))
}

/// A value that does not match the schema in one random way, at the top or (half of the time,
/// when there is one) inside a nested struct, so that errors also come out of compiled code
/// that a compiled parent called.
fn corrupt(rng: &mut StdRng, v: &Value) -> Value {
    let mut v = v.clone();
    let Value::Struct(s) = &mut v else { return v };
    let n = s.fields.len();
    let nested: Vec<usize> = (0..n).filter(|&i| matches!(s.fields[i], Value::Struct(_))).collect();
    if !nested.is_empty() && rng.random_bool(0.5) {
        let i = nested[rng.random_range(0..nested.len())];
        s.fields[i] = corrupt(rng, &s.fields[i]);
        return v;
    }
    // an element of a list of structs: corrupted, null, or of another kind
    let lists: Vec<usize> = (0..n)
        .filter(|&i| matches!(&s.fields[i], Value::List(l) if matches!(l.first(), Some(Value::Struct(_)))))
        .collect();
    if !lists.is_empty() && rng.random_bool(0.4) {
        let i = lists[rng.random_range(0..lists.len())];
        if let Value::List(items) = &mut s.fields[i] {
            let k = rng.random_range(0..items.len());
            items[k] = match rng.random_range(0..3) {
                0 => corrupt(rng, &items[k]),
                1 => Value::Null,
                _ => Value::Int32(5),
            };
        }
        return v;
    }
    let unions: Vec<usize> = (0..n).filter(|&i| matches!(s.fields[i], Value::Union(_))).collect();
    if !unions.is_empty() && rng.random_bool(0.2) {
        // a null in a case that cannot hold one, or a case the union does not declare
        let i = unions[rng.random_range(0..unions.len())];
        if let Value::Union(u) = &mut s.fields[i] {
            match rng.random_range(0..3) {
                0 => (u.case, u.value) = (rng.random_range(0..3), Value::Null),
                1 => u.case = 9,
                _ => u.value = Value::list(vec![Value::Int32(1), Value::Null]),
            }
        }
        return v;
    }
    let enums: Vec<usize> = (0..n).filter(|&i| matches!(s.fields[i], Value::Enum(_))).collect();
    if !enums.is_empty() && rng.random_bool(0.2) {
        // a value no member has
        let i = enums[rng.random_range(0..enums.len())];
        if let Value::Enum(e) = &mut s.fields[i] {
            e.value = [3, 200, u32::MAX][rng.random_range(0..3)];
        }
        return v;
    }
    match rng.random_range(0..4) {
        0 => {
            let i = rng.random_range(0..n);
            s.fields[i] = Value::string("wrong kind");
        }
        1 => {
            let i = rng.random_range(0..n);
            s.fields[i] = Value::Null;
        }
        2 => {
            let i = rng.random_range(0..n);
            s.fields[i] = Value::Bool(true);
        }
        _ => s.fields.push(Value::Int32(1)),
    }
    v
}

/// `fdl` as a descriptor in which the message fields of `d.M` named `p...` are non-nullable
/// (plain `T` struct fields, which FDL cannot say).
fn plain_fields(fdl: &str) -> SchemaDesc {
    let mut desc = SchemaDesc::from_idl(fdl).unwrap_or_else(|e| panic!("{e}\n{fdl}"));
    for t in &mut desc.types {
        if let foryjit::schema::TypeDesc::Message(m) = t {
            if m.full_name == "d.M" {
                m.fields.iter_mut().filter(|f| f.name.starts_with('p')).for_each(|f| {
                    f.nullable = false;
                });
            }
        }
    }
    desc
}

/// An interpreter-only and a JIT-only engine in the same mode. TypeDef limits are raised so
/// that schemas of thousands of fields (past the peers' 512 fields / 4 KiB) run in compatible
/// mode too. Message fields of `d.M` named `p...` are plain (see [`plain_fields`]).
fn engines(fdl: &str, compatible: bool) -> (ForyJit, ForyJit) {
    let limits = foryjit::CodecLimits {
        max_type_fields: 1 << 16,
        max_type_meta_bytes: 1 << 22,
        ..Default::default()
    };
    let make = |tier| {
        let f = ForyJit::builder()
            .tier(tier)
            .compatible(compatible)
            .limits(limits)
            .string_policy(StringPolicy::PyforyLike)
            .build();
        f.register_schema(plain_fields(fdl)).unwrap_or_else(|e| panic!("{e}\n{fdl}"));
        f
    };
    let (i, j) = (make(Tier::Interpreter), make(Tier::Compiled));
    let m = j.type_handle("d.M").and_then(|h| j.type_stats(h)).map(|s| s.tier);
    let stats = j.type_handle("d.M").and_then(|h| j.type_stats(h));
    assert_eq!(m, Some(TierState::Compiled), "d.M not compiled: {stats:?}\n{fdl}");
    (i, j)
}

fn same_result(a: &Result<Value, foryjit::Error>, b: &Result<Value, foryjit::Error>) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => x.bit_eq(y),
        (Err(x), Err(y)) => x == y,
        _ => false,
    }
}

fn run_seed(seed: u64, schemas: usize, values: usize, sizes: &[usize]) -> usize {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut cases = 0;
    for s in 0..schemas {
        let n = sizes[s % sizes.len()].max(1);
        let n = rng.random_range(1..=n);
        let schema = gen_schema(&mut rng, n);
        // Alternate the modes: same-schema and compatible programs differ (hash vs TypeDef).
        let (interp, jit) = engines(&schema.fdl, s % 2 == 1);
        let ctx =
            |what: &str| format!("seed {seed:#x}, schema {s} ({n} fields): {what}\n{}", schema.fdl);
        // Compatible mode: readers with another version of `d.M` (compiled remote readers in
        // the JIT engine) must agree with the interpreter too.
        let evolved = (s % 2 == 1).then(|| {
            let fdl = evolve(&mut rng, &schema);
            (engines(&fdl, true), fdl)
        });
        for _ in 0..values {
            let v = gen_struct(&mut rng, &jit, &schema);
            let (a, b) = (interp.serialize(&v), jit.serialize(&v));
            assert_eq!(a, b, "{}", ctx("serialize"));
            let bytes = a.unwrap_or_else(|e| panic!("{}: {e}", ctx("valid value failed")));
            let (x, y) = (interp.deserialize(&bytes), jit.deserialize(&bytes));
            assert!(same_result(&x, &y), "{}: {x:?} vs {y:?}", ctx("deserialize"));
            assert!(x.as_ref().is_ok_and(|d| d.bit_eq(&v)), "{}", ctx("round trip"));
            if let Some(((ei, ej), fdl)) = &evolved {
                let what = |w: &str| format!("{}\nreader version:\n{fdl}", ctx(w));
                let (x, y) = (ei.deserialize(&bytes), ej.deserialize(&bytes));
                assert!(x.is_ok(), "{}: {x:?}", what("evolved read"));
                assert!(same_result(&x, &y), "{}: {x:?} vs {y:?}", what("evolved read"));
                let cut = rng.random_range(0..bytes.len());
                let (x, y) = (ei.deserialize(&bytes[..cut]), ej.deserialize(&bytes[..cut]));
                assert!(same_result(&x, &y), "{}: {x:?} vs {y:?}", what("evolved, truncated"));
            }
            // A value that does not match the schema: the same error.
            let bad = corrupt(&mut rng, &v);
            assert_eq!(interp.serialize(&bad), jit.serialize(&bad), "{}", ctx("bad value"));
            // Truncations and byte flips: the same value or the same error.
            for _ in 0..4 {
                let cut = rng.random_range(0..bytes.len());
                let t = &bytes[..cut];
                let (x, y) = (interp.deserialize(t), jit.deserialize(t));
                assert!(
                    same_result(&x, &y),
                    "{}: {x:?} vs {y:?}",
                    ctx(&format!("truncated at {cut}"))
                );
                let mut f = bytes.clone();
                let at = rng.random_range(0..f.len());
                f[at] ^= 1 << rng.random_range(0..8);
                let (x, y) = (interp.deserialize(&f), jit.deserialize(&f));
                assert!(same_result(&x, &y), "{}: {x:?} vs {y:?}", ctx(&format!("flip at {at}")));
            }
            cases += 1;
        }
    }
    cases
}

fn extra_seed() -> Option<u64> {
    let s = std::env::var("FORYJIT_SEED").ok()?;
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

#[test]
fn compiled_equals_interpreted_on_small_and_medium_schemas() {
    let mut cases = run_seed(0xd1ff_0001, 200, 25, &[4, 12, 40, 120]);
    if let Some(seed) = extra_seed() {
        cases += run_seed(seed, 200, 25, &[4, 12, 40, 120]);
    }
    println!("differential: {cases} values (each with a bad value, 4 truncations, 4 flips)");
}

#[test]
fn compiled_equals_interpreted_on_large_schemas() {
    let cases = run_seed(0xd1ff_0002, 3, 5, &[1000]);
    println!("differential (large): {cases} values");
}

#[test]
fn limits_and_limits_errors_agree() {
    // Output limit and depth limit hit inside compiled code must report like the interpreter.
    let fdl = "package d; message M [id=1] { int64 a = 1; string s = 2; fixed int32 b = 3; }";
    for max in 0..40 {
        let limits = foryjit::CodecLimits { max_output_bytes: max, ..Default::default() };
        let make = |tier| {
            let f = ForyJit::builder().tier(tier).limits(limits).build();
            f.load_idl(fdl).unwrap();
            f
        };
        let (i, j) = (make(Tier::Interpreter), make(Tier::Compiled));
        let ty = j.type_handle("d.M").unwrap();
        let v = j
            .from_json(ty, &serde_json::json!({"a": -5_000_000_000i64, "s": "hello", "b": 7}))
            .unwrap();
        assert_eq!(i.serialize(&v), j.serialize(&v), "max_output_bytes {max}");
    }
}

#[test]
fn nested_calls_at_the_depth_limit_agree() {
    // A compiled parent calls its child's compiled code directly and bumps the shared depth
    // counter itself: chains of nested structs around the limit must succeed or fail exactly
    // where the interpreter's do (same error, offset and path), writing and reading, through
    // nullable and non-nullable struct fields and lists of structs (a list is a level too).
    // FDL makes every message field nullable; a descriptor can make one plain (`plain`, `head`:
    // no flag byte).
    let schema = || {
        let int = || FieldType::Int32(IntEncoding::Varint);
        SchemaDesc::new("d")
            .message(
                MessageDesc::with_id("d.N", 1)
                    .field(FieldDesc::new("v", 1, int()))
                    .field(FieldDesc::new("next", 2, FieldType::named("d.N")).nullable())
                    .field(FieldDesc::new("plain", 3, FieldType::named("d.M")))
                    .field(FieldDesc::new("kids", 4, FieldType::list(FieldType::named("d.N")))),
            )
            .message(
                MessageDesc::with_id("d.M", 2)
                    .field(FieldDesc::new("v", 1, int()))
                    .field(FieldDesc::new("inner", 2, FieldType::named("d.N")).nullable()),
            )
            .message(
                MessageDesc::with_id("d.W", 3)
                    .field(FieldDesc::new("head", 1, FieldType::named("d.N")))
                    .field(FieldDesc::new("tail", 2, int())),
            )
    };
    let make = |tier, max_depth| {
        let limits = foryjit::CodecLimits { max_depth, ..Default::default() };
        let f = ForyJit::builder().tier(tier).limits(limits).build();
        f.register_schema(schema()).unwrap();
        f
    };
    let deep = make(Tier::Interpreter, 100);
    let w_ty = deep.type_handle("d.W").unwrap();
    // `len` nodes below `head`, linked in turn through `next`, `plain.inner` and `kids`.
    let chain = |len: usize| {
        let mut n = serde_json::Value::Null;
        for k in (0..len).rev() {
            let below = std::mem::take(&mut n);
            let leaf = serde_json::json!({"v": 9, "next": null, "plain": {"v": 9, "inner": null}, "kids": []});
            n = match k % 3 {
                0 => {
                    serde_json::json!({"v": k, "next": below, "plain": {"v": k, "inner": null}, "kids": [leaf]})
                }
                1 => {
                    serde_json::json!({"v": k, "next": null, "plain": {"v": k, "inner": below}, "kids": []})
                }
                _ if below.is_null() => {
                    serde_json::json!({"v": k, "next": null, "plain": {"v": k, "inner": null}, "kids": []})
                }
                _ => {
                    serde_json::json!({"v": k, "next": null, "plain": {"v": k, "inner": null}, "kids": [leaf, below]})
                }
            };
        }
        deep.from_json(w_ty, &serde_json::json!({"head": n, "tail": 7}))
    };
    let mut failed = [0; 2];
    for max_depth in 1..8 {
        let (i, j) = (make(Tier::Interpreter, max_depth), make(Tier::Compiled, max_depth));
        for len in 1..8 {
            let w = chain(len).unwrap();
            let (a, b) = (i.serialize(&w), j.serialize(&w));
            assert_eq!(a, b, "serialize, max_depth {max_depth}, {len} levels");
            let bytes = deep.serialize(&w).unwrap();
            let (c, d) = (i.deserialize(&bytes), j.deserialize(&bytes));
            assert!(same_result(&c, &d), "deserialize, max_depth {max_depth}, {len} levels");
            failed[usize::from(a.is_err())] += 1;
            failed[usize::from(c.is_err())] += 1;
        }
    }
    assert!(failed[0] > 10 && failed[1] > 10, "succeeded, failed: {failed:?}");
}

#[test]
fn tiny_chunks_agree_with_the_interpreter() {
    // Every chunk boundary: programs split every 1, 2 and 3 ops, on generated schemas and
    // values, valid, truncated and mismatching; a quarter of the engines allocate registers in
    // one pass.
    let mut rng = StdRng::seed_from_u64(0xd1ff_0004);
    for case in 0..24 {
        let n = rng.random_range(1..30);
        let schema = gen_schema(&mut rng, n);
        let (interp, _) = engines(&schema.fdl, case % 2 == 0);
        let jit = ForyJit::builder()
            .tier(Tier::Compiled)
            .compatible(case % 2 == 0)
            .string_policy(StringPolicy::PyforyLike)
            .split_ops(1 + case % 3)
            .quick_regalloc(case % 4 == 1)
            .build();
        jit.register_schema(plain_fields(&schema.fdl))
            .unwrap_or_else(|e| panic!("{e}\n{}", schema.fdl));
        for _ in 0..8 {
            let v = gen_struct(&mut rng, &jit, &schema);
            let bytes = interp.serialize(&v).unwrap();
            assert_eq!(jit.serialize(&v).unwrap(), bytes, "{}", schema.fdl);
            assert!(jit.deserialize(&bytes).unwrap().bit_eq(&v), "{}", schema.fdl);
            let cut = &bytes[..bytes.len() / 2];
            assert!(same_result(&interp.deserialize(cut), &jit.deserialize(cut)), "{}", schema.fdl);
            let bad = corrupt(&mut rng, &v);
            assert_eq!(interp.serialize(&bad), jit.serialize(&bad), "{}", schema.fdl);
        }
    }
}

#[test]
fn split_functions_agree_with_the_interpreter() {
    // 2 600 fields: the writer and reader are each split into 11 chunk functions.
    let mut rng = StdRng::seed_from_u64(0xd1ff_0003);
    let schema = gen_schema(&mut rng, 2600);
    let start = std::time::Instant::now();
    let (interp, jit) = engines(&schema.fdl, true);
    let stats = jit.type_stats(jit.type_handle("d.M").unwrap()).unwrap();
    println!("2600 fields: registered and compiled in {:?}, {stats:?}", start.elapsed());
    for _ in 0..3 {
        let v = gen_struct(&mut rng, &jit, &schema);
        let bytes = interp.serialize(&v).unwrap();
        assert_eq!(jit.serialize(&v).unwrap(), bytes);
        assert!(jit.deserialize(&bytes).unwrap().bit_eq(&v));
        let cut = &bytes[..bytes.len() * 2 / 3];
        assert_eq!(interp.deserialize(cut), jit.deserialize(cut));
        let bad = corrupt(&mut rng, &v);
        assert_eq!(interp.serialize(&bad), jit.serialize(&bad));
    }
}

#[test]
fn plain_struct_fields_agree_at_every_cut() {
    // Message fields without a flag byte (plain `T` struct fields): the compiled parent calls
    // the child's code at the field's first byte. Every truncation, a null where none is
    // allowed, and a reader whose version adds a plain field (filled with the struct of its
    // defaults) must come out of both tiers the same, in both modes.
    let fdl = "package d;\n\
        message Inner [id=3] { int32 a = 1; optional string s = 2; fixed int64 f = 3; }\n\
        message M [id=1] { Inner p1 = 1; Inner f2 = 2; int32 n = 3; list<Inner> l = 4; }\n";
    let evolved = "package d;\n\
        message Inner [id=3] { int32 a = 1; optional string s = 2; fixed int64 f = 3; }\n\
        message M [id=1] { Inner f2 = 2; int32 n = 3; Inner p_added = 5; }\n";
    for compatible in [false, true] {
        let (interp, jit) = engines(fdl, compatible);
        let m = jit.type_handle("d.M").unwrap();
        let v = jit
            .from_json(
                m,
                &serde_json::json!({
                    "p1": {"a": -3, "s": "x", "f": 1}, "f2": null, "n": 300,
                    "l": [{"a": 1, "s": null, "f": -1}]
                }),
            )
            .unwrap();
        let bytes = interp.serialize(&v).unwrap();
        assert_eq!(jit.serialize(&v).unwrap(), bytes, "compatible {compatible}");
        for cut in 0..=bytes.len() {
            let (x, y) = (interp.deserialize(&bytes[..cut]), jit.deserialize(&bytes[..cut]));
            assert!(same_result(&x, &y), "compatible {compatible}, cut {cut}: {x:?} vs {y:?}");
            assert_eq!(x.is_ok(), cut == bytes.len(), "compatible {compatible}, cut {cut}");
        }
        let mut bad = v.clone();
        // `set` refuses a null in a plain field; write it directly to test the serializers.
        assert!(jit.set(&mut bad, "p1", Value::Null).is_err());
        let p1 = jit.field_ordinal(m, "p1").unwrap();
        assert!(bad.as_struct_mut().unwrap().set(p1, Value::Null));
        let (x, y) = (interp.serialize(&bad), jit.serialize(&bad));
        assert_eq!(x, y, "compatible {compatible}: null in a plain field");
        assert!(x.is_err(), "compatible {compatible}: null in a plain field is an error");
        if compatible {
            let (ei, ej) = engines(evolved, true);
            let (x, y) = (ei.deserialize(&bytes), ej.deserialize(&bytes));
            assert!(same_result(&x, &y), "evolved: {x:?} vs {y:?}");
            let got = ei.to_json(ei.type_handle("d.M").unwrap(), &x.unwrap()).unwrap();
            assert_eq!(
                got,
                serde_json::json!({"f2": null, "n": 300, "p_added": {"a": 0, "s": null, "f": 0}})
            );
        }
    }
}

#[test]
fn inline_strings_and_binary_agree_with_the_interpreter() {
    // Compiled code writes strings and binary itself when the value, the limits, the policy and
    // the room allow, and hands everything else to the interpreter: every edge of those
    // conditions must give the interpreter's bytes or error.
    let fdl = "package d; message M [id=1] { string s = 1; optional string o = 2; bytes b = 3; \
               optional bytes p = 4; int32 x = 5; array<int32> a = 6; array<bool> z = 7; \
               array<float64> d = 8; optional array<int16> h = 9; }";
    let texts = ["", "a", "hello world", "café", "中文", "a😀", &"x".repeat(200)];
    let blobs: [&[u8]; 4] = [b"", b"\x00", b"\xff\xfe binary", &[7u8; 300]];
    let mut cases = 0;
    for policy in [StringPolicy::Utf8, StringPolicy::PyforyLike] {
        for (max_string, max_binary, max_output) in [
            (usize::MAX, usize::MAX, usize::MAX),
            (0, 0, usize::MAX),
            (5, 3, usize::MAX),
            (11, 9, usize::MAX),
            (200, 300, usize::MAX),
            (usize::MAX, usize::MAX, 12),
            (usize::MAX, usize::MAX, 30),
            (usize::MAX, usize::MAX, 250),
        ] {
            let limits = foryjit::CodecLimits {
                max_string_bytes: max_string,
                max_binary_bytes: max_binary,
                max_output_bytes: max_output,
                ..Default::default()
            };
            let make = |tier, compatible| {
                let f = ForyJit::builder()
                    .tier(tier)
                    .compatible(compatible)
                    .limits(limits)
                    .string_policy(policy)
                    .build();
                f.load_idl(fdl).unwrap();
                f
            };
            for compatible in [false, true] {
                let (i, j) =
                    (make(Tier::Interpreter, compatible), make(Tier::Compiled, compatible));
                let ty = j.type_handle("d.M").unwrap();
                for (k, s) in texts.iter().enumerate() {
                    let o = if k % 3 == 0 { Value::Null } else { Value::from(texts[k / 2]) };
                    let b = blobs[k % blobs.len()];
                    let p = if k % 2 == 0 { Value::Binary(b.to_vec().into()) } else { Value::Null };
                    let mut v = j.new_struct(ty).unwrap();
                    let Value::Struct(sv) = &mut v else { unreachable!() };
                    sv.fields[0] = Value::from(*s);
                    sv.fields[1] = o;
                    sv.fields[2] = Value::Binary(blobs[(k + 1) % blobs.len()].to_vec().into());
                    sv.fields[3] = p;
                    sv.fields[4] = Value::Int32(k as i32);
                    let n = [0, 1, 3, 40, 80][k % 5];
                    sv.fields[5] = Value::Int32Array((0..n as i32).collect::<Vec<_>>().into());
                    sv.fields[6] =
                        Value::BoolArray((0..n).map(|x| x % 3 == 0).collect::<Vec<_>>().into());
                    sv.fields[7] = Value::Float64Array(vec![-0.5; n / 2].into());
                    sv.fields[8] = if k % 2 == 1 {
                        Value::Int16Array(vec![-2i16; n].into())
                    } else {
                        Value::Null
                    };
                    let what = format!("{policy:?} {limits:?} compatible={compatible} case {k}");
                    let (a, c) = (i.serialize(&v), j.serialize(&v));
                    assert_eq!(a, c, "{what}");
                    if let Ok(bytes) = &a {
                        assert!(j.deserialize(bytes).unwrap().bit_eq(&v), "{what}");
                    }
                    // The wrong kind in each field: the interpreter's error.
                    for f in [0, 1, 2, 3, 5, 6, 7, 8] {
                        let mut bad = v.clone();
                        let Value::Struct(sv) = &mut bad else { unreachable!() };
                        sv.fields[f] = Value::Int64(1);
                        assert_eq!(i.serialize(&bad), j.serialize(&bad), "{what} bad field {f}");
                    }
                    cases += 1;
                }
            }
        }
    }
    println!("inline strings and binary: {cases} values");
}

#[test]
fn inline_collections_agree_with_the_interpreter() {
    // Lists and sets of strings, binary and scalars are written whole by compiled code, or
    // taken back and handed to the interpreter: every edge must give the interpreter's result.
    let fdl = "package d; message M [id=1] { list<string> s = 1; optional list<string> o = 2; \
               list<string> t = 3; list<int32> i = 4; optional list<int64> l = 5; \
               list<float64> f = 6; list<bool> b = 7; list<optional string> n = 8; \
               list<bytes> y = 9; list<fixed int32> x = 10; }";
    let words = ["", "a", "hello", "café", "中文", "a😀", "xyzzy, a longer word"];
    let mut cases = 0;
    for policy in [StringPolicy::Utf8, StringPolicy::PyforyLike] {
        for (max_collection, max_string, max_output, max_depth) in [
            (usize::MAX, usize::MAX, usize::MAX, 50),
            (0, usize::MAX, usize::MAX, 50),
            (3, usize::MAX, usize::MAX, 50),
            (usize::MAX, 4, usize::MAX, 50),
            (usize::MAX, usize::MAX, 40, 50),
            (usize::MAX, usize::MAX, 120, 50),
            (usize::MAX, usize::MAX, usize::MAX, 1),
        ] {
            let limits = foryjit::CodecLimits {
                max_collection_len: max_collection,
                max_string_bytes: max_string,
                max_output_bytes: max_output,
                max_depth,
                ..Default::default()
            };
            let make = |tier, compatible| {
                let f = ForyJit::builder()
                    .tier(tier)
                    .compatible(compatible)
                    .limits(limits)
                    .string_policy(policy)
                    .build();
                // FDL has no sets: field `t` becomes a `set<string>` in the descriptor.
                let mut desc = SchemaDesc::from_idl(fdl).unwrap();
                for t in &mut desc.types {
                    if let foryjit::schema::TypeDesc::Message(m) = t {
                        for f in m.fields.iter_mut().filter(|f| f.name == "t") {
                            if let FieldType::List(e) = &f.ty {
                                f.ty = FieldType::Set(e.clone());
                            }
                        }
                    }
                }
                f.register_schema(desc).unwrap();
                f
            };
            for compatible in [false, true] {
                let (i, j) =
                    (make(Tier::Interpreter, compatible), make(Tier::Compiled, compatible));
                let ty = j.type_handle("d.M").unwrap();
                for k in 0..12usize {
                    let n = [0, 1, 2, 5, 30][k % 5];
                    let strs = |off: usize| -> Vec<Value> {
                        (0..n).map(|x| Value::from(words[(x + off) % words.len()])).collect()
                    };
                    let mut v = j.new_struct(ty).unwrap();
                    let Value::Struct(sv) = &mut v else { unreachable!() };
                    sv.fields[0] = Value::List(strs(k).into());
                    sv.fields[1] =
                        if k % 3 == 0 { Value::Null } else { Value::List(strs(k + 1).into()) };
                    let set: Vec<Value> = (0..n).map(|x| Value::from(format!("w{x}"))).collect();
                    sv.fields[2] = Value::Set(set.into());
                    sv.fields[3] = Value::List(
                        (0..n)
                            .map(|x| Value::Int32((x as i32 - 2) << (x % 31)))
                            .collect::<Vec<_>>()
                            .into(),
                    );
                    sv.fields[4] = if k % 2 == 0 {
                        Value::Null
                    } else {
                        Value::List(
                            (0..n)
                                .map(|x| Value::Int64(-(x as i64) << 40))
                                .collect::<Vec<_>>()
                                .into(),
                        )
                    };
                    sv.fields[5] = Value::List(
                        (0..n).map(|x| Value::Float64(x as f64 / 3.0)).collect::<Vec<_>>().into(),
                    );
                    sv.fields[6] = Value::List(
                        (0..n).map(|x| Value::Bool(x % 2 == 0)).collect::<Vec<_>>().into(),
                    );
                    // nulls in a list of optional strings: the interpreter's (a flagged list)
                    sv.fields[7] =
                        Value::List(
                            (0..n)
                                .map(|x| {
                                    if k % 4 == 1 && x == 1 {
                                        Value::Null
                                    } else {
                                        Value::from("e")
                                    }
                                })
                                .collect::<Vec<_>>()
                                .into(),
                        );
                    sv.fields[8] = Value::List(
                        (0..n)
                            .map(|x| Value::Binary(vec![x as u8; x].into()))
                            .collect::<Vec<_>>()
                            .into(),
                    );
                    sv.fields[9] = Value::List(
                        (0..n).map(|x| Value::Int32(x as i32)).collect::<Vec<_>>().into(),
                    );
                    let what = format!("{policy:?} {limits:?} compatible={compatible} case {k}");
                    let (a, c) = (i.serialize(&v), j.serialize(&v));
                    assert_eq!(a, c, "{what}");
                    if let Ok(bytes) = &a {
                        assert!(j.deserialize(bytes).unwrap().bit_eq(&v), "{what}");
                    }
                    // A wrong element (of another kind, or a null) in each list, or a wrong
                    // collection kind: the interpreter's error.
                    for f in 0..10 {
                        for bad_elem in [Value::Int64(1), Value::Null, Value::from("s")] {
                            let mut bad = v.clone();
                            let Value::Struct(sv) = &mut bad else { unreachable!() };
                            match &mut sv.fields[f] {
                                Value::List(items) | Value::Set(items) if !items.is_empty() => {
                                    let mut all = items.to_vec();
                                    let last = all.len() - 1;
                                    all[last] = bad_elem.clone();
                                    *items = all.into();
                                }
                                other => *other = Value::Int32(3),
                            }
                            assert_eq!(
                                i.serialize(&bad),
                                j.serialize(&bad),
                                "{what} bad field {f}"
                            );
                        }
                    }
                    cases += 1;
                }
            }
        }
    }
    println!("inline collections: {cases} values");
}

#[test]
fn inline_tagged_integers_agree_with_the_interpreter() {
    // TAGGED_INT64 / TAGGED_UINT64: 4 bytes below 2^30 (signed) or 2^31, else `01` + 8 bytes;
    // every boundary, as fields, nullable fields and list elements, in both modes.
    let fdl = "package d; message M [id=1] { tagged int64 a = 1; tagged uint64 b = 2; \
               optional tagged int64 c = 3; list<tagged int64> l = 4; list<tagged uint64> u = 5; }";
    let signed =
        [0i64, 1, -1, (1 << 30) - 1, 1 << 30, -(1 << 30), -(1 << 30) - 1, i64::MIN, i64::MAX];
    let unsigned = [0u64, 1, (1 << 31) - 1, 1 << 31, u64::MAX];
    for compatible in [false, true] {
        let make = |tier| {
            let f = ForyJit::builder().tier(tier).compatible(compatible).build();
            f.load_idl(fdl).unwrap();
            f
        };
        let (i, j) = (make(Tier::Interpreter), make(Tier::Compiled));
        let ty = j.type_handle("d.M").unwrap();
        for (k, &a) in signed.iter().enumerate() {
            let b = unsigned[k % unsigned.len()];
            let mut v = j.new_struct(ty).unwrap();
            let Value::Struct(sv) = &mut v else { unreachable!() };
            sv.fields[0] = Value::Int64(a);
            sv.fields[1] = Value::UInt64(b);
            sv.fields[2] = if k % 2 == 0 { Value::Null } else { Value::Int64(a) };
            sv.fields[3] =
                Value::List(signed.iter().map(|&x| Value::Int64(x)).collect::<Vec<_>>().into());
            sv.fields[4] =
                Value::List(unsigned.iter().map(|&x| Value::UInt64(x)).collect::<Vec<_>>().into());
            let (x, y) = (i.serialize(&v), j.serialize(&v));
            assert_eq!(x, y, "compatible={compatible} case {k}");
            assert!(j.deserialize(&x.unwrap()).unwrap().bit_eq(&v));
            let mut bad = v.clone();
            let Value::Struct(sv) = &mut bad else { unreachable!() };
            sv.fields[0] = Value::Int32(1);
            assert_eq!(i.serialize(&bad), j.serialize(&bad), "compatible={compatible} bad {k}");
        }
    }
}
