#!/bin/bash
# The device of `densecorr bench train-step` (flag --device) and `densecorr forward` (config key
# device) from the shell: a device that does not exist (cuda:99 on any machine) or a malformed one
# exits 2 with one stderr line naming the flag or key, before any model is built or file read;
# --tf32 on the CPU and --per-op on a GPU are refused the same way; --device cpu runs and its JSON
# records the device and the TF32 setting.
set -u
bin="$1"
r18_cfg="$2"
source tests/testing/cli_checks.sh
cli_test_dir bench_forward_device_cli

bench=("$bin" bench train-step --model resnet18 --size 32 --batch 2 --iters 1 --warmup 0)

patterns=("densecorr: error:" "option --device: 'cuda:99'" "cpu")
expect_bad "bench --device cuda:99" "${bench[@]}" --device cuda:99
patterns=("densecorr: error:" "option --device: 'gpu'" "expected cpu, cuda or cuda:N")
expect_bad "bench --device gpu" "${bench[@]}" --device gpu
patterns=("densecorr: error:" "--tf32" "--device cpu")
expect_bad "bench --tf32 on cpu" "${bench[@]}" --tf32

# forward: the device is resolved before the weights or the input are read, so missing files do
# not hide the device error.
fwd=("$bin" forward -c "$r18_cfg" --weights "$dir/none.h5" --input "$dir/none.h5" --output
     "$dir/o.h5")
patterns=("densecorr: error:" "config key device: 'cuda:99'" "cpu")
expect_bad "forward device=cuda:99" "${fwd[@]}" device=cuda:99
# (the config schema rejects the value before the command sees it: "override 'device=gpu': device:")
patterns=("densecorr: error:" "device" "'gpu'" "cpu, cuda or cuda:N")
expect_bad "forward device=gpu" "${fwd[@]}" device=gpu
[ -e "$dir/o.h5" ] && fail "forward wrote its output despite the device error"

# --device cpu runs, and the JSON says where and how.
if "${bench[@]}" --device cpu --json > "$dir/cpu.json" 2> "$dir/cpu.err"; then
  /usr/bin/python3 - "$dir/cpu.json" <<'PY' || fail "bench --device cpu JSON: $(cat "$dir/cpu.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["device"] == "cpu", r
assert r["tf32"] is False, r
assert "device_name" not in r, r
assert r["iters"] == 1 and len(r["steps_ms"]) == 1, r
PY
else
  fail "bench --device cpu exited $? ($(cat "$dir/cpu.err"))"
fi

# On a machine with a GPU, --per-op is refused there (it would time kernel launches).
if "$bin" bench train-step --model resnet18 --device cuda --size 32 --batch 2 --iters 1 \
    --warmup 0 --per-op > "$dir/out" 2> "$dir/err"; then
  fail "bench --device cuda --per-op ran"
elif grep -qF "no CUDA" "$dir/err"; then
  echo "skip: --per-op on CUDA needs a GPU ($(cat "$dir/err"))"
else
  patterns=("--per-op is CPU only")
  expect_bad "bench --device cuda --per-op" "$bin" bench train-step --model resnet18 \
    --device cuda --size 32 --batch 2 --iters 1 --warmup 0 --per-op
fi

finish_cli_test
