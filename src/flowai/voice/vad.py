"""Voice activity detection for voice checks: speech segments of uploaded audio.

The model itself (silero-vad's batched ONNX export run through onnxruntime, no torch) is in
`flowai.core.vad`, shared with the editor's Magic Cut; this adds resampling and segmenting.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from flowai.core.vad import FRAME, VAD_RATE, speech_probabilities
from flowai.voice.audio import Audio, resample

__all__ = ["FRAME", "VAD_RATE", "Segment", "SileroVad", "silero_vad"]


@dataclass(frozen=True)
class Segment:
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


class SileroVad:
    """Per-frame speech probabilities and speech segments for mono audio."""

    def probabilities(self, audio: Audio) -> npt.NDArray[np.float32]:
        """One probability per 32 ms frame; a trailing partial frame is zero-padded."""
        return speech_probabilities(resample(audio, VAD_RATE).samples, pad_last=True)

    def segments(
        self,
        audio: Audio,
        *,
        threshold: float = 0.5,
        min_speech_s: float = 0.25,
        min_silence_s: float = 0.1,
    ) -> list[Segment]:
        """Speech segments with hysteresis (enter at ``threshold``, leave 0.15 below it)."""
        probs = self.probabilities(audio)
        frame_s = FRAME / VAD_RATE
        leave = threshold - 0.15
        segments: list[Segment] = []
        start: int | None = None
        silence_run = 0
        for i, p in enumerate(probs):
            if start is None:
                if p >= threshold:
                    start, silence_run = i, 0
                continue
            silence_run = silence_run + 1 if p < leave else 0
            if silence_run * frame_s >= min_silence_s:
                end = i - silence_run + 1
                if (end - start) * frame_s >= min_speech_s:
                    segments.append(Segment(start * frame_s, end * frame_s))
                start = None
        if start is not None and (len(probs) - start) * frame_s >= min_speech_s:
            segments.append(Segment(start * frame_s, len(probs) * frame_s))
        return segments


@lru_cache(maxsize=1)
def silero_vad() -> SileroVad:
    return SileroVad()
