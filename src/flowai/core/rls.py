"""PostgreSQL row-level security for every tenant-owned table (the first wall; the ORM guard is
the second, and the only one on SQLite).

Applied after every `flowai db upgrade`, from the ORM metadata, so a table that a later
migration adds is protected without anyone remembering to: ENABLE + FORCE row level security and
one policy comparing `tenant_id` with `current_setting('app.tenant_id', true)`, which is NULL
(no rows) in a transaction that bound no tenant.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, Table

from flowai.core.db import Base, TenantOwned
from flowai.core.registry import import_models

POLICY = "tenant_isolation"
READ_ONLY_FOR_APP = ("tenants", "tenant_domains")  # routing metadata; changed only by system sessions
_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def tenant_tables() -> list[Table]:
    import_models()
    tables = {m.local_table for m in Base.registry.mappers if issubclass(m.class_, TenantOwned)}
    return sorted((t for t in tables if isinstance(t, Table)), key=lambda t: t.name)


def apply_row_level_security(conn: Connection) -> list[str]:
    names = []
    for table in tenant_tables():
        name = conn.dialect.identifier_preparer.quote(table.name)
        conn.exec_driver_sql(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY")
        conn.exec_driver_sql(f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY")
        conn.exec_driver_sql(f"DROP POLICY IF EXISTS {POLICY} ON {name}")
        conn.exec_driver_sql(
            f"CREATE POLICY {POLICY} ON {name} "
            "USING (tenant_id = current_setting('app.tenant_id', true)) "
            "WITH CHECK (tenant_id = current_setting('app.tenant_id', true))"
        )
        names.append(table.name)
    return names


def grant_app_role(conn: Connection, role: str) -> None:
    """Let the app role read and write tenant rows (through RLS) and read routing tables; it owns nothing."""
    if not _ROLE.match(role):
        raise ValueError(f"unsafe role name {role!r}")
    owned = [t.name for t in tenant_tables()]
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {role}")
    for table in owned:
        conn.exec_driver_sql(f'GRANT SELECT, INSERT, UPDATE, DELETE ON "{table}" TO {role}')
    for table in READ_ONLY_FOR_APP:
        conn.exec_driver_sql(f'GRANT SELECT ON "{table}" TO {role}')
