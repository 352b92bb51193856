"""`actrt synth` episodes read back with h5py: ACT's HDF5 layout (shared/ACT.md 'Episode files'), the
readers of python/, determinism for a seed. Also the evaluation episodes bundled in models/act-tiny."""

import filecmp
import glob
import os
import subprocess
import tempfile
import time
import unittest

import common
import h5py
import numpy as np

from actrt_act.episodes import episode_paths, make_sample, norm_stats, read_episode


def check_layout(test, path, cameras, steps, H, W, D):
    with h5py.File(path, "r") as f:
        test.assertIn("sim", f.attrs)
        test.assertTrue(bool(f.attrs["sim"]))
        for name in ("/observations/qpos", "/observations/qvel", "/action"):
            test.assertEqual((f[name].shape, f[name].dtype), ((steps, D), np.float32), name)
        test.assertEqual(sorted(f["/observations/images"].keys()), sorted(cameras))
        for c in cameras:
            ds = f[f"/observations/images/{c}"]
            test.assertEqual((ds.shape, ds.dtype), ((steps, H, W, 3), np.uint8), c)
            test.assertEqual(ds.chunks, (1, H, W, 3), c)  # one frame per chunk
            test.assertIsNone(ds.compression, c)
            test.assertGreater(int(ds[0].max()) - int(ds[0].min()), 20, f"{c}: frame 0 looks blank")
        test.assertTrue(np.isfinite(f["/action"][()]).all())


class Synth(unittest.TestCase):
    CAMS = ["top", "left_wrist"]

    @classmethod
    def setUpClass(cls):
        cls.bin = common.actrt_bin()
        if cls.bin is None:
            raise unittest.SkipTest("actrt binary not found (set ACTRT_BIN or build the actrt target)")
        help_text = subprocess.run([cls.bin, "synth", "--help"], capture_output=True, text=True)
        if help_text.returncode != 0:
            raise unittest.SkipTest(f"{cls.bin} has no 'synth' subcommand")
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def synth(self, out, seed=5, steps=6, episodes=2):
        cmd = [self.bin, "synth", "--out", out, "--episodes", str(episodes), "--steps", str(steps),
               "--cameras", ",".join(self.CAMS), "--size", "48x64", "--state-dim", "6", "--seed", str(seed), "-q"]
        r = subprocess.run(cmd, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        return sorted(glob.glob(os.path.join(out, "episode_*.hdf5")))

    def test_layout_and_readers(self):
        paths = self.synth(os.path.join(self.tmp.name, "a"))
        self.assertEqual([os.path.basename(p) for p in paths], ["episode_0.hdf5", "episode_1.hdf5"])
        for p in paths:
            check_layout(self, p, self.CAMS, 6, 48, 64, 6)
        eps = [read_episode(p, self.CAMS) for p in episode_paths(os.path.join(self.tmp.name, "a"))]
        stats = norm_stats(eps)
        q, im, a, pad = make_sample(eps[0], 2, self.CAMS, stats, chunk=5)
        self.assertEqual((q.shape, im.shape, a.shape), ((6,), (2, 3, 48, 64), (5, 6)))
        self.assertEqual(pad.tolist(), [False] * 4 + [True])

    def test_deterministic_for_a_seed(self):
        """Same seed: every dataset and attribute equal; another seed: different episodes."""
        a = self.synth(os.path.join(self.tmp.name, "d1"), seed=9)
        b = self.synth(os.path.join(self.tmp.name, "d2"), seed=9)
        c = self.synth(os.path.join(self.tmp.name, "d3"), seed=10)
        for x, y in zip(a, b):
            dx, dy = all_datasets(x), all_datasets(y)
            self.assertEqual(sorted(dx), sorted(dy))
            for k in dx:
                self.assertTrue(np.array_equal(dx[k], dy[k]), f"{k} differs between {x} and {y}")
        ea, ec = read_episode(a[0]), read_episode(c[0])
        self.assertFalse(np.array_equal(ea.action, ec.action))

    def test_byte_identical_files(self):
        """`actrt synth --help` promises byte-identical files for the same options and seed. Runs one
        second apart so that stored HDF5 modification times (if any) would show."""
        a = self.synth(os.path.join(self.tmp.name, "b1"), seed=4, episodes=1)
        time.sleep(1.1)
        b = self.synth(os.path.join(self.tmp.name, "b2"), seed=4, episodes=1)
        self.assertTrue(filecmp.cmp(a[0], b[0], shallow=False),
                        "same seed, different bytes (HDF5 object modification times? H5Pset_obj_track_times)")


def all_datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
        out["@sim"] = np.asarray(f.attrs["sim"])
    return out


class BundledEvalEpisodes(unittest.TestCase):
    DIR = os.path.join(common.SOURCE_DIR, "models", "act-tiny", "eval")

    def test_layout(self):
        paths = episode_paths(self.DIR)
        if not paths:
            self.skipTest("models/act-tiny/eval has no episodes")
        for p in paths:
            ep = read_episode(p)
            check_layout(self, p, sorted(ep.images), len(ep), 96, 128, 6)


if __name__ == "__main__":
    unittest.main()
