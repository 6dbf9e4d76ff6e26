"""editor transcripts: the words of an asset's speech with their times, one row per model.

Row-level security for this tenant-owned table is applied after upgrade by flowai.core.rls.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "editor_transcripts",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("asset_id", sa.String(length=26), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("duration_ms", sa.BigInteger(), nullable=False),
        sa.Column("words", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(["asset_id"], ["editor_assets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("asset_id", "model"),
    )
    with op.batch_alter_table("editor_transcripts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_editor_transcripts_asset_id"), ["asset_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_editor_transcripts_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("editor_transcripts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_editor_transcripts_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_editor_transcripts_asset_id"))
    op.drop_table("editor_transcripts")
