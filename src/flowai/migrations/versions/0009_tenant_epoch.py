"""tenant epoch: a counter bumped by every change to `tenants` or `tenant_domains`.

Each API process caches Host → tenant; it polls this one row about once a second and drops its
cache when the value moved, so a brand, feature, plan or domain change made by another process (or
the CLI) is served everywhere within about a second instead of when the 30 s cache expires. The
bump is a trigger, so no code path can forget it. On PostgreSQL it is a deferred constraint
trigger: it runs at commit, so a long transaction (a tenant move) holds the counter's row lock
only while committing, and the new value becomes visible together with the change.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from flowai.migrations.passes import shared_schema

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("tenants", "tenant_domains")
BUMP = "UPDATE tenant_epoch SET value = value + 1 WHERE id = 1"


def upgrade() -> None:
    if not shared_schema():
        return
    op.create_table(
        "tenant_epoch",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.execute("INSERT INTO tenant_epoch (id, value) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION flowai_bump_tenant_epoch() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN UPDATE public.tenant_epoch SET value = value + 1 WHERE id = 1; RETURN NULL; END $$"
        )
        for table in TABLES:
            op.execute(
                f"CREATE CONSTRAINT TRIGGER {table}_bump_epoch AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION flowai_bump_tenant_epoch()"
            )
        return
    for table in TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_bump_epoch_{event.lower()} AFTER {event} ON {table} "
                f"BEGIN {BUMP}; END"
            )


def downgrade() -> None:
    if not shared_schema():
        return
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_bump_epoch ON {table}")
        op.execute("DROP FUNCTION IF EXISTS flowai_bump_tenant_epoch()")
    else:
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_bump_epoch_{event}")
    op.drop_table("tenant_epoch")
