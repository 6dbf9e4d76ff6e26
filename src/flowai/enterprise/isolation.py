"""Hard isolation: a tenant's rows in its own PostgreSQL schema, and moves between modes.

Soft isolation (the default) keeps every tenant in the shared schema behind row-level security.
A hard-isolated tenant's tables live in `t_<slug>` (same migrations, same RLS policies, its own
`alembic_version`); `tenants.db_schema` records it and `flowai_bind_tenant` puts it first on the
search path of every transaction bound to the tenant, so no query changes. The job queue stays
shared. A move runs in one transaction: it holds the tenant's advisory lock (new transactions of
that tenant wait, see migration 0007), copies each table, checks that source, inserted and target
row counts agree, deletes the source rows, records the new place, and commits, or changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, Table, func, select

from flowai.core.db import Database
from flowai.core.errors import Problem, field_error
from flowai.core.migrate import upgrade_schema
from flowai.core.rls import safe_identifier, schema_tables

MODES = ("shared", "schema")
LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('flowai.tenant:' || %(t)s, 0))"


class MoveVerificationError(RuntimeError):
    """Row counts disagreed after the copy; the transaction was rolled back."""


@dataclass
class MoveReport:
    slug: str
    source: str  # "shared" or the schema name
    target: str
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def schema_name(slug: str) -> str:
    return safe_identifier("t_" + slug.replace("-", "_")[:61], "schema")


def require_postgres(db: Database) -> None:
    if db.admin_engine.dialect.name != "postgresql":
        raise field_error(422, "validation", "isolation", "schema isolation needs PostgreSQL; use 'shared'")


def create_schema(conn: Connection, db: Database, slug: str) -> str:
    """Create and migrate the tenant's schema in the caller's transaction (provisioning)."""
    require_postgres(db)
    schema = schema_name(slug)
    upgrade_schema(conn, schema, app_role=db.app_role)
    return schema


def move(db: Database, tenant_id: str, to: str) -> MoveReport:
    """Move a tenant between the shared schema and its own; returns rows moved per table."""
    if to not in MODES:
        raise field_error(422, "validation", "to", f"must be one of {', '.join(MODES)}")
    require_postgres(db)
    with db.admin_engine.begin() as conn:
        conn.exec_driver_sql(LOCK, {"t": tenant_id})
        row = conn.exec_driver_sql(
            "SELECT slug, db_schema FROM tenants WHERE id = %(t)s FOR UPDATE", {"t": tenant_id}
        ).one_or_none()
        if row is None:
            raise Problem(404, "not-found", "Tenant not found")
        slug, source = row
        target = schema_name(slug) if to == "schema" else None
        report = MoveReport(slug=slug, source=source or "shared", target=target or "shared")
        if source == target:
            return report
        if target:
            upgrade_schema(conn, target, app_role=db.app_role)
        # table owners are subject to FORCE row-level security too
        conn.exec_driver_sql("SELECT set_config('app.tenant_id', %(t)s, true)", {"t": tenant_id})
        tables = schema_tables()
        for table in tables:
            report.rows[table.name] = _copy(conn, table, tenant_id, source, target)
        for table in reversed(tables):  # children first, so no cascade runs ahead of the check
            deleted = conn.exec_driver_sql(
                f"DELETE FROM {_qualified(source, table)} WHERE tenant_id = %(t)s", {"t": tenant_id}
            ).rowcount
            if deleted != report.rows[table.name]:
                raise MoveVerificationError(
                    f"{table.name}: copied {report.rows[table.name]}, deleted {deleted}"
                )
        conn.exec_driver_sql(
            "UPDATE tenants SET db_schema = %(s)s WHERE id = %(t)s", {"s": target, "t": tenant_id}
        )
        if source:
            drop_schema(conn, source)
    return report


def drop_schema(conn: Connection, schema: str) -> None:
    conn.exec_driver_sql(f'DROP SCHEMA "{safe_identifier(schema, "schema")}" CASCADE')


def row_counts(db: Database, tenant_id: str) -> dict[str, int]:
    """The tenant's rows per table, wherever they live (read through a tenant-bound session)."""
    with db.session(tenant_id=tenant_id) as s, s.begin():
        return {
            t.name: s.execute(
                select(func.count()).select_from(t).where(t.c.tenant_id == tenant_id)
            ).scalar_one()
            for t in schema_tables()
        }


def _qualified(schema: str | None, table: Table) -> str:
    return f'"{safe_identifier(schema or "public", "schema")}"."{table.name}"'


def _copy(conn: Connection, table: Table, tenant_id: str, source: str | None, target: str | None) -> int:
    cols = ", ".join(f'"{c.name}"' for c in table.c)
    src, dst = _qualified(source, table), _qualified(target, table)
    params = {"t": tenant_id}
    before = conn.exec_driver_sql(f"SELECT count(*) FROM {src} WHERE tenant_id = %(t)s", params).scalar_one()
    inserted = conn.exec_driver_sql(
        f"INSERT INTO {dst} ({cols}) SELECT {cols} FROM {src} WHERE tenant_id = %(t)s", params
    ).rowcount
    after = conn.exec_driver_sql(f"SELECT count(*) FROM {dst} WHERE tenant_id = %(t)s", params).scalar_one()
    if not before == inserted == after:
        raise MoveVerificationError(
            f"{table.name}: {before} rows in {src}, {inserted} inserted, {after} in {dst}"
        )
    return int(before)
