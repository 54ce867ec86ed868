//! `ForyJit`: the engine facade.

use crate::backend::{CompilerOptions, DEFAULT_SPLIT_OPS};
use crate::heat::Thresholds;
use crate::introspect::{self, RemoteTypeSchema, TypeSchema};
use crate::json;
use crate::tier::{
    compile_in_background, drain_remote_queue, install_remote_hook, Shared, Tier, TierState,
    TypeStats,
};
use crate::view::{self, ValueError, ValueView};
use crate::Error;
use crate::ValueSeed;
use foryjit_interp::{Catalog, Evolution, MetaShare, Options};
use foryjit_schema::idl::{self, FsLoader, IdlLimits, IdlLoader};
use foryjit_schema::typedef::TypeDef;
use foryjit_schema::{Limits, MessageInfo, ResolvedType, SchemaDesc, TypeInfo};
use foryjit_wire::{CodecLimits, Graph, StringPolicy, TypeIdx, UnknownStruct, Value};
use std::path::Path;
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

/// Which binary values [`ForyJit::serialize_with_buffers`] sends out of band (pyfory's
/// `buffer_callback`, whose `False` means out of band; here `true` does).
#[derive(Clone, Copy)]
pub enum BufferPolicy<'f> {
    /// Binaries of at least this many bytes (0: all of them).
    AtLeast(usize),
    /// Binaries whose bytes this returns `true` for, asked in wire order.
    Callback(&'f dyn Fn(&[u8]) -> bool),
}

impl std::fmt::Debug for BufferPolicy<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BufferPolicy::AtLeast(n) => f.debug_tuple("AtLeast").field(n).finish(),
            BufferPolicy::Callback(_) => f.write_str("Callback(..)"),
        }
    }
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
    strict_evolution: bool,
}

impl Default for ForyJitBuilder {
    fn default() -> Self {
        ForyJitBuilder {
            tier: Tier::from_env().unwrap_or_default(),
            verifier: cfg!(debug_assertions),
            optimize: false,
            split_ops: DEFAULT_SPLIT_OPS,
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
            strict_evolution: false,
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

    /// Compatible mode: refuse to read a struct whose writer's TypeDef would lose data (default
    /// off, as the peers). Off, a writer field we have no field for is skipped and a field of
    /// ours the writer does not send takes its default, silently — a schema whose fields are
    /// identified by tag id and a writer's whose fields are identified by name (a plain pyfory
    /// dataclass) match nothing, and every value reads as all defaults. On, such a read fails
    /// with [`ErrorKind::StrictEvolution`](crate::ErrorKind::StrictEvolution) naming the first
    /// skipped writer field, or else the first non-nullable field of ours left to its default
    /// (nullable fields may be absent). [`ForyJit::evolution_report`] lists what each writer
    /// schema received maps to, either way.
    pub fn strict_evolution(mut self, on: bool) -> Self {
        self.strict_evolution = on;
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
            opts: Options {
                limits: self.limits,
                string_policy: self.string_policy,
                strict_evolution: self.strict_evolution,
            },
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
    pub(crate) fn new(idx: TypeIdx) -> Self {
        TypeHandle { idx }
    }

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

    /// Registers a schema built in code; types may refer to types registered earlier (by full
    /// name).
    ///
    /// A type registered again with the same descriptor keeps its handle; with another
    /// descriptor it becomes a new version, which serves every call from then on, while values
    /// built with the previous version's handle still serialize as that version (see
    /// [`ForyJit::is_current`] and the [`idl`](crate::idl) reference, "Registering again").
    pub fn register_schema(&self, desc: SchemaDesc) -> Result<SchemaHandle, Error> {
        self.register_with(|_| Ok(desc))
    }

    /// Registers the schema `make` builds from the current registry, under the registration
    /// lock (so that names resolved against the registry stay valid).
    fn register_with(
        &self,
        make: impl FnOnce(&foryjit_schema::Registry) -> Result<SchemaDesc, Error>,
    ) -> Result<SchemaHandle, Error> {
        let (ids, before, types) = self.shared.catalog.update(|next| {
            let desc = make(next.registry())?;
            let before = next.registry().len();
            let ids = next.register(desc)?;
            self.shared.reserve_heat(next.registry().len());
            let types: Vec<(String, TypeHandle)> = ids
                .iter()
                .filter_map(|&idx| {
                    next.registry().get(idx).map(|t| (t.full_name().to_owned(), TypeHandle { idx }))
                })
                .collect();
            Ok::<_, Error>((ids, before, types))
        })?;
        let cat = self.snapshot();
        // Types registered before (unchanged re-registrations) are already set up.
        let messages: Vec<TypeIdx> = ids
            .iter()
            .copied()
            .filter(|&t| t.0 as usize >= before && cat.program(t).is_some())
            .collect();
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

    /// Parses Fory IDL text and registers its types. Type names the text does not define may
    /// refer to types registered earlier, by full name (`geo.Point`) or relative to the text's
    /// package (`Point` in a text of package `geo`). `import` needs a loader:
    /// [`load_idl_with`](Self::load_idl_with), [`load_idl_file`](Self::load_idl_file). See the
    /// [`idl`](crate::idl) reference.
    ///
    /// ```
    /// use foryjit::ForyJit;
    /// let fory = ForyJit::default();
    /// fory.load_idl("package geo; message Point [id=1] { int32 x = 1; int32 y = 2; }")?;
    /// let line = fory.load_idl("package geo; message Line [id=2] { Point a = 1; Point b = 2; }")?;
    /// assert!(line.get("geo.Line").is_some());
    /// # Ok::<(), foryjit::Error>(())
    /// ```
    pub fn load_idl(&self, text: &str) -> Result<SchemaHandle, Error> {
        self.register_with(|reg| Ok(idl::parse_resolving(text, &IdlLimits::default(), Some(reg))?))
    }

    /// [`load_idl`](Self::load_idl) for text whose `import`s `loader` resolves (its imports are
    /// looked up with no importing file: relative to the loader's root or search path). The
    /// imported files' types are registered too, before the text's own; a file imported along
    /// several paths is registered once.
    ///
    /// ```
    /// use foryjit::{ForyJit, idl::MemoryLoader};
    /// let loader = MemoryLoader::new()
    ///     .file("geo/point.fdl", "package geo; message Point [id=1] { int32 x = 1; }");
    /// let fory = ForyJit::default();
    /// let schema = fory.load_idl_with(
    ///     "package app; import \"geo/point.fdl\"; message Pin [id=2] { Point at = 1; }",
    ///     &loader,
    /// )?;
    /// let names: Vec<&str> = schema.types().iter().map(|(n, _)| n.as_str()).collect();
    /// assert_eq!(names, ["geo.Point", "app.Pin"]);
    /// # Ok::<(), foryjit::Error>(())
    /// ```
    pub fn load_idl_with(&self, text: &str, loader: &dyn IdlLoader) -> Result<SchemaHandle, Error> {
        self.register_with(|reg| {
            Ok(idl::parse_with(text, loader, &IdlLimits::default(), Some(reg))?)
        })
    }

    /// Loads the IDL file at `path` and the files it imports, from the file system: an import
    /// is looked up relative to the importing file, then nowhere else (use
    /// [`load_idl_file_with`](Self::load_idl_file_with) with an
    /// [`FsLoader`](crate::idl::FsLoader) for a search path).
    pub fn load_idl_file(&self, path: impl AsRef<Path>) -> Result<SchemaHandle, Error> {
        let path = path.as_ref().to_string_lossy();
        self.load_idl_file_with(&path, &FsLoader::new())
    }

    /// Loads the file `path` as `loader` names it (`loader.load(None, path)`), and the files it
    /// imports.
    ///
    /// ```no_run
    /// use foryjit::{ForyJit, idl::FsLoader};
    /// let fory = ForyJit::default();
    /// let loader = FsLoader::new().search_dir("/etc/myapp/schemas");
    /// let schema = fory.load_idl_file_with("orders.fdl", &loader)?;
    /// # Ok::<(), foryjit::Error>(())
    /// ```
    pub fn load_idl_file_with(
        &self,
        path: &str,
        loader: &dyn IdlLoader,
    ) -> Result<SchemaHandle, Error> {
        self.register_with(|reg| {
            Ok(idl::load_file(path, loader, &IdlLimits::default(), Some(reg))?)
        })
    }

    /// Compatible mode: for each writer schema (struct TypeDef) received since the last
    /// registration, how its fields map onto the registered message: fields matched, writer
    /// fields skipped, fields of ours defaulted. A writer whose schema equals ours reports every
    /// field matched.
    ///
    /// ```
    /// use foryjit::ForyJit;
    /// let writer = ForyJit::default();
    /// let w = writer.load_idl("package p; message M [id=1] { int32 a = 1; string gone = 2; }")?;
    /// let bytes = writer.serialize(&writer.from_json(w.get("p.M").unwrap(), &serde_json::json!({"a": 1, "gone": "x"}))?)?;
    /// let reader = ForyJit::default();
    /// reader.load_idl("package p; message M [id=1] { int32 a = 1; int64 added = 3; }")?;
    /// reader.deserialize(&bytes)?;
    /// let report = &reader.evolution_report()[0];
    /// assert_eq!((report.matched.as_slice(), report.skipped.as_slice(), report.defaulted.as_slice()),
    ///            (&["a".to_string()][..], &["#2".to_string()][..], &["added".to_string()][..]));
    /// // Strict evolution refuses it, naming the field.
    /// let strict = ForyJit::builder().strict_evolution(true).build();
    /// strict.load_idl("package p; message M [id=1] { int32 a = 1; int64 added = 3; }")?;
    /// let err = strict.deserialize(&bytes).unwrap_err();
    /// assert!(err.to_string().contains("strict evolution: skipped writer field p.M#2"), "{err}");
    /// # Ok::<(), foryjit::Error>(())
    /// ```
    pub fn evolution_report(&self) -> Vec<Evolution> {
        self.snapshot().remote_evolutions()
    }

    /// True when `ty` is the version of its type that the engine serves: the one lookups by
    /// name return and that incoming bytes are read as. A type registered again with another
    /// descriptor gets a new handle; the old one stays usable (values built with it serialize
    /// as that version) but is no longer current.
    pub fn is_current(&self, ty: TypeHandle) -> bool {
        self.snapshot().registry().is_current(ty.idx)
    }

    /// The registered type called `full_name`.
    pub fn type_handle(&self, full_name: &str) -> Option<TypeHandle> {
        self.snapshot().registry().by_name(full_name).map(|idx| TypeHandle { idx })
    }

    /// The handle of the registered type with index `idx` (as a decoded value names its type:
    /// [`StructValue::ty`](crate::StructValue::ty), `EnumValue::ty`, `UnionValue::ty`).
    pub fn type_handle_of(&self, idx: TypeIdx) -> Option<TypeHandle> {
        self.snapshot().registry().get(idx).map(|_| TypeHandle { idx })
    }

    /// The full name of a registered type.
    pub fn type_name(&self, ty: TypeHandle) -> Option<String> {
        self.snapshot().registry().get(ty.idx).map(|t| t.full_name().to_owned())
    }

    /// Ordinal of field `name` of message `ty` (the index into [`StructValue::fields`](crate::StructValue::fields)).
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

    /// A struct value of message `ty` with every field at its schema default, so that it
    /// serializes as it is: numbers 0, `false`, `""`, empty bytes, lists, sets, maps and
    /// arrays, the epoch for dates and timestamps, the first declared member of an enum, the
    /// first case of a union holding its own default, a non-nullable message field a struct of
    /// its own defaults; nullable fields (every `optional` field, every FDL message field, `any`)
    /// are null. Fill it with [`ForyJit::set`].
    ///
    /// ```
    /// # use foryjit::{ForyJit, Value};
    /// let fory = ForyJit::default();
    /// let ty = fory.load_idl("package d; enum E [id=1] { A = 3; B = 4; }
    ///     message M [id=2] { int64 n = 1; string s = 2; E e = 3; optional int32 o = 4; list<int32> l = 5; }")?
    ///     .get("d.M").unwrap();
    /// let value = fory.new_struct(ty)?;
    /// assert_eq!(fory.to_json(ty, &value)?, serde_json::json!({"n": 0, "s": "", "e": "A", "o": null, "l": []}));
    /// assert_eq!(fory.deserialize(&fory.serialize(&value)?)?, value);
    /// # Ok::<(), foryjit::Error>(())
    /// ```
    pub fn new_struct(&self, ty: TypeHandle) -> Result<Value, Error> {
        let cat = self.snapshot();
        message(&cat, ty)?;
        let reg = cat.registry();
        Ok(view::default_value(reg, &ResolvedType::Message(ty.idx), &mut Vec::new()))
    }

    /// The value of field `name` of a struct value.
    pub fn get<'v>(&self, value: &'v Value, name: &str) -> Option<&'v Value> {
        let s = value.as_struct()?;
        let ord = self.snapshot().registry().message(s.ty)?.field_ordinal(name)?;
        s.get(ord)
    }

    /// Sets field `name` of a struct value to `field`, checked against the field's declared
    /// type all the way down: a value of another type, a null in a field that is neither
    /// nullable nor `ref`, an unknown field or a value that is not a struct is an
    /// [`Error::Value`] saying what was expected, and the struct is left as it was. An integer
    /// or float of another width is converted when that loses nothing (`5i32` into an `int64`
    /// or `uint8` field, `0.5f64` into a `float32` one).
    ///
    /// ```
    /// # use foryjit::{Error, ForyJit, Value, ValueError};
    /// let fory = ForyJit::default();
    /// let ty = fory.load_idl("package d; message M [id=1] { int64 n = 1; list<string> tags = 2; }")?
    ///     .get("d.M").unwrap();
    /// let mut m = fory.new_struct(ty)?;
    /// fory.set(&mut m, "n", 5i32)?; // widened to int64
    /// assert_eq!(fory.get(&m, "n"), Some(&Value::Int64(5)));
    /// let err = fory.set(&mut m, "tags", Value::list(vec![Value::from("a"), Value::from(1i32)]));
    /// assert_eq!(err.unwrap_err().to_string(), "at tags[1]: expected string, found int32");
    /// assert!(matches!(fory.set(&mut m, "nope", 1i64), Err(Error::Value(ValueError::NoSuchField { .. }))));
    /// # Ok::<(), foryjit::Error>(())
    /// ```
    pub fn set(&self, value: &mut Value, name: &str, field: impl Into<Value>) -> Result<(), Error> {
        let cat = self.snapshot();
        let reg = cat.registry();
        let not_struct = |v: &Value| ValueError::NotAStruct { found: view::describe_value(reg, v) };
        let Value::Struct(s) = value else { return Err(not_struct(value).into()) };
        let Some(m) = reg.message(s.ty) else { return Err(not_struct(value).into()) };
        let Some(ord) = m.field_ordinal(name) else {
            let type_name = m.full_name.clone();
            return Err(ValueError::NoSuchField { type_name, field: name.to_owned() }.into());
        };
        let f = &m.fields[ord];
        let field = view::coerce(&f.ty, field.into());
        view::conform(reg, &f.ty, f.nullable || f.tracking_ref, &field)
            .map_err(|misfit| misfit.into_error(name))?;
        match s.get_mut(ord) {
            Some(slot) => {
                *slot = field;
                Ok(())
            }
            None => Err(ValueError::WrongType {
                path: name.to_owned(),
                expected: format!("a struct with {} fields", m.fields.len()),
                found: format!("{} fields", s.fields.len()),
            }
            .into()),
        }
    }

    /// Sets field `name` of a struct value without checking the value against the field's
    /// type (the serializer refuses a value that does not fit); returns `false` when there is
    /// no such field. For tests and tools that build invalid values on purpose; use
    /// [`ForyJit::set`] otherwise.
    pub fn set_unchecked(&self, value: &mut Value, name: &str, field: Value) -> bool {
        let Value::Struct(s) = value else { return false };
        let ord = self.snapshot().registry().message(s.ty).and_then(|m| m.field_ordinal(name));
        match ord {
            Some(o) => s.set(o, field),
            None => false,
        }
    }

    /// Checks that `value` is a value of registered type `ty` all the way down (the check
    /// [`ForyJit::set`] applies to one field), naming the first position that does not fit.
    ///
    /// ```
    /// # use foryjit::{ForyJit, StructValue, Value};
    /// # let fory = ForyJit::default();
    /// let ty = fory.load_idl("package d; message P [id=1] { int32 x = 1; }")?.get("d.P").unwrap();
    /// let bad = Value::Struct(StructValue::new(ty.index(), vec![Value::from("1")]));
    /// assert_eq!(fory.check(ty, &bad).unwrap_err().to_string(), "at x: expected int32, found string");
    /// # Ok::<(), foryjit::Error>(())
    /// ```
    pub fn check(&self, ty: TypeHandle, value: &Value) -> Result<(), Error> {
        let cat = self.snapshot();
        let rt = user_type(&cat, ty)?;
        view::conform(cat.registry(), &rt, true, value).map_err(|m| m.into_error("").into())
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

    /// [`ForyJit::deserialize`], checking that the root is a value of `ty` (a struct of that
    /// message, a value of that enum or union): anything else is an
    /// [`Error::Value`]([`ValueError::WrongRootType`]) naming both types.
    ///
    /// ```
    /// # use foryjit::ForyJit;
    /// let fory = ForyJit::default();
    /// let s = fory.load_idl("package d; message A [id=1] { int32 x = 1; } message B [id=2] { int32 x = 1; }")?;
    /// let (a, b) = (s.get("d.A").unwrap(), s.get("d.B").unwrap());
    /// let bytes = fory.serialize(&fory.new_struct(a)?)?;
    /// assert!(fory.deserialize_as(a, &bytes).is_ok());
    /// assert_eq!(fory.deserialize_as(b, &bytes).unwrap_err().to_string(), "expected d.B, found struct d.A");
    /// # Ok::<(), foryjit::Error>(())
    /// ```
    pub fn deserialize_as(&self, ty: TypeHandle, bytes: &[u8]) -> Result<Value, Error> {
        let value = self.deserialize(bytes)?;
        let found = match &value {
            Value::Struct(s) => Some(s.ty),
            Value::Enum(e) => Some(e.ty),
            Value::Union(u) => Some(u.ty),
            _ => None,
        };
        if found == Some(ty.idx) {
            return Ok(value);
        }
        let cat = self.snapshot();
        let reg = cat.registry();
        Err(ValueError::WrongRootType {
            expected: view::type_name_of(reg, ty.idx),
            found: view::describe_value(reg, &value),
        }
        .into())
    }

    /// Serializes `value` with out-of-band buffers, as pyfory's
    /// `fory.serialize(obj, buffer_callback=cb)` does: the header is `0x03`, each binary value
    /// gets an in-band marker, and the binaries `policy` picks are left out of the payload and
    /// returned, in wire order, as slices borrowing `value`'s bytes — nothing is copied. Dense
    /// arrays stay in band (pyfory 1.7.7 never sends them out of band in xlang mode). Give the
    /// payload and the buffers to [`ForyJit::deserialize_with_buffers`] or to pyfory's
    /// `deserialize(data, buffers=[...])`. Both tiers write the same bytes (the write is
    /// interpreted; see `docs/out-of-band.md`).
    ///
    /// ```
    /// # use foryjit::{BufferPolicy, ForyJit, Value};
    /// let fory = ForyJit::default();
    /// let big = Value::Binary(vec![7u8; 4096].into());
    /// let v = Value::list(vec![Value::Binary(b"small".to_vec().into()), big]);
    /// let (bytes, buffers) = fory.serialize_with_buffers(&v, BufferPolicy::AtLeast(1024))?;
    /// assert_eq!(bytes[0], 0x03);
    /// assert_eq!(buffers.len(), 1);
    /// let Value::List(items) = &v else { unreachable!() };
    /// let Value::Binary(b) = &items[1] else { unreachable!() };
    /// assert_eq!(buffers[0].as_ptr(), b.as_ptr()); // borrowed, not copied
    /// assert_eq!(fory.deserialize_with_buffers(&bytes, &buffers)?, v);
    /// # Ok::<(), foryjit::Error>(())
    /// ```
    pub fn serialize_with_buffers<'v>(
        &self,
        value: &'v Value,
        policy: BufferPolicy<'_>,
    ) -> Result<(Vec<u8>, Vec<&'v [u8]>), Error> {
        let mut out = Vec::new();
        let cat = self.shared.catalog.load();
        let at_least;
        let decide: &dyn Fn(&[u8]) -> bool = match policy {
            BufferPolicy::AtLeast(n) => {
                at_least = move |b: &[u8]| b.len() >= n;
                &at_least
            }
            BufferPolicy::Callback(f) => f,
        };
        let buffers =
            foryjit_interp::serialize_with_buffers(&cat, &self.opts, value, &mut out, decide)?;
        self.count(&cat, value, out.len());
        Ok((out, buffers))
    }

    /// Deserializes a payload written with out-of-band buffers (by
    /// [`ForyJit::serialize_with_buffers`] or pyfory's `buffer_callback`); `buffers` are its
    /// out-of-band binaries in order. Each is copied once into the value ([`Value::Binary`]
    /// owns its bytes). An in-band payload reads as with [`ForyJit::deserialize`] when
    /// `buffers` is empty. Errors: a payload that needs more buffers than given
    /// ([`ErrorKind::MissingBuffer`](crate::ErrorKind)), one that uses fewer
    /// (`UnusedBuffers`), and plain [`ForyJit::deserialize`] of an out-of-band payload
    /// (`BuffersRequired`).
    pub fn deserialize_with_buffers(
        &self,
        bytes: &[u8],
        buffers: &[&[u8]],
    ) -> Result<Value, Error> {
        let cat = self.shared.catalog.load();
        let v = foryjit_interp::deserialize_with_buffers(&cat, &self.opts, bytes, buffers);
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

    /// A schema-aware view of `value`: its type is the value's own (a struct's message, an
    /// enum's or union's type; other values are viewed as an `any` position would hold them).
    /// See [`ValueView`].
    pub fn view<'a>(&self, value: &'a Value) -> ValueView<'a> {
        let cat = arc_swap::Guard::into_inner(self.snapshot());
        let ty = view::type_of_value(cat.registry(), value);
        ValueView::new(cat, ty, value)
    }

    /// A schema-aware view of `value` as a value of registered type `ty`; the root must be of
    /// that type (or null), which is checked (see [`ForyJit::check`] for a check all the way
    /// down).
    pub fn view_as<'a>(&self, ty: TypeHandle, value: &'a Value) -> Result<ValueView<'a>, Error> {
        let cat = arc_swap::Guard::into_inner(self.snapshot());
        let rt = user_type(&cat, ty)?;
        let root = match value {
            Value::Struct(s) => Some(s.ty),
            Value::Enum(e) => Some(e.ty),
            Value::Union(u) => Some(u.ty),
            _ => None,
        };
        if !value.is_null() && root != Some(ty.idx) {
            let reg = cat.registry();
            return Err(ValueError::WrongRootType {
                expected: view::type_name_of(reg, ty.idx),
                found: view::describe_value(reg, value),
            }
            .into());
        }
        Ok(ValueView::new(cat, rt, value))
    }

    /// A serde [`DeserializeSeed`](serde::de::DeserializeSeed) that builds a value of
    /// registered type `ty` from any self-describing serde format. See [`ValueSeed`].
    pub fn value_seed(&self, ty: TypeHandle) -> ValueSeed {
        let cat = arc_swap::Guard::into_inner(self.snapshot());
        let rt = user_type(&cat, ty).unwrap_or(ResolvedType::Message(ty.idx));
        ValueSeed::new(cat, rt)
    }

    /// What the engine knows about registered type `ty`: name, wire identity, and its fields
    /// (name, tag id, type, nullable, ref), members or cases. See [`crate::introspect`].
    pub fn describe(&self, ty: TypeHandle) -> Option<TypeSchema> {
        introspect::describe(self.snapshot().registry(), ty.idx)
    }

    /// [`ForyJit::describe`] of the type called `full_name`.
    pub fn describe_name(&self, full_name: &str) -> Option<TypeSchema> {
        let cat = self.snapshot();
        introspect::describe(cat.registry(), cat.registry().by_name(full_name)?)
    }

    /// Every registered type, in registration order.
    pub fn registered_types(&self) -> Vec<TypeSchema> {
        let cat = self.snapshot();
        let reg = cat.registry();
        (0..reg.len() as u32).filter_map(|i| introspect::describe(reg, TypeIdx(i))).collect()
    }

    /// Compatible mode: the types peers have described in the TypeDefs this engine received
    /// and still caches (since the last registration, which starts a fresh cache), each with
    /// the writer's fields (tag id or name, type, nullable, ref) and the registered type it
    /// matched, if any. TypeDefs held only by a [`MetaShare`] are not listed.
    pub fn remote_types(&self) -> Vec<RemoteTypeSchema> {
        self.snapshot()
            .remote_types()
            .iter()
            .map(|t| RemoteTypeSchema::of(&t.def, t.local.map(TypeHandle::new)))
            .collect()
    }

    /// The writer's description of a struct this engine has not registered (a
    /// [`Value::Unknown`] read in compatible mode), from the TypeDef it carries.
    pub fn describe_unknown(&self, value: &UnknownStruct) -> Result<RemoteTypeSchema, Error> {
        let def = TypeDef::parse(&value.typedef, &Default::default())?;
        Ok(RemoteTypeSchema::of(&def, None))
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

/// The resolved type of registered type `ty` (an error when it is not registered).
fn user_type(cat: &Catalog, ty: TypeHandle) -> Result<ResolvedType, Error> {
    match cat.registry().get(ty.idx).map(|t| &**t) {
        Some(TypeInfo::Message(_)) => Ok(ResolvedType::Message(ty.idx)),
        Some(TypeInfo::Enum(_)) => Ok(ResolvedType::Enum(ty.idx)),
        Some(TypeInfo::Union(_)) => Ok(ResolvedType::Union(ty.idx)),
        None => Err(Error::UnknownType(format!("#{}", ty.idx.0))),
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
