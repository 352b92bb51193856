#!/usr/bin/env python3
"""Convert ACT's dataset_stats.pkl into the normalization statistics JSON actrt reads.

Example:
    python3 python/stats_from_pkl.py ckpt_dir/dataset_stats.pkl -o stats.json
    build/bin/actrt compare act.onnx --data episodes/ --stats stats.json ...

The original ACT training code (utils.get_norm_stats) pickles a dict of numpy arrays: qpos_mean,
qpos_std, action_mean, action_std (one value per joint; the stds already clipped to >= 1e-2) and
example_qpos. actrt's stats JSON (src/data/act_episodes.cc, models/act-tiny/stats.json) holds the
first four as lists of numbers; example_qpos is not needed and is left out.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import sys

import numpy as np

KEYS = ("qpos_mean", "qpos_std", "action_mean", "action_std")


class StatsError(ValueError):
    """A pickle that is not ACT's dataset_stats.pkl; the message names the file and the key."""


def stats_from_dict(stats: dict, source: str) -> dict:
    """The JSON object for `stats` (ACT's dict); raises StatsError naming `source` when it is malformed."""
    if not isinstance(stats, dict):
        raise StatsError(f"{source}: expected a dict with {', '.join(KEYS)}; found {type(stats).__name__}")
    missing = [k for k in KEYS if k not in stats]
    if missing:
        raise StatsError(f"{source}: missing {', '.join(missing)} (found keys: {', '.join(map(str, stats))})")
    out = {}
    for key in KEYS:
        try:
            values = np.asarray(stats[key], dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise StatsError(f"{source}: '{key}' is not numeric ({e})") from None
        # ACT keeps a leading batch axis on some versions ([1, D]); anything else is not a per-joint vector.
        if values.ndim == 2 and values.shape[0] == 1:
            values = values[0]
        if values.ndim != 1 or values.size == 0:
            raise StatsError(f"{source}: '{key}' has shape {list(values.shape)}, expected [D] (one value per joint)")
        for i, v in enumerate(values):
            if not math.isfinite(v):
                raise StatsError(f"{source}: '{key}'[{i}] is {v}, expected a finite number")
            if key.endswith("_std") and v <= 0:
                raise StatsError(f"{source}: '{key}'[{i}] is {v}, expected a standard deviation > 0")
        out[key] = [float(v) for v in values]
    dims = {k: len(v) for k, v in out.items()}
    if len(set(dims.values())) != 1:
        raise StatsError(f"{source}: the four vectors differ in length ({dims}); actrt expects one value per "
                         "joint in each (qpos and action of the same robot)")
    return out


def load_pkl(path: str) -> dict:
    """Reads ACT's dataset_stats.pkl (a pickle: only open files you trust)."""
    try:
        with open(path, "rb") as f:
            obj = pickle.load(f)
    except FileNotFoundError:
        raise StatsError(f"{path}: no such file") from None
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError) as e:
        raise StatsError(f"{path}: not a readable pickle ({type(e).__name__}: {e})") from None
    return stats_from_dict(obj, path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pkl", help="ACT's dataset_stats.pkl")
    ap.add_argument("-o", "--out", required=True, help="stats JSON to write")
    ap.add_argument("--force", action="store_true", help="replace --out when it exists")
    args = ap.parse_args(argv)
    if os.path.exists(args.out) and not args.force:
        print(f"[E] {args.out}: already exists; refusing to overwrite (pass --force)", file=sys.stderr)
        return 1
    try:
        stats = load_pkl(args.pkl)
    except StatsError as e:
        print(f"[E] {e}", file=sys.stderr)
        return 1
    with open(args.out, "w") as f:
        json.dump(stats, f, indent=2)
        f.write("\n")
    print(f"[I] wrote {args.out} ({len(stats['qpos_mean'])} joints) from {args.pkl}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
