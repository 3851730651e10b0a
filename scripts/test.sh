#!/usr/bin/env bash
# Builds and runs every test, then prints "N passed, N failed, N skipped" (counted
# from the GoogleTest XML of this run) as the last line. Exits nonzero if the
# build failed, any test failed, or no test case was found.
# Extra arguments are passed to `bazel test` (e.g. scripts/test.sh --nocache_test_results).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup.sh || { echo "test.sh: setup.sh failed" >&2; echo "0 passed, 0 failed, 0 skipped"; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
bep="$tmp/bep.json"

bazel test //... --keep_going --test_output=errors \
  --build_event_json_file="$bep" "$@"
bazel_rc=$?
# 0: all passed; 3: some test failed; 4: no test targets; anything else: build error.
if [[ $bazel_rc -ne 0 ]]; then
  echo "test.sh: bazel test exited with $bazel_rc" >&2
fi

expected="$tmp/expected.txt"
if ! bazel query 'tests(//...)' --output=label >"$expected" 2>"$tmp/query.err"; then
  cat "$tmp/query.err" >&2
fi

# Keep the count line last: the counter writes its diagnostics to stderr first.
/usr/bin/python3 scripts/count_tests.py "$bep" $(cat "$expected")
count_rc=$?

if [[ $bazel_rc -ne 0 || $count_rc -ne 0 ]]; then
  exit 1
fi
exit 0
