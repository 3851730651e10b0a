#!/bin/bash
# `densecorr data check` / `data show` on folders written by `densecorr synth`: counts printed,
# a PNG written; broken files exit 2 with one line naming the file, record and field.
set -u
bin="$1"
dir="${TEST_TMPDIR:-$(mktemp -d)}/data_cli"
rm -rf "$dir" && mkdir -p "$dir"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

"$bin" synth --world body --format coco-densepose --count 3 --seed 2 --size 96 --out "$dir/coco" 2>/dev/null || fail "synth coco"
"$bin" synth --world body --format h36m --count 2 --size 96 --out "$dir/h36m" 2>/dev/null || fail "synth h36m"
"$bin" synth --world body --format deepfashion --count 2 --size 96 --out "$dir/df" 2>/dev/null || fail "synth df"
"$bin" synth --world face --format 300w --count 2 --size 64 --out "$dir/face" 2>/dev/null || fail "synth face"

check_ok() {  # check_ok FORMAT DIR NEEDLE
  local out; out="$("$bin" data check --format "$1" "$2" 2>&1)"
  local status=$?
  if [ "$status" != 0 ]; then fail "data check $1: exit $status: $out"
  elif [[ "$out" != *"$3"* ]]; then fail "data check $1: lacks '$3': $out"
  else echo "ok: data check $1"; fi
  "$bin" data show --format "$1" "$2" --out "$dir/$1.png" >/dev/null 2>&1 || fail "data show $1"
  [ "$(head -c 4 "$dir/$1.png" | tail -c 3)" = "PNG" ] || fail "data show $1: no PNG"
}
check_ok coco-densepose "$dir/coco" "images: 3"
check_ok h36m "$dir/h36m" "records: 2"
check_ok deepfashion "$dir/df" "train pairs: 2"
check_ok 300w "$dir/face" "faces: 2 (2 with dense U,V)"

expect_bad() {  # expect_bad NEEDLE ARGS...
  local needle="$1"; shift
  "$bin" "$@" >/dev/null 2>"$dir/err"
  local status=$?
  local err; err="$(cat "$dir/err")"
  if [ "$status" != 2 ]; then fail "$*: exit $status, expected 2 ($err)"
  elif [ "$(printf '%s\n' "$err" | wc -l)" != 1 ]; then fail "$*: stderr not one line: $err"
  elif [[ "$err" != *"$needle"* ]]; then fail "$*: '$err' lacks '$needle'"
  else echo "ok: $* -> 2"; fi
}
# A dp_I of 25 in the first annotation.
sed -i 's/"dp_I":\[\([0-9.]*\),/"dp_I":[25.0,/' "$dir/coco/densepose.json"
expect_bad "annotation id 1: field 'dp_I'[0] = 25" data check --format coco-densepose "$dir/coco"
rm "$dir/h36m/images/000001.png"
expect_bad "000001.png' does not exist" data check --format h36m "$dir/h36m"
printf 'from,to\nonly-one\n' > "$dir/df/fasion-pairs-train.csv"
expect_bad "fasion-pairs-train.csv: line 2" data check --format deepfashion "$dir/df"
printf 'version: 1\nn_points: 68\n{\n1 2\n}\n' > "$dir/face/000000.pts"
expect_bad "000000.pts: n_points is 68" data show --format 300w "$dir/face" --out "$dir/x.png"
expect_bad "missing --out" data show --format 300w "$dir/face"
expect_bad "unknown format" data check --format coco "$dir/coco"
expect_bad "expected 'check' or 'show'" data list
echo "$failures failures"
[ "$failures" = 0 ]
