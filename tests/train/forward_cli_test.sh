#!/bin/bash
# `densecorr forward` end to end against PyTorch: torchvision resnet18 / resnet50, randomly
# initialised with randomised BatchNorm statistics, saved as .pth, converted with
# scripts/convert_torch_weights.py; densecorr's logits on an HDF5 input equal PyTorch's within 1e-4
# relative. Bad input (missing file or dataset, wrong rank, missing or mismatched weights) exits 2
# with one error line. Without torch/h5py in /usr/bin/python3 the test is skipped, unless CI=true.
set -u
bin="$1"
convert="$2"
configs_dir="$(dirname "$3")"
py=/usr/bin/python3
dir="${TEST_TMPDIR:-$(mktemp -d)}/forward_cli"
mkdir -p "$dir"
failures=0

if ! "$py" -c 'import torch, torchvision, h5py' 2>/dev/null; then
  if [ "${CI:-}" = "true" ]; then
    echo "FAIL: $py lacks torch, torchvision or h5py (required because CI=true)"
    exit 1
  fi
  echo "SKIP: $py lacks torch, torchvision or h5py (scripts/setup.sh installs them)"
  exit 0
fi

# make.py NAME DIR: DIR/NAME.pth (state dict), DIR/in.h5 (dataset 'input'), DIR/NAME_ref.npy.
cat > "$dir/make.py" <<'PY'
import sys
import h5py
import numpy as np
import torch
import torchvision as tv
name, d = sys.argv[1], sys.argv[2]
torch.manual_seed(0)
m = getattr(tv.models, name)()
with torch.no_grad():
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.weight.uniform_(0.5, 1.5)
            mod.bias.uniform_(-0.2, 0.2)
            mod.running_mean.uniform_(-0.2, 0.2)
            mod.running_var.uniform_(0.5, 1.5)
            mod.num_batches_tracked.fill_(7)
m.eval()
torch.save(m.state_dict(), f'{d}/{name}.pth')
# Its own generator: the same input for every model (in.h5 is shared).
x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(1))
with h5py.File(f'{d}/in.h5', 'w') as f:
    f['input'] = x.numpy()
    f['not_input'] = x.numpy()
with h5py.File(f'{d}/rank3.h5', 'w') as f:
    f['input'] = x[0].numpy()
with torch.no_grad():
    np.save(f'{d}/{name}_ref.npy', m(x).numpy())
PY

# compare.py OUT.h5 REF.npy: logits within 1e-4 of max|ref|, elementwise.
cat > "$dir/compare.py" <<'PY'
import sys
import h5py
import numpy as np
with h5py.File(sys.argv[1], 'r') as f:
    assert list(f.keys()) == ['logits'], list(f.keys())
    out = f['logits'][()]
ref = np.load(sys.argv[2])
assert out.shape == ref.shape, (out.shape, ref.shape)
scale = np.abs(ref).max()
assert scale > 0
err = np.abs(out - ref).max() / scale
print(f'max relative error {err:.2e} (scale {scale:.3g})')
sys.exit(0 if err <= 1e-4 else 1)
PY

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
    echo "FAIL: densecorr $*: exit $status, expected $want (stderr: $err)"
    failures=$((failures + 1))
  elif [ "$want" != 0 ] && [ "$(printf '%s\n' "$err" | wc -l)" != 1 ]; then
    echo "FAIL: densecorr $*: stderr is not one line: $err"
    failures=$((failures + 1))
  elif [ "$want" != 0 ] && [[ "$err" != *"$needle"* ]]; then
    echo "FAIL: densecorr $*: stderr lacks '$needle': $err"
    failures=$((failures + 1))
  else
    echo "ok: densecorr $* -> $status"
  fi
}

for name in resnet18 resnet50; do
  "$py" "$dir/make.py" "$name" "$dir" || { echo "FAIL: make.py $name"; exit 1; }
  "$py" "$convert" "$dir/$name.pth" "$dir/$name.h5" || { echo "FAIL: convert $name"; exit 1; }
  expect 0 "" forward -c "$configs_dir/$name.yaml" --weights "$dir/$name.h5" \
    --input "$dir/in.h5" --output "$dir/${name}_out.h5"
  if ! "$py" "$dir/compare.py" "$dir/${name}_out.h5" "$dir/${name}_ref.npy"; then
    echo "FAIL: $name logits differ from PyTorch's"
    failures=$((failures + 1))
  fi
done
# model.weights from the config (an override) instead of --weights.
expect 0 "" forward -c "$configs_dir/resnet18.yaml" --input "$dir/in.h5" \
  --output "$dir/cfg_out.h5" model.weights="$dir/resnet18.h5"
"$py" "$dir/compare.py" "$dir/cfg_out.h5" "$dir/resnet18_ref.npy" >/dev/null ||
  { echo "FAIL: model.weights from the config"; failures=$((failures + 1)); }
# device=cpu, said explicitly, is the default path (device errors: bench_forward_device_cli_test).
expect 0 "" forward -c "$configs_dir/resnet18.yaml" --weights "$dir/resnet18.h5" \
  --input "$dir/in.h5" --output "$dir/cpu_out.h5" device=cpu
"$py" "$dir/compare.py" "$dir/cpu_out.h5" "$dir/resnet18_ref.npy" >/dev/null ||
  { echo "FAIL: device=cpu"; failures=$((failures + 1)); }

r18="$configs_dir/resnet18.yaml"
w18="$dir/resnet18.h5"
expect 2 "missing --input" forward -c "$r18" --weights "$w18" --output "$dir/o.h5"
expect 2 "no_such.h5" forward -c "$r18" --weights "$w18" --input "$dir/no_such.h5" --output "$dir/o.h5"
expect 2 "no dataset 'input'" forward -c "$r18" --weights "$w18" --input "$w18" --output "$dir/o.h5"
expect 2 "expected a 4-D" forward -c "$r18" --weights "$w18" --input "$dir/rank3.h5" --output "$dir/o.h5"
expect 2 "no weights" forward -c "$r18" --input "$dir/in.h5" --output "$dir/o.h5"
expect 2 "missing.h5" forward -c "$r18" --weights "$dir/missing.h5" --input "$dir/in.h5" \
  --output "$dir/o.h5"
# resnet18's weights for resnet50: an error naming the keys, unless partial weights are allowed.
expect 2 "layer1.0.conv3.weight" forward -c "$configs_dir/resnet50.yaml" --weights "$w18" \
  --input "$dir/in.h5" --output "$dir/o.h5"
expect 0 "" forward -c "$configs_dir/resnet50.yaml" --weights "$w18" --input "$dir/in.h5" \
  --output "$dir/o.h5" model.allow_partial_weights=true
grep -q "warning" "$dir/stderr" || { echo "FAIL: partial load without a warning"; failures=$((failures + 1)); }
expect 2 "unknown model" forward -c "$r18" --weights "$w18" --input "$dir/in.h5" \
  --output "$dir/o.h5" model.name=resnet19

[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
