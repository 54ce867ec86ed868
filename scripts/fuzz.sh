#!/usr/bin/env bash
# The fuzz targets of fuzz/ (cargo-fuzz + libFuzzer, stable toolchain, no sanitizer).
#
#   scripts/fuzz.sh --ci                   CI: the fuzz crate's fmt, clippy and tests, then every
#                                          target for a fixed number of runs (fixed seed, at most
#                                          FUZZ_SECONDS seconds each, default 20); fails on a crash
#   scripts/fuzz.sh TARGET [SECONDS] [-- LIBFUZZER-FLAGS...]
#                                          one target for SECONDS (default 3600), random seed,
#                                          corpus kept in fuzz/corpus/TARGET
#
# Known findings (fuzz/known/allowlist.txt) are skipped byte for byte in both modes; see
# fuzz/README.md for reproducing and minimizing a crash.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(deserialize deserialize_graph meta_share typedef idl from_json roundtrip)
# Inputs larger than this are not generated (payloads, FDL text and JSON stay small).
MAX_LEN=4096

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi
export FORYJIT_FUZZ_SKIP_KNOWN=1

if [[ "${1:-}" == "--ci" ]]; then
    seconds=${FUZZ_SECONDS:-20}
    runs=${FUZZ_RUNS:-200000}
    echo "== fuzz crate: format, lints, seeds and known findings"
    cargo fmt --manifest-path fuzz/Cargo.toml -- --check
    # The main target directory: the fuzz crate's dependencies are built there already.
    CARGO_TARGET_DIR=target cargo clippy --manifest-path fuzz/Cargo.toml --all-targets --locked \
        -- -D warnings
    CARGO_TARGET_DIR=target cargo test --manifest-path fuzz/Cargo.toml --locked

    echo "== fuzz targets (seed 1, at most $runs runs or ${seconds}s each)"
    cargo fuzz build --sanitizer none
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    for t in "${TARGETS[@]}"; do
        mkdir -p "$work/$t" fuzz/artifacts/$t
        # New inputs go to the scratch corpus; fuzz/seeds stays as committed.
        if ! cargo fuzz run --sanitizer none "$t" "$work/$t" "fuzz/seeds/$t" -- \
            -seed=1 -runs="$runs" -max_total_time="$seconds" -max_len=$MAX_LEN \
            -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$t/" \
            >"$work/$t.log" 2>&1; then
            tail -n 60 "$work/$t.log"
            echo "fuzz target $t failed; the input is in fuzz/artifacts/$t/ (see fuzz/README.md)"
            exit 1
        fi
        done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$work/$t.log" | tail -n 1 || true)
        execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$work/$t.log" | grep -oE '[0-9]+$')
        echo "$t: ${execs:-?} runs; ${done_line:-no DONE line}"
    done
    exit 0
fi

target=${1:?usage: scripts/fuzz.sh --ci | TARGET [SECONDS] [-- LIBFUZZER-FLAGS...]}
shift
seconds=3600
if [[ $# -gt 0 && "$1" != "--" ]]; then
    seconds=$1
    shift
fi
[[ "${1:-}" == "--" ]] && shift
mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
exec cargo fuzz run --sanitizer none "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
    -max_total_time="$seconds" -max_len=$MAX_LEN -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="fuzz/artifacts/$target/" "$@"
