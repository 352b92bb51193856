"""ACT model: state-dict key names and shapes (shared/ACT.md), checkpoint loading, decoder quirk,
position embedding."""

import dataclasses
import math
import os
import tempfile
import unittest

import common  # noqa: F401
import numpy as np
import torch

from actrt_act import (ACTConfig, ACTPolicy, build_random_policy, config_from_state_dict, count_parameters,
                       load_policy, preset, strip_training_keys)


def expected_inference_keys(state_dim=6, hidden=512, ff=3200, enc=4, dec=7, chunk=100, latent=32):
    """Key -> shape of the inference part of ACTPolicy.state_dict(), written from shared/ACT.md
    ('Checkpoints') and the ResNet18 layout: 288 float32 tensors for the standard configuration."""
    keys = {}
    body = "model.backbones.0.0.body."

    def bn(prefix, c):
        for s in ("weight", "bias", "running_mean", "running_var"):
            keys[f"{prefix}.{s}"] = (c,)

    keys[body + "conv1.weight"] = (64, 3, 7, 7)
    bn(body + "bn1", 64)
    cin = 64
    for layer, c in zip((1, 2, 3, 4), (64, 128, 256, 512)):
        for block in (0, 1):
            p = f"{body}layer{layer}.{block}."
            keys[p + "conv1.weight"] = (c, cin if block == 0 else c, 3, 3)
            bn(p + "bn1", c)
            keys[p + "conv2.weight"] = (c, c, 3, 3)
            bn(p + "bn2", c)
            if block == 0 and layer > 1:
                keys[p + "downsample.0.weight"] = (c, cin, 1, 1)
                bn(p + "downsample.1", c)
        cin = c
    keys["model.input_proj.weight"] = (hidden, 512, 1, 1)
    keys["model.input_proj.bias"] = (hidden,)
    keys["model.input_proj_robot_state.weight"] = (hidden, state_dim)
    keys["model.input_proj_robot_state.bias"] = (hidden,)
    keys["model.latent_out_proj.weight"] = (hidden, latent)
    keys["model.latent_out_proj.bias"] = (hidden,)
    keys["model.additional_pos_embed.weight"] = (2, hidden)
    keys["model.query_embed.weight"] = (chunk, hidden)

    def attn(p):
        keys[p + ".in_proj_weight"] = (3 * hidden, hidden)
        keys[p + ".in_proj_bias"] = (3 * hidden,)
        keys[p + ".out_proj.weight"] = (hidden, hidden)
        keys[p + ".out_proj.bias"] = (hidden,)

    def ffn_norms(p, n):
        keys[p + "linear1.weight"] = (ff, hidden)
        keys[p + "linear1.bias"] = (ff,)
        keys[p + "linear2.weight"] = (hidden, ff)
        keys[p + "linear2.bias"] = (hidden,)
        for i in range(1, n + 1):
            keys[p + f"norm{i}.weight"] = (hidden,)
            keys[p + f"norm{i}.bias"] = (hidden,)

    for L in range(enc):
        p = f"model.transformer.encoder.layers.{L}."
        attn(p + "self_attn")
        ffn_norms(p, 2)
    for D in range(dec):
        p = f"model.transformer.decoder.layers.{D}."
        attn(p + "self_attn")
        attn(p + "multihead_attn")
        ffn_norms(p, 3)
    keys["model.transformer.decoder.norm.weight"] = (hidden,)
    keys["model.transformer.decoder.norm.bias"] = (hidden,)
    keys["model.action_head.weight"] = (state_dim, hidden)
    keys["model.action_head.bias"] = (state_dim,)
    keys["model.is_pad_head.weight"] = (1, hidden)
    keys["model.is_pad_head.bias"] = (1,)
    return keys


def training_only_keys(state_dim=6, hidden=512, ff=3200, enc=4, chunk=100, latent=32):
    """The CVAE keys of an original checkpoint (56 tensors for the standard configuration)."""
    keys = {}
    for L in range(enc):
        p = f"model.encoder.layers.{L}."
        keys[p + "self_attn.in_proj_weight"] = (3 * hidden, hidden)
        keys[p + "self_attn.in_proj_bias"] = (3 * hidden,)
        keys[p + "self_attn.out_proj.weight"] = (hidden, hidden)
        keys[p + "self_attn.out_proj.bias"] = (hidden,)
        keys[p + "linear1.weight"] = (ff, hidden)
        keys[p + "linear1.bias"] = (ff,)
        keys[p + "linear2.weight"] = (hidden, ff)
        keys[p + "linear2.bias"] = (hidden,)
        for i in (1, 2):
            keys[p + f"norm{i}.weight"] = (hidden,)
            keys[p + f"norm{i}.bias"] = (hidden,)
    keys["model.cls_embed.weight"] = (1, hidden)
    keys["model.encoder_action_proj.weight"] = (hidden, state_dim)
    keys["model.encoder_action_proj.bias"] = (hidden,)
    keys["model.encoder_joint_proj.weight"] = (hidden, state_dim)
    keys["model.encoder_joint_proj.bias"] = (hidden,)
    keys["model.latent_proj.weight"] = (2 * latent, hidden)
    keys["model.latent_proj.bias"] = (2 * latent,)
    keys["model.pos_table"] = (1, 2 + chunk, hidden)
    return keys


def tiny_config(**kw):
    base = dict(state_dim=5, camera_names=["a", "b"], image_height=64, image_width=96, hidden_dim=32,
                dim_feedforward=48, nheads=4, enc_layers=2, dec_layers=3, chunk_size=7,
                backbone_width=0.125)
    base.update(kw)
    return ACTConfig(**base)


class StandardConfigKeys(unittest.TestCase):
    """Checks the 288 inference tensors of the standard configuration (act-base) name by name and shape
    by shape, and that a 344-tensor original checkpoint (288 + the 56 CVAE tensors) loads strictly."""

    @classmethod
    def setUpClass(cls):
        cls.cfg = preset("act-base")
        cls.policy = ACTPolicy(cls.cfg)
        cls.sd = cls.policy.state_dict()

    def test_names_and_shapes(self):
        want = expected_inference_keys()
        self.assertEqual(len(want), 288)
        got = {k: tuple(v.shape) for k, v in self.sd.items()}
        self.assertEqual(sorted(set(want) - set(got)), [], "missing keys")
        self.assertEqual(sorted(set(got) - set(want)), [], "unexpected keys")
        for k, shape in want.items():
            self.assertEqual(got[k], shape, k)
        self.assertTrue(all(v.dtype == torch.float32 for v in self.sd.values()))
        self.assertEqual(len(want) + len(training_only_keys()), 344)

    def test_parameter_counts_match_act_md(self):
        # shared/ACT.md: 34.2 M at inference, 66.5 M with the six dead decoder layers.
        self.assertAlmostEqual(count_parameters(self.policy) / 1e6, 34.2, delta=0.05)
        self.assertAlmostEqual(count_parameters(self.policy, inference_only=False) / 1e6, 66.5, delta=0.1)

    def test_original_checkpoint_loads_strictly(self):
        g = torch.Generator().manual_seed(3)
        full = {k: torch.randn(*s, generator=g) for k, s in expected_inference_keys().items()}
        full.update({k: torch.randn(*s, generator=g) for k, s in training_only_keys().items()})
        self.assertEqual(len(full), 344)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "policy_best.ckpt")
            torch.save(full, path)
            policy, dropped = load_policy(path, ACTConfig())
        self.assertEqual(len(dropped), 56)
        self.assertEqual(policy.cfg.to_dict(), preset("act-base").to_dict())
        for k, v in policy.state_dict().items():
            self.assertTrue(torch.equal(v, full[k]), k)

    def test_strict_loading_rejects_wrong_keys(self):
        sd = dict(self.sd)
        sd["model.transformer.decoder.layers.0.norm4.weight"] = torch.zeros(512)
        with self.assertRaises(RuntimeError):
            ACTPolicy(self.cfg).load_state_dict(sd, strict=True)
        kept, dropped = strip_training_keys({"model.encoder.layers.0.linear1.weight": 1,
                                             "model.transformer.encoder.layers.0.linear1.weight": 2,
                                             "model.pos_table": 3})
        self.assertEqual(list(kept), ["model.transformer.encoder.layers.0.linear1.weight"])
        self.assertEqual(len(dropped), 2)


class Behaviour(unittest.TestCase):
    def inputs(self, cfg, batch=2, seed=0):
        g = torch.Generator().manual_seed(seed)
        return (torch.randn(batch, cfg.state_dim, generator=g),
                torch.rand(batch, cfg.num_cameras, 3, cfg.image_height, cfg.image_width, generator=g))

    def test_output_shape(self):
        cfg = tiny_config()
        p = build_random_policy(cfg, 0)
        q, im = self.inputs(cfg)
        with torch.no_grad():
            a = p(q, im)
        self.assertEqual(tuple(a.shape), (2, cfg.chunk_size, cfg.state_dim))
        self.assertTrue(torch.isfinite(a).all())

    def test_decoder_quirk_equals_one_layer_decoder(self):
        cfg = tiny_config(dec_layers=3, decoder_quirk=True)
        p = build_random_policy(cfg, 1)
        one = ACTPolicy(dataclasses.replace(cfg, dec_layers=1))
        sd = {k: v for k, v in p.state_dict().items()
              if not k.startswith(("model.transformer.decoder.layers.1.", "model.transformer.decoder.layers.2."))}
        one.load_state_dict(sd, strict=True)
        one.eval()
        q, im = self.inputs(cfg)
        with torch.no_grad():
            a, b = p(q, im), one(q, im)
        self.assertTrue(torch.equal(a, b), f"max diff {(a - b).abs().max()}")
        # Quirk off uses the last layer: a different function of the same weights.
        off = ACTPolicy(dataclasses.replace(cfg, decoder_quirk=False))
        off.load_state_dict(p.state_dict())
        off.eval()
        with torch.no_grad():
            self.assertGreater(float((off(q, im) - a).abs().max()), 1e-3)

    def test_dead_decoder_layers_do_not_matter(self):
        cfg = tiny_config(dec_layers=3)
        p = build_random_policy(cfg, 2)
        q, im = self.inputs(cfg)
        with torch.no_grad():
            a = p(q, im)
            for prm in p.model.transformer.decoder.layers[1:].parameters():
                prm.mul_(-3.0)
            self.assertTrue(torch.equal(a, p(q, im)))

    def test_latent_token_is_latent_out_proj_bias(self):
        cfg = tiny_config()
        p = build_random_policy(cfg, 3)
        q, im = self.inputs(cfg)
        with torch.no_grad():
            a = p(q, im)
            p.model.latent_out_proj.weight.add_(5.0)  # z = 0: the weight is never used
            self.assertTrue(torch.equal(a, p(q, im)))
            p.model.latent_out_proj.bias.add_(1.0)
            self.assertFalse(torch.equal(a, p(q, im)))

    def test_imagenet_normalization(self):
        cfg = tiny_config()
        p = build_random_policy(cfg, 4)
        raw = ACTPolicy(dataclasses.replace(cfg, imagenet_norm=False))
        raw.load_state_dict(p.state_dict())
        raw.eval()
        q, im = self.inputs(cfg)
        mean = torch.tensor([0.485, 0.456, 0.406]).reshape(3, 1, 1)
        std = torch.tensor([0.229, 0.224, 0.225]).reshape(3, 1, 1)
        with torch.no_grad():
            self.assertTrue(torch.allclose(p(q, im), raw(q, (im - mean) / std), atol=1e-6))

    def test_camera_order_does_not_matter(self):
        """One shared trunk and a per-camera position embedding (x restarts at each camera): swapping
        cameras permutes image tokens together with their positions, so the output is unchanged up to
        rounding. Changing one camera's content does change it."""
        cfg = tiny_config()
        p = build_random_policy(cfg, 5)
        q, im = self.inputs(cfg)
        with torch.no_grad():
            a = p(q, im)
            b = p(q, im.flip(1))
            im2 = im.clone()
            im2[:, 1] = im2[:, 1].flip(-1)
            c = p(q, im2)
        self.assertEqual(len(p.model.backbones), 1)
        self.assertLess(float((a - b).abs().max()), 1e-5)
        self.assertGreater(float((a - c).abs().max()), 1e-4)

    def test_frozen_bn_train_and_eval_paths_agree(self):
        cfg = tiny_config()
        p = build_random_policy(cfg, 6)
        q, im = self.inputs(cfg)
        with torch.no_grad():
            a = p(q, im)
            p.train()
            p.model.transformer.eval()  # no dropout; the backbone takes the fused training path
            b = p(q, im)
        self.assertTrue(torch.allclose(a, b, atol=1e-5))

    def test_sine_position_embedding_matches_act_md(self):
        """ACT.md item 6, written out independently with NumPy."""
        cfg = tiny_config()
        p = ACTPolicy(cfg)
        h, w, F = 3, 5, cfg.hidden_dim // 2
        pos = p.model.backbones[0][1](torch.zeros(1, 8, h, w)).numpy()[0]  # [2F, h, w]
        want = np.zeros((2 * F, h, w))
        for i in range(h):
            for j in range(w):
                y = (i + 1) / (h + 1e-6) * 2 * math.pi
                x = (j + 1) / (w + 1e-6) * 2 * math.pi
                for f in range(F):
                    dim_t = 10000 ** (2 * (f // 2) / F)
                    fn = math.sin if f % 2 == 0 else math.cos
                    want[f, i, j] = fn(y / dim_t)
                    want[F + f, i, j] = fn(x / dim_t)
        np.testing.assert_allclose(pos, want, atol=2e-5)

    def test_feature_size(self):
        self.assertEqual(preset("act-base").feature_hw(), (15, 20))
        self.assertEqual(preset("act-tiny").feature_hw(), (3, 4))
        cfg = tiny_config(image_height=50, image_width=70)
        p = build_random_policy(cfg, 0)
        feat = p.model.backbones[0][0](torch.zeros(1, 3, 50, 70))
        self.assertEqual(tuple(feat.shape[2:]), cfg.feature_hw())

    def test_config_from_state_dict(self):
        cfg = tiny_config(dec_layers=2, backbone_width=0.25)
        sd = ACTPolicy(cfg).state_dict()
        got = config_from_state_dict(sd, tiny_config(state_dim=1, hidden_dim=8, chunk_size=1, enc_layers=9))
        self.assertEqual(got.to_dict(), cfg.to_dict())


if __name__ == "__main__":
    unittest.main()
