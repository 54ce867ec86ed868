//! Shared helpers of the conformance and peer tests.
#![deny(clippy::undocumented_unsafe_blocks, unsafe_op_in_unsafe_fn)]

pub mod gen;
pub mod peer;
pub mod row_gen;

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes from hex text; `None` on malformed input.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// The repository root (the parent of this crate's directory).
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default()
}

/// The standard benchmark shapes (`tests/schemas/bench.fdl`, also used by the benches and the CLI).
pub const SHAPES_FDL: &str = include_str!("../schemas/bench.fdl");

/// The standard benchmark values (canonical JSON, `tests/data/`).
pub const NUMERIC_STRUCT_JSON: &str = include_str!("../data/NumericStruct.json");
/// `bench.Sample`.
pub const SAMPLE_JSON: &str = include_str!("../data/Sample.json");
/// `bench.MediaContent`.
pub const MEDIA_CONTENT_JSON: &str = include_str!("../data/MediaContent.json");

/// The seed of a randomized suite: `FORYJIT_SEED` (decimal or `0x` hex) when set, `random` for
/// a fresh one from the clock (printed by the suites on failure), else `default`, so that CI runs
/// the same cases every time.
///
/// # Panics
/// When `FORYJIT_SEED` is set to something that is neither a number nor `random` (a test
/// harness setting, not input).
pub fn seed_from_env(default: u64) -> u64 {
    let Ok(s) = std::env::var("FORYJIT_SEED") else { return default };
    let s = s.trim();
    if s.eq_ignore_ascii_case("random") {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        eprintln!("FORYJIT_SEED=random picked {nanos}");
        return nanos;
    }
    let parsed = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16),
        None => s.parse(),
    };
    parsed.unwrap_or_else(|_| panic!("FORYJIT_SEED={s:?} is neither a u64 nor `random`"))
}
