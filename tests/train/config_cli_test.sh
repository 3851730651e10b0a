#!/bin/bash
# The built densecorr binary: `densecorr config` exits 0 and prints the resolved config, and exits 2
# with one "densecorr: error: ..." line on bad input (unknown key, bad override, missing file).
set -u
bin="$1"
dir="${TEST_TMPDIR:-$(mktemp -d)}/config_cli"
mkdir -p "$dir"
printf 'solver:\n  base_lr: 0.05\n' > "$dir/ok.yaml"
printf 'solver:\n  bse_lr: 0.05\n' > "$dir/typo.yaml"
failures=0

# expect STATUS NEEDLE ARGS...: runs densecorr ARGS, checks the exit status and that NEEDLE occurs
# in its output (stdout on success, stderr on failure, which must then be exactly one line).
expect() {
  local want="$1" needle="$2"
  shift 2
  local out err status
  out="$("$bin" "$@" 2>"$dir/stderr")"
  status=$?
  err="$(cat "$dir/stderr")"
  local text="$out"
  if [ "$want" != 0 ]; then
    text="$err"
    if [ "$(printf '%s\n' "$err" | wc -l)" != 1 ]; then
      echo "FAIL: densecorr $*: stderr is not one line: $err"
      failures=$((failures + 1))
    fi
  fi
  if [ "$status" != "$want" ]; then
    echo "FAIL: densecorr $*: exit $status, expected $want (stderr: $err)"
    failures=$((failures + 1))
  elif [[ "$text" != *"$needle"* ]]; then
    echo "FAIL: densecorr $*: output lacks '$needle': $text"
    failures=$((failures + 1))
  else
    echo "ok: densecorr $* -> $status"
  fi
}

expect 0 "base_lr: 0.05" config -c "$dir/ok.yaml"
expect 0 "max_iter: 7" config -c "$dir/ok.yaml" solver.max_iter=7
expect 2 "did you mean solver.base_lr?" config -c "$dir/typo.yaml"
expect 2 "is not key=value" config -c "$dir/ok.yaml" solver.max_iter
expect 2 "expected int" config -c "$dir/ok.yaml" solver.max_iter=fast
expect 2 "not found" config -c "$dir/missing.yaml"
expect 2 "missing -c FILE" config seed=1

[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
