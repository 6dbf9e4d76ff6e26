"""The request's session ends where the handler ran (`deps.one_hop`): committed when a route
returns, rolled back when it raises or returns what its response model refuses, closed either way,
for routes of an included router (FastAPI builds those handlers lazily, from `route.endpoint`) and
for an `async def` route that takes DB. `get_db` itself commits nothing, so a route one_hop missed
would lose its writes; this is the check that it misses none."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from flowai_testkit import csrf, signup, wait_until
from pydantic import BaseModel
from sqlalchemy import select

from flowai.app import create_app
from flowai.core import deps
from flowai.core.context import AppContext
from flowai.core.deps import DB, PUBLIC
from flowai.enterprise.models import AuditEntry

router = APIRouter(prefix="/t", dependencies=PUBLIC)


class Out(BaseModel):
    id: str


def _write(s: DB, action: str) -> AuditEntry:
    row = AuditEntry(action=action, actor_id=None, target="request-session-test", data={})
    s.add(row)
    s.flush()
    return row


@router.post("/commit", response_model=Out)
def commits(s: DB) -> Out:
    return Out(id=_write(s, "t.commit").id)


@router.post("/raise")
def raises(s: DB) -> None:
    _write(s, "t.raise")
    raise RuntimeError("after a write")


@router.post("/invalid", response_model=Out)
def invalid(s: DB) -> dict[str, int]:
    _write(s, "t.invalid")
    return {"not": 1}


@router.post("/async", response_model=Out)
async def async_commits(s: DB) -> Out:
    return Out(id=_write(s, "t.async").id)


@pytest.fixture
def app(ctx: AppContext) -> Iterator[tuple[FastAPI, TestClient]]:
    original = deps.one_hop

    def with_test_routes(app: FastAPI) -> None:
        app.include_router(router)
        original(app)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("flowai.app.one_hop", with_test_routes)
        app = create_app(ctx)
    with TestClient(app, base_url="http://localhost", raise_server_exceptions=False) as client:
        signup(client)
        yield app, client


def _actions(ctx: AppContext) -> list[str]:
    with ctx.db.session(system=True) as s:
        rows = s.execute(select(AuditEntry.action).where(AuditEntry.target == "request-session-test"))
        return sorted(rows.scalars())


def test_routes_commit_roll_back_and_close(ctx: AppContext, app: tuple[FastAPI, TestClient]) -> None:
    _, client = app
    assert client.post("/t/commit").status_code == 200
    assert client.post("/t/async").status_code == 200
    assert client.post("/t/raise").status_code == 500
    assert client.post("/t/invalid").status_code == 500
    assert _actions(ctx) == ["t.async", "t.commit"]
    # every connection comes back (the in-process job workers borrow one now and then)
    pool = ctx.db.engine.pool
    wait_until(lambda: pool.checkedout() == 0, timeout=10, what="all connections back in the pool")  # type: ignore[attr-defined]


def test_every_route_that_takes_the_session_is_ended_by_one_hop(app: tuple[FastAPI, TestClient]) -> None:
    application, _ = app
    takes_db = [
        r for r in deps.api_routes(application.router.routes)
        if any(d.call is deps.get_db for d in deps.sub_dependencies(r.dependant))
    ]  # fmt: skip
    assert len(takes_db) > 50
    for route in takes_db:
        assert route.endpoint.__code__.co_qualname in ENDING, route.path


ENDING = {"_in_one_hop.<locals>.endpoint", "_ending_session.<locals>.endpoint"}


def test_the_app_s_own_routes_are_ended_by_one_hop(
    app: tuple[FastAPI, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the app as built (FastAPI builds and keeps each route's handler on first use):
    a GET and a POST of the API each end their session in `one_hop`, once."""
    _, client = app
    ended: list[bool] = []
    end = deps._end

    def counting(session: object, *, commit: bool) -> None:
        ended.append(commit)
        end(session, commit=commit)  # type: ignore[arg-type]

    monkeypatch.setattr(deps, "_end", counting)
    assert client.get("/v1/jobs").status_code == 200
    assert ended == [True]
    assert client.post("/v1/jobs/01xxxxxxxxxxxxxxxxxxxxxxxx/cancel", headers=csrf(client)).status_code == 404
    assert ended == [True, False]


FRESH_APP_CHECK = """
from fastapi.routing import APIRoute
from flowai.app import create_app
from flowai.core import deps

app = create_app()
served = [
    context
    for included in app.router.routes if hasattr(included, "effective_candidates")
    for context in included.effective_candidates()
    if isinstance(context.original_route, APIRoute)
    and any(d.call is deps.get_db for d in deps.sub_dependencies(context.original_route.dependant))
]
print(len(served), sum(not getattr(c.endpoint, deps.ONE_HOP, False) for c in served))
"""


def test_the_handlers_fastapi_keeps_are_one_hop_s(tmp_path: Path) -> None:
    """FastAPI builds each route's handler once, from the endpoint it finds then, and keeps it. In
    a fresh process (routers are module-level: an earlier app in this one wrapped them already),
    every handler it keeps for a route that takes DB is `one_hop`'s."""
    env = {
        **os.environ,
        "FLOWAI_DATA_DIR": str(tmp_path),
        "FLOWAI_DATABASE_URL": f"sqlite:///{tmp_path}/fresh.db",
    }
    done = subprocess.run(
        [sys.executable, "-c", FRESH_APP_CHECK], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    served, unwrapped = map(int, done.stdout.split())
    assert served > 50 and unwrapped == 0, done.stdout
