"""Request and response types of the foundation API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, EmailStr, Field

T = TypeVar("T")


class SignupIn(BaseModel):
    email: EmailStr
    password: str = Field(min_length=10, max_length=256, description="At least 10 characters")
    display_name: str = Field(min_length=1, max_length=120)


class LoginIn(BaseModel):
    email: EmailStr
    password: str = Field(min_length=1, max_length=256)


class TenantRef(BaseModel):
    slug: str
    name: str


class UserOut(BaseModel):
    id: str
    email: str
    display_name: str
    avatar_url: str | None
    role: str
    tenant: TenantRef
    voice_clone_id: str | None = Field(None, description="The user's cloned voice, once ready")
    voice_clone_status: str = Field("none", description="none, processing, ready or failed")
    created_at: datetime


class CsrfOut(BaseModel):
    csrf_token: str


class ApiKeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    scopes: list[str] = Field(min_length=1)
    expires_in_days: int | None = Field(None, ge=1, le=3650)


class RotateIn(BaseModel):
    overlap_hours: int = Field(24, ge=0, le=720, description="How long the old key keeps working")


class ApiKeyOut(BaseModel):
    id: str
    name: str
    prefix: str
    scopes: list[str]
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The full key. Shown once; store it now.")


class JobOut(BaseModel):
    id: str
    kind: str
    status: str
    progress: int
    stage: str
    attempts: int
    max_attempts: int
    error: str | None
    result: dict[str, Any] | None
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime


class FileOut(BaseModel):
    id: str
    kind: str
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime
    download_url: str


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None
