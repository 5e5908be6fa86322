#!/usr/bin/env python3
"""Render synthetic handwritten-looking text lines with handwriting and script fonts.

For pre-training or augmenting a line recognizer when real lines are few (the Poilus
training split has 2,051). Text comes from training transcripts (by default the Poilus
training split's, so no validation or test text is used): a line is either a training line
verbatim or a span of consecutive words of the training text with a real line's length;
with --lexicon, a --lexicon-share of the lines are instead words of a frequency-ordered
French word list (scripts/lm-lexicon: wordfreq, not the corpus), so that the network sees
words, names and capitals its 2,051 training lines never hold.
Each line is drawn word by word in one font that has every character of the line (fonts
lacking one are not used for that line; a line no font can draw is skipped and counted),
with per-line size, slant, rotation, stroke weight (erosion/dilation), word spacing and
per-word baseline jitter, a wavy baseline, and ink on paper with shading, noise and blur;
then cropped to the ink with a 4 px margin and scaled down to at most 80 px high, as the
Poilus line crops were.

Writes under --out (default corpora/poilus-synth/build, git-ignored):
  png/NNNNNN.png, train.tsv (header `id path text writer`, writer = font; paths relative to
  the manifest), mixed.tsv (train.tsv plus the lines of --mix, default the real Poilus
  training manifest, when it exists), fonts.txt (font files and how many lines each drew).
Deterministic for a given --seed and font set. Line ids are --id-prefix (default `synth`)
and the line number, so two draws meant to train together need different prefixes (the
trainer refuses an id that two manifests share).

Usage: synth_lines.py [--text FILE...] [--alphabet FILE] [--lines N] [--out DIR] [--mix TSV] [--seed S]
                      [--lexicon WORDS.txt --lexicon-share P] [--id-prefix P]
"""
import argparse
import collections
import csv
import math
import os
import random
import sys

import numpy as np
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# Handwriting and script fonts from Debian packages (see scripts/corpus-synth-lines).
FONT_FILES = [
    "/usr/share/fonts/truetype/ecolier-court/Ecolier-court.ttf",                # fonts-ecolier-court
    "/usr/share/fonts/opentype/dancingscript/DancingScript-Regular.otf",        # fonts-dancingscript
    "/usr/share/fonts/opentype/dancingscript/DancingScript-Bold.otf",
    "/usr/share/fonts/truetype/kristi/Kristi.ttf",                              # fonts-kristi
    "/usr/share/fonts/truetype/breip/Breip.ttf",                                # fonts-breip
    "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf",                          # fonts-dkg-handwriting
    "/usr/share/fonts/truetype/fifthhorseman/dkgIt.ttf",
    "/usr/share/fonts/opentype/kaushanscript/KaushanScript-Regular.otf",        # fonts-kaushanscript
    "/usr/share/fonts/opentype/lobster/lobster.otf",                            # fonts-lobster
    "/usr/share/fonts/opentype/comic-neue/ComicNeue-Regular.otf",               # fonts-comic-neue
    "/usr/share/fonts/opentype/comic-neue/ComicNeue-Italic.otf",
    "/usr/share/fonts/opentype/comic-neue/ComicNeue-LightItalic.otf",
    "/usr/share/fonts/truetype/rufscript/Rufscript010.ttf",                     # fonts-rufscript
    "/usr/share/fonts/truetype/leckerli-one/LeckerliOne-Regular.ttf",           # fonts-leckerli-one
]
# Not used: all-capitals fonts (fonts-bwht, fonts-humor-sans: their lower case is small
# capitals, so an image would not show its transcript) and fonts-femkeklaver (blank accents).


def load_fonts():
    """(path, set of code points) of every font file present."""
    fonts = []
    for path in FONT_FILES:
        if os.path.isfile(path):
            fonts.append((path, set(TTFont(path, fontNumber=0).getBestCmap())))
    if not fonts:
        sys.exit("synth_lines: none of the fonts is installed (run scripts/corpus-synth-lines, which installs them)")
    return fonts


def lexicon_text(rng, lexicon, target):
    """Words drawn from a frequency-ordered word list up to `target` characters: rank
    log-uniform, so common words lead but rare ones (names, places) still come; a word is
    now and then capitalized, in capitals, or followed by a comma or full stop."""
    span, length = [], 0
    while length < target:
        word = lexicon[min(len(lexicon) - 1, int(math.exp(rng.uniform(0, math.log(len(lexicon))))) - 1)]
        case = rng.random()
        if case < 0.15:
            word = word[:1].upper() + word[1:]
        elif case < 0.22:
            word = word.upper()
        if rng.random() < 0.08:
            word += rng.choice(",.")
        span.append(word)
        length += len(word) + 1
    return " ".join(span)


def texts(rng, lines, words, count, lexicon=None, share=0.0):
    """`count` texts: real lines verbatim, spans of the running text with a real line's
    length, or (a `share` of them, with a lexicon) lexicon words with a real line's length."""
    out = []
    for _ in range(count):
        if lexicon and rng.random() < share:
            out.append(lexicon_text(rng, lexicon, len(rng.choice(lines))))
            continue
        if rng.random() < 0.5:
            out.append(rng.choice(lines))
            continue
        target = len(rng.choice(lines))
        start = rng.randrange(len(words))
        span = []
        while start < len(words) and len(" ".join(span)) < target:
            span.append(words[start])
            start += 1
        out.append(" ".join(span))
    return out


def render(rng, text, font_path):
    """An 8-bit grayscale line image of `text`, dark ink on light paper."""
    size = rng.randint(26, 46)
    font = ImageFont.truetype(font_path, size)
    space = font.getlength(" ") * rng.uniform(0.7, 1.6)
    words = text.split(" ")
    width = int(sum(font.getlength(w) for w in words) + space * len(words) + 4 * size)
    height = 3 * size
    canvas = Image.new("L", (width, height), 0)   # ink as white on black while drawing
    draw = ImageDraw.Draw(canvas)
    x, base = size, size // 2
    for w in words:
        draw.text((x, base + rng.uniform(-0.06, 0.06) * size), w, font=font, fill=255)
        x += font.getlength(w) + space * rng.uniform(0.8, 1.25)
    # Slant (shear about the middle), then a small rotation.
    slant = rng.uniform(-0.35, 0.35)
    canvas = canvas.transform(canvas.size, Image.AFFINE, (1, slant, -slant * height / 2, 0, 1, 0), Image.BILINEAR)
    canvas = canvas.rotate(rng.uniform(-1.5, 1.5), Image.BILINEAR, expand=True)
    # A wavy baseline: columns shifted up and down along a slow sine.
    amplitude, period, phase = rng.uniform(0, 0.08) * size, rng.uniform(8, 25) * size, rng.uniform(0, 2 * math.pi)
    if amplitude >= 0.5:
        wavy = Image.new("L", canvas.size, 0)
        for cx in range(0, canvas.width, 4):
            dy = int(round(amplitude * math.sin(2 * math.pi * cx / period + phase)))
            wavy.paste(canvas.crop((cx, 0, cx + 4, canvas.height)), (cx, dy))
        canvas = wavy
    # Stroke weight: thicker (dilation of the ink) or thinner (erosion) now and then.
    weight = rng.random()
    if weight < 0.25:
        canvas = canvas.filter(ImageFilter.MaxFilter(3))
    elif weight < 0.35 and size > 34:
        canvas = canvas.filter(ImageFilter.MinFilter(3))
    box = canvas.getbbox()
    if box is None:
        return None
    left, top, right, bottom = box
    canvas = canvas.crop((max(0, left - 4), max(0, top - 4), min(canvas.width, right + 4), min(canvas.height, bottom + 4)))
    # Ink on paper: coverage c in [0, 1] -> paper·(1 - c) + ink·c, with shading and noise.
    ink, paper = rng.uniform(0, 90), rng.uniform(185, 250)
    shade = rng.uniform(-25, 10)
    noise = rng.uniform(1, 8)
    noise_rng = np.random.default_rng(rng.getrandbits(32))
    c = np.asarray(canvas, dtype=np.float32) / 255
    h, w = c.shape
    p = paper + shade * np.linspace(0, 1, w, dtype=np.float32)[None, :] + noise_rng.normal(0, noise, (h, w)).astype(np.float32)
    pixels = np.clip(p * (1 - c) + ink * c, 0, 255).astype(np.uint8)
    image = Image.fromarray(pixels, mode="L")
    if rng.random() < 0.5:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
    if image.height > 80:
        image = image.resize((max(1, round(image.width * 80 / image.height)), 80), Image.LANCZOS)
    return image


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--text", nargs="+", default=[os.path.join(ROOT, "corpora", "poilus", "build", "text-train.txt")])
    p.add_argument("--alphabet", default=os.path.join(ROOT, "corpora", "poilus", "build", "alphabet.txt"))
    p.add_argument("--lines", type=int, default=20000)
    p.add_argument("--out", default=os.path.join(ROOT, "corpora", "poilus-synth", "build"))
    p.add_argument("--mix", default=os.path.join(ROOT, "corpora", "poilus", "build", "train.tsv"))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--lexicon", help="frequency-ordered word list (scripts/lm-lexicon) for --lexicon-share of the lines")
    p.add_argument("--lexicon-share", type=float, default=0.0,
                   help="share of lines made of lexicon words instead of training text (default 0)")
    p.add_argument("--id-prefix", default="synth",
                   help="line ids are this prefix and the line number (default synth); give each draw its own")
    a = p.parse_args()
    if not a.id_prefix or any(c.isspace() for c in a.id_prefix):
        sys.exit(f"synth_lines: --id-prefix must be a non-empty word without spaces or tabs (got {a.id_prefix!r})")
    for path in a.text + [a.alphabet]:
        if not os.path.isfile(path):
            sys.exit(f"synth_lines: {path} not found (build the Poilus manifests first: scripts/corpus-poilus)")
    with open(a.alphabet, encoding="utf-8") as f:
        alphabet = {line.rstrip("\n") for line in f}
    real = []
    for path in a.text:
        with open(path, encoding="utf-8") as f:
            real += [" ".join(line.split()) for line in f if line.strip()]
    real = [t for t in real if set(t) <= alphabet]
    if not real:
        sys.exit("synth_lines: no usable text lines (every line has characters outside the alphabet)")
    words = " ".join(real).split(" ")
    if not 0 <= a.lexicon_share <= 1:
        sys.exit(f"synth_lines: --lexicon-share must be between 0 and 1 (got {a.lexicon_share})")
    if a.lexicon_share > 0 and not a.lexicon:
        sys.exit("synth_lines: --lexicon-share needs --lexicon WORDS.txt (write one with scripts/lm-lexicon)")
    lexicon = None
    if a.lexicon:
        if not os.path.isfile(a.lexicon):
            sys.exit(f"synth_lines: {a.lexicon} not found (write it with scripts/lm-lexicon)")
        with open(a.lexicon, encoding="utf-8") as f:
            lexicon = [w for w in (line.strip() for line in f) if w and set(w.upper()) <= alphabet and set(w) <= alphabet]
        if not lexicon:
            sys.exit(f"synth_lines: no word of {a.lexicon} is spelled with the alphabet {a.alphabet}")
    fonts = load_fonts()
    rng = random.Random(a.seed)
    os.makedirs(os.path.join(a.out, "png"), exist_ok=True)
    used = collections.Counter()
    skipped = 0
    rows = []
    for n, text in enumerate(texts(rng, real, words, a.lines, lexicon, a.lexicon_share)):
        codes = {ord(c) for c in text}
        usable = [path for path, cmap in fonts if codes <= cmap]
        if not usable:
            skipped += 1
            continue
        font = rng.choice(usable)
        image = render(rng, text, font)
        if image is None:
            skipped += 1
            continue
        name = f"png/{n:06d}.png"
        image.save(os.path.join(a.out, name))
        writer = os.path.splitext(os.path.basename(font))[0]
        used[writer] += 1
        rows.append((f"{a.id_prefix}{n:06d}", name, text, writer))
        if (n + 1) % 1000 == 0:
            print(f"{n + 1} lines", file=sys.stderr)
    with open(os.path.join(a.out, "train.tsv"), "w", encoding="utf-8") as f:
        f.write("id\tpath\ttext\twriter\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    if a.mix and os.path.isfile(a.mix):
        with open(a.mix, encoding="utf-8", newline="") as f:
            mixed = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
        with open(os.path.join(a.out, "mixed.tsv"), "w", encoding="utf-8") as f:
            f.write("id\tpath\ttext\twriter\n")
            for r in rows:
                f.write("\t".join(r) + "\n")
            base = os.path.dirname(os.path.abspath(a.mix))
            for r in mixed:
                f.write(f"{r['id']}\t{os.path.join(base, r['path'])}\t{r['text']}\t{r.get('writer', '')}\n")
    with open(os.path.join(a.out, "fonts.txt"), "w", encoding="utf-8") as f:
        for writer, count in used.most_common():
            f.write(f"{writer}\t{count}\n")
    print(f"{len(rows)} synthetic lines in {len(used)} fonts -> {a.out} ({skipped} texts no font could draw)")


if __name__ == "__main__":
    main()
