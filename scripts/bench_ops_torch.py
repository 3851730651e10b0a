#!/usr/bin/python3
"""Times PyTorch on the cases of `densecorr bench ops`, read from densecorr itself.

The case list (names, input shapes/dtypes/inits, the torch expression computing the same thing
over x0, x1, ..., flop counts, forward or forward+backward) comes from
`densecorr bench ops --list --json --device DEV [--filter S] [--large]`, so the shapes exist in one
place (ops/cases/*.cc and ops/bench/large_cases.cc). Method, identical to ops/bench/bench.cc: inputs
made once on the device; 2 warm-up runs; timed runs until at least 0.5 s has passed or 50 runs were
made, and at least 5; median and min. A run is the expression, plus a backward with a ones gradient
for forward+backward cases; gradients are dropped between runs, outside the timed region. On CUDA a
run is timed with CUDA events around it after a synchronize, as ours. TF32 is used only by the cases
that ask for it (matmul and cuDNN alike), so f32 compares with f32.

Output: a table, or with --json one object per line with the fields of `densecorr bench ops --json`
(impl "torch").

usage: scripts/bench_ops_torch.py [--device cpu|cuda] [--filter S] [--large] [--json]
                                  [--threads N] [--densecorr PATH | --cases FILE]
"""

import argparse
import json
import math
import os
import subprocess
import sys
import time

WARMUP = 2
MIN_RUNS = 5
MAX_RUNS = 50
MIN_SECONDS = 0.5
COPY_CASE = "large/copy_d2d_64M_f32"  # kCopyCaseName of ops/bench/bench.cc


def fail(msg, status=2):
    print(f"bench_ops_torch.py: {msg}", file=sys.stderr)
    sys.exit(status)


def load_cases(args):
    if args.cases:
        text = open(args.cases).read()
    else:
        cmd = [args.densecorr, "bench", "ops", "--list", "--json", "--device", args.device]
        if args.filter:
            cmd += ["--filter", args.filter]
        if args.large:
            cmd.append("--large")
        if not os.path.exists(args.densecorr):
            fail(f"{args.densecorr} not found: build it (bazel build //train:densecorr) or pass "
                 "--densecorr PATH or --cases FILE")
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            fail(f"'{' '.join(cmd)}' failed ({p.returncode}): {p.stderr.strip()}")
        text = p.stdout
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--device", default="cpu", help="cpu or cuda (cuda:N)")
    p.add_argument("--filter", default="", help="only names containing this substring")
    p.add_argument("--large", action="store_true", help="also the large cases on the CPU")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--threads", type=int, default=os.cpu_count(), help="CPU threads")
    p.add_argument("--densecorr", default="bazel-bin/train/densecorr", help="densecorr binary")
    p.add_argument("--cases", help="read the case list from this file instead of densecorr")
    args = p.parse_args()
    if args.threads < 1:
        p.error("--threads must be >= 1")
    if not (args.device == "cpu" or args.device == "cuda" or args.device.startswith("cuda:")):
        p.error(f"--device must be cpu, cuda or cuda:N, got '{args.device}'")

    try:
        import numpy as np
        import torch
        import torch.nn.functional as F
        import torchvision
    except ImportError as e:
        fail(f"needs PyTorch, torchvision and numpy: {e}")
    if args.device != "cpu" and not torch.cuda.is_available():
        fail(f"--device {args.device} but PyTorch {torch.__version__} sees no CUDA device "
             f"(built with CUDA {torch.version.cuda}); run this on a machine with a GPU, or "
             "use --device cpu")
    device = torch.device(args.device)
    torch.set_num_threads(args.threads)
    cases = load_cases(args)
    if not cases:
        fail(f"no case matches --filter '{args.filter}'")
    # Memory-bound cases are quoted against the copy bandwidth: measure it first.
    cases.sort(key=lambda c: c["name"] != COPY_CASE)

    dtypes = {"f32": torch.float32, "f64": torch.float64, "f16": torch.float16,
              "bf16": torch.bfloat16, "i32": torch.int32, "i64": torch.int64, "u8": torch.uint8,
              "bool": torch.bool}
    # Tensors an expression creates itself land on the device, as ours.
    if hasattr(torch, "set_default_device"):
        torch.set_default_device(device)
    elif device.type == "cuda":
        torch.set_default_tensor_type(torch.cuda.FloatTensor)

    def make_input(spec):
        shape = list(spec["shape"])
        if spec["transposed"] and len(shape) >= 2:
            shape[-1], shape[-2] = shape[-2], shape[-1]
        dt = dtypes[spec["dtype"]]
        init, lo, hi = spec["init"], spec["low"], spec["high"]
        if init == "normal":
            t = torch.randn(shape, device=device, dtype=torch.float32)
        elif init in ("uniform", "positive"):
            t = torch.rand(shape, device=device, dtype=torch.float32) * (hi - lo) + lo
        elif init == "integer":
            t = torch.randint(int(math.floor(lo)), int(math.floor(hi)), shape, device=device)
        elif init == "bool":
            t = torch.rand(shape, device=device) < 0.5
        else:
            raise ValueError(f"unknown init {init!r}")
        t = t.to(dt)
        if spec["transposed"] and len(shape) >= 2:
            t = t.transpose(-1, -2)
        return t

    def flatten(obj, out):
        if isinstance(obj, torch.Tensor):
            out.append(obj)
        elif isinstance(obj, (tuple, list)):
            for o in obj:
                flatten(o, out)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    copy_gbps = None

    def bench(case):
        nonlocal copy_gbps
        torch.manual_seed(0)
        backward = case["backward"]
        tf32 = case["tf32"]
        if device.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = tf32
            torch.backends.cudnn.allow_tf32 = tf32
        inputs = [make_input(s) for s in case["inputs"]]
        leaves = []
        for t, s in zip(inputs, case["inputs"]):
            if backward and s["requires_grad"] and t.is_floating_point():
                t.requires_grad_(True)
                leaves.append(t)
        env = {"torch": torch, "F": F, "tv": torchvision, "np": np, "math": math, "x": inputs}
        for i, t in enumerate(inputs):
            env[f"x{i}"] = t
        expr = case["torch"]
        try:
            code, is_block = compile(expr, "<case expr>", "eval"), False
        except SyntaxError:
            code, is_block = compile(expr, "<case block>", "exec"), True
        grad_ones = None
        out_bytes = 0

        def one_run():
            nonlocal grad_ones, out_bytes
            scope = dict(env)
            if is_block:
                exec(code, scope)
                result = scope["out"]
            else:
                result = eval(code, scope)
            outs = []
            flatten(result, outs)
            out_bytes = sum(o.numel() * o.element_size() for o in outs)
            if backward:
                roots = [o for o in outs if o.is_floating_point() and o.requires_grad]
                if grad_ones is None:
                    grad_ones = [torch.ones_like(o) for o in roots]
                if roots:
                    torch.autograd.backward(roots, grad_ones)

        def clear_grads():
            for t in leaves:
                t.grad = None

        if device.type == "cuda":
            start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        with torch.enable_grad() if backward else torch.no_grad():
            for _ in range(WARMUP):
                one_run()
                clear_grads()
            sync()
            times = []
            t_start = time.perf_counter()
            while True:
                if device.type == "cuda":
                    start.record()
                    one_run()
                    stop.record()
                    stop.synchronize()
                    times.append(start.elapsed_time(stop))
                else:
                    t0 = time.perf_counter()
                    one_run()
                    times.append((time.perf_counter() - t0) * 1e3)
                clear_grads()
                if len(times) >= MAX_RUNS:
                    break
                if len(times) >= MIN_RUNS and time.perf_counter() - t_start >= MIN_SECONDS:
                    break
            sync()
        times.sort()
        n = len(times)
        med = times[n // 2] if n % 2 else 0.5 * (times[n // 2 - 1] + times[n // 2])
        in_bytes = sum(t.numel() * t.element_size() for t in inputs)
        gbps = (in_bytes + out_bytes) / (med * 1e-3) * 1e-9 if not backward and med > 0 else None
        if case["name"] == COPY_CASE:
            copy_gbps = gbps
        flops = case["flops"]
        return {
            "name": case["name"],
            "device": str(device) if device.type == "cpu" else f"cuda:{device.index or 0}",
            "dtype": "tf32" if tf32 else case["dtype"],
            "impl": "torch",
            "median_ms": med,
            "min_ms": times[0],
            "gflops": flops / (med * 1e-3) * 1e-9 if flops else None,
            "gbps": gbps,
            "copy_fraction": gbps / copy_gbps if case["memory_bound"] and gbps and copy_gbps
            else None,
            "runs": n,
            "threads": args.threads,
        }

    if not args.json:
        print(f"torch {torch.__version__}, device: {device}, threads: {torch.get_num_threads()}")
        print(f"{'name':48s} {'dtype':>5s} {'median ms':>11s} {'min ms':>11s} {'GFLOP/s':>10s} "
              f"{'GB/s':>8s} {'%copy':>6s} {'runs':>5s}")
    failed = 0
    for case in cases:
        if not case["torch"].strip():
            # Perf-only cases may come without an expression; nothing to time on this side.
            print(f"bench_ops_torch.py: case {case['name']} has no torch expression; skipped",
                  file=sys.stderr)
            continue
        try:
            r = bench(case)
        except Exception as e:  # noqa: BLE001 -- report the case and go on, as densecorr does
            print(f"bench_ops_torch.py: case {case['name']} failed: {type(e).__name__}: {e}",
                  file=sys.stderr)
            failed += 1
            continue
        if args.json:
            print(json.dumps(r), flush=True)
        else:
            gf = "-" if r["gflops"] is None else f"{r['gflops']:.1f}"
            gb = "-" if r["gbps"] is None else f"{r['gbps']:.1f}"
            fr = "" if r["copy_fraction"] is None else f"{100 * r['copy_fraction']:.0f}%"
            print(f"{r['name']:48s} {r['dtype']:>5s} {r['median_ms']:11.3f} {r['min_ms']:11.3f} "
                  f"{gf:>10s} {gb:>8s} {fr:>6s} {r['runs']:5d}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
