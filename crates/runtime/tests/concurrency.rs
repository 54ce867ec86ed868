//! One engine shared by many threads while its catalog changes: 8 threads serialize and
//! deserialize registered types (checking every byte and value against an interpreter-only
//! engine) while another thread registers new schemas and calls them until they are hot, so
//! that compiled code is installed under the workers' feet. Nothing may differ, fail or stall,
//! and the published call counts add up exactly once the threads are gone.

use foryjit::{ForyJit, Tier, TierState, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const FDL: &str = "package c;
message Leaf [id=1] { int32 v = 1; string s = 2; }
message Outer [id=2] { int64 x = 1; Leaf leaf = 2; list<Leaf> leaves = 3; map<string, int32> m = 4; }";

const WORKERS: usize = 8;
const CALLS_PER_WORKER: u64 = 600;
const LATE_SCHEMAS: u32 = 40;

fn outer(fory: &ForyJit, i: i64) -> Value {
    let ty = fory.type_handle("c.Outer").unwrap();
    let json = serde_json::json!({
        "x": i * 1_000_003,
        "leaf": {"v": i as i32, "s": format!("leaf {i}")},
        "leaves": (0..(i % 4)).map(|k| serde_json::json!({"v": k, "s": "é".repeat(k as usize)})).collect::<Vec<_>>(),
        "m": {"a": i as i32, "b": -1},
    });
    fory.from_json(ty, &json).unwrap()
}

fn late_fdl(k: u32) -> String {
    format!("package late{k}; message T{k} [id={}] {{ int32 a = 1; string b = 2; }}", 100 + k)
}

fn run(builder: foryjit::ForyJitBuilder, compatible: bool) {
    let reference = ForyJit::builder().tier(Tier::Interpreter).compatible(compatible).build();
    reference.load_idl(FDL).unwrap();
    let fory = Arc::new(builder.compatible(compatible).build());
    fory.load_idl(FDL).unwrap();
    let cases: Arc<Vec<(Value, Vec<u8>)>> = Arc::new(
        (0..16)
            .map(|i| {
                let v = outer(&reference, i);
                let bytes = reference.serialize(&v).unwrap();
                (v, bytes)
            })
            .collect(),
    );
    let barrier = Arc::new(Barrier::new(WORKERS + 1));
    let done = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let workers: Vec<_> = (0..WORKERS)
        .map(|t| {
            let (fory, cases, barrier) = (fory.clone(), cases.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let mut buf = Vec::new();
                for k in 0..CALLS_PER_WORKER {
                    let (v, expect) = &cases[(k as usize + t) % cases.len()];
                    if (k + t as u64).is_multiple_of(2) {
                        fory.serialize_into(v, &mut buf).unwrap();
                        assert_eq!(&buf, expect, "thread {t} call {k}");
                    } else {
                        let back = fory.deserialize(expect).unwrap();
                        assert!(back.bit_eq(v), "thread {t} call {k}");
                    }
                }
            })
        })
        .collect();
    // Registrations (and, for hot types, compiles) while the workers run.
    let registrar = {
        let (fory, barrier, done) = (fory.clone(), barrier.clone(), done.clone());
        std::thread::spawn(move || {
            barrier.wait();
            for k in 0..LATE_SCHEMAS {
                let schema = fory.load_idl(&late_fdl(k)).unwrap();
                let ty = schema.get(&format!("late{k}.T{k}")).unwrap();
                let v = fory.from_json(ty, &serde_json::json!({"a": k, "b": "late"})).unwrap();
                for _ in 0..20 {
                    let bytes = fory.serialize(&v).unwrap();
                    assert!(fory.deserialize(&bytes).unwrap().bit_eq(&v));
                }
            }
            done.store(true, Ordering::Release);
        })
    };
    for w in workers {
        w.join().unwrap();
    }
    registrar.join().unwrap();
    assert!(done.load(Ordering::Acquire));
    assert!(start.elapsed() < Duration::from_secs(120), "stalled: {:?}", start.elapsed());
    assert!(fory.wait_for_compiles(Duration::from_secs(60)));

    // Every thread published its counts when it exited.
    let outer_ty = fory.type_handle("c.Outer").unwrap();
    let s = fory.type_stats(outer_ty).unwrap();
    assert_eq!(s.calls, WORKERS as u64 * CALLS_PER_WORKER, "{s:?}");
    for k in 0..LATE_SCHEMAS {
        let ty = fory.type_handle(&format!("late{k}.T{k}")).unwrap();
        let s = fory.type_stats(ty).unwrap();
        assert_eq!(s.calls, 40, "{s:?}");
    }
    // And after all that, bytes and values are still the interpreter's.
    for (v, expect) in cases.iter() {
        assert_eq!(&fory.serialize(v).unwrap(), expect);
        assert!(fory.deserialize(expect).unwrap().bit_eq(v));
    }
    if fory.tier() != Tier::Interpreter {
        assert_eq!(fory.type_stats(outer_ty).unwrap().tier, TierState::Compiled);
    }
}

#[cfg(feature = "jit")]
fn tiered() -> foryjit::ForyJitBuilder {
    // Hot after 20 calls: the workers cross the threshold at once, so compiled code is
    // installed while they call; each late type is hot after 20 of its 40 calls.
    ForyJit::builder()
        .tier(Tier::Auto)
        .compile_threshold_calls(20)
        .compile_threshold_bytes(u64::MAX)
        .compile_threads(2)
}

#[test]
#[cfg(feature = "jit")] // the tiers against each other
fn tiered_engine_under_concurrent_calls_and_registrations_same_schema() {
    run(tiered(), false);
}

#[test]
#[cfg(feature = "jit")] // the tiers against each other
fn tiered_engine_under_concurrent_calls_and_registrations_compatible() {
    run(tiered(), true);
}

#[test]
#[cfg(feature = "jit")] // the tiers against each other
fn compiled_engine_under_concurrent_calls_and_registrations() {
    run(ForyJit::builder().tier(Tier::Compiled), true);
}

#[test]
fn interpreter_under_concurrent_calls_and_registrations() {
    run(ForyJit::builder().tier(Tier::Interpreter), false);
}

#[test]
fn counts_survive_switching_between_many_engines_on_one_thread() {
    // More engines than a thread keeps counts for at once: evicted counts are published.
    let engines: Vec<ForyJit> = (0..12)
        .map(|_| {
            let f = ForyJit::builder()
                .tier(Tier::Auto)
                .compile_threshold_calls(1_000_000)
                .compile_threshold_bytes(u64::MAX)
                .build();
            f.load_idl(FDL).unwrap();
            f
        })
        .collect();
    for round in 0..50 {
        for f in &engines {
            f.serialize(&outer(f, round)).unwrap();
        }
    }
    for f in &engines {
        let s = f.type_stats(f.type_handle("c.Outer").unwrap()).unwrap();
        assert_eq!(s.calls, 50, "{s:?}");
    }
}
