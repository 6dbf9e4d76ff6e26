"""Authorization: every operation in the OpenAPI document declares the scope it needs, and a key
holding any other single scope is refused with 403 `insufficient-scope`.

The matrix walks the live OpenAPI document, so a new route without a declared scope (or one whose
handler checks something else than it declares) fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from flowai_testkit import create_key, csrf, make_platform_admin, make_settings, signup

from flowai.app import create_app
from flowai.core import auth
from flowai.core.context import AppContext
from flowai.settings import PlanLimits

UNLIMITED = PlanLimits(per_key="100000/minute", per_tenant="100000/minute", concurrent_jobs=100)
PATH_VALUES = {
    "fmt": "otio",
    "host": "nothing.example.com",
    "address": "0x" + "00" * 20,
    "slug": "no-such-tenant",
}
NO_SUCH_ID = "01JNOSUCHID000000000000000"


@pytest.fixture
def admin_client(tmp_path: Path, sqlite_database: str) -> Iterator[tuple[TestClient, AppContext]]:
    settings = make_settings(
        tmp_path, sqlite_database, plans={name: UNLIMITED for name in ("free", "pro", "enterprise")}
    )
    ctx = AppContext.build(settings)
    with TestClient(create_app(ctx), base_url="http://localhost") as client:
        make_platform_admin(client, ctx)
        yield client, ctx


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method.upper(), path, op


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)(?::path)?\}", lambda m: PATH_VALUES.get(m.group(1), NO_SUCH_ID), path)


def _problem_type(response: Any) -> str:
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        return str(response.json().get("type", "")).rsplit("/", 1)[-1]
    return ""


def test_every_operation_declares_a_scope_and_enforces_it(
    admin_client: tuple[TestClient, AppContext],
) -> None:
    client, _ctx = admin_client
    keys = {scope: create_key(client, [scope]) for scope in auth.SCOPES}
    bearer = TestClient(client.app, base_url="http://localhost")
    spec = client.get("/openapi.json").json()

    undeclared, wrong = [], []
    checked = 0
    for method, path, op in _operations(spec):
        required = op.get("x-required-scopes")
        if required is None:
            undeclared.append(f"{method} {path}")
            continue
        url = _concrete(path)
        body = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
        for scope, key in keys.items():
            r = bearer.request(method, url, headers={"Authorization": f"Bearer {key}"}, **body)
            refused = r.status_code == 403 and _problem_type(r) == "insufficient-scope"
            expect_refused = bool(required) and scope not in required
            if refused != expect_refused or r.status_code == 401 or r.status_code >= 500:
                wrong.append(f"{method} {path} with a {scope!r} key: {r.status_code} {r.text[:160]}")
            checked += 1
    assert not undeclared, f"operations without x-required-scopes: {undeclared}"
    assert not wrong, "\n".join(wrong)
    assert checked >= 80 * len(keys)


def test_admin_and_platform_keys_are_deliberate(
    client: TestClient, ctx: AppContext, make_tenant: Any
) -> None:
    """A member cannot mint admin powers; `platform` only on the platform's host; a demoted admin's
    key loses what its scopes named; API keys cannot manage API keys."""
    tenant_host = make_tenant("acme")
    acme = TestClient(client.app, base_url=f"http://{tenant_host}")
    with acme:
        owner = signup(acme)
        assert owner["role"] == "owner"
        r = acme.post("/v1/apikeys", json={"name": "p", "scopes": ["platform"]}, headers=csrf(acme))
        assert r.status_code == 403 and r.json()["type"].endswith("/platform-only")
        admin_key = create_key(acme, ["admin"])
        bearer = {"Authorization": f"Bearer {admin_key}"}
        assert acme.get("/v1/tenant/audit", headers=bearer).status_code == 200
        # a key holding only `admin` is not a session: it cannot create, rotate or revoke keys
        r = acme.post("/v1/apikeys", json={"name": "k", "scopes": ["read"]}, headers=bearer)
        assert r.status_code == 403 and r.json()["type"].endswith("/insufficient-scope")
        key_id = admin_key.split("_")[1]
        r = acme.delete(f"/v1/apikeys/{key_id}", headers=bearer)
        assert r.status_code == 403

        acme.post("/v1/auth/logout", headers=csrf(acme))
        member = signup(acme)
        assert member["role"] == "member"
        r = acme.post("/v1/apikeys", json={"name": "a", "scopes": ["read", "admin"]}, headers=csrf(acme))
        assert r.status_code == 403 and r.json()["type"].endswith("/admin-only")
        # a member's session holds no admin scope either
        r = acme.patch("/v1/tenant", json={"name": "Pwned"}, headers=csrf(acme))
        assert r.status_code == 403

        # demote the owner: the admin key stops working though its scopes still say `admin`
        from flowai.core.models import User

        tenant = ctx.tenants.resolve(tenant_host)
        assert tenant is not None
        with ctx.db.transaction(tenant_id=tenant.id) as s:
            row = s.get(User, owner["id"])
            assert row is not None
            row.role = "member"
        r = acme.get("/v1/tenant/audit", headers=bearer)
        assert r.status_code == 403 and r.json()["type"].endswith("/admin-only")


def test_read_key_cannot_administer_or_cancel(client: TestClient, ctx: AppContext) -> None:
    """The outside tester's findings, one by one."""
    make_platform_admin(client, ctx)
    read_key = create_key(client, ["read"])
    shares_key = create_key(client, ["shares:write"])
    full_key = create_key(client, ["read", "voice:write"])
    bearer = TestClient(client.app, base_url="http://localhost")

    def as_key(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    assert bearer.patch("/v1/tenant", json={"name": "Renamed"}, headers=as_key(read_key)).status_code == 403
    r = bearer.post("/v1/tenant/domains", json={"host": "evil.example.com"}, headers=as_key(read_key))
    assert r.status_code == 403
    r = bearer.post(
        "/v1/platform/tenants", json={"slug": "made-by-shares", "name": "X"}, headers=as_key(shares_key)
    )
    assert r.status_code == 403
    assert bearer.delete("/v1/platform/tenants/made-by-shares", headers=as_key(shares_key)).status_code == 403
    full_id = full_key.split("_")[1]
    assert bearer.delete(f"/v1/apikeys/{full_id}", headers=as_key(read_key)).status_code == 403
    assert bearer.get("/v1/me", headers=as_key(full_key)).status_code == 200  # still alive

    me = client.get("/v1/me").json()
    tenant = ctx.tenants.resolve("localhost")
    assert tenant is not None
    job = ctx.jobs.submit(tenant_id=tenant.id, kind="test.wait_for_cancel", owner_id=me["id"])
    assert bearer.post(f"/v1/jobs/{job.id}/cancel", headers=as_key(read_key)).status_code == 403
    r = bearer.post(f"/v1/jobs/{job.id}/cancel", headers=as_key(full_key))
    assert r.status_code == 202, r.text
    # an export may only be cancelled with exports:write, whatever other write scope a key holds
    export_job = ctx.jobs.submit(tenant_id=tenant.id, kind="editor.export", owner_id=me["id"], payload={})
    r = bearer.post(f"/v1/jobs/{export_job.id}/cancel", headers=as_key(full_key))
    assert r.status_code == 403 and "exports:write" in r.json()["detail"]
