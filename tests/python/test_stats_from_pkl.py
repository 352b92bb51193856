"""python/stats_from_pkl.py: ACT's dataset_stats.pkl (dict of numpy arrays) becomes the stats JSON that
actrt reads (the keys and layout of models/act-tiny/stats.json); malformed pickles are refused with the
file and key named; an existing output is not replaced without --force."""

import contextlib
import io
import json
import os
import pickle
import tempfile
import unittest

import common
import numpy as np

import stats_from_pkl


def act_stats(dim=6, seed=0):
    """What ACT's utils.get_norm_stats pickles (float32 arrays, stds clipped, example_qpos)."""
    rng = np.random.default_rng(seed)
    return {
        "qpos_mean": rng.normal(size=dim).astype(np.float32),
        "qpos_std": np.clip(rng.uniform(0, 1, size=dim), 1e-2, None).astype(np.float32),
        "action_mean": rng.normal(size=dim).astype(np.float32),
        "action_std": np.clip(rng.uniform(0, 1, size=dim), 1e-2, None).astype(np.float32),
        "example_qpos": rng.normal(size=(50, dim)).astype(np.float32),
    }


class StatsFromPkl(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def write_pkl(self, obj, name="dataset_stats.pkl"):
        path = os.path.join(self.tmp.name, name)
        with open(path, "wb") as f:
            pickle.dump(obj, f)
        return path

    def run_main(self, *args):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            rc = stats_from_pkl.main(list(args))
        return rc, err.getvalue()

    def test_converts_act_pickle_to_actrt_layout(self):
        stats = act_stats()
        pkl = self.write_pkl(stats)
        out = os.path.join(self.tmp.name, "stats.json")
        rc, err = self.run_main(pkl, "-o", out)
        self.assertEqual(rc, 0, err)
        with open(out) as f:
            got = json.load(f)
        with open(os.path.join(common.SOURCE_DIR, "models", "act-tiny", "stats.json")) as f:
            bundled = json.load(f)
        self.assertEqual(sorted(got), sorted(bundled))  # the same keys as the file actrt ships
        for key in stats_from_pkl.KEYS:
            np.testing.assert_array_equal(np.asarray(got[key], dtype=np.float32), stats[key], err_msg=key)

    def test_leading_batch_axis_is_dropped(self):
        stats = {k: v[None, :] for k, v in act_stats(dim=4).items() if k != "example_qpos"}
        got = stats_from_pkl.load_pkl(self.write_pkl(stats))
        self.assertEqual(len(got["action_std"]), 4)

    def test_malformed_pickles_are_refused_with_file_and_key(self):
        cases = {
            "missing": ({k: v for k, v in act_stats().items() if k != "action_std"}, "missing action_std"),
            "zero_std": ({**act_stats(), "qpos_std": np.zeros(6, np.float32)}, "'qpos_std'[0] is 0.0"),
            "nan": ({**act_stats(), "action_mean": np.full(6, np.nan)}, "'action_mean'[0] is nan"),
            "dims": ({**act_stats(), "action_mean": np.zeros(7, np.float32)}, "differ in length"),
            "matrix": ({**act_stats(), "qpos_mean": np.zeros((2, 6))}, "expected [D]"),
            "list": ([1, 2, 3], "expected a dict"),
        }
        for name, (obj, expected) in cases.items():
            with self.subTest(name):
                pkl = self.write_pkl(obj, name + ".pkl")
                rc, err = self.run_main(pkl, "-o", os.path.join(self.tmp.name, name + ".json"))
                self.assertEqual(rc, 1)
                self.assertIn(pkl, err)
                self.assertIn(expected, err)
                self.assertFalse(os.path.exists(os.path.join(self.tmp.name, name + ".json")))

    def test_not_a_pickle(self):
        path = os.path.join(self.tmp.name, "stats.pkl")
        with open(path, "w") as f:
            f.write("not a pickle")
        rc, err = self.run_main(path, "-o", os.path.join(self.tmp.name, "s.json"))
        self.assertEqual(rc, 1)
        self.assertIn("not a readable pickle", err)

    def test_existing_output_needs_force(self):
        pkl = self.write_pkl(act_stats())
        out = os.path.join(self.tmp.name, "stats.json")
        with open(out, "w") as f:
            f.write("keep me")
        rc, err = self.run_main(pkl, "-o", out)
        self.assertEqual(rc, 1)
        self.assertIn("refusing to overwrite", err)
        with open(out) as f:
            self.assertEqual(f.read(), "keep me")
        rc, err = self.run_main(pkl, "-o", out, "--force")
        self.assertEqual(rc, 0, err)


if __name__ == "__main__":
    unittest.main()
