#!/bin/bash
# Data-parallel training under mpirun -np 2:
#   1. tests/dist/dist_train_test.cc on 2 ranks (2 ranks = 1 rank with the global batch, sync BN,
#      accumulation, resume, NaN agreement, sharded evaluation);
#   2. `densecorr train` on 2 ranks as a user runs it: only rank 0 writes the run folder and the
#      progress, metrics carry comm_time_s; `densecorr eval` on 2 ranks gives the 1-rank metrics
#      and only rank 0 writes eval.json;
#   3. a rank killed (SIGKILL) mid-run ends the job with mpirun's message, and a rank stopped
#      (SIGSTOP) ends it through the collective timeout (dist.timeout_s), not by hanging.
# Usage: dist_train_test.sh DIST_TRAIN_TEST DENSECORR
set -u
test_bin="$1"
bin="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
work="${TEST_TMPDIR:-$(mktemp -d)}/dist_train_cli"
rm -rf "$work"
mkdir -p "$work"
export TMPDIR=/tmp  # OpenMPI's session sockets need short paths
export DC_NUM_THREADS=1
# Every rank inherits Bazel's XML_OUTPUT_FILE: gtest in both ranks would write the same results
# file over each other (a garbled file that scripts/test.sh cannot count). Bazel writes this
# sh_test's own result instead.
unset XML_OUTPUT_FILE GTEST_OUTPUT
# mpirun --tag-output prefixes every write of a rank, and a line written in several pieces comes
# out as "[1,0]<stderr>:train: task [1,0]<stderr>:classify...": drop the tags to match a line.
untag() { sed -E 's/\[[0-9]+,[0-9]+\]<(stdout|stderr)>://g' "$1"; }
mpirun_cmd=(mpirun --oversubscribe --tag-output -x DC_NUM_THREADS -x TEST_TMPDIR)
if [ "$(id -u)" = 0 ]; then
  mpirun_cmd+=(--allow-run-as-root)
fi
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

echo "=== dist_train_test with 2 ranks"
timeout 600 "${mpirun_cmd[@]}" -np 2 "$test_bin" || fail "dist_train_test with 2 ranks"

cat > "$work/shapes.yaml" <<'YAML'
task: classify
model:
  name: resnet18
  num_classes: 4
data:
  train: {name: shapes, num_samples: 400}
  test: {name: shapes, num_samples: 41}
  image_size: 32
  batch_size: 8
  num_workers: 1
solver:
  max_iter: 6
  base_lr: 0.05
  lr_schedule: cosine
  warmup_iters: 2
  checkpoint_period: 3
log_period: 1
threads: 1
YAML

echo "=== densecorr train on 2 ranks"
timeout 300 "${mpirun_cmd[@]}" -np 2 "$bin" train -c "$work/shapes.yaml" out="$work/run" \
  > "$work/run.out" 2> "$work/run.err" || fail "2-rank train exited $? ($(tail -3 "$work/run.err"))"
cat "$work/run.out"
grep -q "^\[1,0\]<stdout>:train: 6 iterations, accuracy" "$work/run.out" ||
  fail "no summary from rank 0: $(cat "$work/run.out")"
untag "$work/run.err" | grep -q "2 ranks (mpi, global batch 8" || fail "no 2-rank header: $(head -3 "$work/run.err")"
grep -q "^\[1,0\]<stderr>:.*iter 6/6" "$work/run.err" || fail "no progress from rank 0"
grep -q "^\[1,1\]<stderr>:.*iter" "$work/run.err" && fail "rank 1 printed progress"
n_train=$(grep -c '"type":"train"' "$work/run/metrics.jsonl")
[ "$n_train" = 6 ] || fail "metrics.jsonl has $n_train train records, expected 6 (one writer)"
grep -q '"comm_time_s"' "$work/run/metrics.jsonl" || fail "metrics lack comm_time_s"
/usr/bin/python3 - "$work/run/metrics.jsonl" <<'PY' || fail "metrics records are not one clean JSON object per line"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["iteration"] for r in recs if r["type"] == "train"] == [1, 2, 3, 4, 5, 6], recs
assert all(r["comm_time_s"] > 0 for r in recs if r["type"] == "train")
ev = [r for r in recs if r["type"] == "eval"]
assert len(ev) == 1 and ev[0]["samples"] == 41, ev
PY
ls "$work/run" | sort > "$work/files.txt"
[ "$(cat "$work/files.txt" | tr '\n' ' ')" = "checkpoint_00000003.h5 checkpoint_00000006.h5 config.yaml metrics.jsonl " ] ||
  fail "run folder holds: $(cat "$work/files.txt" | tr '\n' ' ')"

echo "=== densecorr eval on 2 ranks = on 1"
ckpt="$work/run/checkpoint_00000006.h5"
timeout 300 "${mpirun_cmd[@]}" -np 2 "$bin" eval -c "$work/shapes.yaml" --weights "$ckpt" \
  out="$work/eval2" > "$work/eval2.out" 2> "$work/eval2.err" ||
  fail "2-rank eval exited $? ($(tail -3 "$work/eval2.err"))"
timeout 300 "$bin" eval -c "$work/shapes.yaml" --weights "$ckpt" out="$work/eval1" \
  > "$work/eval1.out" 2> "$work/eval1.err" || fail "1-rank eval exited $? ($(tail -3 "$work/eval1.err"))"
cat "$work/eval2.out" "$work/eval1.out"
untag "$work/eval2.err" | grep -q "2 ranks (mpi), each evaluating its shard" || fail "no 2-rank eval header"
[ "$(grep -c '^\[1,0\]<stdout>:eval: ' "$work/eval2.out")" = 1 ] || fail "rank 0 did not print the metrics once"
grep -q '^\[1,1\]<stdout>:' "$work/eval2.out" && fail "rank 1 printed"
ls "$work"/eval2 | grep -v '^eval.json$' && fail "eval wrote more than eval.json (a temporary of rank 1?)"
/usr/bin/python3 - "$work/eval2/eval.json" "$work/eval1/eval.json" <<'PY' || fail "2-rank and 1-rank eval.json differ"
import json, sys
two, one = (json.load(open(p)) for p in sys.argv[1:3])
assert two["metrics"]["samples"] == 41, two
assert two["metrics"]["accuracy"] == one["metrics"]["accuracy"], (two, one)
for k, v in one["metrics"].items():
    assert abs(two["metrics"][k] - v) <= 1e-6 * max(1.0, abs(v)), (k, two, one)
PY

# A 2-rank job whose rank 1 gets SIGNAL once rank 0 has written checkpoint 3. Each rank records
# its pid through a small launcher.
cat > "$work/launch.sh" <<EOF2
#!/bin/bash
echo \$\$ > "$work/pid.\$OMPI_COMM_WORLD_RANK"
exec "$bin" train -c "$work/shapes.yaml" "\$@"
EOF2
chmod +x "$work/launch.sh"
fault_run() {
  local name="$1" signal="$2" status
  rm -f "$work"/pid.*
  timeout 240 "${mpirun_cmd[@]}" -np 2 "$work/launch.sh" out="$work/$name" solver.max_iter=100000 \
    solver.checkpoint_period=3 dist.timeout_s=5 > "$work/$name.log" 2>&1 &
  local job=$!
  for _ in $(seq 1 1200); do
    [ -e "$work/$name/checkpoint_00000003.h5" ] && break
    sleep 0.1
  done
  [ -e "$work/pid.1" ] && kill -"$signal" "$(cat "$work/pid.1")"
  wait "$job"
  status=$?
  tail -20 "$work/$name.log"
  if [ "$status" = 124 ]; then
    fail "$name: the job hung (killed by the outer timeout)"
  elif [ "$status" = 0 ]; then
    fail "$name: the job exited with status 0"
  fi
  return 0
}
echo "=== rank 1 killed"
fault_run killed KILL
grep -q "exited on signal 9" "$work/killed.log" || fail "killed: no message naming the dead rank"
echo "=== rank 1 stopped"
fault_run stopped STOP
grep -q "did not complete within 5 s (dist timeout_s)" "$work/stopped.log" ||
  fail "stopped: no timeout message"

echo "$failures failure(s)"
[ "$failures" = 0 ]
