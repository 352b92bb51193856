"""python/export_act.py does not guess what the weights cannot tell (head count, camera count, image size):
without --preset, --config, a config.json beside the checkpoint or all of --heads/--cameras/--height/--width
it stops with exit code 2, names the missing flags and writes nothing; with the explicit flags it exports."""

import contextlib
import io
import os
import tempfile
import unittest

import common  # noqa: F401  (python/ on sys.path)
import onnx
import torch

import export_act
from actrt_act import ACTConfig, build_random_policy


def tiny_config():
    return ACTConfig(state_dim=5, camera_names=["a", "b"], image_height=64, image_width=96, hidden_dim=32,
                     dim_feedforward=48, nheads=2, enc_layers=1, dec_layers=1, chunk_size=7, backbone_width=0.125)


class ExportConfigSource(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.cfg = tiny_config()
        # A checkpoint alone in its folder: no config.json beside it.
        os.makedirs(os.path.join(cls.tmp.name, "ckpt"))
        cls.ckpt = os.path.join(cls.tmp.name, "ckpt", "policy_best.ckpt")
        torch.save(build_random_policy(cls.cfg, 3).state_dict(), cls.ckpt)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def export(self, *args):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                rc = export_act.main(list(args))
            except SystemExit as e:
                rc = e.code
        return rc, err.getvalue()

    def test_checkpoint_without_config_is_refused(self):
        out = os.path.join(self.tmp.name, "refused.onnx")
        rc, err = self.export("--checkpoint", self.ckpt, "--out", out)
        self.assertEqual(rc, 2)
        self.assertIn("cannot tell the attention head count", err)
        self.assertIn(self.ckpt, err)
        for flag in ("--heads", "--cameras", "--height", "--width", "--preset", "--config"):
            self.assertIn(flag, err)
        self.assertFalse(os.path.exists(out))

    def test_partial_flags_name_what_is_missing(self):
        rc, err = self.export("--checkpoint", self.ckpt, "--heads", "2", "--cameras", "a,b",
                              "--out", os.path.join(self.tmp.name, "partial.onnx"))
        self.assertEqual(rc, 2)
        self.assertIn("nothing else gave --height, --width", err)

    def test_random_init_without_config_is_refused(self):
        rc, err = self.export("--random-init", "--out", os.path.join(self.tmp.name, "r.onnx"))
        self.assertEqual(rc, 2)
        self.assertIn("--random-init cannot tell", err)

    def test_explicit_flags_export_with_those_values(self):
        out = os.path.join(self.tmp.name, "explicit.onnx")
        rc, err = self.export("--checkpoint", self.ckpt, "--heads", "2", "--cameras", "a,b", "--height", "64",
                              "--width", "96", "--out", out)
        self.assertEqual(rc, 0, err)
        cfg = ACTConfig.load_json(out[:-5] + ".config.json")
        self.assertEqual((cfg.nheads, cfg.camera_names, cfg.image_height, cfg.image_width),
                         (2, ["a", "b"], 64, 96))
        image = [i for i in onnx.load(out).graph.input if i.name == "image"][0]
        dims = [d.dim_value for d in image.type.tensor_type.shape.dim]
        self.assertEqual(dims[1:], [2, 3, 64, 96])


if __name__ == "__main__":
    unittest.main()
