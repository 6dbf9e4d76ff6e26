"""Request and response types of tenant administration."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, EmailStr, Field

# The same rules as enterprise.service applies, stated here so the OpenAPI document says them.
ColorName = Literal["primary", "secondary", "background", "surface", "text", "muted"]
Feature = Literal["voice", "editor", "shares", "admin"]
HexColor = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]
# enterprise.service.HOST, after the host is lower-cased (normalise_host)
HOST_PATTERN = r"^(?=.{1,253}$)(?!-)[a-zA-Z0-9-]{1,63}(?<!-)(\.(?!-)[a-zA-Z0-9-]{1,63}(?<!-))+$"


class BrandPatch(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    colors: dict[ColorName, HexColor] | None = Field(
        None,
        description="primary, secondary, background, surface, text, muted: #rrggbb; text must keep "
        "WCAG AA contrast (4.5:1) on background and surface",
    )
    font_family: str | None = Field(None, pattern=r"^[A-Za-z0-9 ,'\"-]{1,200}$")
    # checked by the service, whose 422 names the unknown feature; the schema states the choice
    features: list[str] | None = Field(
        None,
        description="voice, editor, shares, admin",
        json_schema_extra={
            "anyOf": [{"type": "array", "items": {"enum": list(get_args(Feature))}}, {"type": "null"}]
        },
    )


class DomainIn(BaseModel):
    model_config = ConfigDict(regex_engine="python-re")  # HOST_PATTERN uses look-arounds

    host: str = Field(
        min_length=3, max_length=253, pattern=HOST_PATTERN, description="e.g. ai.example.com (lower case)"
    )


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
    slug: str = Field(min_length=1, max_length=63, pattern=r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
    name: str = Field(min_length=1, max_length=200)
    plan: Literal["free", "pro", "enterprise"] = "free"
    isolation: Literal["shared", "schema"] = Field(
        "shared", description="shared, or schema: the tenant's own PostgreSQL schema"
    )
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
    role: Literal["member", "admin", "owner"]


class AuditOut(BaseModel):
    id: str
    actor_id: str | None
    action: str
    target: str | None
    data: dict[str, Any]
    ip: str | None
    created_at: datetime
