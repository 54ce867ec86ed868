#!/usr/bin/env bash
# Run the shapes benchmark (foryjit vs the fory crate's derive) and print a markdown table.
#
#   scripts/bench.sh                 run `cargo bench -p foryjit-benches --bench shapes`, then print
#   scripts/bench.sh -- ARGS...      pass ARGS to the bench binary (criterion: a filter, --quick, ...)
#   scripts/bench.sh --table-only    print the table from the last run's results without running
#
# The table has, per shape and op, the median point estimate (ns/op) of criterion's
# target/criterion/<Shape>/<op>/<system>/new/estimates.json for each system, the ratios
# foryjit / fory derive (compatible=false) and foryjit / fory compat (compatible=true), and the
# geometric means of those ratios. Ratios below 1 mean foryjit is faster.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/.." && pwd)"
cd "$repo_root"

run=1
bench_args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --table-only) run=0; shift ;;
        --) shift; bench_args=("$@"); break ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

if [[ $run -eq 1 ]]; then
    cargo bench -p foryjit-benches --bench shapes -- "${bench_args[@]}"
    echo
fi

python3 - "$criterion_dir" <<'PY'
import json, math, os, sys

root = sys.argv[1]
shapes = ["NumericStruct", "Sample", "MediaContent",
          "NumericStructList", "SampleList", "MediaContentList"]
ops = ["ser", "de"]
systems = ["foryjit_jit", "foryjit", "fory_derive", "fory_compat"]

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

ratios = {k: {op: [] for op in ops} for k in ("derive", "compat", "jit")}
rows = []
for shape in shapes:
    for op in ops:
        t = {s: median_ns(shape, op, s) for s in systems}
        if all(v is None for v in t.values()):
            continue
        rd = rc = None
        if t["foryjit"] and t["fory_derive"]:
            rd = t["foryjit"] / t["fory_derive"]
            ratios["derive"][op].append(rd)
        if t["foryjit"] and t["fory_compat"]:
            rc = t["foryjit"] / t["fory_compat"]
            ratios["compat"][op].append(rc)
        rj = None
        if t["foryjit_jit"] and t["fory_derive"]:
            rj = t["foryjit_jit"] / t["fory_derive"]
            ratios["jit"][op].append(rj)
        rows.append((shape, op, t, rd, rc, rj))

if not rows:
    sys.exit(f"bench.sh: no criterion results under {root}")

r = lambda x: "-" if x is None else f"{x:.2f}"
print("ns/op, median point estimates; ser = serialize into a reused Vec, de = deserialize to an owned value")
print()
print("| shape | op | foryjit (compiled) | foryjit (interp) | fory derive | fory compat | compiled / derive | interp / derive | interp / compat |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for shape, op, t, rd, rc, rj in rows:
    print(f"| {shape} | {op} | {fmt(t['foryjit_jit'])} | {fmt(t['foryjit'])} | {fmt(t['fory_derive'])} | "
          f"{fmt(t['fory_compat'])} | {r(rj)} | {r(rd)} | {r(rc)} |")
for label, sel in (("ser", ["ser"]), ("de", ["de"]), ("all", ops)):
    gj = geomean([x for op in sel for x in ratios["jit"][op]])
    gd = geomean([x for op in sel for x in ratios["derive"][op]])
    gc = geomean([x for op in sel for x in ratios["compat"][op]])
    print(f"| **geomean** | {label} | | | | | **{r(gj)}** | **{r(gd)}** | **{r(gc)}** |")
PY
