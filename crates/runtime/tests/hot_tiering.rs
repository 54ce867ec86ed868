//! Hotness-driven tiering: a type is compiled once it has served enough root calls or bytes,
//! together with every message reachable from it; exactly one caller queues that compile; call
//! and byte counters are exact; a panicking compile leaves the interpreter serving.
#![cfg(feature = "jit")] // the compiled tier against the interpreter

use foryjit::{ForyJit, ForyJitBuilder, Tier, TierState, TypeStats, Value};
use std::sync::{Arc, Barrier};
use std::time::Duration;

// Outer reaches Mid through a list and Leaf through a map inside Mid; Other is unrelated.
const FDL: &str = "package h;
enum Color [id=9] { RED = 0; BLUE = 4; }
message Leaf [id=4] { int64 v = 1; }
message Mid [id=3] { string s = 1; map<string, Leaf> leaves = 2; }
message Outer [id=1] { int32 x = 1; list<Mid> mids = 2; Color c = 3; optional string n = 4; }
message Other [id=2] { int32 a = 1; }";

const WAIT: Duration = Duration::from_secs(60);

fn auto() -> ForyJitBuilder {
    ForyJit::builder().tier(Tier::Auto).verifier(false)
}

fn engine(b: ForyJitBuilder) -> ForyJit {
    let fory = b.build();
    fory.load_idl(FDL).unwrap();
    fory
}

fn outer(fory: &ForyJit, i: i64) -> Value {
    let ty = fory.type_handle("h.Outer").unwrap();
    fory.from_json(
        ty,
        &serde_json::json!({
            "x": i as i32, "c": "BLUE", "n": if i % 2 == 0 { None } else { Some(format!("n{i}")) },
            "mids": [{"s": "a", "leaves": {"k": {"v": i}}}, {"s": "", "leaves": {}}],
        }),
    )
    .unwrap()
}

fn mid(fory: &ForyJit, i: i64) -> Value {
    let ty = fory.type_handle("h.Mid").unwrap();
    fory.from_json(ty, &serde_json::json!({"s": "m", "leaves": {"x": {"v": i}}})).unwrap()
}

fn stats(fory: &ForyJit, name: &str) -> TypeStats {
    fory.type_stats(fory.type_handle(name).unwrap()).unwrap()
}

fn tier(fory: &ForyJit, name: &str) -> TierState {
    stats(fory, name).tier
}

#[test]
fn a_type_compiles_after_n_calls_with_everything_it_reaches() {
    const N: u64 = 10;
    let reference = engine(ForyJit::builder().tier(Tier::Interpreter));
    let fory = engine(auto().compile_threshold_calls(N).compile_threshold_bytes(u64::MAX));
    let mut bytes_seen = 0u64;
    for i in 0..N - 1 {
        // Alternate serialize and deserialize: both count.
        let v = outer(&reference, i as i64);
        let expect = reference.serialize(&v).unwrap();
        if i % 2 == 0 {
            assert_eq!(fory.serialize(&v).unwrap(), expect);
        } else {
            assert!(fory.deserialize(&expect).unwrap().bit_eq(&v));
        }
        bytes_seen += expect.len() as u64;
        assert!(fory.wait_for_compiles(WAIT));
        let s = stats(&fory, "h.Outer");
        assert_eq!(s.tier, TierState::Interpreted, "after {} calls: {s:?}", i + 1);
        assert_eq!((s.calls, s.bytes), (i + 1, bytes_seen));
    }
    assert_eq!(fory.compile_counters(), (0, 0), "nothing compiles before the threshold");
    // Nested values are not roots: Mid and Leaf have not been called.
    assert_eq!((stats(&fory, "h.Mid").calls, stats(&fory, "h.Leaf").calls), (0, 0));

    let v = outer(&reference, 99);
    let expect = reference.serialize(&v).unwrap();
    assert_eq!(fory.serialize(&v).unwrap(), expect);
    let s = stats(&fory, "h.Outer");
    assert!(matches!(s.tier, TierState::Queued | TierState::Compiled), "{s:?}");
    assert!(fory.wait_for_compiles(WAIT));
    for name in ["h.Outer", "h.Mid", "h.Leaf"] {
        let s = stats(&fory, name);
        assert_eq!(s.tier, TierState::Compiled, "{s:?}");
        assert!(s.code_bytes.unwrap_or(0) > 0 && s.compile_micros.is_some(), "{s:?}");
    }
    assert_eq!(tier(&fory, "h.Other"), TierState::Interpreted, "unreachable types stay cold");
    assert_eq!(fory.compile_counters(), (1, 3), "one job compiling Outer, Mid and Leaf");
    let s = stats(&fory, "h.Outer");
    assert_eq!((s.calls, s.bytes), (N, bytes_seen + expect.len() as u64));

    // Compiled code gives the interpreter's bytes and values, and calls keep being counted.
    for i in 0..20 {
        let v = outer(&reference, i);
        let expect = reference.serialize(&v).unwrap();
        assert_eq!(fory.serialize(&v).unwrap(), expect);
        assert!(fory.deserialize(&expect).unwrap().bit_eq(&v));
    }
    assert_eq!(stats(&fory, "h.Outer").calls, N + 40);
    assert_eq!(fory.compile_counters(), (1, 3), "a compiled type is never queued again");
}

#[test]
fn children_compiled_earlier_are_not_compiled_again() {
    let fory = engine(auto().compile_threshold_calls(5).compile_threshold_bytes(u64::MAX));
    for i in 0..5 {
        fory.serialize(&mid(&fory, i)).unwrap();
    }
    assert!(fory.wait_for_compiles(WAIT));
    assert_eq!(fory.compile_counters(), (1, 2), "Mid and Leaf");
    assert_eq!(tier(&fory, "h.Mid"), TierState::Compiled);
    assert_eq!(tier(&fory, "h.Leaf"), TierState::Compiled);
    assert_eq!(tier(&fory, "h.Outer"), TierState::Interpreted);
    for i in 0..5 {
        fory.serialize(&outer(&fory, i)).unwrap();
    }
    assert!(fory.wait_for_compiles(WAIT));
    assert_eq!(fory.compile_counters(), (2, 3), "only Outer is compiled the second time");
    assert_eq!(tier(&fory, "h.Outer"), TierState::Compiled);
}

#[test]
fn the_byte_threshold_tiers_up_large_payloads_early() {
    let probe = engine(ForyJit::builder().tier(Tier::Interpreter));
    let len = probe.serialize(&outer(&probe, 1)).unwrap().len() as u64;
    let fory = engine(auto().compile_threshold_calls(u64::MAX).compile_threshold_bytes(3 * len));
    for _ in 0..2 {
        fory.serialize(&outer(&fory, 1)).unwrap();
    }
    assert!(fory.wait_for_compiles(WAIT));
    assert_eq!(tier(&fory, "h.Outer"), TierState::Interpreted);
    fory.serialize(&outer(&fory, 1)).unwrap();
    assert!(fory.wait_for_compiles(WAIT));
    let s = stats(&fory, "h.Outer");
    assert_eq!(s.tier, TierState::Compiled, "{s:?}");
    assert_eq!((s.calls, s.bytes), (3, 3 * len));
}

#[test]
fn threshold_zero_compiles_at_registration() {
    for b in [auto().compile_threshold_calls(0), auto().compile_threshold_bytes(0)] {
        let fory = engine(b);
        assert!(fory.wait_for_compiles(WAIT));
        for name in ["h.Outer", "h.Mid", "h.Leaf", "h.Other"] {
            assert_eq!(tier(&fory, name), TierState::Compiled, "{name}");
        }
        assert_eq!(fory.compile_counters(), (1, 4));
        // Crossing the (zero) threshold later queues nothing more.
        fory.serialize(&outer(&fory, 3)).unwrap();
        assert!(fory.wait_for_compiles(WAIT));
        assert_eq!(fory.compile_counters(), (1, 4));
    }
}

#[test]
fn failed_calls_and_non_struct_roots_do_not_count() {
    let fory = engine(auto());
    let ty = fory.type_handle("h.Outer").unwrap();
    let bytes = fory.serialize(&outer(&fory, 5)).unwrap();
    assert!(fory.deserialize(&bytes[..bytes.len() - 1]).is_err());
    let mut wrong = outer(&fory, 5);
    assert!(fory.set_unchecked(&mut wrong, "x", Value::string("not an int")));
    assert!(fory.serialize(&wrong).is_err());
    if let Ok(list) = fory.serialize(&Value::list(vec![outer(&fory, 1)])) {
        // A list root counts towards nobody, whatever it holds.
        assert!(fory.deserialize(&list).is_ok());
    }
    let s = fory.type_stats(ty).unwrap();
    assert_eq!((s.calls, s.bytes), (1, bytes.len() as u64), "{s:?}");
}

#[test]
fn exactly_one_caller_queues_under_a_race() {
    const THREADS: usize = 8;
    const PER_THREAD: u64 = 64;
    for round in 0..20 {
        // The threshold sits in the middle of the burst, so all threads are racing across it.
        let fory = Arc::new(engine(
            auto().compile_threshold_calls(THREADS as u64 * PER_THREAD / 2).compile_threads(2),
        ));
        let value = outer(&fory, 7);
        let expect = fory.serialize(&value).unwrap();
        let barrier = Arc::new(Barrier::new(THREADS));
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (fory, value, expect, barrier) =
                    (fory.clone(), value.clone(), expect.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    let mut buf = Vec::new();
                    for k in 0..PER_THREAD {
                        if (k + t as u64).is_multiple_of(2) {
                            fory.serialize_into(&value, &mut buf).unwrap();
                            assert_eq!(buf, expect, "round {round} thread {t} call {k}");
                        } else {
                            assert!(fory.deserialize(&expect).unwrap().bit_eq(&value));
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert!(fory.wait_for_compiles(WAIT));
        assert_eq!(fory.compile_counters(), (1, 3), "round {round}");
        let s = stats(&fory, "h.Outer");
        assert_eq!(s.tier, TierState::Compiled, "round {round}: {s:?}");
        assert_eq!(s.calls, 1 + THREADS as u64 * PER_THREAD, "round {round}");
        assert_eq!(s.bytes, s.calls * expect.len() as u64, "round {round}");
    }
}

#[test]
fn a_panicking_compile_leaves_the_interpreter_serving() {
    let reference = engine(ForyJit::builder().tier(Tier::Interpreter));
    // One compile thread: the thread that caught the panic must be the one compiling later.
    let fory = engine(
        auto().compile_threshold_calls(0).compile_threads(1).inject_compile_panic_for("h.Mid"),
    );
    assert!(fory.wait_for_compiles(WAIT));
    let s = stats(&fory, "h.Mid");
    assert_eq!(s.tier, TierState::Failed, "{s:?}");
    let why = s.refusal.unwrap_or_default();
    assert!(why.contains("panicked") && why.contains("injected compile panic"), "{why}");
    for name in ["h.Outer", "h.Leaf", "h.Other"] {
        assert_eq!(tier(&fory, name), TierState::Compiled, "{name}");
    }
    // Compiled Outer calls interpreted Mid through its slot; bytes and values are unchanged.
    for i in 0..20 {
        for v in [outer(&reference, i), mid(&reference, i)] {
            let expect = reference.serialize(&v).unwrap();
            assert_eq!(fory.serialize(&v).unwrap(), expect);
            assert!(fory.deserialize(&expect).unwrap().bit_eq(&v));
            let cut = &expect[..expect.len() / 2];
            assert_eq!(fory.deserialize(cut), reference.deserialize(cut));
        }
    }
    // The pool thread survived: a later registration still compiles.
    fory.load_idl("package h2; message Late [id=50] { int32 a = 1; }").unwrap();
    assert!(fory.wait_for_compiles(WAIT));
    assert_eq!(tier(&fory, "h2.Late"), TierState::Compiled);

    // A JIT-only engine reports the panic as a registration error.
    let strict = ForyJit::builder().tier(Tier::Compiled).inject_compile_panic_for("h.Mid").build();
    match strict.load_idl(FDL) {
        Err(foryjit::Error::Compile { type_name, reason }) => {
            assert_eq!(type_name, "h.Mid");
            assert!(reason.contains("injected compile panic"), "{reason}");
        }
        other => panic!("expected a compile error, got {other:?}"),
    }
}
