#!/usr/bin/env bash
# Side-by-side full training steps: densecorr (`densecorr bench train-step`) against PyTorch
# (scripts/bench_train_torch.py), same model, input size, batch, threads and SGD step. The two
# alternate for R rounds (each round: ours, then PyTorch) so drift of a shared machine hits both
# sides alike; each side keeps the median over rounds of its per-round median step time.
# Ratio = PyTorch ms / densecorr ms: > 1 means densecorr is faster.
#
# --device cuda (or cuda:N; default cpu) runs both sides on that GPU and --tf32 lets both use TF32
# tensor cores for f32 matmuls and convolutions (default off: exact f32 on both sides); both are
# passed to both sides, each of which synchronizes the device before every clock read and lets
# cuDNN time its algorithms during the warm-up (docs/CUDA.md, "Benchmarks"). --threads only
# matters on the CPU. The device and TF32 setting are printed with the results. --no-build uses
# bazel-bin/train/densecorr as it is (a machine without Bazel, e.g. the GPU kit: scripts/gpu_kit.sh).
#
# usage: scripts/bench_train_compare.sh [--model resnet18] [--device cpu|cuda|cuda:N] [--tf32]
#                                       [--size 128] [--batch 8] [--threads 2] [--iters 5]
#                                       [--warmup 2] [--rounds 3] [--no-build]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

model=resnet18 size=128 batch=8 threads=2 iters=5 warmup=2 rounds=3 device=cpu tf32=() build=1
usage="usage: scripts/bench_train_compare.sh [--model M] [--device cpu|cuda|cuda:N] [--tf32] [--size S] [--batch B] [--threads N] [--iters N] [--warmup N] [--rounds R] [--no-build]"
while (( $# > 0 )); do
  flag="${1%%=*}"
  if [[ "$flag" == -h || "$flag" == --help ]]; then sed -n '2,17p' "$0"; exit 0; fi
  # The flags without a value.
  if [[ "$1" == --tf32 ]]; then tf32=(--tf32); shift; continue; fi
  if [[ "$1" == --no-build ]]; then build=0; shift; continue; fi
  if [[ "$1" == *=* ]]; then
    value="${1#*=}"; shift
  elif (( $# >= 2 )); then
    value="$2"; shift 2
  else
    echo "bench_train_compare.sh: $flag needs a value ($usage)" >&2; exit 2
  fi
  case "$flag" in
    --model) model="$value" ;;
    --device) device="$value" ;;
    --size) size="$value" ;;
    --batch) batch="$value" ;;
    --threads) threads="$value" ;;
    --iters) iters="$value" ;;
    --warmup) warmup="$value" ;;
    --rounds) rounds="$value" ;;
    *) echo "bench_train_compare.sh: unknown argument '$flag' ($usage)" >&2; exit 2 ;;
  esac
done
for v in "$size" "$batch" "$threads" "$iters" "$rounds"; do
  if ! [[ "$v" =~ ^[1-9][0-9]*$ ]]; then
    echo "bench_train_compare.sh: --size, --batch, --threads, --iters and --rounds must be positive integers ($usage)" >&2
    exit 2
  fi
done
if ! [[ "$warmup" =~ ^[0-9]+$ && "$model" =~ ^[A-Za-z0-9_]+$ ]]; then
  echo "bench_train_compare.sh: bad --warmup or --model ($usage)" >&2
  exit 2
fi
if ! [[ "$device" =~ ^(cpu|cuda|cuda:[0-9]+)$ ]]; then
  echo "bench_train_compare.sh: --device: '$device' is not a device (expected cpu, cuda or cuda:N)" >&2
  exit 2
fi
if [[ "$device" == cpu && ${#tf32[@]} -gt 0 ]]; then
  echo "bench_train_compare.sh: --tf32 selects TF32 tensor cores, a CUDA mode; it has no meaning with --device cpu" >&2
  exit 2
fi

if (( build )); then bazel build //train:densecorr >&2; fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
common=(--model "$model" --device "$device" ${tf32[@]+"${tf32[@]}"} --size "$size" --batch "$batch"
        --threads "$threads" --iters "$iters" --warmup "$warmup" --json)
for (( r = 1; r <= rounds; r++ )); do
  echo "round $r/$rounds: densecorr" >&2
  bazel-bin/train/densecorr bench train-step "${common[@]}" > "$tmp/ours.$r.json"
  echo "round $r/$rounds: torch" >&2
  /usr/bin/python3 scripts/bench_train_torch.py "${common[@]}" > "$tmp/torch.$r.json"
done

/usr/bin/python3 - "$tmp" "$rounds" <<'PY'
import json, statistics, sys

tmp, rounds = sys.argv[1], int(sys.argv[2])
def load(side):
    return [json.load(open(f"{tmp}/{side}.{r}.json")) for r in range(1, rounds + 1)]

ours, torch = load("ours"), load("torch")
o0, t0 = ours[0], torch[0]
if o0["device"] == "cpu":
    where = f"threads {o0['threads']}"
else:
    # Both sides name their GPU: a mismatch (two GPUs, a wrong index) shows here.
    where = (f"device {o0['device']} (densecorr: {o0['device_name']}; torch: {t0['device_name']})  "
             f"tf32 {'on' if o0['tf32'] else 'off'}")
print(f"train-step {o0['model']}  batch {o0['batch']}  size {o0['size']}  {where}  "
      f"iters {o0['iters']}  rounds {rounds}   (ratio = torch ms / ours ms; > 1: densecorr faster)")
print(f"{'round':>5s} {'ours ms':>10s} {'torch ms':>10s} {'ratio':>7s}")
for r, (o, t) in enumerate(zip(ours, torch), 1):
    print(f"{r:5d} {o['median_ms']:10.1f} {t['median_ms']:10.1f} {t['median_ms'] / o['median_ms']:7.2f}")
om = statistics.median(o["median_ms"] for o in ours)
tm = statistics.median(t["median_ms"] for t in torch)
print(f"{'median':>6s}{om:10.1f} {tm:10.1f} {tm / om:7.2f}")
b = o0["batch"]
print(f"images/s (median): densecorr {b / (om * 1e-3):.2f}, torch {b / (tm * 1e-3):.2f}")
print(f"{'phase (median ms)':18s} {'ours':>10s} {'torch':>10s}")
for k in o0["phases_ms"]:
    print(f"{k:18s} {statistics.median(o['phases_ms'][k] for o in ours):10.1f} "
          f"{statistics.median(t['phases_ms'][k] for t in torch):10.1f}")
PY
