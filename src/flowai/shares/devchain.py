"""A local dev chain for the embedded mode and the tests: anvil from the npm package.

`@foundry-rs/anvil` ships the anvil binary inside a per-platform npm package
(`@foundry-rs/anvil-linux-amd64`, ...), installed by `make deps` under `contracts/node_modules`;
nothing is downloaded at run time. The chain answers chain id 545 (Flow EVM testnet's id) on
127.0.0.1 at a free port, and readiness is found by polling `eth_chainId`, never by sleeping.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from flowai.shares.artifacts import CONTRACTS_DIR

FLOW_EVM_TESTNET_CHAIN_ID = 545
DEFAULT_MNEMONIC = "test test test test test test test test test test test junk"

_PLATFORM_PACKAGES = {
    ("Linux", "x86_64"): "anvil-linux-amd64",
    ("Linux", "aarch64"): "anvil-linux-arm64",
    ("Darwin", "x86_64"): "anvil-darwin-amd64",
    ("Darwin", "arm64"): "anvil-darwin-arm64",
    ("Windows", "AMD64"): "anvil-win32-amd64",
}


_LISTENING = re.compile(r"Listening on (\S+:\d+)")


class DevChainError(RuntimeError):
    """anvil is missing, did not start, or did not become ready in time."""


def anvil_binary() -> Path | None:
    """Path of the anvil binary from the npm package (or $FLOWAI_ANVIL_BIN), None if absent."""
    override = os.environ.get("FLOWAI_ANVIL_BIN")
    if override:
        return Path(override) if Path(override).is_file() else None
    package = _PLATFORM_PACKAGES.get((platform.system(), platform.machine()))
    if package is None:
        return None
    exe = "anvil.exe" if platform.system() == "Windows" else "anvil"
    path = CONTRACTS_DIR / "node_modules" / "@foundry-rs" / package / "bin" / exe
    return path if path.is_file() else None


@dataclass(frozen=True)
class DevAccount:
    """A funded dev account (anvil's well-known test keys: never use them on a real chain)."""

    address: str
    private_key: str


@dataclass
class DevChain:
    """A running anvil process."""

    rpc_url: str
    chain_id: int
    accounts: list[DevAccount]
    process: subprocess.Popen[bytes] = field(repr=False)
    log_path: Path = field(repr=False)

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate anvil, wait for it to exit and remove its temporary folder."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
        shutil.rmtree(self.log_path.parent, ignore_errors=True)

    @property
    def running(self) -> bool:
        """Whether the anvil process is still alive."""
        return self.process.poll() is None


def _rpc(client: httpx.Client, url: str, method: str) -> object:
    response = client.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": []})
    response.raise_for_status()
    return response.json()["result"]


def _accounts_from(config_path: Path) -> list[DevAccount]:
    config = json.loads(config_path.read_text())
    return [
        DevAccount(address=address, private_key=key)
        for address, key in zip(config["available_accounts"], config["private_keys"], strict=True)
    ]


def start(
    *,
    chain_id: int = FLOW_EVM_TESTNET_CHAIN_ID,
    host: str = "127.0.0.1",
    port: int = 0,
    accounts: int = 10,
    balance_ether: int = 10_000,
    ready_timeout: float = 30.0,
    extra_args: list[str] | None = None,
) -> DevChain:
    """Start anvil and return once it answers `eth_chainId` with `chain_id`.

    With `port=0` anvil binds a free port itself and logs it ("Listening on host:port"), so
    there is no window in which another process could take a port chosen for it.
    """
    binary = anvil_binary()
    if binary is None:
        raise DevChainError("anvil binary not found: run `make deps` (npm ci in shares/contracts)")
    workdir = Path(tempfile.mkdtemp(prefix="flowai-anvil-"))
    config_path = workdir / "accounts.json"
    log_path = workdir / "anvil.log"
    args = [
        str(binary),
        "--host", host,
        "--port", str(port),
        "--chain-id", str(chain_id),
        "--accounts", str(accounts),
        "--balance", str(balance_ether),
        "--mnemonic", DEFAULT_MNEMONIC,
        "--config-out", str(config_path),
        *(extra_args or []),
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
    chain = DevChain(rpc_url="", chain_id=chain_id, accounts=[], process=process, log_path=log_path)
    try:
        chain.rpc_url = _wait_until_ready(chain, config_path, time.monotonic() + ready_timeout)
        chain.accounts = _accounts_from(config_path)
    except BaseException:
        chain.stop()
        raise
    return chain


def _wait_until_ready(chain: DevChain, config_path: Path, deadline: float) -> str:
    """Poll anvil's log for its address, then `eth_chainId` until it answers; returns the URL."""
    url = ""
    with httpx.Client(timeout=2.0) as client:
        while True:
            log_text = chain.log_path.read_text(errors="replace")
            if not chain.running:
                raise DevChainError(f"anvil exited with {chain.process.returncode}: {log_text}")
            if not url and (found := _LISTENING.search(log_text)):
                url = f"http://{found.group(1)}"
            if url and config_path.is_file() and config_path.stat().st_size > 0:
                try:
                    answered = int(str(_rpc(client, url, "eth_chainId")), 16)
                except (httpx.TransportError, httpx.HTTPStatusError):
                    answered = None
                if answered is not None:
                    if answered != chain.chain_id:
                        raise DevChainError(f"{url} answers chain id {answered}")
                    return url
            if time.monotonic() > deadline:
                raise DevChainError(f"anvil not ready in time: {log_text}")
            time.sleep(0.05)  # poll interval, not a wait for readiness


@contextmanager
def running(**kwargs: Any) -> Iterator[DevChain]:
    """`with running() as chain:` starts anvil and always stops it."""
    chain = start(**kwargs)
    try:
        yield chain
    finally:
        chain.stop()
