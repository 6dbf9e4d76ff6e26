"""Foundation tables: tenants and their hosts, users and profiles, sessions, API keys, jobs, files."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flowai.core.db import Base, TenantOwned, utcnow
from flowai.core.ids import new_id

DEFAULT_BRAND: dict[str, Any] = {
    "colors": {
        "primary": "#7c3aed",
        "secondary": "#0ea5e9",
        "background": "#0b0b10",
        "surface": "#16161f",
        "text": "#f4f4f5",
        "muted": "#a1a1aa",
    },
    "font_family": "Inter, system-ui, sans-serif",
    "logo_key": None,
    "logo_format": None,
    "favicon_key": None,
    "favicon_format": None,
    "font_key": None,
    "font_format": None,
    "font_filename": None,
}


def _id_column() -> Mapped[str]:
    return mapped_column(String(26), primary_key=True, default=new_id)


class Tenant(Base):
    """A customer instance: the default `flowai` tenant or a white-label enterprise."""

    __tablename__ = "tenants"

    id: Mapped[str] = _id_column()
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    brand: Mapped[dict[str, Any]] = mapped_column(JSON, default=lambda: dict(DEFAULT_BRAND))
    features: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["voice", "editor", "shares", "admin"])
    plan: Mapped[str] = mapped_column(String(32), default="free")
    # hard isolation: the PostgreSQL schema holding the tenant's rows; NULL = shared (RLS)
    db_schema: Mapped[str | None] = mapped_column(String(63), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    domains: Mapped[list[TenantDomain]] = relationship(back_populates="tenant")


class TenantDomain(Base):
    """A host name that routes to a tenant. Read before any tenant is known, so not guarded."""

    __tablename__ = "tenant_domains"

    host: Mapped[str] = mapped_column(String(253), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=True)
    kind: Mapped[str] = mapped_column(String(16), default="subdomain")  # subdomain | custom
    verification_token: Mapped[str | None] = mapped_column(String(64))
    verified_at: Mapped[datetime | None]
    last_checked_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tenant: Mapped[Tenant] = relationship(back_populates="domains")


class TenantEpoch(Base):
    """One row whose value triggers bump on any change to tenants or domains (migration 0009):
    API processes poll it to drop their Host → tenant cache."""

    __tablename__ = "tenant_epoch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class User(TenantOwned, Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "email"),
        UniqueConstraint("tenant_id", "supabase_sub"),
    )

    id: Mapped[str] = _id_column()
    email: Mapped[str] = mapped_column(String(320))
    password_hash: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16), default="member")
    supabase_sub: Mapped[str | None] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    profile: Mapped[UserProfile] = relationship(back_populates="user", lazy="joined")


class UserProfile(TenantOwned, Base):
    """One per user; the voice feature adds its columns here (as in the brief's schema)."""

    __tablename__ = "user_profiles"
    __table_args__ = (
        CheckConstraint(
            "voice_clone_status IN ('none', 'processing', 'ready', 'failed')",
            name="ck_user_profiles_voice_clone_status",
        ),
    )

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(120))
    avatar_key: Mapped[str | None] = mapped_column(String(512))
    voice_clone_id: Mapped[str | None] = mapped_column(Text)
    voice_clone_status: Mapped[str] = mapped_column(Text, default="none", server_default="none")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="profile")


class WebSession(TenantOwned, Base):
    """A browser session; the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(400))


class ApiKey(TenantOwned, Base):
    """A machine credential `fla_<id>_<secret>`; only the secret's SHA-256 is kept."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Job(TenantOwned, Base):
    """Source of truth for background work; brokers only deliver job ids.

    The queue is shared by every tenant, hard-isolated ones included (workers claim across
    tenants), so `owner_id` is a plain column: the user it names may live in a tenant schema.
    """

    __tablename__ = "jobs"
    __table_args__ = (UniqueConstraint("tenant_id", "owner_id", "idempotency_key"),)

    id: Mapped[str] = _id_column()
    owner_id: Mapped[str | None] = mapped_column(String(26), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str] = mapped_column(String(64), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    worker_id: Mapped[str | None] = mapped_column(String(120))
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    lease_expires_at: Mapped[datetime | None]
    dispatched_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class StoredFile(TenantOwned, Base):
    """An uploaded object: what it really is (sniffed), how big, and where storage keeps it."""

    __tablename__ = "files"

    id: Mapped[str] = _id_column()
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(512), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PasswordReset(TenantOwned, Base):
    """A forgot-password link: the emailed token's SHA-256, single use, short-lived."""

    __tablename__ = "password_resets"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class Invite(TenantOwned, Base):
    """An admin's invitation of an email address, with the role it joins as; the link carries a
    random token of which only the SHA-256 is kept."""

    __tablename__ = "invites"

    id: Mapped[str] = _id_column()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    role: Mapped[str] = mapped_column(String(16))
    invited_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]
