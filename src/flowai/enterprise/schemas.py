"""Request and response types of tenant administration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, EmailStr, Field


class BrandPatch(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    colors: dict[str, str] | None = Field(
        None, description="primary, secondary, background, surface, text, muted: #rrggbb"
    )
    font_family: str | None = Field(None, max_length=200)
    features: list[str] | None = Field(None, description="voice, editor, shares, admin")


class DomainIn(BaseModel):
    host: str = Field(min_length=3, max_length=253, description="e.g. ai.example.com")


class DomainOut(BaseModel):
    host: str
    kind: str
    verified: bool
    verified_at: datetime | None
    txt_record: str | None = Field(description="Create this TXT record name…")
    txt_value: str | None = Field(description="…with this value, then verify")
    last_checked_at: datetime | None
    last_error: str | None


class TenantOut(BaseModel):
    id: str
    slug: str
    name: str
    plan: str
    brand: dict[str, Any]
    features: list[str]
    isolation: str = Field(description="shared (row-level security) or schema (its own PostgreSQL schema)")
    created_at: datetime


class TenantIn(BaseModel):
    slug: str = Field(min_length=1, max_length=63)
    name: str = Field(min_length=1, max_length=200)
    plan: str = "free"
    isolation: str = Field("shared", description="shared, or schema: the tenant's own PostgreSQL schema")
    owner_email: EmailStr | None = None
    owner_password: str | None = Field(None, min_length=10, max_length=256)


class MemberOut(BaseModel):
    id: str
    email: str
    display_name: str
    role: str
    created_at: datetime
    last_login_at: datetime | None


class RoleIn(BaseModel):
    role: str


class AuditOut(BaseModel):
    id: str
    actor_id: str | None
    action: str
    target: str | None
    data: dict[str, Any]
    ip: str | None
    created_at: datetime
