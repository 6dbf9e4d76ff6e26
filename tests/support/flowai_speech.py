"""Speech with known word boundaries, for the transcript tests and bench/captions.py.

Each word is synthesised on its own with espeak-ng, trimmed to where its waveform rises above
-40 dBFS, and the words are joined with silences of known length, so the exact start and end of
every word in the result is known to the sample.
"""

from __future__ import annotations

import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ESPEAK_RATE = 22_050
THRESHOLD = 10 ** (-40 / 20)


@dataclass(frozen=True)
class KnownWord:
    text: str
    start: float
    end: float


def espeak_word(text: str, voice: str = "en-us", rate: int = 160) -> np.ndarray:
    """One word as float32 samples at 22.05 kHz, trimmed to its audible part."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "w.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(path), text], check=True)
        with wave.open(str(path)) as w:
            assert w.getframerate() == ESPEAK_RATE
            data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768
    loud = np.flatnonzero(np.abs(data) > THRESHOLD)
    return data[loud[0] : loud[-1] + 1] if loud.size else data


def speech_with_gaps(
    words: list[str], gaps: list[float], *, lead: float = 0.5, tail: float = 0.5, voice: str = "en-us"
) -> tuple[np.ndarray, list[KnownWord]]:
    """`words` joined by `gaps` seconds of silence (len(gaps) == len(words) - 1)."""
    assert len(gaps) == len(words) - 1
    parts: list[np.ndarray] = [np.zeros(round(lead * ESPEAK_RATE), np.float32)]
    known: list[KnownWord] = []
    cursor = parts[0].size
    for n, text in enumerate(words):
        samples = espeak_word(text, voice)
        known.append(KnownWord(text, cursor / ESPEAK_RATE, (cursor + samples.size) / ESPEAK_RATE))
        parts.append(samples)
        cursor += samples.size
        pause = np.zeros(round((gaps[n] if n < len(gaps) else tail) * ESPEAK_RATE), np.float32)
        parts.append(pause)
        cursor += pause.size
    return np.concatenate(parts), known


def write_wav(path: Path, samples: np.ndarray, rate: int = ESPEAK_RATE) -> Path:
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


SENTENCES = [
    "the quick brown fox jumps over the lazy dog",
    "editing video should be fast and every cut lands on a frame",
    "captions follow the words that people say in the video",
    "silence is removed but the padding around speech is kept",
    "we recorded this clip in the morning before the rain started",
]
