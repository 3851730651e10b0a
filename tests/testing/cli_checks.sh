# Shared pieces of the shell tests that run `densecorr` as a user does. Source it from a sh_test
# that lists //tests/testing:cli_checks.sh in its data (the test runs from the runfiles root):
#
#   source tests/testing/cli_checks.sh
#   cli_test_dir train_cli      # $dir: an empty folder under $TEST_TMPDIR; failures=0
#   fail "what went wrong"      # counts a failure and goes on
#   patterns=("densecorr: error:" "config key device")
#   expect_bad "what" CMD...    # CMD exits 2 with one stderr line holding every pattern
#   finish_cli_test             # exits 1 if anything failed

# cli_test_dir NAME: makes $dir empty and resets the failure count.
cli_test_dir() {
  dir="${TEST_TMPDIR:-$(mktemp -d)}/$1"
  rm -rf "$dir"
  mkdir -p "$dir"
  failures=0
}

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# expect_bad WHAT CMD...: CMD exits 2 with exactly one stderr line containing every entry of the
# array $patterns (bad input must give one clear line, not a trace).
expect_bad() {
  local what="$1"
  shift
  local before=$failures
  "$@" > "$dir/out" 2> "$dir/err"
  local rc=$?
  [ "$rc" -eq 2 ] || fail "$what: exit $rc, expected 2 ($(cat "$dir/err"))"
  [ "$(wc -l < "$dir/err")" -eq 1 ] || fail "$what: stderr is not one line: $(cat "$dir/err")"
  local p
  for p in "${patterns[@]}"; do
    grep -qF -- "$p" "$dir/err" || fail "$what: stderr lacks '$p': $(cat "$dir/err")"
  done
  [ "$failures" -eq "$before" ] && echo "ok: $what -> $rc"
}

# finish_cli_test: the verdict, as the exit status.
finish_cli_test() {
  if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)"
    exit 1
  fi
  echo "all passed"
}
