"""Write the K most frequent words of a language, one per line, for `scribe lm build`.

The words come from wordfreq's "large" list (frequencies merged from Wikipedia, subtitles,
news, books, web text; lower-cased). Only words spelled entirely with characters of the
model's alphabet are kept, so the LM never spends probability on symbols the network cannot
write. The output is a word list, not running text: added to a corpus's transcripts it
teaches a character LM how words of the language are spelled beyond the few thousand words
those transcripts hold (the Poilus training split has about 11,000 running words).

Usage: python scripts/lm_lexicon.py --alphabet ALPHABET.txt --out LEXICON.txt [--lang fr] [--top 20000]
"""
import argparse
import sys

import wordfreq


def read_alphabet(path):
    """Characters of an alphabet file (one symbol per line; a line holding one space is the space)."""
    with open(path, encoding="utf-8") as f:
        return {line.rstrip("\n") for line in f if line.rstrip("\n")}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--alphabet", required=True, help="the model's alphabet, one symbol per line")
    p.add_argument("--out", required=True, help="word list to write, one word per line")
    p.add_argument("--lang", default="fr", help="wordfreq language code (default: fr)")
    p.add_argument("--top", type=int, default=20000, help="number of words kept (default: 20000)")
    a = p.parse_args()
    alphabet = read_alphabet(a.alphabet)
    if not alphabet:
        sys.exit(f"lm_lexicon: {a.alphabet} holds no symbols")
    ranked = wordfreq.top_n_list(a.lang, 10 * a.top, wordlist="large")
    words = [w for w in ranked if w.strip() and all(c in alphabet for c in w)][: a.top]
    if len(words) < a.top:
        print(f"lm_lexicon: only {len(words)} of the {a.top} words asked for are spelled with the alphabet",
              file=sys.stderr)
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("\n".join(words) + "\n")
    print(f"{a.out}: {len(words)} {a.lang} words (wordfreq, "
          f"the most frequent spelled with {a.alphabet})")


if __name__ == "__main__":
    main()
