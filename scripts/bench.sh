#!/usr/bin/env bash
# Run the benchmarks (foryjit vs the fory crate's derive and peer serializers on the standard
# shapes, plus foryjit's compile-time benchmark) and print markdown tables.
#
#   scripts/bench.sh                 run `cargo bench -p foryjit-benches --bench shapes` and
#                                    `--bench compile`, then print the tables
#   scripts/bench.sh -- ARGS...      pass ARGS to the shapes bench binary (criterion: a filter, ...)
#   scripts/bench.sh --no-compile    skip the compile-time bench (its last tables are re-printed)
#   scripts/bench.sh --table-only    print the tables from the last run's results without running
#
# Shapes: per shape and op, the median point estimate (ns/op) of criterion's
# target/criterion/<Shape>/<op>/<system>/new/estimates.json for each system; then the ratios
# foryjit compiled / fory derive, interp / fory derive and compiled / prost (below 1: foryjit is
# faster), and the speedup of foryjit compiled over the fastest dynamic peer of the row (avro
# Value, prost-reflect, serde_json Value, rmpv Value; target: at least 5), with geometric means.
# Compile: the compile bench's own tables, kept in <target>/foryjit-compile-bench.md.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/.." && pwd)"
cd "$repo_root"

run=1
compile=1
bench_args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --table-only) run=0; shift ;;
        --no-compile) compile=0; shift ;;
        --) shift; bench_args=("$@"); break ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench.sh: unknown argument $1 (pass bench arguments after --)" >&2; exit 2 ;;
    esac
done

if [[ -n "${CARGO_TARGET_DIR:-}" ]]; then
    target_dir="$CARGO_TARGET_DIR"
else
    target_dir="$(cargo metadata --format-version 1 --no-deps 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])' ||
        echo "$repo_root/target")"
fi
criterion_dir="$target_dir/criterion"
compile_md="$target_dir/foryjit-compile-bench.md"

if [[ $run -eq 1 ]]; then
    cargo bench -p foryjit-benches --bench shapes -- "${bench_args[@]}"
    echo
    if [[ $compile -eq 1 ]]; then
        cargo bench -p foryjit-benches --bench compile > "$compile_md.tmp"
        mv "$compile_md.tmp" "$compile_md"
    fi
fi

python3 - "$criterion_dir" <<'PY'
import json, math, os, sys

root = sys.argv[1]
shapes = ["NumericStruct", "Sample", "MediaContent",
          "NumericStructList", "SampleList", "MediaContentList"]
ops = ["ser", "de"]
# (criterion system id, column title), in table order.
systems = [
    ("foryjit_jit", "foryjit (compiled)"),
    ("foryjit_jit_compat", "foryjit compat (compiled)"),
    ("foryjit", "foryjit (interp)"),
    ("fory_derive", "fory derive"),
    ("fory_compat", "fory compat"),
    ("prost", "prost"),
    ("rmp_serde", "rmp-serde"),
    ("avro_value", "avro Value"),
    ("prost_reflect", "prost-reflect"),
    ("json_value", "serde_json Value"),
    ("rmpv_value", "rmpv Value"),
]
dynamic = ["avro_value", "prost_reflect", "json_value", "rmpv_value"]
titles = dict(systems)

def median_ns(shape, op, system):
    path = os.path.join(root, shape, op, system, "new", "estimates.json")
    try:
        with open(path) as f:
            return json.load(f)["median"]["point_estimate"]
    except FileNotFoundError:
        return None

def fmt(ns):
    if ns is None:
        return "-"
    if ns >= 1000:
        return f"{ns:,.0f}"
    if ns >= 100:
        return f"{ns:.0f}"
    return f"{ns:.1f}"

def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None

def ratio(a, b):
    return a / b if a and b else None

r = lambda x: "-" if x is None else f"{x:.2f}"
keys = ["cd", "id", "cp", "sp", "cc", "cm"]
ratios = {k: {op: [] for op in ops} for k in keys}
rows = []
for shape in shapes:
    for op in ops:
        t = {s: median_ns(shape, op, s) for s, _ in systems}
        if all(v is None for v in t.values()):
            continue
        dyn = [(t[s], s) for s in dynamic if t[s]]
        best_ns, best = min(dyn) if dyn else (None, None)
        x = {
            "cd": ratio(t["foryjit_jit"], t["fory_derive"]),
            "id": ratio(t["foryjit"], t["fory_derive"]),
            "cp": ratio(t["foryjit_jit"], t["prost"]),
            "sp": ratio(best_ns, t["foryjit_jit"]),
            # compatible mode: foryjit compat / fory compat, and foryjit compat / foryjit same-schema
            "cc": ratio(t["foryjit_jit_compat"], t["fory_compat"]),
            "cm": ratio(t["foryjit_jit_compat"], t["foryjit_jit"]),
        }
        for k in keys:
            if x[k] is not None:
                ratios[k][op].append(x[k])
        rows.append((shape, op, t, x, best))

if not rows:
    sys.exit(f"bench.sh: no criterion results under {root}")

print("ns/op, median point estimates; ser = serialize into a reused Vec, de = deserialize to an owned value")
print()
print("| shape | op | " + " | ".join(title for _, title in systems) + " |")
print("|---|---|" + "---:|" * len(systems))
for shape, op, t, x, best in rows:
    print(f"| {shape} | {op} | " + " | ".join(fmt(t[s]) for s, _ in systems) + " |")
print()
print("Ratios within this run: time / time (below 1 means foryjit is faster), and the speedup of")
print("foryjit compiled over the fastest dynamic peer of the row (target: at least 5).")
print()
print("| shape | op | compiled / derive | interp / derive | compiled / prost "
      "| fastest dynamic peer | its time / compiled | ≥ 5x |")
print("|---|---|---:|---:|---:|---|---:|---|")
for shape, op, t, x, best in rows:
    met = "-" if x["sp"] is None else ("yes" if x["sp"] >= 5 else "**no**")
    print(f"| {shape} | {op} | {r(x['cd'])} | {r(x['id'])} | {r(x['cp'])} | "
          f"{titles.get(best, '-')} | {r(x['sp'])} | {met} |")
for label, sel in (("ser", ["ser"]), ("de", ["de"]), ("all", ops)):
    g = {k: geomean([v for op in sel for v in ratios[k][op]]) for k in keys}
    print(f"| **geomean** | {label} | **{r(g['cd'])}** | **{r(g['id'])}** | **{r(g['cp'])}** | | "
          f"**{r(g['sp'])}** | |")
print()
print("Compatible mode (TypeDefs on the wire, metadata cached by the reader): foryjit compiled in")
print("compatible mode against the crate's compatible mode, and against foryjit's own same-schema")
print("mode (target: at most 1.15).")
print()
print("| shape | op | foryjit compat / fory compat | foryjit compat / foryjit same-schema |")
print("|---|---|---:|---:|")
for shape, op, t, x, best in rows:
    print(f"| {shape} | {op} | {r(x['cc'])} | {r(x['cm'])} |")
for label, sel in (("ser", ["ser"]), ("de", ["de"]), ("all", ops)):
    g = {k: geomean([v for op in sel for v in ratios[k][op]]) for k in keys}
    print(f"| **geomean** | {label} | **{r(g['cc'])}** | **{r(g['cm'])}** |")
PY

if [[ -f "$compile_md" ]]; then
    echo
    cat "$compile_md"
fi
