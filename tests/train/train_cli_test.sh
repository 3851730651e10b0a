#!/bin/bash
# `densecorr train` and `densecorr eval` as a user runs them: --help, a complete run, a run killed
# with SIGKILL mid-way and continued with --resume (its losses must equal the uninterrupted run's
# exactly), SIGINT (checkpoint, exit 130), eval of the result, and bad input (exit 2, one line).
set -u
bin="$1"
source tests/testing/cli_checks.sh
cli_test_dir train_cli
py=/usr/bin/python3

cat > "$dir/shapes.yaml" <<'YAML'
task: classify
model:
  name: resnet18
  num_classes: 4
data:
  train: {name: shapes, num_samples: 2000}
  test: {name: shapes, num_samples: 200}
  image_size: 32
  batch_size: 8
  num_workers: 2
solver:
  max_iter: 60
  base_lr: 0.05
  lr_schedule: cosine
  warmup_iters: 5
  checkpoint_period: 10
  keep_checkpoints: 2
log_period: 1
threads: 1
YAML

# --help of each subcommand, exit 0.
for cmd in train eval forward config bench train-cnn; do
  out="$("$bin" "$cmd" --help 2>&1)" || fail "$cmd --help exited $?"
  [[ "$out" == "usage: densecorr $cmd"* ]] || fail "$cmd --help printed: $out"
done

# The uninterrupted run.
"$bin" train -c "$dir/shapes.yaml" out="$dir/full" > "$dir/full.out" 2> "$dir/full.err" ||
  fail "full run exited $? ($(tail -2 "$dir/full.err"))"
grep -q "^train: 60 iterations, accuracy" "$dir/full.out" || fail "full run summary: $(cat "$dir/full.out")"
grep -q "iter 60/60" "$dir/full.err" || fail "no progress lines: $(tail -3 "$dir/full.err")"

# The same run, killed with SIGKILL after its checkpoint at 20 and before the end.
"$bin" train -c "$dir/shapes.yaml" out="$dir/killed" > /dev/null 2> "$dir/killed.err" &
pid=$!
for _ in $(seq 1 600); do
  [ -e "$dir/killed/checkpoint_00000020.h5" ] && break
  sleep 0.05
done
kill -KILL "$pid"
wait "$pid" 2> /dev/null
if [ -e "$dir/killed/checkpoint_00000060.h5" ]; then
  fail "the run finished before the kill: the test did not interrupt it"
fi
ls "$dir/killed"/checkpoint_000000[2-5]0.h5 > /dev/null 2>&1 || fail "no checkpoint before the kill"
killed_at="$(grep -c '"type":"train"' "$dir/killed/metrics.jsonl")"
echo "killed after $killed_at logged iterations"
"$bin" train -c "$dir/shapes.yaml" out="$dir/killed" --resume > /dev/null 2> "$dir/resume.err" ||
  fail "resume exited $? ($(tail -2 "$dir/resume.err"))"
grep -q "resumed from .*checkpoint_000000[2-5]0.h5" "$dir/resume.err" ||
  fail "resume did not start from a checkpoint: $(head -2 "$dir/resume.err")"

# Losses of every iteration (and the final evaluation) equal bit for bit.
$py - "$dir/full/metrics.jsonl" "$dir/killed/metrics.jsonl" <<'PY' || fail "resumed losses differ"
import json, sys
def records(path):
    out = {}
    for line in open(path):
        r = json.loads(line)
        if r["type"] in ("train", "eval"):
            out[(r["type"], r["iteration"])] = {k: v for k, v in r.items() if "time" not in k}
    return out
a, b = records(sys.argv[1]), records(sys.argv[2])
assert len([k for k in a if k[0] == "train"]) == 60, len(a)
assert a.keys() == b.keys(), sorted(set(a) ^ set(b))
bad = [k for k in a if a[k] != b[k]]
assert not bad, [(k, a[k], b[k]) for k in bad[:3]]
print("resumed run: %d records identical" % len(a))
PY

# SIGINT: a checkpoint at the current iteration, exit status 130, and resume finishes the run.
"$bin" train -c "$dir/shapes.yaml" out="$dir/interrupted" > /dev/null 2> "$dir/int.err" &
pid=$!
for _ in $(seq 1 600); do
  [ -e "$dir/interrupted/checkpoint_00000010.h5" ] && break
  sleep 0.05
done
kill -INT "$pid"
wait "$pid"
status=$?
[ "$status" = 130 ] || fail "SIGINT: exit $status, expected 130 ($(tail -2 "$dir/int.err"))"
grep -q "interrupted: checkpoint" "$dir/int.err" || fail "SIGINT: no checkpoint message"
"$bin" train -c "$dir/shapes.yaml" out="$dir/interrupted" --resume > /dev/null 2>&1 ||
  fail "resume after SIGINT exited $?"
cmp -s <(grep -o '"loss":[^,]*' "$dir/full/metrics.jsonl") \
  <(grep -o '"loss":[^,]*' "$dir/interrupted/metrics.jsonl") || fail "losses after SIGINT+resume differ"

# eval of the finished run reproduces its final evaluation.
out="$("$bin" eval -c "$dir/shapes.yaml" out="$dir/full" 2> "$dir/eval.err")" ||
  fail "eval exited $? ($(cat "$dir/eval.err"))"
$py - "$dir/full/metrics.jsonl" "$dir/full/eval.json" <<'PY' || fail "eval differs from the run's"
import json, sys
final = [json.loads(l) for l in open(sys.argv[1]) if '"eval"' in l][-1]
ev = json.load(open(sys.argv[2]))["metrics"]
assert ev["accuracy"] == final["accuracy"], (ev, final)
assert final["accuracy"] > 0.5, final
print("eval accuracy", ev["accuracy"])
PY

# Bad input: exit 2 and one line naming the problem.
expect_error() {
  local needle="$1"
  shift
  "$bin" "$@" > /dev/null 2> "$dir/err"
  local status=$?
  [ "$status" = 2 ] || fail "densecorr $*: exit $status, expected 2"
  [ "$(wc -l < "$dir/err")" = 1 ] || fail "densecorr $*: stderr not one line: $(cat "$dir/err")"
  grep -q -- "$needle" "$dir/err" || fail "densecorr $*: stderr lacks '$needle': $(cat "$dir/err")"
}
expect_error "did you mean solver.base_lr" train -c "$dir/shapes.yaml" solver.bse_lr=1
expect_error "already has checkpoints" train -c "$dir/shapes.yaml" out="$dir/full"
expect_error "has no checkpoint" train -c "$dir/shapes.yaml" out="$dir/none" --resume
expect_error "missing -c" train
expect_error "did you mean \"classify\"" train -c "$dir/shapes.yaml" task=clasify out="$dir/x"
expect_error "nothing to evaluate" eval -c "$dir/shapes.yaml" out="$dir/none2"

echo "$failures failures"
[ "$failures" = 0 ]
