"""share offers: a fractionalised video made from an editor export (its title, MP4 and poster)
and who signs the creator's calls (the platform's custodial key, or the creator's wallet).

A tenant-table change, so it runs in the shared schema and in every tenant schema.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD COLUMN: a batch copy of this table on SQLite would cascade-delete its children
    op.add_column(
        "share_videos", sa.Column("custody", sa.String(16), nullable=False, server_default="wallet")
    )
    op.add_column("share_videos", sa.Column("export_id", sa.String(26), nullable=True))
    op.add_column("share_videos", sa.Column("title", sa.String(200), nullable=True))
    op.add_column("share_videos", sa.Column("media_key", sa.String(512), nullable=True))
    op.add_column("share_videos", sa.Column("poster_key", sa.String(512), nullable=True))
    op.create_index("ix_share_videos_export_id", "share_videos", ["export_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_share_videos_export_id", table_name="share_videos")
    for column in ("poster_key", "media_key", "title", "export_id", "custody"):
        op.drop_column("share_videos", column)
