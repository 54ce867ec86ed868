//! Known findings: inputs that break a property because of a bug already being fixed elsewhere.
//!
//! `known/allowlist.txt` lists them, one a line: `target  path  property  # item and reason`,
//! where `path` (relative to the fuzz crate: `known/<target>/<name>`, or a seed under `seeds/`)
//! holds the input and `property` is a [`crate::Property`] name.
//! `known/README.md` says which issue item each belongs to. With `FORYJIT_FUZZ_SKIP_KNOWN=1`
//! (set by `scripts/fuzz.sh`) a fuzz binary skips exactly these inputs, byte for byte; any other
//! input breaking the same property still fails the run. Without it they fail as any input does,
//! which is how to reproduce one. `tests/seeds.rs` checks that each still breaks its property:
//! when one is fixed, delete its line and its file.

use crate::Property;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The allowlist, compiled in so that a fuzz binary needs no file but the inputs.
pub const ALLOWLIST: &str = include_str!("../known/allowlist.txt");

/// One known finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    /// The target it breaks.
    pub target: String,
    /// The input's path relative to the fuzz crate.
    pub file: String,
    /// The property it breaks.
    pub property: Property,
    /// The comment (issue item, reason).
    pub reason: String,
}

/// Why the allowlist cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllowlistError {
    /// A line is not `target  path  property  # reason`.
    #[error("known/allowlist.txt line {line}: expected `target  path  property  # reason`")]
    Malformed {
        /// 1-based line number.
        line: usize,
    },
    /// A property name that is not one of `tiers`, `round-trip`, `allocation`.
    #[error("known/allowlist.txt line {line}: unknown property {name:?}")]
    UnknownProperty {
        /// 1-based line number.
        line: usize,
        /// The name.
        name: String,
    },
}

/// Parses an allowlist.
pub fn parse(text: &str) -> Result<Vec<Known>, AllowlistError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let (entry, reason) = raw.split_once('#').unwrap_or((raw, ""));
        let mut words = entry.split_whitespace();
        let Some(target) = words.next() else { continue };
        let (Some(file), Some(prop), None) = (words.next(), words.next(), words.next()) else {
            return Err(AllowlistError::Malformed { line });
        };
        let property = Property::from_name(prop)
            .ok_or_else(|| AllowlistError::UnknownProperty { line, name: prop.to_owned() })?;
        if reason.trim().is_empty() {
            return Err(AllowlistError::Malformed { line });
        }
        out.push(Known {
            target: target.to_owned(),
            file: file.to_owned(),
            property,
            reason: reason.trim().to_owned(),
        });
    }
    Ok(out)
}

/// The fuzz crate's directory (allowlist paths are relative to it).
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// True when skipping is on and `data` is a known input of `target`.
pub fn skipped(target: &str, data: &[u8]) -> bool {
    static INPUTS: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    let inputs = INPUTS.get_or_init(|| {
        if std::env::var_os("FORYJIT_FUZZ_SKIP_KNOWN").is_none_or(|v| v != "1") {
            return Vec::new();
        }
        let list = parse(ALLOWLIST).unwrap_or_else(|e| panic!("{e}"));
        list.into_iter()
            .map(|k| {
                let path = dir().join(&k.file);
                let bytes = std::fs::read(&path)
                    .unwrap_or_else(|e| panic!("known input {}: {e}", path.display()));
                (k.target, bytes)
            })
            .collect()
    });
    inputs.iter().any(|(t, bytes)| t == target && bytes == data)
}
