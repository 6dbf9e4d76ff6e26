"""Request and response types of the foundation API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

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


class ForgotIn(BaseModel):
    email: EmailStr


class MessageOut(BaseModel):
    detail: str


class ResetIn(BaseModel):
    token: str = Field(min_length=16, max_length=200, description="The token from the emailed link")
    password: str = Field(
        min_length=10, max_length=256, description="The new password: at least 10 characters"
    )


class InviteIn(BaseModel):
    email: EmailStr
    role: Literal["member", "admin"] = "member"


class InviteOut(BaseModel):
    id: str
    email: str
    role: str
    invited_by: str | None
    created_at: datetime
    expires_at: datetime


class InviteCreated(InviteOut):
    link: str = Field(description="The invitation link, shown once (it is also emailed)")


class InviteTokenIn(BaseModel):
    token: str = Field(min_length=16, max_length=200, description="The token from the invitation link")


class InviteInfo(BaseModel):
    email: str
    role: str
    workspace: str
    account_exists: bool = Field(description="The email already has an account here: accepting signs in")
    expires_at: datetime


class AcceptInviteIn(BaseModel):
    token: str = Field(min_length=16, max_length=200)
    password: str = Field(
        min_length=1,
        max_length=256,
        description="A new password (at least 10 characters), or the existing account's password",
    )
    display_name: str | None = Field(None, max_length=120)


class VoiceCapabilities(BaseModel):
    enabled: bool = Field(description="The workspace has the voice feature switched on")
    tts: bool = Field(
        description="Narration can be made now: feature on, engine configured, `voice:write` held"
    )
    engine: str
    clone_status: str = Field(description="The caller's voice clone: none, processing, ready or failed")
    cloned: bool = Field(description="The caller has a ready voice clone (narrate in 'my voice')")


class EditorCapabilities(BaseModel):
    enabled: bool
    export: bool = Field(description="Feature on and `exports:write` held")


class SharesCapabilities(BaseModel):
    enabled: bool
    chain_configured: bool = Field(description="A chain RPC is set, or the local dev chain may be started")
    chain: str = Field(description="`rpc` (FLOWAI_CHAIN_RPC_URL), `dev` (local anvil) or `none`")
    chain_id: int
    offer: bool = Field(description="Feature on, a chain configured and `shares:write` held")


class CapabilitiesOut(BaseModel):
    """What this workspace and this caller can use now: the web app shows what it may offer."""

    role: str
    scopes: list[str]
    admin: bool = Field(description="The caller may open the workspace's admin pages")
    voice: VoiceCapabilities
    editor: EditorCapabilities
    shares: SharesCapabilities
