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

echo "== tests"
cargo test --workspace --locked
