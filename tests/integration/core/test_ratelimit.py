"""Plan limits: per-key and per-tenant request windows, shared through Redis; concurrent job caps."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from flowai_testkit import REDIS_URL, create_key, make_settings, signup, wait_until

from flowai.app import create_app
from flowai.core.context import AppContext
from flowai.core.errors import Problem
from flowai.settings import PlanLimits

TIGHT = {"free": PlanLimits(per_key="5/hour", per_tenant="1000/hour", concurrent_jobs=1)}


@pytest.fixture
def tight_client(tmp_path: Path, database_url: str) -> Iterator[TestClient]:
    ctx = AppContext.build(make_settings(tmp_path, database_url, plans=TIGHT))
    with TestClient(create_app(ctx), base_url="http://localhost") as c:
        yield c


def test_headers_and_429_per_key(tight_client: TestClient, make_tenant: Callable[[str], str]) -> None:
    ctx: AppContext = tight_client.app.state.ctx  # type: ignore[attr-defined]
    host = make_tenant("plans")  # a new tenant: plan "free"
    with TestClient(tight_client.app, base_url=f"http://{host}") as c:
        signup(c)  # the session itself is a credential with its own window
        key = create_key(c, ["read"])
        bearer = {"Authorization": f"Bearer {key}"}
        remaining = []
        for _ in range(5):
            r = c.get("/v1/me", headers=bearer)
            assert r.status_code == 200
            assert r.headers["ratelimit-limit"] == "5"
            remaining.append(int(r.headers["ratelimit-remaining"]))
            assert 0 < int(r.headers["ratelimit-reset"]) <= 3600
        assert remaining == [4, 3, 2, 1, 0]
        over = c.get("/v1/me", headers=bearer)
        assert over.status_code == 429 and over.headers["content-type"] == "application/problem+json"
        assert int(over.headers["retry-after"]) > 0 and over.headers["ratelimit-remaining"] == "0"
        assert "5/hour" in over.json()["detail"]
        # another key of the same tenant has its own window
        other = create_key(c, ["read"])
        assert c.get("/v1/me", headers={"Authorization": f"Bearer {other}"}).status_code == 200
    assert ctx.settings.plan("free").per_key == "5/hour"


def test_concurrent_expensive_jobs_are_capped(tight_client: TestClient) -> None:
    ctx: AppContext = tight_client.app.state.ctx  # type: ignore[attr-defined]
    tenant = ctx.tenants.resolve("localhost")
    assert tenant is not None
    # the default tenant is on the enterprise plan, which TIGHT does not define: it falls back to free (cap 1)
    first = ctx.jobs.submit(tenant_id=tenant.id, kind="test.expensive")
    with pytest.raises(Problem) as refused:
        ctx.jobs.submit(tenant_id=tenant.id, kind="test.expensive")
    assert refused.value.status == 429 and "1 renders/clones at a time" in refused.value.detail
    ctx.jobs.submit(tenant_id=tenant.id, kind="test.echo")  # cheap jobs are not capped
    ctx.jobs.cancel(tenant_id=tenant.id, job_id=first.id)
    wait_until(lambda: _status(ctx, first.id) == "cancelled", what="cancel")
    ctx.jobs.cancel(
        tenant_id=tenant.id, job_id=ctx.jobs.submit(tenant_id=tenant.id, kind="test.expensive").id
    )


def _status(ctx: AppContext, job_id: str) -> str:
    from flowai.core.models import Job

    with ctx.db.session(system=True) as s:
        job = s.get(Job, job_id)
        return job.status if job else ""


@pytest.mark.redis
@pytest.mark.slow
def test_limit_holds_across_two_api_processes_sharing_redis(
    tmp_path: Path, make_tenant: Callable[[str], str], ctx: AppContext
) -> None:
    if not REDIS_URL:
        pytest.skip("Redis not configured: set FLOWAI_TEST_REDIS_URL")
    limit = 8
    host = make_tenant("shared")
    with TestClient(create_app(ctx), base_url=f"http://{host}") as c:
        signup(c)
        key = create_key(c, ["read"])
    env = {
        **os.environ,
        "FLOWAI_DATABASE_URL": ctx.settings.resolved_database_url,
        "FLOWAI_DATABASE_ADMIN_URL": ctx.settings.database_admin_url or ctx.settings.resolved_database_url,
        "FLOWAI_DATA_DIR": str(tmp_path / "srv"),
        "FLOWAI_SECRET_KEY": "test-secret-key",
        "FLOWAI_REDIS_URL": REDIS_URL,
        "FLOWAI_PLANS": f'{{"free": {{"per_key": "{limit}/hour", "per_tenant": "1000/hour"}}}}',
        "FLOWAI_LOG_LEVEL": "WARNING",
    }
    servers, ports = [], []
    for _ in range(2):
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            ports.append(sock.getsockname()[1])
        servers.append(
            subprocess.Popen(
                [sys.executable, "-m", "flowai", "serve", "--port", str(ports[-1]), "--no-migrate"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    try:
        for port in ports:
            wait_until(lambda p=port: _up(p), timeout=60, what=f"server on {port}")
        codes: list[int] = []
        lock = threading.Lock()

        def fire(port: int) -> None:
            with httpx.Client(headers={"Host": host, "Authorization": f"Bearer {key}"}) as client:
                for _ in range(10):
                    code = client.get(f"http://127.0.0.1:{port}/v1/me").status_code
                    with lock:
                        codes.append(code)

        threads = [threading.Thread(target=fire, args=(ports[i % 2],)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(codes) == 40
        assert codes.count(200) == limit and codes.count(429) == 40 - limit, codes
    finally:
        for proc in servers:
            proc.send_signal(signal.SIGTERM)
            proc.wait(20)


def _up(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
    except httpx.HTTPError:
        return False
