"""The official ``elevenlabs`` SDK works against our contract server: proof that the server
(and so the engine tested against it) speaks the real API's paths, fields and bodies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from elevenlabs import ElevenLabs
from elevenlabs.core.api_error import ApiError

from flowai.voice.audio import Audio, decode_bytes, write_wav
from flowai.voice.engines.elevenlabs import ElevenLabsEngine


def test_sdk_add_voice_tts_delete(elevenlabs: Any, tmp_path: Path) -> None:
    sample = tmp_path / "me.wav"
    write_wav(sample, Audio(np.zeros(8_000, dtype=np.float32), 16_000))
    client = ElevenLabs(api_key="test-key", base_url=elevenlabs.base_url)

    with sample.open("rb") as fh:
        created = client.voices.ivc.create(
            name="Creator",
            files=[fh],
            description="mine",
            labels={"accent": "american"},
            remove_background_noise=True,
        )
    stored = elevenlabs.state.voices[created.voice_id]
    assert created.requires_verification is False
    assert stored["labels"] == {"accent": "american"} and stored["remove_background_noise"]

    audio = b"".join(
        client.text_to_speech.convert(
            created.voice_id,
            text="Hello from the SDK.",
            model_id="eleven_multilingual_v2",
            output_format="mp3_22050_32",
        )
    )
    decoded = decode_bytes(audio, suffix=".mp3")
    assert decoded.sample_rate == 22_050 and decoded.seconds > 0.2
    assert elevenlabs.state.tts_requests[0]["output_format"] == "mp3_22050_32"

    assert client.voices.delete(created.voice_id).status == "ok"
    assert created.voice_id not in elevenlabs.state.voices


def test_sdk_sees_documented_error_body(elevenlabs: Any) -> None:
    client = ElevenLabs(api_key="wrong", base_url=elevenlabs.base_url)
    with pytest.raises(ApiError) as info:
        client.voices.delete("anything")
    assert info.value.status_code == 401
    assert info.value.body["detail"]["status"] == "invalid_api_key"


def test_engine_and_sdk_interoperate(elevenlabs: Any, tmp_path: Path) -> None:
    """A voice made by our engine is usable and deletable through the SDK, and vice versa."""
    sample = tmp_path / "s.wav"
    write_wav(sample, Audio(np.zeros(8_000, dtype=np.float32), 16_000))
    engine = ElevenLabsEngine("test-key", base_url=elevenlabs.base_url)
    client = ElevenLabs(api_key="test-key", base_url=elevenlabs.base_url)
    voice_id = engine.create_voice(name="ours", samples=[sample]).voice_id
    assert b"".join(client.text_to_speech.convert(voice_id, text="Works.")) != b""
    with sample.open("rb") as fh:
        theirs = client.voices.ivc.create(name="theirs", files=[fh]).voice_id
    engine.delete_voice(voice_id=theirs)
    client.voices.delete(voice_id)
    assert elevenlabs.state.voices == {}
