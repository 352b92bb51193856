"""ACT episode files (HDF5, shared/ACT.md 'Episode files'), normalization statistics and training samples."""

from __future__ import annotations

import glob
import json
import os
import re
from typing import Dict, List, Optional, Sequence

import numpy as np


def episode_paths(directory: str) -> List[str]:
    """episode_<i>.hdf5 files of a directory, ordered by i."""
    paths = glob.glob(os.path.join(directory, "episode_*.hdf5"))

    def index(p: str) -> int:
        m = re.search(r"episode_(\d+)\.hdf5$", p)
        return int(m.group(1)) if m else -1

    return sorted((p for p in paths if index(p) >= 0), key=index)


class Episode:
    """One episode held in memory: qpos (T, D), action (T, D), images {camera: (T, H, W, 3) uint8}."""

    def __init__(self, path: str, qpos: np.ndarray, action: np.ndarray, images: Dict[str, np.ndarray],
                 sim: bool):
        self.path, self.qpos, self.action, self.images, self.sim = path, qpos, action, images, sim

    def __len__(self) -> int:
        return self.action.shape[0]


def read_episode(path: str, cameras: Optional[Sequence[str]] = None) -> Episode:
    import h5py
    with h5py.File(path, "r") as f:
        sim = bool(f.attrs.get("sim", False))
        qpos = np.asarray(f["/observations/qpos"][()], dtype=np.float32)
        action = np.asarray(f["/action"][()], dtype=np.float32)
        group = f["/observations/images"]
        names = list(cameras) if cameras is not None else sorted(group.keys())
        images = {}
        for cam in names:
            if cam not in group:
                raise KeyError(f"{path}: no /observations/images/{cam} (cameras there: {sorted(group.keys())})")
            images[cam] = np.asarray(group[cam][()])
            if images[cam].dtype != np.uint8 or images[cam].ndim != 4 or images[cam].shape[-1] != 3:
                raise ValueError(f"{path}: /observations/images/{cam} must be (T, H, W, 3) uint8, "
                                 f"found {images[cam].shape} {images[cam].dtype}")
    if qpos.shape != action.shape:
        raise ValueError(f"{path}: qpos {qpos.shape} and action {action.shape} differ")
    return Episode(path, qpos, action, images, sim)


def write_episode(path: str, qpos: np.ndarray, action: np.ndarray, images: Dict[str, np.ndarray],
                  sim: bool = True, qvel: Optional[np.ndarray] = None) -> None:
    """Writes ACT's layout: attribute sim, /observations/{qpos,qvel,images/<cam>}, /action;
    images chunked one frame per chunk, uncompressed (used by tests and small fixtures)."""
    import h5py
    with h5py.File(path, "w") as f:
        f.attrs["sim"] = bool(sim)
        obs = f.create_group("observations")
        obs.create_dataset("qpos", data=np.asarray(qpos, dtype=np.float32))
        obs.create_dataset("qvel", data=np.asarray(qvel if qvel is not None else np.zeros_like(qpos),
                                                   dtype=np.float32))
        img = obs.create_group("images")
        for cam, frames in images.items():
            frames = np.asarray(frames, dtype=np.uint8)
            img.create_dataset(cam, data=frames, chunks=(1,) + frames.shape[1:])
        f.create_dataset("action", data=np.asarray(action, dtype=np.float32))


def norm_stats(episodes: Sequence[Episode]) -> Dict[str, np.ndarray]:
    """ACT's get_norm_stats: over all timesteps of all episodes, per-dimension mean and unbiased std
    (float32, as torch computes them there), std clipped to >= 0.01."""
    import torch
    qpos = torch.from_numpy(np.concatenate([e.qpos for e in episodes], axis=0))
    action = torch.from_numpy(np.concatenate([e.action for e in episodes], axis=0))
    stats = {}
    for name, data in (("qpos", qpos), ("action", action)):
        stats[f"{name}_mean"] = data.mean(dim=0).numpy()
        stats[f"{name}_std"] = torch.clip(data.std(dim=0), 1e-2, float("inf")).numpy()
    return stats


def save_stats(path: str, stats: Dict[str, np.ndarray]) -> None:
    with open(path, "w") as f:
        json.dump({k: [float(x) for x in np.asarray(v).reshape(-1)] for k, v in stats.items()}, f, indent=2)
        f.write("\n")


def load_stats(path: str) -> Dict[str, np.ndarray]:
    with open(path) as f:
        d = json.load(f)
    return {k: np.asarray(d[k], dtype=np.float32) for k in ("qpos_mean", "qpos_std", "action_mean", "action_std")}


def make_sample(ep: Episode, t: int, cameras: Sequence[str], stats: Dict[str, np.ndarray], chunk: int):
    """EpisodicDataset.__getitem__ for timestep t, cut to the chunk as ACTPolicy does.

    Returns qpos (D,) normalized, image (ncam, 3, H, W) float32 in [0, 1], actions (chunk, D) normalized
    with padded rows zero, is_pad (chunk,) bool. Real-robot episodes (sim false) take actions from
    t-1 on, as the original's alignment hack.
    """
    T = len(ep)
    start = t if ep.sim else max(0, t - 1)
    n = T - start
    action = np.zeros((chunk, ep.action.shape[1]), dtype=np.float32)
    is_pad = np.ones(chunk, dtype=bool)
    m = min(n, chunk)
    action[:m] = (ep.action[start:start + m] - stats["action_mean"]) / stats["action_std"]
    is_pad[:m] = False
    qpos = (ep.qpos[t] - stats["qpos_mean"]) / stats["qpos_std"]
    image = np.stack([ep.images[c][t] for c in cameras], axis=0)  # (ncam, H, W, 3)
    image = np.transpose(image, (0, 3, 1, 2)).astype(np.float32) / 255.0
    return qpos.astype(np.float32), image, action, is_pad
