//! Compile-time benchmark (a plain binary, not criterion): how long generated message types of
//! 10, 100, 1 000 and 10 000 fields take to reach native code, how much code they get, how much
//! extra memory compiling the 10 000-field type needs, and how a small type's serialize latency
//! behaves while a big type compiles in the background.
//!
//! Run with `cargo bench -p foryjit-benches --bench compile` (or through `scripts/bench.sh`); it
//! prints markdown tables on stdout.
//!
//! - **Time to native**: a fresh `Tier::Compiled` engine (verifier off) per repetition; the
//!   schema text is parsed to a `SchemaDesc` outside the timing, then `register_schema` is timed
//!   (catalog build + synchronous compile + install). `compile_micros` (IR to finalized code) and
//!   `code_bytes` come from `type_stats`. Median over the repetitions.
//! - **Peak memory** of the 10 000-field type, each figure in a fresh child process (this binary
//!   re-executed with `--child-mem <tier> <fields>`): `VmHWM` from `/proc/self/status` before and
//!   after `register_schema`, in a `Tier::Compiled` engine and in a `Tier::Interpreter` engine;
//!   the difference of the two deltas is the compile's extra peak resident memory (it includes the
//!   mmap'd code pages). A counting global allocator gives the peak of live heap bytes during the
//!   registration; it does not see the mmap'd code memory, nor allocator overhead or
//!   fragmentation.
//! - **Serialize latency during a background compile**: a `Tier::Auto` engine (default compile
//!   pool: `max(1, cores / 2)` threads) with the shapes schema loaded and compiled, then a
//!   10 000-field type registered so it compiles on the pool; `bench.NumericStruct` is serialized
//!   into a reused Vec in a loop, each call timed with `Instant` (timer overhead included), while
//!   the big type is queued or compiling, then for as many calls after it is installed.

use foryjit::schema::Limits;
use foryjit::{ForyJit, SchemaDesc, Tier, TierState};
use foryjit_benches::{parse_json, shapes_schema, SHAPES};
use std::alloc::{GlobalAlloc, Layout, System};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::time::{Duration, Instant};

/// Counts live heap bytes and their peak, once `COUNTING` is set (only in the child processes,
/// so the timed runs in the parent pay one relaxed load per allocation).
struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

fn count(delta: isize) {
    if COUNTING.load(Ordering::Relaxed) {
        let now = LIVE.fetch_add(delta, Ordering::Relaxed) + delta;
        PEAK.fetch_max(now, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract holds exactly as it does for `System`; the counters have no effect on
// the memory handed out.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `alloc`'s contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `alloc_zeroed`'s contract.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; `ptr` came from this allocator, i.e. from `System`.
        unsafe { System.dealloc(ptr, layout) };
        count(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged; `ptr` came from this allocator, i.e. from `System`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Field types of the generated messages, in turn; every tenth field is a string.
const SCALARS: [&str; 9] =
    ["int32", "int64", "float64", "bool", "float32", "int16", "int8", "uint64", "fixed int32"];

fn field_type(i: usize) -> &'static str {
    if i % 10 == 9 {
        "string"
    } else {
        SCALARS[i % 10]
    }
}

/// FDL of one message `gen.W<n>` with `n` fields (type id `100 + digits`).
fn wide_fdl(n: usize) -> String {
    let mut fdl = format!("package gen;\nmessage W{n} [id={}] {{\n", 100 + n.max(1).ilog10());
    for i in 0..n {
        fdl.push_str(&format!("    {} f{i} = {};\n", field_type(i), i + 1));
    }
    fdl.push_str("}\n");
    fdl
}

/// A JSON value of `gen.W<n>`.
fn wide_json(n: usize) -> serde_json::Value {
    let mut obj = serde_json::Map::new();
    for i in 0..n {
        let v = match field_type(i) {
            "string" => serde_json::json!(format!("s{i}")),
            "bool" => serde_json::json!(i % 3 == 0),
            "float64" | "float32" => serde_json::json!(i as f64 + 0.5),
            "int8" => serde_json::json!((i % 100) as i64 - 50),
            "int16" => serde_json::json!((i % 20_000) as i64 - 10_000),
            "uint64" => serde_json::json!(i as u64 * 7),
            _ => serde_json::json!(i as i64 * 7 - 300),
        };
        obj.insert(format!("f{i}"), v);
    }
    serde_json::Value::Object(obj)
}

fn engine(tier: Tier) -> ForyJit {
    engine_with(tier, false)
}

fn engine_with(tier: Tier, quick_regalloc: bool) -> ForyJit {
    // Threshold 0: the tiered engine compiles at registration (the scenario measured here is a
    // compile running beside live traffic, not the hotness counters).
    ForyJit::builder()
        .tier(tier)
        .verifier(false)
        .quick_regalloc(quick_regalloc)
        .compile_threshold_calls(0)
        .schema_limits(Limits { max_fields_per_type: 16 * 1024, ..Limits::default() })
        .build()
}

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn fmt_ms(micros: f64) -> String {
    if micros >= 10_000.0 {
        format!("{:.0} ms", micros / 1000.0)
    } else {
        format!("{:.2} ms", micros / 1000.0)
    }
}

fn mib(kib: i64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// Time to native per size, with the default or the single-pass register allocator; returns
/// nothing, prints a table.
fn time_to_native(quick_regalloc: bool) {
    if quick_regalloc {
        println!(
            "### Time to native with `quick_regalloc(true)` (single-pass register allocation)"
        );
    } else {
        println!("### Time to native (Tier::Compiled, verifier off)");
    }
    println!();
    println!(
        "Fields: {} in turn, every tenth a string. Median of the repetitions, each in a fresh \
         engine.",
        SCALARS.join(", ")
    );
    println!();
    println!(
        "| fields | reps | IDL parse | time to native (`register_schema`) | `compile_micros` | \
         code bytes | target | met |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---|---|");
    for (n, reps) in [(1usize, 31usize), (10, 31), (100, 21), (1000, 9), (10_000, 3)] {
        let fdl = wide_fdl(n);
        let name = format!("gen.W{n}");
        let reference = engine(Tier::Interpreter);
        reference.load_idl(&fdl).expect("generated FDL loads");
        let ty = reference.type_handle(&name).expect("generated type");
        let value = reference.from_json(ty, &wide_json(n)).expect("generated value");
        let expect = reference.serialize(&value).expect("interpreter serializes");

        let (mut parse, mut register, mut compile) = (Vec::new(), Vec::new(), Vec::new());
        let mut code_bytes = 0;
        for _ in 0..reps {
            let t = Instant::now();
            let desc = SchemaDesc::from_idl(&fdl).expect("generated FDL parses");
            parse.push(t.elapsed().as_secs_f64() * 1e6);
            let fory = engine_with(Tier::Compiled, quick_regalloc);
            let t = Instant::now();
            fory.register_schema(desc).expect("generated type compiles");
            register.push(t.elapsed().as_secs_f64() * 1e6);
            let stats = fory
                .type_stats(fory.type_handle(&name).expect("generated type"))
                .expect("stats of a registered type");
            assert_eq!(stats.tier, TierState::Compiled, "{stats:?}");
            compile.push(stats.compile_micros.unwrap_or(0) as f64);
            code_bytes = stats.code_bytes.unwrap_or(0);
            // Not timed: the compiled code writes the interpreter's bytes.
            assert_eq!(fory.serialize(&value).expect("compiled serializes"), expect);
        }
        let native = median(&mut register);
        let (target, met) = match n {
            10 => ("≤ 1 ms", Some(native <= 1000.0)),
            1000 => ("≤ 40 ms", Some(native <= 40_000.0)),
            _ => ("", None),
        };
        println!(
            "| {n} | {reps} | {} | {} | {} | {code_bytes} | {target} | {} |",
            fmt_ms(median(&mut parse)),
            fmt_ms(native),
            fmt_ms(median(&mut compile)),
            match met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "",
            }
        );
    }
    println!();
}

fn status_kib(status: &str, key: &str) -> Option<i64> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].trim().trim_end_matches("kB").trim().parse().ok()
}

/// One child run: registers `gen.W<n>` in a fresh engine of `tier` and prints
/// `hwm_before hwm_after rss_before rss_after heap_peak_bytes` (KiB, KiB, KiB, KiB, bytes).
fn child_mem(tier: &str, n: usize) {
    COUNTING.store(true, Ordering::Relaxed);
    let tier = if tier == "compiled" { Tier::Compiled } else { Tier::Interpreter };
    let desc = SchemaDesc::from_idl(&wide_fdl(n)).expect("generated FDL parses");
    let fory = engine(tier);
    let read = || std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let before = read();
    let live = LIVE.load(Ordering::Relaxed);
    PEAK.store(live, Ordering::Relaxed);
    fory.register_schema(desc).expect("generated type registers");
    let peak = PEAK.load(Ordering::Relaxed) - live;
    let after = read();
    let field = |s: &str, k: &str| status_kib(s, k).unwrap_or(-1);
    println!(
        "{} {} {} {} {peak}",
        field(&before, "VmHWM:"),
        field(&after, "VmHWM:"),
        field(&before, "VmRSS:"),
        field(&after, "VmRSS:"),
    );
}

/// Runs `child_mem` in a fresh process: (VmHWM delta KiB, VmRSS delta KiB, heap peak bytes).
fn measure_child(tier: &str, n: usize) -> Option<(i64, i64, i64)> {
    let exe = std::env::current_exe().ok()?;
    let out = Command::new(exe).args(["--child-mem", tier, &n.to_string()]).output().ok()?;
    if !out.status.success() {
        eprintln!("child {tier} {n} failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let nums: Vec<i64> = text.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    match nums[..] {
        [hb, ha, rb, ra, heap] if hb >= 0 && ha >= 0 => Some((ha - hb, ra - rb, heap)),
        _ => None,
    }
}

fn peak_memory() {
    let n = 10_000;
    println!("### Extra peak memory of registering the {n}-field type (fresh process each)");
    println!();
    println!(
        "| engine | VmHWM delta | VmRSS delta | heap peak (counting allocator, no mmap'd code) |"
    );
    println!("|---|---:|---:|---:|");
    let mut deltas = Vec::new();
    for tier in ["compiled", "interp"] {
        // Three children per tier; the median of each figure.
        let runs: Vec<(i64, i64, i64)> = (0..3).filter_map(|_| measure_child(tier, n)).collect();
        if runs.is_empty() {
            println!("| {tier} | - | - | - |");
            continue;
        }
        let pick = |f: fn(&(i64, i64, i64)) -> i64| {
            let mut v: Vec<f64> = runs.iter().map(|r| f(r) as f64).collect();
            median(&mut v) as i64
        };
        let (hwm, rss, heap) = (pick(|r| r.0), pick(|r| r.1), pick(|r| r.2));
        deltas.push((hwm, heap));
        let label =
            if tier == "compiled" { "Tier::Compiled, verifier off" } else { "Tier::Interpreter" };
        println!("| {label} | {} | {} | {} |", mib(hwm), mib(rss), mib(heap / 1024));
    }
    if let [(hwm_c, heap_c), (hwm_i, heap_i)] = deltas[..] {
        let extra = hwm_c - hwm_i;
        println!(
            "| **compile only** (compiled − interpreter) | **{}** | | **{}** |",
            mib(extra),
            mib((heap_c - heap_i) / 1024)
        );
        println!();
        println!(
            "Target: compiling the {n}-field type needs < 50 MB extra peak memory: {} ({:.1} MB \
             by VmHWM).",
            if (extra as f64) * 1024.0 < 50e6 { "met" } else { "**not met**" },
            extra as f64 * 1024.0 / 1e6
        );
    }
    println!();
}

/// Latencies in ns: exact counts below 64 Ki ns, the rare slower calls kept individually.
struct Histogram {
    exact: Vec<u64>,
    slow: Vec<u64>,
    count: u64,
}

impl Histogram {
    fn new() -> Self {
        Histogram { exact: vec![0; 1 << 16], slow: Vec::new(), count: 0 }
    }

    fn record(&mut self, ns: u64) {
        match self.exact.get_mut(ns as usize) {
            Some(c) => *c += 1,
            None => self.slow.push(ns),
        }
        self.count += 1;
    }

    /// The smallest latency with at least `p` of the calls at or below it.
    fn percentile(&self, p: f64) -> u64 {
        let rank = ((self.count as f64 * p).ceil() as u64).max(1);
        let mut seen = 0;
        for (ns, c) in self.exact.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return ns as u64;
            }
        }
        let mut slow = self.slow.clone();
        slow.sort_unstable();
        let i = (rank - seen).saturating_sub(1) as usize;
        slow.get(i).or(slow.last()).copied().unwrap_or(0)
    }

    fn max(&self) -> u64 {
        self.percentile(1.0)
    }
}

fn latency_during_compile() {
    let n = 10_000;
    let fory = engine(Tier::Auto);
    fory.register_schema(shapes_schema()).expect("shapes schema loads");
    assert!(fory.wait_for_compiles(Duration::from_secs(120)), "shapes compile");
    let small = fory.type_handle("bench.NumericStruct").expect("NumericStruct");
    let small_stats = fory.type_stats(small).expect("stats");
    let json = parse_json(SHAPES.iter().find(|(s, _)| *s == "NumericStruct").expect("shape").1);
    let value = fory.from_json(small, &json).expect("NumericStruct value");
    let mut buf = Vec::new();
    for _ in 0..100_000 {
        fory.serialize_into(&value, &mut buf).expect("serialize");
    }
    let expect = buf.clone();

    let desc = SchemaDesc::from_idl(&wide_fdl(n)).expect("generated FDL parses");
    let mut during = Histogram::new();
    let start = Instant::now();
    let handle = fory.register_schema(desc).expect("generated type registers");
    let registered = start.elapsed();
    let big = handle.get(&format!("gen.W{n}")).expect("generated type");
    let queued = |f: &ForyJit| f.type_stats(big).is_none_or(|s| s.tier == TierState::Queued);
    while queued(&fory) && start.elapsed() < Duration::from_secs(300) {
        for _ in 0..256 {
            let t = Instant::now();
            fory.serialize_into(&value, &mut buf).expect("serialize");
            during.record(t.elapsed().as_nanos() as u64);
        }
    }
    let compiled_after = start.elapsed();
    assert!(fory.wait_for_compiles(Duration::from_secs(300)), "big type compiles");
    let big_stats = fory.type_stats(big).expect("stats");
    assert_eq!(buf, expect, "serialize output changed during the compile");
    let mut after = Histogram::new();
    for _ in 0..during.count.max(100_000) {
        let t = Instant::now();
        fory.serialize_into(&value, &mut buf).expect("serialize");
        after.record(t.elapsed().as_nanos() as u64);
    }

    println!("### `bench.NumericStruct` serialize latency while a {n}-field type compiles");
    println!();
    println!(
        "Tier::Auto, verifier off, compile pool of {} thread(s) on {} core(s); small type {:?}; \
         big type registered (interpreter-ready) in {}, left the queue after {}, \
         `compile_micros` {}, state {:?}. ns per call, `Instant` around each call.",
        (std::thread::available_parallelism().map_or(1, |c| c.get()) / 2).max(1),
        std::thread::available_parallelism().map_or(1, |c| c.get()),
        small_stats.tier,
        fmt_ms(registered.as_secs_f64() * 1e6),
        fmt_ms(compiled_after.as_secs_f64() * 1e6),
        big_stats.compile_micros.map_or("-".into(), |m| fmt_ms(m as f64)),
        big_stats.tier,
    );
    println!();
    println!("| phase | calls | p50 | p90 | p99 | p99.9 | max |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (label, h) in [("during the compile", &during), ("after the compile", &after)] {
        println!(
            "| {label} | {} | {} | {} | {} | {} | {} |",
            h.count,
            h.percentile(0.5),
            h.percentile(0.9),
            h.percentile(0.99),
            h.percentile(0.999),
            h.max(),
        );
    }
    println!();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child-mem") {
        let tier = args.get(i + 1).map_or("compiled", String::as_str);
        let n = args.get(i + 2).and_then(|s| s.parse().ok()).unwrap_or(10_000);
        child_mem(tier, n);
        return;
    }
    // `cargo bench` passes `--bench`; a `--test` run (cargo test --benches) does nothing.
    if args.iter().any(|a| a == "--test") {
        return;
    }
    time_to_native(false);
    time_to_native(true);
    peak_memory();
    latency_during_compile();
}
