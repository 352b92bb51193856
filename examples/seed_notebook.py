#!/usr/bin/env python3
"""The seed notebook's flow (a user's Polygraphy + TensorRT notebook for ACT) in actrt's
Python API, cell by cell, on the bundled act-tiny policy and its held-out episodes:

  loaders (lazy and eager) -> Calibrator over a generator of ACT-preprocessed samples ->
  create_config(int8=True, calibrator=...) -> engine_from_network -> save_engine ->
  engine_from_bytes(open(...).read()) -> runners -> the 4-row table of the seed's comparison
  (PyTorch, FP32, INT8 static calibration, INT8 random calibration: time and L1).

ONNX export is not repeated (models/act-tiny/act-tiny.onnx is already exported). L1 is the CLI's
(`actrt compare`): mean |predicted - dataset action chunk| over un-padded steps, normalized units,
on evaluation samples that the calibration samples never overlap (same split as the CLI).

    make python && PYTHONPATH=python python3 examples/seed_notebook.py
    python3 examples/seed_notebook.py --evaluation-samples 8 --no-torch   # quicker
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "python"))  # actrt in-tree (make python); an installed one works too

import numpy as np  # noqa: E402

import actrt  # noqa: E402
from actrt import (Calibrator, DataLoader, EngineFromNetwork, EngineRunner, NetworkFromOnnxPath,  # noqa: E402
                   create_config, engine_from_bytes, engine_from_network, network_from_onnx_path,
                   save_engine)


def parse_args(argv=None) -> argparse.Namespace:
    model_dir = os.path.join(ROOT, "models", "act-tiny")
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=os.path.join(model_dir, "act-tiny.onnx"))
    ap.add_argument("--data", default=os.path.join(model_dir, "eval"), help="folder of ACT episodes")
    ap.add_argument("--stats", default=os.path.join(model_dir, "stats.json"),
                    help="normalization statistics the policy was trained with")
    ap.add_argument("--out", default=os.path.join(ROOT, "out", "seed_notebook"), help="engines and caches")
    ap.add_argument("--calibration-samples", type=int, default=32)
    ap.add_argument("--evaluation-samples", type=int, default=40, help="the seed used 40")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0, help="CPU threads of the engines (0: all cores)")
    ap.add_argument("--no-torch", action="store_true", help="skip the PyTorch row")
    return ap.parse_args(argv)


def model_config(model: str) -> dict:
    path = os.path.splitext(model)[0] + ".config.json"
    with open(path) as f:
        return json.load(f)


def run_engine(engine: actrt.Engine, feeds: list, name: str) -> tuple:
    """Predictions and median latency (ms) of one engine over the evaluation feeds."""
    with EngineRunner(engine, name=name) as runner:
        runner.infer(feeds[0])  # warm-up (first-call allocations)
        predictions, times = [], []
        for feed in feeds:
            predictions.append(runner.infer(feed)["actions"])
            times.append(runner.last_inference_time() * 1e3)
    return predictions, statistics.median(times)


def run_torch(model: str, feeds: list) -> tuple:
    """The PyTorch policy (python/actrt_act, weights recovered from the ONNX) over the same feeds."""
    import torch
    sys.path.insert(0, os.path.join(ROOT, "python"))
    from torch_runner import load_policy_for
    policy, _ = load_policy_for(model)
    predictions, times = [], []
    with torch.no_grad():
        policy(torch.from_numpy(feeds[0]["qpos"]), torch.from_numpy(feeds[0]["image"]))
        for feed in feeds:
            t0 = time.perf_counter()
            out = policy(torch.from_numpy(feed["qpos"]), torch.from_numpy(feed["image"]))
            times.append((time.perf_counter() - t0) * 1e3)
            predictions.append(out.numpy())
    return predictions, statistics.median(times)


def main(argv=None) -> int:
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    actrt.set_log_level("warning")
    cfg = model_config(args.model)

    # Data: ACT's preprocessing (get_norm_stats statistics, HWC -> CHW, / 255), the CLI's split.
    episodes = actrt.ActEpisodes(args.data, cfg["camera_names"], stats=args.stats)
    split = dict(seed=args.seed, calibration_samples=args.calibration_samples,
                 evaluation_samples=args.evaluation_samples, chunk=cfg["chunk_size"])
    calibration = actrt.ActDataLoader(episodes, "calibration", **split)
    evaluation = actrt.ActDataLoader(episodes, "evaluation", **split)
    feeds, truth = list(evaluation), evaluation.ground_truth()

    # In [2]: PascalCase loaders are lazy callables.
    build_engine = EngineFromNetwork(NetworkFromOnnxPath(args.model))
    print(type(build_engine))
    # In [3]: snake_case loaders build now.
    engine = engine_from_network(network_from_onnx_path(args.model))
    print(type(engine))
    # In [4]: a runner from the lazy loader (the seed's cell lacked its input; here it has one).
    with EngineRunner(build_engine) as runner:
        outputs = runner.infer(feed_dict=feeds[0])
    print({k: v.shape for k, v in outputs.items()})

    # Calibrator: a generator of representative, preprocessed samples.
    def calibration_data():
        for feed in calibration:
            yield feed

    engines = {"FP32": engine}
    for label, data in (("INT8 static calibration", calibration_data()),
                        ("INT8 random calibration", None)):
        cache = os.path.join(args.out, "act_int8_random.cache" if data is None else "act_int8.cache")
        if os.path.exists(cache):
            os.remove(cache)  # calibrate afresh (an existing cache would skip calibration)
        if data is None:  # Polygraphy's DataLoader: uniform [0, 1) inputs, seeded
            network = network_from_onnx_path(args.model)
            data = DataLoader(seed=args.seed, iterations=args.calibration_samples,
                              input_metadata={i.name: (i.dtype, i.shape) for i in network.inputs})
        calibrator = Calibrator(data, cache=cache)
        builder_config = create_config(int8=True, fp16=False, calibrator=calibrator, threads=args.threads)
        engine = engine_from_network(network_from_onnx_path(args.model), config=builder_config)
        # TensorRT engine will be saved to ENGINE_PATH. (Here: an actrt engine file.)
        ENGINE_PATH = os.path.join(args.out, ("act_int8_random" if "random" in label else "act_int8") + ".engine")
        save_engine(engine, ENGINE_PATH, overwrite=True)
        # Load serialized engine using 'open'.
        engines[label] = engine_from_bytes(open(ENGINE_PATH, "rb").read())
        print(f"{label}: engine saved to {ENGINE_PATH} and loaded back")
    if args.threads:
        engines["FP32"] = engine_from_network(network_from_onnx_path(args.model),
                                              create_config(threads=args.threads))

    rows = []
    if not args.no_torch:
        try:
            predictions, ms = run_torch(args.model, feeds)
            rows.append(("PyTorch (act_pytorch)", ms, actrt.chunk_l1(predictions, truth)))
        except ImportError as e:
            print(f"PyTorch row skipped: {e}")
    for label, engine in engines.items():
        predictions, ms = run_engine(engine, feeds, label)
        rows.append((f"actrt {label}", ms, actrt.chunk_l1(predictions, truth)))

    print(f"\n{len(feeds)} evaluation samples of {args.data}, CPU, batch 1; time = median ms per inference")
    print(f"| {'engine':<36} | {'time (ms)':>9} | {'L1':>7} |")
    print(f"|{'-' * 38}|{'-' * 11}|{'-' * 9}|")
    for name, ms, l1 in rows:
        print(f"| {name:<36} | {ms:>9.3f} | {l1:>7.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
