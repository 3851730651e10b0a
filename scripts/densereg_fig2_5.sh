#!/usr/bin/env bash
# The thesis's Fig. 2.5 comparison on synthetic faces, on the quickstart's trunk and budget:
# quantized regression (K = 10, q+r) against plain regression (K = 1) and classification only
# (K = 10, bin centres), each trained with every seed given (default: 0 1) and evaluated on the same
# held-out faces; prints the table of docs/DENSEREG.md. Usage:
#   scripts/densereg_fig2_5.sh [SEED ...]         e.g. scripts/densereg_fig2_5.sh 0 1
# Extra config overrides go in DENSEREG_OVERRIDES (space-separated key=value), e.g. threads=1.
# A run whose folder already holds its final checkpoint is only re-evaluated.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SEEDS=("$@")
[ ${#SEEDS[@]} -eq 0 ] && SEEDS=(0 1)
read -r -a OVERRIDES <<< "${DENSEREG_OVERRIDES:-}"
DENSECORR=${DENSECORR:-bazel-bin/train/densecorr}
[ -x "$DENSECORR" ] || bazel build //train:densecorr
VARIANTS=(10_qr 1_qr 10_q)

for seed in "${SEEDS[@]}"; do
  for v in "${VARIANTS[@]}"; do
    cfg=configs/thesis/densereg_fig2_5_${v}.yaml
    out=runs/thesis/densereg_fig2_5_${v}_s${seed}
    args=(-c "$cfg" "seed=$seed" "out=$out" "${OVERRIDES[@]}")
    max_iter=$("$DENSECORR" config "${args[@]}" | sed -n 's/^  max_iter: *\([0-9]*\).*/\1/p')
    final=$(printf '%s/checkpoint_%08d.h5' "$out" "$max_iter")
    if [ ! -f "$final" ]; then
      resume=()
      compgen -G "$out/checkpoint_*.h5" > /dev/null && resume=(--resume)
      echo "== train $v seed $seed -> $out"
      "$DENSECORR" train "${args[@]}" "${resume[@]}" > "$out.train.log" 2>&1 ||
        { tail -n 5 "$out.train.log"; exit 1; }
    fi
    echo "== eval $v seed $seed"
    "$DENSECORR" eval "${args[@]}" > "$out.eval.log" 2>&1 || { tail -n 5 "$out.eval.log"; exit 1; }
  done
done

python3 - "${SEEDS[@]}" <<'PY'
import json, sys
seeds = sys.argv[1:]
names = {"10_qr": "K = 10, q+r (quantized regression)", "1_qr": "K = 1 (plain regression)",
         "10_q": "K = 10, q only (bin centres)"}
cols = ["auc@0.08", "failure_rate@0.08", "failure_rate@0.10", "nme_mean", "uv_error", "fg_iou"]
print("| variant | seed | " + " | ".join(cols) + " |")
print("| --- | --- |" + " --- |" * len(cols))
for v in names:
    for s in seeds:
        m = json.load(open(f"runs/thesis/densereg_fig2_5_{v}_s{s}/eval.json"))["metrics"]
        cells = ["n/a" if m.get(c) is None else f"{m[c]:.4f}" for c in cols]
        print(f"| {names[v]} | {s} | " + " | ".join(cells) + " |")
PY
