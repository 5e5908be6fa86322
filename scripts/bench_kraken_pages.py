#!/usr/bin/env python3
"""kraken's baseline segmenter on page scans: seconds per page, recall and precision.

Runs kraken's default baseline segmenter (`blla`, the model shipped in its wheel, loaded once) on CPU
with torch on --threads threads, one page at a time, and matches the found lines with the
ALTO/PAGE lines beside each page (same name, .xml) exactly as `scribe bench pages` does:
box IoU >= 0.5, one to one, greedy by IoU. The best of --runs timed passes is kept.

Usage: bench_kraken_pages.py PAGE.png... [--threads N] [--runs N] [--json]
"""
import argparse
import json
import os
import re
import sys
import time
import xml.etree.ElementTree as ET


def reference_boxes(xml_path):
    """Line boxes of an ALTO (HPOS/VPOS/WIDTH/HEIGHT, else the polygon) or PAGE file."""
    boxes = []
    for el in ET.parse(xml_path).iter():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag != "TextLine":
            continue
        a = el.attrib
        if all(k in a for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT")):
            x, y, w, h = (int(round(float(a[k]))) for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT"))
            boxes.append((x, y, x + w, y + h))
            continue
        points = []
        for child in el.iter():
            ctag = child.tag.rsplit("}", 1)[-1]
            if ctag == "Polygon" and "POINTS" in child.attrib:
                nums = [float(v) for v in re.split(r"[ ,]+", child.attrib["POINTS"].strip()) if v]
                points = list(zip(nums[0::2], nums[1::2]))
                break
            if ctag == "Coords" and "points" in child.attrib:
                points = [tuple(float(v) for v in p.split(",")) for p in child.attrib["points"].split()]
                break
        if points:
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            boxes.append((int(min(xs)), int(min(ys)), int(max(xs)) + 1, int(max(ys)) + 1))
    return boxes


def iou(a, b):
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def matched(found, reference, threshold=0.5):
    """One-to-one matches, greedy by IoU (as Scribe's LineMatching.recall)."""
    pairs = sorted(((iou(r, f), i, j) for i, r in enumerate(reference) for j, f in enumerate(found)
                    if iou(r, f) >= threshold), reverse=True)
    used_r, used_f = set(), set()
    for _, i, j in pairs:
        if i not in used_r and j not in used_f:
            used_r.add(i)
            used_f.add(j)
    return len(used_r)


def line_box(line):
    """A kraken line's box: its boundary polygon, else its baseline."""
    points = getattr(line, "boundary", None) or getattr(line, "baseline", None)
    if points is None and isinstance(line, dict):
        points = line.get("boundary") or line.get("baseline")
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (int(min(xs)), int(min(ys)), int(max(xs)) + 1, int(max(ys)) + 1)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("pages", nargs="+")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    from importlib import resources
    import torch
    from PIL import Image
    from kraken import blla
    from kraken.lib import vgsl
    torch.set_num_threads(a.threads)
    model = vgsl.TorchVGSLModel.load_model(resources.files("kraken").joinpath("blla.mlmodel"))
    images = [Image.open(path) for path in a.pages]
    for im in images:
        im.load()
    blla.segment(images[0], model=model)   # warm-up
    best = float("inf")
    found = []
    for _ in range(a.runs):
        start = time.perf_counter()
        found = [blla.segment(im, model=model) for im in images]
        best = min(best, time.perf_counter() - start)
    hits = refs = proposed = 0
    for path, seg in zip(a.pages, found):
        lines = getattr(seg, "lines", None)
        if lines is None:
            lines = seg["lines"]
        boxes = [line_box(l) for l in lines]
        xml = os.path.splitext(path)[0] + ".xml"
        if os.path.isfile(xml):
            reference = reference_boxes(xml)
            hits += matched(boxes, reference)
            refs += len(reference)
            proposed += len(boxes)
    result = {"finder": "kraken blla", "threads": a.threads, "pages": len(images), "seconds_per_page": best / len(images),
              "recall": hits / refs if refs else float("nan"), "precision": hits / proposed if proposed else float("nan"),
              "references": refs, "found": sum(len(getattr(s, "lines", None) or s["lines"]) for s in found)}
    if a.json:
        print(json.dumps(result))
    else:
        print(f"kraken blla  {a.threads} threads  {len(images) / best:.3f} pages/s  {best / len(images):.2f} s/page  "
              f"recall {100 * result['recall']:.1f}%  precision {100 * result['precision']:.1f}%")


if __name__ == "__main__":
    sys.exit(main())
