#!/usr/bin/env python3
"""Validation L1 of a trained policy on ACT episodes versus predicting the mean action.

    python3 python/eval_act.py --checkpoint RUN/policy.pt --config RUN/config.json --stats RUN/stats.json \
        --data models/act-tiny/eval

L1 is the mean absolute error over the un-padded entries of every action chunk, in normalized action
units (the training loss's units); the baseline predicts the mean action (0 after normalization).
Every timestep of every episode is used.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from actrt_act import ACTConfig, load_policy  # noqa: E402
from actrt_act.episodes import episode_paths, load_stats, read_episode  # noqa: E402
from train_act import evaluate  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--stats", required=True)
    ap.add_argument("--data", required=True, help="directory of episode_<i>.hdf5")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    cfg = ACTConfig.load_json(args.config)
    policy, _ = load_policy(args.checkpoint, cfg)
    stats = load_stats(args.stats)
    eps = [read_episode(p, cfg.camera_names) for p in episode_paths(args.data)]
    if not eps:
        raise SystemExit(f"[E] {args.data}: no episode_<i>.hdf5 files")
    picks = [(i, t) for i, ep in enumerate(eps) for t in range(len(ep))]
    l1, base = evaluate(policy, eps, picks, cfg.camera_names, stats, cfg.chunk_size)
    print(json.dumps({"episodes": len(eps), "samples": len(picks), "val_l1": round(l1, 4),
                      "mean_action_l1": round(base, 4), "ratio": round(base / l1, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
