"""Training pieces: ACT HDF5 episodes read back, get_norm_stats, EpisodicDataset samples, and a few
optimizer steps of train_act.py whose weights then load strictly and export."""

import json
import os
import tempfile
import unittest

import common  # noqa: F401
import h5py
import numpy as np
import torch

import train_act
from actrt_act import load_policy
from actrt_act.episodes import episode_paths, load_stats, make_sample, norm_stats, read_episode, write_episode


def write_fixture(directory, n=3, T=12, H=64, W=96, D=4, seed=0):
    rng = np.random.default_rng(seed)
    for i in range(n):
        write_episode(os.path.join(directory, f"episode_{i}.hdf5"),
                      rng.standard_normal((T, D)).astype(np.float32) * (i + 1),
                      rng.standard_normal((T, D)).astype(np.float32) + i,
                      {c: rng.integers(0, 256, (T, H, W, 3), dtype=np.uint8) for c in ("top", "left_wrist")},
                      sim=True)


class Episodes(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        write_fixture(self.dir)

    def tearDown(self):
        self.tmp.cleanup()

    def test_layout(self):
        with h5py.File(os.path.join(self.dir, "episode_0.hdf5"), "r") as f:
            self.assertTrue(bool(f.attrs["sim"]))
            self.assertEqual(f["/observations/qpos"].dtype, np.float32)
            self.assertEqual(f["/observations/qvel"].shape, (12, 4))
            img = f["/observations/images/top"]
            self.assertEqual((img.shape, img.dtype, img.chunks, img.compression),
                             ((12, 64, 96, 3), np.uint8, (1, 64, 96, 3), None))

    def test_norm_stats_like_get_norm_stats(self):
        eps = [read_episode(p) for p in episode_paths(self.dir)]
        s = norm_stats(eps)
        q = np.concatenate([e.qpos for e in eps]).astype(np.float64)
        a = np.concatenate([e.action for e in eps]).astype(np.float64)
        np.testing.assert_allclose(s["qpos_mean"], q.mean(0), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(s["qpos_std"], np.maximum(q.std(0, ddof=1), 0.01), rtol=1e-5)
        np.testing.assert_allclose(s["action_std"], np.maximum(a.std(0, ddof=1), 0.01), rtol=1e-5)
        const = [read_episode(p) for p in episode_paths(self.dir)]
        for e in const:
            e.qpos[:] = 3.0
        self.assertTrue(np.all(norm_stats(const)["qpos_std"] == np.float32(0.01)))

    def test_sample_padding(self):
        ep = read_episode(os.path.join(self.dir, "episode_1.hdf5"), ["top", "left_wrist"])
        stats = norm_stats([ep])
        q, im, a, pad = make_sample(ep, 9, ["top", "left_wrist"], stats, chunk=5)
        self.assertEqual(im.shape, (2, 3, 64, 96))
        self.assertAlmostEqual(float(im[1, 2, 3, 4]), ep.images["left_wrist"][9, 3, 4, 2] / 255.0, places=6)
        self.assertEqual(pad.tolist(), [False, False, False, True, True])
        np.testing.assert_allclose(a[:3], (ep.action[9:12] - stats["action_mean"]) / stats["action_std"], rtol=1e-6)
        self.assertTrue(np.all(a[3:] == 0))
        np.testing.assert_allclose(q, (ep.qpos[9] - stats["qpos_mean"]) / stats["qpos_std"], rtol=1e-6)

    def test_train_a_few_steps(self):
        out = os.path.join(self.dir, "run")
        cfg = ["--state-dim", "4", "--cameras", "top,left_wrist", "--height", "64", "--width", "96",
               "--hidden", "32", "--ff", "48", "--heads", "4", "--enc-layers", "1", "--dec-layers", "2",
               "--chunk", "5", "--backbone-width", "0.125"]
        train_act.main(["--data", self.dir, "--out", out, "--val-episodes", "1", "--steps", "3",
                        "--batch-size", "2", "--eval-every", "3"] + cfg)
        for f in ("policy.pt", "config.json", "stats.json", "log.json"):
            self.assertTrue(os.path.exists(os.path.join(out, f)), f)
        stats = load_stats(os.path.join(out, "stats.json"))
        self.assertEqual(stats["action_mean"].shape, (4,))
        policy, dropped = load_policy(os.path.join(out, "policy.pt"),
                                      __import__("actrt_act").ACTConfig.load_json(os.path.join(out, "config.json")))
        self.assertEqual(dropped, [])
        with open(os.path.join(out, "log.json")) as f:
            log = json.load(f)
        self.assertGreater(log["best"]["baseline_l1"], 0)
        with torch.no_grad():
            a = policy(torch.zeros(1, 4), torch.rand(1, 2, 3, 64, 96))
        self.assertEqual(tuple(a.shape), (1, 5, 4))


if __name__ == "__main__":
    unittest.main()
