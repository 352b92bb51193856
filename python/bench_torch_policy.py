#!/usr/bin/env python3
"""PyTorch doing what actrt.Policy does, timed the same way (issue 15's PyTorch row).

One step: uint8 HWC frames in host memory and a raw qpos -> the robot-unit action chunk in host
memory. Upload the frames as bytes, then on the GPU: stack the cameras, HWC->CHW, /255, normalize
qpos, run the ACT model (its ImageNet normalization inside), de-normalize the actions, copy them
back. The whole step function is torch.compile(mode='max-autotune')d in FP16 (compile-fp16) or run
eagerly (eager-fp16). Frames are in pinned memory, as in Policy::frame_buffer().

    python3 python/bench_torch_policy.py --model models/act-base/act-base.onnx --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from bench_torch import load_model, stats  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, help="the exported ONNX model (config, .pt beside it)")
    ap.add_argument("--config")
    ap.add_argument("--checkpoint")
    ap.add_argument("--random-init", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--modes", default="eager-fp16,compile-fp16")
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--json")
    args = ap.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("[E] needs a CUDA GPU")
    policy, cfg, source, _ = load_model(args)
    dev = torch.device("cuda")
    ncam, h, w, sd = cfg.num_cameras, cfg.image_height, cfg.image_width, cfg.state_dim
    rng = np.random.default_rng(0)
    frames_host = [torch.from_numpy(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).pin_memory() for _ in range(ncam)]
    qpos_host = torch.zeros(sd, dtype=torch.float32).pin_memory()
    mean = torch.zeros(sd, device=dev)
    std = torch.ones(sd, device=dev)
    results = {"model": args.model, "weights": source, "modes": {}}
    for mode in args.modes.split(","):
        model = policy.to(device=dev, dtype=torch.float16).eval()

        def step(frames_u8, qpos):
            image = torch.stack(frames_u8).permute(0, 3, 1, 2).to(torch.float16).div_(255)[None]
            q = ((qpos - mean) / std).to(torch.float16)[None]
            a = model(q, image)[0].float()
            return a * std + mean

        fn = torch.compile(step, mode="max-autotune") if mode.startswith("compile") else step
        frames_dev = [torch.empty((h, w, 3), dtype=torch.uint8, device=dev) for _ in range(ncam)]
        qpos_dev = torch.empty(sd, device=dev)
        out_host = None
        lat = []
        with torch.no_grad():
            for i in range(args.warmup + args.steps):
                t0 = time.perf_counter()
                for fh, fd in zip(frames_host, frames_dev):
                    fd.copy_(fh, non_blocking=True)
                qpos_dev.copy_(qpos_host, non_blocking=True)
                if mode.startswith("compile") and hasattr(torch.compiler, "cudagraph_mark_step_begin"):
                    torch.compiler.cudagraph_mark_step_begin()
                out = fn(frames_dev, qpos_dev)
                if out_host is None:
                    out_host = torch.empty(out.shape, dtype=out.dtype, pin_memory=True)
                out_host.copy_(out, non_blocking=True)
                torch.cuda.synchronize()
                if i >= args.warmup:
                    lat.append((time.perf_counter() - t0) * 1e3)
        results["modes"][mode] = {"latency_ms": stats(lat)}
        s = results["modes"][mode]["latency_ms"]
        print(f"[I] torch {mode} policy step: median {s['median']:.3f} ms, p99 {s['p99']:.3f} ms", flush=True)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
