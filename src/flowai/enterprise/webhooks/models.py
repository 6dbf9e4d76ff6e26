"""Webhook tables: endpoints, the events they may receive, one delivery per (event, endpoint),
the log of every HTTP attempt, and notices for tenant admins (an endpoint was disabled)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from flowai.core.db import Base, TenantOwned, utcnow
from flowai.core.ids import new_id
from flowai.core.sealing import Sealed


def _id_column() -> Mapped[str]:
    return mapped_column(String(26), primary_key=True, default=new_id)


class WebhookEndpoint(TenantOwned, Base):
    """A receiver URL of one tenant. Signing needs the secret itself, so it is sealed, not hashed."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = _id_column()
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str] = mapped_column(String(500), default="")
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every event type
    format: Mapped[str] = mapped_column(String(16), default="standard")  # "standard" | "slack"
    secret: Mapped[str] = mapped_column(Sealed)
    previous_secret: Mapped[str | None] = mapped_column(Sealed)
    previous_secret_expires_at: Mapped[datetime | None]
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(500))
    disabled_at: Mapped[datetime | None]
    failing_since: Mapped[datetime | None]  # first failed attempt since the last success
    pace_next_ms: Mapped[int] = mapped_column(BigInteger, default=0)  # Slack: next free send slot
    pace_sent_ms: Mapped[int] = mapped_column(BigInteger, default=0)  # Slack: when the last send began
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WebhookEvent(TenantOwned, Base):
    """Something that happened; its id is the `webhook-id` every endpoint and retry sees."""

    __tablename__ = "webhook_events"

    id: Mapped[str] = _id_column()
    type: Mapped[str] = mapped_column(String(64), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(TenantOwned, Base):
    """One event on its way to one endpoint: pending until it succeeds or runs out of attempts."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[str] = _id_column()
    event_id: Mapped[str] = mapped_column(ForeignKey("webhook_events.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    event_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[str | None] = mapped_column(String(26))  # the job that runs the next attempt
    replay_of: Mapped[str | None] = mapped_column(String(26))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None]


class WebhookAttempt(TenantOwned, Base):
    """The delivery log: one row per HTTP request we made (or refused to make)."""

    __tablename__ = "webhook_attempts"

    id: Mapped[str] = _id_column()
    delivery_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)  # first RESPONSE_EXCERPT characters
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookNotice(TenantOwned, Base):
    """A message for the tenant's admins (listed in the API/Admin page and mailed to them)."""

    __tablename__ = "webhook_notices"

    id: Mapped[str] = _id_column()
    endpoint_id: Mapped[str | None] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
