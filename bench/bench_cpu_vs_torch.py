#!/usr/bin/env python3
"""CPU speed of actrt against PyTorch and ONNX Runtime: one run, one machine, same model, same inputs,
same thread count (issue 4: act-base FP32 >= 15x PyTorch 1.13 on 2 cores; >= ONNX Runtime at 16 threads).

    bench/bench_cpu_vs_torch.py --model models/act-tiny/act-tiny.onnx --threads 2
    bench/bench_cpu_vs_torch.py --model models/act-base/act-base.onnx --threads 16 --json cpu.json

Runtimes, each in its own process where it matters so that thread pools do not meet:
  actrt        `actrt bench MODEL --backend cpu --threads N --format json` (FP32 engine built from the ONNX;
               trtexec loop: 200 ms warm-up, >= --iterations and >= --duration s)
  pytorch      python/bench_torch.py --device cpu --threads N (eager FP32, torch.no_grad)
  onnxruntime  CPUExecutionProvider, intra_op_num_threads N, inter_op 1, all graph optimizations (only
               when `import onnxruntime` works: on the GPU machine, not on Debian here)
Inputs: <model>.io.npz (qpos, image) for PyTorch and ONNX Runtime; actrt bench draws its own seeded
uniform [0,1) inputs of the same shapes (FP32 CPU speed does not depend on the values; denormals
aside, which neither input produces).

Weights for PyTorch: <model>.pt if present (export_act.py --save-state-dict), else the model is
re-exported here from <model>.config.json with seeded random weights and --save-state-dict, and ALL
runtimes time that copy (same architecture and shapes, so the same speed as the original weights).

Output: a table (median ms, p99, qps, speed-up of actrt over each) and, with --json, the raw numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def find_python(explicit: str | None) -> str:
    cands = [explicit] if explicit else [os.environ.get("PYTHON"), "/usr/bin/python3", "python3"]
    for c in cands:
        if not c:
            continue
        exe = shutil.which(c) or c
        try:
            subprocess.run([exe, "-c", "import torch, numpy"], check=True, capture_output=True, timeout=120)
            return exe
        except Exception:
            continue
    raise SystemExit("[E] no python with torch and numpy (set --python or PYTHON)")


def find_actrt(explicit: str | None) -> str:
    cands = [explicit] if explicit else [os.environ.get("ACTRT"), f"{ROOT}/build-bench/bin/actrt",
                                         f"{ROOT}/build/bin/actrt", f"{ROOT}/build-device/bin/actrt"]
    for c in cands:
        if c and os.access(c, os.X_OK):
            return c
    raise SystemExit("[E] no actrt binary (build it, or pass --actrt / ACTRT=...)")


def stats(samples):
    s = sorted(samples)
    n = len(s)
    mid = n // 2
    median = s[mid] if n % 2 else (s[mid - 1] + s[mid]) / 2
    p99 = s[max(0, min(n - 1, -(-99 * n // 100) - 1))]
    mean = sum(s) / n
    std = (sum((x - mean) ** 2 for x in s) / n) ** 0.5
    return {"min": s[0], "median": median, "mean": mean, "p99": p99, "max": s[-1],
            "coefficient_of_variation": std / mean if mean else 0, "count": n}


def bench_ort(model: str, io_path: str, threads: int, warmup_ms: float, iterations: int, duration: float):
    import numpy as np
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    t0 = time.perf_counter()
    sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    load_s = time.perf_counter() - t0
    z = np.load(io_path)
    feed = {i.name: z[i.name] for i in sess.get_inputs()}
    t0 = time.perf_counter()
    while (time.perf_counter() - t0) * 1e3 < warmup_ms:
        sess.run(None, feed)
    lat = []
    t0 = time.perf_counter()
    while len(lat) < iterations or time.perf_counter() - t0 < duration:
        a = time.perf_counter()
        out = sess.run(None, feed)
        lat.append((time.perf_counter() - a) * 1e3)
    wall = time.perf_counter() - t0
    res = {"latency_ms": stats(lat), "throughput_qps": len(lat) / wall, "session_s": load_s,
           "version": ort.__version__}
    if "actions" in z.files:
        res["max_abs_vs_torch_export"] = float(np.abs(out[0] - z["actions"]).max())
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=f"{ROOT}/models/act-tiny/act-tiny.onnx")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--actrt", help="actrt binary (default: build-bench/bin, build/bin, build-device/bin)")
    ap.add_argument("--python", help="python with torch for bench_torch.py (default $PYTHON, /usr/bin/python3, python3)")
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--duration", type=float, default=3.0)
    ap.add_argument("--torch-iterations", type=int, default=10, help="PyTorch is slow on CPU: fewer runs")
    ap.add_argument("--skip", default="", help="comma-separated runtimes to skip: actrt,pytorch,onnxruntime")
    ap.add_argument("--workdir", help="where a re-exported copy goes (default: a temp dir)")
    ap.add_argument("--json", help="write all numbers here")
    args = ap.parse_args(argv)
    skip = set(s for s in args.skip.split(",") if s)
    py = find_python(args.python)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))

    model = os.path.abspath(args.model)
    base = model[:-5]
    if not os.path.exists(base + ".pt"):
        work = args.workdir or tempfile.mkdtemp(prefix="actrt-cpu-bench-")
        os.makedirs(work, exist_ok=True)
        copy = os.path.join(work, os.path.basename(model))
        print(f"[I] {model} has no state dict beside it: re-exporting its config with seeded random weights "
              f"to {copy} (same shapes and ops, so the same speed)", flush=True)
        subprocess.run([py, f"{ROOT}/python/export_act.py", "--config", base + ".config.json", "--random-init",
                        "--seed", "0", "--save-state-dict", "--threads", str(args.threads), "--out", copy],
                       check=True, env=env)
        model, base = copy, copy[:-5]

    result = {"model": model, "threads": args.threads, "host": os.uname().nodename,
              "cpus": os.cpu_count(), "runtimes": {}}
    try:
        result["load_avg"] = os.getloadavg()
    except OSError:
        pass

    def save():
        if args.json:
            with open(args.json, "w") as f:
                json.dump(result, f, indent=2)

    if "actrt" not in skip:
        cmd = [find_actrt(args.actrt), "bench", model, "--backend", "cpu", "--threads", str(args.threads),
               "--iterations", str(args.iterations), "--duration", str(args.duration), "--format", "json"]
        print("[I] " + " ".join(cmd), flush=True)
        p = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if p.returncode == 0:
            result["runtimes"]["actrt"] = json.loads(p.stdout)
        else:
            result["runtimes"]["actrt"] = {"error": p.stderr.strip()[-2000:]}
            print(f"[E] actrt bench failed:\n{p.stderr[-2000:]}", flush=True)
        save()
    if "pytorch" not in skip:
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tf:
            out_json = tf.name
        cmd = [py, f"{ROOT}/python/bench_torch.py", "--model", model, "--device", "cpu", "--threads",
               str(args.threads), "--warmup", "2", "--iterations", str(args.torch_iterations),
               "--min-seconds", str(args.duration), "--json", out_json]
        print("[I] " + " ".join(cmd), flush=True)
        p = subprocess.run(cmd, env=env)
        try:
            with open(out_json) as f:
                t = json.load(f)
            mode = t["modes"].get("eager-fp32", {})
            result["runtimes"]["pytorch"] = {"latency_ms": mode.get("latency_ms"), "torch": t.get("torch"),
                                             "weights_check": t.get("weights_check"),
                                             "error": mode.get("error") if p.returncode else None}
            if mode.get("latency_ms"):
                result["runtimes"]["pytorch"]["throughput_qps"] = 1e3 / mode["latency_ms"]["mean"]
        except Exception as e:
            result["runtimes"]["pytorch"] = {"error": f"bench_torch.py rc {p.returncode}: {e}"}
        save()
    if "onnxruntime" not in skip:
        try:
            import onnxruntime  # noqa: F401
            have_ort = True
        except Exception:
            have_ort = False
            print("[I] onnxruntime not importable here: skipped", flush=True)
        if have_ort:
            print(f"[I] onnxruntime CPU, {args.threads} threads", flush=True)
            try:
                result["runtimes"]["onnxruntime"] = bench_ort(model, base + ".io.npz", args.threads, 200,
                                                              args.iterations, args.duration)
            except Exception as e:
                result["runtimes"]["onnxruntime"] = {"error": f"{type(e).__name__}: {e}"}
            save()

    rt = result["runtimes"]
    med = {k: v["latency_ms"]["median"] for k, v in rt.items() if v.get("latency_ms")}
    if "actrt" in med:
        result["speedup_actrt_over"] = {k: m / med["actrt"] for k, m in med.items() if k != "actrt"}
    save()
    print(f"\nCPU, {args.threads} threads, {os.path.basename(model)} (FP32, batch 1); load avg "
          f"{result.get('load_avg', ('?',))[0]}")
    print(f"{'runtime':<12} {'median ms':>10} {'p99 ms':>10} {'qps':>8} {'actrt speed-up':>15}")
    for k, v in rt.items():
        if not v.get("latency_ms"):
            print(f"{k:<12} {'FAILED':>10}  {str(v.get('error'))[:80]}")
            continue
        l = v["latency_ms"]
        sp = result.get("speedup_actrt_over", {}).get(k)
        print(f"{k:<12} {l['median']:10.3f} {l['p99']:10.3f} {v.get('throughput_qps', 0):8.2f} "
              f"{(f'{sp:.2f}x' if sp else '-'):>15}")
    return 0 if all(v.get("latency_ms") for v in rt.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
