"""Loading ACT checkpoints (policy_best.ckpt = torch.save(ACTPolicy.state_dict())) and our own."""

from __future__ import annotations

import dataclasses
import re
from typing import Dict, Mapping, Optional, Tuple

import torch

from .config import ACTConfig
from .model import ACTPolicy

# Keys of the CVAE encoder, used only in training (shared/ACT.md, 'Checkpoints').
TRAINING_ONLY_PREFIXES = (
    "model.encoder.", "model.cls_embed.", "model.encoder_action_proj.", "model.encoder_joint_proj.",
    "model.latent_proj.", "model.pos_table",
)


def load_state_dict_file(path: str) -> Dict[str, torch.Tensor]:
    """Reads a state dict saved with torch.save; accepts a bare state dict or {'state_dict': ...}."""
    obj = torch.load(path, map_location="cpu")
    if isinstance(obj, Mapping) and "state_dict" in obj and isinstance(obj["state_dict"], Mapping):
        obj = obj["state_dict"]
    if not isinstance(obj, Mapping) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ValueError(f"{path}: expected a state dict (name -> tensor), found {type(obj).__name__}")
    return dict(obj)


def strip_training_keys(sd: Mapping[str, torch.Tensor]) -> Tuple[Dict[str, torch.Tensor], list]:
    """Returns (inference state dict, dropped key names)."""
    kept, dropped = {}, []
    for k, v in sd.items():
        if k == "model.pos_table" or any(k.startswith(p) for p in TRAINING_ONLY_PREFIXES if p != "model.pos_table"):
            dropped.append(k)
        else:
            kept[k] = v
    return kept, dropped


def config_from_state_dict(sd: Mapping[str, torch.Tensor], base: Optional[ACTConfig] = None) -> ACTConfig:
    """Fills in every shape the weights determine; keeps the rest (heads, cameras, image size,
    decoder_quirk, imagenet_norm) from `base`."""
    cfg = dataclasses.replace(base) if base is not None else ACTConfig()

    def need(key: str) -> torch.Tensor:
        if key not in sd:
            raise ValueError(f"checkpoint has no '{key}': not an ACT policy state dict "
                             f"(keys must start with 'model.')")
        return sd[key]

    action_dim, cfg.hidden_dim = need("model.action_head.weight").shape
    cfg.state_dim = need("model.input_proj_robot_state.weight").shape[1]
    cfg.action_dim = action_dim
    cfg.chunk_size = need("model.query_embed.weight").shape[0]
    cfg.latent_dim = need("model.latent_out_proj.weight").shape[1]
    cfg.dim_feedforward = need("model.transformer.encoder.layers.0.linear1.weight").shape[0]

    def count(prefix: str) -> int:
        idx = {int(m.group(1)) for k in sd for m in [re.match(re.escape(prefix) + r"(\d+)\.", k)] if m}
        return max(idx) + 1 if idx else 0

    cfg.enc_layers = count("model.transformer.encoder.layers.")
    cfg.dec_layers = count("model.transformer.decoder.layers.")
    c1 = need("model.backbones.0.0.body.conv1.weight").shape[0]
    cfg.backbone_width = c1 / 64.0
    if cfg.backbone_channels()[-1] != need("model.input_proj.weight").shape[1]:
        raise ValueError("backbone widths in the checkpoint are not ResNet18's 64/128/256/512 scaled by one factor")
    if cfg.hidden_dim % cfg.nheads != 0:
        cfg.nheads = next(h for h in (8, 4, 2, 1) if cfg.hidden_dim % h == 0)
    cfg.validate()
    return cfg


def load_policy(path: str, base: Optional[ACTConfig] = None) -> Tuple[ACTPolicy, list]:
    """Builds the policy for a checkpoint and loads it with strict key checking.

    Returns (policy in eval mode, list of dropped training-only keys).
    """
    sd, dropped = strip_training_keys(load_state_dict_file(path))
    cfg = config_from_state_dict(sd, base)
    policy = ACTPolicy(cfg)
    policy.load_state_dict(sd, strict=True)
    policy.eval()
    return policy, dropped
