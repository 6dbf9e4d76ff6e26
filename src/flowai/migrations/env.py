"""Alembic environment: the same migrations on SQLite (batch mode) and PostgreSQL, in the shared
schema and in every hard-isolated tenant schema (see flowai.migrations.passes)."""

from typing import Any, Literal

from alembic import context

from flowai.core.db import Base, UTCDateTime
from flowai.core.registry import import_models


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Autogenerate writes our UTC datetime type as the plain SQL type it stores as."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


import_models()
config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table_schema=config.attributes.get("tenant_schema"),  # each tenant schema has its own
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
