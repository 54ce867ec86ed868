//! Compatible mode against hostile or unusual input: every TypeDef limit trips with its typed
//! error and without allocating beyond a small budget, forged TypeDef headers and meta-share
//! references are rejected, and schema evolution between two foryjit engines gives the same
//! values and errors in the interpreter and in compiled code.
#![cfg(feature = "jit")] // the compiled tier against the interpreter

use foryjit::{CodecLimits, ErrorKind, ForyJit, Tier, Value};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Counts live bytes and their peak, for allocations made on the measuring thread while its
/// `TRACKING` flag is on (other tests of this binary run on other threads at the same time).
struct PeakAlloc;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
thread_local! {
    static TRACKING: Cell<bool> = const { Cell::new(false) };
}
/// Tests that measure allocation run one at a time.
static MEASURE: Mutex<()> = Mutex::new(());

fn tracking() -> bool {
    TRACKING.try_with(Cell::get).unwrap_or(false)
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counters are plain
// atomics and a const-initialized thread-local `Cell`, none of which allocate.
unsafe impl GlobalAlloc for PeakAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if tracking() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if tracking() {
            LIVE.fetch_sub(layout.size().min(LIVE.load(Ordering::Relaxed)), Ordering::Relaxed);
        }
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: PeakAlloc = PeakAlloc;

/// Peak bytes allocated (above the level at entry) while running `f`.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LIVE.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    TRACKING.with(|t| t.set(true));
    let r = f();
    TRACKING.with(|t| t.set(false));
    (r, PEAK.load(Ordering::Relaxed))
}

fn fdl_with_fields(n: usize) -> String {
    let fields: String = (1..=n).map(|i| format!("int32 f{i} = {i};\n")).collect();
    format!("package lim; message Wide [id=300] {{ {fields} }}")
}

fn engine(fdl: &str, tier: Tier, limits: CodecLimits) -> ForyJit {
    let f = ForyJit::builder().tier(tier).limits(limits).build();
    f.load_idl(fdl).unwrap_or_else(|e| panic!("{e}\n{fdl}"));
    f
}

fn generous() -> CodecLimits {
    CodecLimits { max_type_fields: 1 << 16, max_type_meta_bytes: 1 << 22, ..Default::default() }
}

/// A payload of `lim.Wide` with `n` int32 fields, written by a writer without TypeDef limits.
fn wide_payload(n: usize) -> Vec<u8> {
    let w = engine(&fdl_with_fields(n), Tier::Interpreter, generous());
    let ty = w.type_handle("lim.Wide").expect("registered");
    let json: serde_json::Map<String, serde_json::Value> =
        (1..=n).map(|i| (format!("f{i}"), serde_json::json!(i))).collect();
    let v = w.from_json(ty, &serde_json::Value::Object(json)).expect("valid value");
    w.serialize(&v).expect("serializes")
}

fn kind(r: &Result<Value, foryjit::Error>) -> Option<ErrorKind> {
    match r {
        Err(e) => e.as_codec().map(|c| c.kind.clone()),
        Ok(_) => None,
    }
}

#[test]
fn max_type_fields_trips_before_allocating() {
    let _g = MEASURE.lock().unwrap_or_else(|p| p.into_inner());
    let bytes = wide_payload(600);
    for tier in [Tier::Interpreter, Tier::Compiled] {
        let r = engine(&fdl_with_fields(600), tier, CodecLimits::default());
        let (res, peak) = peak_of(|| r.deserialize(&bytes));
        assert_eq!(
            kind(&res),
            Some(ErrorKind::TypeDefLimit { what: "max_type_fields", limit: 512 }),
            "{tier:?}"
        );
        assert!(peak < 16 << 10, "{tier:?}: {peak} bytes allocated for a rejected TypeDef");
        // Raising the limit lets the same bytes through.
        let ok = engine(&fdl_with_fields(600), tier, generous());
        assert!(ok.deserialize(&bytes).is_ok(), "{tier:?}");
    }
}

#[test]
fn max_type_meta_bytes_trips_before_reading_the_body() {
    let _g = MEASURE.lock().unwrap_or_else(|p| p.into_inner());
    // 2 100 fields: about 4.2 KB of TypeDef body, over the 4 096-byte default.
    let bytes = wide_payload(2100);
    let limits = CodecLimits { max_type_fields: 1 << 16, ..Default::default() };
    for tier in [Tier::Interpreter, Tier::Compiled] {
        let r = engine(&fdl_with_fields(2100), tier, limits);
        let (res, peak) = peak_of(|| r.deserialize(&bytes));
        assert_eq!(
            kind(&res),
            Some(ErrorKind::TypeDefLimit { what: "max_type_meta_bytes", limit: 4096 }),
            "{tier:?}"
        );
        assert!(peak < 16 << 10, "{tier:?}: {peak} bytes allocated for a rejected TypeDef");
    }
}

/// Version `k` of `lim.Point`: fields 1..=k+1.
fn point_version(k: usize) -> String {
    let fields: String = (1..=k + 1).map(|i| format!("int32 f{i} = {i};\n")).collect();
    format!("package lim; message Point [id=301] {{ {fields} }}")
}

fn point_payload(k: usize) -> Vec<u8> {
    let w = engine(&point_version(k), Tier::Interpreter, CodecLimits::default());
    let v = w.new_struct(w.type_handle("lim.Point").expect("registered")).expect("a message");
    let mut v = v;
    for i in 1..=k + 1 {
        w.set(&mut v, &format!("f{i}"), Value::Int32(i as i32)).unwrap();
    }
    w.serialize(&v).expect("serializes")
}

#[test]
fn schema_versions_per_type_are_bounded() {
    for tier in [Tier::Interpreter, Tier::Compiled] {
        let r = engine(&point_version(0), tier, CodecLimits::default());
        let f1 = r.field_ordinal(r.type_handle("lim.Point").unwrap(), "f1").unwrap();
        for k in 1..=10 {
            let v = r.deserialize(&point_payload(k)).unwrap_or_else(|e| panic!("version {k}: {e}"));
            // The reader keeps only its own field; the writer's extra fields are skipped.
            let s = v.as_struct().expect("a struct");
            assert_eq!(s.fields.len(), 1);
            assert_eq!(s.get(f1), Some(&Value::Int32(1)));
        }
        // Cached versions keep working; an 11th is refused.
        assert!(r.deserialize(&point_payload(3)).is_ok());
        assert_eq!(
            kind(&r.deserialize(&point_payload(11))),
            Some(ErrorKind::TypeDefLimit { what: "max_schema_versions_per_type", limit: 10 }),
            "{tier:?}"
        );
        // The average bound: one version per type on average, at least four types' worth.
        let strict = CodecLimits { max_average_schema_versions_per_type: 1, ..Default::default() };
        let r = engine(&point_version(0), tier, strict);
        for k in 1..=4 {
            assert!(r.deserialize(&point_payload(k)).is_ok(), "version {k}");
        }
        assert_eq!(
            kind(&r.deserialize(&point_payload(5))),
            Some(ErrorKind::TypeDefLimit {
                what: "max_average_schema_versions_per_type",
                limit: 1
            })
        );
    }
}

#[test]
fn forged_headers_and_bad_meta_share_refs_are_rejected() {
    let bytes = point_payload(1);
    // 01 ff 1c 00 <8-byte header> <body> <fields>
    assert_eq!(&bytes[..4], [0x01, 0xff, 0x1c, 0x00]);
    for tier in [Tier::Interpreter, Tier::Compiled] {
        let r = engine(&point_version(1), tier, CodecLimits::default());
        assert!(r.deserialize(&bytes).is_ok());
        // A header whose hash does not match the body is never trusted (nor cached).
        let mut forged = bytes.clone();
        forged[8] ^= 0x40;
        assert_eq!(kind(&r.deserialize(&forged)), Some(ErrorKind::InvalidTypeDef), "{tier:?}");
        // The compressed bit is rejected.
        let mut compressed = bytes.clone();
        compressed[5] |= 0x01;
        assert_eq!(kind(&r.deserialize(&compressed)), Some(ErrorKind::InvalidTypeDef));
        // A reference to a TypeDef that was never sent in this message.
        let mut bad_ref = bytes.clone();
        bad_ref[3] = 0x03;
        assert_eq!(kind(&r.deserialize(&bad_ref)), Some(ErrorKind::BadMetaShareRef(1)));
        // A "new" TypeDef with an index that skips ahead.
        let mut skip = bytes.clone();
        skip[3] = 0x04;
        assert_eq!(kind(&r.deserialize(&skip)), Some(ErrorKind::BadMetaShareRef(2)));
    }
}

#[test]
fn evolution_between_engines_agrees_across_tiers() {
    const V1: &str = "package ev;
        enum Color [id=410] { RED = 0; GREEN = 1; }
        message Inner [id=402] { string label = 1; }
        message Rec [id=401] {
            int32 a = 1; string b = 2; optional int64 c = 3; list<string> d = 4;
            Inner inner = 5; Color color = 6; map<string, int32> m = 7;
        }";
    // Removed b, c and inner; added e (required), f (optional), g (list) and h (enum);
    // a became optional; declaration order changed.
    const V2: &str = "package ev;
        enum Color [id=410] { RED = 0; GREEN = 1; }
        message Inner [id=402] { string label = 1; }
        message Rec [id=401] {
            list<int32> g = 12; optional int32 a = 1; int64 e = 10; optional string f = 11;
            list<string> d = 4; Color color = 6; Color h = 13; map<string, int32> m = 7;
        }";
    let v1_json = serde_json::json!({
        "a": 7, "b": "gone", "c": 9, "d": ["x", "y"], "inner": {"label": "in"},
        "color": "GREEN", "m": {"k": 1}
    });
    let writer = engine(V1, Tier::Interpreter, CodecLimits::default());
    let rec1 = writer.type_handle("ev.Rec").unwrap();
    let bytes = writer.serialize(&writer.from_json(rec1, &v1_json).unwrap()).unwrap();

    let mut results = Vec::new();
    for tier in [Tier::Interpreter, Tier::Compiled] {
        let reader = engine(V2, tier, CodecLimits::default());
        let rec2 = reader.type_handle("ev.Rec").unwrap();
        for _ in 0..2 {
            // The second read hits the TypeDef cache.
            let v = reader.deserialize(&bytes).unwrap_or_else(|e| panic!("{tier:?}: {e}"));
            let json = reader.to_json(rec2, &v).unwrap();
            assert_eq!(
                json,
                serde_json::json!({
                    "g": [], "a": 7, "e": 0, "f": null, "d": ["x", "y"], "color": "GREEN",
                    "h": "RED", "m": {"k": 1}
                }),
                "{tier:?}"
            );
            results.push(v);
        }
        // The reader for the writer's version is compiled like any other type (JIT-only: at
        // first sight), so the comparison below covers compiled remote readers.
        let expected_compiled = u64::from(tier == Tier::Compiled);
        assert_eq!(reader.compiled_remote_readers(), expected_compiled, "{tier:?}");
        // Back the other way: V2 writes, V1 reads (b → "", c → null, inner → null).
        let v2 = reader
            .from_json(
                rec2,
                &serde_json::json!({"g": [1], "a": null, "e": 5, "f": "s", "d": [],
                    "color": "RED", "h": "GREEN", "m": {}}),
            )
            .unwrap();
        let back = reader.serialize(&v2).unwrap();
        let old = engine(V1, tier, CodecLimits::default());
        let got = old.deserialize(&back).unwrap_or_else(|e| panic!("{tier:?}: {e}"));
        assert_eq!(
            old.to_json(old.type_handle("ev.Rec").unwrap(), &got).unwrap(),
            serde_json::json!({"a": 0, "b": "", "c": null, "d": [], "inner": null,
                "color": "RED", "m": {}}),
            "{tier:?}"
        );
        // Every truncation fails the same way in both tiers.
        for cut in 0..bytes.len() {
            results.push(match reader.deserialize(&bytes[..cut]) {
                Ok(v) => v,
                Err(e) => Value::string(e.to_string()),
            });
        }
    }
    let half = results.len() / 2;
    for (i, (a, b)) in results[..half].iter().zip(&results[half..]).enumerate() {
        assert!(a.bit_eq(b), "case {i}: interpreter {a:?} vs compiled {b:?}");
    }
}

#[test]
fn unknown_types_are_skipped_in_fields_and_preserved_as_values() {
    // The writer has a field of a message type the reader never registered.
    const W: &str = "package uk;
        enum Mood [id=503] { CALM = 0; ANGRY = 5; }
        message Extra [id=502] { string s = 1; list<int32> xs = 2; Mood mood = 3; Leaf leaf = 4; }
        message Leaf [id=504] { optional int64 n = 1; }
        message Top [id=501] { int32 a = 1; Extra extra = 2; int32 b = 3; list<Extra> more = 4; }";
    const R: &str = "package uk; message Top [id=501] { int32 a = 1; int32 b = 3; }";
    let w = engine(W, Tier::Interpreter, CodecLimits::default());
    let top = w.type_handle("uk.Top").unwrap();
    let extra_json = serde_json::json!({"s": "x", "xs": [1, 2], "mood": "ANGRY", "leaf": {"n": 7}});
    let v = w
        .from_json(
            top,
            &serde_json::json!({"a": 1, "extra": extra_json, "b": 2, "more": [extra_json]}),
        )
        .unwrap();
    let bytes = w.serialize(&v).unwrap();
    let extra = w.from_json(w.type_handle("uk.Extra").unwrap(), &extra_json).unwrap();
    let list = Value::list(vec![extra.clone(), extra.clone(), Value::Null]);
    let extra_bytes = w.serialize(&extra).unwrap();
    let list_bytes = w.serialize(&list).unwrap();
    for tier in [Tier::Interpreter, Tier::Compiled] {
        let r = engine(R, tier, CodecLimits::default());
        // Unknown fields are dropped.
        let got = r.deserialize(&bytes).unwrap_or_else(|e| panic!("{tier:?}: {e}"));
        assert_eq!(
            r.to_json(r.type_handle("uk.Top").unwrap(), &got).unwrap(),
            serde_json::json!({"a": 1, "b": 2})
        );
        // A value of an unknown type decodes to `Value::Unknown`, which keeps the writer's
        // TypeDef: encoding it again gives the writer's bytes exactly.
        for payload in [&extra_bytes, &list_bytes] {
            let u = r.deserialize(payload).unwrap_or_else(|e| panic!("{tier:?}: {e}"));
            assert_eq!(&r.serialize(&u).unwrap(), payload, "{tier:?}: {u:?}");
        }
        let Value::Unknown(u) = r.deserialize(&extra_bytes).unwrap() else {
            panic!("an unknown struct")
        };
        // Fields in the writer's order: s, xs, mood (its number), leaf (also unknown here).
        assert_eq!(u.fields.len(), 4);
        assert_eq!(u.fields[0], Value::string("x"));
        assert_eq!(u.fields[2], Value::UInt32(5));
        assert!(matches!(&u.fields[3], Value::Unknown(leaf) if leaf.fields == [Value::Int64(7)]));
        // The writer reads its own type back from the re-encoded bytes.
        let again = w.deserialize(&r.serialize(&Value::Unknown(u)).unwrap()).unwrap();
        assert!(again.bit_eq(&extra));
        // A same-schema engine knows no TypeDefs: the same bytes are an error there.
        let strict = ForyJit::builder().tier(tier).compatible(false).build();
        strict.load_idl(R).unwrap();
        assert!(strict.deserialize(&extra_bytes).is_err());
    }
}

#[test]
fn meta_share_across_the_messages_of_a_stream() {
    const FDL: &str = "package st; message P [id=601] { int32 x = 1; string s = 2; }";
    for tier in [Tier::Interpreter, Tier::Compiled] {
        let f = engine(FDL, tier, CodecLimits::default());
        let ty = f.type_handle("st.P").unwrap();
        let values: Vec<Value> = (0..3)
            .map(|i| f.from_json(ty, &serde_json::json!({"x": i, "s": "v"})).unwrap())
            .collect();
        let (mut send, mut out) = (foryjit::MetaShare::default(), Vec::new());
        let mut messages = Vec::new();
        for v in &values {
            f.serialize_shared(v, &mut out, &mut send).unwrap();
            messages.push(out.clone());
        }
        assert_eq!(send.sent(), 1);
        // The first message carries the TypeDef (new, index 0); later ones reference it.
        assert_eq!(&messages[0][..4], [0x01, 0xff, 0x1c, 0x00]);
        assert_eq!(&messages[1][..4], [0x01, 0xff, 0x1c, 0x01]);
        assert!(messages[1].len() < messages[0].len());
        assert_eq!(messages[0], f.serialize(&values[0]).unwrap());

        let mut recv = foryjit::MetaShare::default();
        for (m, v) in messages.iter().zip(&values) {
            assert!(f.deserialize_shared(m, &mut recv).unwrap().bit_eq(v), "{tier:?}");
        }
        assert_eq!(recv.received(), 1);
        // Without the stream's context, a reference is an error, not a guess.
        assert_eq!(kind(&f.deserialize(&messages[1])), Some(ErrorKind::BadMetaShareRef(0)));
        let mut fresh = foryjit::MetaShare::default();
        assert!(f.deserialize_shared(&messages[1], &mut fresh).is_err());
        assert_eq!(fresh.received(), 0);
        // A share holds one engine's TypeDefs (and compiled readers): another engine refuses it.
        let other = engine(FDL, tier, CodecLimits::default());
        assert_eq!(
            other.deserialize_shared(&messages[0], &mut recv),
            Err(foryjit::Error::ForeignMetaShare)
        );
        assert_eq!(
            other.serialize_shared(&values[0], &mut out, &mut send),
            Err(foryjit::Error::ForeignMetaShare)
        );
    }
}

#[test]
fn memory_budget_and_unbacked_items_are_bounded() {
    const FDL: &str = "package mb;
        message Empty [id=701] {}
        message Bag [id=700] { list<string> words = 1; list<Empty> empties = 2; }";
    let writer = engine(FDL, Tier::Interpreter, CodecLimits::default());
    let bag = writer.type_handle("mb.Bag").unwrap();
    let words: Vec<String> = (0..50).map(|i| format!("word number {i:04}")).collect();
    let empties: Vec<serde_json::Value> = (0..100).map(|_| serde_json::json!({})).collect();
    let v =
        writer.from_json(bag, &serde_json::json!({"words": words, "empties": empties})).unwrap();
    let bytes = writer.serialize(&v).unwrap();
    for tier in [Tier::Interpreter, Tier::Compiled] {
        // Defaults: fine.
        let ok = engine(FDL, tier, CodecLimits::default()).deserialize(&bytes);
        assert!(ok.is_ok(), "{tier:?}: {ok:?}");
        // 100 fieldless structs take no input bytes each: over a bound of 10.
        let few = CodecLimits { max_unbacked_container_items: 10, ..Default::default() };
        let r = engine(FDL, tier, few).deserialize(&bytes);
        assert_eq!(kind(&r), Some(ErrorKind::UnbackedItems(10)), "{tier:?}");
        // A budget smaller than the decoded strings and slots.
        let small = CodecLimits { max_graph_memory_bytes: 1000, ..Default::default() };
        let r = engine(FDL, tier, small).deserialize(&bytes);
        assert_eq!(kind(&r), Some(ErrorKind::MemoryBudget(1000)), "{tier:?}");
    }
}

#[test]
fn lists_and_dense_arrays_of_one_element_type_read_into_each_other() {
    const A: &str = "package la; message R [id=801] { list<int32> xs = 1; array<float64> ys = 2; }";
    const B: &str = "package la; message R [id=801] { array<int32> xs = 1; list<float64> ys = 2; }";
    let json = serde_json::json!({"xs": [1, -2, 300], "ys": [0.5, -1.0]});
    for tier in [Tier::Interpreter, Tier::Compiled] {
        let (a, b) =
            (engine(A, tier, CodecLimits::default()), engine(B, tier, CodecLimits::default()));
        for (w, r) in [(&a, &b), (&b, &a)] {
            let ty = w.type_handle("la.R").unwrap();
            let bytes = w.serialize(&w.from_json(ty, &json).unwrap()).unwrap();
            let got = r.deserialize(&bytes).unwrap_or_else(|e| panic!("{tier:?}: {e}"));
            assert_eq!(r.to_json(r.type_handle("la.R").unwrap(), &got).unwrap(), json, "{tier:?}");
        }
    }
}

#[test]
fn integers_read_into_other_encodings_and_wider_types() {
    const A: &str = "package w; message R [id=811] {
        int32 a = 1; fixed int32 b = 2; uint8 c = 3; int64 d = 4; }";
    const B: &str = "package w; message R [id=811] {
        int64 a = 1; int32 b = 2; int32 c = 3; int32 d = 4; }";
    let json = serde_json::json!({"a": -7, "b": 2147483647, "c": 255, "d": 5});
    for tier in [Tier::Interpreter, Tier::Compiled] {
        let (a, b) =
            (engine(A, tier, CodecLimits::default()), engine(B, tier, CodecLimits::default()));
        let ty = a.type_handle("w.R").unwrap();
        let bytes = a.serialize(&a.from_json(ty, &json).unwrap()).unwrap();
        let got = b.deserialize(&bytes).unwrap_or_else(|e| panic!("{tier:?}: {e}"));
        // a, b, c widen or change encoding; d (int64 → int32) would narrow: skipped, default 0.
        assert_eq!(
            b.to_json(b.type_handle("w.R").unwrap(), &got).unwrap(),
            serde_json::json!({"a": -7, "b": 2147483647, "c": 255, "d": 0}),
            "{tier:?}"
        );
    }
}

#[test]
fn unions_registered_by_name_round_trip_as_roots_and_fields() {
    const NAMED: &str = "option enable_auto_type_id = false;
        package nu;
        message Point { int32 x = 1; int32 y = 2; }
        union Shape { Point point = 0; string label = 1; int64 count = 2; }
        message Drawing { Shape shape = 1; int32 n = 2; }";
    for compatible in [false, true] {
        let mut outputs = Vec::new();
        for tier in [Tier::Interpreter, Tier::Compiled] {
            let f = ForyJit::builder().tier(tier).compatible(compatible).build();
            f.load_idl(NAMED).expect("loads");
            let shape = f.type_handle("nu.Shape").expect("a union");
            let drawing = f.type_handle("nu.Drawing").expect("a message");
            for v in [
                serde_json::json!({"point": {"x": 1, "y": -2}}),
                serde_json::json!({"label": "hi"}),
                serde_json::json!({"count": 5}),
            ] {
                let value = f.from_json(shape, &v).expect("from_json");
                let bytes = f.serialize(&value).expect("serialize");
                // NAMED_UNION (35): meta strings in same-schema mode, a TypeDef in compatible.
                assert_eq!(&bytes[..3], [0x01, 0xff, 0x23], "{v}");
                if compatible {
                    assert_eq!(bytes[3], 0x00, "new TypeDef #0");
                }
                let back = f.deserialize(&bytes).expect("deserialize");
                assert_eq!(f.to_json(shape, &back).expect("to_json"), v);
                let d = f.from_json(drawing, &serde_json::json!({"shape": v, "n": 3})).unwrap();
                let db = f.serialize(&d).expect("serialize drawing");
                assert!(f.deserialize(&db).expect("deserialize drawing").bit_eq(&d));
                outputs.push((bytes, db));
            }
        }
        let half = outputs.len() / 2;
        assert_eq!(outputs[..half], outputs[half..], "tiers agree (compatible={compatible})");
    }
}
