"""actrt_act: the ACT (Action Chunking with Transformers) policy in PyTorch, as shared/ACT.md describes it."""

from .config import ACTConfig, PRESETS, preset, IMAGENET_MEAN, IMAGENET_STD
from .model import (ACTPolicy, DETRVAE, FrozenBatchNorm2d, build_random_policy, calibrate_frozen_bn,
                    count_parameters, init_weights)
from .checkpoint import (TRAINING_ONLY_PREFIXES, config_from_state_dict, load_policy, load_state_dict_file,
                         strip_training_keys)

__all__ = [
    "ACTConfig", "PRESETS", "preset", "IMAGENET_MEAN", "IMAGENET_STD", "ACTPolicy", "DETRVAE",
    "FrozenBatchNorm2d", "build_random_policy", "calibrate_frozen_bn", "count_parameters", "init_weights",
    "TRAINING_ONLY_PREFIXES", "config_from_state_dict", "load_policy", "load_state_dict_file",
    "strip_training_keys",
]
