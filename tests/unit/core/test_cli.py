"""The `flowai` CLI: every command explains itself, and the admin commands work end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flowai.cli import app
from flowai.settings import get_settings

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FLOWAI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("FLOWAI_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["serve"],
        ["worker"],
        ["db"],
        ["db", "upgrade"],
        ["users", "create"],
        ["apikeys", "create"],
        ["tenants", "list"],
    ],
)
def test_every_command_has_help(args: list[str]) -> None:
    result = runner.invoke(app, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output and len(result.output.splitlines()) > 4


def test_admin_commands(data_dir: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert (data_dir / "flowai.db").exists()
    listed = runner.invoke(app, ["tenants", "list", "--json"])
    tenants = json.loads(listed.output.strip().splitlines()[-1])
    assert tenants[0]["slug"] == "flowai" and tenants[0]["hosts"] == ["127.0.0.1", "localhost"]

    made = runner.invoke(app, ["users", "create", "--email", "Ops@Example.com", "--password", "0123456789ab"])
    assert made.exit_code == 0, made.output
    assert json.loads(made.output.strip().splitlines()[-1])["email"] == "ops@example.com"
    dup = runner.invoke(app, ["users", "create", "--email", "ops@example.com", "--password", "0123456789ab"])
    assert dup.exit_code == 1 and "already exists" in dup.output

    key = runner.invoke(
        app, ["apikeys", "create", "--user", "ops@example.com", "--scopes", "read,editor:write"]
    )
    assert key.exit_code == 0, key.output
    assert key.output.strip().splitlines()[-1].startswith("fla_")
    bad = runner.invoke(app, ["apikeys", "create", "--user", "ops@example.com", "--scopes", "root"])
    assert bad.exit_code == 1 and "choose one or more of" in bad.output
    nobody = runner.invoke(app, ["apikeys", "create", "--user", "who@example.com", "--scopes", "read"])
    assert nobody.exit_code != 0
    no_tenant = runner.invoke(
        app, ["users", "create", "--email", "x@y.co", "--password", "0123456789ab", "--tenant", "nope"]
    )
    assert no_tenant.exit_code != 0 and "no tenant" in no_tenant.output


def test_worker_without_broker_explains(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOWAI_BROKER_URL", raising=False)
    result = runner.invoke(app, ["worker"])
    assert result.exit_code != 0 and "FLOWAI_BROKER_URL" in result.output
