#!/usr/bin/env python3
"""Train an ACT policy for inference: ACT's recipe without the CVAE (latent fixed at zero).

Loss: L1 over the action chunk with the is_pad mask (ACT's l1 term). Samples: one random timestep per
episode per draw (EpisodicDataset). Normalization statistics: ACT's get_norm_stats over all episodes
given with --data, saved as stats.json beside the weights.

Writes to --out: policy.pt (state dict with the original's "model." key names: loads into ACTPolicy
and exports with export_act.py), config.json, stats.json, log.json.

Example (the bundled act-tiny, see models/act-tiny/README.md):
    python3 python/train_act.py --data /tmp/synth --preset act-tiny --out /tmp/act-tiny-train --steps 3000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actrt_act import ACTPolicy, calibrate_frozen_bn, count_parameters, init_weights  # noqa: E402
from actrt_act.episodes import episode_paths, make_sample, norm_stats, read_episode, save_stats  # noqa: E402
from export_act import add_config_args, config_from_args  # noqa: E402


def batch_of(episodes, picks, cameras, stats, chunk):
    qs, ims, acts, pads = [], [], [], []
    for e, t in picks:
        q, im, a, p = make_sample(episodes[e], t, cameras, stats, chunk)
        qs.append(q), ims.append(im), acts.append(a), pads.append(p)
    return (torch.from_numpy(np.stack(qs)), torch.from_numpy(np.stack(ims)),
            torch.from_numpy(np.stack(acts)), torch.from_numpy(np.stack(pads)))


def masked_l1_sum(pred, actions, is_pad):
    valid = (~is_pad).unsqueeze(-1).to(pred.dtype)
    return float(((pred - actions).abs() * valid).sum()), float(valid.sum()) * pred.shape[-1]


@torch.no_grad()
def evaluate(policy, episodes, picks, cameras, stats, chunk, batch=64):
    """Masked mean L1 (normalized action units) of the policy and of predicting the mean action
    (= 0 after normalization) over the given (episode, timestep) picks."""
    policy.eval()
    err = base = count = 0.0
    for i in range(0, len(picks), batch):
        q, im, a, p = batch_of(episodes, picks[i:i + batch], cameras, stats, chunk)
        s, n = masked_l1_sum(policy(q, im), a, p)
        b, _ = masked_l1_sum(torch.zeros_like(a), a, p)
        err, base, count = err + s, base + b, count + n
    return err / count, base / count


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="directory of episode_<i>.hdf5 files")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--val-episodes", type=int, default=4,
                    help="without --val-data: the last N episodes of --data are held out for validation")
    ap.add_argument("--val-data", help="directory of held-out validation episodes (then all of --data trains)")
    ap.add_argument("--val-samples", type=int, default=512,
                    help="validate on this many (episode, timestep) pairs of the held-out episodes (0: all)")
    ap.add_argument("--steps", type=int, default=3000, help="optimizer steps")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--lr-backbone", type=float, default=None, help="backbone lr (default: --lr)")
    ap.add_argument("--weight-decay", type=float, default=1e-4)
    ap.add_argument("--warmup", type=int, default=100, help="linear lr warm-up steps")
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-minutes", type=float, default=0, help="stop early after this many minutes (0: no limit)")
    add_config_args(ap)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    t_start = time.time()

    cfg = config_from_args(args)
    cams = cfg.camera_names
    paths = episode_paths(args.data)
    val_paths = episode_paths(args.val_data) if args.val_data else []
    if args.val_data and not val_paths:
        raise SystemExit(f"[E] {args.val_data}: no episode_<i>.hdf5 files")
    if not args.val_data and len(paths) <= args.val_episodes:
        raise SystemExit(f"[E] {args.data}: {len(paths)} episodes; need more than --val-episodes {args.val_episodes}")
    episodes = [read_episode(p, cams) for p in paths]
    val_only = [read_episode(p, cams) for p in val_paths]
    for ep in episodes + val_only:
        for c in cams:
            h, w = ep.images[c].shape[1:3]
            if (h, w) != (cfg.image_height, cfg.image_width):
                raise SystemExit(f"[E] {ep.path}: camera {c} is {h}x{w}, config wants "
                                 f"{cfg.image_height}x{cfg.image_width}")
        if ep.qpos.shape[1] != cfg.state_dim:
            raise SystemExit(f"[E] {ep.path}: state dim {ep.qpos.shape[1]}, config wants {cfg.state_dim}")
    # get_norm_stats over every episode of the dataset directory (ACT includes its validation split).
    stats = norm_stats(episodes)
    if args.val_data:
        train_eps, val_eps = episodes, val_only
    else:
        train_eps, val_eps = episodes[:-args.val_episodes], episodes[-args.val_episodes:]
    val_picks = [(i, t) for i, ep in enumerate(val_eps) for t in range(len(ep))]
    if args.val_samples and len(val_picks) > args.val_samples:  # a fixed, seeded subset of timesteps
        keep = np.random.default_rng(args.seed + 1).choice(len(val_picks), args.val_samples, replace=False)
        val_picks = [val_picks[i] for i in sorted(keep)]
    print(f"[I] {len(train_eps)} training / {len(val_eps)} validation episodes "
          f"({sum(map(len, train_eps))} training timesteps, {len(val_picks)} validation samples), "
          f"cameras {','.join(cams)}", flush=True)

    os.makedirs(args.out, exist_ok=True)
    cfg.save_json(os.path.join(args.out, "config.json"))
    save_stats(os.path.join(args.out, "stats.json"), stats)

    policy = ACTPolicy(cfg)
    init_weights(policy, args.seed)
    # No pretrained ImageNet trunk here: give the frozen BatchNorm layers the statistics of training
    # images so activations are normalized (the trunk's BN stays frozen during training, as in ACT).
    calib = [(int(e), int(rng.integers(len(train_eps[e])))) for e in rng.integers(len(train_eps), size=32)]
    _, calib_images, _, _ = batch_of(train_eps, calib, cams, stats, cfg.chunk_size)
    calibrate_frozen_bn(policy, calib_images)
    print(f"[I] parameters: {count_parameters(policy) / 1e6:.3f} M used at inference, "
          f"{count_parameters(policy, False) / 1e6:.3f} M in all")

    backbone = [p for n, p in policy.named_parameters() if "backbones" in n]
    rest = [p for n, p in policy.named_parameters() if "backbones" not in n]
    lr_bb = args.lr_backbone if args.lr_backbone is not None else args.lr
    opt = torch.optim.AdamW([{"params": rest, "lr": args.lr}, {"params": backbone, "lr": lr_bb}],
                            lr=args.lr, weight_decay=args.weight_decay)
    base_lrs = [g["lr"] for g in opt.param_groups]

    log = {"config": cfg.to_dict(), "args": vars(args), "evals": []}
    best = (float("inf"), -1)
    order = []
    step = 0
    run_loss = 0.0
    for step in range(1, args.steps + 1):
        # Draws as EpisodicDataset with a shuffling DataLoader: each epoch visits every training episode
        # once, at a fresh random timestep.
        picks = []
        while len(picks) < args.batch_size:
            if not order:
                order = list(rng.permutation(len(train_eps)))
            e = int(order.pop())
            picks.append((e, int(rng.integers(len(train_eps[e])))))
        q, im, a, pad = batch_of(train_eps, picks, cams, stats, cfg.chunk_size)
        warm = min(1.0, step / max(1, args.warmup))
        cos = 0.5 * (1 + np.cos(np.pi * step / args.steps))
        for g, lr0 in zip(opt.param_groups, base_lrs):
            g["lr"] = lr0 * warm * (0.1 + 0.9 * cos)
        policy.train()
        pred = policy(q, im)
        all_l1 = F.l1_loss(pred, a, reduction="none")
        loss = (all_l1 * (~pad).unsqueeze(-1)).mean()  # ACT's l1 term
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        run_loss += float(loss.detach())
        out_of_time = args.max_minutes > 0 and time.time() - t_start > args.max_minutes * 60
        if step % args.eval_every == 0 or step == args.steps or out_of_time:
            val, base = evaluate(policy, val_eps, val_picks, cams, stats, cfg.chunk_size)
            n = step % args.eval_every or args.eval_every
            rec = {"step": step, "train_loss": run_loss / n, "val_l1": val, "baseline_l1": base,
                   "minutes": (time.time() - t_start) / 60}
            log["evals"].append(rec)
            run_loss = 0.0
            mark = ""
            if val < best[0]:
                best = (val, step)
                torch.save(policy.state_dict(), os.path.join(args.out, "policy.pt"))
                mark = " (best, saved)"
            print(f"[I] step {step}: train loss {rec['train_loss']:.4f}  val L1 {val:.4f}  "
                  f"mean-action L1 {base:.4f}  ratio {base / val:.2f}  {rec['minutes']:.1f} min{mark}",
                  flush=True)
        if out_of_time:
            print(f"[W] stopping at step {step}: --max-minutes {args.max_minutes} reached")
            break

    final = next(r for r in log["evals"] if r["step"] == best[1])
    log["best"] = final
    with open(os.path.join(args.out, "log.json"), "w") as f:
        json.dump(log, f, indent=2)
        f.write("\n")
    print(f"[I] best: step {best[1]}, validation L1 {final['val_l1']:.4f} vs mean-action baseline "
          f"{final['baseline_l1']:.4f} ({final['baseline_l1'] / final['val_l1']:.2f}x better); "
          f"{(time.time() - t_start) / 60:.1f} min; wrote {args.out}/policy.pt, config.json, stats.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
