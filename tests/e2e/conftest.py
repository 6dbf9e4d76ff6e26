"""A real `flowai serve` process and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from flowai_testkit import LiveServer, wait_until

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STATIC_INDEX = Path(__file__).parents[2] / "src" / "flowai" / "static" / "index.html"
ARTIFACTS = Path(os.environ.get("FLOWAI_TEST_ARTIFACTS", Path(__file__).parents[2] / "artifacts"))
SPEAKERS = Path(__file__).parents[1] / "integration" / "voice" / "speakers.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`flowai serve` on a free loopback port with its own data dir; stopped after the session."""
    if not STATIC_INDEX.exists():
        pytest.skip("web app not built: run `make web`")
    data = tmp_path_factory.mktemp("live")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "FLOWAI_DATA_DIR": str(data),
        "FLOWAI_PUBLIC_URL": base,
        "FLOWAI_LOG_LEVEL": "WARNING",
    }
    for name in ("FLOWAI_DATABASE_URL", "FLOWAI_DATABASE_ADMIN_URL", "FLOWAI_BROKER_URL", "FLOWAI_REDIS_URL"):
        env.pop(name, None)
    log = (data / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "flowai", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def up() -> bool:
        if proc.poll() is not None:
            raise AssertionError((data / "server.log").read_text())
        try:
            return httpx.get(f"{base}/healthz").status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(up, timeout=60, what="flowai serve")
    yield LiveServer(base, port, env)
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it when run as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """Per-test artifact folder (screenshots), kept after the run."""
    path = ARTIFACTS / request.node.name.replace("/", "_")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A voice sample to clone: flite's awb voice reading the upload sentences."""
    if shutil.which("flite") is None:
        pytest.skip("flite is not installed (make deps installs it)")
    spec = importlib.util.spec_from_file_location("e2e_voice_speakers", SPEAKERS)
    assert spec is not None and spec.loader is not None
    speakers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(speakers)
    out = tmp_path_factory.mktemp("voice-e2e") / "my-voice.wav"
    return Path(speakers.speak("flite-awb", " ".join(speakers.UPLOAD_SENTENCES), out))
