#!/usr/bin/env python3
"""PyTorch oracle server for densecorr tests.

Spawned once per test binary by tests/oracle/torch_oracle.cc and kept alive for all requests.
The protocol runs over this process's stdin/stdout; everything else (print, warnings, C-level
writes) is redirected to stderr so it shows in the test log without corrupting the channel.

Framing (both directions): 8-byte little-endian length, UTF-8 JSON header of that length, then the
raw little-endian float64 payloads of every *defined* tensor listed in the header, in order (first
all inputs, then all grad tensors); each payload's size is implied by its shape.

Request header:
  {"expr": str, "attrs": {...},
   "inputs": [{"shape": [..], "dtype": "float32", "requires_grad": bool, "defined": bool}, ...],
   "grad_outputs": [same as inputs, one per floating output]}
Response header:
  {"error": null | str,
   "outputs": [{"shape": [..], "dtype": "int64", "defined": bool}, ...],
   "grads":   [one per input, same fields]}
The first message the server writes is a hello: {"hello": true, "torch": version} or, if torch
cannot be imported, {"hello": false, "error": traceback}.
"""

import json
import math
import os
import struct
import sys
import traceback

# Take over the protocol fds, then point fd 0/1 away from the pipes so nothing else can touch them.
_proto_in = os.fdopen(os.dup(0), "rb", buffering=0)
_proto_out = os.fdopen(os.dup(1), "wb", buffering=0)
_devnull = os.open(os.devnull, os.O_RDONLY)
os.dup2(_devnull, 0)
os.close(_devnull)
os.dup2(2, 1)
sys.stdout = sys.stderr


def _read_exact(n, eof_ok=False):
    """Reads exactly n bytes; returns None on a clean EOF before the first byte if eof_ok."""
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = _proto_in.readinto(view[got:])
        if not k:
            if got == 0 and eof_ok:
                return None
            raise EOFError("torch_oracle: truncated message (%d of %d bytes)" % (got, n))
        got += k
    return buf


def _write_all(data):
    view = memoryview(data).cast("B")
    while len(view):
        k = _proto_out.write(view)
        view = view[k:]


def _send(header, payloads=()):
    blob = json.dumps(header).encode("utf-8")
    _write_all(struct.pack("<Q", len(blob)))
    _write_all(blob)
    for p in payloads:
        _write_all(p)


def _numel(shape):
    n = 1
    for s in shape:
        n *= int(s)
    return n


try:
    import numpy as np
    import torch
    import torch.nn.functional as F
    import torchvision  # the detection ops (roi_align, nms, box_iou) are checked against it

    torch.set_num_threads(1)
except BaseException:  # noqa: B902 -- report anything, including SystemExit from a broken install
    _send({"hello": False, "error": traceback.format_exc()})
    sys.exit(0)

_DTYPES = {
    "float32": torch.float32,
    "float": torch.float32,
    "float64": torch.float64,
    "double": torch.float64,
    "float16": torch.float16,
    "half": torch.float16,
    "bfloat16": torch.bfloat16,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "long": torch.int64,
    "uint8": torch.uint8,
    "bool": torch.bool,
}


def _dtype_name(dt):
    return str(dt).replace("torch.", "")


def _flatten(obj, out):
    """Collects tensors from a (nested) tensor / tuple / list / number result."""
    if isinstance(obj, torch.Tensor):
        out.append(obj)
    elif obj is None:
        out.append(None)
    elif isinstance(obj, (tuple, list)):  # includes torch.return_types named tuples
        for o in obj:
            _flatten(o, out)
    elif isinstance(obj, (bool, int, float, np.number, np.bool_)):
        out.append(torch.tensor(float(obj), dtype=torch.float64))
    elif isinstance(obj, np.ndarray):
        out.append(torch.from_numpy(np.asarray(obj, dtype=np.float64)))
    else:
        raise TypeError("torch_oracle: unsupported output type %s" % type(obj).__name__)


def _encode(t, meta, payloads):
    if t is None:
        meta.append({"shape": [], "dtype": "", "defined": False})
        return
    if t.is_complex():
        raise TypeError("torch_oracle: complex outputs are not supported")
    meta.append({"shape": list(t.shape), "dtype": _dtype_name(t.dtype), "defined": True})
    arr = t.detach().to(device="cpu", dtype=torch.float64).contiguous().numpy()
    payloads.append(np.ascontiguousarray(arr, dtype="<f8").tobytes())


def _read_tensors(metas, payload_iter):
    return [next(payload_iter) if m.get("defined", True) else None for m in metas]


def _build(meta, raw):
    if raw is None:
        return None
    dtype = _DTYPES.get(meta.get("dtype", "float32"))
    if dtype is None:
        raise ValueError("torch_oracle: unknown dtype %r" % meta.get("dtype"))
    shape = [int(s) for s in meta["shape"]]
    t = torch.from_numpy(np.frombuffer(raw, dtype="<f8").astype(np.float64)).reshape(shape)
    t = t.to(dtype)
    if meta.get("requires_grad", False) and t.is_floating_point():
        t.requires_grad_(True)
    return t


def _evaluate(expr, inputs, attrs):
    env = {
        "torch": torch,
        "F": F,
        "tv": torchvision,
        "np": np,
        "math": math,
        "a": attrs,
        "x": list(inputs),
    }
    for i, t in enumerate(inputs):
        env["x%d" % i] = t
    try:
        code = compile(expr, "<oracle expr>", "eval")
    except SyntaxError:
        code = None
    if code is not None:
        return eval(code, env)
    exec(compile(expr, "<oracle block>", "exec"), env)
    if "out" not in env:
        raise NameError("torch_oracle: statement block did not assign `out`")
    return env["out"]


def _handle(header, raws_in, raws_grad):
    torch.manual_seed(0)
    inputs = [_build(m, r) for m, r in zip(header["inputs"], raws_in)]
    result = _evaluate(header["expr"], inputs, header.get("attrs", {}))
    outs = []
    _flatten(result, outs)

    grad_metas = header.get("grad_outputs", [])
    if grad_metas:
        floating = [t for t in outs if t is not None and t.is_floating_point()]
        if len(floating) != len(grad_metas):
            raise ValueError(
                "torch_oracle: got %d grad_outputs but the result has %d floating outputs"
                % (len(grad_metas), len(floating))
            )
        tensors, grads = [], []
        for t, m, r in zip(floating, grad_metas, raws_grad):
            if r is None or not t.requires_grad:
                continue
            g = _build(dict(m, requires_grad=False), r)
            if list(g.shape) != list(t.shape):
                raise ValueError(
                    "torch_oracle: grad_output shape %s does not match output shape %s"
                    % (list(g.shape), list(t.shape))
                )
            tensors.append(t)
            grads.append(g.to(t.dtype))
        if tensors:
            torch.autograd.backward(tensors, grads)

    out_meta, grad_meta, payloads = [], [], []
    for t in outs:
        _encode(t, out_meta, payloads)
    for t in inputs:
        g = t.grad if (t is not None and t.requires_grad) else None
        _encode(g, grad_meta, payloads)
    return {"error": None, "outputs": out_meta, "grads": grad_meta}, payloads


def main():
    _send({"hello": True, "torch": torch.__version__, "numpy": np.__version__})
    while True:
        raw_len = _read_exact(8, eof_ok=True)
        if raw_len is None:
            return  # parent closed the pipe: clean exit
        (n,) = struct.unpack("<Q", bytes(raw_len))
        header = json.loads(bytes(_read_exact(n)).decode("utf-8"))
        metas = list(header.get("inputs", [])) + list(header.get("grad_outputs", []))
        raws = []
        for m in metas:
            if m.get("defined", True):
                raws.append(_read_exact(8 * _numel(m["shape"])))
            else:
                raws.append(None)
        n_in = len(header.get("inputs", []))
        try:
            resp, payloads = _handle(header, raws[:n_in], raws[n_in:])
        except BaseException as e:  # noqa: B902
            if isinstance(e, KeyboardInterrupt):
                raise
            resp, payloads = {"error": traceback.format_exc(), "outputs": [], "grads": []}, []
        _send(resp, payloads)


if __name__ == "__main__":
    main()
