#!/usr/bin/env bash
# The project's test command: installs what the tests need (Rust dependencies, the Python venv
# with pyfory 1.7.7 and fory-compiler 1.7.7 under target/pyvenv) and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== python peer environment"
bash scripts/setup-python.sh >/dev/null

echo "== format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== tests (default tier: auto)"
cargo test --workspace --locked

# The runnable examples of the foryjit crate (crates/runtime/examples/; shape_loop is a bench
# tool with arguments, built by the tests above but not run here).
for example in quickstart streams serde_json introspect evolution; do
    echo "== example $example"
    cargo run --locked -q -p foryjit --example "$example" >/dev/null
done

# The peer, golden, bad-input and CLI suites again with compiled code ruled out and ruled in
# (FORYJIT_TIER sets the builder's default tier; jit = compile every type at registration and
# fail registration if a type cannot be compiled).
for tier in interp jit; do
    echo "== peer and conformance suites, FORYJIT_TIER=$tier"
    FORYJIT_TIER=$tier cargo test --locked -p foryjit-tests -p foryjit-cli -p foryjit
done

# The interpreter-only build (no `jit` feature): no Cranelift in its dependency tree, the same
# API, and the suites that do not test compiled code against the interpreter.
echo "== interpreter-only build (foryjit without the jit feature)"
if cargo tree --locked -p foryjit --no-default-features -e normal | grep -q cranelift; then
    echo "the interpreter-only build depends on Cranelift" >&2
    exit 1
fi
cargo clippy --locked -p foryjit --no-default-features --all-targets -- -D warnings
cargo test --locked -p foryjit --no-default-features

# Coverage-guided fuzzing of both tiers (fuzz/, cargo-fuzz on stable): fixed seed, a few minutes.
bash scripts/fuzz.sh --ci
