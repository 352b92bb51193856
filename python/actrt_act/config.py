"""Configuration of an ACT policy (shared/ACT.md) and the named presets."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Dict, List, Mapping, Optional

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
TOKEN_LAYOUTS = ("original", "lerobot")
# Keys a <model>.config.json may hold for `actrt build --policy` beyond the network's shape
# (export_lerobot.py writes them); ACTConfig ignores them.
CONTRACT_ONLY_KEYS = ("policy",)


@dataclasses.dataclass
class ACTConfig:
    """Everything that fixes the shapes of an ACT policy.

    decoder_quirk=True reproduces the original: every decoder layer is computed, the normalized
    outputs are stacked and index 0 is used (layers 1.. are dead). decoder_quirk=False is an ordinary
    post-norm decoder whose LAST layer feeds the heads (with dec_layers=1 both are identical).

    action_dim None means state_dim (the original ties them; LeRobot may not). token_layout says how
    the image tokens are built, which changes the exported graph but not the math (ACT.md, 'LeRobot's
    ACT'): "original" concatenates the cameras along width and flattens once; "lerobot" flattens each
    camera, splits it into one tensor per token and stacks every token, as LeRobot's modeling code
    does (its exports carry that per-token pattern; the optimizer must collapse it).
    """

    state_dim: int = 6
    camera_names: List[str] = dataclasses.field(
        default_factory=lambda: ["top", "left_wrist", "right_wrist"])
    image_height: int = 480
    image_width: int = 640
    hidden_dim: int = 512
    dim_feedforward: int = 3200
    nheads: int = 8
    enc_layers: int = 4
    dec_layers: int = 7
    chunk_size: int = 100
    latent_dim: int = 32
    backbone_width: float = 1.0  # 1.0 = ResNet18 (64, 128, 256, 512 channels)
    decoder_quirk: bool = True
    imagenet_norm: bool = True
    dropout: float = 0.1  # training only
    layer_norm_eps: float = 1e-5
    action_dim: Optional[int] = None
    token_layout: str = "original"
    # Per-camera image normalization inside the model, [camera][channel] (None: ImageNet's for every
    # camera). Used when imagenet_norm is on; LeRobot checkpoints carry their own (export_lerobot.py).
    image_mean: Optional[List[List[float]]] = None
    image_std: Optional[List[List[float]]] = None

    @property
    def num_cameras(self) -> int:
        return len(self.camera_names)

    @property
    def num_actions(self) -> int:
        """Width of one action (action_dim, or state_dim when action_dim is None)."""
        return self.state_dim if self.action_dim is None else self.action_dim

    def backbone_channels(self) -> List[int]:
        """Output channels of conv1/layer1, layer2, layer3, layer4."""
        return [max(1, int(round(c * self.backbone_width))) for c in (64, 128, 256, 512)]

    def feature_hw(self) -> tuple:
        """Spatial size of layer4 for one camera (stride 32, ResNet padding arithmetic)."""
        h, w = self.image_height, self.image_width
        # conv1 7x7/2 pad 3, maxpool 3/2 pad 1, then three stride-2 3x3 pad 1 convs.
        for _ in range(5):
            h = (h - 1) // 2 + 1
            w = (w - 1) // 2 + 1
        return h, w

    def validate(self) -> None:
        if self.hidden_dim % self.nheads != 0:
            raise ValueError(f"hidden_dim {self.hidden_dim} is not divisible by nheads {self.nheads}")
        if self.hidden_dim % 2 != 0:
            raise ValueError(f"hidden_dim {self.hidden_dim} must be even (sine position embedding)")
        for name in ("state_dim", "image_height", "image_width", "dim_feedforward", "enc_layers",
                     "dec_layers", "chunk_size", "latent_dim"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, found {getattr(self, name)}")
        if self.num_cameras < 1:
            raise ValueError("at least one camera is needed")
        if self.action_dim is not None and self.action_dim < 1:
            raise ValueError(f"action_dim must be >= 1 (or None for state_dim), found {self.action_dim}")
        for name in ("image_mean", "image_std"):
            v = getattr(self, name)
            if v is not None and (len(v) != self.num_cameras or any(len(c) != 3 for c in v)):
                raise ValueError(f"{name} must hold 3 values for each of the {self.num_cameras} cameras, found {v}")
        if self.image_std is not None and any(x <= 0 for c in self.image_std for x in c):
            raise ValueError(f"image_std must be positive, found {self.image_std}")
        if self.token_layout not in TOKEN_LAYOUTS:
            raise ValueError(f"token_layout must be one of {', '.join(TOKEN_LAYOUTS)}, found '{self.token_layout}'")

    def to_dict(self) -> Dict[str, Any]:
        """The fields, action_dim resolved to a number (the policy contract reads it); image_mean / image_std
        only when set (configurations written before they existed stay as they were)."""
        d = dataclasses.asdict(self)
        d["action_dim"] = self.num_actions
        for name in ("image_mean", "image_std"):
            if d[name] is None:
                del d[name]
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "ACTConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        # Policy-contract entries of a <model>.config.json that do not shape the network.
        d = {k: v for k, v in d.items() if k not in CONTRACT_ONLY_KEYS}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown ACTConfig fields: {sorted(unknown)}")
        cfg = cls(**{k: (list(v) if k in ("camera_names", "image_mean", "image_std") and v is not None else v)
                     for k, v in d.items()})
        cfg.validate()
        return cfg

    def save_json(self, path: str) -> None:
        with open(path, "w") as f:
            json.dump(self.to_dict(), f, indent=2)
            f.write("\n")

    @classmethod
    def load_json(cls, path: str) -> "ACTConfig":
        with open(path) as f:
            return cls.from_dict(json.load(f))


def preset(name: str) -> ACTConfig:
    """Named configurations: act-base (the seed's deployment) and act-tiny (the bundled default)."""
    if name == "act-base":
        cfg = ACTConfig()
    elif name == "act-tiny":
        cfg = ACTConfig(state_dim=6, camera_names=["top", "left_wrist"], image_height=96,
                        image_width=128, hidden_dim=64, dim_feedforward=256, nheads=2,
                        enc_layers=2, dec_layers=2, chunk_size=20, latent_dim=32,
                        backbone_width=0.25, decoder_quirk=True, imagenet_norm=True)
    else:
        raise ValueError(f"unknown preset '{name}' (known: {', '.join(PRESETS)})")
    cfg.validate()
    return cfg


PRESETS = ("act-base", "act-tiny")
