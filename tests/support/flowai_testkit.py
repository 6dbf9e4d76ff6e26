"""Helpers shared by the tests (importable from any test module: tests/support is on the path)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from flowai.settings import Settings

PASSWORD = "correct horse battery"
POSTGRES_URL = os.environ.get("FLOWAI_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("FLOWAI_TEST_REDIS_URL")
TEST_JOB_MODULES = ["flowai_testjobs"]
APP_ROLE = "flowai_app"
ADMIN_URLS: dict[str, str] = {}  # app-role URL → owner URL, filled by the postgres fixture


def wait_until(
    predicate: Callable[[], Any],
    timeout: float = 20.0,
    interval: float = 0.05,
    what: str = "condition",
) -> Any:
    """Poll `predicate` until it returns something truthy; fail with `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def csrf(client: TestClient) -> dict[str, str]:
    token = client.get("/v1/auth/csrf").json()["csrf_token"]
    return {"X-CSRF-Token": token}


def signup(client: TestClient, email: str | None = None, name: str = "Ada") -> dict[str, Any]:
    email = email or unique_email()
    r = client.post(
        "/v1/auth/signup",
        json={"email": email, "password": PASSWORD, "display_name": name},
        headers=csrf(client),
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def make_platform_admin(client: TestClient, ctx: Any) -> dict[str, Any]:
    """Sign up on the platform host (`localhost`) and make that account an admin of it."""
    from flowai.core.models import User

    me = signup(client)
    if me["role"] not in ("owner", "admin"):
        platform = ctx.tenants.resolve("localhost")
        assert platform is not None
        with ctx.db.transaction(tenant_id=platform.id) as s:
            user = s.get(User, me["id"])
            assert user is not None
            user.role = "admin"
    return me


def create_key(client: TestClient, scopes: list[str], **extra: Any) -> str:
    r = client.post("/v1/apikeys", json={"name": "test", "scopes": scopes, **extra}, headers=csrf(client))
    assert r.status_code == 201, r.text
    return str(r.json()["key"])


def make_settings(tmp_path: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "database_url": database_url,
        "database_admin_url": ADMIN_URLS.get(database_url),
        "secret_key": "test-secret-key",
        "job_modules": TEST_JOB_MODULES,
        "job_poll_seconds": 0.1,
        "job_lease_seconds": 3,
        "public_url": "http://localhost",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass(frozen=True)
class LiveServer:
    url: str
    port: int
    env: dict[str, str]

    def flowai(self, *args: str) -> str:
        """Run a `flowai` command against this server's database; returns its last output line."""
        out = subprocess.run(
            [sys.executable, "-m", "flowai", *args], env=self.env, check=True, capture_output=True, text=True
        )
        return out.stdout.strip().splitlines()[-1]


def run_async(coro: Any) -> Any:
    """asyncio.run in a fresh thread: the browser tests' Playwright keeps a loop running in the main one."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


TERMINAL_STATES = ("succeeded", "failed", "cancelled")


def job_row(ctx: Any, job_id: str) -> Any:
    """A job's row, read across tenants (the test's view of the `jobs` table)."""
    from flowai.core.models import Job

    with ctx.db.session(system=True) as s:
        row = s.get(Job, job_id)
        assert row is not None, job_id
        return row


def finished_job(ctx: Any, job_id: str) -> Any:
    """The job's row once it has ended, else None (a `wait_until` predicate)."""
    row = job_row(ctx, job_id)
    return row if row.status in TERMINAL_STATES else None
