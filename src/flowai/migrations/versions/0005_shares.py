"""shares: platform deployment, fractionalised videos, revenue ledger, royalty deposits, indexed events and holdings.

Wei amounts are decimal strings (String(80)): exact on SQLite and PostgreSQL alike. Row-level
security for the tenant-owned tables is applied after upgrade by flowai.core.rls.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from flowai.migrations.passes import shared_schema

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if shared_schema():
        op.create_table(
            "share_platforms",
            sa.Column("id", sa.String(length=26), nullable=False),
            sa.Column("chain_id", sa.Integer(), nullable=False),
            sa.Column("nft", sa.String(length=42), nullable=False),
            sa.Column("factory", sa.String(length=42), nullable=False),
            sa.Column("deployer", sa.String(length=42), nullable=False),
            sa.Column("deployed_block", sa.BigInteger(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("chain_id", "factory"),
        )
        with op.batch_alter_table("share_platforms", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_share_platforms_chain_id"), ["chain_id"], unique=False)

    op.create_table(
        "share_videos",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("video_id", sa.String(length=200), nullable=False),
        sa.Column("chain_video_id", sa.String(length=255), nullable=False),
        sa.Column("owner_id", sa.String(length=26), nullable=True),
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.String(length=80), nullable=True),
        sa.Column("vault", sa.String(length=42), nullable=True),
        sa.Column("vault_block", sa.BigInteger(), nullable=True),
        sa.Column("creator", sa.String(length=42), nullable=False),
        sa.Column("shares_to_list", sa.Integer(), nullable=False),
        sa.Column("list_price_wei", sa.String(length=80), nullable=False),
        sa.Column("revenue_share_bps", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("job_id", sa.String(length=26), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("price_per_share_wei", sa.String(length=80), nullable=False),
        sa.Column("shares_for_sale", sa.Integer(), nullable=False),
        sa.Column("shares_sold", sa.Integer(), nullable=False),
        sa.Column("sales_wei", sa.String(length=80), nullable=False),
        sa.Column("total_deposited_wei", sa.String(length=80), nullable=False),
        sa.Column("magnified_rps", sa.String(length=80), nullable=False),
        sa.Column("indexed_block", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chain_video_id"),
        sa.UniqueConstraint("tenant_id", "video_id"),
    )
    with op.batch_alter_table("share_videos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_share_videos_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_share_videos_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_share_videos_vault"), ["vault"], unique=False)

    op.create_table(
        "share_deposits",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("share_video_id", sa.String(length=26), nullable=False),
        sa.Column("deposit_id", sa.String(length=66), nullable=False),
        sa.Column("amount_wei", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("job_id", sa.String(length=26), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(["share_video_id"], ["share_videos.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("deposit_id"),
    )
    with op.batch_alter_table("share_deposits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_share_deposits_share_video_id"), ["share_video_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_share_deposits_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "share_events",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("share_video_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("account", sa.String(length=42), nullable=True),
        sa.Column("counterparty", sa.String(length=42), nullable=True),
        sa.Column("shares", sa.String(length=80), nullable=True),
        sa.Column("amount_wei", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(["share_video_id"], ["share_videos.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("share_video_id", "tx_hash", "log_index"),
    )
    with op.batch_alter_table("share_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_share_events_account"), ["account"], unique=False)
        batch_op.create_index(batch_op.f("ix_share_events_share_video_id"), ["share_video_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_share_events_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "share_holdings",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("share_video_id", sa.String(length=26), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("balance", sa.String(length=80), nullable=False),
        sa.Column("correction", sa.String(length=80), nullable=False),
        sa.Column("claimed_wei", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(["share_video_id"], ["share_videos.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("share_video_id", "address"),
    )
    with op.batch_alter_table("share_holdings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_share_holdings_address"), ["address"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_share_holdings_share_video_id"), ["share_video_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_share_holdings_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "share_revenue",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("share_video_id", sa.String(length=26), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("amount_wei", sa.String(length=80), nullable=False),
        sa.Column("shareholder_wei", sa.String(length=80), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("deposit_row_id", sa.String(length=26), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(["deposit_row_id"], ["share_deposits.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["share_video_id"], ["share_videos.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "share_video_id", "idempotency_key"),
    )
    with op.batch_alter_table("share_revenue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_share_revenue_deposit_row_id"), ["deposit_row_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_share_revenue_share_video_id"), ["share_video_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_share_revenue_tenant_id"), ["tenant_id"], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table("share_revenue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_revenue_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_share_revenue_share_video_id"))
        batch_op.drop_index(batch_op.f("ix_share_revenue_deposit_row_id"))

    op.drop_table("share_revenue")
    with op.batch_alter_table("share_holdings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_holdings_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_share_holdings_share_video_id"))
        batch_op.drop_index(batch_op.f("ix_share_holdings_address"))

    op.drop_table("share_holdings")
    with op.batch_alter_table("share_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_events_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_share_events_share_video_id"))
        batch_op.drop_index(batch_op.f("ix_share_events_account"))

    op.drop_table("share_events")
    with op.batch_alter_table("share_deposits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_deposits_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_share_deposits_share_video_id"))

    op.drop_table("share_deposits")
    with op.batch_alter_table("share_videos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_videos_vault"))
        batch_op.drop_index(batch_op.f("ix_share_videos_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_share_videos_owner_id"))

    op.drop_table("share_videos")
    if shared_schema():
        with op.batch_alter_table("share_platforms", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_share_platforms_chain_id"))
        op.drop_table("share_platforms")
