"""Transcript speed (× real time) and word timing accuracy, on speech with known word boundaries.

Each word is synthesised on its own with espeak-ng and the words are joined with known pauses
(tests/support/flowai_speech.py), so every word's true start and end are known to the sample.
Whisper's own word times are the baseline; the figure is the error after the boundaries are
snapped to the waveform (editor/transcribe.py `refine`). Targets: ≥ 10x real time for tiny.en,
median start/end error ≤ 80 ms, 95th percentile ≤ 200 ms.
Run: .venv/bin/python bench/captions.py [--sentences 12] [--voices en-us,en-gb]
"""

from __future__ import annotations

import argparse
import difflib
import random
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "support"))

from flowai_speech import ESPEAK_RATE, SENTENCES, KnownWord, speech_with_gaps  # noqa: E402

from flowai.editor.transcribe import RATE, Word, refine, transcriber  # noqa: E402

EXTRA = [
    "please send the final version of the report before friday afternoon",
    "the weather was cold so we stayed inside and watched a movie",
    "our team shipped three new features to customers this week",
    "she opened the window and the sound of the city came in",
]


def errors(known: list[KnownWord], words: list[Word]) -> tuple[np.ndarray, np.ndarray, int]:
    """Start and end errors (seconds) of the words both lists share, matched in order."""
    hyp = [w.text.lower().strip(".,?!") for w in words]
    matcher = difflib.SequenceMatcher(a=[k.text for k in known], b=hyp, autojunk=False)
    starts, ends = [], []
    for a, b, n in matcher.get_matching_blocks():
        for i in range(n):
            starts.append(words[b + i].start - known[a + i].start)
            ends.append(words[b + i].end - known[a + i].end)
    return np.abs(np.array(starts)), np.abs(np.array(ends)), len(starts)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sentences", type=int, default=9)
    parser.add_argument("--voices", default="en-us,en-gb")
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--seeds", default="14,7,3", help="one run of every voice per seed (pause pattern)")
    args = parser.parse_args()
    from scipy.signal import resample_poly

    model = transcriber(args.model)
    model.words(np.zeros(RATE, np.float32))  # load and warm up outside the timing
    pool = SENTENCES + EXTRA
    raw_s, raw_e, ref_s, ref_e = [], [], [], []
    audio_s = wall_s = cpu_s = 0.0
    matched = total = 0
    runs = [(int(seed), voice) for seed in args.seeds.split(",") for voice in args.voices.split(",")]
    for seed, voice in runs:
        rng = random.Random(seed * 100 + len(voice))
        text = " ".join(pool[(n + seed + len(voice)) % len(pool)] for n in range(args.sentences)).split()
        gaps = [rng.choice([0.05, 0.1, 0.15, 0.25, 0.4, 0.8]) for _ in text[:-1]]
        samples, known = speech_with_gaps(text, gaps, voice=voice)
        audio = resample_poly(samples, RATE // 50, ESPEAK_RATE // 50).astype(np.float32)
        t0, c0 = time.perf_counter(), cpu_seconds()
        words = model.words(audio)
        t1, c1 = time.perf_counter(), cpu_seconds()
        refined = refine(words, audio)
        wall_s += time.perf_counter() - t0
        cpu_s += c1 - c0 + (time.perf_counter() - t1)
        audio_s += audio.size / RATE
        s0, e0, m = errors(known, words)
        s1, e1, _ = errors(known, refined)
        raw_s += list(s0)
        raw_e += list(e0)
        ref_s += list(s1)
        ref_e += list(e1)
        matched += m
        total += len(known)
        print(f"seed {seed} {voice}: {audio.size / RATE:.1f} s of speech, {len(known)} words, {m} matched")

    def row(name: str, s: list[float], e: list[float]) -> tuple[float, float, float, float]:
        ms = [1000 * float(np.median(s)), 1000 * float(np.percentile(s, 95)),
              1000 * float(np.median(e)), 1000 * float(np.percentile(e, 95))]  # fmt: skip
        print(f"{name:<24} start median {ms[0]:6.0f} ms  p95 {ms[1]:6.0f} ms   "
              f"end median {ms[2]:6.0f} ms  p95 {ms[3]:6.0f} ms")  # fmt: skip
        return ms[0], ms[1], ms[2], ms[3]

    print(f"model {args.model}: {audio_s:.1f} s of audio, {matched}/{total} words matched for timing")
    print(f"speed: {audio_s / wall_s:.1f}x real time (wall, 2 threads); "
          f"{audio_s / cpu_s:.1f}x per CPU-second of this process")  # fmt: skip
    for name, s_err, e_err in (("whisper", raw_s, raw_e), ("snapped", ref_s, ref_e)):
        worst = np.maximum(np.array(s_err), np.array(e_err))
        print(f"{name}: {np.mean(worst <= 0.08):.0%} of words have start and end within 80 ms, "
              f"{np.mean(worst <= 0.2):.0%} within 200 ms")  # fmt: skip
    base = row("whisper word times", raw_s, raw_e)
    got = row("snapped to the waveform", ref_s, ref_e)
    print(f"error ratio refined/whisper: start median {got[0] / max(base[0], 1e-9):.2f}, "
          f"end median {got[2] / max(base[2], 1e-9):.2f}")  # fmt: skip
    ok = got[0] <= 80 and got[2] <= 80 and got[1] <= 200 and got[3] <= 200
    fast = audio_s / wall_s >= 10
    print(
        f"timing target (median <= 80 ms, p95 <= 200 ms): {'met' if ok else 'MISSED'}; "
        f"speed target (>= 10x): {'met' if fast else 'MISSED (is the machine busy? see CPU figure)'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
