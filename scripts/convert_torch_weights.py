#!/usr/bin/python3
"""Converts a PyTorch state dict (.pth) into a densecorr HDF5 weight file.

Usage:
  /usr/bin/python3 scripts/convert_torch_weights.py IN.pth OUT.h5 [--key NAME] [--strip-prefix P]

IN.pth is what torch.save wrote: a state dict (name -> tensor), or a checkpoint dict holding one
under 'state_dict' or 'model' (the first present, or --key NAME). --strip-prefix removes a prefix
such as 'module.' (nn.DataParallel) from every key that has it.

The output has one dataset per key in the root group, named exactly as the key (dots kept), in the
state dict's order, with the tensor's dtype and shape (0-d tensors as scalar datasets) — the layout
of core/h5_tensor_file.h, read by dc::load_weights. Supported dtypes: float16/32/64, int32, int64,
uint8, bool; bfloat16 tensors are widened to float32 (exactly; h5py has no bfloat16 type) and
reported on stderr. Anything else is an error naming the key. The file is written to
OUT.tmp.<pid> and renamed, so OUT is never left half written.

Needs torch and h5py (Debian: python3-torch, python3-h5py).
"""
import argparse
import os
import sys

import h5py
import numpy as np
import torch

SUPPORTED = {
    torch.float32, torch.float64, torch.float16, torch.int32, torch.int64, torch.uint8, torch.bool
}


def find_state_dict(obj, key):
    if isinstance(obj, torch.nn.Module):
        return obj.state_dict()
    if not isinstance(obj, dict):
        sys.exit(f"convert_torch_weights: expected a dict or nn.Module, got {type(obj).__name__}")
    names = [key] if key else ["state_dict", "model"]
    for name in names:
        if name in obj and isinstance(obj[name], dict):
            return obj[name]
    if key:
        sys.exit(f"convert_torch_weights: no dict entry '{key}' (entries: {sorted(obj)})")
    return obj


def convert(src, dst, key=None, strip_prefix=None):
    state = find_state_dict(torch.load(src, map_location="cpu"), key)
    bad = [k for k, v in state.items() if not isinstance(v, torch.Tensor)]
    if bad:
        sys.exit(f"convert_torch_weights: '{src}': entries that are not tensors: {bad[:20]} "
                 "(pass --key to pick the state dict inside a checkpoint)")
    tmp = f"{dst}.tmp.{os.getpid()}"
    try:
        with h5py.File(tmp, "w", track_order=True) as f:
            f.attrs["source"] = os.path.basename(src)
            for name, t in state.items():
                if strip_prefix and name.startswith(strip_prefix):
                    name = name[len(strip_prefix):]
                t = t.detach().cpu().contiguous()
                if t.dtype == torch.bfloat16:
                    print(f"convert_torch_weights: '{name}': bfloat16 stored as float32",
                          file=sys.stderr)
                    t = t.float()
                if t.dtype not in SUPPORTED:
                    raise ValueError(f"'{src}': tensor '{name}' has the unsupported dtype "
                                     f"{t.dtype} (supported: {sorted(map(str, SUPPORTED))})")
                if name in f:
                    raise ValueError(f"'{src}': two keys map to '{name}' after stripping")
                f.create_dataset(name, data=np.asarray(t.numpy()))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dst)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return len(state)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("src", help="input .pth")
    p.add_argument("dst", help="output .h5")
    p.add_argument("--key", help="the checkpoint entry holding the state dict")
    p.add_argument("--strip-prefix", help="prefix removed from keys, e.g. module.")
    a = p.parse_args()
    try:
        n = convert(a.src, a.dst, a.key, a.strip_prefix)
    except ValueError as e:
        sys.exit(f"convert_torch_weights: {e}")
    print(f"convert_torch_weights: wrote {n} tensors to {a.dst}")


if __name__ == "__main__":
    main()
