#!/usr/bin/env python3
"""Side-by-side log-mel extraction speed: Scribe vs librosa vs torchaudio, one invocation.

Every system computes the same work: the natural log (floored at 1e-10) of the 80-band
Slaney mel power spectrogram of the same length of 16 kHz audio (n_fft 400, hop 160,
centred frames with zero padding). Each peer runs in its own process with its thread
count fixed before numpy/torch load (OMP/OpenBLAS/MKL variables and torch.set_num_threads).
Times are medians over repeats after one warm-up run.

Usage: scripts/bench_features.py --scribe PATH/TO/scribe [--seconds 60] [--threads 1,2]
"""
import argparse
import json
import os
import subprocess
import sys
import time


def time_peer(peer, seconds, repeats):
    import numpy as np
    rng = np.random.default_rng(1)
    n = int(seconds * 16000)
    t = np.arange(n) / 16000
    y = (0.1 * np.sin(2 * np.pi * 150 * t) + 0.01 * rng.standard_normal(n)).astype(np.float32)
    if peer == "librosa":
        import librosa

        def run():
            S = librosa.feature.melspectrogram(y=y, sr=16000, n_fft=400, hop_length=160, n_mels=80,
                                               htk=False, center=True, pad_mode="constant")
            return np.log(np.maximum(S, 1e-10))
    else:
        import torch
        import torchaudio
        torch.set_num_threads(int(os.environ["BENCH_THREADS"]))
        mel = torchaudio.transforms.MelSpectrogram(sample_rate=16000, n_fft=400, hop_length=160, n_mels=80,
                                                   mel_scale="slaney", norm="slaney", center=True,
                                                   pad_mode="constant", power=2.0)
        x = torch.from_numpy(y)

        def run():
            with torch.inference_mode():
                return torch.log(torch.clamp(mel(x), min=1e-10))
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def peer_in_subprocess(peer, threads, seconds, repeats):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), NUMBA_NUM_THREADS=str(threads), BENCH_THREADS=str(threads))
    out = subprocess.run([sys.executable, __file__, "--peer", peer, "--seconds", str(seconds),
                          "--repeats", str(repeats)], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        print(f"{peer} failed:\n{out.stderr[-2000:]}", file=sys.stderr)
        return None
    return float(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scribe")
    ap.add_argument("--peer", choices=["librosa", "torchaudio"])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    if args.peer:
        print(time_peer(args.peer, args.seconds, args.repeats))
        return

    threads = [int(t) for t in args.threads.split(",")]
    scribe = json.loads(subprocess.run(
        [args.scribe, "bench", "features", "--format", "json", "--seconds", str(args.seconds), "--threads", args.threads,
         "--repeats", str(args.repeats)], check=True, capture_output=True, text=True).stdout)
    scribe = {row["threads"]: row["seconds"] for row in scribe}
    import librosa
    import torch
    import torchaudio
    print(f"log-mel of {args.seconds:g} s of 16 kHz audio (n_fft 400, hop 160, 80 Slaney mels), median of {args.repeats}")
    print(f"peers: librosa {librosa.__version__}, torchaudio {torchaudio.__version__} (torch {torch.__version__})")
    print()
    header = f"{'threads':>7} | {'scribe ms':>9} | {'librosa ms':>10} | {'torchaudio ms':>13} | {'scribe x realtime':>17} | {'vs librosa':>10} | {'vs torchaudio':>13}"
    print(header)
    print("-" * len(header))
    for n in threads:
        lib = peer_in_subprocess("librosa", n, args.seconds, args.repeats)
        ta = peer_in_subprocess("torchaudio", n, args.seconds, args.repeats)
        s = scribe[n]
        ratio = lambda peer: f"{peer / s:.1f}x faster" if peer and peer >= s else (f"{s / peer:.1f}x slower" if peer else "n/a")
        fmt = lambda v: f"{v * 1000:.2f}" if v else "n/a"
        print(f"{n:>7} | {s * 1000:>9.2f} | {fmt(lib):>10} | {fmt(ta):>13} | {args.seconds / s:>16.0f}x | {ratio(lib):>10} | {ratio(ta):>13}")


if __name__ == "__main__":
    main()
