#!/usr/bin/env python3
"""Writes Tests/ScribeDecodeTests/Fixtures/kenlm_scores.json: KenLM's base-10 sentence
scores (bos and eos on) for sentences scored with the ARPA model stored next to it.

Usage: scribe lm build --order 3 --unit word Tests/ScribeDecodeTests/Fixtures/lm_corpus.txt \
           -o Tests/ScribeDecodeTests/Fixtures/kn3.arpa
       python scripts/make_lm_fixtures.py     (needs `pip install kenlm`)
"""
import json
import os

import kenlm

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "ScribeDecodeTests", "Fixtures")
SENTENCES = [
    "the cat sat on the mat",
    "a dog ran",
    "the mat sat on a cat",
    "zebra on the log",
    "the the the",
    "dog and cat and mat and log",
    "",
]


def main():
    model = kenlm.Model(os.path.join(HERE, "kn3.arpa"))
    scores = [{"sentence": s, "log10": model.score(s, bos=True, eos=True)} for s in SENTENCES]
    with open(os.path.join(HERE, "kenlm_scores.json"), "w", encoding="utf-8") as f:
        json.dump(scores, f, indent=1)
    print(len(scores), "sentences")


if __name__ == "__main__":
    main()
