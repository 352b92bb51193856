#!/usr/bin/env python3
"""Export an ACT policy to ONNX (inputs qpos [B, state_dim], image [B, ncam, 3, H, W]; output actions).

Examples:
    python3 python/export_act.py --preset act-tiny --random-init --seed 0 --out /tmp/act-tiny.onnx
    python3 python/export_act.py --checkpoint policy_best.ckpt --preset act-base --out act.onnx
    python3 python/export_act.py --checkpoint models/act-tiny/train/policy.pt --out models/act-tiny/act-tiny.onnx
    python3 python/export_act.py --checkpoint policy_best.ckpt --heads 8 --cameras top --height 480 --width 640 \
        --out act.onnx

The weights tell the widths, layer counts, chunk size and state size, but not the attention head count,
the camera count or the image size: those come from --preset, --config, a config.json next to the
checkpoint (train_act.py writes one), or all of --heads, --cameras, --height and --width. Without any
of them the export stops rather than guess (a wrong guess exports a policy that is silently wrong).

Next to the model it writes <model>.io.npz (seeded random qpos ~ N(0,1), image ~ U[0,1), and
PyTorch's actions for them, float32, computed on the CPU) and <model>.config.json.
The legacy (TorchScript) exporter at opset 17 is the default; --dynamo selects torch.export (torch >= 2.5).
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
from torch import nn  # noqa: E402

from actrt_act import ACTConfig, ACTPolicy, build_random_policy, count_parameters, load_policy, preset  # noqa: E402
from actrt_act.config import PRESETS  # noqa: E402


def torch_version() -> tuple:
    parts = torch.__version__.split("+")[0].split(".")
    return tuple(int("".join(c for c in p if c.isdigit()) or 0) for p in parts[:2])


def add_config_args(ap: argparse.ArgumentParser) -> None:
    g = ap.add_argument_group("configuration (start from --preset or --config, then override)")
    g.add_argument("--preset", choices=PRESETS, help="named configuration")
    g.add_argument("--config", help="ACTConfig JSON (as written by train_act.py / export_act.py)")
    g.add_argument("--state-dim", type=int)
    g.add_argument("--cameras", help="comma-separated camera names (their count is what matters)")
    g.add_argument("--height", type=int, help="image height")
    g.add_argument("--width", type=int, help="image width")
    g.add_argument("--hidden", type=int, help="transformer width")
    g.add_argument("--ff", type=int, help="feed-forward width")
    g.add_argument("--heads", type=int)
    g.add_argument("--enc-layers", type=int)
    g.add_argument("--dec-layers", type=int)
    g.add_argument("--chunk", type=int, help="chunk size (number of queries)")
    g.add_argument("--backbone-width", type=float, help="ResNet18 channel multiplier (1.0 = ResNet18)")
    g.add_argument("--decoder-quirk", choices=["on", "off"],
                   help="on: all decoder layers stacked, index 0 used (the original); off: last layer used")
    g.add_argument("--imagenet-norm", choices=["on", "off"], help="ImageNet normalization inside the model")
    g.add_argument("--token-layout", choices=["original", "lerobot"],
                   help="how image tokens are built: original (cameras side by side) or lerobot (LeRobot's "
                        "per-token list + stack; same math, the graph LeRobot's modeling code exports)")


def config_from_args(args: argparse.Namespace, fallback: ACTConfig | None = None) -> ACTConfig:
    if args.config:
        cfg = ACTConfig.load_json(args.config)
    elif args.preset:
        cfg = preset(args.preset)
    elif fallback is not None:
        cfg = fallback
    else:
        cfg = ACTConfig()
    over = {
        "state_dim": args.state_dim, "image_height": args.height, "image_width": args.width,
        "hidden_dim": args.hidden, "dim_feedforward": args.ff, "nheads": args.heads,
        "enc_layers": args.enc_layers, "dec_layers": args.dec_layers, "chunk_size": args.chunk,
        "backbone_width": args.backbone_width,
    }
    cfg = dataclasses.replace(cfg, **{k: v for k, v in over.items() if v is not None})
    if args.cameras:
        cfg.camera_names = [c for c in args.cameras.split(",") if c]
    if args.decoder_quirk:
        cfg.decoder_quirk = args.decoder_quirk == "on"
    if args.imagenet_norm:
        cfg.imagenet_norm = args.imagenet_norm == "on"
    if args.token_layout:
        cfg.token_layout = args.token_layout
    cfg.validate()
    return cfg


class _WithPad(nn.Module):
    def __init__(self, policy: ACTPolicy):
        super().__init__()
        self.policy = policy

    def forward(self, qpos, image):
        a, p = self.policy.forward_all(qpos, image)
        return a, torch.sigmoid(p)


def make_inputs(cfg: ACTConfig, batch: int, seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    qpos = rng.standard_normal((batch, cfg.state_dim)).astype(np.float32)
    image = rng.random((batch, cfg.num_cameras, 3, cfg.image_height, cfg.image_width), dtype=np.float32)
    return qpos, image


def export(policy: ACTPolicy, out: str, batch: int = 1, dynamic_batch: bool = False, opset: int = 17,
           dynamo: bool = False, with_is_pad: bool = False, io_seed: int = 1234) -> dict:
    """Exports `policy` to `out` and writes <out minus .onnx>.io.npz and .config.json. Returns a summary."""
    cfg = policy.cfg
    policy = policy.cpu().eval()
    module = _WithPad(policy) if with_is_pad else policy
    qpos, image = make_inputs(cfg, batch, io_seed)
    tq, ti = torch.from_numpy(qpos), torch.from_numpy(image)
    with torch.no_grad():
        outs = module(tq, ti)
    outs = outs if isinstance(outs, tuple) else (outs,)
    output_names = ["actions", "is_pad"] if with_is_pad else ["actions"]

    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    kwargs = dict(input_names=["qpos", "image"], output_names=output_names, opset_version=opset)
    if dynamo:
        if torch_version() < (2, 5):
            raise SystemExit(f"--dynamo needs torch >= 2.5 (this is {torch.__version__})")
        if dynamic_batch:
            b = torch.export.Dim("batch")
            kwargs["dynamic_shapes"] = {"qpos": {0: b}, "image": {0: b}}
        torch.onnx.export(module, (tq, ti), out, dynamo=True, external_data=False, **kwargs)
    else:
        if dynamic_batch:
            kwargs["dynamic_axes"] = {n: {0: "batch"} for n in ["qpos", "image"] + output_names}
        if torch_version() >= (2, 5):
            kwargs["dynamo"] = False
        with torch.no_grad():
            torch.onnx.export(module, (tq, ti), out, do_constant_folding=True, **kwargs)

    import onnx
    model = onnx.load(out)
    meta = {"actrt.config": json.dumps(cfg.to_dict()), "actrt.exporter": "dynamo" if dynamo else "legacy",
            "actrt.torch_version": torch.__version__}
    for k, v in meta.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = k, v
    onnx.save(model, out)

    base = out[:-5] if out.endswith(".onnx") else out
    arrays = {"qpos": qpos, "image": image}
    for name, t in zip(output_names, outs):
        arrays[name] = t.numpy().astype(np.float32)
    np.savez(base + ".io.npz", **arrays)
    cfg.save_json(base + ".config.json")
    ops = {}
    for n in model.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    return {"onnx": out, "io": base + ".io.npz", "bytes": os.path.getsize(out), "nodes": len(model.graph.node),
            "ops": ops, "params_inference": count_parameters(policy), "params_all": count_parameters(policy, False)}


# What the weights cannot tell (config attribute: its flag); see the module docstring.
UNGUESSABLE = {"nheads": "--heads", "camera_names": "--cameras", "image_height": "--height",
               "image_width": "--width"}


def check_config_source(args: argparse.Namespace, beside: str | None) -> str | None:
    """None when the head count, cameras and image size come from somewhere explicit, else the error message.

    `beside` is the config.json found next to the checkpoint, if any."""
    if args.preset or args.config or beside:
        return None
    given = {"nheads": args.heads, "camera_names": args.cameras, "image_height": args.height,
             "image_width": args.width}
    missing = [flag for key, flag in UNGUESSABLE.items() if given[key] is None]
    if not missing:
        return None
    source = f"the weights of {args.checkpoint}" if args.checkpoint else "--random-init"
    return (f"{source} cannot tell the attention head count, the camera count or the image size, and "
            f"nothing else gave {', '.join(missing)}: pass --preset NAME ({', '.join(PRESETS)}), "
            f"--config CONFIG.json (train_act.py's config.json or a <model>.config.json), or all of "
            f"--heads, --cameras, --height and --width")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", help="ACT state dict (policy_best.ckpt, or train_act.py's policy.pt)")
    src.add_argument("--random-init", action="store_true", help="seeded random weights")
    ap.add_argument("--seed", type=int, default=0, help="seed of --random-init")
    ap.add_argument("--out", required=True, help="output .onnx path")
    ap.add_argument("--batch", type=int, default=1, help="batch size of the exported inputs")
    ap.add_argument("--dynamic-batch", action="store_true", help="make the batch dimension symbolic")
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--dynamo", action="store_true", help="torch.export-based exporter (torch >= 2.5)")
    ap.add_argument("--with-is-pad", action="store_true", help="also output is_pad (sigmoid of is_pad_head)")
    ap.add_argument("--io-seed", type=int, default=1234, help="seed of the random inputs in <model>.io.npz")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    ap.add_argument("--save-state-dict", action="store_true",
                    help="also write <model>.pt (the policy's state dict) for python/torch_runner.py and python/bench_torch.py")
    add_config_args(ap)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    t0 = time.time()
    beside = None
    if args.checkpoint:
        candidate = os.path.join(os.path.dirname(os.path.abspath(args.checkpoint)), "config.json")
        if not args.config and not args.preset and os.path.exists(candidate):
            beside = candidate
    error = check_config_source(args, beside)
    if error:
        ap.error(error)
    if args.checkpoint:
        fallback = None
        if beside:
            print(f"[I] using {beside}")
            fallback = ACTConfig.load_json(beside)
        base = config_from_args(args, fallback)
        policy, dropped = load_policy(args.checkpoint, base)
        print(f"[I] loaded {args.checkpoint} (strict); ignored {len(dropped)} training-only tensors")
    else:
        cfg = config_from_args(args)
        policy = build_random_policy(cfg, args.seed)
        print(f"[I] random weights, seed {args.seed}")
    cfg = policy.cfg
    print(f"[I] config: {json.dumps(cfg.to_dict())}")
    info = export(policy, args.out, batch=args.batch, dynamic_batch=args.dynamic_batch, opset=args.opset,
                  dynamo=args.dynamo, with_is_pad=args.with_is_pad, io_seed=args.io_seed)
    print(f"[I] wrote {info['onnx']} ({info['bytes'] / 1e6:.1f} MB, {info['nodes']} nodes) and {info['io']}")
    if args.save_state_dict:
        pt = (args.out[:-5] if args.out.endswith(".onnx") else args.out) + ".pt"
        torch.save(policy.state_dict(), pt)
        print(f"[I] wrote {pt} (state dict; the PyTorch row of actrt compare loads it)")
    print(f"[I] parameters: {info['params_inference'] / 1e6:.3f} M used at inference, "
          f"{info['params_all'] / 1e6:.3f} M in the graph's state dict")
    print(f"[I] ops: {' '.join(f'{k}:{v}' for k, v in sorted(info['ops'].items()))}")
    print(f"[I] done in {time.time() - t0:.1f} s (torch {torch.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
