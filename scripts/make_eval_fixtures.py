#!/usr/bin/env python3
"""Writes Tests/ScribeEvalTests/Fixtures/jiwer_cases.json: WER/CER and edit counts computed
by jiwer on a few hundred varied reference/hypothesis pairs, for ScribeEvalTests.

Usage: python scripts/make_eval_fixtures.py   (needs `pip install jiwer`)

The texts are NFC and use one code point per grapheme, where jiwer's characters (code
points) and Scribe's (grapheme clusters) agree; Scribe's grapheme handling is tested
separately. Whitespace is spaces only, as jiwer splits words on " ".
"""
import importlib.metadata
import json
import os
import random

import jiwer

VOCAB = ("the cat sat on mat a an of to in is it and dog ran fast slow big small "
         "café naïve Straße façade über São Paulo 日本語 東京 Ελλάδα καλημέρα привет мир "
         "🙂 ☕ x y z hello world it's don't e-mail 3.14 100% O'Neil").split()


def edit(words, rng, rate):
    out = []
    for w in words:
        r = rng.random()
        if r < rate / 3:
            continue  # deletion
        if r < 2 * rate / 3:
            out.append(rng.choice(VOCAB))  # substitution (maybe a hit)
        elif r < rate:
            out.append(w)
            out.append(rng.choice(VOCAB))  # insertion
        else:
            if rng.random() < rate / 2 and len(w) > 1:  # character-level typo
                i = rng.randrange(len(w))
                w = w[:i] + rng.choice("abcxyzé日") + w[i + 1:]
            out.append(w)
    return out


def sentence(rng, n):
    return [rng.choice(VOCAB) for _ in range(n)]


def join(words, rng):
    sep = "  " if rng.random() < 0.1 else " "
    text = sep.join(words)
    if rng.random() < 0.05:
        text = " " + text + " "
    return text


def make_pairs(rng, count, max_len, rate, empties):
    pairs = []
    for _ in range(count):
        ref = sentence(rng, rng.randint(1, max_len))
        hyp = edit(ref, rng, rate)
        pairs.append([join(ref, rng), join(hyp, rng)])
    for k in range(empties):
        if k % 3 == 0:
            pairs.append(["", join(sentence(rng, rng.randint(1, 4)), rng)])
        elif k % 3 == 1:
            pairs.append([join(sentence(rng, rng.randint(1, 4)), rng), ""])
        else:
            pairs.append(["", ""])
    rng.shuffle(pairs)
    return pairs


def counts(output):
    return {"hits": output.hits, "substitutions": output.substitutions,
            "deletions": output.deletions, "insertions": output.insertions}


def corpus(name, pairs):
    refs = [p[0] for p in pairs]
    hyps = [p[1] for p in pairs]
    words = jiwer.process_words(refs, hyps)
    chars = jiwer.process_characters(refs, hyps)
    per_pair = []
    for r, h in pairs:
        w = jiwer.process_words(r, h)
        c = jiwer.process_characters(r, h)
        per_pair.append({"word_errors": w.substitutions + w.deletions + w.insertions,
                         "char_errors": c.substitutions + c.deletions + c.insertions})
    return {"name": name, "pairs": pairs, "wer": words.wer, "cer": chars.cer,
            "word": counts(words), "char": counts(chars), "per_pair": per_pair}


def main():
    rng = random.Random(4)
    corpora = [
        corpus("short-low-error", make_pairs(rng, 180, 8, 0.1, 9)),
        corpus("medium-high-error", make_pairs(rng, 140, 20, 0.5, 9)),
        corpus("long-lines", make_pairs(rng, 12, 250, 0.15, 0)),
        corpus("all-wrong", [["a b c", "x y z"], ["hello world", "world hello"], ["日本語", "東京"]]),
        corpus("identical", [[t, t] for t in ["the cat", "café über", "🙂 ☕", "a"]]),
    ]
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "Tests", "ScribeEvalTests", "Fixtures", "jiwer_cases.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"jiwer_version": importlib.metadata.version("jiwer"),
                   "corpora": corpora}, f, ensure_ascii=False, indent=0)
    print(out, sum(len(c["pairs"]) for c in corpora), "pairs")


if __name__ == "__main__":
    main()
