//! Issue 12 item 6: reading never allocates out of proportion to the input. Declared lengths
//! of nested containers are checked together against the bytes that can back them, so the
//! peak allocation of a read is at most `64 × input + 1 MiB`, in the interpreter and in
//! compiled code alike. A binary of its own: it installs a counting global allocator.

use foryjit::{CodecLimits, ErrorKind, ForyJit, Tier, Value};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Counts the live bytes and their peak of the allocations made on the measuring thread while
/// its `TRACKING` flag is on (compiles run on other threads). `realloc` is the default one
/// (allocate, copy, free), so a growing buffer counts its old and new blocks at once.
struct PeakAlloc;

thread_local! {
    static TRACKING: Cell<bool> = const { Cell::new(false) };
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn tracking() -> bool {
    TRACKING.try_with(Cell::get).unwrap_or(false)
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counters are
// const-initialized thread-local `Cell`s, which do not allocate.
unsafe impl GlobalAlloc for PeakAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if tracking() {
            let now = LIVE.with(|l| {
                l.set(l.get() + layout.size());
                l.get()
            });
            PEAK.with(|p| p.set(p.get().max(now)));
        }
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if tracking() {
            LIVE.with(|l| l.set(l.get().saturating_sub(layout.size())));
        }
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: PeakAlloc = PeakAlloc;

/// Peak bytes allocated on this thread (above the level at entry) while running `f`.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LIVE.with(|l| l.set(0));
    PEAK.with(|p| p.set(0));
    TRACKING.with(|t| t.set(true));
    let r = f();
    TRACKING.with(|t| t.set(false));
    (r, PEAK.with(Cell::get))
}

/// The tiers this build has (the interpreter, and compiled code with the `jit` feature).
fn tiers() -> &'static [Tier] {
    Tier::available()
}

/// A few shapes with typed containers (the dynamic root list needs none).
const SHAPES: &str = "package a;
    message L [id=40] { list<list<list<bool>>> lists = 1; map<int32, list<bool>> m = 2; }";

fn engine(tier: Tier, compatible: bool) -> ForyJit {
    let f = ForyJit::builder().tier(tier).compatible(compatible).build();
    f.load_idl(SHAPES).expect("schema");
    f
}

fn varu32(out: &mut Vec<u8>, mut n: u32) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// `01 ff` + `depth` × (`16` (LIST) + varint n + `00` (header: each element with its type)),
/// n = the bytes remaining after the length, + `fill` × `00`: each list claims the whole rest.
fn nested_root_lists(depth: usize, fill: usize) -> Vec<u8> {
    // The lengths depend on the bytes after them; build from the inside out.
    let mut tail = vec![0u8; fill];
    for _ in 0..depth {
        let mut level = Vec::new();
        // n = the bytes after the varint: the header byte and the tail.
        let n = (tail.len() + 1) as u32;
        level.push(0x16);
        varu32(&mut level, n);
        level.push(0x00);
        level.extend_from_slice(&tail);
        tail = level;
    }
    let mut out = vec![0x01, 0xff];
    out.extend_from_slice(&tail);
    out
}

fn assert_proportional(what: &str, tier: Tier, input: usize, peak: usize) {
    let bound = 64 * input + (1 << 20);
    assert!(
        peak <= bound,
        "{what} ({tier:?}): peak {peak} bytes for {input} input bytes > {bound}"
    );
}

/// The payload: 48 nested root lists each claiming the whole rest (50 242 bytes) took
/// 77 MB before failing.
#[test]
fn nested_lists_claiming_the_whole_input_allocate_in_proportion() {
    let bytes = nested_root_lists(48, 50_000);
    assert_eq!(bytes.len(), 50_242);
    for &tier in tiers() {
        let f = engine(tier, false);
        let (r, peak) = peak_of(|| f.deserialize(&bytes));
        let e = r.expect_err("the lists cannot all be that long");
        assert!(matches!(e.as_codec().map(|c| &c.kind), Some(ErrorKind::Truncated { .. })), "{e}");
        assert_proportional("48 nested root lists", tier, bytes.len(), peak);
    }
}

/// Many nesting depths and fills, in both modes, with the errors equal across tiers.
#[test]
#[cfg(feature = "jit")] // the tiers against each other
fn nested_lists_of_any_depth_stay_in_proportion_and_agree() {
    for compatible in [false, true] {
        for depth in [1, 2, 3, 8, 30, 49] {
            for fill in [0, 1, 100, 20_000] {
                let bytes = nested_root_lists(depth, fill);
                let mut results = Vec::new();
                for &tier in tiers() {
                    let f = engine(tier, compatible);
                    let (r, peak) = peak_of(|| f.deserialize(&bytes));
                    assert_proportional(
                        &format!("depth {depth} fill {fill}"),
                        tier,
                        bytes.len(),
                        peak,
                    );
                    results.push(r.map_err(|e| e.to_string()));
                }
                assert_eq!(results[0], results[1], "tiers agree at depth {depth} fill {fill}");
            }
        }
    }
}

/// Typed nested lists and maps inside a struct, each length claiming all that remains.
#[test]
fn typed_nested_containers_claiming_the_rest_stay_in_proportion() {
    for compatible in [false, true] {
        for &tier in tiers() {
            let f = engine(tier, compatible);
            let ty = f.type_handle("a.L").expect("registered");
            // A valid value, then the same bytes with every length inflated to the rest.
            let mut v = f.new_struct(ty).expect("struct");
            let bools = Value::list(vec![Value::Bool(true); 3]);
            f.set(&mut v, "lists", Value::list(vec![Value::list(vec![bools.clone()])]))
                .expect("set");
            f.set(&mut v, "m", Value::map(vec![(Value::Int32(1), bools)])).expect("set");
            let good = f.serialize(&v).expect("serializes");
            assert_eq!(f.deserialize(&good).expect("reads"), v);
            for pad in [0usize, 1000, 40_000] {
                for at in 0..good.len() {
                    // Replace one byte by a 5-byte varint of the bytes that follow, pad the
                    // end: wherever that lands on a length, it claims everything.
                    let mut bytes = good[..at].to_vec();
                    let rest = good.len() - at - 1 + pad;
                    varu32_fixed5(&mut bytes, rest as u32);
                    bytes.extend_from_slice(&good[at + 1..]);
                    bytes.resize(bytes.len() + pad, 0);
                    let (r, peak) = peak_of(|| f.deserialize(&bytes));
                    drop(r);
                    assert_proportional(&format!("byte {at} pad {pad}"), tier, bytes.len(), peak);
                }
            }
        }
    }
}

/// A varuint32 in its 5-byte form.
fn varu32_fixed5(out: &mut Vec<u8>, n: u32) {
    for i in 0..4 {
        out.push(((n >> (7 * i)) as u8 & 0x7f) | 0x80);
    }
    out.push((n >> 28) as u8);
}

/// The graph-memory budget is not what bounds these reads: the default limits, and a
/// generous budget, give the same verdicts.
#[test]
fn the_bound_holds_with_a_huge_memory_budget() {
    let limits = CodecLimits { max_graph_memory_bytes: usize::MAX, ..CodecLimits::default() };
    let bytes = nested_root_lists(48, 50_000);
    for &tier in tiers() {
        let f = ForyJit::builder().tier(tier).limits(limits).build();
        let (r, peak) = peak_of(|| f.deserialize(&bytes));
        assert!(r.is_err());
        assert_proportional("48 nested root lists, huge budget", tier, bytes.len(), peak);
    }
}
