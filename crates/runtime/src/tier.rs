//! Tiering: which types run compiled, compiling them, and per-type statistics.
//!
//! Code memory is owned by [`Shared::code`] and freed only when the last owner of `Shared` drops,
//! after the catalog (whose slots point into it) — field order matters. Callers reach compiled
//! code only through `&ForyJit`, so no call can be in flight then.

use foryjit_interp::native::{fj_read_op, fj_write_op, NativeReadFn, NativeWriteFn};
use foryjit_interp::{Catalog, RemoteHook, RemoteType};
use foryjit_jit::{CodeUnit, Compiler, CompilerOptions, Helpers};
use foryjit_wire::TypeIdx;
use parking_lot::{Mutex, RwLock};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};

/// Which tier serves registered types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tier {
    /// Interpreter only: nothing is compiled.
    Interpreter,
    /// Compile every message synchronously at registration (tests, benchmarks, debugging).
    Compiled,
    /// The interpreter serves at once; every message is compiled in the background on the
    /// engine's own thread pool and swapped in when ready. Callers never wait.
    #[default]
    Auto,
}

impl Tier {
    /// The tier named by the `FORYJIT_TIER` environment variable (`interp`, `jit` or `auto`),
    /// which sets the builder's default — a switch to rule compiled code in or out without
    /// touching the program (the test script runs every suite in all three).
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
    /// Compile time (IR to finalized code), microseconds.
    pub compile_micros: Option<u64>,
    /// Machine code bytes (writer + reader).
    pub code_bytes: Option<usize>,
    /// Why the type is not compiled, when it is not.
    pub refusal: Option<String>,
}

#[derive(Debug)]
pub(crate) struct Shared {
    // Declared first so it drops first: it holds raw entry points into `code`.
    pub catalog: RwLock<Arc<Catalog>>,
    pub stats: Mutex<Vec<Option<TypeStats>>>,
    pub code: Mutex<Vec<CodeUnit>>,
    pub compiler: Option<Compiler>,
    /// Programs with more ops (writer + reader) stay interpreted.
    pub max_compile_ops: usize,
    /// Remote reader programs (compatible mode, writer schema differs from ours) waiting for a
    /// background compile; `remote_pending` says cheaply whether there are any.
    pub remote_queue: Mutex<Vec<Weak<RemoteType>>>,
    pub remote_pending: AtomicBool,
    /// Remote reader programs compiled so far.
    pub remote_compiled: AtomicU64,
}

fn helpers() -> Helpers {
    Helpers { write_op: fj_write_op as *const u8, read_op: fj_read_op as *const u8 }
}

impl Shared {
    pub fn new(catalog: Catalog, tier: Tier, verifier: bool, max_compile_ops: usize) -> Shared {
        let compiler = match tier {
            Tier::Interpreter => None,
            _ => Compiler::new(CompilerOptions { verifier }).ok(),
        };
        Shared {
            catalog: RwLock::new(Arc::new(catalog)),
            stats: Mutex::new(Vec::new()),
            code: Mutex::new(Vec::new()),
            compiler,
            max_compile_ops,
            remote_queue: Mutex::new(Vec::new()),
            remote_pending: AtomicBool::new(false),
            remote_compiled: AtomicU64::new(0),
        }
    }

    fn set_stats(&self, ty: TypeIdx, s: TypeStats) {
        let mut stats = self.stats.lock();
        let i = ty.0 as usize;
        if stats.len() <= i {
            stats.resize(i + 1, None);
        }
        stats[i] = Some(s);
    }

    pub fn stats(&self, ty: TypeIdx) -> Option<TypeStats> {
        self.stats.lock().get(ty.0 as usize).cloned().flatten()
    }

    /// Compiles message `ty` and installs it; records the outcome.
    pub fn compile(&self, ty: TypeIdx) {
        let cat = self.catalog.read().clone();
        let (Some(prog), Some(info)) = (cat.program(ty), cat.registry().get(ty)) else { return };
        let name = info.full_name().to_owned();
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
                    compile_micros: None,
                    code_bytes: None,
                    refusal: Some("no compiler for this host".into()),
                },
            );
            return;
        };
        match compiler.compile(prog, helpers()) {
            Ok((unit, entry)) => {
                let code_bytes = unit.code_bytes();
                // SAFETY: the entry points were compiled from exactly this program with the
                // `foryjit_interp::native` ABI; `unit` goes into `self.code`, which outlives the
                // catalog (drop order of `Shared`).
                let installed = unsafe {
                    let w = std::mem::transmute::<*const u8, NativeWriteFn>(entry.write);
                    let r = std::mem::transmute::<*const u8, NativeReadFn>(entry.read);
                    self.code.lock().push(unit);
                    cat.install_native(ty, w, r)
                };
                self.set_stats(
                    ty,
                    TypeStats {
                        name,
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
            TypeStats { name, tier, compile_micros: None, code_bytes: None, refusal },
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
        let compiled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            compiler.compile(prog, helpers())
        }));
        if let Ok(Ok((unit, entry))) = compiled {
            // SAFETY: `entry.read` was compiled from exactly `t.reader` with the
            // `foryjit_interp::native` ABI; `unit` goes into `self.code`, which lives as long as
            // the engine, longer than any use of `t` through it.
            unsafe {
                let r = std::mem::transmute::<*const u8, NativeReadFn>(entry.read);
                self.code.lock().push(unit);
                t.install_native_read(r);
            }
            self.remote_compiled.fetch_add(1, Ordering::Relaxed);
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
    let mut guard = shared.catalog.write();
    let mut next = (**guard).clone();
    next.set_remote_hook(hook);
    *guard = Arc::new(next);
}

/// Hands queued remote reader programs to the background pool.
pub(crate) fn drain_remote_queue(pool: &rayon::ThreadPool, shared: &Arc<Shared>) {
    if !shared.remote_pending.swap(false, Ordering::AcqRel) {
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
