"""Data loaders: iterables of feed dicts {input name: numpy array}.

DataLoader: seeded random feeds with Polygraphy's defaults (for INT8 "random calibration" and
Comparator.run without data). ActEpisodes / ActDataLoader: ACT episode folders preprocessed
exactly like ACT's utils.py, with the same sample split as the CLI (src/data/act_episodes.h):
the same (episode, t) pairs for the same folder and seed, so numbers agree with `actrt compare`.
"""

from __future__ import annotations

import glob
import json
import os
import re
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from . import _actrt

_MASK64 = (1 << 64) - 1


class DataLoader:
    """Polygraphy's DataLoader: ``iterations`` feeds; item i drawn from seed + i; floats uniform in
    ``val_range`` [low, high), integers in [low, high], bools fair. ``val_range`` is a pair or
    {input name: pair}. ``input_metadata``: {name: (dtype, shape)} (runner.get_input_metadata()).
    The bytes are those of the CLI's random data (src/data/random_loader.h: splitmix64 streams per
    item and input name), so `actrt compare`'s int8-random calibrates on the same feeds.
    """

    def __init__(self, seed: int = 1, iterations: int = 1,
                 input_metadata: Optional[Mapping[str, Tuple[Any, Sequence[int]]]] = None,
                 val_range: Any = (0.0, 1.0)):
        if input_metadata is None:
            raise _actrt.InvalidArgumentError("DataLoader: input_metadata is required "
                                              "({name: (dtype, shape)}, e.g. runner.get_input_metadata())")
        self.seed, self.iterations = seed, iterations
        self.input_metadata = dict(input_metadata)
        self.val_range = val_range

    def _range(self, name: str) -> Tuple[float, float]:
        r = self.val_range.get(name, (0.0, 1.0)) if isinstance(self.val_range, Mapping) else self.val_range
        return float(r[0]), float(r[1])

    def __len__(self) -> int:
        return self.iterations

    def __getitem__(self, i: int) -> Dict[str, np.ndarray]:
        if not 0 <= i < self.iterations:
            raise IndexError(f"DataLoader: item {i} of {self.iterations}")
        feed = {}
        for name, (dtype, shape) in self.input_metadata.items():
            dtype = np.dtype("float32" if isinstance(dtype, str) else dtype)  # bf16 inputs: f32
            n = int(np.prod(shape, dtype=np.int64))
            r = _stream((self.seed + i) & _MASK64 ^ _fnv1a64(name), n)
            low, high = self._range(name)
            if dtype.kind == "f":
                u = (r >> np.uint64(40)).astype(np.float64) * (1.0 / 16777216.0)
                x = (low + u * (high - low)).astype(np.float32)
                if high > low:
                    top = np.float32(high)
                    x[x >= top] = np.nextafter(top, np.float32(low))
                values = x.astype(dtype)
            elif dtype.kind == "b":
                values = (r >> np.uint64(63)).astype(bool)
            else:
                lo, hi = int(np.ceil(low)), int(np.floor(high))
                span = np.uint64(hi - lo + 1)  # Lemire: (r * span) >> 64 with span <= 2^32
                r_hi, r_lo = r >> np.uint64(32), r & np.uint64(0xFFFFFFFF)
                top = (r_hi * span + ((r_lo * span) >> np.uint64(32))) >> np.uint64(32)
                values = (top.astype(np.int64) + lo).astype(dtype)
            feed[name] = values.reshape(tuple(shape))
        return feed

    def __iter__(self) -> Iterator[Dict[str, np.ndarray]]:
        return (self[i] for i in range(self.iterations))


def _fnv1a64(text: str) -> int:
    h = 1469598103934665603
    for c in text.encode():
        h = ((h ^ c) * 1099511628211) & _MASK64
    return h


def _mix64(z: Any) -> Any:
    """The splitmix64 finalizer on uint64 arrays (wrapping arithmetic)."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _stream(key: int, n: int) -> np.ndarray:
    """The first n outputs of SplitMix64(mix(key)): output k = mix(state0 + (k + 1) * gamma)."""
    with np.errstate(over="ignore"):
        state0 = _mix64(np.array([key], dtype=np.uint64))[0]
        steps = np.arange(1, n + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        return _mix64(state0 + steps)


def _splitmix64(state: int) -> Tuple[int, int]:
    state = (state + 0x9E3779B97F4A7C15) & _MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return state, z ^ (z >> 31)


def split_samples(episodes: int, steps: int, seed: int, n_calibration: int,
                  n_evaluation: int = -1) -> Tuple[List[Tuple[int, int]], List[Tuple[int, int]]]:
    """The CLI's calibration / evaluation split: every (episode, t) pair, episode-major, shuffled
    by Fisher-Yates driven by splitmix64(seed); the first n_calibration pairs calibrate, the next
    n_evaluation (-1: all the rest) evaluate. Never overlapping."""
    pairs = [(e, t) for e in range(episodes) for t in range(steps)]
    state = seed & _MASK64
    for i in range(len(pairs) - 1, 0, -1):
        state, r = _splitmix64(state)
        j = r % (i + 1)
        pairs[i], pairs[j] = pairs[j], pairs[i]
    rest = len(pairs) - n_calibration
    if n_calibration < 0 or rest < 0 or (n_evaluation >= 0 and n_evaluation > rest):
        raise _actrt.InvalidArgumentError(
            f"split_samples: {n_calibration} calibration + {n_evaluation} evaluation samples asked, "
            f"but the folder has {len(pairs)} (episodes {episodes} x steps {steps})")
    n_eval = rest if n_evaluation < 0 else n_evaluation
    return pairs[:n_calibration], pairs[n_calibration:n_calibration + n_eval]


class ActEpisodes:
    """A folder of ACT episode_<i>.hdf5 files in memory, with normalization statistics.

    ``cameras`` in the order the policy was trained with (default: sorted names in the first
    file). ``stats``: a stats.json path or dict (qpos_mean, qpos_std, action_mean, action_std);
    default: ACT's get_norm_stats over this folder (mean, unbiased std clipped to >= 0.01).
    """

    def __init__(self, folder: str, cameras: Optional[Sequence[str]] = None, stats: Any = None):
        import h5py
        paths = glob.glob(os.path.join(folder, "episode_*.hdf5"))
        paths = sorted((p for p in paths if re.search(r"episode_(\d+)\.hdf5$", p)),
                       key=lambda p: int(re.search(r"episode_(\d+)\.hdf5$", p).group(1)))
        if not paths:
            raise _actrt.IoError(f"{folder}: no episode_<i>.hdf5 files")
        self.folder, self.paths = folder, paths
        self.qpos, self.action, self.images, self.sim = [], [], [], []
        for p in paths:
            with h5py.File(p, "r") as f:
                group = f["/observations/images"]
                if cameras is None:
                    cameras = sorted(group.keys())
                for c in cameras:
                    if c not in group:
                        raise _actrt.InvalidArgumentError(
                            f"{p}: no camera '{c}' (cameras there: {sorted(group.keys())})")
                self.sim.append(bool(f.attrs.get("sim", True)))
                self.qpos.append(np.asarray(f["/observations/qpos"][()], dtype=np.float32))
                self.action.append(np.asarray(f["/action"][()], dtype=np.float32))
                self.images.append([np.asarray(group[c][()]) for c in cameras])
            if self.action[-1].shape != self.action[0].shape or self.qpos[-1].shape != self.action[-1].shape:
                raise _actrt.InvalidModelError(
                    f"{p}: qpos {self.qpos[-1].shape} / action {self.action[-1].shape} differ from "
                    f"{paths[0]}'s {self.action[0].shape}")
        self.cameras = list(cameras)
        if stats is None:
            q = np.concatenate(self.qpos).astype(np.float64)
            a = np.concatenate(self.action).astype(np.float64)
            stats = {"qpos_mean": q.mean(0), "qpos_std": np.maximum(q.std(0, ddof=1), 0.01),
                     "action_mean": a.mean(0), "action_std": np.maximum(a.std(0, ddof=1), 0.01)}
        elif not isinstance(stats, Mapping):
            with open(stats) as f:
                stats = json.load(f)
        self.stats = {k: np.asarray(stats[k], dtype=np.float32)
                      for k in ("qpos_mean", "qpos_std", "action_mean", "action_std")}

    @property
    def num_episodes(self) -> int:
        return len(self.paths)

    @property
    def episode_length(self) -> int:
        return int(self.action[0].shape[0])

    def sample(self, e: int, t: int, chunk: int) -> Dict[str, np.ndarray]:
        """ACT's EpisodicDataset at start_ts = t: qpos [1,D] and image [1,ncam,3,H,W] (model
        inputs) plus action [1,chunk,D] normalized, action_raw, is_pad [1,chunk] (ground truth);
        padded steps are raw zeros before normalization, as ACT pads."""
        T = self.episode_length
        s = t if self.sim[e] else max(0, t - 1)
        raw = np.zeros((chunk, self.action[e].shape[1]), dtype=np.float32)
        n = max(0, min(chunk, T - s))
        raw[:n] = self.action[e][s:s + n]
        is_pad = np.arange(chunk) >= n
        st = self.stats
        image = np.stack([cam[t] for cam in self.images[e]])  # ncam, H, W, 3
        return {
            "qpos": ((self.qpos[e][t] - st["qpos_mean"]) / st["qpos_std"])[None].astype(np.float32),
            "image": (np.ascontiguousarray(image.transpose(0, 3, 1, 2)).astype(np.float32) / 255.0)[None],
            "action": ((raw - st["action_mean"]) / st["action_std"])[None].astype(np.float32),
            "action_raw": raw[None],
            "is_pad": is_pad[None],
        }

    def split(self, seed: int = 1, n_calibration: int = 32, n_evaluation: int = 40):
        """split_samples over this folder."""
        return split_samples(self.num_episodes, self.episode_length, seed, n_calibration, n_evaluation)


class ActDataLoader:
    """Feeds {qpos, image} of one side ('calibration' or 'evaluation') of the CLI's split, for
    Calibrator and Comparator; ``ground_truth()`` gives the matching (action, is_pad) arrays.
    ``input_names`` maps "qpos" / "image" to the model's input names if they differ.
    """

    def __init__(self, episodes: ActEpisodes, split: str = "calibration", seed: int = 1,
                 calibration_samples: int = 32, evaluation_samples: int = 40, chunk: int = 20,
                 input_names: Optional[Mapping[str, str]] = None):
        if split not in ("calibration", "evaluation"):
            raise _actrt.InvalidArgumentError(f"ActDataLoader: split '{split}': expected calibration or evaluation")
        cal, ev = episodes.split(seed, calibration_samples, evaluation_samples)
        self.episodes, self.chunk = episodes, chunk
        self.samples = cal if split == "calibration" else ev
        self.input_names = {"qpos": "qpos", "image": "image", **dict(input_names or {})}

    def __len__(self) -> int:
        return len(self.samples)

    def __iter__(self) -> Iterator[Dict[str, np.ndarray]]:
        for e, t in self.samples:
            s = self.episodes.sample(e, t, self.chunk)
            yield {self.input_names["qpos"]: s["qpos"], self.input_names["image"]: s["image"]}

    def ground_truth(self) -> List[Tuple[np.ndarray, np.ndarray]]:
        """[(action [1,chunk,D] normalized, is_pad [1,chunk])] in sample order."""
        out = []
        for e, t in self.samples:
            s = self.episodes.sample(e, t, self.chunk)
            out.append((s["action"], s["is_pad"]))
        return out


def chunk_l1(predictions: Sequence[np.ndarray], ground_truth: Sequence[Tuple[np.ndarray, np.ndarray]]) -> float:
    """The CLI's L1: mean |prediction - action| over the UN-padded entries of every chunk of every
    sample, in normalized action units (padded steps neither summed nor counted)."""
    total, count = 0.0, 0
    for pred, (action, is_pad) in zip(predictions, ground_truth):
        keep = ~np.asarray(is_pad, dtype=bool).reshape(-1)
        diff = np.abs(np.asarray(pred, np.float64).reshape(keep.size, -1) - np.asarray(action, np.float64).reshape(keep.size, -1))
        total += float(diff[keep].sum())
        count += int(keep.sum()) * diff.shape[1]
    return total / count if count else float("nan")
