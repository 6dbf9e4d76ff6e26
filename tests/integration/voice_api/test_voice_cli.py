"""`flowai voice clone AUDIO --user EMAIL` records a clone for the user and prints its voice id."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from flowai.cli import app
from flowai.settings import Settings, get_settings


@pytest.fixture
def database_url(sqlite_database: str) -> str:
    return sqlite_database


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("FLOWAI_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("FLOWAI_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("FLOWAI_SECRET_KEY", "test-secret-key")
    monkeypatch.setenv("FLOWAI_LOG_LEVEL", "WARNING")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.slow
def test_cli_clone_prints_the_voice_id(
    client: TestClient, creator: dict[str, Any], samples: dict[str, Path], cli_env: None
) -> None:
    email = creator["user"]["email"]
    bad = CliRunner().invoke(app, ["voice", "clone", str(samples["short"]), "--user", email])
    assert bad.exit_code == 2 and json.loads(bad.output)["code"] == "too-short"

    done = CliRunner().invoke(
        app, ["voice", "clone", str(samples["awb"]), "--user", email, "--engine", "local"]
    )
    assert done.exit_code == 0, done.output
    out = json.loads(done.output.strip().splitlines()[-1])
    assert out["ok"] and out["voice_id"].startswith("local_") and out["quality"]["similarity"] > 0
    voice = client.get("/v1/voice").json()
    assert voice["status"] == "ready" and voice["voice_id"] == out["voice_id"]
    assert voice["clone"]["consent_statement"].startswith("Consent recorded by the operator")
    assert client.delete("/v1/voice", headers=creator["h"]).status_code == 204
