"""Where the digit-strings model loses its digits, and what an isolated-digit classifier
does with the same MNIST pools.

  classifier  trains a small CNN (four 3x3 convolutions with batch norm, dropout, random
              affine distortion) on the 6,400 training-pool digits at their original 28x28
              and reports its error on the 800 validation-pool digits after each epoch: an
              estimate of what the digits themselves allow, without line composition.
  by-line     reads `scribe evaluate --unit char --format json --worst 100000` output of a
              digit-strings manifest and breaks the CER down by the line image's height
              and by the share of ink pixels (below 5%: the normalizer's sparse-ink case).
  by-source   reads the same evaluation output of a digit-strings split with the corpus's
              sources file (which MNIST digit is where in each line)
              and counts the errors per source digit (one hard digit drawn into many lines,
              or errors spread thin?) and by the gap to the nearest neighbour (touching and
              overlapping digits).
  margins     writes copies of a digit-strings manifest's first lines with wider margins of
              their own paper (its level, left-to-right gradient and grain, fitted per line)
              on every side, on one side or above and below, each with its manifest, so that
              `scribe evaluate` can measure what a loose crop costs a model (and what
              `--trim-margins` wins back).
  distort     the same with other changes a scan could bring: Gaussian blur, noise,
              rotation, strokes one pixel bolder on each side, the line shrunk to 60%.

Run through scripts/digit-strings-analysis, which sets up the Python environment.
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time
import zlib

import numpy as np


def read_idx(path, offset):
    return np.frombuffer(gzip.open(path).read(), np.uint8, offset=offset)


def pools(build):
    with open(os.path.join(build, "pools.txt")) as f:
        return {line.split("\t")[0]: np.array(line.split("\t")[1].split(), int) for line in f}


def classifier(a):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    images = read_idx(os.path.join(a.data, "mnist/digits-images-idx3-ubyte.gz"), 16).reshape(-1, 1, 28, 28)
    labels = read_idx(os.path.join(a.data, "mnist/digits-labels-idx1-ubyte.gz"), 8)
    p = pools(a.build)

    def tensors(idx):
        return torch.tensor(images[idx], dtype=torch.float32) / 255, torch.tensor(labels[idx], dtype=torch.long)

    xtr, ytr = tensors(p["train"])
    xva, yva = tensors(p["valid"])

    def block(i, o):
        return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU())

    net = nn.Sequential(block(1, 32), block(32, 32), nn.MaxPool2d(2), block(32, 64), block(64, 64), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Dropout(0.4), nn.Linear(64 * 49, 256), nn.ReLU(), nn.Dropout(0.4), nn.Linear(256, 10))
    opt = torch.optim.AdamW(net.parameters(), 2e-3, weight_decay=1e-4)
    batch = 64
    steps = a.epochs * (len(xtr) // batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=steps)

    def distort(x):
        # Rotation ±12°, scale 0.9-1.1, shear ±0.25, shift ±10% of the box.
        n = x.shape[0]
        angle = (torch.rand(n) - .5) * 2 * np.radians(12)
        scale = 0.9 + 0.2 * torch.rand(n)
        shear = (torch.rand(n) - .5) * 0.5
        theta = torch.zeros(n, 2, 3)
        theta[:, 0, 0] = torch.cos(angle) / scale
        theta[:, 0, 1] = -torch.sin(angle) / scale + shear
        theta[:, 1, 0] = torch.sin(angle) / scale
        theta[:, 1, 1] = torch.cos(angle) / scale
        theta[:, :, 2] = (torch.rand(n, 2) - .5) * 0.2
        return F.grid_sample(x, F.affine_grid(theta, x.shape, align_corners=False), align_corners=False)

    start = time.time()
    for epoch in range(a.epochs):
        net.train()
        order = torch.randperm(len(xtr))
        for i in range(0, len(xtr) - batch + 1, batch):
            b = order[i:i + batch]
            loss = F.cross_entropy(net(distort(xtr[b])), ytr[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
        net.eval()
        with torch.no_grad():
            wrong = int((net(xva).argmax(1) != yva).sum())
        print(f"epoch {epoch + 1}: validation-pool error {100 * wrong / len(yva):.2f}% ({wrong}/{len(yva)}), "
              f"{time.time() - start:.0f} s", flush=True)


def png_gray(path):
    """8-bit grayscale PNG (as scripts/corpus-digit-strings writes it) as floats 0-1."""
    data = open(path, "rb").read()
    i, chunks = 8, b""
    while i < len(data):
        n, kind = struct.unpack(">I", data[i:i + 4])[0], data[i + 4:i + 8]
        body = data[i + 8:i + 8 + n]
        if kind == b"IHDR":
            w, h, depth, colour = struct.unpack(">IIBB", body[:10])
            if (depth, colour) != (8, 0):
                sys.exit(f"{path}: expected 8-bit grayscale PNG")
        elif kind == b"IDAT":
            chunks += body
        i += 12 + n
    raw = np.frombuffer(zlib.decompress(chunks), np.uint8).reshape(h, w + 1)
    if raw[:, 0].any():
        sys.exit(f"{path}: expected PNG rows without filters")
    return raw[:, 1:] / 255.0


def write_png(path, image):
    """8-bit grayscale PNG without filters, like scripts/corpus-digit-strings writes."""
    h, w = image.shape
    raw = b"".join(b"\x00" + image[y].tobytes() for y in range(h))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


# Margins added by `margins`, in pixels: left, right, top, bottom.
MARGIN_VARIANTS = {"all10": (10, 10, 10, 10), "all40": (40, 40, 40, 40), "all100": (100, 100, 100, 100),
                   "right80": (0, 80, 0, 0), "above-below40": (0, 0, 40, 40)}


def with_paper(image, pad, rng):
    """`image` (floats 0-1) inside a larger sheet of its own paper: a level that changes
    linearly from left to right (fitted to the column medians) plus grain of the image's
    robust deviation from them."""
    left, right, top, bottom = pad
    h, w = image.shape
    columns = np.median(image, axis=0)
    slope, level = np.polyfit(np.arange(w), columns, 1)
    grain = 1.4826 * np.median(np.abs(image - columns[None, :]))
    x = np.arange(w + left + right) - left
    sheet = (slope * x + level)[None, :] + rng.normal(0, grain, (h + top + bottom, w + left + right))
    sheet[top:top + h, left:left + w] = image
    return sheet


def margins(a):
    copies(a, {"original": lambda im, rng: im,
               **{name: (lambda im, rng, pad=pad: with_paper(im, pad, rng)) for name, pad in MARGIN_VARIANTS.items()}})


def blur(image, sigma=1.0):
    r = int(3 * sigma)
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    out = np.pad(image, r, mode="edge")
    out = np.apply_along_axis(lambda v: np.convolve(v, k, "valid"), 0, out)
    return np.apply_along_axis(lambda v: np.convolve(v, k, "valid"), 1, out)


def rotate(image, degrees):
    """Rotated about the centre (nearest pixel), enlarged to hold the corners, paper around."""
    h, w = image.shape
    t = np.deg2rad(degrees)
    height = int(h + abs(np.sin(t)) * w) + 2
    ys, xs = np.mgrid[0:height, 0:w]
    dx, dy = xs - w / 2, ys - height / 2
    sx = np.cos(t) * dx + np.sin(t) * dy + w / 2
    sy = -np.sin(t) * dx + np.cos(t) * dy + h / 2
    inside = (sx >= 0) & (sx <= w - 1) & (sy >= 0) & (sy <= h - 1)
    out = np.full((height, w), np.median(image))
    out[inside] = image[np.round(sy[inside]).astype(int), np.round(sx[inside]).astype(int)]
    return out


def bolder(image):
    """Strokes one pixel wider on each side: the darkest of each 3x3 neighbourhood."""
    h, w = image.shape
    p = np.pad(image, 1, mode="edge")
    return np.min([p[y:y + h, x:x + w] for y in range(3) for x in range(3)], axis=0)


def shrink(image, factor):
    """Bilinear resize by `factor`."""
    h, w = image.shape
    nh, nw = max(1, round(h * factor)), max(1, round(w * factor))
    ys = np.clip((np.arange(nh) + 0.5) / factor - 0.5, 0, h - 1)
    xs = np.clip((np.arange(nw) + 0.5) / factor - 0.5, 0, w - 1)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
    fy, fx = (ys - y0)[:, None], (xs - x0)[None, :]
    top = image[y0][:, x0] * (1 - fx) + image[y0][:, x1] * fx
    bottom = image[y1][:, x0] * (1 - fx) + image[y1][:, x1] * fx
    return top * (1 - fy) + bottom * fy


DISTORTIONS = {"blur1": lambda im, rng: blur(im, 1.0),
               "noise0.08": lambda im, rng: im + rng.normal(0, 0.08, im.shape),
               "rotated4": lambda im, rng: rotate(im, 4),
               "bolder": lambda im, rng: bolder(im),
               "shrunk0.6": lambda im, rng: shrink(im, 0.6)}


def copies(a, variants):
    """Writes each of `variants` (name: function of image and rng) of the manifest's first
    lines under a.out, with a manifest each; prints the variant names."""
    root = os.path.dirname(os.path.abspath(a.manifest))
    with open(a.manifest) as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:a.limit + 1]
    rng = np.random.default_rng(a.seed)
    for name, change in variants.items():
        os.makedirs(os.path.join(a.out, name), exist_ok=True)
        with open(os.path.join(a.out, name + ".tsv"), "w") as m:
            m.write("id\tpath\ttext\n")
            for ident, path, text in rows:
                out = os.path.join(name, os.path.basename(path))
                image = change(png_gray(os.path.join(root, path)), rng)
                write_png(os.path.join(a.out, out), (np.clip(image, 0, 1) * 255).round().astype(np.uint8))
                m.write(f"{ident}\t{out}\t{text}\n")
    print(" ".join(variants))


def distort(a):
    copies(a, {"original": lambda im, rng: im, **DISTORTIONS})


def by_line(a):
    errors = {ident: u["errors"] for ident, u in worst_lines(a.evaluation).items()}
    root = os.path.dirname(os.path.abspath(a.manifest))
    rows = [line.split("\t") for line in open(a.manifest).read().splitlines()[1:]]
    tables = {"image height (px)": {}, "ink share": {}}
    for ident, path, text in rows:
        image = png_gray(os.path.join(root, path))
        ink = float((image < np.median(image) - 0.25).mean())
        keys = {"image height (px)": f"{image.shape[0] // 12 * 12:3d}-{image.shape[0] // 12 * 12 + 11}",
                "ink share": "under 5%" if ink < 0.05 else "5-10%" if ink < 0.10 else "10% or more"}
        for table, key in keys.items():
            cell = tables[table].setdefault(key, [0, 0, 0])
            cell[0] += 1
            cell[1] += len(text)
            cell[2] += errors.get(ident, 0)
    for table, cells in tables.items():
        print(f"| {table} | lines | digits | errors | CER |\n|---|--:|--:|--:|--:|")
        for key in sorted(cells):
            lines, digits, wrong = cells[key]
            print(f"| {key} | {lines} | {digits} | {wrong} | {100 * wrong / digits:.2f}% |")
        print()


def worst_lines(path):
    """The per-line report of `scribe evaluate --unit char --format json --worst 100000`: every
    line with an error, by id, with scribe's own alignment (ref/hyp padded with '*', eval S/D/I)."""
    report = json.load(open(path))["cer"]
    if report["utterances_with_errors"] > len(report["worst"]):
        sys.exit("the evaluation lists fewer lines than have errors: run it with --worst 100000")
    return {u["id"]: u for u in report["worst"]}


def error_positions(line):
    """(kind, reference position) of each error in one line of worst_lines(): S and D at the
    reference digit they hit, I at the reference position it precedes."""
    ops, position = [], 0
    for ref, kind in zip(line["ref"], line["eval"]):
        if kind in "SDI":
            ops.append((kind, position))
        if ref != "*":
            position += 1
    return ops


SPACING = [("overlap over 2 px", -2), ("touching (-2 to 0 px)", 1), ("1-3 px apart", 4), ("4 px or more apart", None)]


def spacing_bin(boxes, k):
    """The SPACING row of digit k by the pixels between its box and its nearest neighbour's
    (negative: they overlap), or "alone on the line"."""
    gaps = []
    if k > 0:
        gaps.append(boxes[k][0] - (boxes[k - 1][0] + boxes[k - 1][2]))
    if k + 1 < len(boxes):
        gaps.append(boxes[k + 1][0] - (boxes[k][0] + boxes[k][2]))
    if not gaps:
        return "alone on the line"
    return next(name for name, below in SPACING if below is None or min(gaps) < below)


def by_source(a):
    refs = {r.split("\t")[0]: r.split("\t")[2] for r in open(a.manifest).read().splitlines()[1:]}
    sources = {}
    for line in open(a.sources).read().splitlines()[1:]:
        ident, digits, boxes = line.split("\t")
        sources[ident] = ([int(d) for d in digits.split()], [tuple(map(int, b.split(","))) for b in boxes.split()])
    missing = [i for i in refs if i not in sources]
    if missing:
        sys.exit(f"{len(missing)} lines of {a.manifest} are not in {a.sources} (first: {missing[0]}): "
                 "rebuild the corpus (scripts/corpus-digit-strings)")
    failed = worst_lines(a.evaluation)
    seen, wrong, labels, kinds, spacing = {}, {}, {}, {"S": 0, "D": 0, "I": 0}, {}
    for ident, ref in refs.items():
        digits, boxes = sources[ident]
        bad = set()
        for kind, i in error_positions(failed[ident]) if ident in failed else []:
            kinds[kind] += 1
            if kind != "I":
                bad.add(i)
                wrong[digits[i]] = wrong.get(digits[i], 0) + 1
        for k, digit in enumerate(digits):
            seen[digit] = seen.get(digit, 0) + 1
            labels[digit] = ref[k]
            cell = spacing.setdefault(spacing_bin(boxes, k), [0, 0])
            cell[0] += 1
            cell[1] += k in bad
    print(f"{sum(kinds.values())} errors ({kinds['S']} substitutions, {kinds['D']} deletions, {kinds['I']} insertions) "
          f"in {sum(len(r) for r in refs.values())} digits; the substituted or deleted digits come from "
          f"{len(wrong)} of the {len(seen)} source digits\n")
    print("| MNIST digit | label | errors | lines it is in |\n|--:|--:|--:|--:|")
    for digit, n in sorted(wrong.items(), key=lambda kv: (-kv[1], kv[0]))[:a.top]:
        print(f"| {digit} | {labels[digit]} | {n} | {seen[digit]} |")
    print("\n| nearest neighbour | digits | errors | error rate |\n|---|--:|--:|--:|")
    for name in [row[0] for row in SPACING] + ["alone on the line"]:
        if name in spacing:
            n, e = spacing[name]
            print(f"| {name} | {n} | {e} | {100 * e / n:.2f}% |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("classifier")
    c.add_argument("--data", required=True, help="the shared data folder (holding mnist/)")
    c.add_argument("--build", required=True, help="corpora/digit-strings/build (for pools.txt)")
    c.add_argument("--epochs", type=int, default=30)
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--threads", type=int, default=1)
    b = sub.add_parser("by-line")
    b.add_argument("manifest")
    b.add_argument("evaluation", help="JSON from scribe evaluate --unit char --format json --worst 100000")
    s = sub.add_parser("by-source")
    s.add_argument("manifest")
    s.add_argument("sources", help="the corpus's sources-<manifest> file (scripts/corpus-digit-strings)")
    s.add_argument("evaluation", help="JSON from scribe evaluate --unit char --format json --worst 100000")
    s.add_argument("--top", type=int, default=10, help="source digits to list (default 10)")
    for name in ("margins", "distort"):
        m = sub.add_parser(name)
        m.add_argument("manifest")
        m.add_argument("out", help="folder for the copies and their manifests (<variant>.tsv)")
        m.add_argument("--limit", type=int, default=300, help="lines to copy (default 300)")
        m.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    {"classifier": classifier, "by-line": by_line, "by-source": by_source, "margins": margins, "distort": distort}[a.command](a)


if __name__ == "__main__":
    main()
