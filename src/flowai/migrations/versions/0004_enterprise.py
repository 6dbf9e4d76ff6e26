"""enterprise: custom domains verified by DNS TXT, audit log of admin actions.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from flowai.migrations.passes import shared_schema

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if shared_schema():
        with op.batch_alter_table("tenant_domains") as batch:
            batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="subdomain"))
            batch.add_column(sa.Column("verification_token", sa.String(64), nullable=True))
            batch.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
            batch.add_column(sa.Column("last_checked_at", sa.DateTime(timezone=True), nullable=True))
            batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
    op.create_table(
        "audit_log",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column(
            "tenant_id", sa.String(26), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("actor_id", sa.String(26), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(255), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_audit_log_tenant_id", "audit_log", ["tenant_id"])
    op.create_index("ix_audit_log_created_at", "audit_log", ["created_at"])


def downgrade() -> None:
    op.drop_table("audit_log")
    if shared_schema():
        with op.batch_alter_table("tenant_domains") as batch:
            for column in ("last_error", "last_checked_at", "verified_at", "verification_token", "kind"):
                batch.drop_column(column)
