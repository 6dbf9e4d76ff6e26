"""Run Alembic programmatically so `flowai db upgrade` and `flowai serve` need no alembic.ini.

On PostgreSQL, after the migrations: row-level security on every tenant-owned table, grants for
the app role when the app connects as a different role than the migrating owner, and then the
same migrations in every hard-isolated tenant schema (each keeps its own `alembic_version`).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.engine import Engine, make_url

from flowai.core.rls import apply_row_level_security, grant_app_role, safe_identifier

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(connection: Connection, tenant_schema: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    cfg.attributes["tenant_schema"] = tenant_schema
    return cfg


def upgrade(engine: Engine, revision: str = "head", *, app_url: str | None = None) -> None:
    app_user = make_url(app_url).username if app_url else None
    app_role = app_user if app_user and app_user != engine.url.username else None
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)
        if conn.dialect.name != "postgresql":
            return
        apply_row_level_security(conn)
        if app_role:
            grant_app_role(conn, app_role)
        if revision == "head":
            for (schema,) in conn.exec_driver_sql(
                "SELECT db_schema FROM tenants WHERE db_schema IS NOT NULL"
            ):
                upgrade_schema(conn, schema, app_role=app_role)


def upgrade_schema(conn: Connection, schema: str, *, app_role: str | None, revision: str = "head") -> None:
    """Create (if new) and migrate one tenant schema, inside the caller's transaction."""
    q = f'"{safe_identifier(schema, "schema")}"'
    saved = conn.exec_driver_sql("SELECT current_setting('search_path')").scalar_one()
    conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {q}")
    conn.exec_driver_sql("SELECT set_config('search_path', %(p)s, true)", {"p": f"{q}, public"})
    try:
        command.upgrade(alembic_config(conn, schema), revision)
    finally:
        conn.exec_driver_sql("SELECT set_config('search_path', %(p)s, true)", {"p": saved})
    apply_row_level_security(conn, schema)
    if app_role:
        grant_app_role(conn, app_role, schema)


def current(engine: Engine, tenant_schema: str | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        opts = {"version_table_schema": tenant_schema} if tenant_schema else {}
        return MigrationContext.configure(conn, opts=opts).get_current_revision()
