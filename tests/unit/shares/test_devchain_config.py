"""devchain.py without starting anything: finding the binary, failing clearly without it."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowai.shares import devchain


def test_missing_binary_is_reported_not_downloaded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FLOWAI_ANVIL_BIN", str(tmp_path / "no-anvil-here"))
    assert devchain.anvil_binary() is None
    with pytest.raises(devchain.DevChainError, match="make deps"):
        devchain.start()


def test_binary_override_is_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "anvil"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("FLOWAI_ANVIL_BIN", str(fake))
    assert devchain.anvil_binary() == fake
    with pytest.raises(devchain.DevChainError, match="exited with 3"):
        devchain.start(ready_timeout=10)
