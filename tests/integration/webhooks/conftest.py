"""Webhook test parts: a real HTTP receiver on loopback, fast retry schedules, tenant admins."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from flowai_mail import Mailbox, smtp_server
from flowai_testkit import csrf, make_settings, signup
from sqlalchemy import update

from flowai.app import create_app
from flowai.core.context import AppContext
from flowai.core.models import User
from flowai.settings import Settings

FAST_SCHEDULE = [0, 0.2, 0.2, 0.2]


@dataclass
class Received:
    at: float
    headers: dict[str, str]
    body: str
    status: int

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers POSTs with scripted (status, headers) pairs, then 200; records every request."""

    url: str = ""
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, *responses: int | tuple[int, dict[str, str]]) -> None:
        with self.lock:
            self.script = [r if isinstance(r, tuple) else (r, {}) for r in responses]

    def got(self, n: int) -> list[Received] | None:
        with self.lock:
            return list(self.requests) if len(self.requests) >= n else None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("content-length", "0"))).decode()
            with rec.lock:
                status, headers = rec.script.pop(0) if rec.script else (200, {})
                rec.requests.append(
                    Received(time.monotonic(), {k.lower(): v for k, v in self.headers.items()}, body, status)
                )
            payload = b'{"received": true}' if status < 300 else b"receiver says no"
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield rec
    server.shutdown()
    server.server_close()


@pytest.fixture
def client(ctx: AppContext, make_tenant: Callable[[str], str]) -> Iterator[TestClient]:
    """A client on a fresh tenant: the session database is shared, endpoints must not be."""
    with TestClient(create_app(ctx), base_url=f"http://{make_tenant('hooks')}") as c:
        yield c


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture
def settings(tmp_path: Path, database_url: str, mailbox: Mailbox) -> Settings:
    """Loopback receivers are allowed, retries come 0.2 s apart instead of minutes, mail is caught."""
    return make_settings(
        tmp_path,
        database_url,
        webhook_allow_private=True,
        webhook_retry_schedule=FAST_SCHEDULE,
        smtp_url=mailbox.url,
        mail_from="FlowAI <ops@flowai.example>",
    )


class Helpers:
    """Small API steps the webhook tests repeat (fixtures, since tests cannot import conftest)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def admin(self, client: TestClient, role: str = "admin") -> dict[str, Any]:
        """Sign up on `client`'s host and promote the user (sign-up makes members)."""
        user = signup(client)
        with self.ctx.db.transaction(system=True) as s:
            s.execute(update(User).where(User.id == user["id"]).values(role=role))
        return user

    def tenant_id(self, client: TestClient) -> str:
        tenant = self.ctx.tenants.resolve(client.base_url.host)
        assert tenant is not None
        return tenant.id

    def endpoint(self, client: TestClient, url: str, **extra: Any) -> dict[str, Any]:
        r = client.post("/v1/webhooks/endpoints", json={"url": url, **extra}, headers=csrf(client))
        assert r.status_code == 201, r.text
        return dict(r.json())

    def deliveries(self, client: TestClient, endpoint_id: str) -> list[dict[str, Any]]:
        r = client.get(f"/v1/webhooks/endpoints/{endpoint_id}/deliveries")
        assert r.status_code == 200, r.text
        return list(r.json()["items"])

    def finished(self, client: TestClient, delivery_id: str) -> dict[str, Any] | None:
        body = client.get(f"/v1/webhooks/deliveries/{delivery_id}").json()
        return dict(body) if body["status"] != "pending" else None


@pytest.fixture
def wh(ctx: AppContext) -> Helpers:
    return Helpers(ctx)
