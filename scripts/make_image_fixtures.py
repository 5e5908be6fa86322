#!/usr/bin/env python3
"""Write small PNG files in every colour type, bit depth and interlacing that Scribe must
read, with the gray values a correct reader returns, for Tests/ScribeImageTests.

Each image is 7 x 5 pixels (odd sizes exercise Adam7's partial passes) of up to 16 gray
levels spread over the full range of each bit depth. Colour images use r = g = b so the expected gray is exact; alpha images
have one fully transparent pixel (expected white) and otherwise full opacity.

Usage: scripts/make_image_fixtures.py [--out DIR]   (needs pypng)
"""
import argparse
import json
import os

import png

W, H = 7, 5


def ramp(depth):
    top = (1 << depth) - 1
    levels = min(16, top + 1)
    return [[((x * 3 + y * 5) % levels) * top // (levels - 1) for x in range(W)] for y in range(H)]


def to8(v, depth):
    return round(v * 255 / ((1 << depth) - 1))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(here, "..", "Tests", "ScribeImageTests", "Fixtures"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    cases = []
    for interlace in (False, True):
        suffix = "-adam7" if interlace else ""
        for depth in (1, 2, 4, 8, 16):
            rows = ramp(depth)
            name = f"gray{depth}{suffix}.png"
            png.Writer(W, H, greyscale=True, bitdepth=depth, interlace=interlace).write(open(os.path.join(args.out, name), "wb"), rows)
            cases.append(dict(file=name, gray=[to8(v, depth) for r in rows for v in r]))
        for depth in (8, 16):
            rows = ramp(depth)
            top = (1 << depth) - 1
            # Gray + alpha: pixel (0, 0) fully transparent.
            ga = [[c for x, v in enumerate(r) for c in (v, 0 if (x, y) == (0, 0) else top)] for y, r in enumerate(rows)]
            name = f"grayalpha{depth}{suffix}.png"
            png.Writer(W, H, greyscale=True, alpha=True, bitdepth=depth, interlace=interlace).write(open(os.path.join(args.out, name), "wb"), ga)
            expect = [to8(v, depth) for r in rows for v in r]
            expect[0] = 255
            cases.append(dict(file=name, gray=expect))
            rgb = [[c for v in r for c in (v, v, v)] for r in rows]
            name = f"rgb{depth}{suffix}.png"
            png.Writer(W, H, greyscale=False, bitdepth=depth, interlace=interlace).write(open(os.path.join(args.out, name), "wb"), rgb)
            cases.append(dict(file=name, gray=[to8(v, depth) for r in rows for v in r]))
            rgba = [[c for x, v in enumerate(r) for c in (v, v, v, 0 if (x, y) == (0, 0) else top)] for y, r in enumerate(rows)]
            name = f"rgba{depth}{suffix}.png"
            png.Writer(W, H, greyscale=False, alpha=True, bitdepth=depth, interlace=interlace).write(open(os.path.join(args.out, name), "wb"), rgba)
            cases.append(dict(file=name, gray=expect))
        for depth in (1, 2, 4, 8):
            # A palette of grays; index i maps to gray level palette[i].
            n = 1 << depth
            palette = [(round(255 * i / (n - 1)),) * 3 for i in range(n)]
            rows = ramp(depth)
            name = f"palette{depth}{suffix}.png"
            png.Writer(W, H, palette=palette, bitdepth=depth, interlace=interlace).write(open(os.path.join(args.out, name), "wb"), rows)
            cases.append(dict(file=name, gray=[palette[v][0] for r in rows for v in r]))
    with open(os.path.join(args.out, "pngs.json"), "w") as f:
        json.dump(dict(width=W, height=H, cases=cases), f, indent=0)
    print(f"wrote {len(cases)} PNG fixtures to {args.out}")


if __name__ == "__main__":
    main()
