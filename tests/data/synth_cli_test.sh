#!/bin/bash
# `densecorr synth`: every world/format pair writes its files (exit 0), the same seed writes the
# same bytes, and bad input exits 2 with one line on stderr.
set -u
bin="$1"
dir="${TEST_TMPDIR:-$(mktemp -d)}/synth_cli"
rm -rf "$dir" && mkdir -p "$dir"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

run_ok() {  # run_ok OUTDIR ARGS...
  local out="$1"; shift
  "$bin" synth "$@" --out "$out" >"$dir/stdout" 2>"$dir/stderr" || fail "synth $*: exit $? ($(cat "$dir/stderr"))"
}
run_ok "$dir/coco" --world body --format coco-densepose --count 2 --seed 3 --size 96
run_ok "$dir/coco2" --world body --format coco-densepose --count 2 --seed 3 --size 96
run_ok "$dir/h36m" --world body --format h36m --count 2 --seed 1 --size 96
run_ok "$dir/df" --world body --format deepfashion --count 2 --seed 1 --size 96
run_ok "$dir/face" --world face --format 300w --count 2 --seed 1 --size 64
for f in coco/densepose.json coco/images/000001.png h36m/annot.h5 h36m/images.txt \
         df/fasion-pairs-train.csv df/fasion-annotation-train.csv df/images/000001_b.png \
         face/000001.pts face/000001.png face/000001_uv.h5; do
  [ -s "$dir/$f" ] || fail "missing $f"
done
cmp -s "$dir/coco/densepose.json" "$dir/coco2/densepose.json" || fail "same seed, different JSON"
[ "$(wc -l < "$dir/h36m/images.txt")" = 2 ] || fail "h36m: images.txt does not list 2 records"
[ "$(head -1 "$dir/df/fasion-pairs-train.csv")" = "from,to" ] || fail "pairs header"
grep -q "iter 2/2" "$dir/stderr" || fail "no progress line: $(cat "$dir/stderr")"

expect_bad() {  # expect_bad NEEDLE ARGS...
  local needle="$1"; shift
  "$bin" synth "$@" >/dev/null 2>"$dir/err"
  local status=$?
  local err; err="$(cat "$dir/err")"
  if [ "$status" != 2 ]; then fail "synth $*: exit $status, expected 2"
  elif [ "$(printf '%s\n' "$err" | wc -l)" != 1 ]; then fail "synth $*: stderr not one line: $err"
  elif [[ "$err" != *"$needle"* ]]; then fail "synth $*: '$err' lacks '$needle'"
  else echo "ok: synth $* -> 2"; fi
}
expect_bad "cannot be written as coco-densepose" --world face --format coco-densepose --count 1 --out "$dir/x"
expect_bad "unknown format 'coco'" --world body --format coco --count 1 --out "$dir/x"
expect_bad "unknown world 'cat'" --world cat --format 300w --count 1 --out "$dir/x"
expect_bad "missing --out" --world body --format h36m --count 1
expect_bad "count" --world body --format h36m --count 0 --out "$dir/x"
echo "$failures failures"
[ "$failures" = 0 ]
