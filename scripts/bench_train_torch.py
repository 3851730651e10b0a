#!/usr/bin/python3
"""Times a full PyTorch training step, the same one `densecorr bench train-step` times.

The step (identical on both sides): optimizer.zero_grad(set_to_none=True); loss =
F.cross_entropy(model(x), labels); loss.backward(); optimizer.step(), with torchvision's
resnet18/resnet50 (1000 classes, training mode), SGD(lr=0.01, momentum=0.9, weight_decay=1e-4) over
all parameters, a fixed batch x ~ N(0, 1) of [batch, 3, size, size] and labels uniform in [0, 1000).
`warmup` untimed steps, then `iters` timed ones; reports the median and min ms per step, images/s
(batch / median) and the median of each phase.

usage: scripts/bench_train_torch.py --model resnet18 [--size 224] [--batch 8] [--threads N]
                                    [--iters 10] [--warmup 2] [--json]
"""

import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F
import torchvision


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", required=True, help="a torchvision.models name, e.g. resnet18")
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="one JSON object instead of text")
    args = p.parse_args()
    for name in ("size", "batch", "threads", "iters"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be >= 1")
    if args.warmup < 0:
        p.error("--warmup must be >= 0")
    builder = getattr(torchvision.models, args.model, None)
    if builder is None or not callable(builder):
        p.error(f"unknown torchvision model '{args.model}'")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = builder(num_classes=1000)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    x = torch.randn(args.batch, 3, args.size, args.size)
    labels = torch.randint(0, 1000, (args.batch,))

    steps, phases = [], {k: [] for k in ("zero_grad", "forward", "loss", "backward", "optimizer")}
    for i in range(args.warmup + args.iters):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        t1 = time.perf_counter()
        logits = model(x)
        t2 = time.perf_counter()
        loss = F.cross_entropy(logits, labels)
        t3 = time.perf_counter()
        loss.backward()
        t4 = time.perf_counter()
        opt.step()
        t5 = time.perf_counter()
        if i < args.warmup:
            continue
        steps.append((t5 - t0) * 1e3)
        for k, (a, b) in zip(phases, ((t0, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5))):
            phases[k].append((b - a) * 1e3)

    med = statistics.median(steps)
    r = {
        "model": args.model, "size": args.size, "batch": args.batch,
        "threads": torch.get_num_threads(), "iters": args.iters, "warmup": args.warmup,
        "median_ms": med, "min_ms": min(steps), "images_per_s": args.batch / (med * 1e-3),
        "phases_ms": {k: statistics.median(v) for k, v in phases.items()}, "steps_ms": steps,
    }
    if args.json:
        print(json.dumps(r), flush=True)
    else:
        print(f"torch {torch.__version__} train-step {args.model}  batch {args.batch}  "
              f"size {args.size}  threads {r['threads']}  iters {args.iters}  warmup {args.warmup}")
        print(f"step ms: median {med:.2f}  min {r['min_ms']:.2f}   "
              f"images/s: {r['images_per_s']:.2f}")
        print("phases, median ms: " +
              "  ".join(f"{k} {v:.2f}" for k, v in r["phases_ms"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
