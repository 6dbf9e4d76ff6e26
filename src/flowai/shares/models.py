"""Viral-shares tables: the chain deployment, fractionalised videos, the revenue ledger, royalty
deposits and what the indexer learnt from the vaults' events.

Wei and share base units overflow 64-bit integers, and floats would lose them, so they are kept
as decimal strings in the database and as Python ints in code (`BigInt`). Everything but the
platform row is tenant-owned: a tenant sees only its own videos, revenue and holders.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from flowai.core.db import Base, TenantOwned, utcnow
from flowai.core.ids import new_id


class BigInt(TypeDecorator[int]):
    """An arbitrary-size (signed) integer stored as its decimal string: exact on every backend."""

    impl = String(80)
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"BigInt needs an int, got {type(value).__name__}")
        return str(value)

    def process_result_value(self, value: str | None, dialect: Any) -> int | None:
        return None if value is None else int(value)


class SharePlatform(Base):
    """The platform's VideoNFT and VideoVaultFactory on one chain (not tenant-owned: one
    deployment serves every tenant; only system sessions read or write it)."""

    __tablename__ = "share_platforms"
    __table_args__ = (UniqueConstraint("chain_id", "factory"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    chain_id: Mapped[int] = mapped_column(Integer, index=True)
    nft: Mapped[str] = mapped_column(String(42))
    factory: Mapped[str] = mapped_column(String(42))
    deployer: Mapped[str] = mapped_column(String(42))
    deployed_block: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShareVideo(TenantOwned, Base):
    """A video offered as shares: its vault, the primary-sale listing and the indexed state.

    `video_id` is the platform's opaque id; on chain the video is `chain_video_id` (the tenant id
    and the video id), so two tenants' "v1" never share a token. An offer made from an editor
    export uses the export id as `video_id` and keeps `export_id`; its public page is `/v/<id>`.
    `custody` says who signs the creator's calls: `platform` (a key the platform derives for the
    creator) or `wallet` (the address given: a dev account the node signs for, or the creator's
    own wallet, which sends the lock and list calls itself).
    """

    __tablename__ = "share_videos"
    __table_args__ = (UniqueConstraint("tenant_id", "video_id"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    video_id: Mapped[str] = mapped_column(String(200))
    chain_video_id: Mapped[str] = mapped_column(String(255), unique=True)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    chain_id: Mapped[int] = mapped_column(Integer)
    token_id: Mapped[int | None] = mapped_column(BigInt)
    vault: Mapped[str | None] = mapped_column(String(42), index=True)
    vault_block: Mapped[int | None] = mapped_column(BigInteger)  # block that created the vault
    creator: Mapped[str] = mapped_column(String(42))
    shares_to_list: Mapped[int] = mapped_column(Integer)  # what the creator asked to list
    list_price_wei: Mapped[int] = mapped_column(BigInt)
    revenue_share_bps: Mapped[int] = mapped_column(Integer)  # part of revenue owed to holders
    status: Mapped[str] = mapped_column(String(20), default="queued")
    error: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[str | None] = mapped_column(String(26))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    # an offer made from an editor export: the public page's title, poster and MP4
    custody: Mapped[str] = mapped_column(String(16), default="wallet")  # platform | wallet
    export_id: Mapped[str | None] = mapped_column(String(26), index=True)
    title: Mapped[str | None] = mapped_column(String(200))
    media_key: Mapped[str | None] = mapped_column(String(512))  # the export's MP4
    poster_key: Mapped[str | None] = mapped_column(String(512))  # a frame of it (JPEG)
    # indexed from the vault's events
    locked: Mapped[bool] = mapped_column(default=False)
    price_per_share_wei: Mapped[int] = mapped_column(BigInt, default=0)
    shares_for_sale: Mapped[int] = mapped_column(Integer, default=0)
    shares_sold: Mapped[int] = mapped_column(Integer, default=0)
    sales_wei: Mapped[int] = mapped_column(BigInt, default=0)
    total_deposited_wei: Mapped[int] = mapped_column(BigInt, default=0)
    magnified_rps: Mapped[int] = mapped_column(BigInt, default=0)
    indexed_block: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ShareRevenue(TenantOwned, Base):
    """One revenue event of a video (an ad payout, a tip) and the holders' part of it.

    `shareholder_wei` is fixed when recorded, so changing the revenue share later never rewrites
    what was owed; `deposit_row_id` is set when a royalty deposit covers it.
    """

    __tablename__ = "share_revenue"
    __table_args__ = (UniqueConstraint("tenant_id", "share_video_id", "idempotency_key"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    share_video_id: Mapped[str] = mapped_column(ForeignKey("share_videos.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    amount_wei: Mapped[int] = mapped_column(BigInt)
    shareholder_wei: Mapped[int] = mapped_column(BigInt)
    note: Mapped[str | None] = mapped_column(String(500))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    deposit_row_id: Mapped[str | None] = mapped_column(
        ForeignKey("share_deposits.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShareDeposit(TenantOwned, Base):
    """A royalty deposit into a vault. The row (with `deposit_id`, the bytes32 the vault dedupes
    on) is committed before the transaction is sent: intent → sent → confirmed."""

    __tablename__ = "share_deposits"

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    share_video_id: Mapped[str] = mapped_column(ForeignKey("share_videos.id", ondelete="CASCADE"), index=True)
    deposit_id: Mapped[str] = mapped_column(String(66), unique=True)
    amount_wei: Mapped[int] = mapped_column(BigInt)
    status: Mapped[str] = mapped_column(String(16), default="intent")
    tx_hash: Mapped[str | None] = mapped_column(String(66))
    block_number: Mapped[int | None] = mapped_column(BigInteger)
    job_id: Mapped[str | None] = mapped_column(String(26))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]


class ShareEvent(TenantOwned, Base):
    """A vault event as the indexer saw it (purchase, deposit, claim, transfer, listing, lock)."""

    __tablename__ = "share_events"
    __table_args__ = (UniqueConstraint("share_video_id", "tx_hash", "log_index"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    share_video_id: Mapped[str] = mapped_column(ForeignKey("share_videos.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    block_number: Mapped[int] = mapped_column(BigInteger)
    log_index: Mapped[int] = mapped_column(Integer)
    tx_hash: Mapped[str] = mapped_column(String(66))
    account: Mapped[str | None] = mapped_column(String(42), index=True)
    counterparty: Mapped[str | None] = mapped_column(String(42))
    shares: Mapped[int | None] = mapped_column(BigInt)  # base units (Transfer) or whole shares
    amount_wei: Mapped[int | None] = mapped_column(BigInt)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShareHolding(TenantOwned, Base):
    """One holder's shares in one vault, with the revenue correction the vault keeps for it, so
    claimable revenue is computed from the database exactly as the contract computes it."""

    __tablename__ = "share_holdings"
    __table_args__ = (UniqueConstraint("share_video_id", "address"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    share_video_id: Mapped[str] = mapped_column(ForeignKey("share_videos.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(42), index=True)
    balance: Mapped[int] = mapped_column(BigInt, default=0)  # base units (18 decimals)
    correction: Mapped[int] = mapped_column(BigInt, default=0)  # magnified, signed
    claimed_wei: Mapped[int] = mapped_column(BigInt, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
