"""Request and response types of the webhooks API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Format = Literal["standard", "slack"]


class EndpointIn(BaseModel):
    url: str = Field(max_length=2048, description="https:// (or http://) URL on a public address")
    description: str = Field("", max_length=500)
    event_types: list[str] = Field(default_factory=list, description="Empty: every event type")
    format: Format | None = Field(None, description="Default: slack for hooks.slack.com, else standard")
    secret: str | None = Field(None, description="Bring your own whsec_… secret (default: generated)")


class EndpointPatch(BaseModel):
    url: str | None = Field(None, max_length=2048)
    description: str | None = Field(None, max_length=500)
    event_types: list[str] | None = None
    format: Format | None = None
    enabled: bool | None = Field(None, description="true re-enables a disabled endpoint")


class EndpointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    url: str
    description: str
    event_types: list[str]
    format: str
    enabled: bool
    disabled_reason: str | None
    disabled_at: datetime | None
    failing_since: datetime | None
    previous_secret_expires_at: datetime | None = Field(
        description="While set and in the future, deliveries carry a second signature (old secret)"
    )
    created_at: datetime
    updated_at: datetime


class EndpointCreated(EndpointOut):
    secret: str


class SecretOut(BaseModel):
    secret: str
    previous_secret_expires_at: datetime | None


class RotateIn(BaseModel):
    overlap_seconds: int = Field(86400, ge=0, le=7 * 86400, description="How long the old secret still signs")
    secret: str | None = Field(None, description="Bring your own whsec_… secret (default: generated)")


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempt: int
    status_code: int | None
    response_body: str | None = Field(description="The first 1000 characters of the response")
    error: str | None
    duration_ms: int
    next_attempt_at: datetime | None
    created_at: datetime


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    event_id: str = Field(description="The webhook-id header the receiver saw")
    event_type: str
    endpoint_id: str
    status: str = Field(description="pending, succeeded or failed")
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    replay_of: str | None
    created_at: datetime
    finished_at: datetime | None


class DeliveryDetail(DeliveryOut):
    log: list[AttemptOut]


class EventTypeOut(BaseModel):
    type: str


class NoticeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    endpoint_id: str | None
    kind: str
    message: str
    recipients: list[str]
    created_at: datetime
