#!/usr/bin/env bash
# Quickstart: installs dependencies, builds the trainer, and runs it.
# Arguments are passed through to `densecorr train-cnn`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup.sh
bazel build //train:densecorr
exec bazel-bin/train/densecorr train-cnn "$@"
