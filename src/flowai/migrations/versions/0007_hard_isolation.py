"""hard isolation: a tenant may live in its own PostgreSQL schema.

`tenants.db_schema` names it (NULL: the shared schema, protected by row-level security). The job
queue stays shared, so `jobs.owner_id` can no longer reference `users` (a tenant's users may sit in
its schema). `flowai_bind_tenant(id)` binds a transaction in one round trip: it waits while a move
holds the tenant, sets `app.tenant_id`, and puts the tenant's schema first on the search path.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from flowai.migrations.passes import shared_schema

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIND_TENANT = """
CREATE OR REPLACE FUNCTION flowai_bind_tenant(tenant text) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE placed text;
BEGIN
  -- `flowai tenants move` holds this lock exclusively; waiting here means the read below sees
  -- where the tenant lives after the move (each statement in a function takes a new snapshot)
  PERFORM pg_advisory_xact_lock_shared(hashtextextended('flowai.tenant:' || tenant, 0));
  PERFORM set_config('app.tenant_id', tenant, true);
  SELECT db_schema INTO placed FROM public.tenants WHERE id = tenant;
  IF placed IS NOT NULL THEN
    PERFORM set_config('search_path', quote_ident(placed) || ', public', true);
  END IF;
  RETURN placed;
END $$
"""

SQLITE_FK_NAMES = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def upgrade() -> None:
    if not shared_schema():
        return
    # no batch (table copy) on `tenants`: on SQLite dropping the old copy would cascade-delete
    # every tenant-owned row; ADD COLUMN and a unique index need no copy
    op.add_column("tenants", sa.Column("db_schema", sa.String(63), nullable=True))
    op.create_index("ix_tenants_db_schema", "tenants", ["db_schema"], unique=True)
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("jobs_owner_id_fkey", "jobs", type_="foreignkey")
        op.execute(BIND_TENANT)
    else:
        with op.batch_alter_table("jobs", naming_convention=SQLITE_FK_NAMES) as batch:
            batch.drop_constraint("fk_jobs_owner_id_users", type_="foreignkey")


def downgrade() -> None:
    if not shared_schema():
        return
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS flowai_bind_tenant(text)")
    with op.batch_alter_table("jobs") as batch:
        batch.create_foreign_key("jobs_owner_id_fkey", "users", ["owner_id"], ["id"], ondelete="SET NULL")
    op.drop_index("ix_tenants_db_schema", "tenants")
    op.drop_column("tenants", "db_schema")  # SQLite 3.35+ drops a column in place
