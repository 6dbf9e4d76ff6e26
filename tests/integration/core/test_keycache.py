"""API keys are cached by id (core/keycache.py): a revoke, a demotion or a deactivation made by
another process must still take effect within a second, and at once in the process that made it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient
from flowai_testkit import create_key, csrf, make_settings, signup
from sqlalchemy import select, update

from flowai.app import create_app
from flowai.core.context import AppContext
from flowai.core.models import ApiKey, User

WITHIN = 1.0  # the promise
SLACK = 0.3  # a TestClient request on a busy 2-core machine


@contextmanager
def two_processes(
    ctx: AppContext, tmp_path: Path, database_url: str, host: str
) -> Iterator[tuple[TestClient, TestClient]]:
    """Two API processes on one database: this test's context and a second one built alike."""
    other = AppContext.build(make_settings(tmp_path / "other", database_url))
    with (
        TestClient(create_app(ctx), base_url=f"http://{host}") as a,
        TestClient(create_app(other), base_url=f"http://{host}") as b,
    ):
        yield a, b


def _first_refusal(client: TestClient, path: str, bearer: dict[str, str], since: float) -> tuple[float, int]:
    """Seconds from `since` until `path` stops answering 200, and the status it answered then."""
    while True:
        status = client.get(path, headers=bearer).status_code
        if status != 200:
            return time.monotonic() - since, status
        assert time.monotonic() - since < WITHIN + 5, f"{path} still answers 200"
        time.sleep(0.02)


def test_revoked_key_stops_at_once_here_and_within_a_second_elsewhere(
    ctx: AppContext, make_tenant: Callable[[str], str], tmp_path: Path, database_url: str
) -> None:
    host = make_tenant("revoke")
    with two_processes(ctx, tmp_path, database_url, host) as (a, b):
        signup(a)
        key = create_key(a, ["read"])
        bearer = {"Authorization": f"Bearer {key}"}
        for client in (a, b):  # both processes have the key cached now
            assert client.get("/v1/me", headers=bearer).status_code == 200
        assert a.delete(f"/v1/apikeys/{key.split('_')[1]}", headers=csrf(a)).status_code == 204
        revoked = time.monotonic()
        assert a.get("/v1/me", headers=bearer).status_code == 401  # the revoking process: at once
        elapsed, status = _first_refusal(b, "/v1/me", bearer, revoked)
        assert status == 401 and elapsed <= WITHIN + SLACK, elapsed


def test_demoted_users_admin_key_loses_admin_within_a_second(
    ctx: AppContext, make_tenant: Callable[[str], str], tmp_path: Path, database_url: str
) -> None:
    host = make_tenant("demote")
    with two_processes(ctx, tmp_path, database_url, host) as (a, b):
        me = signup(a)  # the first account owns the workspace
        key = create_key(a, ["admin"])
        bearer = {"Authorization": f"Bearer {key}"}
        for client in (a, b):
            assert client.get("/v1/tenant", headers=bearer).status_code == 200
        tenant = ctx.tenants.resolve(host)
        assert tenant is not None
        other: AppContext = b.app.state.ctx  # type: ignore[attr-defined]
        with other.db.transaction(tenant_id=tenant.id) as s:  # a bulk write in process b
            s.execute(update(User).where(User.id == me["id"]).values(role="member"))
        demoted = time.monotonic()
        assert b.get("/v1/tenant", headers=bearer).status_code == 403  # at once where it was made
        elapsed, status = _first_refusal(a, "/v1/tenant", bearer, demoted)
        assert status == 403 and elapsed <= WITHIN + SLACK, elapsed


def test_deactivated_user_and_wrong_secret_and_other_tenant_are_refused(
    ctx: AppContext, make_tenant: Callable[[str], str], tmp_path: Path, database_url: str
) -> None:
    host, elsewhere = make_tenant("inactive"), make_tenant("elsewhere")
    with two_processes(ctx, tmp_path, database_url, host) as (a, b):
        me = signup(a)
        key = create_key(a, ["read"])
        bearer = {"Authorization": f"Bearer {key}"}
        assert a.get("/v1/me", headers=bearer).status_code == 200
        wrong = {"Authorization": f"Bearer {key[:-4]}AAAA"}
        assert a.get("/v1/me", headers=wrong).status_code == 401  # the cached entry checks the secret
        with TestClient(a.app, base_url=f"http://{elsewhere}") as c:
            assert c.get("/v1/me", headers=bearer).status_code == 401  # a key answers on its tenant only
        tenant = ctx.tenants.resolve(host)
        assert tenant is not None
        other: AppContext = b.app.state.ctx  # type: ignore[attr-defined]
        with other.db.transaction(tenant_id=tenant.id) as s:  # an ORM write in process b
            user = s.get(User, me["id"])
            assert user is not None
            user.is_active = False
        elapsed, status = _first_refusal(a, "/v1/me", bearer, time.monotonic())
        assert status == 401 and elapsed <= WITHIN + SLACK, elapsed


def test_last_used_is_written_once_per_resolution(
    ctx: AppContext, client: TestClient, make_tenant: Callable[[str], str]
) -> None:
    host = make_tenant("touch")
    with TestClient(client.app, base_url=f"http://{host}") as c:
        signup(c)
        key = create_key(c, ["read"])
        bearer = {"Authorization": f"Bearer {key}"}
        tenant = ctx.tenants.resolve(host)
        assert tenant is not None

        def last_used() -> object:
            with ctx.db.session(tenant_id=tenant.id) as s:
                return s.execute(
                    select(ApiKey.last_used_at).where(ApiKey.id == key.split("_")[1])
                ).scalar_one()

        assert last_used() is None
        assert c.get("/v1/me", headers=bearer).status_code == 200
        first = last_used()
        assert first is not None
        for _ in range(3):
            assert c.get("/v1/me", headers=bearer).status_code == 200
        assert last_used() == first  # not again within LAST_USED_RESOLUTION
