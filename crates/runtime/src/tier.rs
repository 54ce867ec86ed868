//! Tiering: which types run compiled, compiling them, and per-type statistics.
//!
//! Code memory of registered types is owned by [`Shared::code`] and freed only when the last
//! owner of `Shared` drops, after the catalog (whose slots point into it) — field order matters.
//! Callers reach compiled code only through `&ForyJit`, so no call can be in flight then. The
//! compiled reader of a received TypeDef is owned by its cache entry (a `RemoteType`) and freed
//! with it: when a registration replaces the cache and no `MetaShare` holds the entry.
//!
//! Hotness is counted per thread (see [`crate::heat`]). In [`Tier::Auto`] the first caller to
//! publish counts that cross a threshold claims the type and queues one job compiling it and
//! every message reachable from it that nobody has claimed yet.
//!
//! The catalog is an immutable snapshot behind an [`ArcSwap`]: a call loads it without a lock
//! or a shared write; a registration builds the next snapshot under `registering` and swaps it
//! in. Compiled code is installed into the snapshot's slots, which every later snapshot shares.

use crate::backend::{compile_linked, Compiled, Compiler, CompilerOptions, NO_COMPILER};
use crate::heat::{FlushEvery, Heat, HeatTable, Thresholds};
use arc_swap::ArcSwap;
use foryjit_interp::{Catalog, RemoteHook, RemoteType};
use foryjit_schema::ResolvedType;
use foryjit_wire::TypeIdx;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};

/// Which tier serves registered types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tier {
    /// Interpreter only: nothing is compiled.
    Interpreter,
    /// Compile every message synchronously at registration (tests, benchmarks, debugging).
    ///
    /// In compatible mode such an engine also compiles, inside the `deserialize` call that
    /// receives it, the reader of each TypeDef that differs from ours. What bounds that work:
    /// a call compiles at most one reader per TypeDef it carries that is new to the cache, and
    /// the cache admits at most
    /// [`max_schema_versions_per_type`](foryjit_wire::CodecLimits::max_schema_versions_per_type)
    /// versions of a type (and
    /// [`max_average_schema_versions_per_type`](foryjit_wire::CodecLimits::max_average_schema_versions_per_type)
    /// on average); a reader over
    /// [`max_compile_ops`](crate::ForyJitBuilder::max_compile_ops) stays interpreted; and
    /// readers are compiled as functions of at most
    /// [`split_ops`](crate::ForyJitBuilder::split_ops) ops, which keeps a compile's memory flat
    /// (one to a few MiB). Compiled readers are freed with their cache entry: see
    /// [`ForyJit::live_remote_readers`](crate::ForyJit::live_remote_readers).
    Compiled,
    /// The interpreter serves at once; a message that gets hot (see
    /// [`ForyJitBuilder::compile_threshold_calls`](crate::ForyJitBuilder::compile_threshold_calls)
    /// and [`compile_threshold_bytes`](crate::ForyJitBuilder::compile_threshold_bytes)) is
    /// compiled, with every message reachable from it, in the background on the engine's own
    /// thread pool and swapped in when ready. Callers never wait.
    #[default]
    Auto,
}

impl Tier {
    /// True when this build has the compiled tier (the `jit` cargo feature, on by default). An
    /// interpreter-only build has the same API and writes the same bytes; in it
    /// [`Tier::Compiled`] registration fails with a reason naming the feature, and
    /// [`Tier::Auto`] interprets every type.
    ///
    /// ```
    /// use foryjit::Tier;
    /// assert_eq!(Tier::available().contains(&Tier::Compiled), Tier::JIT_AVAILABLE);
    /// ```
    pub const JIT_AVAILABLE: bool = cfg!(feature = "jit");

    /// The tiers that can serve types in this build: the interpreter, and compiled code when
    /// [`Tier::JIT_AVAILABLE`].
    pub fn available() -> &'static [Tier] {
        if Self::JIT_AVAILABLE {
            &[Tier::Interpreter, Tier::Compiled]
        } else {
            &[Tier::Interpreter]
        }
    }

    /// The tier named by the `FORYJIT_TIER` environment variable (`interp`, `jit` or `auto`),
    /// which sets the builder's default — a switch to rule compiled code in or out without
    /// touching the program (the test script runs every suite in all three).
    ///
    /// `None` when the variable is unset or names no tier. The builder then keeps
    /// [`Tier::Auto`], because building an engine cannot fail; a program that wants an unknown
    /// value refused checks this itself, as the `foryjit` CLI does (`FORYJIT_TIER=bogus` is
    /// an error there).
    pub fn from_env() -> Option<Tier> {
        match std::env::var("FORYJIT_TIER").ok()?.as_str() {
            "interp" | "interpreter" => Some(Tier::Interpreter),
            "jit" | "compiled" => Some(Tier::Compiled),
            "auto" => Some(Tier::Auto),
            _ => None,
        }
    }
}

/// The tier a type runs in now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TierState {
    /// Interpreted (not compiled, or not yet).
    Interpreted,
    /// A background compile is queued or running.
    Queued,
    /// Compiled code serves the type.
    Compiled,
    /// The compile failed; the interpreter keeps serving (see `refusal`).
    Failed,
}

/// What the engine knows about one type's tiering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeStats {
    /// The type's full name.
    pub name: String,
    /// Current tier.
    pub tier: TierState,
    /// Successful root serialize + deserialize calls of this type (values nested in another
    /// type's value do not count).
    pub calls: u64,
    /// Payload bytes written and read by those calls.
    pub bytes: u64,
    /// Compile time (IR to finalized code), microseconds.
    pub compile_micros: Option<u64>,
    /// Machine code bytes (writer + reader).
    pub code_bytes: Option<usize>,
    /// Why the type is not compiled, when it is not.
    pub refusal: Option<String>,
}

/// The current catalog snapshot.
#[derive(Debug)]
pub(crate) struct CatalogCell {
    current: ArcSwap<Catalog>,
    /// Held while a new snapshot is built, so that concurrent registrations serialize.
    registering: Mutex<()>,
}

impl CatalogCell {
    fn new(catalog: Catalog) -> CatalogCell {
        CatalogCell { current: ArcSwap::from_pointee(catalog), registering: Mutex::new(()) }
    }

    /// The current snapshot, for the length of one call: no lock, no shared write.
    #[inline]
    pub fn load(&self) -> arc_swap::Guard<Arc<Catalog>> {
        self.current.load()
    }

    /// The current snapshot, to keep.
    pub fn snapshot(&self) -> Arc<Catalog> {
        self.current.load_full()
    }

    /// Builds the next snapshot from a copy of the current one; it replaces the current one
    /// when `f` succeeds. Calls in flight keep the snapshot they loaded.
    pub fn update<R, E>(&self, f: impl FnOnce(&mut Catalog) -> Result<R, E>) -> Result<R, E> {
        let _registering = self.registering.lock();
        let mut next = Catalog::clone(&self.current.load());
        let r = f(&mut next)?;
        self.current.store(Arc::new(next));
        Ok(r)
    }
}

#[derive(Debug)]
pub(crate) struct Shared {
    // Declared first so it drops first: it holds raw entry points into `code`.
    pub catalog: CatalogCell,
    /// The engine's process-unique id (keys its per-thread heat counts).
    pub engine_id: u64,
    pub stats: Mutex<Vec<Option<TypeStats>>>,
    pub code: Mutex<Vec<Compiled>>,
    pub compiler: Option<Compiler>,
    /// Programs with more ops (writer + reader) stay interpreted.
    pub max_compile_ops: usize,
    /// Remote reader programs (compatible mode, writer schema differs from ours) waiting for a
    /// background compile; `remote_pending` says cheaply whether there are any.
    pub remote_queue: Mutex<Vec<Weak<RemoteType>>>,
    pub remote_pending: AtomicBool,
    /// Remote reader programs compiled so far.
    pub remote_compiled: AtomicU64,
    /// Compiled remote readers not yet freed.
    pub remote_live: Arc<AtomicU64>,
    /// Per-type call and byte counters, as published by the threads.
    pub heat: HeatTable,
    /// How much a thread counts before publishing.
    pub flush_every: FlushEvery,
    /// When hot types are compiled; `None` when nothing compiles in the background.
    pub hot: Option<Thresholds>,
    /// Test-only fault injection: compiling the type of this name panics.
    inject_panic_for: Option<String>,
    /// Background compile jobs queued (for tests).
    pub jobs_queued: AtomicU64,
    /// Compiles started, in the background or not (for tests).
    pub compiles_started: AtomicU64,
}

/// The compiled reader of a remote type, owned by that [`RemoteType`]: freed with it, once no
/// catalog's cache and no `MetaShare` holds it.
struct RemoteCode {
    _code: Compiled,
    /// Remote readers alive (for tests and statistics).
    live: Arc<AtomicU64>,
}

impl Drop for RemoteCode {
    fn drop(&mut self) {
        self.live.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Shared {
    pub fn new(
        engine_id: u64,
        catalog: Catalog,
        tier: Tier,
        compiler_options: CompilerOptions,
        max_compile_ops: usize,
        hot: Option<Thresholds>,
        inject_panic_for: Option<String>,
    ) -> Shared {
        let compiler = match tier {
            Tier::Interpreter => None,
            _ => Compiler::new(compiler_options).ok(),
        };
        Shared {
            catalog: CatalogCell::new(catalog),
            engine_id,
            flush_every: FlushEvery::for_thresholds(hot),
            stats: Mutex::new(Vec::new()),
            code: Mutex::new(Vec::new()),
            compiler,
            max_compile_ops,
            remote_queue: Mutex::new(Vec::new()),
            remote_pending: AtomicBool::new(false),
            remote_compiled: AtomicU64::new(0),
            remote_live: Arc::default(),
            heat: HeatTable::default(),
            hot,
            inject_panic_for,
            jobs_queued: AtomicU64::new(0),
            compiles_started: AtomicU64::new(0),
        }
    }

    /// Makes counters available for types `0..len` (call before publishing them).
    pub fn reserve_heat(&self, len: usize) {
        self.heat.reserve(len);
    }

    /// Claims `ty` for compiling; `true` for the one caller that wins.
    pub fn claim(&self, ty: TypeIdx) -> bool {
        self.heat.get(ty).is_some_and(Heat::claim)
    }

    /// `root` (already claimed by the caller) followed by every message reachable from it
    /// through fields, list/set elements and map keys/values that this call could claim; all of
    /// them are marked queued. Children are called through their slots, so compiling them is
    /// what lets a compiled parent stay in compiled code.
    pub fn claim_reachable(&self, cat: &Catalog, root: TypeIdx) -> Vec<TypeIdx> {
        let reg = cat.registry();
        let mut seen = vec![false; reg.len()];
        let mut stack = vec![root];
        let mut claimed = Vec::new();
        if let Some(s) = seen.get_mut(root.0 as usize) {
            *s = true;
        }
        while let Some(ty) = stack.pop() {
            let Some(m) = reg.message(ty) else { continue };
            if ty == root || self.claim(ty) {
                claimed.push(ty);
                self.mark(ty, m.full_name.clone(), TierState::Queued, None);
            }
            for f in &m.fields {
                for_each_message(&f.ty, &mut |child| {
                    if let Some(s) = seen.get_mut(child.0 as usize).filter(|s| !**s) {
                        *s = true;
                        stack.push(child);
                    }
                });
            }
        }
        claimed
    }

    fn set_stats(&self, ty: TypeIdx, s: TypeStats) {
        let mut stats = self.stats.lock();
        let i = ty.0 as usize;
        if stats.len() <= i {
            stats.resize(i + 1, None);
        }
        stats[i] = Some(s);
    }

    /// The statistics of `ty`, with what the calling thread has counted published first.
    pub fn stats(&self, ty: TypeIdx) -> Option<TypeStats> {
        crate::heat::publish_local(self);
        let mut s = self.stats.lock().get(ty.0 as usize).cloned().flatten()?;
        if let Some(h) = self.heat.get(ty) {
            s.calls = h.calls.load(Ordering::Relaxed);
            s.bytes = h.bytes.load(Ordering::Relaxed);
        }
        Some(s)
    }

    /// Compiles message `ty` and installs it; records the outcome. A panic while compiling is
    /// caught: the interpreter keeps serving and the type is marked failed with the message.
    pub fn compile(&self, ty: TypeIdx) {
        self.compiles_started.fetch_add(1, Ordering::Relaxed);
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.compile_unguarded(ty)));
        if let Err(payload) = outcome {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".to_owned());
            let name = self
                .catalog
                .load()
                .registry()
                .get(ty)
                .map(|i| i.full_name().to_owned())
                .unwrap_or_default();
            self.mark(ty, name, TierState::Failed, Some(format!("compiler panicked: {msg}")));
        }
    }

    fn compile_unguarded(&self, ty: TypeIdx) {
        let cat = self.catalog.snapshot();
        let (Some(prog), Some(info)) = (cat.program(ty), cat.registry().get(ty)) else { return };
        let name = info.full_name().to_owned();
        if self.inject_panic_for.as_deref() == Some(name.as_str()) {
            panic!("injected compile panic for {name} (test hook)");
        }
        let ops = prog.write.len() + prog.read.len();
        if ops > self.max_compile_ops {
            let why =
                format!("program too large: {ops} ops > max_compile_ops {}", self.max_compile_ops);
            self.mark(ty, name, TierState::Failed, Some(why));
            return;
        }
        let Some(compiler) = &self.compiler else {
            self.set_stats(
                ty,
                TypeStats {
                    name,
                    tier: TierState::Failed,
                    calls: 0,
                    bytes: 0,
                    compile_micros: None,
                    code_bytes: None,
                    refusal: Some(NO_COMPILER.into()),
                },
            );
            return;
        };
        match compile_linked(compiler, &cat, prog) {
            Ok((unit, code_bytes, entry)) => {
                // SAFETY: the entry points were compiled from exactly this program with the
                // `foryjit_abi` ABI; `unit` goes into `self.code`, which outlives the
                // catalog (drop order of `Shared`), with the links its direct calls use.
                let installed = unsafe {
                    self.code.lock().push(unit);
                    cat.install_native(ty, entry.write, entry.read)
                };
                self.set_stats(
                    ty,
                    TypeStats {
                        name,
                        calls: 0,
                        bytes: 0,
                        tier: if installed { TierState::Compiled } else { TierState::Failed },
                        compile_micros: Some(entry.compile_micros),
                        code_bytes: Some(code_bytes),
                        refusal: (!installed).then(|| "not a message".to_owned()),
                    },
                );
            }
            Err(e) => self.set_stats(
                ty,
                TypeStats {
                    name,
                    tier: TierState::Failed,
                    calls: 0,
                    bytes: 0,
                    compile_micros: None,
                    code_bytes: None,
                    refusal: Some(e.to_string()),
                },
            ),
        }
    }

    pub fn mark(&self, ty: TypeIdx, name: String, tier: TierState, refusal: Option<String>) {
        self.set_stats(
            ty,
            TypeStats {
                name,
                tier,
                calls: 0,
                bytes: 0,
                compile_micros: None,
                code_bytes: None,
                refusal,
            },
        );
    }
}

/// Queues background compiles of `types`; the job holds only a `Weak`, so an engine dropped in
/// the meantime is never kept alive and nothing is published into it.
pub(crate) fn compile_in_background(
    pool: &rayon::ThreadPool,
    shared: &Arc<Shared>,
    types: Vec<TypeIdx>,
) {
    if types.is_empty() {
        return;
    }
    shared.jobs_queued.fetch_add(1, Ordering::Relaxed);
    let weak: Weak<Shared> = Arc::downgrade(shared);
    pool.spawn(move || {
        for ty in types {
            match weak.upgrade() {
                Some(s) => s.compile(ty),
                None => return,
            }
        }
    });
}

impl Shared {
    /// Compiles the reader program of a remote type and installs it. A failure (or a program
    /// over `max_compile_ops`) leaves the interpreter serving it.
    pub fn compile_remote(&self, t: &RemoteType) {
        let (Some(compiler), Some(prog)) = (&self.compiler, &t.reader) else { return };
        if t.is_native() || prog.read.len() > self.max_compile_ops {
            return;
        }
        let cat = self.catalog.snapshot();
        let compiled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            compile_linked(compiler, &cat, prog)
        }));
        if let Ok(Ok((unit, _, entry))) = compiled {
            let owner = RemoteCode { _code: unit, live: self.remote_live.clone() };
            owner.live.fetch_add(1, Ordering::Relaxed);
            // SAFETY: `entry.read` was compiled from exactly `t.reader` with the
            // `foryjit_abi` ABI; `t` keeps `owner`, and with it the code (and the
            // links its direct calls use), for as long as `t` can be used.
            let installed = unsafe { t.install_native_read(entry.read, Box::new(owner)) };
            if installed {
                self.remote_compiled.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// Installs the hook through which the catalog reports new remote reader programs: compiled at
/// once in JIT-only engines, queued for the background pool in tiered ones.
pub(crate) fn install_remote_hook(shared: &Arc<Shared>, tier: Tier) {
    if tier == Tier::Interpreter || shared.compiler.is_none() {
        return;
    }
    let weak = Arc::downgrade(shared);
    let hook = RemoteHook(Arc::new(move |t: &Arc<RemoteType>| {
        let Some(s) = weak.upgrade() else { return };
        match tier {
            Tier::Compiled => s.compile_remote(t),
            _ => {
                s.remote_queue.lock().push(Arc::downgrade(t));
                s.remote_pending.store(true, Ordering::Release);
            }
        }
    }));
    let _ = shared.catalog.update(|next| {
        next.set_remote_hook(hook);
        Ok::<(), std::convert::Infallible>(())
    });
}

/// Hands queued remote reader programs to the background pool.
pub(crate) fn drain_remote_queue(pool: &rayon::ThreadPool, shared: &Arc<Shared>) {
    // A load first: the common case (nothing queued) writes no shared memory.
    if !shared.remote_pending.load(Ordering::Relaxed)
        || !shared.remote_pending.swap(false, Ordering::AcqRel)
    {
        return;
    }
    let queued = std::mem::take(&mut *shared.remote_queue.lock());
    let weak = Arc::downgrade(shared);
    pool.spawn(move || {
        for t in queued {
            match (weak.upgrade(), t.upgrade()) {
                (Some(s), Some(t)) => s.compile_remote(&t),
                (None, _) => return,
                _ => {}
            }
        }
    });
}

/// Calls `f` with every message type named by `ty` (directly or as an element, key or value).
fn for_each_message(ty: &ResolvedType, f: &mut impl FnMut(TypeIdx)) {
    match ty {
        ResolvedType::Message(t) => f(*t),
        ResolvedType::List(e) | ResolvedType::Set(e) => for_each_message(&e.ty, f),
        ResolvedType::Map(k, v) => {
            for_each_message(&k.ty, f);
            for_each_message(&v.ty, f);
        }
        _ => {}
    }
}
