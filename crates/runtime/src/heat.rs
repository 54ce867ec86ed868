//! Hotness: how many root calls and payload bytes each message has served, counted without
//! writing shared memory on the hot path.
//!
//! Every thread counts into its own [`Pending`] slots (a thread-local table per engine, no
//! atomics) and publishes a type's counts to the engine's shared [`Heat`] once they reach
//! [`FlushEvery`] — a sixteenth of the compile threshold, at most 64 calls — so a shared
//! counter is written once per batch instead of once per call, and threads serving one engine
//! on every core do not bounce its cache lines. The first publisher to see a type cross a
//! threshold wins a compare-exchange on its `claimed` flag and queues exactly one compile.
//!
//! Counts are exact once published: a thread publishes what it holds for an engine when the
//! thread exits, when it reads [`TypeStats`](crate::TypeStats) of that engine, and when it
//! makes room for another engine in its table. Until then another thread's statistics may lag
//! by less than one batch per thread.

use crate::tier::Shared;
use foryjit_wire::TypeIdx;
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};

/// When a type is hot enough to compile: `calls` root calls or `bytes` payload bytes, whichever
/// comes first (a zero means "at registration").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Thresholds {
    pub calls: u64,
    pub bytes: u64,
}

impl Thresholds {
    /// True when types compile at registration instead of when they get hot.
    pub fn eager(self) -> bool {
        self.calls == 0 || self.bytes == 0
    }
}

/// How much a thread counts for one type before it publishes to the shared [`Heat`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FlushEvery {
    calls: u64,
    bytes: u64,
}

impl FlushEvery {
    /// Most calls counted locally before publishing.
    const MAX_CALLS: u64 = 64;
    /// Most bytes counted locally before publishing.
    const MAX_BYTES: u64 = 1 << 16;

    /// A sixteenth of each threshold (so a type crosses it at most one batch per thread late),
    /// within `1..=64` calls and `1..=64 KiB`; the maxima when nothing compiles in the
    /// background (the counts then only feed statistics).
    pub fn for_thresholds(hot: Option<Thresholds>) -> FlushEvery {
        match hot {
            Some(t) => FlushEvery {
                calls: (t.calls / 16).clamp(1, Self::MAX_CALLS),
                bytes: (t.bytes / 16).clamp(1, Self::MAX_BYTES),
            },
            None => FlushEvery { calls: Self::MAX_CALLS, bytes: Self::MAX_BYTES },
        }
    }
}

/// Published hotness of one type.
#[derive(Debug, Default)]
pub(crate) struct Heat {
    /// Root calls.
    pub calls: AtomicU64,
    /// Payload bytes of those calls.
    pub bytes: AtomicU64,
    /// Set exactly once, by whoever queues the type's compile (a hot caller or registration).
    claimed: AtomicBool,
}

impl Heat {
    /// Claims the type for compiling; `true` for the one caller that wins.
    pub fn claim(&self) -> bool {
        self.claimed.compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed).is_ok()
    }

    /// Adds counts published by one thread; returns the new totals.
    fn add(&self, p: Pending) -> (u64, u64) {
        let calls = self.calls.fetch_add(p.calls, Ordering::Relaxed).saturating_add(p.calls);
        let bytes = self.bytes.fetch_add(p.bytes, Ordering::Relaxed).saturating_add(p.bytes);
        (calls, bytes)
    }
}

const HEAT_BASE: usize = 64;
/// Segments `0..=26` cover every `u32` type index.
pub(crate) const HEAT_SEGMENTS: usize = 27;

/// [`Heat`] by type index, append-only and readable without a lock: segment `s` holds
/// `HEAT_BASE << s` entries, allocated once (at registration) and never moved.
#[derive(Debug)]
pub(crate) struct HeatTable {
    segments: [OnceLock<Box<[Heat]>>; HEAT_SEGMENTS],
}

impl Default for HeatTable {
    fn default() -> Self {
        HeatTable { segments: std::array::from_fn(|_| OnceLock::new()) }
    }
}

impl HeatTable {
    /// Segment and offset of entry `i`.
    pub(crate) fn locate(i: usize) -> (usize, usize) {
        let s = (i / HEAT_BASE + 1).ilog2() as usize;
        (s, i - HEAT_BASE * ((1 << s) - 1))
    }

    pub fn get(&self, ty: TypeIdx) -> Option<&Heat> {
        let (s, off) = Self::locate(ty.0 as usize);
        self.segments.get(s)?.get()?.get(off)
    }

    /// Makes entries `0..len` available.
    pub fn reserve(&self, len: usize) {
        let Some(last) = len.checked_sub(1) else { return };
        let (last_segment, _) = Self::locate(last);
        for (s, seg) in self.segments.iter().enumerate().take(last_segment + 1) {
            seg.get_or_init(|| (0..HEAT_BASE << s).map(|_| Heat::default()).collect());
        }
    }

    /// Publishes one thread's counts for `ty`; `true` when this made the type hot and the
    /// caller claimed it (it must queue the compile).
    fn publish(&self, ty: TypeIdx, p: Pending, hot: Option<Thresholds>) -> bool {
        let Some(h) = self.get(ty) else { return false };
        let (calls, bytes) = h.add(p);
        match hot {
            Some(t) if calls >= t.calls || bytes >= t.bytes => {
                !h.claimed.load(Ordering::Relaxed) && h.claim()
            }
            _ => false,
        }
    }
}

/// One thread's unpublished counts for one type.
#[derive(Debug, Default, Clone, Copy)]
struct Pending {
    calls: u64,
    bytes: u64,
}

/// One thread's unpublished counts for one engine, by type index.
struct EnginePending {
    engine: u64,
    shared: Weak<Shared>,
    counts: Vec<Pending>,
}

impl EnginePending {
    /// Publishes every count (claiming nothing: a later publish of the type claims it).
    fn publish_all(&mut self) {
        let Some(shared) = self.shared.upgrade() else { return };
        for (i, p) in self.counts.iter_mut().enumerate() {
            if p.calls > 0 || p.bytes > 0 {
                let p = std::mem::take(p);
                if let Some(h) = u32::try_from(i).ok().and_then(|i| shared.heat.get(TypeIdx(i))) {
                    h.add(p);
                }
            }
        }
    }
}

impl Drop for EnginePending {
    fn drop(&mut self) {
        self.publish_all();
    }
}

/// Engines a thread keeps counts for at once; the least recently used one is published and
/// dropped to make room.
const ENGINES_PER_THREAD: usize = 8;

thread_local! {
    /// Most recently used engine first.
    static PENDING: RefCell<Vec<EnginePending>> = const { RefCell::new(Vec::new()) };
}

/// Counts one successful root call of `ty` that wrote or read `bytes` payload bytes. Returns
/// `true` to exactly one caller once the type is hot: that caller must queue the compile (see
/// [`Shared::claim_reachable`]).
#[inline]
pub(crate) fn count(shared: &Arc<Shared>, ty: TypeIdx, bytes: usize) -> bool {
    let one = Pending { calls: 1, bytes: bytes as u64 };
    let due = PENDING.try_with(|cell| {
        // Re-entered (a destructor running inside a call): publish directly.
        let Ok(mut engines) = cell.try_borrow_mut() else { return Some(one) };
        let pos = match engines.iter().position(|e| e.engine == shared.engine_id) {
            Some(pos) => pos,
            None => {
                if engines.len() >= ENGINES_PER_THREAD {
                    engines.pop();
                }
                engines.push(EnginePending {
                    engine: shared.engine_id,
                    shared: Arc::downgrade(shared),
                    counts: Vec::new(),
                });
                engines.len() - 1
            }
        };
        if pos != 0 {
            engines.swap(0, pos);
        }
        let counts = &mut engines[0].counts;
        let i = ty.0 as usize;
        if counts.len() <= i {
            counts.resize(i + 1, Pending::default());
        }
        let p = &mut counts[i];
        p.calls += one.calls;
        p.bytes = p.bytes.saturating_add(one.bytes);
        let every = shared.flush_every;
        (p.calls >= every.calls || p.bytes >= every.bytes).then(|| std::mem::take(p))
    });
    let p = match due {
        Ok(None) => return false,
        Ok(Some(p)) => p,
        // The thread's local storage is already torn down (a call from a destructor).
        Err(_) => one,
    };
    shared.heat.publish(ty, p, shared.hot)
}

/// Publishes what the calling thread has counted for `shared`'s engine, so that its own calls
/// show in the statistics it reads.
pub(crate) fn publish_local(shared: &Shared) {
    let _ = PENDING.try_with(|cell| {
        if let Ok(mut engines) = cell.try_borrow_mut() {
            if let Some(e) = engines.iter_mut().find(|e| e.engine == shared.engine_id) {
                e.publish_all();
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heat_table_segments_cover_indices_without_overlap() {
        let t = HeatTable::default();
        t.reserve(1000);
        let mut seen = std::collections::HashSet::new();
        for i in 0..1000u32 {
            let h = t.get(TypeIdx(i)).map(|h| h as *const Heat);
            assert!(h.is_some_and(|p| seen.insert(p as usize)), "index {i}");
        }
        assert_eq!(HeatTable::locate(u32::MAX as usize).0, HEAT_SEGMENTS - 1);
        assert!(t.get(TypeIdx(5000)).is_none());
    }

    #[test]
    fn flush_batches_follow_the_thresholds() {
        let f = FlushEvery::for_thresholds(Some(Thresholds { calls: 1000, bytes: 1 << 20 }));
        assert_eq!((f.calls, f.bytes), (62, 1 << 16));
        let f = FlushEvery::for_thresholds(Some(Thresholds { calls: 5, bytes: u64::MAX }));
        assert_eq!((f.calls, f.bytes), (1, 1 << 16));
        let f = FlushEvery::for_thresholds(None);
        assert_eq!((f.calls, f.bytes), (64, 1 << 16));
    }
}
