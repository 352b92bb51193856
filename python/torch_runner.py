#!/usr/bin/env python3
"""The PyTorch row of `actrt compare`: runs an exported ACT policy in PyTorch on given inputs and times it.

    /usr/bin/python3 python/torch_runner.py --model models/act-tiny/act-tiny.onnx \
        --inputs in.npz --outputs out.npz --timings timings.json [--device cpu|cuda] [--repeat 5]

in.npz holds qpos [N, state_dim] and image [N, ncam, 3, H, W] (float32, already preprocessed as the
model expects); each sample runs with batch 1. out.npz gets actions [N, chunk, state_dim] (normalized,
as the ONNX model outputs them); timings.json gets {"latency_ms": [...every timed run...], "device",
"threads", "torch_version", "weights", "description"}.

The policy is rebuilt from python/actrt_act with the model's configuration (<model>.config.json next to
the model, else the ONNX metadata 'actrt.config' that export_act.py writes). Weights come from
<model>.pt (a state dict next to the model) when it exists; otherwise they are recovered from the ONNX
initializers:

  The ONNX file does not name every parameter (the legacy exporter transposes Linear weights into
  'onnx::MatMul_N', splits attention in_proj into q/k/v, and constant-folds each frozen BatchNorm into
  one scale and one shift). So we export a probe policy of the same configuration, whose every
  state-dict entry holds distinct random values, with the same exporter settings, and find for each
  of the probe's initializers which parameter (and which transform: identity, transpose, a block of
  rows) it came from by exact value. Since the exporter names initializers deterministically for a
  given torch version and graph, the target model's initializer of the same name holds the trained
  value, and the inverse transform puts it back. Frozen BatchNorm becomes weight = scale, bias = shift,
  running_mean = 0, running_var = 1, eps = 0: the same y = x * scale + shift. Every parameter the graph
  uses must be fully covered, and when <model>.io.npz (export_act.py's reference inputs and PyTorch
  outputs) exists the rebuilt policy must reproduce it; otherwise the helper fails with the reason.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def fail(msg: str) -> None:
    print(f"[E] {msg}", file=sys.stderr)
    sys.exit(1)


try:
    import numpy as np
    import torch
except ImportError as e:  # the caller turns this into the report's note
    fail(f"{sys.executable}: {e} (the PyTorch row needs numpy and torch)")

from actrt_act import ACTConfig, ACTPolicy  # noqa: E402
from actrt_act.model import FrozenBatchNorm2d  # noqa: E402


def model_base(path: str) -> str:
    return path[:-5] if path.endswith(".onnx") else path


def load_config(model_path: str, onnx_model) -> ACTConfig:
    beside = model_base(model_path) + ".config.json"
    if os.path.exists(beside):
        return ACTConfig.load_json(beside)
    for p in onnx_model.metadata_props:
        if p.key == "actrt.config":
            return ACTConfig.from_dict(json.loads(p.value))
    fail(f"{model_path}: no {beside} and no 'actrt.config' metadata: cannot rebuild the PyTorch policy")


def _key(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a, dtype=np.float32).tobytes()


def recover_state_dict(model_path: str, onnx_model, cfg: ACTConfig) -> tuple:
    """Returns (policy, message) with weights recovered from the ONNX initializers (see the top)."""
    import onnx
    from onnx import numpy_helper
    import export_act

    target = {i.name: numpy_helper.to_array(i) for i in onnx_model.graph.initializer}
    probe = ACTPolicy(cfg).eval()
    sd = probe.state_dict()
    gen = torch.Generator().manual_seed(12345)
    with torch.no_grad():
        for v in sd.values():
            if v.is_floating_point():
                # Distinct positive values (running_var must stay > 0).
                v.copy_(torch.rand(v.shape, generator=gen) + 0.5)

    # Candidate forms of every parameter: bytes -> (kind, key, extra).
    cands = {}
    for k, v in sd.items():
        if not v.is_floating_point():
            continue
        a = v.numpy()
        cands.setdefault(_key(a), ("full", k, None))
        if a.ndim == 2:
            cands.setdefault(_key(a.T), ("T", k, None))
        if k.endswith("in_proj_weight") or k.endswith("in_proj_bias"):
            d = a.shape[0] // 3
            for i in range(3):
                blk = a[i * d:(i + 1) * d]
                cands.setdefault(_key(blk), ("rows", k, (i, d, False)))
                if blk.ndim == 2:
                    cands.setdefault(_key(blk.T), ("rows", k, (i, d, True)))
    bns = {n: m for n, m in probe.named_modules() if isinstance(m, FrozenBatchNorm2d)}
    for n, m in bns.items():
        with torch.no_grad():
            scale = m.weight * (m.running_var + m.eps).rsqrt()
            shift = m.bias - m.running_mean * scale
        cands.setdefault(_key(scale.numpy()), ("bn_scale", n, None))
        cands.setdefault(_key(shift.numpy()), ("bn_shift", n, None))

    exporter = "legacy"
    for p in onnx_model.metadata_props:
        if p.key == "actrt.exporter":
            exporter = p.value
    outputs = [o.name for o in onnx_model.graph.output]
    batch_dim = onnx_model.graph.input[0].type.tensor_type.shape.dim[0]
    opset = next((o.version for o in onnx_model.opset_import if o.domain in ("", "ai.onnx")), 17)
    with tempfile.TemporaryDirectory() as tmp:
        probe_path = os.path.join(tmp, "probe.onnx")
        export_act.export(probe, probe_path, batch=batch_dim.dim_value or 1,
                          dynamic_batch=not batch_dim.dim_value, opset=opset, dynamo=exporter == "dynamo",
                          with_is_pad="is_pad" in outputs)
        probe_model = onnx.load(probe_path)
    probe_inits = {i.name: numpy_helper.to_array(i) for i in probe_model.graph.initializer}

    # The exporter merges initializers with equal values (e.g. untrained LayerNorm weights of the
    # dead decoder layers), so a probe name can be missing from the target: then follow the probe
    # initializer's first consumer (node name + input slot, deterministic) to the target's input.
    consumers = {}
    for node in probe_model.graph.node:
        for slot, inp in enumerate(node.input):
            consumers.setdefault(inp, (node.name, slot))
    target_inputs = {(node.name, slot): inp for node in onnx_model.graph.node for slot, inp in enumerate(node.input)}

    # ... and merged initializers may also appear as Identity(other initializer).
    identity = {node.output[0]: node.input[0] for node in onnx_model.graph.node if node.op_type == "Identity"}

    def target_name(name: str) -> str:
        if name not in target:
            name = target_inputs.get(consumers.get(name, ("", -1)), name)
        for _ in range(8):
            if name in target or name not in identity:
                break
            name = identity[name]
        return name

    new_sd = {k: v.clone() for k, v in sd.items()}
    covered = {k: torch.zeros(v.shape, dtype=torch.bool) for k, v in sd.items()}
    bn_done = {}
    unmatched = []
    for name, arr in probe_inits.items():
        if arr.dtype != np.float32:
            continue  # shapes, indices: not parameters
        c = cands.get(_key(arr))
        if c is None:
            unmatched.append(name)
            continue
        tname = target_name(name)
        if tname not in target or target[tname].shape != arr.shape:
            fail(f"initializer '{name}' of the probe export is not in {model_path} with shape {arr.shape}: "
                 f"the model was exported by another torch version or exporter (this is torch "
                 f"{torch.__version__}); write {model_base(model_path)}.pt with export_act.py --save-state-dict")
        t = torch.from_numpy(np.array(target[tname], dtype=np.float32))
        kind, k, extra = c
        if kind == "full":
            new_sd[k] = t.reshape(sd[k].shape)
            covered[k][...] = True
        elif kind == "T":
            new_sd[k] = t.reshape(sd[k].shape[::-1]).T.contiguous()
            covered[k][...] = True
        elif kind == "rows":
            i, d, transposed = extra
            blk = t.T if transposed else t
            new_sd[k][i * d:(i + 1) * d] = blk.reshape(new_sd[k][i * d:(i + 1) * d].shape)
            covered[k][i * d:(i + 1) * d] = True
        else:
            bn_done.setdefault(k, {})[kind] = t.flatten()
    for n, parts in bn_done.items():
        if set(parts) != {"bn_scale", "bn_shift"}:
            fail(f"frozen BatchNorm {n}: found only {sorted(parts)} in {model_path}")
        new_sd[n + ".weight"] = parts["bn_scale"]
        new_sd[n + ".bias"] = parts["bn_shift"]
        new_sd[n + ".running_mean"] = torch.zeros_like(parts["bn_scale"])
        new_sd[n + ".running_var"] = torch.ones_like(parts["bn_scale"])
        for s in ("weight", "bias", "running_mean", "running_var"):
            covered[n + "." + s][...] = True
    partial = [k for k, m in covered.items() if m.any() and not m.all()]
    if partial:
        fail(f"{model_path}: parameters only partly found in the initializers: {partial[:5]}")
    unused = [k for k, m in covered.items() if not m.any() and sd[k].is_floating_point()]
    policy = ACTPolicy(cfg)
    policy.load_state_dict(new_sd)
    for n, m in policy.named_modules():
        if n in bn_done:
            m.eps = 0.0  # scale/shift were stored already folded (see the top of the file)
    policy.eval()
    msg = (f"weights recovered from {len(probe_inits) - len(unmatched)} ONNX initializers; "
           f"{len(unused)} state-dict entries not in the graph")
    if unmatched:
        msg += f"; {len(unmatched)} float constants are not parameters"
    return policy, msg


def load_policy_for(model_path: str) -> tuple:
    import onnx
    onnx_model = onnx.load(model_path)
    cfg = load_config(model_path, onnx_model)
    pt = model_base(model_path) + ".pt"
    if os.path.exists(pt):
        from actrt_act import load_policy
        policy, _ = load_policy(pt, cfg)
        return policy.eval(), f"weights from {pt}"
    return recover_state_dict(model_path, onnx_model, cfg)


def check_reference(policy, model_path: str) -> str:
    """Checks the rebuilt policy against export_act.py's <model>.io.npz when present."""
    io = model_base(model_path) + ".io.npz"
    if not os.path.exists(io):
        return "no .io.npz to check against"
    ref = np.load(io)
    if not all(k in ref for k in ("qpos", "image", "actions")):
        return f"{io} lacks qpos/image/actions: not checked"
    with torch.no_grad():
        got = policy(torch.from_numpy(ref["qpos"]), torch.from_numpy(ref["image"])).numpy()
    err = float(np.abs(got - ref["actions"]).max())
    if not err <= 1e-3:
        fail(f"the rebuilt PyTorch policy does not reproduce {io}: max abs error {err:.3g}")
    return f"matches {os.path.basename(io)} (max abs {err:.2g})"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="the ONNX model actrt compares")
    ap.add_argument("--inputs", required=True, help=".npz with qpos [N,..] and image [N,..]")
    ap.add_argument("--outputs", required=True, help=".npz to write actions [N,..] to")
    ap.add_argument("--timings", required=True, help="JSON to write latencies to")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per sample")
    ap.add_argument("--warmup", type=int, default=2, help="untimed runs before timing")
    args = ap.parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    if args.device == "cuda" and not torch.cuda.is_available():
        fail(f"torch {torch.__version__} sees no CUDA device")
    if args.device == "cuda":
        # The seed's row is PyTorch FP32. PyTorch runs cuDNN convolutions in TF32 by default (matmuls
        # not); turn both off so the row is FP32 throughout, and say so (Polygraphy's convention).
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False

    policy, how = load_policy_for(args.model)
    checked = check_reference(policy, args.model)
    print(f"[I] {how}; {checked}", file=sys.stderr)
    dev = torch.device(args.device)
    policy = policy.to(dev)
    data = np.load(args.inputs)
    qpos = torch.from_numpy(np.ascontiguousarray(data["qpos"], dtype=np.float32)).to(dev)
    image = torch.from_numpy(np.ascontiguousarray(data["image"], dtype=np.float32)).to(dev)
    n = qpos.shape[0]

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    outs, lat = [], []
    with torch.inference_mode():
        for _ in range(args.warmup):
            policy(qpos[0:1], image[0:1])
        sync()
        for i in range(n):
            outs.append(policy(qpos[i:i + 1], image[i:i + 1]).float().cpu().numpy())
        for _ in range(args.repeat):
            for i in range(n):
                # Host to host, like actrt's runners: inputs already on the device, output synchronized.
                t0 = time.perf_counter()
                policy(qpos[i:i + 1], image[i:i + 1])
                sync()
                lat.append((time.perf_counter() - t0) * 1e3)
    np.savez(args.outputs, actions=np.concatenate(outs, axis=0).astype(np.float32))
    threads = torch.get_num_threads()
    desc = f"torch {torch.__version__} eager FP32, {args.device}" + (
        f", {threads} thread{'' if threads == 1 else 's'}" if dev.type == "cpu" else ", TF32 off")
    with open(args.timings, "w") as f:
        json.dump({"latency_ms": lat, "device": args.device, "threads": threads,
                   "torch_version": torch.__version__, "weights": how, "check": checked,
                   "description": desc}, f)
    print(f"[I] {n} samples, {len(lat)} timed runs, median {np.median(lat):.3f} ms ({desc})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
