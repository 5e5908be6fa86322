#!/usr/bin/env python3
"""kraken's text recognition on line images: lines per second.

kraken ships no recognition model in its wheel and this machine cannot download one, so the
network is kraken's default recognition architecture (the VGSL spec `ketos train` starts
from, 120 px high grayscale lines, with an output layer for --classes symbols) with its
own random initialization: the speed of a forward pass does not depend on the weights.
Each line image is recognized whole, as `kraken ... ocr --no-segmentation` does (a bounding
box covering the image; kraken scales it to the network's height, runs the network on CPU
torch with --threads threads and decodes greedily), one line at a time. PNG decoding is
inside the timing, as in `scribe bench recognize`. The median of --runs timed passes is
reported.

Usage: bench_kraken_lines.py LINE.png... [--threads N] [--runs N] [--classes N] [--json]
"""
import argparse
import json
import statistics
import sys
import time
import warnings

DEFAULT_SPEC = ("[1,120,0,1 Cr3,13,32 Do0.1,2 Mp2,2 Cr3,13,32 Do0.1,2 Mp2,2 Cr3,9,64 Do0.1,2 Mp2,2 "
                "Cr3,9,64 Do0.1,2 S1(1x0)1,3 Lbx200 Do0.1,2 Lbx200 Do0.1,2 Lbx200 Do")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("lines", nargs="+")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--classes", type=int, default=96, help="symbols besides the blank (Poilus: 96)")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()

    import torch
    from PIL import Image
    from kraken import rpred
    from kraken.containers import BBoxLine, Segmentation
    from kraken.lib.models import TorchSeqRecognizer
    from kraken.lib.vgsl import TorchVGSLModel

    torch.set_num_threads(a.threads)
    warnings.filterwarnings("ignore")
    symbols = [chr(0x21 + i) for i in range(a.classes)]
    spec = DEFAULT_SPEC + f" O1c{a.classes + 1}]"
    net = TorchVGSLModel(vgsl=spec, codec={c: [i + 1] for i, c in enumerate(symbols)},
                         model_type=["recognition"], seg_type="bbox", one_channel_mode="L")
    recognizer = TorchSeqRecognizer(net, device="cpu")
    parameters = sum(t.numel() for t in net.nn.parameters())

    def recognize_all():
        characters = 0
        for path in a.lines:
            im = Image.open(path)
            im.load()
            seg = Segmentation(type="bbox", imagename=path, text_direction="horizontal-lr", script_detection=False,
                               lines=[BBoxLine(id="line", bbox=(0, 0, im.width, im.height))])
            for record in rpred.rpred(recognizer, im, seg):
                characters += len(record.prediction)
        return characters

    recognize_all()  # warm-up: torch's first calls allocate and pick kernels
    times = []
    for _ in range(a.runs):
        start = time.perf_counter()
        recognize_all()
        times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    result = {"system": "kraken 7.1.1 (default recognition spec, untrained)", "threads": a.threads,
              "lines": len(a.lines), "seconds": seconds, "lines_per_second": len(a.lines) / seconds,
              "parameters": parameters, "spec": spec, "torch": torch.__version__}
    if a.json:
        json.dump(result, sys.stdout)
        print()
    else:
        print(f"kraken on {len(a.lines)} lines, {a.threads} thread(s): {seconds:.3f} s, "
              f"{len(a.lines) / seconds:.1f} lines/s ({parameters:,} parameters)")


if __name__ == "__main__":
    main()
