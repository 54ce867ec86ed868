//! `ForyJit`: the engine facade.

use crate::heat::Thresholds;
use crate::json;
use crate::tier::{
    compile_in_background, drain_remote_queue, install_remote_hook, Shared, Tier, TierState,
    TypeStats,
};
use crate::Error;
use foryjit_interp::{Catalog, MetaShare, Options};
use foryjit_jit::CompilerOptions;
use foryjit_schema::{Limits, MessageInfo, SchemaDesc, TypeInfo};
use foryjit_wire::{CodecLimits, Graph, StringPolicy, StructValue, TypeIdx, Value};
use std::sync::Arc;

/// Serialization mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Same-schema mode (`compatible=false` in the peers): both sides have the same schema; every
    /// struct carries a 4-byte schema hash that the reader checks.
    Consistent,
    /// Compatible mode (`compatible=true`, the default of pyfory and the `fory` crate): every
    /// struct value travels with its writer's TypeDef (sent once per message, then referenced),
    /// and the reader matches fields by tag id or name, so the two schemas may differ.
    #[default]
    Compatible,
}

/// Configures a [`ForyJit`].
#[derive(Debug, Clone)]
pub struct ForyJitBuilder {
    tier: Tier,
    verifier: bool,
    optimize: bool,
    split_ops: usize,
    quick_regalloc: bool,
    compile_threads: usize,
    max_compile_ops: usize,
    mode: Mode,
    track_ref: bool,
    string_policy: StringPolicy,
    limits: CodecLimits,
    schema_limits: Limits,
    compile_threshold_calls: u64,
    compile_threshold_bytes: u64,
    inject_compile_panic_for: Option<String>,
}

impl Default for ForyJitBuilder {
    fn default() -> Self {
        ForyJitBuilder {
            tier: Tier::from_env().unwrap_or_default(),
            verifier: cfg!(debug_assertions),
            optimize: false,
            split_ops: foryjit_jit::DEFAULT_SPLIT_OPS,
            quick_regalloc: false,
            compile_threads: (std::thread::available_parallelism().map_or(1, |n| n.get()) / 2)
                .max(1),
            max_compile_ops: 1 << 20,
            mode: Mode::default(),
            track_ref: false,
            string_policy: StringPolicy::default(),
            limits: CodecLimits::default(),
            schema_limits: Limits::default(),
            compile_threshold_calls: 1_000,
            compile_threshold_bytes: 1 << 20,
            inject_compile_panic_for: None,
        }
    }
}

impl ForyJitBuilder {
    /// Which tier serves registered types (default [`Tier::Auto`]).
    pub fn tier(mut self, tier: Tier) -> Self {
        self.tier = tier;
        self
    }

    /// Run Cranelift's optimizer on compiled code (default: off). Measured on the standard
    /// shapes, optimized code ran no faster (within noise) while compiles took about 1.5x as
    /// long; it may pay for types dominated by long runs of fixed-width fields.
    pub fn optimize(mut self, on: bool) -> Self {
        self.optimize = on;
        self
    }

    /// Ops per compiled function (default 250, about 250 fields; at least 1): larger types are
    /// compiled as several functions that an entry calls in order, because Cranelift's compile
    /// time and memory grow superlinearly with function size.
    pub fn split_ops(mut self, n: usize) -> Self {
        self.split_ops = n.max(1);
        self
    }

    /// Allocate registers in a single pass (default: off): cheaper compiles for slower code,
    /// for engines that register many or very large types and care most about time to native.
    /// In the compile bench's runs, time to native dropped by a quarter to a half (1 000
    /// fields: 28 ms against 37 ms in one run); the cost is twice the code bytes, and in one
    /// run 10 of the 11 measured shape cells ran slower (median +20 %, at most +40 %).
    pub fn quick_regalloc(mut self, on: bool) -> Self {
        self.quick_regalloc = on;
        self
    }

    /// Run Cranelift's verifier on compiled code (default: on in debug builds, off in release).
    pub fn verifier(mut self, on: bool) -> Self {
        self.verifier = on;
        self
    }

    /// Types whose program has more ops than this (writer + reader, about two per field) stay
    /// interpreted, with the reason in their [`TypeStats`] (default 1 Mi: compile everything;
    /// split functions keep compile memory flat).
    pub fn max_compile_ops(mut self, n: usize) -> Self {
        self.max_compile_ops = n;
        self
    }

    /// In [`Tier::Auto`], a message is compiled once it has served this many root serialize +
    /// deserialize calls (default 1 000), or [`compile_threshold_bytes`](Self::compile_threshold_bytes)
    /// payload bytes, whichever comes first; every message reachable from it is compiled in the
    /// same job. `0` compiles every message at registration; `u64::MAX` leaves only the byte
    /// threshold. Only successful calls whose root value is a struct count, towards that struct's
    /// type.
    ///
    /// The defaults (1 000 calls, 1 MiB) follow the ski-rental rule: compile once the interpreter
    /// has spent about what a compile costs. On the benchmark shapes a compile takes 0.5–6 ms of
    /// a pool thread and leaves 0.5–5 KiB of code, an interpreted call takes 0.1–10 µs and the
    /// interpreter moves roughly 0.3–1 GB/s, so either threshold is about one compile's worth of
    /// interpreted work. Types used once or rarely (one-shot tools, schemas with many unused
    /// types) never cost a compile; a type in steady use is compiled within milliseconds.
    pub fn compile_threshold_calls(mut self, n: u64) -> Self {
        self.compile_threshold_calls = n;
        self
    }

    /// In [`Tier::Auto`], a message is compiled once its root calls have written or read this
    /// many payload bytes (default 1 MiB), or after
    /// [`compile_threshold_calls`](Self::compile_threshold_calls) calls, whichever comes first.
    /// `0` compiles every message at registration; `u64::MAX` leaves only the call threshold.
    /// The byte threshold lets large messages, where compiled code saves the most per call, tier
    /// up after a few calls.
    pub fn compile_threshold_bytes(mut self, n: u64) -> Self {
        self.compile_threshold_bytes = n;
        self
    }

    /// Test-only fault injection: compiling the message called `full_name` panics inside the
    /// compile job, as a bug in lowering or Cranelift would. Not for production use.
    #[doc(hidden)]
    pub fn inject_compile_panic_for(mut self, full_name: &str) -> Self {
        self.inject_compile_panic_for = Some(full_name.to_owned());
        self
    }

    /// Threads of the engine's own compile pool (default `max(1, cores / 2)`).
    pub fn compile_threads(mut self, n: usize) -> Self {
        self.compile_threads = n.max(1);
        self
    }

    /// `true` selects compatible mode, `false` same-schema mode.
    pub fn compatible(mut self, on: bool) -> Self {
        self.mode = if on { Mode::Compatible } else { Mode::Consistent };
        self
    }

    /// Selects the mode.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Reference tracking, as the peers' `ref` / `track_ref` switch (default off, as theirs).
    /// On, compatible-mode TypeDefs carry the schema's ref bits as the peers' do with
    /// `ref=True`; shared and cyclic values are written and read with
    /// [`ForyJit::serialize_graph`] / [`ForyJit::deserialize_graph`]. Readers accept reference
    /// flags either way.
    pub fn track_ref(mut self, on: bool) -> Self {
        self.track_ref = on;
        self
    }

    /// How strings are written: [`StringPolicy::Utf8`] (the `fory` crate's choice, default) or
    /// [`StringPolicy::PyforyLike`] (byte-identical to pyfory).
    pub fn string_policy(mut self, policy: StringPolicy) -> Self {
        self.string_policy = policy;
        self
    }

    /// Limits for reading and writing.
    pub fn limits(mut self, limits: CodecLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Limits for registered schemas.
    pub fn schema_limits(mut self, limits: Limits) -> Self {
        self.schema_limits = limits;
        self
    }

    /// Builds the engine.
    pub fn build(self) -> ForyJit {
        let pool = match self.tier {
            Tier::Auto => rayon::ThreadPoolBuilder::new()
                .num_threads(self.compile_threads)
                .thread_name(|i| format!("foryjit-compile-{i}"))
                .build()
                .ok(),
            _ => None,
        };
        let hot = pool.as_ref().map(|_| Thresholds {
            calls: self.compile_threshold_calls,
            bytes: self.compile_threshold_bytes,
        });
        let mut catalog = Catalog::new(
            self.schema_limits,
            match self.mode {
                Mode::Consistent => foryjit_ir::Mode::SameSchema,
                Mode::Compatible => foryjit_ir::Mode::Compatible,
            },
        );
        catalog.set_ref_tracking(self.track_ref);
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let fory = ForyJit {
            id,
            shared: Arc::new(Shared::new(
                id,
                catalog,
                self.tier,
                CompilerOptions {
                    verifier: self.verifier,
                    optimize: self.optimize,
                    split_ops: self.split_ops,
                    quick_regalloc: self.quick_regalloc,
                },
                self.max_compile_ops,
                hot,
                self.inject_compile_panic_for,
            )),
            pool,
            tier: self.tier,
            opts: Options { limits: self.limits, string_policy: self.string_policy },
            mode: self.mode,
        };
        install_remote_hook(&fory.shared, fory.tier);
        fory
    }
}

/// A registered type: a cheap, copyable handle valid for the engine that returned it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TypeHandle {
    idx: TypeIdx,
}

impl TypeHandle {
    /// The type's index in its engine.
    pub fn index(self) -> TypeIdx {
        self.idx
    }
}

/// The types registered by one `register_schema` / `load_idl` call.
#[derive(Debug, Clone)]
pub struct SchemaHandle {
    types: Vec<(String, TypeHandle)>,
}

impl SchemaHandle {
    /// The type called `full_name` (`package.Type`), or its simple name when unambiguous.
    pub fn get(&self, name: &str) -> Option<TypeHandle> {
        if let Some((_, h)) = self.types.iter().find(|(n, _)| n == name) {
            return Some(*h);
        }
        let mut it = self.types.iter().filter(|(n, _)| n.rsplit('.').next() == Some(name));
        match (it.next(), it.next()) {
            (Some((_, h)), None) => Some(*h),
            _ => None,
        }
    }

    /// Every registered type with its full name, in schema order.
    pub fn types(&self) -> &[(String, TypeHandle)] {
        &self.types
    }
}

/// The engine: registered types, configuration, and serialize/deserialize.
///
/// `ForyJit` is `Send + Sync`; share one instance between threads.
#[derive(Debug)]
pub struct ForyJit {
    /// A process-unique id (binds `MetaShare`s to this engine).
    id: u64,
    shared: Arc<Shared>,
    pool: Option<rayon::ThreadPool>,
    tier: Tier,
    opts: Options,
    mode: Mode,
}

impl Default for ForyJit {
    fn default() -> Self {
        ForyJit::builder().build()
    }
}

impl ForyJit {
    /// A builder with the defaults.
    pub fn builder() -> ForyJitBuilder {
        ForyJitBuilder::default()
    }

    /// The mode this engine was built with.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The current catalog, for the length of one call (no lock, no shared write).
    pub(crate) fn snapshot(&self) -> arc_swap::Guard<Arc<Catalog>> {
        self.shared.catalog.load()
    }

    /// Registers a schema built in code; types may refer to types registered earlier.
    pub fn register_schema(&self, desc: SchemaDesc) -> Result<SchemaHandle, Error> {
        let (ids, types) = self.shared.catalog.update(|next| {
            let ids = next.register(desc)?;
            self.shared.reserve_heat(next.registry().len());
            let types: Vec<(String, TypeHandle)> = ids
                .iter()
                .filter_map(|&idx| {
                    next.registry().get(idx).map(|t| (t.full_name().to_owned(), TypeHandle { idx }))
                })
                .collect();
            Ok::<_, Error>((ids, types))
        })?;
        let cat = self.snapshot();
        let messages: Vec<TypeIdx> =
            ids.iter().copied().filter(|&t| cat.program(t).is_some()).collect();
        let eager = self.shared.hot.is_some_and(Thresholds::eager);
        for &t in &messages {
            let name = cat.registry().get(t).map(|i| i.full_name().to_owned()).unwrap_or_default();
            let (state, why) = match self.tier {
                Tier::Interpreter => {
                    (TierState::Interpreted, Some("interpreter-only engine".into()))
                }
                Tier::Auto if self.pool.is_none() => {
                    (TierState::Interpreted, Some("the compile pool could not be started".into()))
                }
                // Not hot yet; a caller may already have claimed it.
                Tier::Auto if !eager && self.shared.stats(t).is_some() => continue,
                Tier::Auto if !eager => (TierState::Interpreted, None),
                _ => (TierState::Queued, None),
            };
            self.shared.mark(t, name, state, why);
        }
        match (self.tier, &self.pool) {
            (Tier::Compiled, _) => {
                // JIT-only: a type that cannot be compiled is an error, not a silent fallback.
                for &t in &messages {
                    self.shared.compile(t);
                    if let Some(s) = self.shared.stats(t).filter(|s| s.tier != TierState::Compiled)
                    {
                        return Err(Error::Compile {
                            type_name: s.name,
                            reason: s.refusal.unwrap_or_default(),
                        });
                    }
                }
            }
            (Tier::Auto, Some(pool)) if eager => {
                let claimed = messages.into_iter().filter(|&t| self.shared.claim(t)).collect();
                compile_in_background(pool, &self.shared, claimed)
            }
            _ => {}
        }
        Ok(SchemaHandle { types })
    }

    /// Parses Fory IDL text and registers its types.
    pub fn load_idl(&self, text: &str) -> Result<SchemaHandle, Error> {
        self.register_schema(SchemaDesc::from_idl(text)?)
    }

    /// The registered type called `full_name`.
    pub fn type_handle(&self, full_name: &str) -> Option<TypeHandle> {
        self.snapshot().registry().by_name(full_name).map(|idx| TypeHandle { idx })
    }

    /// The handle of the registered type with index `idx` (as a decoded value names its type:
    /// [`StructValue::ty`], `EnumValue::ty`, `UnionValue::ty`).
    pub fn type_handle_of(&self, idx: TypeIdx) -> Option<TypeHandle> {
        self.snapshot().registry().get(idx).map(|_| TypeHandle { idx })
    }

    /// The full name of a registered type.
    pub fn type_name(&self, ty: TypeHandle) -> Option<String> {
        self.snapshot().registry().get(ty.idx).map(|t| t.full_name().to_owned())
    }

    /// Ordinal of field `name` of message `ty` (the index into [`StructValue::fields`]).
    pub fn field_ordinal(&self, ty: TypeHandle, name: &str) -> Option<usize> {
        self.snapshot().registry().message(ty.idx).and_then(|m| m.field_ordinal(name))
    }

    /// Field names of message `ty` in declaration (ordinal) order.
    pub fn field_names(&self, ty: TypeHandle) -> Option<Vec<String>> {
        self.snapshot()
            .registry()
            .message(ty.idx)
            .map(|m| m.fields.iter().map(|f| f.name.clone()).collect())
    }

    /// A struct value of message `ty` with every field null (fill it with [`ForyJit::set`]).
    pub fn new_struct(&self, ty: TypeHandle) -> Result<Value, Error> {
        let cat = self.snapshot();
        let m = message(&cat, ty)?;
        Ok(Value::Struct(StructValue::new(ty.idx, vec![Value::Null; m.fields.len()])))
    }

    /// The value of field `name` of a struct value.
    pub fn get<'v>(&self, value: &'v Value, name: &str) -> Option<&'v Value> {
        let s = value.as_struct()?;
        let ord = self.snapshot().registry().message(s.ty)?.field_ordinal(name)?;
        s.get(ord)
    }

    /// Sets field `name` of a struct value; returns `false` when there is no such field.
    pub fn set(&self, value: &mut Value, name: &str, field: Value) -> bool {
        let Value::Struct(s) = value else { return false };
        let ord = self.snapshot().registry().message(s.ty).and_then(|m| m.field_ordinal(name));
        match ord {
            Some(o) => s.set(o, field),
            None => false,
        }
    }

    /// Serializes a value into a new buffer.
    pub fn serialize(&self, value: &Value) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        self.serialize_into(value, &mut out)?;
        Ok(out)
    }

    /// Serializes a value into `out`, replacing its contents and reusing its capacity.
    pub fn serialize_into(&self, value: &Value, out: &mut Vec<u8>) -> Result<(), Error> {
        out.clear();
        let cat = self.shared.catalog.load();
        foryjit_interp::serialize(&cat, &self.opts, value, out)?;
        self.count(&cat, value, out.len());
        Ok(())
    }

    /// Deserializes one complete payload.
    pub fn deserialize(&self, bytes: &[u8]) -> Result<Value, Error> {
        let cat = self.shared.catalog.load();
        let v = foryjit_interp::deserialize(&cat, &self.opts, bytes);
        if let Ok(value) = &v {
            self.count(&cat, value, bytes.len());
        }
        drop(cat);
        if let Some(pool) = &self.pool {
            drain_remote_queue(pool, &self.shared);
        }
        Ok(v?)
    }

    /// Serializes a value graph: nodes referenced from several places, or from themselves, are
    /// written once (`00`) and referenced after (`fe <id>`), as pyfory and the `fory` crate
    /// write shared and cyclic objects with reference tracking on. See [`Graph`].
    pub fn serialize_graph(&self, graph: &Graph) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        let cat = self.shared.catalog.load();
        foryjit_interp::serialize_graph(&cat, &self.opts, graph, &mut out)?;
        Ok(out)
    }

    /// Deserializes a payload written with reference tracking into a value graph: every
    /// tracked value becomes a node of the [`Graph`] and every reference a `Value::Ref`, so
    /// sharing and cycles are kept (plain [`ForyJit::deserialize`] copies shared values and
    /// refuses cycles).
    pub fn deserialize_graph(&self, bytes: &[u8]) -> Result<Graph, Error> {
        let cat = self.shared.catalog.load();
        Ok(foryjit_interp::deserialize_graph(&cat, &self.opts, bytes)?)
    }

    /// [`ForyJit::serialize_into`] within a stream (compatible mode): TypeDefs already sent
    /// through `share` are referenced instead of repeated. See [`MetaShare`].
    pub fn serialize_shared(
        &self,
        value: &Value,
        out: &mut Vec<u8>,
        share: &mut MetaShare,
    ) -> Result<(), Error> {
        out.clear();
        if !share.bind(self.id) {
            return Err(Error::ForeignMetaShare);
        }
        let cat = self.shared.catalog.load();
        foryjit_interp::serialize_shared(&cat, &self.opts, value, out, share)?;
        self.count(&cat, value, out.len());
        Ok(())
    }

    /// [`ForyJit::deserialize`] within a stream (compatible mode): references to TypeDefs
    /// received earlier through `share` resolve. See [`MetaShare`].
    pub fn deserialize_shared(&self, bytes: &[u8], share: &mut MetaShare) -> Result<Value, Error> {
        if !share.bind(self.id) {
            return Err(Error::ForeignMetaShare);
        }
        let cat = self.shared.catalog.load();
        let v = foryjit_interp::deserialize_shared(&cat, &self.opts, bytes, share);
        if let Ok(value) = &v {
            self.count(&cat, value, bytes.len());
        }
        drop(cat);
        if let Some(pool) = &self.pool {
            drain_remote_queue(pool, &self.shared);
        }
        Ok(v?)
    }

    /// Compatible mode: how many reader programs for writers' schema versions that differ from
    /// ours have been compiled (they are compiled like registered types: at once in JIT-only
    /// engines, in the background in tiered ones).
    pub fn compiled_remote_readers(&self) -> u64 {
        self.shared.remote_compiled.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Compatible mode: how many of those compiled readers are still alive. A compiled reader
    /// lives as long as its received TypeDef is cached — the cache is bounded by
    /// [`CodecLimits::max_schema_versions_per_type`] and
    /// [`CodecLimits::max_average_schema_versions_per_type`], and a registration starts a fresh
    /// one — or held by a [`MetaShare`]; then its code is freed.
    pub fn live_remote_readers(&self) -> u64 {
        self.shared.remote_live.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Counts a successful call towards its root struct's type; the one caller that makes the
    /// type hot queues its compile.
    #[inline]
    fn count(&self, cat: &Catalog, root: &Value, bytes: usize) {
        if let Value::Struct(s) = root {
            if crate::heat::count(&self.shared, s.ty, bytes) {
                self.queue_hot(cat, s.ty);
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn queue_hot(&self, cat: &Catalog, root: TypeIdx) {
        if let Some(pool) = &self.pool {
            let types = self.shared.claim_reachable(cat, root);
            compile_in_background(pool, &self.shared, types);
        }
    }

    /// The tier configuration of this engine.
    pub fn tier(&self) -> Tier {
        self.tier
    }

    /// Tiering statistics of message `ty`: tier, calls, bytes, compile time, code bytes,
    /// refusal reason.
    pub fn type_stats(&self, ty: TypeHandle) -> Option<TypeStats> {
        self.shared.stats(ty.idx)
    }

    /// Test-only: (background compile jobs queued, type compiles started) so far.
    #[doc(hidden)]
    pub fn compile_counters(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.shared.jobs_queued.load(Relaxed), self.shared.compiles_started.load(Relaxed))
    }

    /// Waits until no background compile is queued (for tests and benchmarks; serving never
    /// needs this). Returns `false` on timeout.
    pub fn wait_for_compiles(&self, timeout: std::time::Duration) -> bool {
        let start = std::time::Instant::now();
        loop {
            let busy =
                self.shared.stats.lock().iter().flatten().any(|s| s.tier == TierState::Queued);
            if !busy {
                return true;
            }
            if start.elapsed() > timeout {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// The IR program of message `ty` as text (for debugging).
    pub fn dump_ir(&self, ty: TypeHandle) -> Option<String> {
        self.snapshot().program(ty.idx).map(|p| p.to_string())
    }

    /// Converts a value of type `ty` to canonical JSON (see `docs/canonical-json.md`).
    pub fn to_json(&self, ty: TypeHandle, value: &Value) -> Result<serde_json::Value, Error> {
        let cat = self.snapshot();
        Ok(json::to_json(cat.registry(), ty.idx, value)?)
    }

    /// Builds a value of type `ty` from canonical JSON.
    pub fn from_json(&self, ty: TypeHandle, json: &serde_json::Value) -> Result<Value, Error> {
        let cat = self.snapshot();
        Ok(json::from_json(cat.registry(), ty.idx, json)?)
    }
}

fn message(cat: &Catalog, ty: TypeHandle) -> Result<&MessageInfo, Error> {
    match cat.registry().get(ty.idx).map(|t| &**t) {
        Some(TypeInfo::Message(m)) => Ok(m),
        Some(t) => Err(Error::UnknownType(format!("{} is not a message", t.full_name()))),
        None => Err(Error::UnknownType(format!("#{}", ty.idx.0))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<ForyJit>();
        assert_send_sync::<Value>();
    }
}
