//! Thread scaling: throughput of one shared `ForyJit` against one engine per thread (and the
//! `fory` crate's derive, one instance per thread) at 1..N threads, serialize and deserialize,
//! NumericStruct and MediaContent, compiled tier, same-schema and compatible mode.
//!
//! Each cell runs every thread for a fixed wall time (`FORYJIT_SCALING_MS`, default 300 ms
//! after a warm-up) and reports million operations per second and the speed-up over one
//! thread. Thread counts: 1, 2, 4, ... up to the machine's cores (`FORYJIT_SCALING_THREADS`
//! overrides, e.g. `1,2,16`). Run with `cargo bench -p foryjit-benches --bench scaling`;
//! it prints a markdown table.

use fory::Fory;
use foryjit::{ForyJit, Tier, Value};
use foryjit_benches::{
    fory_derive, parse_json, shapes_schema, FromJson, MediaContent, NumericStruct, PACKAGE, SHAPES,
};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

fn engine(compatible: bool) -> ForyJit {
    let fory = ForyJit::builder().tier(Tier::Compiled).compatible(compatible).build();
    fory.register_schema(shapes_schema()).expect("shapes schema");
    fory
}

fn shape_value(fory: &ForyJit, shape: &str) -> Value {
    let (_, text) = SHAPES.iter().find(|(n, _)| *n == shape).expect("known shape");
    let ty = fory.type_handle(&format!("{PACKAGE}.{shape}")).expect("registered");
    fory.from_json(ty, &parse_json(text)).expect("shape value")
}

/// Runs `work` (one operation per call) on `threads` threads for `for_time`; operations per
/// second over all threads.
fn throughput<S: Send>(
    threads: usize,
    for_time: Duration,
    state: impl Fn(usize) -> S + Sync,
    work: impl Fn(&mut S) + Sync,
) -> f64 {
    let stop = AtomicBool::new(false);
    let total = AtomicU64::new(0);
    let barrier = Barrier::new(threads + 1);
    let elapsed = std::thread::scope(|scope| {
        for t in 0..threads {
            let (stop, total, barrier, state, work) = (&stop, &total, &barrier, &state, &work);
            scope.spawn(move || {
                let mut s = state(t);
                // Warm-up: caches, allocator, branch predictors.
                for _ in 0..1000 {
                    work(&mut s);
                }
                barrier.wait();
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    for _ in 0..64 {
                        work(&mut s);
                    }
                    n += 64;
                }
                total.fetch_add(n, Ordering::Relaxed);
            });
        }
        barrier.wait();
        let start = Instant::now();
        std::thread::sleep(for_time);
        stop.store(true, Ordering::Relaxed);
        start.elapsed()
    });
    total.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64()
}

fn thread_counts() -> Vec<usize> {
    if let Ok(s) = std::env::var("FORYJIT_SCALING_THREADS") {
        let v: Vec<usize> = s.split(',').filter_map(|x| x.trim().parse().ok()).collect();
        if !v.is_empty() {
            return v;
        }
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut v = vec![];
    let mut n = 1;
    while n < cores {
        v.push(n);
        n *= 2;
    }
    v.push(cores);
    v
}

enum Who {
    Shared,
    PerThread,
    Derive,
}

fn main() {
    // `cargo bench` passes `--bench`; a test harness run (`cargo test --benches`) passes
    // nothing we need, so only run the measurement when asked to bench.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let for_time = Duration::from_millis(
        std::env::var("FORYJIT_SCALING_MS").ok().and_then(|s| s.parse().ok()).unwrap_or(300),
    );
    let counts = thread_counts();
    println!(
        "| shape | mode | op | system | {} |",
        counts.iter().map(|n| format!("{n} thr")).collect::<Vec<_>>().join(" | ")
    );
    println!("|---|---|---|---|{}", "---:|".repeat(counts.len()));
    for shape in ["NumericStruct", "MediaContent"] {
        for compatible in [false, true] {
            let shared = engine(compatible);
            let value = shape_value(&shared, shape);
            let bytes = shared.serialize(&value).expect("serialize");
            let derive_bytes = |f: &Fory| -> Vec<u8> {
                let (_, text) = SHAPES.iter().find(|(n, _)| *n == shape).expect("known shape");
                let json = parse_json(text);
                match shape {
                    "NumericStruct" => f.serialize(&NumericStruct::from_json(&json)),
                    _ => f.serialize(&MediaContent::from_json(&json)),
                }
                .expect("derive serialize")
            };
            for op in ["ser", "de"] {
                for (who, label) in [
                    (Who::Shared, "foryjit, one shared engine"),
                    (Who::PerThread, "foryjit, engine per thread"),
                    (Who::Derive, "fory derive, per thread"),
                ] {
                    let mut cells = Vec::new();
                    let mut base = 0.0;
                    for &n in &counts {
                        let ops = match who {
                            Who::Shared | Who::PerThread => {
                                let per_thread: Vec<ForyJit> = match who {
                                    Who::PerThread => (0..n).map(|_| engine(compatible)).collect(),
                                    _ => Vec::new(),
                                };
                                let pick = |t: usize| per_thread.get(t).unwrap_or(&shared);
                                if op == "ser" {
                                    throughput(
                                        n,
                                        for_time,
                                        |t| (pick(t), Vec::with_capacity(bytes.len())),
                                        |(f, buf)| {
                                            f.serialize_into(black_box(&value), buf).expect("ser");
                                            black_box(&buf);
                                        },
                                    )
                                } else {
                                    throughput(n, for_time, pick, |f| {
                                        black_box(f.deserialize(black_box(&bytes)).expect("de"));
                                    })
                                }
                            }
                            Who::Derive => {
                                let (_, text) =
                                    SHAPES.iter().find(|(n, _)| *n == shape).expect("shape");
                                let json = parse_json(text);
                                let mc = (shape == "MediaContent")
                                    .then(|| MediaContent::from_json(&json));
                                let ns = mc.is_none().then(|| NumericStruct::from_json(&json));
                                let probe = fory_derive(compatible);
                                let dbytes = derive_bytes(&probe);
                                throughput(
                                    n,
                                    for_time,
                                    |_| (fory_derive(compatible), Vec::with_capacity(dbytes.len())),
                                    |(f, buf)| match (op, &mc, &ns) {
                                        ("ser", Some(m), _) => {
                                            buf.clear();
                                            f.serialize_to(buf, black_box(m)).expect("ser");
                                        }
                                        ("ser", _, Some(n)) => {
                                            buf.clear();
                                            f.serialize_to(buf, black_box(n)).expect("ser");
                                        }
                                        ("ser", None, None) => unreachable!("one shape value"),
                                        (_, Some(_), _) => {
                                            let v: MediaContent =
                                                f.deserialize(black_box(&dbytes)).expect("de");
                                            black_box(v);
                                        }
                                        (_, None, _) => {
                                            let v: NumericStruct =
                                                f.deserialize(black_box(&dbytes)).expect("de");
                                            black_box(v);
                                        }
                                    },
                                )
                            }
                        };
                        if n == counts[0] {
                            base = ops / n as f64;
                        }
                        cells.push(format!("{:.2} M ({:.2}x)", ops / 1e6, ops / base));
                    }
                    let mode = if compatible { "compatible" } else { "same-schema" };
                    println!("| {shape} | {mode} | {op} | {label} | {} |", cells.join(" | "));
                }
            }
        }
    }
}
