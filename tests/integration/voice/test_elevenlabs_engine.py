"""The ElevenLabs engine against a local server speaking the documented wire contract."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from flowai.voice.audio import Audio, write_wav
from flowai.voice.engines.base import (
    EngineBusy,
    InvalidApiKey,
    QuotaExceeded,
    TextTooLong,
    VoiceEngine,
    VoiceNotFound,
)
from flowai.voice.engines.elevenlabs import ElevenLabsEngine, split_text

SECONDS_PER_CHAR = 0.02  # what the contract server speaks per character


@pytest.fixture()
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "sample.wav"
    t = np.arange(16_000) / 16_000
    write_wav(path, Audio((0.2 * np.sin(2 * np.pi * 150 * t)).astype(np.float32), 16_000))
    return path


def engine(server: Any, **kwargs: Any) -> ElevenLabsEngine:
    kwargs.setdefault("api_key", "test-key")
    kwargs.setdefault("backoff_s", 0.01)
    return ElevenLabsEngine(base_url=server.base_url, **kwargs)


def test_engine_satisfies_protocol(elevenlabs: Any) -> None:
    assert isinstance(engine(elevenlabs), VoiceEngine)


def test_add_voice_sends_documented_multipart(elevenlabs: Any, sample: Path) -> None:
    created = engine(elevenlabs).create_voice(
        name="Ada",
        samples=[sample, sample],
        description="narrator",
        labels={"accent": "british"},
    )
    stored = elevenlabs.state.voices[created.voice_id]
    assert created.requires_verification is False
    assert stored["name"] == "Ada" and stored["description"] == "narrator"
    assert stored["labels"] == {"accent": "british"}
    assert [n for n, _ in stored["files"]] == ["sample.wav", "sample.wav"]
    assert all(size == sample.stat().st_size for _, size in stored["files"])


def test_tts_returns_decoded_audio_of_the_spoken_length(elevenlabs: Any) -> None:
    text = "Hello there. This is a test."
    audio = engine(elevenlabs).synthesize(text=text, voice_id=None)
    request = elevenlabs.state.tts_requests[0]
    assert request["voice_id"] == "JBFqnCBsd6RMkjVDRZzb"  # the default premade voice
    assert request["output_format"] == "mp3_44100_128"
    assert request["text"] == text and request["model_id"] == "eleven_multilingual_v2"
    assert audio.sample_rate == 44_100
    assert audio.seconds == pytest.approx(len(text) * SECONDS_PER_CHAR, abs=0.08)


def test_long_text_is_split_on_sentences_and_joined_in_order(elevenlabs: Any, monkeypatch: Any) -> None:
    from flowai.voice.engines import elevenlabs as module

    monkeypatch.setitem(module.MODEL_CHARACTER_LIMITS, "eleven_v3", 200)
    text = " ".join(f"Sentence number {i} is here." for i in range(40))
    eng = engine(elevenlabs, model_id="eleven_v3", output_format="pcm_16000", max_concurrency=3)
    audio = eng.synthesize(text=text, voice_id=None)
    sent = [r["text"] for r in elevenlabs.state.tts_requests]
    chunks = split_text(text, 200)
    assert len(chunks) > 1 and sorted(sent) == sorted(chunks)
    assert all(len(c) <= 200 and c.endswith(".") for c in chunks)  # whole sentences only
    assert " ".join(chunks) == text
    assert audio.sample_rate == 16_000
    spoken = sum(len(c) for c in chunks) * SECONDS_PER_CHAR
    assert audio.seconds == pytest.approx(spoken, abs=0.01)


def test_overlong_sentence_is_cut_at_a_space() -> None:
    words = " ".join(["word"] * 30) + "."
    chunks = split_text(words, 50)
    assert all(len(c) <= 50 for c in chunks)
    assert " ".join(chunks) == words


def test_chunks_carry_neighbour_text_and_keep_order(elevenlabs: Any, monkeypatch: Any) -> None:
    from flowai.voice.engines import elevenlabs as module

    monkeypatch.setitem(module.MODEL_CHARACTER_LIMITS, "eleven_v3", 60)
    text = "One short sentence here. Another short sentence. A third one follows. And a fourth."
    eng = engine(elevenlabs, model_id="eleven_v3", output_format="pcm_16000", max_concurrency=4)
    audio = eng.synthesize(text=text, voice_id=None)
    chunks = split_text(text, 60)
    assert len(chunks) >= 2
    by_text = {r["text"]: r for r in elevenlabs.state.tts_requests}
    assert set(by_text) == set(chunks)
    assert by_text[chunks[1]]["previous_text"] == chunks[0]
    assert by_text[chunks[0]]["next_text"] == chunks[1]
    expected = sum(len(c) for c in chunks) * SECONDS_PER_CHAR
    assert audio.seconds == pytest.approx(expected, abs=0.01)


def test_delete_voice(elevenlabs: Any, sample: Path) -> None:
    eng = engine(elevenlabs)
    voice_id = eng.create_voice(name="x", samples=[sample]).voice_id
    eng.delete_voice(voice_id=voice_id)
    assert voice_id not in elevenlabs.state.voices
    with pytest.raises(VoiceNotFound):
        eng.delete_voice(voice_id=voice_id)


def test_invalid_api_key(elevenlabs: Any, sample: Path) -> None:
    with pytest.raises(InvalidApiKey, match="Invalid API key"):
        engine(elevenlabs, api_key="wrong").create_voice(name="x", samples=[sample])


def test_voice_not_found(elevenlabs: Any) -> None:
    with pytest.raises(VoiceNotFound, match="not found"):
        engine(elevenlabs).synthesize(text="Hi.", voice_id="nope")


def test_quota_exceeded(elevenlabs: Any) -> None:
    elevenlabs.state.character_quota = 5
    with pytest.raises(QuotaExceeded, match="quota"):
        engine(elevenlabs).synthesize(text="More than five characters.", voice_id=None)


def test_character_limit_maps_to_text_too_long(elevenlabs: Any, monkeypatch: Any) -> None:
    # Our splitter thinks the model allows more than the server does: the server's error wins.
    from flowai.voice.engines import elevenlabs as module

    monkeypatch.setitem(module.MODEL_CHARACTER_LIMITS, "eleven_v3", 50_000)
    with pytest.raises(TextTooLong, match="character limit"):
        engine(elevenlabs, model_id="eleven_v3").synthesize(text="x" * 5_001, voice_id=None)


def test_system_busy_is_retried_with_backoff(elevenlabs: Any) -> None:
    elevenlabs.state.busy_answers = 3
    delays: list[float] = []
    eng = engine(elevenlabs, backoff_s=0.5, sleep=delays.append)
    audio = eng.synthesize(text="Retry me.", voice_id=None)
    assert audio.seconds > 0
    assert elevenlabs.state.statuses == [429, 429, 429, 200]
    assert len(delays) == 3 and delays[0] < delays[1] < delays[2]  # exponential
    assert 0.25 <= delays[0] <= 0.5 and 1.0 <= delays[2] <= 2.0


def test_system_busy_gives_up_after_max_retries(elevenlabs: Any) -> None:
    elevenlabs.state.busy_answers = 10
    eng = engine(elevenlabs, max_retries=2, sleep=lambda _s: None)
    with pytest.raises(EngineBusy, match="busy"):
        eng.synthesize(text="Never.", voice_id=None)
    assert elevenlabs.state.statuses == [429, 429, 429]


def test_local_queue_keeps_within_the_concurrency_limit(elevenlabs: Any, monkeypatch: Any) -> None:
    from flowai.voice.engines import elevenlabs as module

    monkeypatch.setitem(module.MODEL_CHARACTER_LIMITS, "eleven_v3", 30)
    elevenlabs.state.concurrency_limit = 2
    elevenlabs.state.processing_s = 0.1
    text = " ".join(f"Chunk {i} says its line." for i in range(8))
    eng = engine(elevenlabs, model_id="eleven_v3", output_format="pcm_16000", max_concurrency=2)
    audio = eng.synthesize(text=text, voice_id=None)
    chunks = split_text(text, 30)
    assert len(chunks) == 8
    assert elevenlabs.state.max_in_flight == 2  # parallel, but never over the limit
    assert 429 not in elevenlabs.state.statuses
    assert audio.seconds == pytest.approx(sum(len(c) for c in chunks) * SECONDS_PER_CHAR, abs=0.01)


def test_too_many_concurrent_requests_are_requeued(elevenlabs: Any, monkeypatch: Any) -> None:
    from flowai.voice.engines import elevenlabs as module

    monkeypatch.setitem(module.MODEL_CHARACTER_LIMITS, "eleven_v3", 30)
    elevenlabs.state.concurrency_limit = 1  # the account allows fewer than we send
    elevenlabs.state.processing_s = 0.1
    text = " ".join(f"Chunk {i} says its line." for i in range(6))
    delays: list[float] = []
    eng = engine(
        elevenlabs, model_id="eleven_v3", output_format="pcm_16000", max_concurrency=3, sleep=delays.append
    )
    audio = eng.synthesize(text=text, voice_id=None)
    assert 429 in elevenlabs.state.statuses  # the server did refuse some
    assert elevenlabs.state.statuses.count(200) == 6  # and every chunk still came back
    assert delays == []  # queued behind our own requests, not backed off as "busy"
    assert elevenlabs.state.max_in_flight == 1
    assert audio.seconds == pytest.approx(
        sum(len(c) for c in split_text(text, 30)) * SECONDS_PER_CHAR, abs=0.01
    )
