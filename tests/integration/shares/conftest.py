"""A real anvil dev chain (from the npm package) for the chain-client tests, one per session.

Skipped, with the reason, only when the anvil binary is not installed (`make deps` installs it).
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

import pytest
from eth_account.signers.local import LocalAccount

from flowai.shares import deploy, devchain
from flowai.shares.chain import ChainClient, account_from_key


@dataclass
class Chain:
    """The running dev chain, a client for it and named funded accounts."""

    dev: devchain.DevChain
    client: ChainClient
    admin: LocalAccount
    creator: LocalAccount
    buyer: LocalAccount
    depositor: LocalAccount
    fee_recipient: LocalAccount
    spare: list[LocalAccount] = field(default_factory=list)


@pytest.fixture(scope="session")
def chain() -> Iterator[Chain]:
    """anvil with chain id 545 on a free loopback port, stopped at the end of the session."""
    if devchain.anvil_binary() is None:
        pytest.skip("anvil binary missing: run `make deps` (npm ci in src/flowai/shares/contracts)")
    with devchain.running() as dev:
        keys = [account_from_key(a.private_key) for a in dev.accounts]
        client = ChainClient(dev.rpc_url, expected_chain_id=devchain.FLOW_EVM_TESTNET_CHAIN_ID)
        admin, creator, buyer, depositor, fee_recipient, *spare = keys
        yield Chain(dev, client, admin, creator, buyer, depositor, fee_recipient, spare=spare)


@pytest.fixture(scope="session")
def platform(chain: Chain) -> deploy.Platform:
    """VideoNFT + VideoVaultFactory deployed once for the session."""
    return deploy.deploy_platform(
        chain.client,
        chain.admin,
        base_uri="http://127.0.0.1:8000/v1/nft/",
        depositor=chain.depositor.address,
        fee_recipient=chain.fee_recipient.address,
        fee_bps=250,
    )


class FlakyProxy:
    """A loopback JSON-RPC proxy in front of anvil that fails on purpose.

    `plan(method, count)` decides each request's fate ("ok", "503", "drop" before forwarding,
    or "lose" = forward to anvil but drop the response); `count` is how many requests of that
    method came before. `seen` records (method, fate) in order.
    """

    def __init__(self, upstream: str, plan: Callable[[str, int], str]) -> None:
        self.upstream = urlparse(upstream)
        self.plan = plan
        self.seen: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                method = _rpc_method(body)
                with proxy._lock:
                    count = sum(1 for m, _ in proxy.seen if m == method)
                    fate = proxy.plan(method, count)
                    proxy.seen.append((method, fate))
                if fate == "503":
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if fate == "drop":
                    self.close_connection = True
                    return
                answer = proxy.forward(body)
                if fate == "lose":
                    self.close_connection = True
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def forward(self, body: bytes) -> bytes:
        connection = http.client.HTTPConnection(
            self.upstream.hostname or "127.0.0.1", self.upstream.port, timeout=10
        )
        try:
            connection.request("POST", "/", body, {"Content-Type": "application/json"})
            return connection.getresponse().read()
        finally:
            connection.close()

    def fates(self, method: str) -> list[str]:
        return [fate for m, fate in self.seen if m == method]

    def __enter__(self) -> FlakyProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _rpc_method(body: bytes) -> str:
    payload = json.loads(body)
    return str(payload.get("method", "batch")) if isinstance(payload, dict) else "batch"


@pytest.fixture
def flaky_proxy(chain: Chain) -> Callable[[Callable[[str, int], str]], FlakyProxy]:
    """Make a FlakyProxy in front of the session's anvil with a failure plan."""

    def make(plan: Callable[[str, int], str]) -> FlakyProxy:
        return FlakyProxy(chain.dev.rpc_url, plan)

    return make
