#!/usr/bin/env bash
# Side-by-side op timings: densecorr (`densecorr bench ops`) against PyTorch (scripts/bench_torch.py)
# on the same named shapes. The two alternate for 3 rounds and each name keeps its median over the
# rounds, so slow drift of the machine (thermal, other load) hits both sides alike.
#
# usage: scripts/bench_compare.sh [--threads N] [--rounds R]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

threads="$(nproc)"
rounds=3
while (( $# > 0 )); do
  case "$1" in
    --threads) threads="${2:?--threads needs a value}"; shift 2 ;;
    --threads=*) threads="${1#--threads=}"; shift ;;
    --rounds) rounds="${2:?--rounds needs a value}"; shift 2 ;;
    --rounds=*) rounds="${1#--rounds=}"; shift ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "bench_compare.sh: unknown argument '$1' (usage: [--threads N] [--rounds R])" >&2; exit 2 ;;
  esac
done
if ! [[ "$threads" =~ ^[1-9][0-9]*$ && "$rounds" =~ ^[1-9][0-9]*$ ]]; then
  echo "bench_compare.sh: --threads and --rounds must be positive integers" >&2
  exit 2
fi

bazel build //train:densecorr >&2

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

for (( r = 1; r <= rounds; r++ )); do
  echo "round $r/$rounds: densecorr" >&2
  bazel-bin/train/densecorr bench ops --json --threads "$threads" > "$tmp/ours.$r.jsonl"
  echo "round $r/$rounds: torch" >&2
  /usr/bin/python3 scripts/bench_torch.py --json --threads "$threads" > "$tmp/torch.$r.jsonl"
done

/usr/bin/python3 - "$tmp" "$threads" <<'PY'
import glob, json, statistics, sys

tmp, threads = sys.argv[1], sys.argv[2]

def load(side):
    rows = {}
    for path in sorted(glob.glob(f"{tmp}/{side}.*.jsonl")):
        for line in open(path):
            if line.strip():
                r = json.loads(line)
                rows.setdefault(r["name"], []).append(r)
    # Median over rounds of each round's median time (and of its GFLOP/s).
    out = {}
    for name, rs in rows.items():
        gf = [r["gflops"] for r in rs if r.get("gflops") is not None]
        out[name] = (statistics.median(r["median_ms"] for r in rs),
                     statistics.median(gf) if gf else None)
    return out

ours, torch = load("ours"), load("torch")
ours.pop("peak_fma", None)
# The peak is a best-achievable figure, so it takes the best round: a round that shared the cores
# with another process would otherwise understate it and inflate the %peak column.
peak_rounds = []
for path in glob.glob(f"{tmp}/ours.*.jsonl"):
    peak_rounds += [json.loads(l)["gflops"] for l in open(path) if '"peak_fma"' in l]
peak = (None, max(peak_rounds)) if peak_rounds else None
names = [n for n in torch if n in ours] + [n for n in ours if n not in torch]
names += [n for n in torch if n not in ours]

print(f"threads: {threads}   (ratio = torch ms / ours ms; > 1 means densecorr is faster)")
print(f"{'name':36s} {'ours ms':>10s} {'torch ms':>10s} {'ratio':>7s} {'GFLOP/s':>9s} {'%peak':>6s}")
for n in names:
    o, t = ours.get(n), torch.get(n)
    oms = f"{o[0]:10.3f}" if o else f"{'-':>10s}"
    tms = f"{t[0]:10.3f}" if t else f"{'-':>10s}"
    ratio = f"{t[0] / o[0]:7.2f}" if o and t and o[0] > 0 else f"{'-':>7s}"
    gf = f"{o[1]:9.1f}" if o and o[1] is not None else f"{'-':>9s}"
    pct = (f"{100 * o[1] / peak[1]:5.0f}%" if o and o[1] is not None and peak and n.startswith(("sgemm", "conv"))
           else f"{'':>6s}")
    print(f"{n:36s} {oms} {tms} {ratio} {gf} {pct}")
if peak:
    print(f"{'peak_fma (measured AVX2 FMA)':36s} {'':>10s} {'':>10s} {'':>7s} {peak[1]:9.1f}")
PY
