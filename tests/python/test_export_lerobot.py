"""python/export_lerobot.py: LeRobot-layout checkpoint directories (generated here, lerobot_fixture.py) go through
export and `actrt build`; the engine's actions match LeRobot's computation in PyTorch (CPU). Also: the name
mapping in both directions, the safetensors reader/writer, the policy contract files, and the refusals."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import common
import numpy as np
import onnx
import torch

import export_lerobot
import lerobot_fixture as fx
from actrt_act import ACTConfig, ACTPolicy
from actrt_act.lerobot import (ACTRT_ONLY_PREFIXES, LeRobotError, actrt_to_lerobot_key, lerobot_to_actrt_key)
from actrt_act.safetensors_io import SafetensorsError, read_safetensors, write_safetensors


def export(ckpt, out, *extra):
    rc = export_lerobot.main([ckpt, "-o", out, *extra])
    if rc != 0:
        raise AssertionError(f"export_lerobot.py {ckpt} failed (rc {rc})")
    return out


def actrt_engine_matches(test, model, io_path, atol="1e-5"):
    """Builds a CPU FP32 engine and checks its actions against the arrays in io_path (actrt run's golden check)."""
    binary = common.actrt_bin()
    if binary is None:
        test.skipTest("no actrt binary (build the actrt_cli target)")
    engine = model[:-5] + ".engine"
    r = subprocess.run([binary, "build", model, "--save-engine", engine, "-q"], capture_output=True, text=True)
    test.assertEqual(r.returncode, 0, r.stdout + r.stderr)
    r = subprocess.run([binary, "run", engine, "--load-inputs", io_path, "--atol", atol, "--rtol", "1e-4"],
                       capture_output=True, text=True)
    test.assertEqual(r.returncode, 0, r.stdout + r.stderr)
    test.assertIn("PASSED", r.stdout + r.stderr)


def policy_engine_matches(test, model, golden_arrays):
    """`actrt build --policy` on the exported files; its robot-unit actions for the golden frames / qpos must match."""
    binary = common.actrt_bin()
    if binary is None:
        test.skipTest("no actrt binary (build the actrt_cli target)")
    if "--policy" not in subprocess.run([binary, "build", "--help"], capture_output=True, text=True).stdout:
        test.skipTest("this actrt has no build --policy (the policy runtime)")
    golden = model[:-5] + ".policy_golden.npz"
    np.savez(golden, **golden_arrays)
    engine = model[:-5] + ".policy.engine"
    r = subprocess.run([binary, "build", model, "--policy", "--save-engine", engine, "-q"], capture_output=True,
                       text=True)
    test.assertEqual(r.returncode, 0, r.stdout + r.stderr)
    r = subprocess.run([binary, "run", engine, "--load-inputs", golden, "--atol", "1e-5", "--rtol", "1e-4"],
                       capture_output=True, text=True)
    test.assertEqual(r.returncode, 0, r.stdout + r.stderr)
    test.assertIn("PASSED", r.stdout + r.stderr)


class NameMapping(unittest.TestCase):
    def test_every_lerobot_inference_key_maps_and_every_model_parameter_is_covered(self):
        for enc, dec in ((4, 1), (2, 3)):
            cfg = fx.tiny_config(enc_layers=enc, dec_layers=dec)
            lerobot_keys = fx.lerobot_inference_keys(enc, dec)
            mapped = {}
            for k in lerobot_keys:
                ours = lerobot_to_actrt_key(k)
                self.assertIsNotNone(ours, k)
                self.assertEqual(actrt_to_lerobot_key(ours), k)  # and back
                mapped[ours] = k
            self.assertEqual(len(mapped), len(lerobot_keys))  # one-to-one
            model_keys = set(ACTPolicy(cfg).state_dict())
            covered = {k for k in model_keys if not k.startswith(ACTRT_ONLY_PREFIXES)}
            self.assertEqual(set(mapped), covered)
            self.assertEqual(model_keys - covered, {"model.is_pad_head.weight", "model.is_pad_head.bias"})

    def test_training_and_statistics_keys_are_dropped_unknown_keys_refused(self):
        for k in ("model.vae_encoder.layers.0.linear1.weight", "model.vae_encoder_cls_embed.weight",
                  "model.vae_encoder_pos_enc", "normalize_inputs.buffer_observation_state.mean",
                  "unnormalize_outputs.buffer_action.std"):
            self.assertIsNone(lerobot_to_actrt_key(k), k)
        for k in ("model.encoder.norm.weight", "model.encoder_env_state_input_proj.weight", "model.backbone_x"):
            with self.assertRaises(LeRobotError):
                lerobot_to_actrt_key(k)
        self.assertIsNone(actrt_to_lerobot_key("model.is_pad_head.weight"))


class Safetensors(unittest.TestCase):
    def test_round_trip_and_layout(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "t.safetensors")
            rng = np.random.default_rng(0)
            tensors = {"b": rng.standard_normal((2, 3)).astype(np.float32), "a": np.arange(5, dtype=np.int64),
                       "h": rng.standard_normal(4).astype(np.float16), "s": np.array(2.5, dtype=np.float32)}
            write_safetensors(path, tensors, {"format": "pt"})
            with open(path, "rb") as f:
                blob = f.read()
            n = int.from_bytes(blob[:8], "little")
            header = json.loads(blob[8:8 + n])
            self.assertEqual(n % 8, 0)
            self.assertEqual(header["__metadata__"], {"format": "pt"})
            self.assertEqual(header["b"], {"dtype": "F32", "shape": [2, 3], "data_offsets": [40, 64]})
            back, meta = read_safetensors(path)
            self.assertEqual(meta, {"format": "pt"})
            self.assertEqual(sorted(back), sorted(tensors))
            for k, v in tensors.items():
                self.assertEqual(back[k].dtype, v.dtype, k)
                np.testing.assert_array_equal(back[k], v, err_msg=k)

    def test_bf16_widens_and_bad_files_are_refused(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "bf.safetensors")
            values = np.array([1.0, -2.5, 0.15625], dtype=np.float32)  # exact in bfloat16
            raw = (values.view(np.uint32) >> 16).astype("<u2").tobytes()
            header = json.dumps({"x": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 6]}}).encode()
            with open(path, "wb") as f:
                f.write(len(header).to_bytes(8, "little") + header + raw)
            back, _ = read_safetensors(path)
            np.testing.assert_array_equal(back["x"], values)
            bad = os.path.join(d, "bad.safetensors")
            header = json.dumps({"x": {"dtype": "F32", "shape": [4], "data_offsets": [0, 8]}}).encode()
            with open(bad, "wb") as f:
                f.write(len(header).to_bytes(8, "little") + header + b"\0" * 8)
            with self.assertRaisesRegex(SafetensorsError, "tensor 'x'.*do not hold 4 x 4 bytes"):
                read_safetensors(bad)
            with open(bad, "wb") as f:
                f.write((10 ** 6).to_bytes(8, "little") + b"{}")
            with self.assertRaisesRegex(SafetensorsError, "header length"):
                read_safetensors(bad)


class ProcessorCheckpoint(unittest.TestCase):
    """Current LeRobot layout: statistics in the processor files; MEAN_STD everywhere (LeRobot's ACT default)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.cfg = fx.tiny_config()
        cls.stats = fx.random_stats(cls.cfg, 1)
        cls.ckpt = os.path.join(cls.tmp.name, "pretrained_model")
        cls.policy = fx.write_checkpoint(cls.ckpt, cls.cfg, 3, cls.stats)
        cls.out = export(cls.ckpt, os.path.join(cls.tmp.name, "out", "act_lr.onnx"))
        cls.io = np.load(cls.out[:-5] + ".io.npz")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_onnx_signature(self):
        model = onnx.load(self.out)
        onnx.checker.check_model(model)
        c = self.cfg
        dims = lambda v: [d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa: E731
        self.assertEqual([(i.name, dims(i)) for i in model.graph.input],
                         [("qpos", [1, c.state_dim]), ("image", [1, 2, 3, c.image_height, c.image_width])])
        self.assertEqual([(o.name, dims(o)) for o in model.graph.output], [("actions", [1, c.chunk_size, 4])])
        names = {i.name for i in model.graph.initializer}
        self.assertFalse(any("is_pad" in n or "vae" in n for n in names))

    def test_actions_match_lerobot_computation(self):
        ref = fx.lerobot_reference_actions(self.policy, self.cfg, self.stats, self.io["qpos"], self.io["image"])
        np.testing.assert_allclose(self.io["actions"], ref, rtol=0, atol=2e-6)
        self.assertGreater(float(np.abs(ref).max()), 1e-2)
        # Without the camera statistics the actions differ: the in-graph normalization matters.
        plain = fx.lerobot_reference_actions(self.policy, self.cfg, self.stats, self.io["qpos"], self.io["image"],
                                             visual_mode="IDENTITY")
        self.assertGreater(float(np.abs(plain - ref).max()), 1e-3)

    def test_engine_matches_pytorch(self):
        actrt_engine_matches(self, self.out, self.out[:-5] + ".io.npz")

    def test_policy_contract_files(self):
        with open(self.out[:-5] + ".config.json") as f:
            config = json.load(f)
        c = self.cfg
        self.assertEqual(config["camera_names"], ["top", "wrist"])
        for key, want in (("image_height", c.image_height), ("image_width", c.image_width), ("state_dim", 5),
                          ("action_dim", 4), ("chunk_size", c.chunk_size), ("dec_layers", 1),
                          ("decoder_quirk", False), ("imagenet_norm", True)):
            self.assertEqual(config[key], want, key)
        self.assertEqual(config["policy"], {"source": "lerobot", "n_action_steps": c.chunk_size,
                                            "temporal_ensemble_coeff": None, "state_normalization": "mean_std",
                                            "action_normalization": "mean_std", "norm_eps": 1e-8})
        self.assertEqual(ACTConfig.from_dict(config).num_actions, 4)  # torch_runner reads the same file
        for i, cam in enumerate(c.camera_names):
            s = self.stats[f"observation.images.{cam}"]
            np.testing.assert_array_equal(np.float32(config["image_mean"][i]), s["mean"].reshape(3))
            np.testing.assert_array_equal(np.float32(config["image_std"][i]), s["std"].reshape(3) + np.float32(1e-8))
        with open(os.path.join(os.path.dirname(self.out), "stats.json")) as f:
            stats = json.load(f)
        self.assertEqual(sorted(stats), ["action_max", "action_mean", "action_min", "action_std",
                                         "qpos_max", "qpos_mean", "qpos_min", "qpos_std"])
        for ours, theirs in (("qpos", "observation.state"), ("action", "action")):
            for stat in ("mean", "std", "min", "max"):
                np.testing.assert_array_equal(np.float32(stats[f"{ours}_{stat}"]), self.stats[theirs][stat])

    def test_policy_engine_follows_lerobot_normalization(self):
        # `actrt build --policy` (the policy runtime) on the exported files: uint8 frames and raw qpos in,
        # robot-unit actions out, as LeRobot's preprocessor, model and postprocessor compute them.
        policy_engine_matches(self, self.out, fx.lerobot_policy_golden(self.policy, self.cfg, self.stats, seed=5))

    def test_lerobot_token_layout_exports_the_same_actions(self):
        out = export(self.ckpt, os.path.join(self.tmp.name, "layout", "act_lr_tokens.onnx"),
                     "--token-layout", "lerobot")
        ops = [n.op_type for n in onnx.load(out).graph.node]
        self.assertGreaterEqual(ops.count("Squeeze"), 2 * 6)  # one per image token (2 cameras x 2x3)
        io = np.load(out[:-5] + ".io.npz")
        np.testing.assert_allclose(io["actions"], self.io["actions"], rtol=0, atol=1e-5)
        actrt_engine_matches(self, out, out[:-5] + ".io.npz")
        # The optimizer collapses the per-token pattern: the same op counts as the original layout's graph.
        after = {}
        for path in (out, self.out):
            r = subprocess.run([common.actrt_bin(), "inspect", path, "--format", "json"], capture_output=True,
                               text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            after[path] = json.loads(r.stdout)["ops_after"]
        for op in ("Split", "Squeeze"):
            self.assertEqual(after[out].get(op, 0), 0, op)
        self.assertEqual(after[out].get("Unsqueeze", 0), after[self.out].get("Unsqueeze", 0))
        self.assertEqual(sum(after[out].values()), sum(after[self.out].values()))


class LegacyAndOtherModes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        # Legacy buffers, MIN_MAX cameras and state, 2 decoder layers (LeRobot uses the last one).
        cls.legacy_cfg = fx.tiny_config(dec_layers=2, state_dim=4, action_dim=4)
        cls.legacy_stats = fx.random_stats(cls.legacy_cfg, 5)
        modes = {"VISUAL": "MIN_MAX", "STATE": "MIN_MAX", "ACTION": "MEAN_STD"}
        ckpt = os.path.join(cls.tmp.name, "legacy")
        cls.legacy_policy = fx.write_checkpoint(ckpt, cls.legacy_cfg, 11, cls.legacy_stats, layout="legacy",
                                                modes=modes)
        cls.legacy_out = export(ckpt, os.path.join(cls.tmp.name, "legacy_out", "m.onnx"))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_legacy_policy_engine_min_max(self):
        policy_engine_matches(self, self.legacy_out, fx.lerobot_policy_golden(
            self.legacy_policy, self.legacy_cfg, self.legacy_stats, seed=8, visual_mode="MIN_MAX",
            state_mode="MIN_MAX", legacy=True))

    def test_legacy_buffers_min_max(self):
        cfg, stats, policy, out = self.legacy_cfg, self.legacy_stats, self.legacy_policy, self.legacy_out
        io = np.load(out[:-5] + ".io.npz")
        ref = fx.lerobot_reference_actions(policy, cfg, stats, io["qpos"], io["image"], visual_mode="MIN_MAX",
                                           legacy=True)
        np.testing.assert_allclose(io["actions"], ref, rtol=0, atol=2e-6)
        with open(out[:-5] + ".config.json") as f:
            contract = json.load(f)["policy"]
        self.assertEqual((contract["state_normalization"], contract["action_normalization"]), ("min_max", "mean_std"))
        with open(os.path.join(os.path.dirname(out), "stats.json")) as f:
            s = json.load(f)
        np.testing.assert_array_equal(np.float32(s["qpos_min"]), stats["observation.state"]["min"])
        np.testing.assert_array_equal(np.float32(s["action_std"]), stats["action"]["std"])
        self.assertNotIn("action_min", s)  # legacy MEAN_STD buffers hold mean/std only
        actrt_engine_matches(self, out, out[:-5] + ".io.npz")

    def test_oldest_config_format_input_shapes(self):
        # LeRobot before input_features: no "type", input_shapes / output_shapes, per-key lowercase modes.
        cfg = fx.tiny_config()
        stats = fx.random_stats(cfg, 6)
        ckpt = os.path.join(self.tmp.name, "oldest")
        policy = fx.write_checkpoint(ckpt, cfg, 12, stats, layout="legacy")
        path = os.path.join(ckpt, "config.json")
        with open(path) as f:
            raw = json.load(f)
        for key in ("type", "input_features", "output_features", "normalization_mapping"):
            raw.pop(key)
        images = [f"observation.images.{c}" for c in cfg.camera_names]
        raw["input_shapes"] = {**{k: [3, cfg.image_height, cfg.image_width] for k in images},
                               "observation.state": [cfg.state_dim]}
        raw["output_shapes"] = {"action": [cfg.num_actions]}
        raw["input_normalization_modes"] = {**{k: "mean_std" for k in images}, "observation.state": "mean_std"}
        raw["output_normalization_modes"] = {"action": "mean_std"}
        with open(path, "w") as f:
            json.dump(raw, f)
        out = export(ckpt, os.path.join(self.tmp.name, "oldest_out", "m.onnx"))
        io = np.load(out[:-5] + ".io.npz")
        ref = fx.lerobot_reference_actions(policy, cfg, stats, io["qpos"], io["image"])
        np.testing.assert_allclose(io["actions"], ref, rtol=0, atol=2e-6)

    def test_identity_images_and_temporal_ensembling(self):
        cfg = fx.tiny_config()
        stats = fx.random_stats(cfg, 2)
        modes = {"VISUAL": "IDENTITY", "STATE": "MEAN_STD", "ACTION": "MEAN_STD"}
        ckpt = os.path.join(self.tmp.name, "identity")
        policy = fx.write_checkpoint(ckpt, cfg, 4, stats, modes=modes,
                                     config_over={"temporal_ensemble_coeff": 0.01, "n_action_steps": 1})
        out = export(ckpt, os.path.join(self.tmp.name, "identity_out", "m.onnx"))
        io = np.load(out[:-5] + ".io.npz")
        ref = fx.lerobot_reference_actions(policy, cfg, stats, io["qpos"], io["image"], visual_mode="IDENTITY")
        np.testing.assert_allclose(io["actions"], ref, rtol=0, atol=2e-6)
        with open(out[:-5] + ".config.json") as f:
            config = json.load(f)
        self.assertFalse(config["imagenet_norm"])
        self.assertEqual((config["policy"]["n_action_steps"], config["policy"]["temporal_ensemble_coeff"]), (1, 0.01))
        self.assertFalse(any(n.op_type in ("Sub", "Div") and "image" in list(n.input)
                             for n in onnx.load(out).graph.node))


class Refusals(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.cfg = fx.tiny_config()
        cls.stats = fx.random_stats(cls.cfg, 1)
        cls.good = os.path.join(cls.tmp.name, "good")
        fx.write_checkpoint(cls.good, cls.cfg, 3, cls.stats)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def variant(self, name, edit_config=None, remove=()):
        d = os.path.join(self.tmp.name, name)
        shutil.copytree(self.good, d)
        if edit_config:
            path = os.path.join(d, "config.json")
            with open(path) as f:
                raw = json.load(f)
            edit_config(raw)
            with open(path, "w") as f:
                json.dump(raw, f)
        for r in remove:
            os.remove(os.path.join(d, r))
        return d

    def refused(self, d, pattern):
        with self.assertRaisesRegex(LeRobotError, pattern):
            export_lerobot.build_policy(d)
        out = os.path.join(self.tmp.name, os.path.basename(d) + ".onnx")
        self.assertEqual(export_lerobot.main([d, "-o", out]), 1)
        self.assertFalse(os.path.exists(out))

    def test_other_policy_type(self):
        self.refused(self.variant("diffusion", lambda c: c.update(type="diffusion")), "type 'diffusion' is not 'act'")

    def test_pre_norm_backbone_dilation_activation(self):
        self.refused(self.variant("prenorm", lambda c: c.update(pre_norm=True)), "pre_norm")
        self.refused(self.variant("resnet34", lambda c: c.update(vision_backbone="resnet34")), "ResNet18")
        self.refused(self.variant("dilation", lambda c: c.update(replace_final_stride_with_dilation=True)),
                     "dilation")
        self.refused(self.variant("gelu", lambda c: c.update(feedforward_activation="gelu")), "ReLU")

    def test_mismatched_camera_shapes(self):
        def edit(c):
            c["input_features"]["observation.images.wrist"]["shape"] = [3, 32, 48]
        self.refused(self.variant("shapes", edit), "cameras have different shapes")

    def test_environment_state_and_missing_state(self):
        def env(c):
            c["input_features"]["observation.environment_state"] = {"type": "ENV", "shape": [8]}
        self.refused(self.variant("env", env), "observation.environment_state")
        self.refused(self.variant("nostate", lambda c: c["input_features"].pop("observation.state")),
                     "no 'observation.state'")

    def test_missing_or_unset_statistics(self):
        self.refused(self.variant("nostats", remove=("policy_preprocessor.json", "policy_postprocessor.json")),
                     "no mean/std statistics for 'observation.images.top'")
        d = self.variant("infstats")
        path = os.path.join(d, "policy_preprocessor_step_3_normalizer_processor.safetensors")
        t, _ = read_safetensors(path)
        t["observation.state.std"] = np.full_like(t["observation.state.std"], np.inf)
        write_safetensors(path, t)
        self.refused(d, "'observation.state' std holds inf")

    def test_quantile_normalization_and_weights_disagreeing_with_config(self):
        # The processor's norm_map is what LeRobot runs (config.json's normalization_mapping only seeds it).
        def pre(path):
            with open(path) as f:
                p = json.load(f)
            p["steps"][3]["config"]["norm_map"]["STATE"] = "QUANTILES"
            with open(path, "w") as f:
                json.dump(p, f)
        d = self.variant("quantiles_processor")
        pre(os.path.join(d, "policy_preprocessor.json"))
        self.refused(d, "QUANTILES")
        self.refused(self.variant("heads", lambda c: c.update(dim_model=64)), "weights disagree with config.json")
        self.refused(self.variant("layers", lambda c: c.update(n_encoder_layers=3)), "layers under 'model.encoder")

    def test_use_vae_false_exports_the_same_model(self):
        d = self.variant("novae", lambda c: c.update(use_vae=False))
        p1, _, _ = export_lerobot.build_policy(self.good)
        p2, _, _ = export_lerobot.build_policy(d)
        q = torch.randn(1, self.cfg.state_dim)
        im = torch.rand(1, 2, 3, self.cfg.image_height, self.cfg.image_width)
        with torch.no_grad():
            np.testing.assert_array_equal(p1(q, im).numpy(), p2(q, im).numpy())


if __name__ == "__main__":
    unittest.main()
