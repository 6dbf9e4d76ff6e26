"""Tenant isolation: the Host decides the tenant; other tenants' rows are invisible."""

from __future__ import annotations

import gc
import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from flowai_images import image_bytes
from flowai_testkit import create_key, csrf, signup, unique_email, wait_until
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from flowai.app import create_app
from flowai.core.context import AppContext
from flowai.core.db import ReadOnlySession, TenantNotBound
from flowai.core.models import Job, TenantDomain, User
from flowai.core.tenancy import TenantRouter
from flowai.enterprise import service as tenants
from flowai.settings import Settings


def _client(ctx: AppContext, host: str) -> TestClient:
    return TestClient(create_app(ctx), base_url=f"http://{host}")


def test_unknown_host_is_404(client: TestClient) -> None:
    r = client.get("/v1/auth/csrf", headers={"Host": "evil.example.com"})
    assert r.status_code == 404 and r.json()["type"].endswith("/unknown-host")
    page = client.get("/dashboard", headers={"Host": "evil.example.com", "Accept": "text/html"})
    assert page.status_code == 404 and "Workspace not found" in page.text
    assert client.get("/healthz", headers={"Host": "evil.example.com"}).status_code == 200


def test_users_are_per_tenant(ctx: AppContext, make_tenant: Callable[[str], str]) -> None:
    host_b = make_tenant("beta")
    with _client(ctx, "localhost") as a, _client(ctx, host_b) as b:
        email = unique_email()
        signup(a, email)
        # the same email is a different account on another tenant, and A's password does not log in there
        r = b.post(
            "/v1/auth/login", json={"email": email, "password": "correct horse battery"}, headers=csrf(b)
        )
        assert r.status_code == 401
        signup(b, email)
        assert b.get("/v1/me").json()["tenant"]["slug"].startswith("beta-")


def test_other_tenants_rows_are_404(ctx: AppContext, make_tenant: Callable[[str], str]) -> None:
    host_b = make_tenant("beta")
    with _client(ctx, "localhost") as a, _client(ctx, host_b) as b:
        signup(a)
        key_a = create_key(a, ["read", "voice:write"])
        job = ctx.jobs.submit(
            tenant_id=ctx.tenants.resolve("localhost").id,  # type: ignore[union-attr]
            kind="test.echo",
            payload={"x": 1},
            owner_id=a.get("/v1/me").json()["id"],
        )
        wait_until(lambda: a.get(f"/v1/jobs/{job.id}").json()["status"] == "succeeded", what="job")
        png = image_bytes()
        file_id = a.post("/v1/files?kind=image&filename=a.png", content=png, headers=csrf(a)).json()["id"]

        signup(b)
        key_b = create_key(b, ["read", "voice:write"])
        for path in (f"/v1/jobs/{job.id}", f"/v1/files/{file_id}", f"/v1/jobs/{job.id}/events"):
            assert b.get(path).status_code == 404, path
            assert b.get(path, headers={"Authorization": f"Bearer {key_b}"}).status_code == 404, path
        assert b.post(f"/v1/jobs/{job.id}/cancel", headers=csrf(b)).status_code == 404
        assert b.delete(f"/v1/files/{file_id}", headers=csrf(b)).status_code == 404
        key_a_id = key_a.split("_")[1]
        assert b.delete(f"/v1/apikeys/{key_a_id}", headers=csrf(b)).status_code == 404
        # A's key is not a credential on B's host
        assert b.get("/v1/me", headers={"Authorization": f"Bearer {key_a}"}).status_code == 401
        # and A still sees its own
        assert a.get(f"/v1/files/{file_id}").status_code == 200


def test_unbound_session_raises(ctx: AppContext) -> None:
    with ctx.db.session() as s, pytest.raises(TenantNotBound):
        s.execute(select(User)).all()
    with ctx.db.session() as s, pytest.raises(TenantNotBound):
        s.get(Job, "01xxxxxxxxxxxxxxxxxxxxxxxx")
    with ctx.db.session() as s, pytest.raises(TenantNotBound):
        s.add(User(email="x@example.com", role="member"))
        s.flush()


def test_bound_session_only_sees_its_tenant(ctx: AppContext, make_tenant: Callable[[str], str]) -> None:
    host_b = make_tenant("gamma")
    with _client(ctx, "localhost") as a, _client(ctx, host_b) as b:
        signup(a)
        signup(b)
    tenant_b = ctx.tenants.resolve(host_b)
    assert tenant_b is not None
    with ctx.db.session(tenant_id=tenant_b.id) as s:
        tenants = {u.tenant_id for u in s.execute(select(User)).scalars()}
        # no ORM entity in the columns: the FROM clause alone must still be scoped
        counted = s.execute(select(func.count()).select_from(User)).scalar_one()
        joined = s.execute(
            select(func.count()).select_from(User).join(Job, Job.owner_id == User.id, isouter=True)
        ).scalar_one()
    assert tenants == {tenant_b.id}
    assert counted == 1 and joined == 1
    with ctx.db.session() as s, pytest.raises(TenantNotBound):
        s.execute(select(func.count()).select_from(User)).scalar_one()
    with ctx.db.session(tenant_id=tenant_b.id) as s, pytest.raises(TenantNotBound):
        s.add(User(email="y@example.com", role="member", tenant_id="someone-else"))
        s.flush()


def _tenants_with_a_user(ctx: AppContext, *hosts: str) -> list[str]:
    """The ids of the tenants at `hosts`, each with one user signed up."""
    for host in hosts:
        with _client(ctx, host) as c:
            signup(c)
    return [t.id for t in (ctx.tenants.resolve(h) for h in hosts) if t is not None]


def test_a_kept_statement_serves_each_tenant_its_own_rows(
    ctx: AppContext, make_tenant: Callable[[str], str]
) -> None:
    """The guarded form of a statement is worked out once and the tenant is a parameter of each
    execution: one Select object, run for two tenants in turn, gives each only its own users
    (a tenant caught in the kept form would hand the second tenant the first one's rows)."""
    ids = _tenants_with_a_user(ctx, make_tenant("delta"), make_tenant("epsilon"))
    kept = select(User.tenant_id)
    counted = select(func.count()).select_from(User)  # guarded by hand (no ORM entity)
    for _ in range(2):
        for tenant_id in ids:
            with ctx.db.session(tenant_id=tenant_id) as s:
                assert set(s.execute(kept).scalars()) == {tenant_id}
                assert s.execute(counted).scalar_one() == 1
    with ctx.db.session() as s, pytest.raises(TenantNotBound):
        s.execute(kept).all()  # the kept form does not make an unbound session safe


def test_guarded_forms_of_one_off_statements_are_not_kept(ctx: AppContext) -> None:
    from flowai.core import db

    tenant = ctx.tenants.resolve("localhost")
    assert tenant is not None
    gc.collect()
    before = len(db.statement_forms)  # statements SQLAlchemy's compiled cache holds stay
    with ctx.db.session(tenant_id=tenant.id) as s:
        for n in range(200):
            s.execute(select(User).where(User.email == f"{n}@example.com")).all()
    gc.collect()
    assert len(db.statement_forms) - before < 10  # the memo is weak: per-request statements go


def test_a_change_made_by_another_process_is_routed_within_a_poll(
    ctx: AppContext, settings: Settings, make_tenant: Callable[[str], str]
) -> None:
    """Each process caches Host -> tenant for 30 s; `tenant_epoch` (bumped by triggers) tells it
    sooner. `other` stands for another API process or the CLI on the same database."""
    host = make_tenant("epoch")
    other = AppContext.build(settings)
    following = TenantRouter(ctx.db, epoch_poll_seconds=0.05)
    deaf = TenantRouter(ctx.db, epoch_poll_seconds=3600)  # the cache alone, for contrast
    first = following.resolve(host)
    assert first is not None and first.name == "Epoch" and deaf.resolve(host) == first

    tenants.update_brand(other.db, tenant_id=first.id, changes={"name": "Renamed", "features": ["editor"]})
    seen = wait_until(
        lambda: (t := following.resolve(host)) is not None and t.name == "Renamed" and t, timeout=5,
        what="the rename made by the other process",
    )  # fmt: skip
    assert seen.features == ("editor",)
    assert deaf.resolve(host) == first  # still the cached tenant: the epoch is what told `following`

    with other.db.transaction(system=True) as s:  # the domain removed elsewhere stops routing
        s.execute(delete(TenantDomain).where(TenantDomain.host == host))
    wait_until(lambda: following.resolve(host) is None, timeout=5, what="the removed domain to stop routing")

    late = f"late-{uuid.uuid4().hex[:8]}"
    assert following.resolve(f"{late}.localhost") is None  # unknown, and cached as unknown
    with other.db.transaction(system=True) as s:
        tenants.create(s, slug=late, name="Late", base_domain="localhost")
    wait_until(lambda: following.resolve(f"{late}.localhost"), timeout=5, what="the new tenant to route")


def test_a_read_only_session_reads_only_its_tenant(
    ctx: AppContext, make_tenant: Callable[[str], str]
) -> None:
    """A GET's session (read-only): on PostgreSQL each statement carries the tenant bind in its
    own message, outside a transaction block. Statements run for two tenants in turn, on the
    same pooled connections, each see only their own tenant; on PostgreSQL so does raw SQL, which
    no ORM guard filters: row-level security reads the bind."""
    ids = _tenants_with_a_user(ctx, make_tenant("zeta"), make_tenant("eta"))
    kept = select(User.tenant_id)
    for _ in range(3):
        for tenant_id in ids:
            with ctx.db.session(tenant_id=tenant_id, read_only=True) as s:
                assert set(s.execute(kept).scalars()) == {tenant_id}
                assert s.execute(select(func.count()).select_from(User)).scalar_one() == 1
                if ctx.db.engine.dialect.name == "postgresql":
                    raw = s.execute(text("SELECT DISTINCT tenant_id FROM users")).scalars()
                    assert set(raw) == {tenant_id}
                    assert s.execute(text("SELECT current_setting('transaction_read_only')")).scalar() == "on"
                s.commit()  # a read-only session commits as any other (nothing to send)


def test_a_read_only_session_refuses_writes(ctx: AppContext) -> None:
    with _client(ctx, "localhost") as c:
        signup(c)
    tenant = ctx.tenants.resolve("localhost")
    assert tenant is not None
    roles = select(User.email, User.role).order_by(User.email)
    with ctx.db.session(tenant_id=tenant.id) as s:
        before = s.execute(roles).all()
    assert before
    with ctx.db.session(tenant_id=tenant.id, read_only=True) as s, pytest.raises(ReadOnlySession):
        s.add(User(email="ro@example.com", role="member"))
        s.flush()
    with ctx.db.session(tenant_id=tenant.id, read_only=True) as s, pytest.raises(ReadOnlySession):
        s.execute(update(User).values(role="admin"))
    if ctx.db.engine.dialect.name == "postgresql":  # below the ORM, the server refuses too
        with (
            ctx.db.session(tenant_id=tenant.id, read_only=True) as s,
            pytest.raises(DBAPIError, match="read-only"),
        ):
            s.execute(text("UPDATE users SET role = 'viewer'"))
    with ctx.db.session(tenant_id=tenant.id) as s:
        assert s.execute(roles).all() == before
