#!/usr/bin/env bash
# Quickstart: installs what is missing, builds densecorr, trains the default DenseReg model
# (configs/densereg/face_r18_q10_cpu.yaml: K = 10 quantized regression on 128×128 synthetic faces,
# about 5 min on 2 idle cores, 2026-11-24), evaluates it on held-out faces (writing the CED curve
# and a gallery), transfers a texture onto two of them, and prints the metrics and the paths of the
# pictures and of the run's files. Extra arguments are config overrides, e.g. solver.max_iter=200.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

CONFIG=configs/densereg/face_r18_q10_cpu.yaml
scripts/setup.sh
bazel build //train:densecorr
DENSECORR=bazel-bin/train/densecorr
OUT=$("$DENSECORR" config -c "$CONFIG" "$@" | sed -n 's/^out: *\([^ #]*\).*/\1/p' | tr -d '"')
RESUME=()
# A second quickstart continues (or just re-evaluates) the first one's run instead of refusing it.
if compgen -G "$OUT/checkpoint_*.h5" > /dev/null; then RESUME=(--resume); fi
"$DENSECORR" train -c "$CONFIG" "${RESUME[@]}" "$@"
"$DENSECORR" eval -c "$CONFIG" "$@" | tee "$OUT/eval.out"
# Texture transfer on two held-out faces: the built-in checkerboard, given on the template chart,
# painted through the predicted U,V.
"$DENSECORR" infer -c "$CONFIG" --synth 2 --task texture-transfer --out "$OUT/infer" "$@" \
  > "$OUT/infer.out"

# metric KEY: its value in eval.json (null when undefined, e.g. the NME with no landmark found).
metric() { sed -n "s/^ *\"$1\": *\([^,]*\),\{0,1\}\$/\1/p" "$OUT/eval.json"; }
echo
echo "DenseReg quickstart done. Metrics on the held-out synthetic faces ($OUT/eval.json):"
echo "  NME (mean, outer-eye-corner normalized)  $(metric nme_mean)"
echo "  AUC@0.08                                 $(metric 'auc@0.08')"
echo "  failure rate@0.08                        $(metric 'failure_rate@0.08')"
echo "  failure rate@0.10                        $(metric 'failure_rate@0.10')"
echo "  mean |U,V| error                         $(metric uv_error)"
echo "  foreground IoU                           $(metric fg_iou)"
echo "Pictures:"
sed -n 's/^eval: wrote /  /p' "$OUT/eval.out"
sed -n 's/^\(.*\.png\)$/  \1/p' "$OUT/infer.out"
echo "Run folder (config, metrics.jsonl, checkpoints): $OUT"
echo "More pictures of any image: $DENSECORR infer -c $CONFIG --image IMG.png --out DIR"
