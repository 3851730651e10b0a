#!/usr/bin/python3
"""Times PyTorch on the same named shapes as `densecorr bench ops`, with the same method.

Method (kept identical to ops/bench/bench.cc so the numbers compare): inputs made once; 2 warm-up
runs; then timed runs until at least 0.5 s has passed or 50 runs were made, and at least 5. A run is
the forward, plus a backward with a ones gradient for the *_fwdbwd shapes; gradients are dropped
(set to None) between runs, outside the timed region. Reports median_ms, min_ms and gflops.

usage: scripts/bench_torch.py [--threads N] [--json] [--filter SUBSTR]
"""

import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

WARMUP = 2
MIN_RUNS = 5
MAX_RUNS = 50
MIN_SECONDS = 0.5


def randn(*shape, grad=False):
    # Fixed seed per tensor: the values do not matter for speed, only that they are not special.
    return torch.randn(*shape, dtype=torch.float32).requires_grad_(grad)


def sgemm(n):
    a, b = randn(n, n), randn(n, n)
    return (lambda: [a @ b]), [], 2.0 * n**3


def conv(n, cin, cout, hw, k, pad, backward):
    x = randn(n, cin, hw, hw, grad=backward)
    w = randn(cout, cin, k, k, grad=backward)
    b = randn(cout, grad=backward)
    flops = 2.0 * n * cout * hw * hw * cin * k * k  # output size = input size (stride 1, same pad)
    if backward:
        flops *= 3  # forward, grad input, grad weight: one GEMM each
    return (lambda: [F.conv2d(x, w, b, 1, pad)]), [x, w, b], flops


def bn_relu():
    x = randn(8, 64, 56, 56)
    weight, bias = randn(64), randn(64)
    running_mean, running_var = torch.zeros(64), torch.ones(64)
    return (
        lambda: [F.relu(F.batch_norm(x, running_mean, running_var, weight, bias, training=True))],
        [],
        8.0 * 64 * 56 * 56 * 6,  # same count as the op case in ops/cases/norm_cases.cc
    )


def softmax_ce():
    logits = randn(8, 1000, grad=True)
    target = torch.randint(0, 1000, (8,))
    return (lambda: [F.cross_entropy(logits, target)]), [logits], 8.0 * 1000 * 6


def maxpool():
    x = randn(8, 64, 112, 112)
    return (lambda: [F.max_pool2d(x, 3, 2, 1)]), [], 8.0 * 64 * 56 * 56 * 9


def unary(f):
    x = randn(8, 64, 56, 56)
    return (lambda: [f(x)]), [], 0.0


def add():
    a, b = randn(8, 64, 56, 56), randn(8, 64, 56, 56)
    return (lambda: [a + b]), [], 0.0


# conv_transpose: DensePose-RCNN's head deconvolution (ops/cases/conv_transpose_cases.cc).
def conv_transpose(n, cin, cout, hw, k, stride, pad, backward):
    x = randn(n, cin, hw, hw, grad=backward)
    w = randn(cin, cout, k, k, grad=backward)
    b = randn(cout, grad=backward)
    flops = 2.0 * n * cin * hw * hw * cout * k * k  # every input pixel meets every weight once
    if backward:
        flops *= 3  # forward, grad input, grad weight: one GEMM each
    return (lambda: [F.conv_transpose2d(x, w, b, stride, pad)]), [x, w, b], flops

# --- optim: fused optimizer updates (ops/cases/optim_update_cases.cc) ---
def adamw_step(n):
    # One torch.optim.AdamW step (foreach implementation) of one n-element parameter whose
    # gradient is set once; the timed run is opt.step() alone, as ours times adam_update_.
    p = randn(n)
    p.grad = randn(n)
    opt = torch.optim.AdamW([p], lr=1e-3, weight_decay=1e-2, foreach=True)
    opt.step()  # creates the state, so the timed steps do no allocation of it
    return (lambda: [opt.step()]), [], 0.0

# --- normalization extras / activations / dropout / losses ---
def group_norm_fwdbwd():
    x = randn(8, 256, 56, 56, grad=True)
    weight, bias = randn(256, grad=True), randn(256, grad=True)
    # Same count as the op case in ops/cases/group_norm_cases.cc.
    return (lambda: [F.group_norm(x, 32, weight, bias)]), [x, weight, bias], 8.0 * 256 * 56 * 56 * 13

# indexing, sorting and shape ops
def index_select_fwdbwd():
    x = randn(100000, 64, grad=True)
    index = torch.randint(0, 100000, (65536,))
    return (lambda: [torch.index_select(x, 0, index)]), [x], 0.0

# --- warp (grid_sample, uv_splat, upsampling); shapes as in ops/cases/{grid_sample,uv_splat,upsample}_cases.cc


def grid_sample_bilinear(backward):
    x = randn(8, 3, 256, 256, grad=backward)
    grid = (torch.rand(8, 256, 256, 2) * 2.2 - 1.1).requires_grad_(backward)
    outputs = 8.0 * 3 * 256 * 256
    flops = outputs * (8 + 32) if backward else outputs * 8
    return (
        lambda: [F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)],
        [x, grid] if backward else [],
        flops,
    )


def uv_splat_torch(values, uv, part, K, H, W):
    """The UV splat written with torch ops as a user would: 4 corners, index_add_ into a flattened
    atlas (the same function is the oracle of ops/cases/uv_splat_cases.cc)."""
    N, C, P = values.shape
    x = uv[..., 0] * (W - 1)
    y = uv[..., 1] * (H - 1)
    x0, y0 = torch.floor(x), torch.floor(y)
    fx, fy = x - x0, y - y0
    atlas = values.new_zeros(N * K * H * W, C)
    weight = values.new_zeros(N * K * H * W)
    src = values.transpose(1, 2)
    n = torch.arange(N).view(N, 1).expand(N, P)
    for dx, dy, w in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)),
                      (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
        cx, cy = x0 + dx, y0 + dy
        m = (part >= 0) & (cx >= 0) & (cx <= W - 1) & (cy >= 0) & (cy <= H - 1)
        idx = ((n * K + part) * H + cy.long()) * W + cx.long()
        atlas.index_add_(0, idx[m], src[m] * w[m].unsqueeze(-1))
        weight.index_add_(0, idx[m], w[m])
    return atlas.view(N, K, H, W, C).permute(0, 1, 4, 2, 3), weight.view(N, K, H, W)


def uv_splat(backward):
    values = randn(8, 3, 65536, grad=backward)
    uv = torch.rand(8, 65536, 2).requires_grad_(backward)
    part = torch.randint(-1, 24, (8, 65536))
    pc = 8.0 * 65536 * 4 * 4
    return (
        lambda: list(uv_splat_torch(values, uv, part, 24, 256, 256)),
        [values, uv] if backward else [],
        pc * 8 if backward else pc * 2,
    )


def upsample_bilinear_x8():
    x = randn(8, 25, 56, 56, grad=True)
    return (
        lambda: [F.interpolate(x, size=(448, 448), mode="bilinear", align_corners=False)],
        [x],
        12.0 * 8 * 25 * 448 * 448,
    )


# --- detection (roi_align, nms): same shapes as ops/cases/roi_align_cases.cc, boxes_cases.cc ---
def roi_align_bench(backward):
    import torchvision

    # One image: 256 x 200 x 272 (stride 4 of an 800 x 1088 image), 512 rois inside the image.
    x = randn(1, 256, 200, 272, grad=backward)
    u = torch.rand(512, 4)
    x1, y1 = u[:, 0] * 800.0, u[:, 1] * 500.0
    x2, y2 = x1 + (u[:, 2] * 256.0 + 16.0), y1 + (u[:, 3] * 256.0 + 16.0)
    rois = torch.stack([torch.zeros(512), x1, y1, x2, y2], 1)
    flops = 512.0 * 256 * 196 * 32 * (2 if backward else 1)
    return (
        lambda: [torchvision.ops.roi_align(x, rois, (14, 14), 0.25, 2, True)],
        [x] if backward else [],
        flops,
    )


def nms_bench():
    import torchvision

    u = torch.rand(2000, 4)
    x1, y1 = u[:, 0] * 900.0, u[:, 1] * 650.0
    x2, y2 = x1 + (u[:, 2] * 180.0 + 8.0), y1 + (u[:, 3] * 140.0 + 8.0)
    boxes = torch.stack([x1, y1, x2, y2], 1)
    scores = torch.rand(2000)
    return (lambda: [torchvision.ops.nms(boxes, scores, 0.7)]), [], 0.0


# name -> (builder, backward?) ; names match the op cases registered in ops/cases/.
CASES = {
    "sgemm_512": (lambda: sgemm(512), False),
    "sgemm_1024": (lambda: sgemm(1024), False),
    "sgemm_2048": (lambda: sgemm(2048), False),
    "conv3x3_64x56_b8_fwd": (lambda: conv(8, 64, 64, 56, 3, 1, False), False),
    "conv3x3_64x56_b8_fwdbwd": (lambda: conv(8, 64, 64, 56, 3, 1, True), True),
    "conv1x1_256to64x56_b8_fwd": (lambda: conv(8, 256, 64, 56, 1, 0, False), False),
    "bn_relu_64x56_b8_fwd": (bn_relu, False),
    "softmax_ce_8x1000_fwdbwd": (softmax_ce, True),
    "maxpool3x3s2_64x112_b8_fwd": (maxpool, False),
    "binary/add_perf_8x64x56x56": (add, False),
    "unary/relu_perf_8x64x56x56": (lambda: unary(torch.relu), False),
    "reduce/sum_perf_8x64x56x56": (lambda: unary(lambda x: x.sum((0, 2, 3))), False),
    # conv_transpose
    "conv_transpose4x4s2_512to25x28_b8_fwd": (
        lambda: conv_transpose(8, 512, 25, 28, 4, 2, 1, False), False),
    "conv_transpose4x4s2_512to25x28_b8_fwdbwd": (
        lambda: conv_transpose(8, 512, 25, 28, 4, 2, 1, True), True),

    # optim
    "adam_update_25M": (lambda: adamw_step(25 * 1000 * 1000), False),

    # normalization extras / activations / dropout / losses
    "group_norm_32g_256x56_b8_fwdbwd": (group_norm_fwdbwd, True),

    # indexing, sorting and shape ops
    "index_select_dim0_65536of100000x64_fwdbwd": (index_select_fwdbwd, True),

    # warp
    "grid_sample_bilinear_8x3x256x256_fwd": (lambda: grid_sample_bilinear(False), False),
    "grid_sample_bilinear_8x3x256x256_fwdbwd": (lambda: grid_sample_bilinear(True), True),
    "uv_splat_8x3x256x256_to_24x256x256_fwd": (lambda: uv_splat(False), False),
    "uv_splat_8x3x256x256_to_24x256x256_fwdbwd": (lambda: uv_splat(True), True),
    "upsample_bilinear_x8_8x25x56x56_fwdbwd": (upsample_bilinear_x8, True),
    # detection
    "roi_align_512x14x14_from_256x200x272_fwd": (lambda: roi_align_bench(False), False),
    "roi_align_512x14x14_from_256x200x272_fwdbwd": (lambda: roi_align_bench(True), True),
    "nms_2000": (nms_bench, False),
}


def bench(name, threads):
    builder, backward = CASES[name]
    torch.manual_seed(0)
    fn, leaves, flops = builder()
    grad_ones = None

    def one_run():
        nonlocal grad_ones
        outs = fn()
        if backward:
            if grad_ones is None:
                grad_ones = [torch.ones_like(o) for o in outs]
            torch.autograd.backward(outs, grad_ones)

    def clear_grads():
        for t in leaves:
            t.grad = None

    # Forward-only cases run without recording a graph, as ours do (their inputs need no grad).
    with torch.enable_grad() if backward else torch.no_grad():
        for _ in range(WARMUP):
            one_run()
            clear_grads()
        times = []
        start = time.perf_counter()
        while True:
            t0 = time.perf_counter()
            one_run()
            t1 = time.perf_counter()
            clear_grads()
            times.append((t1 - t0) * 1e3)
            if len(times) >= MAX_RUNS:
                break
            if len(times) >= MIN_RUNS and time.perf_counter() - start >= MIN_SECONDS:
                break
    times.sort()
    n = len(times)
    med = times[n // 2] if n % 2 else 0.5 * (times[n // 2 - 1] + times[n // 2])
    return {
        "name": name,
        "median_ms": med,
        "min_ms": times[0],
        "gflops": flops / (med * 1e-3) * 1e-9 if flops > 0 else None,
        "runs": n,
        "threads": threads,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--filter", default="", help="only names containing this substring")
    args = p.parse_args()
    if args.threads < 1:
        p.error("--threads must be >= 1")
    torch.set_num_threads(args.threads)
    names = [n for n in CASES if args.filter in n]
    if not names:
        p.error(f"no case matches --filter '{args.filter}'")
    if not args.json:
        print(f"torch {torch.__version__}, threads: {torch.get_num_threads()}")
        print(f"{'name':40s} {'median ms':>12s} {'min ms':>12s} {'GFLOP/s':>10s} {'runs':>6s}")
    for name in names:
        r = bench(name, args.threads)
        if args.json:
            print(json.dumps(r), flush=True)
        else:
            gf = "-" if r["gflops"] is None else f"{r['gflops']:.1f}"
            print(f"{name:40s} {r['median_ms']:12.3f} {r['min_ms']:12.3f} {gf:>10s} {r['runs']:6d}",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
