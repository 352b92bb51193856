#!/usr/bin/env python3
"""Export a Hugging Face LeRobot ACT checkpoint to ONNX, with the policy contract for `actrt build --policy`.

    python3 python/export_lerobot.py outputs/train/act_so100/checkpoints/last/pretrained_model -o act_so100.onnx
    actrt build act_so100.onnx --policy --fp16 -o act_so100.engine

CHECKPOINT_DIR is what LeRobot's save_pretrained writes: config.json (type "act") and model.safetensors, plus
policy_preprocessor.json / policy_postprocessor.json with their *_normalizer_processor.safetensors (current
versions) or normalization buffers inside model.safetensors (older versions).

The ONNX is actrt's ACT with LeRobot's weights (python/actrt_act; the names mapped by actrt_act/lerobot.py):
inputs qpos [1, state_dim] (normalized) and image [1, ncam, 3, H, W] (RGB in [0, 1], cameras in config.json's
order), output actions [1, chunk_size, action_dim] (normalized). The camera normalization LeRobot's
preprocessor applies (ImageNet mean/std by default) is inside the graph. Beside the model it writes:
    <model>.config.json   the network's shape (camera_names, image_height, image_width, state_dim, action_dim,
                          chunk_size, ...) and "policy": {"source": "lerobot", "n_action_steps",
                          "temporal_ensemble_coeff", "state_normalization", "action_normalization", "norm_eps"}
    stats.json            qpos_mean, qpos_std, action_mean, action_std (+ qpos_min/max, action_min/max)
    <model>.io.npz        seeded random qpos / image and PyTorch's actions for them (as export_act.py)

It refuses what it cannot export faithfully: another policy type, pre-norm, a backbone other than ResNet18,
dilation, environment-state inputs, cameras of different shapes, QUANTILES normalization, missing statistics.
use_vae does not matter: LeRobot's ACT feeds a zero latent at inference either way.
--token-layout lerobot exports LeRobot's own token construction (one tensor per image token, stacked), the
graph its modeling code gives; actrt's optimizer collapses it (docs/guide.md, 'From LeRobot').
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import export_act  # noqa: E402
from actrt_act import ACTPolicy  # noqa: E402
from actrt_act.config import TOKEN_LAYOUTS  # noqa: E402
from actrt_act.lerobot import (LeRobotError, load_config, load_normalization, map_state_dict,  # noqa: E402
                               policy_contract, stats_json)
from actrt_act.safetensors_io import SafetensorsError, read_safetensors  # noqa: E402


def build_policy(checkpoint_dir: str, token_layout: str = "original"):
    """(actrt ACTPolicy with the checkpoint's weights, LeRobotConfig, Normalization)."""
    cfg_lr = load_config(checkpoint_dir)
    weights = os.path.join(checkpoint_dir, "model.safetensors")
    if not os.path.isfile(weights):
        raise LeRobotError(f"{checkpoint_dir}: no model.safetensors")
    sd, _ = read_safetensors(weights)
    cfg = cfg_lr.act_config(sd)
    norm = load_normalization(checkpoint_dir, cfg_lr, sd)
    image_means, image_stds, identity = [], [], True
    for key in cfg_lr.image_keys:
        f = norm.features[key]
        identity &= f.mode == "IDENTITY"
        m, s = f.as_mean_std()
        image_means.append([float(x) for x in m])
        image_stds.append([float(x) for x in s])
    cfg = dataclasses.replace(cfg, imagenet_norm=not identity, token_layout=token_layout,
                              image_mean=None if identity else image_means,
                              image_std=None if identity else image_stds)
    cfg.validate()
    policy = ACTPolicy(cfg)
    ours = policy.state_dict()
    mapped = map_state_dict(sd, list(ours), weights)
    for k, v in mapped.items():
        if tuple(v.shape) != tuple(ours[k].shape):
            raise LeRobotError(f"{weights}: '{k}' has shape {list(v.shape)}, the configured model expects "
                               f"{list(ours[k].shape)}")
        mapped[k] = torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32))
    for k, v in ours.items():
        if k not in mapped:  # the is_pad head: not in LeRobot, not exported
            mapped[k] = torch.zeros_like(v)
    policy.load_state_dict(mapped, strict=True)
    policy.eval()
    return policy, cfg_lr, norm


def write_contract(out: str, policy: ACTPolicy, cfg_lr, norm) -> tuple:
    base = out[:-5] if out.endswith(".onnx") else out
    config = policy.cfg.to_dict()
    config["policy"] = policy_contract(cfg_lr, norm)
    config_path = base + ".config.json"
    with open(config_path, "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    stats_path = os.path.join(os.path.dirname(os.path.abspath(out)), "stats.json")
    with open(stats_path, "w") as f:
        json.dump(stats_json(norm, policy.cfg.state_dim, policy.cfg.num_actions), f, indent=2)
        f.write("\n")
    return config_path, stats_path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint_dir", metavar="CHECKPOINT_DIR", help="LeRobot pretrained_model directory")
    ap.add_argument("-o", "--out", required=True, help="output .onnx path")
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--io-seed", type=int, default=1234, help="seed of the random inputs in <model>.io.npz")
    ap.add_argument("--token-layout", choices=TOKEN_LAYOUTS, default="original",
                    help="original: cameras side by side, one flatten (default); lerobot: LeRobot's per-token "
                         "construction (same math, the graph LeRobot's code exports)")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    t0 = time.time()
    try:
        policy, cfg_lr, norm = build_policy(args.checkpoint_dir, args.token_layout)
    except (LeRobotError, SafetensorsError) as e:
        print(f"[E] {e}", file=sys.stderr)
        return 1
    cfg = policy.cfg
    print(f"[I] {cfg_lr.path}: cameras {cfg.camera_names} {cfg.image_height}x{cfg.image_width}, state {cfg.state_dim}, "
          f"action {cfg.num_actions}, chunk {cfg.chunk_size}, n_action_steps {cfg_lr.n_action_steps}, "
          f"temporal_ensemble_coeff {cfg_lr.temporal_ensemble_coeff}")
    print(f"[I] statistics from {norm.source}; modes: " +
          ", ".join(f"{k} {f.mode}" for k, f in norm.features.items()))
    info = export_act.export(policy, args.out, opset=args.opset, io_seed=args.io_seed)
    config_path, stats_path = write_contract(args.out, policy, cfg_lr, norm)
    print(f"[I] wrote {info['onnx']} ({info['bytes'] / 1e6:.1f} MB, {info['nodes']} nodes), {info['io']}, "
          f"{config_path}, {stats_path}")
    print(f"[I] ops: {' '.join(f'{k}:{v}' for k, v in sorted(info['ops'].items()))}")
    print(f"[I] done in {time.time() - t0:.1f} s (torch {torch.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
