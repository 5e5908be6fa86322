#!/usr/bin/env python3
"""Times Scribe's peers on the inputs `scribe bench decode --write DIR` and
`scribe bench score --write DIR` wrote; prints one JSON list of rows. Used by
scripts/bench-decode.

  python bench_peers.py pyctcdecode DIR BEAMS   (beam widths like 16,64; with and without DIR/lm4.arpa)
  python bench_peers.py torchaudio DIR BEAMS    (lexicon-free, no LM)
  python bench_peers.py jiwer DIR               (DIR/ref.txt, DIR/hyp.txt)
"""
import glob
import json
import os
import sys
import time

ALPHA, BETA = 0.5, 1.0


def median_seconds(fn, repeats=3):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def load(dirname):
    import numpy as np
    files = sorted(glob.glob(os.path.join(dirname, "utt*.npy")))
    symbols = open(os.path.join(dirname, "alphabet.txt"), encoding="utf-8").read().split("\n")[:-1]
    return [np.load(f) for f in files], symbols


def pyctcdecode_rows(dirname, beams):
    from pyctcdecode import build_ctcdecoder
    mats, symbols = load(dirname)
    rows = []
    for use_lm in (False, True):
        decoder = build_ctcdecoder([""] + symbols, kenlm_model_path=os.path.join(dirname, "lm4.arpa") if use_lm else None,
                                   alpha=ALPHA, beta=BETA)
        for beam in beams:
            out = []
            def run():
                out.clear()
                out.extend(decoder.decode(m, beam_width=beam) for m in mats)
            s = median_seconds(run)
            name = f"beam{beam}{'_lm' if use_lm else ''}"
            with open(os.path.join(dirname, f"pyctcdecode_{name}.txt"), "w", encoding="utf-8") as f:
                f.write("\n".join(out) + "\n")
            rows.append({"system": "pyctcdecode", "decoder": "beam", "beam": beam, "lm": use_lm,
                         "ms_per_utt": 1000 * s / len(mats)})
    return rows


def torchaudio_rows(dirname, beams):
    import torch
    try:
        import torchaudio  # noqa: F401
    except RuntimeError as error:  # a CUDA build mismatch only matters for GPU kernels
        if "CUDA version" not in str(error):
            raise
        for name in list(sys.modules):
            if name.startswith("torchaudio"):
                del sys.modules[name]
        torch.version.cuda = str(error).split("TorchAudio has CUDA version ")[1].split(".")[0] + ".0"
    from torchaudio.models.decoder import ctc_decoder
    mats, symbols = load(dirname)
    tokens = ["-"] + ["|" if s == " " else s for s in symbols]
    tensors = [torch.from_numpy(m).unsqueeze(0).contiguous() for m in mats]
    torch.set_num_threads(1)
    rows = []
    for beam in beams:
        decoder = ctc_decoder(lexicon=None, tokens=tokens, lm=None, beam_size=beam, blank_token="-", sil_token="|",
                              unk_word="<unk>")
        out = []
        def run():
            out.clear()
            for t in tensors:
                best = decoder(t)[0][0]
                out.append("".join(decoder.idxs_to_tokens(best.tokens)).replace("|", " ").replace("-", "").strip())
        s = median_seconds(run)
        with open(os.path.join(dirname, f"torchaudio_beam{beam}.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(out) + "\n")
        rows.append({"system": "torchaudio", "decoder": "beam", "beam": beam, "lm": False,
                     "ms_per_utt": 1000 * s / len(mats)})
    return rows


def jiwer_rows(dirname):
    import jiwer
    refs = open(os.path.join(dirname, "ref.txt"), encoding="utf-8").read().split("\n")[:-1]
    hyps = open(os.path.join(dirname, "hyp.txt"), encoding="utf-8").read().split("\n")[:-1]
    rows = []
    for unit, fn in (("word", jiwer.wer), ("char", jiwer.cer)):
        result = []
        s = median_seconds(lambda: result.append(fn(refs, hyps)))
        rows.append({"system": "jiwer", "unit": unit, "threads": 1, "ms_total": 1000 * s, "rate": result[-1]})
    return rows


def main():
    which, dirname = sys.argv[1], sys.argv[2]
    beams = [int(b) for b in sys.argv[3].split(",")] if len(sys.argv) > 3 else []
    rows = {"pyctcdecode": lambda: pyctcdecode_rows(dirname, beams),
            "torchaudio": lambda: torchaudio_rows(dirname, beams),
            "jiwer": lambda: jiwer_rows(dirname)}[which]()
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
