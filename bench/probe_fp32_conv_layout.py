#!/usr/bin/env python3
"""Probe: how fast can cuDNN run act-base's backbone convolutions in FP32 (TF32 off) per layout?

actrt runs every convolution NHWC. In FP32 without tensor cores, cuDNN's best algorithms
(Winograd, FFT) are NCHW-only, so this probe times ResNet18's conv geometries at act-base's size
(batch 3 = three cameras, 480x640) in NCHW and channels_last with cudnn.benchmark (every algorithm
tried), layer by layer and as the whole backbone. Decides whether actrt's FP32 engines should keep
convolutions NCHW. Run on the GPU machine: python3 bench/probe_fp32_conv_layout.py
"""
import time

import torch
import torch.nn.functional as F

torch.backends.cudnn.benchmark = True
torch.backends.cudnn.allow_tf32 = False
torch.backends.cuda.matmul.allow_tf32 = False

# (name, in_ch, out_ch, kernel, stride, input H, input W, count in the backbone)
GEOMETRIES = [
    ("stem", 3, 64, 7, 2, 480, 640, 1),
    ("layer1", 64, 64, 3, 1, 120, 160, 4),
    ("layer2.0.conv1", 64, 128, 3, 2, 120, 160, 1),
    ("layer2.down", 64, 128, 1, 2, 120, 160, 1),
    ("layer2", 128, 128, 3, 1, 60, 80, 3),
    ("layer3.0.conv1", 128, 256, 3, 2, 60, 80, 1),
    ("layer3.down", 128, 256, 1, 2, 60, 80, 1),
    ("layer3", 256, 256, 3, 1, 30, 40, 3),
    ("layer4.0.conv1", 256, 512, 3, 2, 30, 40, 1),
    ("layer4.down", 256, 512, 1, 2, 30, 40, 1),
    ("layer4", 512, 512, 3, 1, 15, 20, 3),
]


def time_ms(fn, iters=50):
    for _ in range(5):
        fn()
    torch.cuda.synchronize()
    start = torch.cuda.Event(enable_timing=True)
    stop = torch.cuda.Event(enable_timing=True)
    samples = []
    for _ in range(iters):
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        samples.append(start.elapsed_time(stop))
    samples.sort()
    return samples[len(samples) // 2]


def main():
    dev = torch.device("cuda")
    total = {"nchw": 0.0, "nhwc": 0.0}
    print(f"{'layer':16s} {'NCHW ms':>9s} {'NHWC ms':>9s} {'count':>5s}  GFLOP/s NCHW")
    for name, ci, co, k, s, h, w, count in GEOMETRIES:
        x = torch.randn(3, ci, h, w, device=dev)
        wt = torch.randn(co, ci, k, k, device=dev) * 0.05
        b = torch.randn(co, device=dev)
        row = {}
        for layout, fmt in (("nchw", torch.contiguous_format), ("nhwc", torch.channels_last)):
            xl = x.contiguous(memory_format=fmt)
            wl = wt.contiguous(memory_format=fmt)
            with torch.no_grad():
                row[layout] = time_ms(lambda: F.relu(F.conv2d(xl, wl, b, stride=s, padding=k // 2)))
            total[layout] += row[layout] * count
        ho, wo = (h + 2 * (k // 2) - k) // s + 1, (w + 2 * (k // 2) - k) // s + 1
        flops = 2.0 * 3 * co * ho * wo * ci * k * k
        print(f"{name:16s} {row['nchw']:9.4f} {row['nhwc']:9.4f} {count:5d}  "
              f"{flops / row['nchw'] / 1e6:8.0f}")
    print(f"{'sum (x count)':16s} {total['nchw']:9.4f} {total['nhwc']:9.4f}")


if __name__ == "__main__":
    t0 = time.time()
    main()
    print(f"probe wall {time.time() - t0:.1f} s")
