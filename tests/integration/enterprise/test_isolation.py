"""Hard isolation on PostgreSQL: a tenant in its own schema (provisioned by API, migrated by
Alembic like the shared one, row-level security inside it too), and moves between modes that copy,
verify row counts, and either finish or change nothing."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from flowai_images import image_bytes
from flowai_testkit import (
    ADMIN_URLS,
    PASSWORD,
    create_key,
    csrf,
    make_platform_admin,
    make_settings,
    signup,
    wait_until,
)
from sqlalchemy import create_engine, inspect, select, text

from flowai.app import create_app
from flowai.core.context import AppContext
from flowai.core.db import Base
from flowai.core.migrate import alembic_config, upgrade
from flowai.core.models import Tenant, User
from flowai.core.rls import schema_tables
from flowai.enterprise import isolation, service

pytestmark = pytest.mark.postgres
PNG = image_bytes()


@pytest.fixture
def ctx(tmp_path: Path, postgres_database: str) -> Iterator[AppContext]:
    context = AppContext.build(make_settings(tmp_path, postgres_database, webhook_allow_private=True))
    yield context


@pytest.fixture
def owner(ctx: AppContext) -> Any:
    return create_engine(ADMIN_URLS[ctx.settings.resolved_database_url])


def _provision_schema_tenant(platform: TestClient, prefix: str) -> tuple[str, Any]:
    """A platform admin creates a schema-isolated tenant with an owner `o@<prefix>.example`."""
    slug = f"{prefix}-{uuid.uuid4().hex[:6]}"
    r = platform.post(
        "/v1/platform/tenants",
        json={"slug": slug, "name": prefix.title(), "isolation": "schema",
              "owner_email": f"o@{prefix}.example", "owner_password": PASSWORD},
        headers=csrf(platform),
    )  # fmt: skip
    return slug, r


def _login_owner(client: TestClient, prefix: str) -> None:
    r = client.post("/v1/auth/login", json={"email": f"o@{prefix}.example", "password": PASSWORD},
                    headers=csrf(client))  # fmt: skip
    assert r.status_code == 200, r.text


def _rows_in(owner: Any, schema: str, table: str, tenant_id: str) -> int:
    with owner.connect() as conn:
        return int(
            conn.execute(
                text(f'SELECT count(*) FROM "{schema}"."{table}" WHERE tenant_id = :t'), {"t": tenant_id}
            ).scalar_one()
        )


def _fill(client: TestClient) -> dict[str, str]:
    """Rows in several tables: user + profile + session, an API key, a file, a project, a webhook
    (a signed-in admin, or the tenant's first sign-up, who owns it)."""
    user = client.get("/v1/me").json() if client.cookies else signup(client)
    key = create_key(client, ["read", "editor:write"])
    file_id = client.post("/v1/files?kind=image&filename=a.png", content=PNG, headers=csrf(client)).json()[
        "id"
    ]
    project = client.post("/v1/projects", json={"name": "Film"}, headers=csrf(client)).json()["id"]
    hook = client.post("/v1/webhooks/endpoints", json={"url": "http://127.0.0.1:9/h"}, headers=csrf(client))
    assert hook.status_code == 201, hook.text
    return {"user": user["id"], "key": key, "file": file_id, "project": project}


def test_provisioned_schema_tenant_lives_in_its_own_schema(ctx: AppContext, owner: Any) -> None:
    app = create_app(ctx)
    with TestClient(app, base_url="http://localhost") as platform:
        make_platform_admin(platform, ctx)
        slug, r = _provision_schema_tenant(platform, "acme")
        assert r.status_code == 201, r.text
        assert r.json()["isolation"] == "schema"
        bad = platform.post(
            "/v1/platform/tenants", json={"slug": "x-" + slug, "name": "X", "isolation": "own-db"},
            headers=csrf(platform),
        )  # fmt: skip
        assert bad.status_code == 422 and "isolation" in bad.text
    tenant_id, schema = r.json()["id"], isolation.schema_name(slug)

    # the schema holds every tenant table at the head revision, with its own alembic_version
    with owner.connect() as conn:
        assert (
            conn.execute(text("SELECT db_schema FROM tenants WHERE id = :t"), {"t": tenant_id}).scalar()
            == schema
        )
        version = MigrationContext.configure(
            conn, opts={"version_table_schema": schema}
        ).get_current_revision()
        assert version == MigrationContext.configure(conn).get_current_revision()
        conn.execute(text(f'SET search_path TO "{schema}", public'))
        default, conn.dialect.default_schema_name = conn.dialect.default_schema_name, schema  # reflect it
        try:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"include_object": _only_schema_tables}), Base.metadata
            )
        finally:
            conn.dialect.default_schema_name = default
        assert diff == [], diff
        reflected = set(inspect(conn).get_table_names(schema=schema))
        assert reflected == {t.name for t in schema_tables()} | {"alembic_version"}
        forced = conn.execute(
            text("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                 "WHERE n.nspname = :s AND c.relkind = 'r' AND c.relrowsecurity AND c.relforcerowsecurity"),
            {"s": schema},
        ).scalar()  # fmt: skip
        assert forced == len(schema_tables())

    # its users sign in on its host; their rows are in its schema, none in the shared one
    with TestClient(app, base_url=f"http://{slug}.localhost") as acme:
        _login_owner(acme, "acme")
        ids = _fill(acme)
        assert acme.get(f"/v1/projects/{ids['project']}").status_code == 200
    assert _rows_in(owner, schema, "users", tenant_id) == 1
    assert _rows_in(owner, schema, "editor_projects", tenant_id) == 1
    for table in ("users", "sessions", "files", "editor_projects", "webhook_endpoints"):
        assert _rows_in(owner, "public", table, tenant_id) == 0, table


def _only_schema_tables(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    if type_ == "table":
        return name in {t.name for t in schema_tables()}
    return True


def test_move_to_schema_and_back_keeps_every_row(ctx: AppContext, owner: Any, make_tenant_pg: str) -> None:
    app = create_app(ctx)
    host = make_tenant_pg
    with TestClient(app, base_url=f"http://{host}") as c:
        ids = _fill(c)
        tenant_id = ctx.tenants.resolve(host).id  # type: ignore[union-attr]
        before = isolation.row_counts(ctx.db, tenant_id)
        assert before["users"] == 1 and before["webhook_endpoints"] == 1

        report = isolation.move(ctx.db, tenant_id, "schema")
        schema = report.target
        assert report.source == "shared" and report.rows == before and report.total > 6
        assert isolation.row_counts(ctx.db, tenant_id) == before
        assert _rows_in(owner, schema, "users", tenant_id) == 1
        assert _rows_in(owner, "public", "users", tenant_id) == 0
        # the same session cookie and API key still work, and new rows land in the schema
        assert c.get(f"/v1/projects/{ids['project']}").status_code == 200
        api = c.get("/v1/projects", headers={"Authorization": f"Bearer {ids['key']}"})
        assert api.status_code == 200 and [p["id"] for p in api.json()["items"]] == [ids["project"]]
        assert c.post("/v1/projects", json={"name": "Second"}, headers=csrf(c)).status_code == 201
        assert _rows_in(owner, schema, "editor_projects", tenant_id) == 2
        # a job (shared queue) for a schema tenant runs and reads its rows
        job = ctx.jobs.submit(tenant_id=tenant_id, kind="test.echo", owner_id=ids["user"])
        wait_until(lambda: c.get(f"/v1/jobs/{job.id}").json()["status"] == "succeeded", what="job")

        back = isolation.move(ctx.db, tenant_id, "shared")
        assert back.source == schema and back.target == "shared"
        assert back.rows == {**before, "editor_projects": 2}
        with owner.connect() as conn:
            assert (
                conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema}).scalar()
                is None
            )
        assert c.get(f"/v1/projects/{ids['project']}").status_code == 200


def test_a_move_that_does_not_verify_changes_nothing(
    ctx: AppContext, owner: Any, make_tenant_pg: str
) -> None:
    with TestClient(create_app(ctx), base_url=f"http://{make_tenant_pg}") as c:
        _fill(c)
        tenant = ctx.tenants.resolve(make_tenant_pg)
        assert tenant is not None
    before = isolation.row_counts(ctx.db, tenant.id)
    schema = isolation.schema_name(tenant.slug)
    # a target schema that silently swallows inserts into one table
    with owner.begin() as conn:
        from flowai.core.migrate import upgrade_schema

        upgrade_schema(conn, schema, app_role=ctx.db.app_role)
        conn.execute(text(
            f'CREATE FUNCTION "{schema}".swallow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;'
            f'CREATE TRIGGER swallow BEFORE INSERT ON "{schema}".files FOR EACH ROW EXECUTE FUNCTION "{schema}".swallow()'
        ))  # fmt: skip
    with pytest.raises(isolation.MoveVerificationError, match="files"):
        isolation.move(ctx.db, tenant.id, "schema")
    assert isolation.row_counts(ctx.db, tenant.id) == before
    assert _rows_in(owner, "public", "files", tenant.id) == before["files"] == 1
    with ctx.db.session(system=True) as s:
        assert s.execute(select(Tenant.db_schema).where(Tenant.id == tenant.id)).scalar() is None


def test_a_move_waits_for_the_tenants_open_transactions(
    ctx: AppContext, owner: Any, make_tenant_pg: str
) -> None:
    tenant = ctx.tenants.resolve(make_tenant_pg)
    assert tenant is not None
    with TestClient(create_app(ctx), base_url=f"http://{make_tenant_pg}") as c:
        signup(c)
    done: dict[str, Any] = {}
    with ctx.db.transaction(tenant_id=tenant.id) as s:
        s.execute(select(User)).all()  # in flight: holds the tenant's shared lock
        mover = threading.Thread(target=lambda: done.update(r=isolation.move(ctx.db, tenant.id, "schema")))
        mover.start()
        wait_until(lambda: _advisory_waiters(owner) >= 1, what="the move to wait on the lock")
        assert "r" not in done
        s.add(User(email="late@example.com", role="member"))  # committed before the move copies
    mover.join(30)
    assert done["r"].rows["users"] == 2
    with ctx.db.session(tenant_id=tenant.id) as s:
        assert {u.email for u in s.execute(select(User)).scalars()} >= {"late@example.com"}
    assert _rows_in(owner, done["r"].target, "users", tenant.id) == 2


def _advisory_waiters(owner: Any) -> int:
    with owner.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            ).scalar_one()
        )


def test_db_upgrade_migrates_every_tenant_schema(ctx: AppContext, owner: Any, make_tenant_pg: str) -> None:
    with TestClient(create_app(ctx), base_url=f"http://{make_tenant_pg}") as c:
        _fill(c)  # a webhook endpoint: 0008 seals its secret, in whichever schema it lives
    tenant = ctx.tenants.resolve(make_tenant_pg)
    assert tenant is not None
    schema = isolation.move(ctx.db, tenant.id, "schema").target
    secret_sql = f'SELECT secret FROM "{schema}".webhook_endpoints'
    with owner.begin() as conn:  # take the schema back to before 0008, as if it missed the later revisions
        conn.exec_driver_sql(f'SET LOCAL search_path TO "{schema}", public')
        command.downgrade(alembic_config(conn, schema), "0007")
    with owner.connect() as conn:
        behind = MigrationContext.configure(
            conn, opts={"version_table_schema": schema}
        ).get_current_revision()
        head = MigrationContext.configure(conn).get_current_revision()
        assert conn.exec_driver_sql(secret_sql).scalar_one().startswith("whsec_")  # 0008 undone
    assert behind == "0007" and head is not None and head > behind
    upgrade(owner, app_url=ctx.settings.resolved_database_url)
    with owner.connect() as conn:
        assert (
            MigrationContext.configure(conn, opts={"version_table_schema": schema}).get_current_revision()
            == head
        )
        assert conn.exec_driver_sql(secret_sql).scalar_one().startswith("v1:")


def test_cli_moves_a_tenant_and_reports_row_counts(ctx: AppContext, owner: Any, make_tenant_pg: str) -> None:
    with TestClient(create_app(ctx), base_url=f"http://{make_tenant_pg}") as c:
        _fill(c)
    slug = make_tenant_pg.split(".")[0]
    env = {**os.environ, "FLOWAI_DATABASE_URL": ctx.settings.resolved_database_url,
           "FLOWAI_DATABASE_ADMIN_URL": ADMIN_URLS[ctx.settings.resolved_database_url]}  # fmt: skip
    out = subprocess.run([sys.executable, "-m", "flowai", "tenants", "move", slug, "--to", "schema"],
                         env=env, capture_output=True, text=True, check=True)  # fmt: skip
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["from"] == "shared" and report["to"] == isolation.schema_name(slug)
    assert report["rows"]["users"] == 1 and report["rows"]["files"] == 1
    listed = subprocess.run([sys.executable, "-m", "flowai", "tenants", "list", "--json"],
                            env=env, capture_output=True, text=True, check=True)  # fmt: skip
    assert {t["slug"]: t["isolation"] for t in json.loads(listed.stdout)}[slug] == "schema"


@pytest.fixture
def make_tenant_pg(ctx: AppContext) -> str:
    slug = f"move-{uuid.uuid4().hex[:8]}"
    with ctx.db.transaction(system=True) as s:
        service.create(s, slug=slug, name="Mover", base_domain="localhost")
    ctx.tenants.invalidate()
    return f"{slug}.localhost"


def test_schema_tenant_is_walled_off_and_deleted_with_its_schema(
    ctx: AppContext, owner: Any, make_tenant_pg: str
) -> None:
    app = create_app(ctx)
    with TestClient(app, base_url="http://localhost") as platform:
        make_platform_admin(platform, ctx)
        with TestClient(app, base_url=f"http://{make_tenant_pg}") as shared:
            _fill(shared)  # a shared tenant's rows (a fresh one: the session database is shared)
        slug, created = _provision_schema_tenant(platform, "gone")
        assert created.status_code == 201, created.text
        tenant_id, schema = created.json()["id"], isolation.schema_name(slug)
        with TestClient(app, base_url=f"http://{slug}.localhost") as t:
            _login_owner(t, "gone")
            _fill(t)

        # raw SQL as the app role: neither side sees the other's rows by naming the other schema
        shared_id = ctx.tenants.resolve(make_tenant_pg).id  # type: ignore[union-attr]
        with ctx.db.transaction(tenant_id=shared_id) as s:
            assert s.execute(text("SELECT count(*) FROM users")).scalar_one() >= 1
            assert s.execute(text(f'SELECT count(*) FROM "{schema}".users')).scalar_one() == 0
        with ctx.db.transaction(tenant_id=tenant_id) as s:
            assert s.execute(text("SELECT count(*) FROM users")).scalar_one() == 1
            assert s.execute(text("SELECT count(*) FROM public.users")).scalar_one() == 0

        r = platform.delete(f"/v1/platform/tenants/{slug}", headers=csrf(platform))
        assert r.status_code == 202, r.text
        job = wait_until(
            lambda: (
                (j := platform.get(r.headers["location"]).json())["status"] in ("succeeded", "failed") and j
            ),
            timeout=30,
            what="the offboarding job",
        )
        assert job["status"] == "succeeded", job
        assert job["result"]["rows"]["users"] == 1 and job["result"]["rows"]["editor_projects"] == 1
        url = urlsplit(job["result"]["archive_url"])
        archive = zipfile.ZipFile(io.BytesIO(platform.get(f"{url.path}?{url.query}").content))
    users = [json.loads(line) for line in archive.read("tables/users.jsonl").decode().splitlines()]
    assert [u["email"] for u in users] == ["o@gone.example"]
    assert [n for n in archive.namelist() if n.startswith("media/")] != []
    with owner.connect() as conn:
        assert (
            conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema}).scalar()
            is None
        )
        assert (
            conn.execute(text("SELECT count(*) FROM tenants WHERE id = :t"), {"t": tenant_id}).scalar() == 0
        )
    assert list(ctx.storage.keys(f"t/{tenant_id}/")) == []
