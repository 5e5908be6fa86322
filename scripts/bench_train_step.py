#!/usr/bin/env python3
"""PyTorch twin of `scribe bench train-step`: the same stacked BiLSTM + linear model, the same
step (forward, log-softmax, CTC loss with mean reduction, backward, Adam update) on the same
sizes, timed the same way (median of --steps after --warmup). Prints one JSON line per row."""
import argparse
import json
import time

import torch
import torch.nn.functional as F


def main():
    p = argparse.ArgumentParser(description=__doc__)
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
            lstm = torch.nn.LSTM(a.input, a.hidden, num_layers=a.layers, bidirectional=True)
            linear = torch.nn.Linear(2 * a.hidden, a.classes)
            params = list(lstm.parameters()) + list(linear.parameters())
            adam = torch.optim.Adam(params, lr=1e-3)
            x = torch.randn(a.frames, b, a.input)
            targets = torch.randint(1, a.classes, (b, a.target_length))
            input_lengths = torch.full((b,), a.frames, dtype=torch.long)
            target_lengths = torch.full((b,), a.target_length, dtype=torch.long)

            def step():
                adam.zero_grad(set_to_none=False)
                y, _ = lstm(x)
                lp = F.log_softmax(linear(y), dim=2)
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
                with torch.no_grad():
                    F.log_softmax(linear(lstm(u)[0]), dim=2)
                    ts = []
                    for _ in range(7):
                        t0 = time.perf_counter()
                        F.log_softmax(linear(lstm(u)[0]), dim=2)
                        ts.append(time.perf_counter() - t0)
                t = sorted(ts)[3]  # median of 7
                row["inference_ms"] = t * 1000
                row["inference_rtf"] = t / (a.inference_frames * 0.01)
            print(json.dumps(row, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
