"""PostgreSQL row-level security for every tenant-owned table (the first wall; the ORM guard is
the second, and the only one on SQLite).

Applied after every `flowai db upgrade`, from the ORM metadata, so a table that a later
migration adds is protected without anyone remembering to: ENABLE + FORCE row level security and
one policy comparing `tenant_id` with `current_setting('app.tenant_id', true)`, which is NULL
(no rows) in a transaction that bound no tenant. Hard-isolated tenant schemas get the same
policies on their tables: a schema is a second wall, not a replacement for the first.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, Table

from flowai.core.db import Base, TenantOwned
from flowai.core.registry import import_models

POLICY = "tenant_isolation"
READ_ONLY_FOR_APP = ("tenants", "tenant_domains", "tenant_epoch")  # routing; changed by system sessions
SHARED_TENANT_TABLES = ("jobs",)  # tenant rows that stay in the shared schema: the job queue
# the sub-select is an InitPlan: the setting is read once per statement instead of once per row
# (bench/tenancy.py: RLS cost over unprotected 1.15x with the bare call, 1.01-1.05x with this)
CHECK = "tenant_id = (SELECT current_setting('app.tenant_id', true))"
_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def tenant_tables() -> list[Table]:
    import_models()
    tables = {m.local_table for m in Base.registry.mappers if issubclass(m.class_, TenantOwned)}
    return sorted((t for t in tables if isinstance(t, Table)), key=lambda t: t.name)


def schema_tables() -> list[Table]:
    """The tables a hard-isolated tenant schema holds, parents before children."""
    names = {t.name for t in tenant_tables()} - set(SHARED_TENANT_TABLES)
    return [t for t in Base.metadata.sorted_tables if t.name in names]


def safe_identifier(name: str, what: str = "identifier") -> str:
    if not _IDENT.match(name):
        raise ValueError(f"unsafe {what} {name!r}")
    return name


def apply_row_level_security(conn: Connection, schema: str | None = None) -> list[str]:
    names = []
    tables = schema_tables() if schema else tenant_tables()
    prefix = f'"{safe_identifier(schema, "schema")}".' if schema else ""
    for table in tables:
        name = prefix + conn.dialect.identifier_preparer.quote(table.name)
        conn.exec_driver_sql(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY")
        conn.exec_driver_sql(f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY")
        conn.exec_driver_sql(f"DROP POLICY IF EXISTS {POLICY} ON {name}")
        conn.exec_driver_sql(f"CREATE POLICY {POLICY} ON {name} USING ({CHECK}) WITH CHECK ({CHECK})")
        names.append(table.name)
    return names


def grant_app_role(conn: Connection, role: str, schema: str | None = None) -> None:
    """Let the app role read and write tenant rows (through RLS) and read routing tables; it owns nothing."""
    safe_identifier(role, "role name")
    if schema:
        q = f'"{safe_identifier(schema, "schema")}"'
        conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {q} TO {role}")
        for table in schema_tables():
            conn.exec_driver_sql(f'GRANT SELECT, INSERT, UPDATE, DELETE ON {q}."{table.name}" TO {role}')
        return
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {role}")
    for table in tenant_tables():
        conn.exec_driver_sql(f'GRANT SELECT, INSERT, UPDATE, DELETE ON "{table.name}" TO {role}')
    for name in READ_ONLY_FOR_APP:
        conn.exec_driver_sql(f'GRANT SELECT ON "{name}" TO {role}')
