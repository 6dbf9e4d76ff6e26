"""Which schema a migration is running in.

Every migration runs once in the shared schema and once in each hard-isolated tenant schema
(`flowai db upgrade` walks them all). Platform tables (tenants, domains, the job queue, chain
deployments) exist only in the shared schema, so migrations wrap their changes in
`if shared_schema():`; tenant tables are created in whichever schema is being migrated, and their
foreign keys to `tenants` resolve through the search path to the shared one.
"""

from __future__ import annotations

from alembic import context


def tenant_schema() -> str | None:
    """The tenant schema being migrated, or None for the shared schema."""
    value = context.config.attributes.get("tenant_schema")
    return str(value) if value else None


def shared_schema() -> bool:
    return tenant_schema() is None
