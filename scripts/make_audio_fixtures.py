#!/usr/bin/env python3
"""Write the audio front end's reference fixtures with librosa.

Inputs are synthesized here (seeded), written as small WAV files, and analysed with
librosa; every expected matrix is saved as float32 .npy in Scribe's layout (frames x bins,
i.e. librosa's output transposed). Tests/ScribeAudioTests/Fixtures/cases.json lists each
case with its parameters so the Swift tests can replay it without Python.

When ../shared/data/fsdd is present, the mel power of one FSDD recording is also saved
(features only: the recording itself stays outside the repository).

Usage: scripts/make_audio_fixtures.py [--out DIR] [--data DIR]
"""
import argparse
import json
import os

import librosa
import numpy as np
import scipy.fft
import scipy.signal
import soundfile as sf


def synth_inputs(out):
    rng = np.random.default_rng(7)
    files = {}

    # 1 s at 8 kHz: a gliding harmonic tone in noise, with a silent gap.
    sr = 8000
    t = np.arange(sr) / sr
    f0 = 150 + 100 * t
    y = sum(np.sin(2 * np.pi * np.cumsum(f0 * h) / sr) / h for h in range(1, 6))
    y = 0.2 * y + 0.01 * rng.standard_normal(sr)
    y[3000:3800] = 0
    files["tone8k.wav"] = (y, sr)

    # 0.5 s of stereo at 44.1 kHz with different content in each channel.
    sr = 44100
    t = np.arange(sr // 2) / sr
    left = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.02 * rng.standard_normal(t.size)
    right = 0.3 * np.sin(2 * np.pi * 2500 * t) * np.exp(-3 * t)
    files["stereo44k.wav"] = (np.stack([left, right], axis=1), sr)

    # Digital silence and a file shorter than one 400-sample window.
    files["silence16k.wav"] = (np.zeros(8000), 16000)
    files["short16k.wav"] = (0.3 * np.sin(2 * np.pi * 1000 * np.arange(100) / 16000), 16000)

    for name, (y, sr) in files.items():
        sf.write(os.path.join(out, name), y, sr, subtype="PCM_16")


def mel_power(y, sr, p):
    return librosa.feature.melspectrogram(
        y=y, sr=sr, n_fft=p["n_fft"], hop_length=p["hop_length"], win_length=p.get("win_length"),
        window=p.get("window", "hann"), center=True, pad_mode="constant", power=2.0,
        n_mels=p["n_mels"], fmin=p.get("f_min", 0.0), fmax=p.get("f_max"), htk=p.get("mel_scale") == "htk")


def spectrum(y, p, power):
    X = librosa.stft(y, n_fft=p["n_fft"], hop_length=p["hop_length"], win_length=p.get("win_length"),
                     window=p.get("window", "hann"), center=True, pad_mode="constant")
    return np.abs(X) ** power


def expected(kind, y, sr, p):
    """librosa's answer for one case, shaped (bins, frames)."""
    if kind == "power":
        return spectrum(y, p, 2)
    if kind == "magnitude":
        return spectrum(y, p, 1)
    S = mel_power(y, sr, p)
    if kind == "melpower":
        return S
    logmel = np.log(np.maximum(S, 1e-10))
    if kind == "logmel":
        out = logmel
    else:  # mfcc: orthonormal DCT-II of the natural-log mel, as librosa.feature.mfcc does of dB
        out = scipy.fft.dct(logmel, type=2, norm="ortho", axis=0)[: p.get("n_mfcc", 13)]
    parts = [out]
    for _ in range(p.get("deltas", 0)):
        parts.append(librosa.feature.delta(parts[-1], width=5, order=1, mode="nearest", axis=-1))
    out = np.concatenate(parts, axis=0)
    if p.get("normalize"):
        mean = out.mean(axis=1, keepdims=True)
        std = np.maximum(out.std(axis=1, keepdims=True), 1e-5)
        out = (out - mean) / std
    return out


CASES = [
    ("tone8k_melpower_slaney", "tone8k.wav", "melpower",
     dict(sample_rate=8000, n_fft=256, hop_length=80, n_mels=40, mel_scale="slaney")),
    ("tone8k_melpower_htk_hamming", "tone8k.wav", "melpower",
     dict(sample_rate=8000, n_fft=256, win_length=200, hop_length=100, n_mels=32, mel_scale="htk",
          window="hamming", f_min=50.0, f_max=3800.0)),
    ("tone8k_power", "tone8k.wav", "power", dict(sample_rate=8000, n_fft=200, hop_length=80)),
    ("tone8k_magnitude_oddfft", "tone8k.wav", "magnitude", dict(sample_rate=8000, n_fft=255, hop_length=64)),
    ("tone8k_logmel", "tone8k.wav", "logmel",
     dict(sample_rate=8000, n_fft=200, hop_length=80, n_mels=40, mel_scale="slaney")),
    ("tone8k_mfcc_deltas", "tone8k.wav", "mfcc",
     dict(sample_rate=8000, n_fft=200, hop_length=80, n_mels=40, mel_scale="slaney", n_mfcc=13, deltas=2)),
    ("tone8k_logmel_normalized", "tone8k.wav", "logmel",
     dict(sample_rate=8000, n_fft=200, hop_length=80, n_mels=40, mel_scale="htk", normalize=True)),
    ("stereo44k_melpower", "stereo44k.wav", "melpower",
     dict(sample_rate=44100, n_fft=2048, hop_length=512, n_mels=128, mel_scale="slaney")),
    ("silence16k_melpower", "silence16k.wav", "melpower",
     dict(sample_rate=16000, n_fft=400, hop_length=160, n_mels=80, mel_scale="slaney")),
    ("silence16k_logmel", "silence16k.wav", "logmel",
     dict(sample_rate=16000, n_fft=400, hop_length=160, n_mels=80, mel_scale="slaney")),
    ("short16k_melpower", "short16k.wav", "melpower",
     dict(sample_rate=16000, n_fft=400, hop_length=160, n_mels=80, mel_scale="slaney")),
]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(here, "..", "Tests", "ScribeAudioTests", "Fixtures"))
    ap.add_argument("--data", default=os.environ.get("SCRIBE_DATA", os.path.join(here, "..", "..", "shared", "data")))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    synth_inputs(args.out)

    cases = []
    for name, file, kind, p in CASES:
        y, sr = librosa.load(os.path.join(args.out, file), sr=None, mono=True)
        assert sr == p["sample_rate"], (file, sr)
        ref = expected(kind, y, sr, p).T.astype(np.float32)
        np.save(os.path.join(args.out, name + ".npy"), np.ascontiguousarray(ref))
        cases.append(dict(name=name, input=file, kind=kind, params=p))

    # Filterbanks alone, against librosa.filters.mel (rows are filters).
    banks = []
    for i, (sr, n_fft, n_mels, fmin, fmax, htk) in enumerate(
            [(16000, 400, 80, 0.0, 8000.0, False), (8000, 256, 40, 0.0, 4000.0, True),
             (22050, 1024, 64, 100.0, 9000.0, False)]):
        W = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk, norm="slaney")
        name = f"filterbank{i}"
        np.save(os.path.join(args.out, name + ".npy"), W.astype(np.float32))
        banks.append(dict(name=name, sample_rate=sr, n_fft=n_fft, n_mels=n_mels, f_min=fmin, f_max=fmax,
                          mel_scale="htk" if htk else "slaney"))

    fsdd = os.path.join(args.data, "fsdd", "recordings", "0_george_0.wav")
    if os.path.exists(fsdd):
        y, sr = librosa.load(fsdd, sr=None)
        S = librosa.feature.melspectrogram(y=y, sr=8000, n_fft=256, hop_length=80, n_mels=40, htk=False)
        np.save(os.path.join(args.out, "fsdd_0_george_0_melpower.npy"), np.ascontiguousarray(S.T.astype(np.float32)))

    with open(os.path.join(args.out, "cases.json"), "w") as f:
        json.dump(dict(librosa=librosa.__version__, cases=cases, filterbanks=banks), f, indent=1)
    print(f"wrote {len(cases)} cases and {len(banks)} filterbanks to {args.out} (librosa {librosa.__version__})")


if __name__ == "__main__":
    main()
