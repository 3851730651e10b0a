#!/usr/bin/python3
"""Times a full PyTorch training step, the same one `densecorr bench train-step` times.

The step (identical on both sides): optimizer.zero_grad(set_to_none=True); loss =
F.cross_entropy(model(x), labels); loss.backward(); optimizer.step(), with torchvision's
resnet18/resnet50 (1000 classes, training mode), SGD(lr=0.01, momentum=0.9, weight_decay=1e-4) over
all parameters, a fixed batch x ~ N(0, 1) of [batch, 3, size, size] and labels uniform in [0, 1000).
`warmup` untimed steps, then `iters` timed ones; reports the median and min ms per step, images/s
(batch / median) and the median of each phase.

--device cuda (or cuda:N) runs the step on a GPU, as `densecorr bench train-step --device cuda`
does: the model and batch are made on the host from the seed and moved once; CUDA work is
asynchronous, so torch.cuda.synchronize() precedes every clock read (without it a phase would
time its kernel launches only); torch.backends.cudnn.benchmark = True (cuDNN algorithms timed per
shape during the warm-up, as densecorr's algorithm cache does on this benchmark); and TF32 is off
for both matmul and cuDNN convolutions unless --tf32 (PyTorch's own defaults differ: matmul off,
convolutions on; densecorr's --tf32 switches both, so both are set here to the same value).
On the CPU nothing changes: --tf32 is refused there, and the text output is as before (the JSON
gains "device" and "tf32").

usage: scripts/bench_train_torch.py --model resnet18 [--device cpu|cuda|cuda:N] [--tf32]
                                    [--size 224] [--batch 8] [--threads N] [--iters 10]
                                    [--warmup 2] [--json]
"""

import argparse
import json
import os
import re
import statistics
import sys
import time

import torch
import torch.nn.functional as F
import torchvision


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", required=True, help="a torchvision.models name, e.g. resnet18")
    p.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    p.add_argument("--tf32", action="store_true",
                   help="CUDA: f32 matmuls and convolutions on TF32 tensor cores (default off)")
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--threads", type=int, default=os.cpu_count(), help="CPU threads")
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
    if not re.fullmatch(r"cpu|cuda|cuda:[0-9]+", args.device):
        p.error(f"--device: '{args.device}' is not a device (expected cpu, cuda or cuda:N)")
    on_cuda = args.device != "cpu"
    if args.tf32 and not on_cuda:
        p.error("--tf32 selects TF32 tensor cores, a CUDA mode; it has no meaning with --device cpu")
    if on_cuda:
        if not torch.cuda.is_available():
            p.error(f"--device {args.device}: PyTorch sees no CUDA device "
                    f"(torch {torch.__version__}, built with CUDA {torch.version.cuda})")
        device = torch.device(args.device)
        if device.index is None:  # plain cuda: the first GPU, as densecorr's single-process cuda
            device = torch.device("cuda", 0)
        if device.index is not None and device.index >= torch.cuda.device_count():
            p.error(f"--device {args.device}: PyTorch sees {torch.cuda.device_count()} CUDA "
                    "device(s)")
        torch.cuda.set_device(device)
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = args.tf32
        torch.backends.cudnn.allow_tf32 = args.tf32

        def sync():
            torch.cuda.synchronize(device)
    else:
        device = torch.device("cpu")

        def sync():
            pass

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    # Made on the host from the seed whatever the device, then moved once; the optimizer is made
    # after the move, so its state lives on the device.
    model = builder(num_classes=1000)
    model.train()
    model.to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    x = torch.randn(args.batch, 3, args.size, args.size).to(device)
    labels = torch.randint(0, 1000, (args.batch,)).to(device)

    steps, phases = [], {k: [] for k in ("zero_grad", "forward", "loss", "backward", "optimizer")}
    for i in range(args.warmup + args.iters):
        # Every clock read follows a synchronize (nothing to wait for on the CPU).
        sync()
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        sync()
        t1 = time.perf_counter()
        logits = model(x)
        sync()
        t2 = time.perf_counter()
        loss = F.cross_entropy(logits, labels)
        sync()
        t3 = time.perf_counter()
        loss.backward()
        sync()
        t4 = time.perf_counter()
        opt.step()
        sync()
        t5 = time.perf_counter()
        if i < args.warmup:
            continue
        steps.append((t5 - t0) * 1e3)
        for k, (a, b) in zip(phases, ((t0, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5))):
            phases[k].append((b - a) * 1e3)

    med = statistics.median(steps)
    r = {
        "model": args.model, "size": args.size, "batch": args.batch,
        "device": str(device), "tf32": args.tf32, "threads": torch.get_num_threads(),
        "iters": args.iters, "warmup": args.warmup,
        "median_ms": med, "min_ms": min(steps), "images_per_s": args.batch / (med * 1e-3),
        "phases_ms": {k: statistics.median(v) for k, v in phases.items()}, "steps_ms": steps,
    }
    if on_cuda:
        r["device_name"] = torch.cuda.get_device_name(device)
    if args.json:
        print(json.dumps(r), flush=True)
    else:
        where = (f"threads {r['threads']}" if not on_cuda else
                 f"device {r['device']} ({r['device_name']})  tf32 {'on' if args.tf32 else 'off'}")
        print(f"torch {torch.__version__} train-step {args.model}  batch {args.batch}  "
              f"size {args.size}  {where}  iters {args.iters}  warmup {args.warmup}")
        print(f"step ms: median {med:.2f}  min {r['min_ms']:.2f}   "
              f"images/s: {r['images_per_s']:.2f}")
        print("phases, median ms: " +
              "  ".join(f"{k} {v:.2f}" for k, v in r["phases_ms"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
