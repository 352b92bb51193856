#!/usr/bin/env python3
"""Time the ACT PyTorch model (python/actrt_act) on the same weights as an exported ONNX model.

The baselines the speed goals are measured against (issues 4 and 6), batch 1:
  GPU:  eager-fp32, eager-fp16, graph-fp32, graph-fp16 (torch.cuda.CUDAGraph capture + replay),
        compile-fp16 (torch.compile mode='max-autotune', which uses CUDA graphs itself)
  CPU:  eager-fp32 with --threads N

Weights: the policy is rebuilt from <model>.config.json and, in this order, <model>.pt (a state dict;
`export_act.py --save-state-dict` writes it), --checkpoint FILE, or --random-init --seed N (the same
seeded initialization export_act.py --random-init uses; identical on the same torch build). When
<model>.io.npz exists (export_act.py writes it), eager FP32's actions on its inputs are compared
with the exported ones: `weights_check.max_abs` near 1e-6 proves the weights are the model's.

What is timed: one forward of batch 1 with the inputs already on the device and the output left
there, median over --iterations after --warmup untimed runs. On the GPU each iteration is timed
with CUDA events (compute_ms, comparable to `actrt bench`'s compute_ms); latency_ms adds the
copies from pinned host memory and back and a synchronization, host clock (comparable to actrt's
latency_ms). FP32 modes run with TF32 OFF (cuDNN and matmul) unless --tf32, like actrt's FP32.

    /usr/bin/python3 python/bench_torch.py --model models/act-tiny/act-tiny.onnx --device cpu --threads 2
    python3 python/bench_torch.py --model models/act-base/act-base.onnx --json out.json
    python3 python/bench_torch.py --model models/act-base/act-base.onnx --modes compile-fp16

The JSON (--json) is rewritten after every mode, so a run killed during torch.compile keeps the
modes that finished.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from actrt_act import ACTConfig, build_random_policy, load_policy  # noqa: E402

GPU_MODES = ["eager-fp32", "eager-fp16", "graph-fp32", "graph-fp16", "compile-fp16"]
CPU_MODES = ["eager-fp32"]


def load_model(args) -> tuple:
    base = args.model[:-5] if args.model and args.model.endswith(".onnx") else args.model
    cfg_path = args.config or (base + ".config.json" if base else None)
    if not cfg_path or not os.path.exists(cfg_path):
        raise SystemExit(f"[E] no ACT config: {cfg_path} (give --model X.onnx with X.config.json beside it, or --config)")
    cfg = ACTConfig.load_json(cfg_path)
    sd_path = args.checkpoint or (base + ".pt" if base and os.path.exists(base + ".pt") else None)
    if sd_path and not args.random_init:
        policy, _ = load_policy(sd_path, cfg)
        source = f"state dict {sd_path}"
    else:
        policy = build_random_policy(cfg, args.seed)
        source = f"random init, seed {args.seed}"
    io_path = base + ".io.npz" if base and os.path.exists(base + ".io.npz") else None
    return policy.eval(), cfg, source, io_path


def make_inputs(cfg: ACTConfig, io_path: str | None, seed: int) -> tuple:
    if io_path:
        z = np.load(io_path)
        return z["qpos"][:1], z["image"][:1], (z["actions"][:1] if "actions" in z.files else None)
    rng = np.random.default_rng(seed)
    qpos = rng.standard_normal((1, cfg.state_dim)).astype(np.float32)
    image = rng.random((1, cfg.num_cameras, 3, cfg.image_height, cfg.image_width), dtype=np.float32)
    return qpos, image, None


def stats(samples: list) -> dict:
    s = sorted(samples)
    n = len(s)

    def pct(p):  # nearest rank, as src/compare/latency.h
        return s[max(0, min(n - 1, int(np.ceil(p / 100.0 * n)) - 1))]

    mean = sum(s) / n
    std = (sum((x - mean) ** 2 for x in s) / n) ** 0.5
    return {"min": s[0], "max": s[-1], "mean": mean, "median": statistics.median(s), "p90": pct(90),
            "p95": pct(95), "p99": pct(99), "std_dev": std, "coefficient_of_variation": std / mean if mean else 0,
            "count": n}


def time_gpu(fn, host_inputs, dev_inputs, warmup: int, iterations: int, min_seconds: float) -> dict:
    """fn() runs one forward on dev_inputs (already on the GPU) and returns the output tensor."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    compute = []
    t_begin = time.perf_counter()
    while len(compute) < iterations or time.perf_counter() - t_begin < min_seconds:
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        compute.append(start.elapsed_time(stop))
    # Latency: pinned host -> device copies, forward, device -> host copy, synchronize (host clock).
    latency = []
    out_host = None
    for _ in range(max(10, iterations // 4)):
        t0 = time.perf_counter()
        for h, d in zip(host_inputs, dev_inputs):
            d.copy_(h, non_blocking=True)
        out = fn()
        if out_host is None:
            out_host = torch.empty(out.shape, dtype=out.dtype, pin_memory=True)
        out_host.copy_(out, non_blocking=True)
        torch.cuda.synchronize()
        latency.append((time.perf_counter() - t0) * 1e3)
    return {"compute_ms": stats(compute), "latency_ms": stats(latency)}


def time_cpu(fn, warmup: int, iterations: int, min_seconds: float) -> dict:
    for _ in range(warmup):
        fn()
    lat = []
    t_begin = time.perf_counter()
    while len(lat) < iterations or time.perf_counter() - t_begin < min_seconds:
        t0 = time.perf_counter()
        fn()
        lat.append((time.perf_counter() - t0) * 1e3)
    s = stats(lat)
    return {"compute_ms": s, "latency_ms": s}


def run_mode(mode: str, policy, cfg, qpos_np, image_np, args, ref_out) -> dict:
    device = torch.device(args.device)
    dtype = torch.float16 if mode.endswith("fp16") else torch.float32
    # A copy per mode: converting the policy itself to FP16 and back would round its weights.
    model = copy.deepcopy(policy).to(device=device, dtype=dtype).eval()
    q = torch.from_numpy(qpos_np).to(device=device, dtype=dtype)
    im = torch.from_numpy(image_np).to(device=device, dtype=dtype)
    info = {"mode": mode, "dtype": str(dtype).replace("torch.", "")}
    kind = mode.split("-")[0]
    with torch.no_grad():
        if kind == "eager":
            def fn():
                return model(q, im)
        elif kind == "graph":
            stream = torch.cuda.Stream()
            stream.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(stream):
                for _ in range(3):  # warm up cuDNN / cuBLAS choices outside the capture
                    model(q, im)
            torch.cuda.current_stream().wait_stream(stream)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                static_out = model(q, im)

            def fn():
                graph.replay()
                return static_out
        elif kind == "compile":
            import torch._inductor.config as ic
            # Bound the autotuning (max-autotune stays on, CUDA graphs included): which GEMM / conv
            # backends are tried. Defaults keep PyTorch's own choices.
            if args.compile_gemm_backends:
                ic.max_autotune_gemm_backends = args.compile_gemm_backends
            if args.compile_conv_backends:
                ic.max_autotune_conv_backends = args.compile_conv_backends
            info["compile_settings"] = {
                "mode": "max-autotune",
                "max_autotune_gemm_backends": getattr(ic, "max_autotune_gemm_backends", None),
                "max_autotune_conv_backends": getattr(ic, "max_autotune_conv_backends", None),
                "triton.cudagraphs": getattr(ic.triton, "cudagraphs", None),
            }
            compiled = torch.compile(model, mode="max-autotune", fullgraph=False)
            t0 = time.perf_counter()
            for _ in range(3):  # the first calls compile, autotune and record the CUDA graphs
                if hasattr(torch, "compiler") and hasattr(torch.compiler, "cudagraph_mark_step_begin"):
                    torch.compiler.cudagraph_mark_step_begin()
                compiled(q, im)
            torch.cuda.synchronize()
            info["compile_s"] = time.perf_counter() - t0
            print(f"[I] torch.compile(max-autotune) took {info['compile_s']:.1f} s", flush=True)

            def fn():
                if hasattr(torch.compiler, "cudagraph_mark_step_begin"):
                    torch.compiler.cudagraph_mark_step_begin()
                return compiled(q, im)
        else:
            raise SystemExit(f"[E] unknown mode {mode}")

        out = fn().float().cpu().numpy()
        if ref_out is not None:
            d = np.abs(out - ref_out)
            info["vs_eager_fp32"] = {"max_abs": float(d.max()), "mean_abs": float(d.mean())}
        if device.type == "cuda":
            host = [torch.from_numpy(qpos_np).to(dtype).pin_memory(), torch.from_numpy(image_np).to(dtype).pin_memory()]
            info.update(time_gpu(fn, host, [q, im], args.warmup, args.iterations, args.min_seconds))
        else:
            info.update(time_cpu(fn, args.warmup, args.iterations, args.min_seconds))
    del model
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return info, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="the exported ONNX model; X.config.json, X.pt, X.io.npz are looked up beside it")
    ap.add_argument("--config", help="ACTConfig JSON (default <model>.config.json)")
    ap.add_argument("--checkpoint", help="state dict (default <model>.pt when present)")
    ap.add_argument("--random-init", action="store_true", help="seeded random weights even when <model>.pt exists")
    ap.add_argument("--seed", type=int, default=0, help="seed of --random-init (make-act-base's default 0)")
    ap.add_argument("--device", choices=["cuda", "cpu"], default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--modes", help=f"comma-separated; GPU default {','.join(GPU_MODES)}, CPU default eager-fp32")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    ap.add_argument("--warmup", type=int, default=20, help="untimed runs before timing")
    ap.add_argument("--iterations", type=int, default=200, help="at least this many timed runs ...")
    ap.add_argument("--min-seconds", type=float, default=1.0, help="... and at least this many seconds")
    ap.add_argument("--tf32", action="store_true", help="allow TF32 in FP32 modes (default off, as actrt FP32)")
    ap.add_argument("--compile-gemm-backends", default="",
                    help="inductor max_autotune_gemm_backends (e.g. ATEN,TRITON) to bound compile time")
    ap.add_argument("--compile-conv-backends", default="",
                    help="inductor max_autotune_conv_backends (e.g. ATEN) to bound compile time")
    ap.add_argument("--json", help="write results here (rewritten after every mode)")
    args = ap.parse_args(argv)

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    torch.backends.cudnn.benchmark = True
    modes = args.modes.split(",") if args.modes else (GPU_MODES if args.device == "cuda" else CPU_MODES)
    if args.device == "cpu" and any(m != "eager-fp32" for m in modes):
        raise SystemExit("[E] on the CPU only eager-fp32 is measured")

    policy, cfg, source, io_path = load_model(args)
    qpos, image, exported = make_inputs(cfg, io_path, 1234)
    result = {"model": args.model, "weights": source, "device": args.device, "torch": torch.__version__,
              "threads": torch.get_num_threads(), "tf32": args.tf32, "batch": 1, "modes": {}}
    if args.device == "cuda":
        result["gpu"] = torch.cuda.get_device_name()
    # Eager FP32 on the CPU in float64-free plain form is the reference every mode is compared with.
    with torch.no_grad():
        ref = policy(torch.from_numpy(qpos), torch.from_numpy(image)).numpy()
    if exported is not None:
        d = np.abs(ref - exported)
        result["weights_check"] = {"against": io_path, "max_abs": float(d.max()),
                                   "same_weights": bool(d.max() <= 1e-3 * max(1.0, float(np.abs(exported).max())))}
        print(f"[I] weights check vs {io_path}: max |torch - exported| = {d.max():.3g}", flush=True)
        if not result["weights_check"]["same_weights"]:
            print("[W] PyTorch's actions differ from the exported ones: NOT the same weights", flush=True)

    def save():
        if args.json:
            with open(args.json, "w") as f:
                json.dump(result, f, indent=2)

    save()
    for mode in modes:
        print(f"[I] {mode} ...", flush=True)
        try:
            info, _ = run_mode(mode, policy, cfg, qpos, image, args, ref)
        except Exception as e:  # one mode's failure must not lose the others
            info = {"mode": mode, "error": f"{type(e).__name__}: {e}"}
            print(f"[E] {mode}: {info['error']}", flush=True)
        result["modes"][mode] = info
        save()
        if "compute_ms" in info:
            c, l = info["compute_ms"], info["latency_ms"]
            print(f"[I] {mode}: median compute {c['median']:.4g} ms, latency {l['median']:.4g} ms "
                  f"(p99 {c['p99']:.4g}, cv {100 * c['coefficient_of_variation']:.1f} %)", flush=True)

    print(f"\n{'mode':<14} {'compute ms':>11} {'latency ms':>11} {'p99 ms':>9} {'max|d| vs fp32':>15}")
    for mode, info in result["modes"].items():
        if "compute_ms" not in info:
            print(f"{mode:<14} {'FAILED':>11}  {info.get('error', '')[:60]}")
            continue
        d = info.get("vs_eager_fp32", {}).get("max_abs", float("nan"))
        print(f"{mode:<14} {info['compute_ms']['median']:11.4f} {info['latency_ms']['median']:11.4f} "
              f"{info['compute_ms']['p99']:9.4f} {d:15.3g}")
    return 0 if all("compute_ms" in i for i in result["modes"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
