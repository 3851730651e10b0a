#!/usr/bin/env bash
# Quickstart: installs what is missing, builds densecorr, trains the default DenseReg model
# (configs/densereg/face_r18_q10_cpu.yaml: K = 10 quantized regression on 128×128 synthetic faces,
# 6 min 47 s on 2 idle cores, 2026-11-24), evaluates it on held-out faces and prints the metrics and where
# the run's files are. Extra arguments are config overrides, e.g. solver.max_iter=200.
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
"$DENSECORR" eval -c "$CONFIG" "$@"
echo
echo "DenseReg quickstart done. Metrics on the held-out synthetic faces: $OUT/eval.json"
echo "Run folder (config, metrics.jsonl, checkpoints): $OUT"
# Pictures (U,V maps, landmarks, CED curve) are written by the evaluation library when it lands.
