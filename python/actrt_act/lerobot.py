"""Hugging Face LeRobot ACT checkpoints: configuration, parameter names and normalization statistics.

A LeRobot checkpoint is a directory (what `save_pretrained` writes, e.g. outputs/train/.../pretrained_model):
    config.json                    {"type": "act", "input_features": {...}, "output_features": {...}, ...}
    model.safetensors              the policy's state dict, keys "model.backbone.conv1.weight", ...
    policy_preprocessor.json       (current versions) the processor pipeline; its "normalizer_processor"
    policy_preprocessor_step_N_normalizer_processor.safetensors   step holds the statistics, flat
    policy_postprocessor.json      "feature.stat" (observation.state.mean, action.std, ...)
    policy_postprocessor_step_N_unnormalizer_processor.safetensors
Older checkpoints have no processor files: the statistics are buffers inside model.safetensors
(normalize_inputs.buffer_observation_state.mean, unnormalize_outputs.buffer_action.std, ...).

Conventions (read from LeRobot's src/lerobot/policies/act/ and src/lerobot/processor/normalize_processor.py;
shared/ACT.md, 'LeRobot's ACT'):
- The model is the original ACT with other names: 1 decoder layer by default whose LAST layer feeds the
  action head (no index-0 quirk), no is_pad head, latent = 0 at inference whatever use_vae says (the VAE
  encoder only runs in training), LayerNorm eps 1e-5, torchvision ResNet with frozen BatchNorm (eps 1e-5).
- Cameras are the VISUAL input features in config order, all of one shape [3, H, W].
- MEAN_STD: (x - mean) / (std + eps) and x * std + mean. MIN_MAX (current): 2 (x - min) / d - 1 and
  (x + 1) / 2 * d + min with d = max - min, replaced by eps where it is 0; legacy buffers: d = max - min + 1e-8.
  eps is the processor's "eps" (1e-8 by default; legacy 1e-8). Images are normalized like any feature,
  with the camera's own statistics (ImageNet mean/std when the dataset used use_imagenet_stats, the default).
"""

from __future__ import annotations

import json
import os
from typing import Dict, List, Mapping, Optional, Tuple

import numpy as np

from .config import ACTConfig
from .safetensors_io import read_safetensors

# LeRobot prefix -> actrt (original ACT) prefix. Order matters only for readability: no prefix is a
# prefix of another entry's key.
_PREFIXES: Tuple[Tuple[str, str], ...] = (
    ("model.backbone.", "model.backbones.0.0.body."),
    ("model.encoder_img_feat_input_proj.", "model.input_proj."),
    ("model.encoder_robot_state_input_proj.", "model.input_proj_robot_state."),
    ("model.encoder_latent_input_proj.", "model.latent_out_proj."),
    ("model.encoder_1d_feature_pos_embed.", "model.additional_pos_embed."),
    ("model.decoder_pos_embed.", "model.query_embed."),
    ("model.encoder.layers.", "model.transformer.encoder.layers."),
    ("model.decoder.layers.", "model.transformer.decoder.layers."),
    ("model.decoder.norm.", "model.transformer.decoder.norm."),
    ("model.action_head.", "model.action_head."),
)
# LeRobot keys inference never reads: the VAE encoder (model.vae_encoder, .vae_encoder_cls_embed,
# .vae_encoder_*_proj, .vae_encoder_pos_enc) and the legacy normalization buffers (read separately).
TRAINING_ONLY_PREFIXES = ("model.vae_encoder",)
LEGACY_STATS_PREFIXES = ("normalize_inputs.", "normalize_targets.", "unnormalize_outputs.")
# actrt keys with no LeRobot counterpart; unused at inference (the exported graph has no is_pad output).
ACTRT_ONLY_PREFIXES = ("model.is_pad_head.",)

STATE_KEY = "observation.state"
ACTION_KEY = "action"
MODES = ("MEAN_STD", "MIN_MAX", "IDENTITY")
DEFAULT_EPS = 1e-8


class LeRobotError(ValueError):
    """A checkpoint actrt cannot export faithfully; the message says what and where."""


def lerobot_to_actrt_key(key: str) -> Optional[str]:
    """The actrt state-dict key of a LeRobot key; None for keys inference does not use; raises for unknown keys."""
    if key.startswith(TRAINING_ONLY_PREFIXES) or key.startswith(LEGACY_STATS_PREFIXES):
        return None
    for lr, ours in _PREFIXES:
        if key.startswith(lr):
            return ours + key[len(lr):]
    raise LeRobotError(f"parameter '{key}' has no counterpart in actrt's ACT (an ACT variant actrt does not "
                       f"support: pre_norm, environment-state input, another backbone?)")


def actrt_to_lerobot_key(key: str) -> Optional[str]:
    """The LeRobot key of an actrt key; None for actrt-only keys (is_pad head); raises for unknown keys."""
    if key.startswith(ACTRT_ONLY_PREFIXES):
        return None
    for lr, ours in _PREFIXES:
        if key.startswith(ours):
            return lr + key[len(ours):]
    raise LeRobotError(f"actrt parameter '{key}' has no LeRobot counterpart")


def camera_name(feature_key: str) -> str:
    """'observation.images.top' -> 'top'; 'observation.image' -> 'image'."""
    for prefix in ("observation.images.", "observation."):
        if feature_key.startswith(prefix):
            return feature_key[len(prefix):]
    return feature_key


# ------------------------------------------------------------------------------------------------
# config.json
# ------------------------------------------------------------------------------------------------

class LeRobotConfig:
    """What actrt needs from a LeRobot ACT config.json, checked."""

    def __init__(self, raw: Mapping, path: str):
        self.path = path
        self.raw = raw
        inputs, outputs, norm_map = self._features(raw, path)
        self.image_keys: List[str] = [k for k, f in inputs.items() if f["type"] == "VISUAL"]
        self.norm_map: Dict[str, str] = norm_map
        others = [k for k, f in inputs.items() if f["type"] not in ("VISUAL", "STATE")]
        if others:
            raise LeRobotError(f"{path}: input features {others} ({[inputs[k]['type'] for k in others]}) are not "
                               f"supported: actrt's ACT takes observation.state and camera images only")
        if STATE_KEY not in inputs or inputs[STATE_KEY]["type"] != "STATE":
            raise LeRobotError(f"{path}: no '{STATE_KEY}' input feature of type STATE: actrt's ACT needs the "
                               f"robot state token")
        extra_states = [k for k, f in inputs.items() if f["type"] == "STATE" and k != STATE_KEY]
        if extra_states:
            raise LeRobotError(f"{path}: STATE features {extra_states} besides '{STATE_KEY}' are not used by "
                               f"LeRobot's ACT either; remove them from input_features")
        if not self.image_keys:
            raise LeRobotError(f"{path}: no VISUAL input feature (observation.images.*): actrt's ACT needs cameras")
        shapes = {k: list(inputs[k]["shape"]) for k in self.image_keys}
        first = shapes[self.image_keys[0]]
        if len(first) != 3 or first[0] != 3:
            raise LeRobotError(f"{path}: camera '{self.image_keys[0]}' has shape {first}, expected [3, H, W]")
        different = {k: s for k, s in shapes.items() if s != first}
        if different:
            raise LeRobotError(f"{path}: cameras have different shapes ({shapes}); actrt's ACT (like LeRobot's "
                               f"batched backbone input) needs one shape for all cameras")
        self.image_height, self.image_width = int(first[1]), int(first[2])
        self.state_dim = self._width(inputs[STATE_KEY], STATE_KEY, path)
        if ACTION_KEY not in outputs:
            raise LeRobotError(f"{path}: no '{ACTION_KEY}' output feature")
        self.action_dim = self._width(outputs[ACTION_KEY], ACTION_KEY, path)
        self._check_architecture(raw, path)
        self.chunk_size = int(raw.get("chunk_size", 100))
        self.n_action_steps = int(raw.get("n_action_steps", 100))
        coeff = raw.get("temporal_ensemble_coeff")
        self.temporal_ensemble_coeff = None if coeff is None else float(coeff)
        if self.n_action_steps < 1 or self.n_action_steps > self.chunk_size:
            raise LeRobotError(f"{path}: n_action_steps {self.n_action_steps} must be in 1..chunk_size "
                               f"({self.chunk_size})")
        if self.temporal_ensemble_coeff is not None and self.n_action_steps != 1:
            raise LeRobotError(f"{path}: temporal_ensemble_coeff is set, so n_action_steps must be 1 "
                               f"(LeRobot refuses this configuration too), found {self.n_action_steps}")
        self.use_vae = bool(raw.get("use_vae", True))

    @staticmethod
    def _width(feature: Mapping, key: str, path: str) -> int:
        shape = list(feature["shape"])
        if len(shape) != 1 or shape[0] < 1:
            raise LeRobotError(f"{path}: '{key}' has shape {shape}, expected [n]")
        return int(shape[0])

    @staticmethod
    def _features(raw: Mapping, path: str):
        """(inputs, outputs, norm map by feature type) from the current format or the legacy one (input_shapes)."""
        policy_type = raw.get("type")
        if "input_features" in raw:
            if policy_type != "act":
                raise LeRobotError(f"{path}: policy type '{policy_type}' is not 'act': export_lerobot.py exports "
                                   f"LeRobot's ACT only")
            inputs = {k: {"type": str(v["type"]), "shape": list(v["shape"])} for k, v in raw["input_features"].items()}
            outputs = {k: {"type": str(v["type"]), "shape": list(v["shape"])}
                       for k, v in (raw.get("output_features") or {}).items()}
            norm_map = {str(k): str(v) for k, v in (raw.get("normalization_mapping") or {}).items()}
            return inputs, outputs, norm_map
        if "input_shapes" in raw:  # LeRobot before input_features (2024): no "type" key
            if policy_type not in (None, "act") or not {"chunk_size", "n_decoder_layers", "dim_model"} <= set(raw):
                raise LeRobotError(f"{path}: not an ACT config (no type 'act' nor ACT's chunk_size, "
                                   f"n_decoder_layers and dim_model)")
            inputs = {}
            for k, shape in raw["input_shapes"].items():
                kind = "VISUAL" if k.startswith("observation.image") else "STATE" if k == STATE_KEY else "ENV"
                inputs[k] = {"type": kind, "shape": list(shape)}
            outputs = {k: {"type": "ACTION", "shape": list(s)} for k, s in (raw.get("output_shapes") or {}).items()}
            # Per-key lowercase modes; a key without one is not normalized.
            modes = dict(raw.get("input_normalization_modes") or {})
            modes.update(raw.get("output_normalization_modes") or {})
            by_type: Dict[str, str] = {}
            for k, f in list(inputs.items()) + list(outputs.items()):
                mode = str(modes.get(k, "identity")).upper()
                if by_type.setdefault(f["type"], mode) != mode:
                    raise LeRobotError(f"{path}: features of type {f['type']} use different normalization modes; "
                                       f"actrt needs one mode per type")
            return inputs, outputs, by_type
        raise LeRobotError(f"{path}: neither input_features nor input_shapes: not a LeRobot policy config")

    @staticmethod
    def _check_architecture(raw: Mapping, path: str) -> None:
        checks = [
            ("vision_backbone", "resnet18", "actrt's ACT has a ResNet18 trunk"),
            ("pre_norm", False, "actrt's ACT is post-norm"),
            ("feedforward_activation", "relu", "actrt's ACT uses ReLU"),
            ("n_obs_steps", 1, "one observation step only (LeRobot's ACT refuses others too)"),
        ]
        for key, want, why in checks:
            if key in raw and raw[key] != want:
                raise LeRobotError(f"{path}: {key} is {raw[key]!r}, expected {want!r} ({why})")
        if raw.get("replace_final_stride_with_dilation"):
            raise LeRobotError(f"{path}: replace_final_stride_with_dilation changes the ResNet's layer4 stride; "
                               f"actrt's ACT does not support it")

    def act_config(self, state_dict: Mapping[str, np.ndarray]) -> ACTConfig:
        """actrt's ACTConfig: shapes from config.json, cross-checked against the weights."""
        raw = self.raw
        cfg = ACTConfig(
            state_dim=self.state_dim, action_dim=self.action_dim,
            camera_names=[camera_name(k) for k in self.image_keys],
            image_height=self.image_height, image_width=self.image_width,
            hidden_dim=int(raw.get("dim_model", 512)), dim_feedforward=int(raw.get("dim_feedforward", 3200)),
            nheads=int(raw.get("n_heads", 8)), enc_layers=int(raw.get("n_encoder_layers", 4)),
            dec_layers=int(raw.get("n_decoder_layers", 1)), chunk_size=self.chunk_size,
            latent_dim=int(raw.get("latent_dim", 32)), decoder_quirk=False, imagenet_norm=True,
            dropout=float(raw.get("dropout", 0.1)), layer_norm_eps=1e-5)
        conv1 = _need(state_dict, "model.backbone.conv1.weight", self.path)
        cfg.backbone_width = conv1.shape[0] / 64.0
        expect = {
            "model.action_head.weight": (cfg.num_actions, cfg.hidden_dim),
            "model.encoder_robot_state_input_proj.weight": (cfg.hidden_dim, cfg.state_dim),
            "model.encoder_latent_input_proj.weight": (cfg.hidden_dim, cfg.latent_dim),
            "model.decoder_pos_embed.weight": (cfg.chunk_size, cfg.hidden_dim),
            "model.encoder_1d_feature_pos_embed.weight": (2, cfg.hidden_dim),
            "model.encoder.layers.0.linear1.weight": (cfg.dim_feedforward, cfg.hidden_dim),
            "model.encoder_img_feat_input_proj.weight": (cfg.hidden_dim, cfg.backbone_channels()[-1], 1, 1),
        }
        for key, shape in expect.items():
            found = tuple(_need(state_dict, key, self.path).shape)
            if found != shape:
                raise LeRobotError(f"{self.path}: weights disagree with config.json: '{key}' is {list(found)}, "
                                   f"the config gives {list(shape)}")
        for prefix, want in (("model.encoder.layers.", cfg.enc_layers), ("model.decoder.layers.", cfg.dec_layers)):
            found = 1 + max((int(k[len(prefix):].split(".")[0]) for k in state_dict if k.startswith(prefix)), default=-1)
            if found != want:
                raise LeRobotError(f"{self.path}: the weights have {found} layers under '{prefix}', the config {want}")
        cfg.validate()
        return cfg


def _need(sd: Mapping[str, np.ndarray], key: str, where: str) -> np.ndarray:
    if key not in sd:
        raise LeRobotError(f"{where}: model.safetensors has no '{key}': not a LeRobot ACT checkpoint")
    return sd[key]


def load_config(checkpoint_dir: str) -> LeRobotConfig:
    path = os.path.join(checkpoint_dir, "config.json")
    if not os.path.isfile(path):
        raise LeRobotError(f"{checkpoint_dir}: no config.json (a LeRobot checkpoint directory has config.json "
                           f"and model.safetensors, e.g. outputs/train/<run>/checkpoints/last/pretrained_model)")
    with open(path) as f:
        try:
            raw = json.load(f)
        except json.JSONDecodeError as e:
            raise LeRobotError(f"{path}: not JSON: {e}") from None
    return LeRobotConfig(raw, path)


def map_state_dict(lerobot_sd: Mapping[str, np.ndarray], actrt_keys: List[str], where: str) -> Dict[str, np.ndarray]:
    """actrt state dict from LeRobot tensors. Every actrt key must be filled (is_pad head: zeros of the right
    shape are made by the caller's model), every LeRobot inference key used."""
    mapped: Dict[str, np.ndarray] = {}
    for k, v in lerobot_sd.items():
        ours = lerobot_to_actrt_key(k)
        if ours is not None:
            mapped[ours] = v
    wanted = {k for k in actrt_keys if not k.startswith(ACTRT_ONLY_PREFIXES)}
    missing = sorted(wanted - set(mapped))
    unused = sorted(set(mapped) - wanted)
    if missing or unused:
        lr = [actrt_to_lerobot_key(k) for k in missing]
        raise LeRobotError(f"{where}: checkpoint does not match the configured model: missing {lr[:8]}"
                           f"{' ...' if len(lr) > 8 else ''}; unexpected {unused[:8]}{' ...' if len(unused) > 8 else ''}")
    return mapped


# ------------------------------------------------------------------------------------------------
# Normalization statistics
# ------------------------------------------------------------------------------------------------

class FeatureNorm:
    """How one feature is normalized: mode, statistics (numpy float32) and the MIN_MAX denominator rule."""

    def __init__(self, mode: str, stats: Dict[str, np.ndarray], eps: float, legacy: bool):
        self.mode, self.stats, self.eps, self.legacy = mode, stats, eps, legacy

    def as_mean_std(self) -> Tuple[np.ndarray, np.ndarray]:
        """(m, s) with normalize(x) = (x - m) / s exactly as LeRobot computes it (for the in-graph image step)."""
        if self.mode == "IDENTITY":
            return np.zeros(3, np.float32), np.ones(3, np.float32)
        if self.mode == "MEAN_STD":
            return self.stats["mean"], self.stats["std"] + np.float32(self.eps)
        lo, hi = self.stats["min"], self.stats["max"]
        if self.legacy:
            d = hi - lo + np.float32(self.eps)
        else:
            d = np.where(hi - lo == 0, np.float32(self.eps), hi - lo).astype(np.float32)
        return lo + d / 2, d / 2


class Normalization:
    """Statistics and modes of a checkpoint: per camera key, observation.state and action."""

    def __init__(self, features: Dict[str, FeatureNorm], source: str, eps: float):
        self.features, self.source, self.eps = features, source, eps


def _flat_stats(flat: Mapping[str, np.ndarray]) -> Dict[str, Dict[str, np.ndarray]]:
    out: Dict[str, Dict[str, np.ndarray]] = {}
    for k, v in flat.items():
        feature, stat = k.rsplit(".", 1)
        out.setdefault(feature, {})[stat] = np.asarray(v, dtype=np.float32)
    return out


def _processor_step(path: str, registry_name: str, class_suffix: str):
    """(step config, flat stats) of the normalizer step of a policy_*processor.json, or None when absent."""
    with open(path) as f:
        try:
            pipeline = json.load(f)
        except json.JSONDecodeError as e:
            raise LeRobotError(f"{path}: not JSON: {e}") from None
    for index, step in enumerate(pipeline.get("steps", [])):
        if step.get("registry_name") == registry_name or str(step.get("class", "")).endswith(class_suffix):
            state_file = step.get("state_file")
            if not state_file:
                raise LeRobotError(f"{path}: step {index} ({registry_name}) has no state_file: the statistics "
                                   f"were not saved")
            stats_path = os.path.join(os.path.dirname(path), state_file)
            if not os.path.isfile(stats_path):
                raise LeRobotError(f"{path}: step {index} names {state_file}, which is not in the checkpoint directory")
            tensors, _ = read_safetensors(stats_path)
            return step.get("config") or {}, _flat_stats(tensors), stats_path
    return None


def load_normalization(checkpoint_dir: str, cfg: LeRobotConfig, lerobot_sd: Mapping[str, np.ndarray]) -> Normalization:
    """Statistics from the processor files when present, else from the legacy buffers in model.safetensors."""
    wanted = {k: "VISUAL" for k in cfg.image_keys}
    wanted[STATE_KEY] = "STATE"
    wanted[ACTION_KEY] = "ACTION"
    pre = os.path.join(checkpoint_dir, "policy_preprocessor.json")
    post = os.path.join(checkpoint_dir, "policy_postprocessor.json")
    if os.path.isfile(pre) or os.path.isfile(post):
        stats: Dict[str, Dict[str, np.ndarray]] = {}
        # Observations follow the preprocessor's norm_map, actions the postprocessor's (it unnormalizes them).
        norm_map = dict(cfg.norm_map)
        action_map: Dict[str, str] = {}
        eps = DEFAULT_EPS
        sources = []
        for path, registry, suffix in ((pre, "normalizer_processor", "NormalizerProcessorStep"),
                                       (post, "unnormalizer_processor", "UnnormalizerProcessorStep")):
            if not os.path.isfile(path):
                continue
            found = _processor_step(path, registry, suffix)
            if found is None:
                continue
            step_cfg, step_stats, stats_path = found
            sources.append(os.path.basename(stats_path))
            step_map = {str(k): str(v) for k, v in (step_cfg.get("norm_map") or {}).items()}
            if path == pre:
                norm_map.update(step_map)
            else:
                action_map = step_map
            eps = float(step_cfg.get("eps", eps))
            for feature, s in step_stats.items():
                # The postprocessor is what unnormalizes the actions: its action statistics win.
                if feature == ACTION_KEY and path == post:
                    stats[feature] = s
                else:
                    stats.setdefault(feature, s)
        if not sources:
            raise LeRobotError(f"{checkpoint_dir}: processor files without a normalizer / unnormalizer step")
        if "ACTION" in action_map:
            norm_map["ACTION"] = action_map["ACTION"]
        legacy, source = False, "processor: " + ", ".join(sources)
    else:
        stats, legacy, eps, norm_map = {}, True, DEFAULT_EPS, dict(cfg.norm_map)
        for prefix in ("unnormalize_outputs.", "normalize_inputs.", "normalize_targets."):
            for k, v in lerobot_sd.items():
                if k.startswith(prefix + "buffer_"):
                    buffer, stat = k[len(prefix) + len("buffer_"):].rsplit(".", 1)
                    feature = next((f for f in wanted if f.replace(".", "_") == buffer), None)
                    if feature is not None:
                        stats.setdefault(feature, {}).setdefault(stat, np.asarray(v, dtype=np.float32))
        source = "legacy buffers in model.safetensors"
    features: Dict[str, FeatureNorm] = {}
    for feature, kind in wanted.items():
        mode = norm_map.get(kind, "IDENTITY").upper()
        if mode not in MODES:
            raise LeRobotError(f"{checkpoint_dir}: {kind} features use normalization {mode}; actrt supports "
                               f"{', '.join(MODES)}")
        s = stats.get(feature, {})
        need = {"MEAN_STD": ("mean", "std"), "MIN_MAX": ("min", "max"), "IDENTITY": ()}[mode]
        absent = [n for n in need if n not in s]
        if absent:
            raise LeRobotError(f"{checkpoint_dir}: no {'/'.join(absent)} statistics for '{feature}' ({mode}; "
                               f"looked in {source}): the checkpoint cannot be normalized as it was trained")
        for n in need:
            if not np.all(np.isfinite(s[n])):
                raise LeRobotError(f"{checkpoint_dir}: '{feature}' {n} holds inf/nan ({source}): LeRobot's "
                                   f"placeholder for statistics that were never set")
        width = 3 if kind == "VISUAL" else cfg.state_dim if kind == "STATE" else cfg.action_dim
        for n, v in s.items():
            if n in ("mean", "std", "min", "max"):
                s[n] = np.asarray(v, np.float32).reshape(-1)
                if s[n].size != width:
                    raise LeRobotError(f"{checkpoint_dir}: '{feature}' {n} has {s[n].size} values, expected {width}")
        features[feature] = FeatureNorm(mode, s, eps, legacy)
    return Normalization(features, source, eps)


def stats_json(norm: Normalization, state_dim: int, action_dim: int) -> Dict[str, List[float]]:
    """The repo's stats.json keys (qpos_mean, qpos_std, action_mean, action_std, plus *_min / *_max when the
    statistics have them). Where the source lacks mean/std (IDENTITY, or legacy MIN_MAX buffers) the mean/std
    written are the equivalent affine map ((min+max)/2 and (max-min)/2, or 0 and 1): the contract's
    *_normalization mode says which entries apply."""
    out: Dict[str, List[float]] = {}
    for feature, name in ((STATE_KEY, "qpos"), (ACTION_KEY, "action")):
        f = norm.features[feature]
        s = f.stats
        if "mean" in s and "std" in s:
            mean, std = s["mean"], s["std"]
        elif "min" in s and "max" in s:
            mean, std = (s["min"] + s["max"]) / 2, (s["max"] - s["min"]) / 2
        else:
            width = state_dim if feature == STATE_KEY else action_dim
            mean, std = np.zeros(width, np.float32), np.ones(width, np.float32)
        out[f"{name}_mean"] = [float(x) for x in mean]
        out[f"{name}_std"] = [float(x) for x in std]
        for stat in ("min", "max"):
            if stat in s:
                out[f"{name}_{stat}"] = [float(x) for x in s[stat]]
    return out


def policy_contract(cfg: LeRobotConfig, norm: Normalization) -> Dict:
    """The "policy" object of <model>.config.json for `actrt build --policy`."""
    return {
        "source": "lerobot",
        "n_action_steps": cfg.n_action_steps,
        "temporal_ensemble_coeff": cfg.temporal_ensemble_coeff,
        "state_normalization": norm.features[STATE_KEY].mode.lower(),
        "action_normalization": norm.features[ACTION_KEY].mode.lower(),
        "norm_eps": norm.eps,
    }
