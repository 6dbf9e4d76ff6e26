"""PostgreSQL row-level security: the database itself keeps tenants apart, below the ORM guard."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from flowai_testkit import signup
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from flowai.app import create_app
from flowai.core.context import AppContext
from flowai.core.rls import tenant_tables

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_ctx(postgres_database: str, ctx: AppContext) -> AppContext:
    if ctx.db.engine.dialect.name != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")
    return ctx


@pytest.fixture(params=["postgres"])
def database_url(request: pytest.FixtureRequest) -> str:  # these tests are PostgreSQL-only
    return str(request.getfixturevalue("postgres_database"))


def _two_tenants_with_users(ctx: AppContext, make_tenant: Callable[[str], str]) -> tuple[str, str]:
    host_b = make_tenant("rls")
    with (
        TestClient(create_app(ctx), base_url="http://localhost") as a,
        TestClient(create_app(ctx), base_url=f"http://{host_b}") as b,
    ):
        signup(a)
        signup(b)
    tenant_a, tenant_b = ctx.tenants.resolve("localhost"), ctx.tenants.resolve(host_b)
    assert tenant_a and tenant_b
    return tenant_a.id, tenant_b.id


def test_every_tenant_table_has_forced_rls(pg_ctx: AppContext) -> None:
    with pg_ctx.db.admin_engine.connect() as conn:
        rows = dict(
            conn.execute(
                text(
                    "SELECT relname, relrowsecurity AND relforcerowsecurity FROM pg_class WHERE relkind = 'r'"
                )
            ).all()
        )
    tables = [t.name for t in tenant_tables()]
    assert {"users", "user_profiles", "api_keys", "jobs", "files", "sessions"} <= set(tables)
    assert all(rows[name] for name in tables), {n: rows.get(n) for n in tables}


def test_raw_sql_as_app_role_sees_only_the_bound_tenant(
    pg_ctx: AppContext, make_tenant: Callable[[str], str]
) -> None:
    tenant_a, tenant_b = _two_tenants_with_users(pg_ctx, make_tenant)
    engine = pg_ctx.db.engine  # the app role: owns nothing, cannot bypass RLS
    with engine.begin() as conn:
        conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": tenant_b})
        seen = set(conn.execute(text("SELECT tenant_id FROM users")).scalars())
        assert seen == {tenant_b}
        assert (
            conn.execute(text("SELECT count(*) FROM users WHERE tenant_id = :a"), {"a": tenant_a}).scalar()
            == 0
        )
        # writing a row for another tenant is refused by the policy's WITH CHECK
        with pytest.raises(DBAPIError, match="row-level security"), conn.begin_nested():
            conn.execute(
                text(
                    "INSERT INTO users (id, tenant_id, email, role, is_active, created_at) VALUES ('x', :a, 'x@x.co', 'member', true, now())"
                ),
                {"a": tenant_a},
            )
    # the binding was transaction-local: the next transaction on a pooled connection sees nothing
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM jobs")).scalar() == 0


def test_app_role_cannot_disable_rls(pg_ctx: AppContext) -> None:
    for statement in (
        "ALTER TABLE users DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE users NO FORCE ROW LEVEL SECURITY",
        "DROP POLICY tenant_isolation ON users",
        "SET row_security = off",
    ):
        with pg_ctx.db.engine.connect() as conn, pytest.raises(DBAPIError):
            conn.execute(text(statement))
            if statement.startswith("SET"):
                conn.execute(
                    text("SELECT count(*) FROM users")
                )  # with row_security off, RLS errors instead of filtering
    with pg_ctx.db.engine.connect() as conn:
        bypass = conn.execute(
            text("SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user")
        ).scalar()
    assert bypass is False


def test_app_role_owns_no_tables(pg_ctx: AppContext) -> None:
    with pg_ctx.db.engine.connect() as conn:
        owned = conn.execute(text("SELECT count(*) FROM pg_tables WHERE tableowner = current_user")).scalar()
    assert owned == 0
