//! The standard shapes, side by side in one run: foryjit (interpreter tier) against the `fory`
//! crate's derive, in same-schema mode (`compatible(false)`) and compatible mode
//! (`compatible(true)`).
//!
//! Per shape and op the benchmark ids are `<Shape>/<op>/<system>`, op `ser` (serialize into a
//! reused `Vec<u8>`) or `de` (deserialize into an owned value: a `foryjit::Value` tree, or the
//! derived struct), system `foryjit`, `fory_derive` (compatible=false) or `fory_compat`
//! (compatible=true). `scripts/bench.sh` turns criterion's estimates into a table.
//!
//! Before anything is timed, every shape is checked: foryjit decodes the fory crate's
//! compatible=false bytes to exactly the value built from the shape's JSON, the fory crate decodes
//! foryjit's bytes to exactly the struct built from the same JSON, and the compatible-mode bytes
//! round-trip through the fory crate.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use fory::{Fory, Serializer};
use foryjit::{ForyJit, Tier, Value};
use foryjit_benches::{
    fory_derive, parse_json, FromJson, MediaContent, MediaContentList, NumericStruct,
    NumericStructList, Sample, SampleList, PACKAGE, SHAPES, SHAPES_FDL,
};
use std::fmt::Debug;
use std::time::Duration;

struct Systems {
    /// foryjit, interpreter tier.
    jit: ForyJit,
    /// foryjit, every type compiled at registration.
    compiled: ForyJit,
    derive: Fory,
    compat: Fory,
}

fn shape_json(name: &str) -> serde_json::Value {
    let (_, text) = SHAPES.iter().find(|(n, _)| *n == name).expect("known shape");
    parse_json(text)
}

/// Checks that every system encodes and decodes the same data, then times one shape.
fn bench_shape<T>(c: &mut Criterion, sys: &Systems, name: &str)
where
    T: FromJson + Serializer<Target = T> + PartialEq + Debug,
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

    eprintln!(
        "check {name}: ok; bytes foryjit {} / fory derive {} ({}) / fory compat {}",
        ours.len(),
        theirs.len(),
        if ours == theirs { "identical" } else { "DIFFERENT" },
        theirs_compat.len(),
    );

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
    group.bench_function(BenchmarkId::new("de", "foryjit"), |b| {
        b.iter(|| -> Value { sys.jit.deserialize(black_box(&ours)).unwrap() })
    });
    group.bench_function(BenchmarkId::new("de", "fory_derive"), |b| {
        b.iter(|| -> T { sys.derive.deserialize(black_box(&theirs)).unwrap() })
    });
    group.bench_function(BenchmarkId::new("de", "fory_compat"), |b| {
        b.iter(|| -> T { sys.compat.deserialize(black_box(&theirs_compat)).unwrap() })
    });

    group.finish();
}

fn shapes(c: &mut Criterion) {
    let jit = ForyJit::builder().tier(Tier::Interpreter).build();
    jit.load_idl(SHAPES_FDL).expect("shapes FDL loads");
    let compiled = ForyJit::builder().tier(Tier::Compiled).build();
    compiled.load_idl(SHAPES_FDL).expect("shapes FDL compiles");
    let sys = Systems { jit, compiled, derive: fory_derive(false), compat: fory_derive(true) };

    bench_shape::<NumericStruct>(c, &sys, "NumericStruct");
    bench_shape::<Sample>(c, &sys, "Sample");
    bench_shape::<MediaContent>(c, &sys, "MediaContent");
    bench_shape::<NumericStructList>(c, &sys, "NumericStructList");
    bench_shape::<SampleList>(c, &sys, "SampleList");
    bench_shape::<MediaContentList>(c, &sys, "MediaContentList");
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
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
