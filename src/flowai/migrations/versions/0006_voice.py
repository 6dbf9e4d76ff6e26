"""voice: the brief's two user_profiles columns, clone history and narrations.

`user_profiles.voice_clone_id TEXT` and `user_profiles.voice_clone_status TEXT DEFAULT 'none'`
with a CHECK constraint (none / processing / ready / failed), added in batch mode so SQLite
rebuilds the table (it cannot add a CHECK constraint in place). Row-level security for the new
tenant-owned tables is applied after upgrade by flowai.core.rls.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECK = "ck_user_profiles_voice_clone_status"


def upgrade() -> None:
    with op.batch_alter_table("user_profiles") as batch:
        batch.add_column(sa.Column("voice_clone_id", sa.Text(), nullable=True))
        batch.add_column(sa.Column("voice_clone_status", sa.Text(), nullable=False, server_default="none"))
        batch.create_check_constraint(
            CHECK, "voice_clone_status IN ('none', 'processing', 'ready', 'failed')"
        )

    op.create_table(
        "voice_clones",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column(
            "tenant_id", sa.String(26), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("user_id", sa.String(26), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("engine", sa.String(32), nullable=False),
        sa.Column("engine_voice_id", sa.String(200), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("job_id", sa.String(26), nullable=True),
        sa.Column("sample_key", sa.String(512), nullable=True),
        sa.Column("profile_key", sa.String(512), nullable=True),
        sa.Column("sample_filename", sa.String(255), nullable=False),
        sa.Column("sample_format", sa.String(16), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("sample_sha256", sa.String(64), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("quality", sa.JSON(), nullable=True),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("consent_statement", sa.Text(), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consent_ip", sa.String(64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("error_code", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_voice_clones_tenant_id", "voice_clones", ["tenant_id"])
    op.create_index("ix_voice_clones_user_id", "voice_clones", ["user_id"])
    op.create_index("ix_voice_clones_engine_voice_id", "voice_clones", ["engine_voice_id"])
    op.create_index("ix_voice_clones_job_id", "voice_clones", ["job_id"])

    op.create_table(
        "voice_narrations",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column(
            "tenant_id", sa.String(26), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("user_id", sa.String(26), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column(
            "clone_id", sa.String(26), sa.ForeignKey("voice_clones.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("engine", sa.String(32), nullable=False),
        sa.Column("voice", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("job_id", sa.String(26), nullable=True),
        sa.Column("file_id", sa.String(26), sa.ForeignKey("files.id", ondelete="SET NULL"), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("wer", sa.Float(), nullable=True),
        sa.Column("wer_passed", sa.Boolean(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("transcript", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_voice_narrations_tenant_id", "voice_narrations", ["tenant_id"])
    op.create_index("ix_voice_narrations_user_id", "voice_narrations", ["user_id"])
    op.create_index("ix_voice_narrations_job_id", "voice_narrations", ["job_id"])


def downgrade() -> None:
    op.drop_table("voice_narrations")
    op.drop_table("voice_clones")
    with op.batch_alter_table("user_profiles") as batch:
        batch.drop_constraint(CHECK, type_="check")
        batch.drop_column("voice_clone_status")
        batch.drop_column("voice_clone_id")
