//! The engines the targets run: for each configuration an interpreter-only and a JIT-only
//! engine with the same schemas, built once per process.
//!
//! Two schema sets: `peer` (every top-level `tests/schemas/*.fdl`, plus the second version of
//! the evolution schemas) and `golden` (the `golden` and `golden_named` schemas of
//! `tests/golden/vectors.json`, so the golden payloads decode to registered types). Each in
//! compatible and in same-schema mode, with reference tracking off ([`plain`]) or on ([`graph`]).
//!
//! A received TypeDef is cached per engine, so that the engines' answers would depend on the
//! inputs before. [`Pair::reset`] starts a fresh cache before each input (a registration starts
//! one), which keeps every input's result its own. The JIT engine keeps the code of every remote
//! reader it compiled until it is dropped, so a pair is rebuilt after [`RECYCLE_AFTER`] of them.

use crate::alloc;
use crate::Finding;
use foryjit::{ForyJit, Mode, SchemaDesc, StringPolicy, Tier};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The peer schema files, by name.
pub const PEER_SCHEMAS: [(&str, &str); 12] = [
    ("aliases.fdl", include_str!("../../tests/schemas/aliases.fdl")),
    ("autoid.fdl", include_str!("../../tests/schemas/autoid.fdl")),
    ("bench.fdl", include_str!("../../tests/schemas/bench.fdl")),
    ("collections.fdl", include_str!("../../tests/schemas/collections.fdl")),
    ("enums.fdl", include_str!("../../tests/schemas/enums.fdl")),
    ("misc.fdl", include_str!("../../tests/schemas/misc.fdl")),
    ("named.fdl", include_str!("../../tests/schemas/named.fdl")),
    ("nested.fdl", include_str!("../../tests/schemas/nested.fdl")),
    ("nopkg.fdl", include_str!("../../tests/schemas/nopkg.fdl")),
    ("scalars.fdl", include_str!("../../tests/schemas/scalars.fdl")),
    ("evolution/v2.fdl", include_str!("../../tests/schemas/evolution/v2.fdl")),
    ("evolution/named_v2.fdl", include_str!("../../tests/schemas/evolution/named_v2.fdl")),
];

/// The golden vectors (payloads, and the schemas they were written with).
pub const VECTORS: &str = include_str!("../../tests/golden/vectors.json");

/// The golden schemas that FDL can state (the third, `plain`, is a hand-written dataclass).
pub const GOLDEN_SCHEMAS: [&str; 2] = ["golden", "golden_named"];

/// Remote reader programs a JIT engine may have compiled before its pair is rebuilt.
pub const RECYCLE_AFTER: u64 = 512;

/// A schema set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaSet {
    /// `tests/schemas`.
    Peer,
    /// The golden vectors' schemas.
    Golden,
}

/// One configuration: schema set, mode and reference tracking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// The schemas.
    pub set: SchemaSet,
    /// The mode.
    pub mode: Mode,
    /// Reference tracking.
    pub track_ref: bool,
}

impl Config {
    /// A short name for messages: `peer/compatible`, `golden/same-schema+ref`, ...
    pub fn name(self) -> String {
        let set = match self.set {
            SchemaSet::Peer => "peer",
            SchemaSet::Golden => "golden",
        };
        let mode = match self.mode {
            Mode::Compatible => "compatible",
            Mode::Consistent => "same-schema",
        };
        format!("{set}/{mode}{}", if self.track_ref { "+ref" } else { "" })
    }

    fn engine(self, tier: Tier) -> ForyJit {
        let fory = ForyJit::builder()
            .tier(tier)
            .mode(self.mode)
            .track_ref(self.track_ref)
            .string_policy(StringPolicy::PyforyLike)
            .build();
        for (name, text) in schema_texts(self.set) {
            // The schemas are the repository's own: failing to load one is a harness bug.
            if let Err(e) = fory.load_idl(&text) {
                panic!("{}: cannot load {name} with {tier:?}: {e}", self.name());
            }
        }
        fory
    }
}

/// The FDL texts of a schema set, by name.
pub fn schema_texts(set: SchemaSet) -> Vec<(String, String)> {
    match set {
        SchemaSet::Peer => {
            PEER_SCHEMAS.iter().map(|(n, t)| ((*n).to_owned(), (*t).to_owned())).collect()
        }
        SchemaSet::Golden => {
            let doc: serde_json::Value =
                serde_json::from_str(VECTORS).expect("tests/golden/vectors.json is JSON");
            GOLDEN_SCHEMAS
                .iter()
                .map(|n| {
                    let text = doc["schemas"][n].as_str().expect("vectors.json: golden schema");
                    ((*n).to_owned(), text.to_owned())
                })
                .collect()
        }
    }
}

/// An interpreter-only and a JIT-only engine of one configuration.
#[derive(Debug)]
pub struct Pair {
    /// The configuration (`None` for engines built by a target itself).
    pub config: Option<Config>,
    /// The engines' mode.
    pub mode: Mode,
    /// `Tier::Interpreter`.
    pub interp: ForyJit,
    /// `Tier::Compiled`: every type compiled at registration, every remote reader when received.
    pub jit: ForyJit,
    name: String,
}

impl Pair {
    /// Builds both engines.
    pub fn new(config: Config) -> Pair {
        Pair {
            config: Some(config),
            mode: config.mode,
            interp: config.engine(Tier::Interpreter),
            jit: config.engine(Tier::Compiled),
            name: config.name(),
        }
    }

    /// A pair of engines built elsewhere (`interp` interpreter-only, `jit` JIT-only, both in
    /// `mode`), called `name` in findings.
    pub fn from_engines(name: String, mode: Mode, interp: ForyJit, jit: ForyJit) -> Pair {
        Pair { config: None, mode, interp, jit, name }
    }

    /// The configuration's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Forgets the TypeDefs received so far (an empty registration starts a fresh cache).
    pub fn reset(&self) {
        for e in [&self.interp, &self.jit] {
            if let Err(err) = e.register_schema(SchemaDesc::default()) {
                panic!("{}: an empty registration failed: {err}", self.name);
            }
        }
    }

    /// Runs `f` on both engines, each with its own state, and checks that each call stayed
    /// within the allocation budget of `input` bytes.
    pub fn both<S, R>(
        &self,
        call: &'static str,
        input: usize,
        (si, sj): (&mut S, &mut S),
        f: impl Fn(&ForyJit, &mut S) -> R,
    ) -> Result<(R, R), Finding> {
        let (a, peak) = alloc::measure(|| f(&self.interp, si));
        self.within_budget(call, "interpreter", input, peak)?;
        let (b, peak) = alloc::measure(|| f(&self.jit, sj));
        self.within_budget(call, "compiled", input, peak)?;
        Ok((a, b))
    }

    /// [`Pair::both`] without state.
    pub fn both_plain<R>(
        &self,
        call: &'static str,
        input: usize,
        f: impl Fn(&ForyJit) -> R,
    ) -> Result<(R, R), Finding> {
        self.both(call, input, (&mut (), &mut ()), |e, _| f(e))
    }

    /// An error when `peak` is over the budget of `input` bytes.
    pub fn within_budget(
        &self,
        call: &'static str,
        tier: &'static str,
        input: usize,
        peak: usize,
    ) -> Result<(), Finding> {
        let budget = alloc::budget(input);
        if peak > budget {
            return Err(Finding::Allocation {
                call,
                config: format!("{} ({tier})", self.name),
                peak,
                budget,
                input,
            });
        }
        Ok(())
    }

    fn worn_out(&self) -> bool {
        self.jit.compiled_remote_readers() > RECYCLE_AFTER
    }
}

/// A lazily built set of pairs.
pub struct Pairs {
    configs: fn() -> Vec<Config>,
    pairs: Mutex<Vec<Pair>>,
}

impl Pairs {
    const fn new(configs: fn() -> Vec<Config>) -> Pairs {
        Pairs { configs, pairs: Mutex::new(Vec::new()) }
    }

    /// Runs `f` on the pairs (built on first use, rebuilt when worn out), one caller at a time.
    pub fn with<R>(&self, f: impl FnOnce(&[Pair]) -> R) -> R {
        let mut guard: MutexGuard<'_, Vec<Pair>> =
            self.pairs.lock().unwrap_or_else(PoisonError::into_inner);
        if guard.is_empty() {
            *guard = (self.configs)().into_iter().map(Pair::new).collect();
        }
        for p in guard.iter_mut() {
            if let Some(config) = p.config.filter(|_| p.worn_out()) {
                *p = Pair::new(config);
            }
        }
        f(&guard)
    }
}

fn configs(track_ref: bool) -> Vec<Config> {
    let mut out = Vec::with_capacity(4);
    for set in [SchemaSet::Peer, SchemaSet::Golden] {
        for mode in [Mode::Compatible, Mode::Consistent] {
            out.push(Config { set, mode, track_ref });
        }
    }
    out
}

/// Reference tracking off: both schema sets in both modes.
pub static PLAIN: Pairs = Pairs::new(|| configs(false));

/// Reference tracking on: both schema sets in both modes.
pub static GRAPH: Pairs = Pairs::new(|| configs(true));
