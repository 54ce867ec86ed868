//! The standard shapes, side by side in one run: foryjit (compiled and interpreter tiers), the
//! `fory` crate's derive in same-schema mode (`compatible(false)`) and compatible mode
//! (`compatible(true)`), and six peers: prost (derived structs), rmp-serde (derived structs,
//! struct-map encoding), apache-avro `Value`, prost-reflect `DynamicMessage`, `serde_json::Value`
//! and `rmpv::Value`.
//!
//! Per shape and op the benchmark ids are `<Shape>/<op>/<system>`, op `ser` (serialize into a
//! reused `Vec<u8>`) or `de` (deserialize into an owned value: a `foryjit::Value` tree, a derived
//! struct, or the peer's dynamic value), system `foryjit_jit` (compiled), `foryjit` (interpreter),
//! `fory_derive`, `fory_compat`, `prost`, `rmp_serde`, `avro_value`, `prost_reflect`, `json_value`
//! or `rmpv_value`. `scripts/bench.sh` turns criterion's estimates into a table.
//!
//! Before anything is timed, every shape is checked: foryjit writes exactly the fory crate's
//! bytes in both modes (the derive's `MediaContent` holds a plain `Media`, and foryjit's schema
//! says so: `shapes_schema`), foryjit decodes the fory crate's compatible=false bytes to exactly
//! the value built from the shape's JSON, the fory crate decodes foryjit's bytes to exactly the
//! struct built from the same JSON, the compatible-mode bytes round-trip through the fory crate,
//! both foryjit tiers write the same bytes, and every peer's bytes decode to the data built from
//! the same JSON (see `check_peers`).

use apache_avro::reader::datum::GenericDatumReader;
use apache_avro::writer::datum::GenericDatumWriter;
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use fory::{Fory, Serializer};
use foryjit::{ForyJit, Tier, Value};
use foryjit_benches::peers::{
    avro_shapes, msgpack_named, prost_shapes as pb, reflect_shapes, rmpv_value, serde_from_json,
    serde_shapes as sd,
};
use foryjit_benches::{
    fory_derive, parse_json, shapes_schema, FromJson, MediaContent, MediaContentList,
    NumericStruct, NumericStructList, Sample, SampleList, PACKAGE, SHAPES,
};
use prost::Message;
use prost_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor, ReflectMessage};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;
use std::time::Duration;

struct Systems {
    /// foryjit, interpreter tier.
    jit: ForyJit,
    /// foryjit, every type compiled at registration.
    compiled: ForyJit,
    /// foryjit compiled, compatible mode (TypeDefs on the wire), next to `fory_compat`.
    compiled_compat: ForyJit,
    derive: Fory,
    compat: Fory,
    /// prost-reflect: the shapes' proto3 descriptors.
    pool: DescriptorPool,
}

fn shape_json(name: &str) -> serde_json::Value {
    let (_, text) = SHAPES.iter().find(|(n, _)| *n == name).expect("known shape");
    parse_json(text)
}

/// Field-by-field equality of two dynamic messages, reading unset proto3 fields as their
/// defaults (a decoded message leaves default-valued fields unset; one built from JSON sets them).
fn same_message(a: &DynamicMessage, b: &DynamicMessage) -> bool {
    fn same(x: &prost_reflect::Value, y: &prost_reflect::Value) -> bool {
        use prost_reflect::Value as V;
        match (x, y) {
            (V::Message(x), V::Message(y)) => same_message(x, y),
            (V::List(x), V::List(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
            }
            _ => x == y,
        }
    }
    a.descriptor() == b.descriptor()
        && a.descriptor()
            .fields()
            .all(|f| a.has_field(&f) == b.has_field(&f) && same(&a.get_field(&f), &b.get_field(&f)))
}

/// The peers' values of one shape, each built from the shape JSON, with their encodings.
struct Peers<'s, S, P> {
    record: S,
    msgpack: Vec<u8>,
    prost: P,
    prost_bytes: Vec<u8>,
    avro: apache_avro::types::Value,
    avro_bytes: Vec<u8>,
    avro_writer: GenericDatumWriter<'s>,
    avro_reader: GenericDatumReader<'s>,
    reflect: DynamicMessage,
    reflect_desc: MessageDescriptor,
    reflect_bytes: Vec<u8>,
    json: serde_json::Value,
    json_bytes: Vec<u8>,
    rmpv: rmpv::Value,
    rmpv_bytes: Vec<u8>,
}

/// Builds every peer's value of shape `name` from `json` and checks (not timed) that each one's
/// bytes decode back to the same data: its own round trip, and a typed cross-check against the
/// serde struct or the prost struct built from the same JSON.
fn check_peers<'s, S, P>(
    name: &str,
    json: &serde_json::Value,
    pool: &DescriptorPool,
    avro_schema: &'s apache_avro::Schema,
) -> Peers<'s, S, P>
where
    S: Serialize + DeserializeOwned + PartialEq + Debug,
    P: Message + Default + PartialEq + for<'a> From<&'a S>,
{
    let record: S = serde_from_json(name, json);

    // rmp-serde, struct-map encoding.
    let msgpack = msgpack_named(&record);
    let back: S = rmp_serde::from_slice(&msgpack).expect("rmp-serde round trip");
    assert_eq!(back, record, "{name}: rmp-serde round trip differs");

    // prost.
    let prost = P::from(&record);
    let prost_bytes = prost.encode_to_vec();
    let back = P::decode(prost_bytes.as_slice()).expect("prost round trip");
    assert!(back == prost, "{name}: prost round trip differs");

    // prost-reflect: the same bytes as prost, read back to the same message.
    let reflect_desc = reflect_shapes::message(pool, name);
    let reflect = reflect_shapes::message_from_json(&reflect_desc, json);
    let reflect_bytes = reflect.encode_to_vec();
    assert_eq!(reflect_bytes, prost_bytes, "{name}: prost-reflect and prost bytes differ");
    let back = DynamicMessage::decode(reflect_desc.clone(), reflect_bytes.as_slice())
        .expect("prost-reflect round trip");
    assert!(same_message(&back, &reflect), "{name}: prost-reflect round trip differs");
    let typed = P::decode(reflect_bytes.as_slice()).expect("prost reads prost-reflect bytes");
    assert!(typed == prost, "{name}: prost-reflect bytes hold other data");

    // apache-avro Value: a datum (no container header), written with a writer built once.
    let avro = avro_shapes::value_from_json(avro_schema, json);
    let avro_writer = GenericDatumWriter::builder(avro_schema).build().expect("avro writer");
    let avro_reader = GenericDatumReader::builder(avro_schema).build().expect("avro reader");
    let mut avro_bytes = Vec::new();
    avro_writer.write_value_ref(&mut avro_bytes, &avro).expect("avro write");
    let back = avro_reader.read_value(&mut avro_bytes.as_slice()).expect("avro round trip");
    assert_eq!(back, avro, "{name}: avro round trip differs");
    let typed: S = apache_avro::from_value(&back).expect("avro Value to the serde struct");
    assert_eq!(typed, record, "{name}: avro bytes hold other data");

    // serde_json::Value: the shape JSON itself.
    let json_bytes = serde_json::to_vec(json).expect("serde_json write");
    let back: serde_json::Value = serde_json::from_slice(&json_bytes).expect("serde_json read");
    assert_eq!(&back, json, "{name}: serde_json round trip differs");
    assert_eq!(serde_from_json::<S>(name, &back), record, "{name}: serde_json data differs");

    // rmpv::Value: byte-identical to rmp-serde's struct-map encoding.
    let rmpv = rmpv_value(&record);
    let mut rmpv_bytes = Vec::new();
    rmpv::encode::write_value(&mut rmpv_bytes, &rmpv).expect("rmpv write");
    assert_eq!(rmpv_bytes, msgpack, "{name}: rmpv and rmp-serde bytes differ");
    let back = rmpv::decode::read_value(&mut rmpv_bytes.as_slice()).expect("rmpv round trip");
    assert_eq!(back, rmpv, "{name}: rmpv round trip differs");
    let typed: S = rmp_serde::from_slice(&rmpv_bytes).expect("rmp-serde reads rmpv bytes");
    assert_eq!(typed, record, "{name}: rmpv bytes hold other data");

    eprintln!(
        "check {name} peers: ok; bytes prost/prost-reflect {} / rmp-serde/rmpv {} / avro {} / \
         json {}",
        prost_bytes.len(),
        msgpack.len(),
        avro_bytes.len(),
        json_bytes.len(),
    );
    Peers {
        record,
        msgpack,
        prost,
        prost_bytes,
        avro,
        avro_bytes,
        avro_writer,
        avro_reader,
        reflect,
        reflect_desc,
        reflect_bytes,
        json: json.clone(),
        json_bytes,
        rmpv,
        rmpv_bytes,
    }
}

/// Checks that every system encodes and decodes the same data, then times one shape.
fn bench_shape<T, S, P>(c: &mut Criterion, sys: &Systems, name: &str)
where
    T: FromJson + Serializer<Target = T> + PartialEq + Debug,
    S: Serialize + DeserializeOwned + PartialEq + Debug,
    P: Message + Default + PartialEq + for<'a> From<&'a S>,
{
    let json = shape_json(name);
    let ty = sys
        .jit
        .type_handle(&format!("{PACKAGE}.{name}"))
        .unwrap_or_else(|| panic!("{PACKAGE}.{name} is registered"));
    let value: Value = sys.jit.from_json(ty, &json).expect("foryjit from_json");
    let record: T = T::from_json(&json);

    // ---- fairness checks (not timed) ----
    let ours = sys.jit.serialize(&value).expect("foryjit serialize");
    let theirs = sys.derive.serialize(&record).expect("fory derive serialize");
    let theirs_compat = sys.compat.serialize(&record).expect("fory compat serialize");

    // foryjit reads the fory crate's compatible=false bytes back to the same data.
    let decoded = sys
        .jit
        .deserialize(&theirs)
        .unwrap_or_else(|e| panic!("{name}: foryjit cannot read fory-derive bytes: {e}"));
    assert_eq!(decoded, value, "{name}: foryjit decodes fory-derive bytes to other data");
    let decoded_json = sys.jit.to_json(ty, &decoded).expect("foryjit to_json");
    assert_eq!(decoded_json, json, "{name}: decoded fory-derive bytes differ from the shape JSON");

    // The fory crate reads foryjit's bytes back to the same struct.
    let back: T = sys
        .derive
        .deserialize(&ours)
        .unwrap_or_else(|e| panic!("{name}: fory derive cannot read foryjit bytes: {e}"));
    assert_eq!(back, record, "{name}: fory derive decodes foryjit bytes to other data");

    // Both own round trips, and the compatible-mode round trip.
    assert_eq!(sys.jit.deserialize(&ours).expect("foryjit round trip"), value);
    assert_eq!(sys.derive.deserialize::<T>(&theirs).expect("derive round trip"), record);
    assert_eq!(sys.compat.deserialize::<T>(&theirs_compat).expect("compat round trip"), record);

    // Byte-identical to the derive in same-schema mode (plain `Media` field: no flag byte).
    assert!(
        ours == theirs,
        "{name}: foryjit's bytes differ from fory derive's (plain struct fields must be \
         non-nullable in shapes_schema)\n  foryjit {ours:02x?}\n  derive  {theirs:02x?}"
    );

    let avro_schema = avro_shapes::schema(name);
    let peers: Peers<S, P> = check_peers(name, &json, &sys.pool, &avro_schema);

    // ---- timing ----
    let mut group = c.benchmark_group(name);

    let mut buf = Vec::new();
    assert_eq!(
        sys.compiled.serialize(&value).expect("compiled serialize"),
        ours,
        "{name}: tiers differ"
    );
    assert_eq!(sys.compiled.deserialize(&ours).expect("compiled deserialize"), value);
    group.bench_function(BenchmarkId::new("ser", "foryjit_jit"), |b| {
        b.iter(|| {
            sys.compiled.serialize_into(black_box(&value), &mut buf).unwrap();
            black_box(buf.len())
        })
    });
    // Compatible mode: foryjit reads the crate's compatible bytes to the same value, the crate
    // reads foryjit's, and foryjit reads its own.
    let ours_compat = sys.compiled_compat.serialize(&value).expect("compat serialize");
    let from_crate = sys
        .compiled_compat
        .deserialize(&theirs_compat)
        .unwrap_or_else(|e| panic!("{name}: foryjit cannot read fory compat bytes: {e}"));
    assert_eq!(from_crate, value, "{name}: foryjit decodes fory compat bytes to other data");
    let back: T = sys
        .compat
        .deserialize(&ours_compat)
        .unwrap_or_else(|e| panic!("{name}: fory compat cannot read foryjit compat bytes: {e}"));
    assert_eq!(back, record, "{name}: fory compat decodes foryjit compat bytes to other data");
    assert_eq!(sys.compiled_compat.deserialize(&ours_compat).expect("compat round trip"), value);
    // Byte-identical to the derive in compatible mode too (TypeDefs, nullable bits).
    assert!(
        ours_compat == theirs_compat,
        "{name}: foryjit's compatible bytes differ from fory compat's\n  foryjit {ours_compat:02x?}\n  \
         compat  {theirs_compat:02x?}"
    );
    eprintln!(
        "check {name}: ok; bytes identical to the fory derive's: {} same-schema, {} compatible",
        ours.len(),
        ours_compat.len(),
    );
    group.bench_function(BenchmarkId::new("ser", "foryjit_jit_compat"), |b| {
        b.iter(|| {
            sys.compiled_compat.serialize_into(black_box(&value), &mut buf).unwrap();
            black_box(buf.len())
        })
    });
    group.bench_function(BenchmarkId::new("ser", "foryjit"), |b| {
        b.iter(|| {
            sys.jit.serialize_into(black_box(&value), &mut buf).unwrap();
            black_box(buf.len())
        })
    });
    let mut buf = Vec::new();
    group.bench_function(BenchmarkId::new("ser", "fory_derive"), |b| {
        b.iter(|| {
            buf.clear();
            sys.derive.serialize_to(&mut buf, black_box(&record)).unwrap();
            black_box(buf.len())
        })
    });
    let mut buf = Vec::new();
    group.bench_function(BenchmarkId::new("ser", "fory_compat"), |b| {
        b.iter(|| {
            buf.clear();
            sys.compat.serialize_to(&mut buf, black_box(&record)).unwrap();
            black_box(buf.len())
        })
    });

    group.bench_function(BenchmarkId::new("de", "foryjit_jit"), |b| {
        b.iter(|| -> Value { sys.compiled.deserialize(black_box(&ours)).unwrap() })
    });
    group.bench_function(BenchmarkId::new("de", "foryjit_jit_compat"), |b| {
        b.iter(|| -> Value { sys.compiled_compat.deserialize(black_box(&ours_compat)).unwrap() })
    });
    group.bench_function(BenchmarkId::new("de", "foryjit"), |b| {
        b.iter(|| -> Value { sys.jit.deserialize(black_box(&ours)).unwrap() })
    });
    group.bench_function(BenchmarkId::new("de", "fory_derive"), |b| {
        b.iter(|| -> T { sys.derive.deserialize(black_box(&theirs)).unwrap() })
    });
    group.bench_function(BenchmarkId::new("de", "fory_compat"), |b| {
        b.iter(|| -> T { sys.compat.deserialize(black_box(&theirs_compat)).unwrap() })
    });

    // ---- peers ----
    let p = &peers;
    let mut buf = Vec::new();
    group.bench_function(BenchmarkId::new("ser", "prost"), |b| {
        b.iter(|| {
            buf.clear();
            black_box(&p.prost).encode(&mut buf).unwrap();
            black_box(buf.len())
        })
    });
    group.bench_function(BenchmarkId::new("ser", "rmp_serde"), |b| {
        b.iter(|| {
            buf.clear();
            rmp_serde::encode::write_named(&mut buf, black_box(&p.record)).unwrap();
            black_box(buf.len())
        })
    });
    group.bench_function(BenchmarkId::new("ser", "avro_value"), |b| {
        b.iter(|| {
            buf.clear();
            p.avro_writer.write_value_ref(&mut buf, black_box(&p.avro)).unwrap();
            black_box(buf.len())
        })
    });
    group.bench_function(BenchmarkId::new("ser", "prost_reflect"), |b| {
        b.iter(|| {
            buf.clear();
            black_box(&p.reflect).encode(&mut buf).unwrap();
            black_box(buf.len())
        })
    });
    group.bench_function(BenchmarkId::new("ser", "json_value"), |b| {
        b.iter(|| {
            buf.clear();
            serde_json::to_writer(&mut buf, black_box(&p.json)).unwrap();
            black_box(buf.len())
        })
    });
    group.bench_function(BenchmarkId::new("ser", "rmpv_value"), |b| {
        b.iter(|| {
            buf.clear();
            rmpv::encode::write_value(&mut buf, black_box(&p.rmpv)).unwrap();
            black_box(buf.len())
        })
    });

    group.bench_function(BenchmarkId::new("de", "prost"), |b| {
        b.iter(|| -> P { P::decode(black_box(p.prost_bytes.as_slice())).unwrap() })
    });
    group.bench_function(BenchmarkId::new("de", "rmp_serde"), |b| {
        b.iter(|| -> S { rmp_serde::from_slice(black_box(&p.msgpack)).unwrap() })
    });
    group.bench_function(BenchmarkId::new("de", "avro_value"), |b| {
        b.iter(|| p.avro_reader.read_value(&mut black_box(p.avro_bytes.as_slice())).unwrap())
    });
    group.bench_function(BenchmarkId::new("de", "prost_reflect"), |b| {
        b.iter(|| {
            DynamicMessage::decode(p.reflect_desc.clone(), black_box(p.reflect_bytes.as_slice()))
                .unwrap()
        })
    });
    group.bench_function(BenchmarkId::new("de", "json_value"), |b| {
        b.iter(|| -> serde_json::Value {
            serde_json::from_slice(black_box(&p.json_bytes)).unwrap()
        })
    });
    group.bench_function(BenchmarkId::new("de", "rmpv_value"), |b| {
        b.iter(|| rmpv::decode::read_value(&mut black_box(p.rmpv_bytes.as_slice())).unwrap())
    });

    group.finish();
}

fn shapes(c: &mut Criterion) {
    // Same-schema mode, against the crate's compatible=false; the compatible-mode engine is
    // compared with the crate's compatible=true.
    let jit = ForyJit::builder().tier(Tier::Interpreter).compatible(false).build();
    jit.register_schema(shapes_schema()).expect("shapes schema loads");
    let compiled = ForyJit::builder().tier(Tier::Compiled).compatible(false).build();
    compiled.register_schema(shapes_schema()).expect("shapes schema compiles");
    let compiled_compat = ForyJit::builder().tier(Tier::Compiled).compatible(true).build();
    compiled_compat.register_schema(shapes_schema()).expect("shapes schema compiles");
    let sys = Systems {
        jit,
        compiled,
        compiled_compat,
        derive: fory_derive(false),
        compat: fory_derive(true),
        pool: reflect_shapes::pool(),
    };

    bench_shape::<NumericStruct, sd::NumericStruct, pb::NumericStruct>(c, &sys, "NumericStruct");
    bench_shape::<Sample, sd::Sample, pb::Sample>(c, &sys, "Sample");
    bench_shape::<MediaContent, sd::MediaContent, pb::MediaContent>(c, &sys, "MediaContent");
    bench_shape::<NumericStructList, sd::NumericStructList, pb::NumericStructList>(
        c,
        &sys,
        "NumericStructList",
    );
    bench_shape::<SampleList, sd::SampleList, pb::SampleList>(c, &sys, "SampleList");
    bench_shape::<MediaContentList, sd::MediaContentList, pb::MediaContentList>(
        c,
        &sys,
        "MediaContentList",
    );
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(750))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
        .without_plots()
}

criterion_group! {
    name = benches;
    config = config();
    targets = shapes
}
criterion_main!(benches);
