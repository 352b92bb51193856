"""ONNX export round trip: the exported file passes onnx.checker, has the agreed inputs and outputs, keeps
ACT's structure (every decoder layer stacked, then index 0), and its .io.npz holds exactly what a fresh
PyTorch forward of the same weights gives. Also checks the bundled models/act-tiny."""

import json
import os
import tempfile
import unittest

import common
import numpy as np
import onnx
import torch
from onnx import numpy_helper

import export_act
from actrt_act import ACTConfig, build_random_policy, load_policy


def tiny_config(**kw):
    base = dict(state_dim=5, camera_names=["a", "b"], image_height=64, image_width=96, hidden_dim=32,
                dim_feedforward=48, nheads=4, enc_layers=2, dec_layers=3, chunk_size=7,
                backbone_width=0.125)
    base.update(kw)
    return ACTConfig(**base)


def shape_of(value_info):
    return [d.dim_value if d.HasField("dim_value") else d.dim_param for d in value_info.type.tensor_type.shape.dim]


class ExportRoundTrip(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.cfg = tiny_config()
        cls.out = os.path.join(cls.tmp.name, "m.onnx")
        export_act.main(["--random-init", "--seed", "7", "--config", cls._write_cfg(cls.cfg), "--out", cls.out,
                         "--batch", "2"])
        cls.model = onnx.load(cls.out)

    @classmethod
    def _write_cfg(cls, cfg):
        path = os.path.join(cls.tmp.name, "cfg.json")
        cfg.save_json(path)
        return path

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_checker_and_io(self):
        onnx.checker.check_model(self.model, full_check=True)
        self.assertEqual(self.model.opset_import[0].version, 17)
        c = self.cfg
        self.assertEqual([(i.name, shape_of(i)) for i in self.model.graph.input],
                         [("qpos", [2, c.state_dim]), ("image", [2, c.num_cameras, 3, c.image_height, c.image_width])])
        self.assertEqual([(o.name, shape_of(o)) for o in self.model.graph.output],
                         [("actions", [2, c.chunk_size, c.state_dim])])
        meta = {p.key: p.value for p in self.model.metadata_props}
        self.assertEqual(ACTConfig.from_dict(json.loads(meta["actrt.config"])).to_dict(), c.to_dict())

    def test_structure_keeps_act_quirk(self):
        names = {i.name for i in self.model.graph.initializer}
        for d in range(self.cfg.dec_layers):  # all stacked decoder layers are in the graph
            self.assertIn(f"model.transformer.decoder.layers.{d}.multihead_attn.out_proj.weight", names)
        ops = [n.op_type for n in self.model.graph.node]
        self.assertEqual(ops.count("LayerNormalization"), 2 * self.cfg.enc_layers + 4 * self.cfg.dec_layers)
        # Conv: 20 per camera in the trunk (17 + 3 downsample) + input_proj per camera.
        self.assertEqual(ops.count("Conv"), 21 * self.cfg.num_cameras)
        producer = {o: n for n in self.model.graph.node for o in n.output}
        # actions <- action_head <- Gather(index 0) <- Transpose <- Concat of the stacked layers
        def up(node):  # the producer of the node's first computed (non-initializer) input
            return next(producer[i] for i in node.input if i in producer and producer[i].op_type != "Constant")

        node = producer["actions"]
        seen = []
        while node.op_type not in ("Gather", "Slice") and len(seen) < 6:
            seen.append(node.op_type)
            node = up(node)
        self.assertIn(node.op_type, ("Gather", "Slice"), seen)
        while node.op_type != "Concat" and len(seen) < 12:
            seen.append(node.op_type)
            node = up(node)
        self.assertEqual(node.op_type, "Concat", seen)
        self.assertEqual(len(node.input), self.cfg.dec_layers)

    def test_npz_matches_fresh_torch_forward(self):
        io = np.load(self.out[:-5] + ".io.npz")
        self.assertEqual(sorted(io.files), ["actions", "image", "qpos"])
        self.assertTrue(all(io[k].dtype == np.float32 for k in io.files))
        self.assertGreaterEqual(io["image"].min(), 0.0)
        self.assertLess(io["image"].max(), 1.0)
        policy = build_random_policy(self.cfg, 7)
        with torch.no_grad():
            a = policy(torch.from_numpy(io["qpos"]), torch.from_numpy(io["image"])).numpy()
        np.testing.assert_allclose(io["actions"], a, rtol=0, atol=1e-5)
        self.assertGreater(float(np.abs(io["actions"]).max()), 1e-3)
        # Same seed, same weights: the export is reproducible.
        self.assertEqual(ACTConfig.load_json(self.out[:-5] + ".config.json").to_dict(), self.cfg.to_dict())

    def test_initializers_are_the_torch_weights(self):
        policy = build_random_policy(self.cfg, 7)
        sd = policy.state_dict()
        init = {i.name: numpy_helper.to_array(i) for i in self.model.graph.initializer}
        checked = 0
        for k, v in init.items():
            if k in sd:
                np.testing.assert_array_equal(v, sd[k].numpy(), err_msg=k)
                checked += 1
        self.assertGreater(checked, 20)

    def test_checkpoint_export(self):
        policy = build_random_policy(self.cfg, 9)
        ckpt = os.path.join(self.tmp.name, "policy.pt")
        torch.save(policy.state_dict(), ckpt)
        out = os.path.join(self.tmp.name, "ck.onnx")
        export_act.main(["--checkpoint", ckpt, "--config", self._write_cfg(self.cfg), "--out", out,
                         "--with-is-pad"])
        model = onnx.load(out)
        self.assertEqual([o.name for o in model.graph.output], ["actions", "is_pad"])
        io = np.load(out[:-5] + ".io.npz")
        loaded, _ = load_policy(ckpt, self.cfg)
        with torch.no_grad():
            a = loaded(torch.from_numpy(io["qpos"]), torch.from_numpy(io["image"])).numpy()
        np.testing.assert_allclose(io["actions"], a, atol=1e-5)
        self.assertEqual(io["is_pad"].shape, (1, self.cfg.chunk_size, 1))


class BundledActTiny(unittest.TestCase):
    """models/act-tiny as committed: the ONNX, its .io.npz, stats.json and the evaluation episodes."""

    DIR = os.path.join(common.SOURCE_DIR, "models", "act-tiny")

    def setUp(self):
        if not os.path.exists(os.path.join(self.DIR, "act-tiny.onnx")):
            self.skipTest("models/act-tiny/act-tiny.onnx not present")

    def test_model_and_io(self):
        model = onnx.load(os.path.join(self.DIR, "act-tiny.onnx"))
        onnx.checker.check_model(model, full_check=True)
        cfg = ACTConfig.from_dict(json.loads({p.key: p.value for p in model.metadata_props}["actrt.config"]))
        io = np.load(os.path.join(self.DIR, "act-tiny.io.npz"))
        b = io["qpos"].shape[0]
        self.assertEqual(shape_of(model.graph.input[0]), [b, cfg.state_dim])
        self.assertEqual(shape_of(model.graph.input[1]), [b, cfg.num_cameras, 3, cfg.image_height, cfg.image_width])
        self.assertEqual(io["actions"].shape, (b, cfg.chunk_size, cfg.state_dim))
        self.assertEqual(io["image"].shape, (b, cfg.num_cameras, 3, cfg.image_height, cfg.image_width))
        self.assertTrue(cfg.decoder_quirk and cfg.dec_layers >= 2 and cfg.imagenet_norm)
        self.assertTrue(np.isfinite(io["actions"]).all())

    def test_stats_and_size(self):
        with open(os.path.join(self.DIR, "stats.json")) as f:
            stats = json.load(f)
        self.assertEqual(sorted(stats), ["action_mean", "action_std", "qpos_mean", "qpos_std"])
        self.assertTrue(all(s >= 0.01 for s in stats["qpos_std"] + stats["action_std"]))
        total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(self.DIR) for f in fs)
        self.assertLessEqual(total, 15 * 1000 * 1000)


if __name__ == "__main__":
    unittest.main()
