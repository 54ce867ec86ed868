#!/usr/bin/env bash
# Create (or reuse) the Python venv used by the cross-language peer tests.
#
#   scripts/setup-python.sh        -> prints the venv's python path on its last stdout line
#
# The venv lives at <repo>/target/pyvenv. A stamp file records the pinned versions; when the
# venv exists and the stamp matches, the script exits at once without touching pip.
# Override the interpreter used to create the venv with PYTHON=/path/to/python3.
set -euo pipefail

PYFORY_VERSION="1.7.7"
FORY_COMPILER_VERSION="1.7.7"

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/.." && pwd)"
venv="$repo_root/target/pyvenv"
venv_python="$venv/bin/python"
stamp="$venv/.foryjit-stamp"
want="pyfory==$PYFORY_VERSION fory-compiler==$FORY_COMPILER_VERSION"

if [[ -x "$venv_python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    echo "$venv_python"
    exit 0
fi

base_python="${PYTHON:-python3}"
if ! command -v "$base_python" >/dev/null 2>&1; then
    echo "setup-python.sh: $base_python not found" >&2
    exit 1
fi

mkdir -p "$repo_root/target"
# Serialize concurrent runs (parallel test binaries may all call this script at once); the one
# that waited finds the stamp written and leaves at once.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$repo_root/target/pyvenv.lock"
    flock 9
    if [[ -x "$venv_python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        echo "$venv_python"
        exit 0
    fi
fi
# A venv whose interpreter is missing or broken is rebuilt from scratch.
if [[ -d "$venv" ]] && ! "$venv_python" -c 'import sys' >/dev/null 2>&1; then
    rm -rf "$venv"
fi
if [[ ! -x "$venv_python" ]]; then
    if ! "$base_python" -m venv "$venv" >&2; then
        echo "setup-python.sh: '$base_python -m venv' failed (on Debian: apt-get install python3-venv)" >&2
        rm -rf "$venv"
        exit 1
    fi
fi

rm -f "$stamp"
"$venv_python" -m pip install --disable-pip-version-check --no-input -q \
    "pyfory==$PYFORY_VERSION" "fory-compiler==$FORY_COMPILER_VERSION" >&2
# Check the pins really are what is installed before stamping.
"$venv_python" - "$PYFORY_VERSION" "$FORY_COMPILER_VERSION" <<'PY' >&2
import sys
from importlib.metadata import version
want = {"pyfory": sys.argv[1], "fory-compiler": sys.argv[2]}
for name, ver in want.items():
    got = version(name)
    if got != ver:
        sys.exit(f"setup-python.sh: {name} is {got}, wanted {ver}")
import pyfory, fory_compiler  # noqa: F401
PY
echo "$want" > "$stamp"
echo "$venv_python"
