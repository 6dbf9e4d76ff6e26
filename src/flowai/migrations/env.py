"""Alembic environment: the same migrations on SQLite (batch mode) and PostgreSQL."""

from alembic import context

from flowai.core.db import Base
from flowai.core.registry import import_models

import_models()
config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
