"""Shared fixtures: a migrated database per backend, app clients per tenant host, helpers.

PostgreSQL and Redis come from FLOWAI_TEST_POSTGRES_URL / FLOWAI_TEST_REDIS_URL (set by .ci/run);
without them those tests are skipped with the reason printed in the summary.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from flowai_testkit import ADMIN_URLS, APP_ROLE, POSTGRES_URL, make_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from flowai.app import create_app
from flowai.core.context import AppContext
from flowai.core.db import make_engine
from flowai.core.migrate import upgrade
from flowai.settings import Settings


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end.

    Yields the URL of the app role (owns no tables, cannot bypass row-level security), as in
    production; the owner's URL is registered as its admin URL (migrations, system sessions).
    """
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set FLOWAI_TEST_POSTGRES_URL")
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"flowai_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE}).scalar()
        if not exists:
            with contextlib.suppress(ProgrammingError):  # created meanwhile by a concurrent test run
                conn.execute(
                    text(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE")
                )
    owner_url = make_url(POSTGRES_URL).set(database=name)
    admin_url = owner_url.render_as_string(hide_password=False)
    app_url = owner_url.set(username=APP_ROLE, password=None).render_as_string(hide_password=False)
    engine = make_engine(admin_url)
    upgrade(engine, app_url=app_url)
    engine.dispose()
    ADMIN_URLS[app_url] = admin_url
    try:
        yield app_url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'flowai.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Parametrises a test over SQLite and PostgreSQL."""
    return str(request.getfixturevalue(f"{request.param}_database"))


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url)


@pytest.fixture
def ctx(settings: Settings) -> Iterator[AppContext]:
    context = AppContext.build(settings)
    yield context


@pytest.fixture
def client(ctx: AppContext) -> Iterator[TestClient]:
    with TestClient(create_app(ctx), base_url="http://localhost") as c:
        yield c


@pytest.fixture
def make_tenant(ctx: AppContext) -> Callable[[str], str]:
    """Create a tenant served on `<slug>.localhost`; returns its host."""
    from flowai.enterprise import service as tenants

    def create(prefix: str) -> str:
        slug = f"{prefix}-{uuid.uuid4().hex[:8]}"
        with ctx.db.transaction(system=True) as s:
            tenants.create(s, slug=slug, name=prefix.title(), base_domain="localhost")
        return f"{slug}.localhost"

    return create
