#!/bin/bash
# The config key `device` from the shell: train, eval and infer refuse a device that does not
# exist (cuda:99 on any machine: "the only device is cpu" without a GPU, the device count with
# GPUs) and a malformed value, with exit status 2 and one line on stderr naming the key.
set -u
bin="$1"
densereg_cfg="$2"
source tests/testing/cli_checks.sh
cli_test_dir device_cli

cat > "$dir/shapes.yaml" <<'YAML'
task: classify
model:
  name: resnet18
  num_classes: 4
data:
  train: {name: shapes, num_samples: 64}
  test: {name: shapes, num_samples: 16}
  image_size: 16
  batch_size: 4
solver:
  max_iter: 2
log_period: 1
threads: 1
YAML

patterns=("densecorr: error:" "config key device: 'cuda:99'")
expect_bad "train cuda:99" "$bin" train -c "$dir/shapes.yaml" out="$dir/run" device=cuda:99
[ -e "$dir/run/config.yaml" ] && fail "train cuda:99 wrote into its run folder"
expect_bad "eval cuda:99" "$bin" eval -c "$dir/shapes.yaml" out="$dir/run" device=cuda:99 \
  --weights "$dir/none.h5"
expect_bad "infer cuda:99" "$bin" infer -c "$densereg_cfg" --synth 1 --out "$dir/pics" \
  --weights "$dir/none.h5" device=cuda:99

patterns=("device" "'gpu'" "cpu, cuda or cuda:N")
expect_bad "train gpu" "$bin" train -c "$dir/shapes.yaml" out="$dir/run" device=gpu
expect_bad "eval gpu" "$bin" eval -c "$dir/shapes.yaml" out="$dir/run" device=gpu \
  --weights "$dir/none.h5"

# device=cpu, said explicitly, trains as the default does.
"$bin" train -c "$dir/shapes.yaml" out="$dir/cpu" device=cpu > "$dir/cpu.out" 2> "$dir/cpu.err" ||
  fail "train device=cpu exited $? ($(tail -2 "$dir/cpu.err"))"
grep -q "^train: 2 iterations" "$dir/cpu.out" || fail "train device=cpu printed: $(cat "$dir/cpu.out")"

finish_cli_test
