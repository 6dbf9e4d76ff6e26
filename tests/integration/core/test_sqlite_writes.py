"""The embedded default (SQLite) under a second writer: every mutating route, called with an API key
while a worker commits small writes back to back, answers within 2 s and never with a 500.

SQLite has one writer at a time. A request that holds a write in its own transaction and then
opens a second one waits on itself until the 30 s busy timeout ("database is locked"); a request
that read first and writes after a worker's commit cannot upgrade its snapshot. Both were seen.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from flowai_testkit import create_key, make_platform_admin, make_settings
from sqlalchemy import update

from flowai.app import create_app
from flowai.core import auth
from flowai.core.context import AppContext
from flowai.core.db import make_engine
from flowai.core.migrate import upgrade
from flowai.core.models import Job
from flowai.settings import PlanLimits

BUDGET_S = 2.0
UNLIMITED = PlanLimits(per_key="100000/minute", per_tenant="100000/minute", concurrent_jobs=100)
NO_SUCH_ID = "01JNOSUCHID000000000000000"
PATH_VALUES = {"fmt": "otio", "host": "nothing.example.com", "slug": "no-such-tenant"}


@pytest.fixture
def app_on_sqlite(tmp_path: Path) -> Iterator[tuple[TestClient, AppContext]]:
    url = f"sqlite:///{tmp_path / 'own.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    settings = make_settings(
        tmp_path, url, plans={name: UNLIMITED for name in ("free", "pro", "enterprise")}, worker_threads=1
    )
    ctx = AppContext.build(settings)
    with TestClient(create_app(ctx), base_url="http://localhost") as client:
        make_platform_admin(client, ctx)
        yield client, ctx


class Writer(threading.Thread):
    """A worker's progress updates: one short committed write after another, as fast as it can."""

    def __init__(self, ctx: AppContext, tenant_id: str, job_id: str) -> None:
        super().__init__(daemon=True)
        self.ctx, self.tenant_id, self.job_id = ctx, tenant_id, job_id
        self.stop = threading.Event()
        self.writes = 0

    def run(self) -> None:
        while not self.stop.is_set():
            with self.ctx.db.transaction(tenant_id=self.tenant_id) as s:
                s.execute(update(Job).where(Job.id == self.job_id).values(progress=self.writes % 100))
            self.writes += 1


def _mutating_operations(spec: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for path, item in spec["paths"].items():
        for method in item:
            if method in ("post", "put", "patch", "delete"):
                yield method.upper(), path


def test_every_mutating_route_answers_quickly_while_a_worker_writes(
    app_on_sqlite: tuple[TestClient, AppContext],
) -> None:
    client, ctx = app_on_sqlite
    tenant = ctx.tenants.resolve("localhost")
    assert tenant is not None
    me = client.get("/v1/me").json()
    busy = ctx.jobs.submit(tenant_id=tenant.id, kind="test.echo", owner_id=me["id"], payload={"x": 1})
    cancellable = ctx.jobs.submit(tenant_id=tenant.id, kind="test.wait_for_cancel", owner_id=me["id"])
    api = TestClient(client.app, base_url="http://localhost")

    # requests that get past validation and really write, beside one request per operation
    real = [
        ("POST", f"/v1/jobs/{cancellable.id}/cancel", None),
        ("PATCH", "/v1/tenant", {"name": "Busy Workspace"}),
        ("POST", "/v1/tenant/domains", {"host": "busy.example.com"}),
        ("DELETE", "/v1/tenant/domains/busy.example.com", None),
        ("POST", "/v1/projects", {"name": "Busy project"}),
        ("POST", "/v1/platform/tenants", {"slug": "busy-tenant", "name": "Busy"}),
        ("DELETE", "/v1/platform/tenants/busy-tenant", None),
    ]
    spec = client.get("/openapi.json").json()
    generic = [
        (m, re.sub(r"\{(\w+)\}", lambda g: PATH_VALUES.get(g.group(1), NO_SUCH_ID), p), {})
        for m, p in _mutating_operations(spec)
    ]

    writer = Writer(ctx, tenant.id, busy.id)
    writer.start()
    slow, failed = [], []
    try:
        for method, url, body in [*real, *generic]:
            # a key's first use writes its last_used_at: the case that held the lock before
            headers = {"Authorization": f"Bearer {create_key(client, list(auth.SCOPES))}"}
            started = time.monotonic()
            r = api.request(method, url, headers=headers, **({"json": body} if body is not None else {}))
            took = time.monotonic() - started
            if took > BUDGET_S:
                slow.append(f"{method} {url}: {took:.1f}s")
            if r.status_code >= 500:
                failed.append(f"{method} {url}: {r.status_code} {r.text[:200]}")
    finally:
        writer.stop.set()
        writer.join()
    assert writer.writes > 50, "the worker did not write while the requests ran"
    assert not failed, "\n".join(failed)
    assert not slow, "\n".join(slow)
    assert client.get("/v1/tenant").json()["name"] == "Busy Workspace"
