//! A counting global allocator: the peak of live heap bytes during one call, per thread.
//!
//! Every fuzz target (and the plain tests, which link this crate too) allocates through
//! [`Counting`], which keeps the live byte count of the current thread and its high-water mark.
//! [`measure`] runs a closure and returns how far above the bytes live at entry the thread's
//! heap got. Counting per thread keeps parallel tests from charging each other; the engines the
//! targets use have no compile pool, so a call allocates on its caller's thread only.
//!
//! The budget a call must stay within is [`budget`]: 64 bytes per input byte plus 1 MiB.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The allocation budget of one call on `input` bytes: `64 × input + 1 MiB`.
pub fn budget(input: usize) -> usize {
    input.saturating_mul(64).saturating_add(1 << 20)
}

thread_local! {
    /// Live bytes allocated by this thread (frees of other threads' blocks may make it dip).
    static LIVE: Cell<isize> = const { Cell::new(0) };
    /// The highest `LIVE` since the last [`measure`] started.
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn add(bytes: usize) {
    // `try_with`: the allocator also runs while thread-locals are being torn down.
    let _ = LIVE.try_with(|live| {
        let now = live.get().saturating_add_unsigned(bytes);
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

fn sub(bytes: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub_unsigned(bytes)));
}

/// Runs `f` and returns its result with the peak heap bytes it had live at once, above what
/// was live when it started.
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let base = LIVE.with(Cell::get);
    let outer = PEAK.with(|p| p.replace(base));
    let r = f();
    let peak = PEAK.with(Cell::get);
    // Nested measurements keep the outer one's high-water mark.
    PEAK.with(|p| p.set(outer.max(peak)));
    (r, usize::try_from(peak.saturating_sub(base)).unwrap_or(0))
}

/// The system allocator, counting.
pub struct Counting;

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so `System`'s
// guarantees hold; the counting only touches thread-local `Cell`s, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        add(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract (non-zero size).
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        add(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        sub(layout.size());
        // SAFETY: the caller passes a block this allocator (that is, `System`) returned, with
        // its layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Old and new block may both be live while the bytes are copied: count the new one
        // first, the old one's release after.
        add(new_size);
        // SAFETY: the caller passes a block `System` returned, its layout and a valid size.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            sub(new_size);
        } else {
            sub(layout.size());
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_the_peak_not_the_end() {
        let ((), peak) = measure(|| {
            let v = vec![0u8; 100_000];
            drop(v);
            let _w: Vec<u8> = Vec::with_capacity(10);
        });
        assert!((100_000..110_000).contains(&peak), "{peak}");
    }

    #[test]
    fn nested_measurements_keep_the_outer_peak() {
        let ((), outer) = measure(|| {
            let (_, inner) = measure(|| drop(vec![0u8; 50_000]));
            assert!(inner >= 50_000);
        });
        assert!(outer >= 50_000);
    }
}
