#!/usr/bin/env python3
"""PyTorch twin of `scribe bench train-step`: the same stacked BiLSTM + linear model (or the
network of --spec: convolutions slid along a line, BiLSTMs, dropout), the same step (forward,
log-softmax, CTC loss with mean reduction, backward, Adam update) on the same sizes, timed
the same way (median of --steps after --warmup). Prints one JSON line per row."""
import argparse
import json
import re
import time

import torch
import torch.nn.functional as F


class ConvWindow(torch.nn.Module):
    """Scribe's ConvWindow: columns (T, B, H) become an image (B, 1, H, T + 2·pad), the image
    layers run over the whole line (convolutions padded vertically only), and frame t is the
    feature-map patch under a `window`-pixel window every `stride` pixels, flattened."""

    def __init__(self, image_layers, window, stride, pool, patch_width):
        super().__init__()
        self.layers = torch.nn.Sequential(*image_layers)
        self.pad = window // 2
        self.step = stride // pool  # window step on the feature map
        self.patch_width = patch_width  # window width on the feature map

    def forward(self, x):
        image = F.pad(x.permute(1, 2, 0).unsqueeze(1), (self.pad, self.pad))
        fmap = self.layers(image)  # (B, C', H', W')
        patches = fmap.unfold(3, self.patch_width, self.step)  # (B, C', H', T', w')
        return patches.permute(3, 0, 1, 2, 4).flatten(2)  # (T', B, C'·H'·w')


class BiLSTM(torch.nn.Module):
    """Bidirectional nn.LSTM layers that return the output sequence only."""

    def __init__(self, inputs, hidden, layers=1):
        super().__init__()
        self.lstm = torch.nn.LSTM(inputs, hidden, num_layers=layers, bidirectional=True)

    def forward(self, x):
        return self.lstm(x)[0]


def build(spec, input_size, classes):
    """The network of a Scribe spec (the subset the line models use: Cb/Cr/C convolutions,
    Mp pooling, W window, Do dropout, Fl linear, Lbx bidirectional LSTM) plus Fl<classes>."""
    layers, image, channels, height, size, pool = [], [], 1, input_size, input_size, 1
    widths = []  # ("conv", kernel width) and ("pool", pool width), in order
    for token in spec.split() + [f"Fl{classes}"]:
        if m := re.fullmatch(r"C([br]?)(\d+)x(\d+),(\d+)", token):
            kind, kh, kw, out = m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4))
            image.append(torch.nn.Conv2d(channels, out, (kh, kw), padding=(kh // 2, 0)))
            if kind == "b":
                image.append(torch.nn.BatchNorm2d(out))
            if kind:
                image.append(torch.nn.ReLU())
            channels = out
            widths.append(("conv", kw))
        elif m := re.fullmatch(r"Mp(\d+)x(\d+)", token):
            ph, pw = int(m.group(1)), int(m.group(2))
            image.append(torch.nn.MaxPool2d((ph, pw)))
            height, pool = height // ph, pool * pw
            widths.append(("pool", pw))
        elif m := re.fullmatch(r"W(\d+)s(\d+)", token):
            window, stride = int(m.group(1)), int(m.group(2))
            w = window  # the window's width through the layers, as Scribe's ConvWindow counts it
            for kind, k in widths:
                w = w // k if kind == "pool" else w - k + 1
            layers.append(ConvWindow(image, window, stride, pool, w))
            size = channels * height * w
        elif m := re.fullmatch(r"Do(\d+)", token):
            layers.append(torch.nn.Dropout(int(m.group(1)) / 100))
        elif m := re.fullmatch(r"Fl(\d+)", token):
            layers.append(torch.nn.Linear(size, int(m.group(1))))
            size = int(m.group(1))
        elif m := re.fullmatch(r"Lbx(\d+)", token):
            layers.append(BiLSTM(size, int(m.group(1))))
            size = 2 * int(m.group(1))
        else:
            raise SystemExit(f"bench_train_step.py: unsupported spec token {token!r}")
    return torch.nn.Sequential(*layers)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--spec", default=None)
    p.add_argument("--input", type=int, default=80)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--classes", type=int, default=29)
    p.add_argument("--batch", default="16")
    p.add_argument("--frames", type=int, default=400)
    p.add_argument("--target-length", type=int, default=60)
    p.add_argument("--threads", default="1")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--inference-frames", type=int, default=1000)
    a = p.parse_args()
    torch.manual_seed(1)
    batches = [int(b) for b in a.batch.split(",")]
    for n in [int(t) for t in a.threads.split(",")]:
        torch.set_num_threads(n)
        for b in batches:
            if a.spec:
                net = build(a.spec, a.input, a.classes)
            else:
                net = torch.nn.Sequential(BiLSTM(a.input, a.hidden, a.layers), torch.nn.Linear(2 * a.hidden, a.classes))
            net.train()
            adam = torch.optim.Adam(net.parameters(), lr=1e-3)
            x = torch.randn(a.frames, b, a.input)
            targets = torch.randint(1, a.classes, (b, a.target_length))
            with torch.no_grad():
                output_frames = net(x).shape[0]
            input_lengths = torch.full((b,), output_frames, dtype=torch.long)
            target_lengths = torch.full((b,), a.target_length, dtype=torch.long)

            def step():
                adam.zero_grad(set_to_none=False)
                lp = F.log_softmax(net(x), dim=2)
                loss = F.ctc_loss(lp, targets, input_lengths, target_lengths, blank=0, reduction="mean")
                loss.backward()
                adam.step()

            for _ in range(a.warmup):
                step()
            times = []
            for _ in range(a.steps):
                t0 = time.perf_counter()
                step()
                times.append(time.perf_counter() - t0)
            median = sorted(times)[len(times) // 2]
            row = {"system": "pytorch", "threads": n, "batch": b, "ms_per_step": median * 1000,
                   "frames_per_s": b * a.frames / median}
            if a.inference_frames > 0 and b == batches[0]:
                u = torch.randn(a.inference_frames, 1, a.input)
                net.eval()
                with torch.no_grad():
                    F.log_softmax(net(u), dim=2)
                    ts = []
                    for _ in range(7):
                        t0 = time.perf_counter()
                        F.log_softmax(net(u), dim=2)
                        ts.append(time.perf_counter() - t0)
                t = sorted(ts)[3]  # median of 7
                row["inference_ms"] = t * 1000
                row["inference_rtf"] = t / (a.inference_frames * 0.01)
            print(json.dumps(row, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
