"""The ElevenLabs engine through the voice API, against the local server that speaks its wire
contract (the real service cannot be reached from here): clone, narrate, errors, delete."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flowai_testkit import make_settings

from flowai.core.models import Job
from flowai.settings import Settings

from .conftest import GENEROUS, clone  # type: ignore[import-not-found]


@pytest.fixture
def database_url(sqlite_database: str) -> str:
    """One database is enough here: the engine path is what is under test (the local clone test
    covers both databases)."""
    return sqlite_database


@pytest.fixture
def settings(tmp_path: Path, database_url: str, elevenlabs: Any) -> Settings:
    return make_settings(
        tmp_path, database_url, plans=GENEROUS, voice_engine="elevenlabs",
        elevenlabs_api_key="test-key", elevenlabs_base_url=elevenlabs.base_url,
        # The contract server answers with a sine tone, not speech: no WER gate for the clone.
        voice_clone_max_wer=1.0,
    )  # fmt: skip


@pytest.mark.slow
def test_elevenlabs_clone_narrate_delete(
    client: Any, creator: dict[str, Any], samples: dict[str, Path], elevenlabs: Any,
    finished: Callable[..., Job],
) -> None:  # fmt: skip
    h = creator["h"]
    r = clone(client, h, samples["awb"])
    assert r.status_code == 202, r.text
    assert finished(r.json()["job_id"]).status == "succeeded"
    voice = client.get("/v1/voice").json()
    assert voice["status"] == "ready" and voice["engine"] == "elevenlabs"
    vid = voice["voice_id"]
    added = elevenlabs.state.voices[vid]  # what POST /v1/voices/add received
    assert added["files"][0][0] == "sample.wav" and added["files"][0][1] == samples["awb"].stat().st_size
    assert added["labels"]["flowai_clone"] == voice["clone"]["id"]
    assert voice["clone"]["quality"]["wer"] is not None

    elevenlabs.state.busy_answers = 1  # one 429 system_busy: retried with backoff, unseen by the caller
    n = client.post("/v1/tts", json={"text": "Welcome back to my channel.", "voice": "me"}, headers=h)
    assert n.status_code == 201, n.text
    body = n.json()
    assert body["engine"] == "elevenlabs" and body["voice"] == vid
    assert body["attempts"] == 2 and body["wer_passed"] is False  # a tone is unintelligible: retried once
    assert 429 in elevenlabs.state.statuses
    spoken = [req for req in elevenlabs.state.tts_requests if req["voice_id"] == vid]
    assert spoken[-1]["text"] == "Welcome back to my channel." and spoken[-1]["model_id"]

    elevenlabs.state.character_quota = 0
    broke = client.post("/v1/tts", json={"text": "One more line.", "voice": "me"}, headers=h)
    assert broke.status_code == 502 and "quota" in broke.json()["type"]

    assert client.delete("/v1/voice", headers=h).status_code == 204
    assert vid not in elevenlabs.state.voices
    assert client.get("/v1/voice").json()["status"] == "none"


def test_a_wrong_api_key_fails_the_clone_with_the_reason(
    client: Any, ctx: Any, creator: dict[str, Any], samples: dict[str, Path], elevenlabs: Any,
    finished: Callable[..., Job],
) -> None:  # fmt: skip
    elevenlabs.state.api_key = "another-key"
    try:
        r = clone(client, creator["h"], samples["awb"])
        assert r.status_code == 202, r.text
        assert finished(r.json()["job_id"]).status == "failed"
    finally:
        elevenlabs.state.api_key = "test-key"
    voice = client.get("/v1/voice").json()
    assert voice["status"] == "failed" and voice["voice_id"] is None
    attempt = voice["last_attempt"]
    assert attempt["error_code"] == "invalid_api_key" and "Invalid API key" in attempt["error"]
    assert [k for k in ctx.storage.keys("t/") if "/voice/" in k] == []  # the failed sample is purged
