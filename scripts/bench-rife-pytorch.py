#!/usr/bin/env python3
"""PyTorch reference timing of RIFE IFNet v4.x, for examples/rife_speed.rs.

Our own code following the structure of Practical-RIFE's IFNet_HDv3
(v4.25/v4.26: 5 IFBlocks + the 4-channel `encode` head; v4.6: 4 blocks, no
encoder), written the way the original writes it (full-size concatenation,
F.interpolate, grid_sample warps). The config is read from the weights' keys
and shapes, as tween does.

  python3 scripts/bench-rife-pytorch.py --weights flownet.pkl|.safetensors \
      [--size 1280x768] [--threads 2] [--reps 5] [--scale 1]
  python3 scripts/bench-rife-pytorch.py --weights W --check CONFORMANCE_DIR

Timing prints `median_ms <ms>` (wall, after one warm-up run, median of
--reps) and `median_cpu_ms <ms>` (CPU time of all threads, for a busy machine).
--check runs every RIFE conformance case of that weight file's version and
prints the max abs difference of out/flow/mask against the stored reference
(showing this is the same network). Needs torch and numpy only.
"""

import argparse
import json
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def load_weights(path):
    if path.endswith(".safetensors"):
        with open(path, "rb") as f:
            n = struct.unpack("<Q", f.read(8))[0]
            header = json.loads(f.read(n))
            body = f.read()
        sd = {}
        for k, v in header.items():
            if k == "__metadata__":
                continue
            assert v["dtype"] == "F32", f"{k}: only F32 safetensors are read here"
            a, b = v["data_offsets"]
            sd[k] = torch.from_numpy(np.frombuffer(body[a:b], dtype="<f4").reshape(v["shape"]).copy())
    else:
        sd = torch.load(path, map_location="cpu", weights_only=True)
    return {k.removeprefix("module."): v.float() for k, v in sd.items()}


def conv(cin, cout, k=3, stride=1, padding=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, padding, bias=True), nn.LeakyReLU(0.2, True))


class ResConv(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, 1, 1)
        self.beta = nn.Parameter(torch.ones((1, c, 1, 1)))
        self.relu = nn.LeakyReLU(0.2, True)

    def forward(self, x):
        return self.relu(self.conv(x) * self.beta + x)


class Head(nn.Module):
    def __init__(self, hidden, out):
        super().__init__()
        self.cnn0 = nn.Conv2d(3, hidden, 3, 2, 1)
        self.cnn1 = nn.Conv2d(hidden, hidden, 3, 1, 1)
        self.cnn2 = nn.Conv2d(hidden, hidden, 3, 1, 1)
        self.cnn3 = nn.ConvTranspose2d(hidden, out, 4, 2, 1)
        self.relu = nn.LeakyReLU(0.2, True)

    def forward(self, x):
        x = self.relu(self.cnn0(x))
        x = self.relu(self.cnn1(x))
        x = self.relu(self.cnn2(x))
        return self.cnn3(x)


class IFBlock(nn.Module):
    def __init__(self, in_planes, c, k):
        super().__init__()
        self.conv0 = nn.Sequential(conv(in_planes, c // 2, 3, 2, 1), conv(c // 2, c, 3, 2, 1))
        self.convblock = nn.Sequential(*[ResConv(c) for _ in range(8)])
        self.lastconv = nn.Sequential(nn.ConvTranspose2d(c, 4 * k, 4, 2, 1), nn.PixelShuffle(2))

    def forward(self, x, flow=None, scale=1):
        x = F.interpolate(x, scale_factor=1.0 / scale, mode="bilinear", align_corners=False)
        if flow is not None:
            flow = F.interpolate(flow, scale_factor=1.0 / scale, mode="bilinear", align_corners=False) * 1.0 / scale
            x = torch.cat((x, flow), 1)
        feat = self.conv0(x)
        feat = self.convblock(feat)
        tmp = self.lastconv(feat)
        tmp = F.interpolate(tmp, scale_factor=scale, mode="bilinear", align_corners=False)
        flow = tmp[:, :4] * scale
        mask = tmp[:, 4:5]
        feat = tmp[:, 5:] if tmp.shape[1] > 6 else None
        return flow, mask, feat


_grids = {}


def warp(x, flow):
    key = (flow.shape, flow.device)
    if key not in _grids:
        n, _, h, w = flow.shape
        hor = torch.linspace(-1.0, 1.0, w).view(1, 1, 1, w).expand(n, -1, h, -1)
        ver = torch.linspace(-1.0, 1.0, h).view(1, 1, h, 1).expand(n, -1, -1, w)
        _grids[key] = torch.cat([hor, ver], 1)
    h, w = x.shape[2], x.shape[3]
    flow = torch.cat([flow[:, 0:1] / ((w - 1.0) / 2.0), flow[:, 1:2] / ((h - 1.0) / 2.0)], 1)
    g = (_grids[key] + flow).permute(0, 2, 3, 1)
    return F.grid_sample(x, g, mode="bilinear", padding_mode="border", align_corners=True)


class IFNet(nn.Module):
    def __init__(self, sd):
        super().__init__()
        n = 0
        while f"block{n}.conv0.0.0.weight" in sd:
            n += 1
        blocks = []
        for i in range(n):
            c = sd[f"block{i}.conv0.1.0.weight"].shape[0]
            cin = sd[f"block{i}.conv0.0.0.weight"].shape[1]
            k = sd[f"block{i}.lastconv.0.weight"].shape[1] // 4
            blocks.append(IFBlock(cin, c, k))
        self.blocks = nn.ModuleList(blocks)
        self.encode = None
        if "encode.cnn0.weight" in sd:
            self.encode = Head(sd["encode.cnn0.weight"].shape[0], sd["encode.cnn3.weight"].shape[1])
        # Our module names differ from the checkpoint's only in `blocks.N` vs `blockN`.
        mine = {}
        for k, v in sd.items():
            if k.startswith("block"):
                i, rest = k[len("block"):].split(".", 1)
                mine[f"blocks.{i}.{rest}"] = v
            else:
                mine[k] = v
        self.load_state_dict(mine, strict=True)

    def forward(self, img0, img1, timestep, scale_list):
        timestep = (img0[:, :1].clone() * 0 + 1) * timestep
        f0 = f1 = None
        if self.encode is not None:
            f0 = self.encode(img0[:, :3])
            f1 = self.encode(img1[:, :3])
        flow = mask = feat = None
        warped_img0, warped_img1 = img0, img1
        for i, block in enumerate(self.blocks):
            if flow is None:
                xs = [img0[:, :3], img1[:, :3]] + ([f0, f1] if f0 is not None else []) + [timestep]
                flow, mask, feat = block(torch.cat(xs, 1), None, scale=scale_list[i])
            else:
                xs = [warped_img0[:, :3], warped_img1[:, :3]]
                if f0 is not None:
                    xs += [warp(f0, flow[:, :2]), warp(f1, flow[:, 2:4])]
                xs += [timestep, mask] + ([feat] if feat is not None else [])
                fd, m0, feat = block(torch.cat(xs, 1), flow, scale=scale_list[i])
                mask = m0 if f0 is not None else mask + m0
                flow = flow + fd
            warped_img0 = warp(img0, flow[:, :2])
            warped_img1 = warp(img1, flow[:, 2:4])
        mask = torch.sigmoid(mask)
        out = warped_img0 * mask + warped_img1 * (1 - mask)
        return out, flow, mask


def scale_list(n, scale):
    return [2 ** (n - 1 - i) / scale for i in range(n)]


def check(net, weights, root):
    from PIL import Image  # only for --check

    m = json.load(open(os.path.join(root, "manifest.json")))
    version = "4.25" if net.encode is not None else "4.6"
    worst = 0.0
    for case in m["cases"]:
        if case["family"] != "rife" or case["version"] != version:
            continue
        o = case["options"]
        ph, pw = o["padded_size"]

        def load(rel):
            a = np.asarray(Image.open(os.path.join(root, rel)).convert("RGB"), dtype=np.float32) / 255.0
            t = torch.from_numpy(a).permute(2, 0, 1)[None]
            h, w = t.shape[2], t.shape[3]
            return F.pad(t, (0, pw - w, 0, ph - h)), h, w

        a, h, w = load(case["inputs"]["frame0"])
        b, _, _ = load(case["inputs"]["frame1"])
        with torch.no_grad():
            out, flow, mask = net(a, b, o["timestep"], scale_list(len(net.blocks), o["scale"]))
        for key, got in (("out_f32", out), ("flow_f32", flow), ("mask_f32", mask)):
            ref = case["outputs"].get(key)
            if ref is None:
                continue
            exp = np.load(os.path.join(root, ref["path"]))
            d = float(np.abs(got[:, :, :h, :w].numpy() - exp).max())
            worst = max(worst, d)
            print(f"{case['id']} {key}: max abs {d:.3g}")
    print(f"worst max abs {worst:.3g}")
    return worst


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--size", default="1280x768", help="padded WxH")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--check", metavar="CONFORMANCE_DIR")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    net = IFNet(load_weights(args.weights)).eval()
    if args.check:
        sys.exit(0 if check(net, args.weights, args.check) <= 1e-4 else 1)
    w, h = (int(v) for v in args.size.split("x"))
    g = torch.Generator().manual_seed(0)
    img0 = torch.rand((1, 3, h, w), generator=g)
    img1 = torch.roll(img0, shifts=6, dims=3)
    sl = scale_list(len(net.blocks), args.scale)
    times, cpu = [], []
    with torch.inference_mode():
        net(img0, img1, 0.5, sl)
        for _ in range(args.reps):
            t0, c0 = time.perf_counter(), time.process_time()
            net(img0, img1, 0.5, sl)
            times.append((time.perf_counter() - t0) * 1e3)
            cpu.append((time.process_time() - c0) * 1e3)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {w}x{h}, runs: "
          + ", ".join(f"{t:.0f}" for t in times))
    print(f"cpu time per frame (all threads): {statistics.median(cpu):.0f} ms")
    print(f"median_cpu_ms {statistics.median(cpu):.2f}")
    print(f"median_ms {statistics.median(times):.2f}")


if __name__ == "__main__":
    main()
