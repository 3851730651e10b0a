#!/bin/bash
# `densecorr infer` and the DenseReg pictures of `densecorr eval` as a user runs them: a DenseReg
# config trained for 3 iterations on 48×48 synthetic faces; infer on 2 held-out faces and on a PNG
# of another size (every path printed exists, with the expected picture size), texture transfer;
# eval writes and prints eval_ced.png and eval_gallery.png; bad input exits 2 with one line on
# stderr. The pixel values are checked against a recomputation in //tests:infer_test.
set -u
bin="$1"
config="$2"
source tests/testing/cli_checks.sh
cli_test_dir infer_cli

# png_size FILE: "WIDTHxHEIGHT" from the PNG header (IHDR, big-endian, bytes 16..23).
png_size() {
  local b
  read -r -a b <<< "$(od -An -tu1 -j16 -N8 "$1")"
  echo "$(((b[0] << 24) + (b[1] << 16) + (b[2] << 8) + b[3]))x$(((b[4] << 24) + (b[5] << 16) + (b[6] << 8) + b[7]))"
}

# expect STATUS NEEDLE ARGS...: densecorr ARGS exits STATUS; on failure stderr is one line
# containing NEEDLE.
expect() {
  local want="$1" needle="$2"
  shift 2
  local err status
  "$bin" "$@" >"$dir/stdout" 2>"$dir/stderr"
  status=$?
  err="$(cat "$dir/stderr")"
  if [ "$status" != "$want" ]; then
    fail "densecorr $*: exit $status, expected $want (stderr: $err)"
  elif [ "$want" != 0 ] && [ "$(printf '%s\n' "$err" | wc -l)" != 1 ]; then
    fail "densecorr $*: stderr is not one line: $err"
  elif [ "$want" != 0 ] && [[ "$err" != *"$needle"* ]]; then
    fail "densecorr $*: stderr lacks '$needle': $err"
  else
    echo "ok: densecorr $* -> $status"
  fi
}

# check_written STDOUT SIZE COUNT: STDOUT lists COUNT .png paths, each an existing SIZE picture.
check_written() {
  local n=0 p
  while read -r p; do
    [[ "$p" == *.png ]] || continue
    n=$((n + 1))
    [ -f "$p" ] || { fail "printed path $p does not exist"; continue; }
    [ "$(png_size "$p")" = "$2" ] || fail "$p is $(png_size "$p"), expected $2"
  done < "$1"
  [ "$n" = "$3" ] || fail "$n paths printed, expected $3: $(cat "$1")"
}

run="$dir/run"
tiny=(out="$run" data.image_size=48 data.batch_size=2 data.test.num_samples=6
  data.train.num_samples=16 densereg.num_bins=4 solver.max_iter=3 solver.warmup_iters=1
  solver.checkpoint_period=3 solver.eval_period=0 data.synth_faces.supersample=1)
"$bin" train -c "$config" "${tiny[@]}" > "$dir/train.out" 2> "$dir/train.err" ||
  fail "train exited $? ($(tail -2 "$dir/train.err"))"

out="$("$bin" infer --help)" || fail "infer --help exited $?"
[[ "$out" == "usage: densecorr infer"* ]] || fail "infer --help printed: $out"

# Two held-out faces, weights from the run folder's latest checkpoint: 6 pictures each.
expect 0 "" infer -c "$config" "${tiny[@]}" --synth 2 --out "$dir/synth"
check_written "$dir/stdout" 48x48 12
grep -q "checkpoint_00000003.h5" "$dir/stdout" || fail "weights not named: $(head -3 "$dir/stdout")"
for f in input u v isolines landmarks parts; do
  [ -f "$dir/synth/synth_0001_$f.png" ] || fail "no synth_0001_$f.png"
done

# A PNG of another size (a picture the first run wrote, enlarged by the eval gallery: 264x232):
# fitted to 48x48.
expect 0 "" eval -c "$config" "${tiny[@]}"
grep -q "^eval: wrote $run/eval_ced.png" "$dir/stdout" || fail "eval did not print the CED path"
grep -q "^eval: wrote $run/eval_gallery.png" "$dir/stdout" || fail "eval did not print the gallery"
[ "$(png_size "$run/eval_ced.png")" = 900x600 ] || fail "eval_ced.png is $(png_size "$run/eval_ced.png")"
[ "$(png_size "$run/eval_gallery.png")" = 264x232 ] ||
  fail "eval_gallery.png is $(png_size "$run/eval_gallery.png")"
expect 0 "" infer -c "$config" "${tiny[@]}" --image "$run/eval_gallery.png" --out "$dir/png"
check_written "$dir/stdout" 48x48 6
grep -q "(264×232) scaled to a shorter side of 48 and centre-cropped to 48×48" "$dir/stdout" ||
  fail "the fit is not reported: $(head -2 "$dir/stdout")"
[ -f "$dir/png/eval_gallery_u.png" ] || fail "no eval_gallery_u.png"

# Texture transfer on two faces: the input and the texture picture each.
expect 0 "" infer -c "$config" "${tiny[@]}" --synth 2 --task texture-transfer --out "$dir/tex"
check_written "$dir/stdout" 48x48 4
[ -f "$dir/tex/synth_0001_texture.png" ] || fail "no synth_0001_texture.png"
expect 0 "" infer -c "$config" "${tiny[@]}" --synth 1 --task texture-transfer \
  --texture "$dir/synth/synth_0000_u.png" --opacity 0.7 --out "$dir/tex2"
check_written "$dir/stdout" 48x48 2

# Bad input: exit 2, one line.
echo "not a picture" > "$dir/bad.png"
cat > "$dir/classify.yaml" <<'YAML'
task: classify
model: {name: resnet18, num_classes: 4}
data:
  train: {name: shapes}
  test: {name: shapes}
YAML
ck="$run/checkpoint_00000003.h5"
expect 2 "no such file" infer -c "$config" "${tiny[@]}" --image "$dir/missing.png" --out "$dir/e"
expect 2 "bad.png" infer -c "$config" "${tiny[@]}" --image "$dir/bad.png" --out "$dir/e"
expect 2 "task is 'classify'" infer -c "$dir/classify.yaml" --weights "$ck" --synth 1 --out "$dir/e"
expect 2 "part segmentation" infer -c "$config" "${tiny[@]}" model.name=densereg_parts_r18 \
  --synth 1 --out "$dir/e"
expect 2 "bad.png" infer -c "$config" "${tiny[@]}" --synth 1 --task texture-transfer \
  --texture "$dir/bad.png" --out "$dir/e"
expect 2 "builtin:checker and builtin:face" infer -c "$config" "${tiny[@]}" --synth 1 \
  --task texture-transfer --texture builtin:wood --out "$dir/e"
expect 2 "exactly one of --image" infer -c "$config" "${tiny[@]}" --synth 1 --image "$ck" \
  --out "$dir/e"
expect 2 "missing --out" infer -c "$config" "${tiny[@]}" --synth 1
expect 2 "has 6 faces" infer -c "$config" "${tiny[@]}" --synth 7 --out "$dir/e"
expect 2 "need --task texture-transfer" infer -c "$config" "${tiny[@]}" --synth 1 \
  --texture builtin:face --out "$dir/e"
expect 2 "no weights" infer -c "$config" "${tiny[@]}" out="$dir/nothing" --synth 1 --out "$dir/e"
expect 2 "component or argmin" infer -c "$config" "${tiny[@]}" --synth 1 --landmarks best \
  --out "$dir/e"

[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all infer CLI checks passed"
