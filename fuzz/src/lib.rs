//! # foryjit-fuzz
//!
//! The logic of the fuzz targets in `fuzz_targets/`, as plain functions from input bytes to
//! `Result<(), Finding>`, so that libFuzzer (through `cargo fuzz`) and ordinary tests
//! (`tests/seeds.rs`: the seed corpus, the known findings) drive the same code.
//!
//! ```text
//!  input bytes ──► target fn ──► interpreter engine ──┐
//!                          └───► JIT-only engine ─────┴─► same value (bit_eq) or same error,
//!                                                         re-serialized bytes decode the same,
//!                                                         every call within 64 × input + 1 MiB
//! ```
//!
//! Every target runs both tiers (see [`engines`]) and returns the first [`Finding`]: the tiers
//! disagree, a decoded value does not survive a round trip, or a call allocated more than its
//! [`alloc::budget`]. The fuzz binaries panic on a finding, which libFuzzer reports as a crash.
//!
//! ```
//! // A payload that decodes (the golden `int32_root` case: header, not-null, VARINT32, 1).
//! foryjit_fuzz::targets::deserialize(&[0x01, 0xff, 0x05, 0x02]).unwrap();
//! ```
#![deny(clippy::undocumented_unsafe_blocks, unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod alloc;
pub mod engines;
pub mod known;
pub mod targets;

/// The allocator every binary linking this crate uses: the system one, counting (see [`alloc`]).
#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

/// Which property a finding breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Property {
    /// The interpreter and the compiled tier gave different results.
    Tiers,
    /// A decoded value did not re-serialize to bytes that decode to it (or did not re-serialize
    /// to the same bytes twice).
    RoundTrip,
    /// A call's peak allocation was over `64 × input + 1 MiB`.
    Allocation,
}

impl Property {
    /// The name used in `known/README.md`.
    pub fn name(self) -> &'static str {
        match self {
            Property::Tiers => "tiers",
            Property::RoundTrip => "round-trip",
            Property::Allocation => "allocation",
        }
    }

    /// The property called `name` in `known/README.md`.
    pub fn from_name(name: &str) -> Option<Property> {
        [Property::Tiers, Property::RoundTrip, Property::Allocation]
            .into_iter()
            .find(|p| p.name() == name)
    }
}

/// A broken property, with what is needed to understand it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Finding {
    /// The tiers disagree.
    #[error("{config}: {call}: the tiers disagree\n  interpreter: {interp}\n  compiled:    {jit}")]
    Tiers {
        /// The engine configuration.
        config: String,
        /// The call.
        call: &'static str,
        /// The interpreter's result (debug form, shortened).
        interp: String,
        /// The compiled tier's result.
        jit: String,
    },
    /// A round trip failed.
    #[error("{config}: {what}")]
    RoundTrip {
        /// The engine configuration.
        config: String,
        /// What went wrong (with the values involved, shortened).
        what: String,
    },
    /// A call allocated too much.
    #[error(
        "{config}: {call} allocated {peak} bytes at peak, over {budget} for {input} input bytes"
    )]
    Allocation {
        /// The call.
        call: &'static str,
        /// The engine configuration and tier.
        config: String,
        /// Peak live bytes during the call.
        peak: usize,
        /// The budget: `64 × input + 1 MiB`.
        budget: usize,
        /// Input bytes.
        input: usize,
    },
}

impl Finding {
    /// The property this finding breaks.
    pub fn property(&self) -> Property {
        match self {
            Finding::Tiers { .. } => Property::Tiers,
            Finding::RoundTrip { .. } => Property::RoundTrip,
            Finding::Allocation { .. } => Property::Allocation,
        }
    }
}

/// The debug form of `x`, cut to a readable length.
pub(crate) fn short(x: &impl std::fmt::Debug) -> String {
    const MAX: usize = 1500;
    let mut s = format!("{x:?}");
    if s.len() > MAX {
        let mut cut = MAX;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str(" …");
    }
    s
}

/// The entry point of a fuzz binary: runs `target` on `data` unless `data` is a known finding
/// that the run was told to skip (see [`known`]), and panics on a finding.
pub fn fuzz(target: &str, data: &[u8], run: targets::Target) {
    if known::skipped(target, data) {
        return;
    }
    if let Err(f) = run(data) {
        panic!("{target}: {} property broken\n{f}", f.property().name());
    }
}
