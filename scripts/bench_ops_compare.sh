#!/usr/bin/env bash
# Side-by-side op timings on one device: densecorr (`densecorr bench ops --json`) against PyTorch
# (scripts/bench_ops_torch.py) on the same cases, read from densecorr's own case list. The two
# alternate for R rounds (default 3) and each case keeps its median over the rounds, so slow drift
# of the machine (clocks, other load) hits both sides alike. Prints, per case: our and PyTorch's
# median ms, the ratio torch/ours (> 1: densecorr is faster), GFLOP/s, GB/s and, for memory-bound
# cases, the fraction of the measured copy bandwidth on each side.
#
# usage: scripts/bench_ops_compare.sh [--device cpu|cuda] [--impl vendor|ours] [--rounds R]
#                                     [--filter S] [--threads N] [--large] [--no-build]
# --device cuda needs a GPU and PyTorch with CUDA; the script stops with the reason otherwise.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

device=cpu
impl=""
rounds=3
filter=""
threads="$(nproc)"
large=""
build=1
usage="usage: scripts/bench_ops_compare.sh [--device cpu|cuda] [--impl vendor|ours] [--rounds R] [--filter S] [--threads N] [--large] [--no-build]"
while (( $# > 0 )); do
  case "$1" in
    --device) device="${2:?--device needs a value}"; shift 2 ;;
    --device=*) device="${1#--device=}"; shift ;;
    --impl) impl="${2:?--impl needs a value}"; shift 2 ;;
    --impl=*) impl="${1#--impl=}"; shift ;;
    --rounds) rounds="${2:?--rounds needs a value}"; shift 2 ;;
    --rounds=*) rounds="${1#--rounds=}"; shift ;;
    --filter) filter="${2:?--filter needs a value}"; shift 2 ;;
    --filter=*) filter="${1#--filter=}"; shift ;;
    --threads) threads="${2:?--threads needs a value}"; shift 2 ;;
    --threads=*) threads="${1#--threads=}"; shift ;;
    --large) large="--large"; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "bench_ops_compare.sh: unknown argument '$1' ($usage)" >&2; exit 2 ;;
  esac
done
if ! [[ "$threads" =~ ^[1-9][0-9]*$ && "$rounds" =~ ^[1-9][0-9]*$ ]]; then
  echo "bench_ops_compare.sh: --threads and --rounds must be positive integers" >&2
  exit 2
fi
if [[ "$device" != cpu && "$device" != cuda && ! "$device" =~ ^cuda:[0-9]+$ ]]; then
  echo "bench_ops_compare.sh: --device must be cpu, cuda or cuda:N, got '$device'" >&2
  exit 2
fi
if [[ -n "$impl" && "$device" == cpu ]]; then
  echo "bench_ops_compare.sh: --impl chooses a CUDA implementation; it needs --device cuda" >&2
  exit 2
fi

# Fail before building when the GPU side cannot run.
if [[ "$device" != cpu ]]; then
  if ! /usr/bin/python3 - "$device" <<'PY'
import sys
try:
    import torch
except ImportError as e:
    sys.exit(f"bench_ops_compare.sh: --device {sys.argv[1]} needs PyTorch: {e}")
if not torch.cuda.is_available():
    sys.exit(f"bench_ops_compare.sh: --device {sys.argv[1]} but PyTorch {torch.__version__} sees "
             "no CUDA device; run this on a machine with a GPU, or use --device cpu")
PY
  then
    exit 2
  fi
fi

if (( build )); then bazel build //train:densecorr >&2; fi
bin=bazel-bin/train/densecorr

common=(--device "$device" --threads "$threads")
[[ -n "$filter" ]] && common+=(--filter "$filter")
[[ -n "$large" ]] && common+=("$large")
ours_args=("${common[@]}")
[[ -n "$impl" ]] && ours_args+=(--impl "$impl")

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$bin" bench ops --list --json "${common[@]}" > "$tmp/cases.jsonl" 2> "$tmp/list.err" || {
  echo "bench_ops_compare.sh: listing the cases failed: $(cat "$tmp/list.err")" >&2
  exit 2
}

for (( r = 1; r <= rounds; r++ )); do
  echo "round $r/$rounds: densecorr" >&2
  # A case with no kernel for the device fails alone (reported on stderr, exit status 1); the
  # others still count. Any other status (bad device, usage) stops the comparison.
  status=0
  "$bin" bench ops --json "${ours_args[@]}" > "$tmp/ours.$r.jsonl" || status=$?
  if (( status > 1 )); then exit "$status"; fi
  echo "round $r/$rounds: torch" >&2
  status=0
  /usr/bin/python3 scripts/bench_ops_torch.py --json --device "$device" --threads "$threads" \
    --cases "$tmp/cases.jsonl" > "$tmp/torch.$r.jsonl" || status=$?
  if (( status > 1 )); then exit "$status"; fi
done

label="${impl:-vendor}"
[[ "$device" == cpu ]] && label="cpu kernels"
/usr/bin/python3 - "$tmp" "$device" "$label" <<'PY'
import glob, json, statistics, sys

tmp, device, impl = sys.argv[1:4]

def load(side):
    rows = {}
    for path in sorted(glob.glob(f"{tmp}/{side}.*.jsonl")):
        for line in open(path):
            if line.strip():
                r = json.loads(line)
                rows.setdefault(r["name"], []).append(r)
    out = {}
    for name, rs in rows.items():
        def med(key):
            v = [r[key] for r in rs if r.get(key) is not None]
            return statistics.median(v) if v else None
        out[name] = {"ms": med("median_ms"), "gflops": med("gflops"), "gbps": med("gbps"),
                     "frac": med("copy_fraction"), "dtype": rs[0].get("dtype", "")}
    return out

ours, torch = load("ours"), load("torch")
ours.pop("peak_fma", None)
names = [json.loads(l)["name"] for l in open(f"{tmp}/cases.jsonl") if l.strip()]
names = [n for n in names if n in ours or n in torch]

def f(v, fmt, width):
    return format(v, fmt).rjust(width) if v is not None else "-".rjust(width)

print(f"device: {device}   ours: {impl}   (ratio = torch ms / ours ms; > 1 means densecorr is faster)")
print(f"{'name':48s} {'dtype':>5s} {'ours ms':>10s} {'torch ms':>10s} {'ratio':>6s} "
      f"{'GFLOP/s':>9s} {'GB/s':>8s} {'%copy':>6s} {'torch %copy':>11s}")
for n in names:
    o, t = ours.get(n, {}), torch.get(n, {})
    ratio = t["ms"] / o["ms"] if o.get("ms") and t.get("ms") else None
    pct = lambda d: 100 * d["frac"] if d.get("frac") is not None else None
    print(f"{n:48s} {(o or t).get('dtype', ''):>5s} {f(o.get('ms'), '.3f', 10)} "
          f"{f(t.get('ms'), '.3f', 10)} {f(ratio, '.2f', 6)} {f(o.get('gflops'), '.1f', 9)} "
          f"{f(o.get('gbps'), '.1f', 8)} {f(pct(o), '.0f', 6)} {f(pct(t), '.0f', 11)}")
missing = [n for n in names if n not in ours]
if missing:
    print(f"\nno densecorr figure (the case failed; see stderr above): {', '.join(missing)}")
PY
