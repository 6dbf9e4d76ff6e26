"""Voice activity detection with silero-vad's bundled ONNX model, without torch.

``import silero_vad`` pulls in torch, so the package is located with ``find_spec`` (which does
not execute it) and its "sequence" ONNX export is run through onnxruntime directly: one ONNX call
per block of 512 frames (~16 s of audio) instead of one per 32 ms frame. It gives the same
probabilities, to the bit, as the per-frame ``silero_vad.onnx``.

Shared by voice (checks on uploaded speech) and the editor (Magic Cut), so it lives in core.
`VadStream` takes the samples in pieces of any size, so a caller can run the model on the audio
while FFmpeg is still decoding the rest of the file.
"""

from __future__ import annotations

import importlib.util
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

VAD_RATE = 16_000
FRAME = 512  # samples per VAD frame at 16 kHz (32 ms)
CONTEXT = 64  # samples of the previous frame the model sees in front of each frame
BLOCK_FRAMES = 512  # frames per ONNX call

Floats = npt.NDArray[np.float32]


def model_path() -> Path:
    """The batched ("sequence") ONNX model inside the silero-vad wheel."""
    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("silero-vad is not installed (pip install --no-deps silero-vad)")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "silero_vad_16k_sequence.onnx"


class _Model:
    """One onnxruntime session, one thread, used by one caller at a time."""

    def __init__(self) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session: Any = ort.InferenceSession(
            str(model_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.lock = threading.Lock()


@lru_cache(maxsize=1)
def _model() -> _Model:
    return _Model()


class VadStream:
    """Speech probability per 32 ms frame of 16 kHz mono float32 audio fed in pieces.

    `feed` runs the model on every whole block it has; `finish` runs the rest and returns all
    probabilities. With ``pad_last=False`` a trailing partial frame is dropped, with ``True`` it
    is zero-padded into one more frame.
    """

    def __init__(self) -> None:
        self._model = _model()
        self._pending = np.zeros(0, dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._out: list[Floats] = []

    def feed(self, samples: npt.NDArray[np.floating[Any]]) -> None:
        self._pending = np.concatenate((self._pending, np.asarray(samples, dtype=np.float32)))
        block = BLOCK_FRAMES * FRAME
        whole = self._pending.size // block * block
        if whole:
            self._run(self._pending[:whole])
            self._pending = self._pending[whole:]

    def finish(self, *, pad_last: bool = False) -> Floats:
        rest = self._pending
        if pad_last and rest.size % FRAME:
            rest = np.concatenate((rest, np.zeros(FRAME - rest.size % FRAME, dtype=np.float32)))
        self._run(rest[: rest.size // FRAME * FRAME])
        self._pending = np.zeros(0, dtype=np.float32)
        return np.concatenate(self._out) if self._out else np.zeros(0, dtype=np.float32)

    def _run(self, samples: Floats) -> None:
        n_frames = samples.size // FRAME
        if not n_frames:
            return
        frames = samples.reshape(n_frames, FRAME)
        inputs = np.empty((n_frames, CONTEXT + FRAME), dtype=np.float32)
        inputs[:, CONTEXT:] = frames
        inputs[0, :CONTEXT] = self._context
        inputs[1:, :CONTEXT] = frames[:-1, -CONTEXT:]
        self._context = frames[-1, -CONTEXT:].copy()
        with self._model.lock:
            for first in range(0, n_frames, BLOCK_FRAMES):
                probs, self._h, self._c = self._model.session.run(
                    ["speech_probs", "hn", "cn"],
                    {"input": inputs[first : first + BLOCK_FRAMES], "h": self._h, "c": self._c},
                )
                self._out.append(np.asarray(probs, dtype=np.float32).reshape(-1))


def speech_probabilities(samples: npt.NDArray[np.floating[Any]], *, pad_last: bool = False) -> Floats:
    """Silero's speech probability for every 512-sample (32 ms) frame of 16 kHz mono audio."""
    stream = VadStream()
    stream.feed(samples)
    return stream.finish(pad_last=pad_last)
