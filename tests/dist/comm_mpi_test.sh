#!/bin/bash
# Runs the MPI communicator tests under mpirun: tests/dist/comm_test.cc with 2 and 3 ranks, then
# the failure cases of tests/dist/comm_fault_main.cc (a rank that exits, a rank that stalls), which
# must end the job with a clear message and a nonzero status instead of hanging.
# Usage: comm_mpi_test.sh COMM_TEST COMM_FAULT_MAIN
set -u
comm_test="$1"
fault="$2"
work="${TEST_TMPDIR:-$(mktemp -d)}/comm_mpi"
mkdir -p "$work"
# OpenMPI keeps its session files (with unix sockets, whose paths are short) under TMPDIR.
export TMPDIR=/tmp
# One kernel thread per rank, so that the ranks do not fight over the cores.
export DC_NUM_THREADS=1

# Every rank inherits Bazel's XML_OUTPUT_FILE: gtest in both ranks would write the same results
# file over each other (a garbled file that scripts/test.sh cannot count). Bazel writes this
# sh_test's own result instead.
unset XML_OUTPUT_FILE GTEST_OUTPUT
mpirun_cmd=(mpirun --oversubscribe --tag-output -x DC_NUM_THREADS -x DC_TEST_WORLD_SIZE
            -x TEST_TMPDIR)
if [ "$(id -u)" = 0 ]; then
  mpirun_cmd+=(--allow-run-as-root)
fi
failures=0

for np in 2 3; do
  export DC_TEST_WORLD_SIZE=$np
  echo "=== comm_test with $np ranks"
  if ! timeout 120 "${mpirun_cmd[@]}" -np "$np" "$comm_test"; then
    echo "FAIL: comm_test with $np ranks"
    failures=$((failures + 1))
  fi
done

# expect_failure MODE NEEDLE: a 2-rank fault job ends by itself (well before the outer 120 s
# limit), with a nonzero status and NEEDLE in its output.
expect_failure() {
  local mode="$1" needle="$2" status
  echo "=== fault: $mode"
  timeout 120 "${mpirun_cmd[@]}" -np 2 "$fault" "$mode" 5 >"$work/$mode.log" 2>&1
  status=$?
  cat "$work/$mode.log"
  if [ "$status" = 124 ]; then
    echo "FAIL: fault $mode: the job hung (killed by the outer timeout)"
    failures=$((failures + 1))
  elif [ "$status" = 0 ]; then
    echo "FAIL: fault $mode: the job exited with status 0"
    failures=$((failures + 1))
  elif ! grep -qF "$needle" "$work/$mode.log"; then
    echo "FAIL: fault $mode: output lacks '$needle'"
    failures=$((failures + 1))
  elif grep -qF "second all_reduce returned" "$work/$mode.log"; then
    echo "FAIL: fault $mode: a rank finished the collective its peer never joined"
    failures=$((failures + 1))
  else
    echo "ok: fault $mode -> status $status"
  fi
}

expect_failure stall "did not complete within 5 s (dist timeout_s)"
expect_failure exit "Exit code:    3"

echo "$failures failure(s)"
[ "$failures" = 0 ]
