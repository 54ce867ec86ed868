//! Tiering: callers keep getting identical bytes while compiled code is installed under them,
//! statistics say what happened, and compiled code is freed with its engine.
#![cfg(feature = "jit")] // the compiled tier against the interpreter

use foryjit::{ForyJit, Tier, TierState, Value};
use std::sync::Arc;
use std::time::Duration;

const FDL: &str = "package t;
enum Color [id=9] { RED = 0; BLUE = 4; }
message Inner [id=2] { int32 a = 1; string s = 2; }
message Outer [id=1] {
  int32 x = 1; int64 y = 2; fixed int32 z = 3; float64 d = 4; bool b = 5; optional int32 o = 6;
  string name = 7; list<Inner> inners = 8; map<string, int64> m = 9; Color c = 10; Inner one = 11;
  array<int16> arr = 12; uint64 u = 13; tagged int64 t = 14;
}";

fn value(fory: &ForyJit, i: i64) -> Value {
    let ty = fory.type_handle("t.Outer").unwrap();
    fory.from_json(
        ty,
        &serde_json::json!({
            "x": i as i32, "y": -i * 1_000_003, "z": 7, "d": 1.5, "b": i % 2 == 0, "o": null,
            "name": format!("n{i}é"), "inners": [{"a": 1, "s": "x"}, {"a": -2, "s": ""}],
            "m": {"k": i}, "c": "BLUE", "one": {"a": 3, "s": "中"}, "arr": [1, -2, 3],
            "u": u64::MAX - i as u64, "t": i << 40
        }),
    )
    .unwrap()
}

#[test]
fn threads_see_identical_bytes_while_compiles_install() {
    let reference = ForyJit::builder().tier(Tier::Interpreter).build();
    reference.load_idl(FDL).unwrap();
    for round in 0..5 {
        let fory = Arc::new(ForyJit::builder().tier(Tier::Auto).build());
        fory.load_idl(FDL).unwrap();
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let fory = fory.clone();
                let expect: Vec<(Value, Vec<u8>)> = (0..16)
                    .map(|i| {
                        let v = value(&reference, t * 100 + i);
                        let b = reference.serialize(&v).unwrap();
                        (v, b)
                    })
                    .collect();
                std::thread::spawn(move || {
                    let mut buf = Vec::new();
                    for k in 0..400 {
                        let (v, bytes) = &expect[k % expect.len()];
                        fory.serialize_into(v, &mut buf).unwrap();
                        assert_eq!(&buf, bytes, "round {round} thread {t} call {k}");
                        let back = fory.deserialize(bytes).unwrap();
                        assert!(back.bit_eq(v), "round {round} thread {t} call {k}");
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert!(fory.wait_for_compiles(Duration::from_secs(60)));
        for name in ["t.Outer", "t.Inner"] {
            let s = fory.type_stats(fory.type_handle(name).unwrap()).unwrap();
            assert_eq!(s.tier, TierState::Compiled, "{s:?}");
            assert!(s.code_bytes.unwrap_or(0) > 0 && s.compile_micros.is_some(), "{s:?}");
        }
    }
}

#[test]
fn interpreter_only_engines_say_why_nothing_is_compiled() {
    let fory = ForyJit::builder().tier(Tier::Interpreter).build();
    fory.load_idl(FDL).unwrap();
    let s = fory.type_stats(fory.type_handle("t.Outer").unwrap()).unwrap();
    assert_eq!(s.tier, TierState::Interpreted);
    assert_eq!(s.refusal.as_deref(), Some("interpreter-only engine"));
}

fn rss_kib() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4)
}

#[test]
fn dropping_engines_frees_their_code() {
    let Some(_) = rss_kib() else { return }; // not Linux: nothing to measure
    let cycle = |i: i64| {
        let fory = ForyJit::builder().tier(Tier::Compiled).verifier(false).build();
        fory.load_idl(FDL).unwrap();
        let v = value(&fory, i);
        let bytes = fory.serialize(&v).unwrap();
        assert!(fory.deserialize(&bytes).unwrap().bit_eq(&v));
    };
    for i in 0..200 {
        cycle(i);
    }
    let before = rss_kib().unwrap_or(0);
    for i in 0..1800 {
        cycle(i);
    }
    let after = rss_kib().unwrap_or(0);
    // Two modules of at least one code page each per engine: leaking them would cost > 14 MB
    // over 1800 engines; a flat RSS stays well below the bound.
    assert!(after < before + 12 * 1024, "RSS grew from {before} KiB to {after} KiB");
}

#[test]
fn a_refused_compile_leaves_the_interpreter_serving_and_says_why() {
    let reference = ForyJit::builder().tier(Tier::Interpreter).build();
    reference.load_idl(FDL).unwrap();
    // Inner (2 fields) fits the op budget, Outer (14 fields) does not.
    let fory =
        ForyJit::builder().tier(Tier::Auto).compile_threshold_calls(0).max_compile_ops(12).build();
    fory.load_idl(FDL).unwrap();
    assert!(fory.wait_for_compiles(Duration::from_secs(60)));
    let outer = fory.type_stats(fory.type_handle("t.Outer").unwrap()).unwrap();
    assert_eq!(outer.tier, TierState::Failed);
    assert!(outer.refusal.as_deref().unwrap_or("").contains("program too large"), "{outer:?}");
    let inner = fory.type_stats(fory.type_handle("t.Inner").unwrap()).unwrap();
    assert_eq!(inner.tier, TierState::Compiled, "{inner:?}");
    for i in 0..20 {
        let v = value(&reference, i);
        let bytes = reference.serialize(&v).unwrap();
        assert_eq!(fory.serialize(&v).unwrap(), bytes);
        assert!(fory.deserialize(&bytes).unwrap().bit_eq(&v));
    }
    // A JIT-only engine reports the refusal as a registration error.
    let strict = ForyJit::builder().tier(Tier::Compiled).max_compile_ops(12).build();
    match strict.load_idl(FDL) {
        Err(foryjit::Error::Compile { type_name, reason }) => {
            assert_eq!(type_name, "t.Outer");
            assert!(reason.contains("program too large"), "{reason}");
        }
        other => panic!("expected a compile error, got {other:?}"),
    }
}
