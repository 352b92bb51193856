"""Configuration of an ACT policy (shared/ACT.md) and the named presets."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Dict, List, Mapping

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclasses.dataclass
class ACTConfig:
    """Everything that fixes the shapes of an ACT policy.

    decoder_quirk=True reproduces the original: every decoder layer is computed, the normalized
    outputs are stacked and index 0 is used (layers 1.. are dead). decoder_quirk=False is an ordinary
    post-norm decoder whose LAST layer feeds the heads (with dec_layers=1 both are identical).
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

    @property
    def num_cameras(self) -> int:
        return len(self.camera_names)

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

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "ACTConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown ACTConfig fields: {sorted(unknown)}")
        cfg = cls(**{k: (list(v) if k == "camera_names" else v) for k, v in d.items()})
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
