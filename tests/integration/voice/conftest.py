"""Fixtures for the voice integration tests: the ElevenLabs contract server."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


def _load(name: str) -> ModuleType:
    # --import-mode=importlib gives tests no package: load the helper module by path.
    path = Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"voice_it_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


contract = _load("elevenlabs_contract")
speakers = _load("speakers")


@pytest.fixture(scope="session")
def eval_text() -> str:
    """The sentences clones are judged on (none of them in any upload or the base corpus)."""
    return " ".join(speakers.EVAL_SENTENCES)


@pytest.fixture(scope="session")
def voice_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("voice")


@pytest.fixture(scope="session")
def upload(voice_dir: Path) -> Callable[[str], Path]:
    """``upload(speaker)`` → a WAV of that speaker reading ~70 s of text, made once per session."""
    made: dict[str, Path] = {}

    def get(name: str) -> Path:
        if shutil.which(speakers.SPEAKERS[name][0]) is None:
            pytest.skip(f"{speakers.SPEAKERS[name][0]} is not installed (make deps installs it)")
        if name not in made:
            text = " ".join(speakers.UPLOAD_SENTENCES)
            made[name] = speakers.speak(name, text, voice_dir / f"upload-{name}.wav")
        return made[name]

    return get


@pytest.fixture(scope="session")
def contract_server() -> Iterator[Any]:
    server = contract.ContractServer()
    server.base_url = server.start()
    yield server
    server.stop()


@pytest.fixture()
def elevenlabs(contract_server: Any) -> Iterator[Any]:
    """A fresh contract state per test; yields the server (``.state``, ``.base_url``)."""
    contract_server.reset()
    yield contract_server
