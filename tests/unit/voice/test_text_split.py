"""Splitting long narration on sentence boundaries for ElevenLabs' per-model limits."""

from __future__ import annotations

from flowai.voice.engines.elevenlabs import MODEL_CHARACTER_LIMITS, split_text


def test_short_text_is_one_chunk() -> None:
    assert split_text("Hello there. How are you?", 100) == ["Hello there. How are you?"]


def test_chunks_hold_whole_sentences_within_the_limit() -> None:
    text = " ".join(f"This is sentence {i}!" for i in range(50))
    chunks = split_text(text, 120)
    assert len(chunks) > 1
    assert all(len(c) <= 120 for c in chunks)
    assert all(c.endswith("!") for c in chunks)
    assert " ".join(chunks) == text


def test_a_sentence_longer_than_the_limit_is_cut_between_words() -> None:
    text = "alpha, " * 40 + "end."
    chunks = split_text(text.strip(), 60)
    assert all(len(c) <= 60 for c in chunks)
    assert " ".join(chunks).split() == text.split()


def test_model_limits_follow_the_documentation() -> None:
    assert MODEL_CHARACTER_LIMITS["eleven_multilingual_v2"] == 10_000
    assert MODEL_CHARACTER_LIMITS["eleven_flash_v2_5"] == 40_000
    assert MODEL_CHARACTER_LIMITS["eleven_turbo_v2"] == 30_000
