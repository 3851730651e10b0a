#!/usr/bin/env bash
# scripts/count_tests.py --xml: counts GoogleTest XML written outside Bazel (scripts/gpu_kit.sh).
# Passed, failed (<failure> or <error>) and skipped (result="skipped" or <skipped>) cases are
# summed over files; a missing, unparsable or empty file counts as one failure, and the exit
# status is 1 whenever anything failed.
set -uo pipefail
count="$1"
dir="${TEST_TMPDIR:-/tmp}/count_tests_test"
rm -rf "$dir" && mkdir -p "$dir"
fail() { echo "FAIL: $*" >&2; exit 1; }

cat > "$dir/a.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="4">
  <testsuite name="A" tests="4">
    <testcase name="ok1" status="run" result="completed"/>
    <testcase name="ok2" status="run" result="completed"/>
    <testcase name="gpu" status="run" result="skipped"><skipped message="no GPU"/></testcase>
    <testcase name="bad" status="run" result="completed"><failure message="x"/></testcase>
  </testsuite>
</testsuites>
XML
cat > "$dir/b.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="2">
  <testsuite name="B" tests="2">
    <testcase name="ok" status="run" result="completed"/>
    <testcase name="off" status="notrun" result="suppressed"/>
  </testsuite>
</testsuites>
XML
cat > "$dir/empty.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="0"></testsuites>
XML
cat > "$dir/pass.xml" <<'XML'
<testsuites><testsuite name="P"><testcase name="ok" status="run"/></testsuite></testsuites>
XML
printf '<testsuites><testsuite' > "$dir/cut.xml"

# expect LINE STATUS FILE...: the last line of the output and the exit status.
expect() {
  local want_line="$1" want_status="$2"
  shift 2
  local got status
  got=$(python3 "$count" --xml "$@" 2>"$dir/err")
  status=$?
  got=$(tail -n 1 <<< "$got")
  [[ "$got" == "$want_line" ]] || fail "--xml $*: got '$got', want '$want_line'"
  [[ "$status" == "$want_status" ]] || fail "--xml $*: exit $status, want $want_status"
}
expect "1 passed, 0 failed, 0 skipped" 0 "$dir/pass.xml"
expect "3 passed, 1 failed, 2 skipped" 1 "$dir/a.xml" "$dir/b.xml"
expect "1 passed, 1 failed, 0 skipped" 1 "$dir/pass.xml" "$dir/missing.xml"
grep -q "missing.xml" "$dir/err" || fail "a missing file is not named: $(cat "$dir/err")"
expect "1 passed, 1 failed, 0 skipped" 1 "$dir/pass.xml" "$dir/empty.xml"
grep -q "no test cases" "$dir/err" || fail "an empty file is not named: $(cat "$dir/err")"
expect "1 passed, 1 failed, 0 skipped" 1 "$dir/pass.xml" "$dir/cut.xml"
grep -q "cannot parse" "$dir/err" || fail "a cut file is not named: $(cat "$dir/err")"
echo "PASS"
