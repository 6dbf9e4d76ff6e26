"""Run Alembic programmatically so `flowai db upgrade` and `flowai serve` need no alembic.ini.

On PostgreSQL, after the migrations: row-level security on every tenant-owned table, and grants
for the app role when the app connects as a different role than the migrating owner.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine, make_url

from flowai.core.rls import apply_row_level_security, grant_app_role

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def upgrade(engine: Engine, revision: str = "head", *, app_url: str | None = None) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        if conn.dialect.name == "postgresql":
            apply_row_level_security(conn)
            app_user = make_url(app_url).username if app_url else None
            if app_user and app_user != engine.url.username:
                grant_app_role(conn, app_user)


def current(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
