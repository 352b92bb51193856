"""Writes LeRobot-layout ACT checkpoint directories for the tests (no LeRobot needed).

The weights are the project's PyTorch ACT (seeded random) under LeRobot's parameter names, plus the
training-only VAE tensors a real checkpoint carries. The key names are generated here from LeRobot's module
structure (torchvision resnet18 inside IntermediateLayerGetter, ACTEncoder/ACTDecoder, the input projections),
independently of actrt_act/lerobot.py's mapping table, so that the tests check that table against it.
"""

from __future__ import annotations

import json
import os
from typing import Dict, List

import numpy as np
import torch

from actrt_act import ACTConfig, build_random_policy
from actrt_act.safetensors_io import write_safetensors

RESNET18_BLOCKS = [(1, 0), (1, 1), (2, 0), (2, 1), (3, 0), (3, 1), (4, 0), (4, 1)]
BN = ("weight", "bias", "running_mean", "running_var")
LINEAR = ("weight", "bias")
MHA = ("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias")


def lerobot_inference_keys(enc_layers: int, dec_layers: int) -> List[str]:
    """LeRobot's ACTPolicy state-dict keys that inference reads (robot state + cameras, post-norm)."""
    keys = ["model.backbone.conv1.weight"] + [f"model.backbone.bn1.{b}" for b in BN]
    for layer, block in RESNET18_BLOCKS:
        p = f"model.backbone.layer{layer}.{block}."
        keys += [p + "conv1.weight", p + "conv2.weight"] + [p + f"bn{i}.{b}" for i in (1, 2) for b in BN]
        if layer > 1 and block == 0:
            keys += [p + "downsample.0.weight"] + [p + f"downsample.1.{b}" for b in BN]
    for name in ("encoder_img_feat_input_proj", "encoder_robot_state_input_proj", "encoder_latent_input_proj",
                 "action_head"):
        keys += [f"model.{name}.{x}" for x in LINEAR]
    keys += ["model.encoder_1d_feature_pos_embed.weight", "model.decoder_pos_embed.weight"]
    for i in range(enc_layers):
        p = f"model.encoder.layers.{i}."
        keys += [p + "self_attn." + m for m in MHA]
        keys += [p + f"{n}.{x}" for n in ("linear1", "linear2", "norm1", "norm2") for x in LINEAR]
    for i in range(dec_layers):
        p = f"model.decoder.layers.{i}."
        keys += [p + a + "." + m for a in ("self_attn", "multihead_attn") for m in MHA]
        keys += [p + f"{n}.{x}" for n in ("linear1", "linear2", "norm1", "norm2", "norm3") for x in LINEAR]
    keys += ["model.decoder.norm.weight", "model.decoder.norm.bias"]
    return keys


def lerobot_training_tensors(cfg: ACTConfig, rng: np.random.Generator) -> Dict[str, np.ndarray]:
    """A few of the VAE encoder's tensors (training only): the exporter must drop them."""
    d = cfg.hidden_dim
    return {
        "model.vae_encoder.layers.0.linear1.weight": rng.standard_normal((cfg.dim_feedforward, d)).astype(np.float32),
        "model.vae_encoder_cls_embed.weight": rng.standard_normal((1, d)).astype(np.float32),
        "model.vae_encoder_robot_state_input_proj.weight": rng.standard_normal((d, cfg.state_dim)).astype(np.float32),
        "model.vae_encoder_action_input_proj.weight": rng.standard_normal((d, cfg.num_actions)).astype(np.float32),
        "model.vae_encoder_latent_output_proj.weight": rng.standard_normal((2 * cfg.latent_dim, d)).astype(np.float32),
        "model.vae_encoder_pos_enc": rng.standard_normal((1, cfg.chunk_size + 2, d)).astype(np.float32),
    }


def tiny_config(**kw) -> ACTConfig:
    base = dict(state_dim=5, action_dim=4, camera_names=["top", "wrist"], image_height=64, image_width=96,
                hidden_dim=32, dim_feedforward=48, nheads=4, enc_layers=2, dec_layers=1, chunk_size=7,
                backbone_width=0.125, decoder_quirk=False, imagenet_norm=False)
    base.update(kw)
    return ACTConfig(**base)


def random_stats(cfg: ACTConfig, seed: int) -> Dict[str, Dict[str, np.ndarray]]:
    """LeRobot-style dataset statistics; image stats [3, 1, 1] like compute_stats writes them."""
    rng = np.random.default_rng(seed)
    stats = {}
    for key, width, image in ([(f"observation.images.{c}", 3, True) for c in cfg.camera_names]
                              + [("observation.state", cfg.state_dim, False), ("action", cfg.num_actions, False)]):
        lo = rng.uniform(-2, 0, width).astype(np.float32)
        hi = lo + rng.uniform(0.5, 3, width).astype(np.float32)
        s = {"mean": rng.uniform(0.3, 0.6, width).astype(np.float32) if image else ((lo + hi) / 2).astype(np.float32),
             "std": rng.uniform(0.1, 0.4, width).astype(np.float32), "min": lo, "max": hi,
             "count": np.array([1000], dtype=np.int64)}
        if image:
            s = {k: (v.reshape(3, 1, 1) if k != "count" else v) for k, v in s.items()}
        stats[key] = s
    return stats


def lerobot_config_json(cfg: ACTConfig, modes: Dict[str, str], **over) -> dict:
    raw = {
        "type": "act", "n_obs_steps": 1,
        "normalization_mapping": modes,
        "input_features": {
            "observation.state": {"type": "STATE", "shape": [cfg.state_dim]},
            **{f"observation.images.{c}": {"type": "VISUAL", "shape": [3, cfg.image_height, cfg.image_width]}
               for c in cfg.camera_names},
        },
        "output_features": {"action": {"type": "ACTION", "shape": [cfg.num_actions]}},
        "device": "cpu", "use_amp": False, "push_to_hub": False,
        "chunk_size": cfg.chunk_size, "n_action_steps": cfg.chunk_size,
        "vision_backbone": "resnet18", "pretrained_backbone_weights": "ResNet18_Weights.IMAGENET1K_V1",
        "replace_final_stride_with_dilation": False, "pre_norm": False, "dim_model": cfg.hidden_dim,
        "n_heads": cfg.nheads, "dim_feedforward": cfg.dim_feedforward, "feedforward_activation": "relu",
        "n_encoder_layers": cfg.enc_layers, "n_decoder_layers": cfg.dec_layers, "use_vae": True,
        "latent_dim": cfg.latent_dim, "n_vae_encoder_layers": 4, "temporal_ensemble_coeff": None,
        "dropout": 0.1, "kl_weight": 10.0,
    }
    raw.update(over)
    return raw


def _flat(stats: Dict[str, Dict[str, np.ndarray]], keys) -> Dict[str, np.ndarray]:
    return {f"{k}.{s}": v for k in keys for s, v in stats[k].items()}


def write_checkpoint(directory: str, cfg: ACTConfig, seed: int, stats: Dict[str, Dict[str, np.ndarray]],
                     layout: str = "processor", modes: Dict[str, str] = None, config_over: dict = None):
    """Writes a LeRobot checkpoint of a seeded random actrt policy; returns the policy (actrt names).

    layout "processor": config.json + model.safetensors + policy_{pre,post}processor.json and their
    normalizer safetensors; "legacy": the statistics as normalize_inputs / normalize_targets /
    unnormalize_outputs buffers inside model.safetensors (each buffer holds its mode's statistics only)."""
    from actrt_act.lerobot import actrt_to_lerobot_key

    modes = modes or {"VISUAL": "MEAN_STD", "STATE": "MEAN_STD", "ACTION": "MEAN_STD"}
    os.makedirs(directory, exist_ok=True)
    policy = build_random_policy(cfg, seed)
    tensors = {}
    for k, v in policy.state_dict().items():
        lk = actrt_to_lerobot_key(k)
        if lk is not None:
            tensors[lk] = v.numpy().astype(np.float32)
    tensors.update(lerobot_training_tensors(cfg, np.random.default_rng(seed)))
    images = [f"observation.images.{c}" for c in cfg.camera_names]
    kinds = {**{k: "VISUAL" for k in images}, "observation.state": "STATE", "action": "ACTION"}
    if layout == "legacy":
        wanted = {"MEAN_STD": ("mean", "std"), "MIN_MAX": ("min", "max"), "IDENTITY": ()}
        for module, keys in (("normalize_inputs", images + ["observation.state"]), ("normalize_targets", ["action"]),
                             ("unnormalize_outputs", ["action"])):
            for k in keys:
                for s in wanted[modes[kinds[k]]]:
                    tensors[f"{module}.buffer_{k.replace('.', '_')}.{s}"] = stats[k][s]
    write_safetensors(os.path.join(directory, "model.safetensors"), tensors, {"format": "pt"})
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(lerobot_config_json(cfg, modes, **(config_over or {})), f, indent=4)
    if layout == "processor":
        features = {k: {"type": kinds[k], "shape": [3, cfg.image_height, cfg.image_width] if kinds[k] == "VISUAL"
                        else [cfg.state_dim if k == "observation.state" else cfg.num_actions]} for k in kinds}
        pre_state = "policy_preprocessor_step_3_normalizer_processor.safetensors"
        pre = {"name": "policy_preprocessor", "steps": [
            {"registry_name": "rename_observations_processor", "config": {"rename_map": {}}},
            {"registry_name": "to_batch_processor", "config": {}},
            {"registry_name": "device_processor", "config": {"device": "cpu", "float_dtype": None}},
            {"registry_name": "normalizer_processor", "config": {"eps": 1e-8, "features": features, "norm_map": modes},
             "state_file": pre_state}]}
        post_state = "policy_postprocessor_step_0_unnormalizer_processor.safetensors"
        post = {"name": "policy_postprocessor", "steps": [
            {"registry_name": "unnormalizer_processor",
             "config": {"eps": 1e-8, "features": {"action": features["action"]}, "norm_map": modes},
             "state_file": post_state},
            {"registry_name": "device_processor", "config": {"device": "cpu", "float_dtype": None}}]}
        for name, obj in (("policy_preprocessor.json", pre), ("policy_postprocessor.json", post)):
            with open(os.path.join(directory, name), "w") as f:
                json.dump(obj, f, indent=4)
        write_safetensors(os.path.join(directory, pre_state), _flat(stats, list(kinds)))
        write_safetensors(os.path.join(directory, post_state), _flat(stats, ["action"]))
    return policy


def lerobot_reference_actions(policy, cfg: ACTConfig, stats, qpos_n: np.ndarray, image: np.ndarray,
                              visual_mode: str = "MEAN_STD", eps: float = 1e-8, legacy: bool = False) -> np.ndarray:
    """Normalized actions LeRobot computes for normalized qpos and images in [0, 1]: each camera normalized with
    its own statistics by LeRobot's formula, then the network (the random policy, no in-graph normalization)."""
    assert not cfg.imagenet_norm
    x = torch.from_numpy(image).clone()
    for i, c in enumerate(cfg.camera_names):
        s = {k: torch.from_numpy(v) for k, v in stats[f"observation.images.{c}"].items() if k != "count"}
        if visual_mode == "MEAN_STD":
            x[:, i] = (x[:, i] - s["mean"]) / (s["std"] + eps)
        elif visual_mode == "MIN_MAX":
            d = s["max"] - s["min"]
            if legacy:
                x[:, i] = (x[:, i] - s["min"]) / (d + eps) * 2 - 1
            else:
                x[:, i] = 2 * (x[:, i] - s["min"]) / torch.where(d == 0, torch.tensor(eps), d) - 1
    with torch.no_grad():
        return policy(torch.from_numpy(qpos_n), x).numpy()


def lerobot_policy_golden(policy, cfg: ACTConfig, stats, seed: int, eps: float = 1e-8, visual_mode: str = "MEAN_STD",
                          state_mode: str = "MEAN_STD", legacy: bool = False) -> Dict[str, np.ndarray]:
    """Inputs and expected output of a policy engine (`actrt build --policy`) for one step, by LeRobot's rules:
    uint8 HWC frames -> float CHW / 255 -> the camera normalization; raw qpos -> (x - mean) / (std + eps)
    (MEAN_STD) or 2 (x - min) / d - 1 (MIN_MAX; d = max - min, + eps in legacy checkpoints); the network;
    actions -> a * std + mean (robot units; MEAN_STD). Keys: one per camera, qpos [state_dim], actions."""
    rng = np.random.default_rng(seed)
    frames = {c: rng.integers(0, 256, (cfg.image_height, cfg.image_width, 3), dtype=np.uint8)
              for c in cfg.camera_names}
    s, a = stats["observation.state"], stats["action"]
    qpos = (s["mean"] + s["std"] * rng.standard_normal(cfg.state_dim).astype(np.float32)).astype(np.float32)
    image = np.stack([frames[c].transpose(2, 0, 1).astype(np.float32) / 255 for c in cfg.camera_names])[None]
    if state_mode == "MEAN_STD":
        qpos_n = (qpos - s["mean"]) / (s["std"] + np.float32(eps))
    else:
        d = s["max"] - s["min"] + (np.float32(eps) if legacy else np.float32(0))
        qpos_n = 2 * (qpos - s["min"]) / d - 1
    qpos_n = qpos_n[None].astype(np.float32)
    actions_n = lerobot_reference_actions(policy, cfg, stats, qpos_n, image, visual_mode=visual_mode, eps=eps,
                                          legacy=legacy)[0]
    return {**frames, "qpos": qpos, "actions": (actions_n * a["std"] + a["mean"]).astype(np.float32)}
