"""Fixtures for the voice API tests: reference speech from Debian's flite, one real local voice
profile per session, the ElevenLabs contract server, and a signed-in client.

Cloning is CPU-heavy (about half a minute here), so the local engine's profile analysis is
memoised per sample for the session: the API flow (upload checks, storage, job, quality check,
profile columns) runs for real on every database, the WORLD analysis of one sample only once.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from flowai_testkit import csrf, finished_job, job_row, make_settings, signup, wait_until

from flowai.core.context import AppContext
from flowai.core.models import Job
from flowai.settings import Settings
from flowai.voice.audio import Audio, decode, write_wav

VOICE_TESTS = Path(__file__).parents[1] / "voice"
GENEROUS = {"free": {"per_key": "100000/minute", "per_tenant": "100000/minute", "concurrent_jobs": 5}}


def _load(name: str) -> ModuleType:
    # --import-mode=importlib gives tests no package: load the voice tests' helpers by path.
    spec = importlib.util.spec_from_file_location(f"voice_api_{name}", VOICE_TESTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


speakers = _load("speakers")
contract = _load("elevenlabs_contract")


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A good sample (flite awb, 90 s: the length the upload bound is stated for) and each kind
    of bad one."""
    for tool in ("flite",):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (make deps installs it)")
    d = tmp_path_factory.mktemp("voice-api")
    text = " ".join(speakers.UPLOAD_SENTENCES)
    read = decode(speakers.speak("flite-awb", text, d / "awb-read.wav"))  # ~74 s
    awb = d / "awb.wav"
    write_wav(awb, Audio(np.resize(read.samples, 90 * read.sample_rate), read.sample_rate))
    slt = speakers.speak("flite-slt", text, d / "slt.wav")
    a = decode(awb)
    b = decode(slt, a.sample_rate)
    rate = a.sample_rate
    write_wav(d / "short.wav", Audio(a.samples[: 20 * rate], rate))
    noise = np.random.default_rng(1).normal(0, 0.1, 70 * 16_000).astype(np.float32)
    write_wav(d / "noise.wav", Audio(noise, 16_000))
    block = 8 * rate
    turns = []
    for i in range(5):  # 80 s alternating in 8 s turns, like an interview
        turns += [a.samples[i * block : (i + 1) * block], b.samples[i * block : (i + 1) * block]]
    write_wav(d / "two.wav", Audio(np.concatenate(turns), rate))
    (d / "notes.wav").write_text("This is my voice, honestly.\n" * 50)
    return {"awb": awb, "short": d / "short.wav", "noise": d / "noise.wav", "two": d / "two.wav",
            "text": d / "notes.wav"}  # fmt: skip


@pytest.fixture(scope="session", autouse=True)
def one_profile_per_sample() -> Iterator[None]:
    """Memoise LocalEngine.make_profile by sample content for the whole session."""
    from flowai.voice.engines.local import LocalEngine

    original = LocalEngine.make_profile
    made: dict[str, dict[str, Any]] = {}

    def cached(self: LocalEngine, sample: Audio, **kwargs: Any) -> dict[str, Any]:
        key = hashlib.sha256(sample.samples.tobytes()).hexdigest()
        if key not in made:
            made[key] = original(self, sample, **kwargs)
        elif kwargs.get("progress"):
            kwargs["progress"](1.0)
        return dict(made[key])

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(LocalEngine, "make_profile", cached)
        yield


@pytest.fixture(scope="session")
def contract_server() -> Iterator[Any]:
    server = contract.ContractServer()
    server.base_url = server.start()
    yield server
    server.stop()


@pytest.fixture()
def elevenlabs(contract_server: Any) -> Any:
    contract_server.reset()
    return contract_server


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # The production job lease (30 s), not the testkit's 3 s: loading a model (an ONNX session)
    # holds the GIL for a second or more on this busy 2-core machine, which can starve a 3 s
    # lease's heartbeat and re-queue a clone that is still running.
    return make_settings(
        tmp_path, database_url, plans=GENEROUS, voice_tts_sync_chars=60, job_lease_seconds=30
    )


@pytest.fixture
def creator(client: TestClient) -> dict[str, Any]:
    """A signed-in user of the default tenant: the user and the CSRF header for writes."""
    user = signup(client)
    return {"user": user, "h": csrf(client)}


def job(ctx: AppContext, job_id: str) -> Job:
    return job_row(ctx, job_id)  # type: ignore[no-any-return]


@pytest.fixture
def finished(ctx: AppContext) -> Callable[..., Job]:
    """Wait until a job ended (read from the database: no rate limits); returns its row."""

    def wait(job_id: str, timeout: float = 240.0) -> Job:
        return wait_until(
            lambda: finished_job(ctx, job_id),
            timeout=timeout, interval=0.2, what=f"job {job_id}",
        )  # fmt: skip

    return wait


def clone(client: TestClient, headers: dict[str, str], path: Path, *, consent: str = "true") -> Any:
    """POST /v1/voice/clone as a browser form would send it."""
    return client.post(
        "/v1/voice/clone",
        files={"audio": (path.name, path.read_bytes(), "audio/wav")},
        data={"consent": consent},
        headers=headers,
    )
