"""Webhooks: endpoints, `emit()` for every feature, and one delivery attempt at a time.

Delivery is at-least-once and signed per Standard Webhooks. An event becomes one delivery per
subscribed endpoint; each attempt is a row in `jobs` whose `run_after` follows the retry
schedule (or a later Retry-After), so a restart, a crash or a scale-out worker loses nothing.
The rows are written in the caller's transaction (an outbox): a rolled-back export never
announces itself, and a committed one always does.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from flowai.core import mail
from flowai.core.db import Database, utcnow
from flowai.core.errors import Problem, field_error, not_found
from flowai.core.jobs import JobQueue, dispatch_after_commit
from flowai.core.models import Job, User
from flowai.enterprise.webhooks import signing, slack, ssrf
from flowai.enterprise.webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookNotice,
)
from flowai.settings import Settings

log = logging.getLogger("flowai.webhooks")

EVENT_TYPES = (
    "voice.clone.ready",
    "voice.clone.failed",
    "export.succeeded",
    "export.failed",
    "shares.purchased",
    "royalties.deposited",
    "tenant.domain.verified",
)
TEST_EVENT = "webhook.test"  # sent by "send test event"; no endpoint subscribes to it
FORMATS = ("standard", "slack")
# Seconds before attempt 1, 2, …: 0 s, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (as Svix).
RETRY_SCHEDULE_S: tuple[float, ...] = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
DISABLE_AFTER = timedelta(days=5)  # an endpoint failing this long is disabled, admins are told
MAX_RETRY_AFTER_S = 86400.0  # a receiver cannot park a delivery for longer than a day
DEFAULT_OVERLAP = timedelta(hours=24)
MAX_OVERLAP = timedelta(days=7)
RESPONSE_EXCERPT = 1000  # characters of the response body kept in the log
RESPONSE_READ_LIMIT = 64 * 1024  # bytes read from a response before we hang up
JOB_KIND = "webhooks.deliver"
JOB_MAX_ATTEMPTS = 2  # job-level re-runs cover a lost worker; HTTP retries follow the schedule
USER_AGENT = "FlowAI-Webhooks/1.0"


@dataclass(frozen=True)
class DeliveryConfig:
    """The settings one delivery attempt needs (tests shrink the schedule through Settings)."""

    allow_private: bool = False
    timeout_s: float = 15.0
    schedule: tuple[float, ...] = RETRY_SCHEDULE_S

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryConfig:
        schedule = tuple(settings.webhook_retry_schedule or RETRY_SCHEDULE_S)
        return cls(settings.webhook_allow_private, settings.webhook_timeout_seconds, schedule)


# --- endpoints -------------------------------------------------------------------------------


def check_url(url: str, *, allow_private: bool) -> None:
    """422 naming `url` when the URL is malformed or reaches a non-public address."""
    try:
        ssrf.check_url(url, allow_private=allow_private)
    except ssrf.UnsafeUrl as exc:
        raise field_error(422, "webhook-url-refused", "url", str(exc)) from exc


def _check_event_types(event_types: Sequence[str]) -> list[str]:
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise field_error(
            422,
            "validation",
            "event_types",
            f"unknown: {', '.join(unknown)}; choose from {', '.join(EVENT_TYPES)} (empty: all)",
        )
    return sorted(set(event_types))


def _check_secret(secret: str) -> str:
    if not signing.is_valid_secret(secret):
        raise field_error(422, "validation", "secret", "must be whsec_ followed by base64 of 24–64 bytes")
    return secret


def create_endpoint(
    s: Session,
    *,
    url: str,
    description: str = "",
    event_types: Sequence[str] = (),
    format: str | None = None,
    secret: str | None = None,
    allow_private: bool = False,
) -> WebhookEndpoint:
    """Create an endpoint in the session's tenant; Slack URLs get the Slack format by default."""
    check_url(url, allow_private=allow_private)
    endpoint = WebhookEndpoint(
        url=url,
        description=description.strip(),
        event_types=_check_event_types(event_types),
        format=format or ("slack" if slack.is_slack_url(url) else "standard"),
        secret=_check_secret(secret) if secret else signing.new_secret(),
        enabled=True,
    )
    s.add(endpoint)
    s.flush()
    return endpoint


def get_endpoint(s: Session, *, endpoint_id: str) -> WebhookEndpoint:
    """The endpoint of the session's tenant, or 404 (another tenant's id is simply not found)."""
    row = s.execute(select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)).scalar_one_or_none()
    if row is None:
        raise not_found("Webhook endpoint")
    return row


def update_endpoint(
    s: Session, *, endpoint: WebhookEndpoint, changes: dict[str, Any], allow_private: bool = False
) -> WebhookEndpoint:
    """Apply a partial update; re-enabling clears the reason and the failure clock."""
    if "url" in changes:
        check_url(changes["url"], allow_private=allow_private)
        endpoint.url = changes["url"]
    if "description" in changes:
        endpoint.description = (changes["description"] or "").strip()
    if "event_types" in changes:
        endpoint.event_types = _check_event_types(changes["event_types"] or [])
    if "format" in changes and changes["format"]:
        endpoint.format = changes["format"]
    if "enabled" in changes and changes["enabled"] is not None:
        if changes["enabled"] and not endpoint.enabled:
            endpoint.disabled_reason = endpoint.disabled_at = endpoint.failing_since = None
        elif not changes["enabled"] and endpoint.enabled:
            endpoint.disabled_reason, endpoint.disabled_at = "disabled by an admin", utcnow()
        endpoint.enabled = bool(changes["enabled"])
    s.flush()
    return endpoint


def delete_endpoint(s: Session, *, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint with its deliveries and their log (the events stay)."""
    s.delete(endpoint)
    s.flush()


def rotate_secret(
    s: Session, *, endpoint: WebhookEndpoint, overlap: timedelta = DEFAULT_OVERLAP, secret: str | None = None
) -> WebhookEndpoint:
    """New secret now; the old one keeps signing (as a second signature) for `overlap`."""
    if not timedelta(0) <= overlap <= MAX_OVERLAP:
        raise field_error(422, "validation", "overlap_seconds", "must be between 0 and 7 days")
    new = _check_secret(secret) if secret else signing.new_secret()
    if new == endpoint.secret:
        raise field_error(422, "validation", "secret", "must differ from the current secret")
    endpoint.previous_secret = endpoint.secret if overlap else None
    endpoint.previous_secret_expires_at = utcnow() + overlap if overlap else None
    endpoint.secret = new
    s.flush()
    return endpoint


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The current secret, plus the previous one while its overlap window lasts."""
    out = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires and expires > now:
        out.append(endpoint.previous_secret)
    return out


# --- events ----------------------------------------------------------------------------------


def emit(
    db: Session | Database,
    tenant_id: str,
    event_type: str,
    data: dict[str, Any],
    *,
    jobs: JobQueue | None = None,
) -> str | None:
    """Announce `event_type` to every enabled endpoint of the tenant that subscribes to it.

    With a Session the rows join the caller's transaction and the jobs are handed to `jobs`
    right after it commits; with a Database they are written in a transaction of their own.
    Without `jobs` the job rows are still picked up by the workers' maintenance sweep (about a
    second later). Returns the event id (the `webhook-id`), or None when nobody listens.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}; add it to EVENT_TYPES")
    json.dumps(data)  # fail in the caller, not in a worker, when data is not JSON
    if isinstance(db, Database):
        with db.transaction(tenant_id=tenant_id) as s:
            return _emit(s, tenant_id, event_type, data, jobs=jobs)
    return _emit(db, tenant_id, event_type, data, jobs=jobs)


def _emit(
    s: Session,
    tenant_id: str,
    event_type: str,
    data: dict[str, Any],
    *,
    jobs: JobQueue | None,
    only: WebhookEndpoint | None = None,
) -> str | None:
    if only is not None:
        endpoints = [only]
    else:
        rows = s.execute(
            select(WebhookEndpoint).where(
                WebhookEndpoint.tenant_id == tenant_id, WebhookEndpoint.enabled.is_(True)
            )
        ).scalars()
        endpoints = [e for e in rows if not e.event_types or event_type in e.event_types]
    if not endpoints:
        return None
    ev = WebhookEvent(tenant_id=tenant_id, type=event_type, data=data)
    s.add(ev)
    s.flush()
    now = utcnow()
    for endpoint in endpoints:
        delivery = WebhookDelivery(
            tenant_id=tenant_id, event_id=ev.id, endpoint_id=endpoint.id, event_type=event_type
        )
        s.add(delivery)
        s.flush()
        _schedule(s, delivery, endpoint, now, attempt=1, jobs=jobs)
    return ev.id


def send_test(s: Session, *, endpoint: WebhookEndpoint, jobs: JobQueue | None) -> WebhookDelivery:
    """Send a `webhook.test` event to this endpoint only (the Admin page's "send test")."""
    if not endpoint.enabled:
        raise Problem(409, "endpoint-disabled", "This endpoint is disabled; enable it first.")
    event_id = _emit(
        s, endpoint.tenant_id, TEST_EVENT, {"message": "Hello from FlowAI"}, jobs=jobs, only=endpoint
    )
    return s.execute(select(WebhookDelivery).where(WebhookDelivery.event_id == event_id)).scalar_one()


def replay(
    s: Session, *, delivery: WebhookDelivery, jobs: JobQueue | None, owner_id: str | None = None
) -> WebhookDelivery:
    """Send the same event (same `webhook-id`) to the same endpoint again, as a new delivery."""
    endpoint = get_endpoint(s, endpoint_id=delivery.endpoint_id)
    if not endpoint.enabled:
        raise Problem(409, "endpoint-disabled", "This endpoint is disabled; enable it, then replay.")
    again = WebhookDelivery(
        tenant_id=delivery.tenant_id,
        event_id=delivery.event_id,
        endpoint_id=delivery.endpoint_id,
        event_type=delivery.event_type,
        replay_of=delivery.id,
    )
    s.add(again)
    s.flush()
    _schedule(s, again, endpoint, utcnow(), attempt=1, jobs=jobs, owner_id=owner_id)
    return again


def get_delivery(s: Session, *, delivery_id: str) -> WebhookDelivery:
    row = s.execute(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)).scalar_one_or_none()
    if row is None:
        raise not_found("Webhook delivery")
    return row


def attempts_of(s: Session, *, delivery_id: str) -> list[WebhookAttempt]:
    return list(
        s.execute(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.attempt, WebhookAttempt.id)
        ).scalars()
    )


# --- scheduling --------------------------------------------------------------------------------


def _pace(s: Session, endpoint_id: str, earliest: datetime) -> datetime:
    """Reserve the endpoint's next send slot at or after `earliest`, `PACE_S` after the last.

    One UPDATE … RETURNING, so concurrent emitters (PostgreSQL) cannot take the same slot.
    Slots spread a burst out when it is scheduled; `_send_slot_free` enforces the gap again at
    send time, for jobs that a busy worker ran late and so bunched up.
    """
    earliest_ms = int(earliest.timestamp() * 1000)
    step = _pace_ms()
    col = WebhookEndpoint.pace_next_ms
    reserved_end = s.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id)
        .values(pace_next_ms=case((col > earliest_ms, col), else_=earliest_ms) + step)
        .returning(col)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return datetime.fromtimestamp((int(reserved_end) - step) / 1000, UTC)


def _schedule(
    s: Session,
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint,
    run_at: datetime,
    *,
    attempt: int,
    jobs: JobQueue | None,
    owner_id: str | None = None,
    pace: bool = True,
) -> Job:
    """Queue the job for `attempt` at `run_at` (later for a busy Slack endpoint)."""
    if pace and endpoint.format == "slack":
        run_at = _pace(s, endpoint.id, run_at)
    job = Job(
        tenant_id=delivery.tenant_id,
        kind=JOB_KIND,
        payload={"delivery_id": delivery.id, "attempt": attempt},
        owner_id=owner_id,
        max_attempts=JOB_MAX_ATTEMPTS,
        run_after=run_at,
        dispatched_at=utcnow() if jobs else None,
    )
    s.add(job)
    s.flush()
    delivery.job_id, delivery.next_attempt_at = job.id, run_at
    if jobs is not None:
        dispatch_after_commit(s, jobs.dispatcher, job)
    return job


# --- one attempt -----------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one HTTP attempt produced; `status_code` is None when no response arrived."""

    status_code: int | None = None
    body: str | None = None
    error: str | None = None
    retry_after_s: float | None = None
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def render_body(endpoint: WebhookEndpoint, ev: WebhookEvent) -> str:
    """The request body: the Standard Webhooks envelope, or a Slack message."""
    if endpoint.format == "slack":
        return json.dumps(slack.message(ev.type, ev.data, event_id=ev.id), separators=(",", ":"))
    envelope = {
        "type": ev.type,
        "timestamp": ev.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "data": ev.data,
    }
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), capped at a day."""
    if not value:
        return None
    value = value.strip()
    seconds: float | None = None
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    return min(max(0.0, seconds), MAX_RETRY_AFTER_S)


def post(url: str, body: str, headers: dict[str, str], cfg: DeliveryConfig) -> Outcome:
    """POST once to the checked address, never following redirects, reading at most 64 KiB."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = ssrf.check_url(url, allow_private=cfg.allow_private)
    except ssrf.UnsafeUrl as exc:
        return Outcome(error=f"refused: {exc}", duration_ms=elapsed())
    pinned = httpx.URL(url).copy_with(host=str(target.address))
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    if ":" in target.host:  # an IPv6 literal
        host_header = f"[{target.host}]" + ("" if target.port == default_port else f":{target.port}")
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        with (
            httpx.Client(timeout=cfg.timeout_s, follow_redirects=False, trust_env=False) as client,
            client.stream(
                "POST",
                pinned,
                content=body.encode(),
                headers={**headers, "host": host_header},
                extensions=extensions,
            ) as response,
        ):
            raw = b""
            for chunk in response.iter_bytes():
                raw += chunk
                if len(raw) >= RESPONSE_READ_LIMIT or time.monotonic() - started > cfg.timeout_s:
                    break
            outcome = Outcome(
                status_code=response.status_code,
                body=raw.decode("utf-8", errors="replace")[:RESPONSE_EXCERPT],
                retry_after_s=parse_retry_after(response.headers.get("retry-after"), utcnow()),
                duration_ms=elapsed(),
            )
            if 300 <= response.status_code < 400:
                outcome.error = f"redirect to {response.headers.get('location', '?')} not followed"
            return outcome
    except httpx.TimeoutException:
        return Outcome(error=f"timed out after {cfg.timeout_s:g} s", duration_ms=elapsed())
    except httpx.HTTPError as exc:
        return Outcome(error=f"{type(exc).__name__}: {exc}"[:500], duration_ms=elapsed())


@dataclass(frozen=True)
class _Prepared:
    url: str
    body: str
    headers: dict[str, str]


def deliver(
    db: Database,
    *,
    tenant_id: str,
    delivery_id: str,
    attempt: int,
    cfg: DeliveryConfig,
    jobs: JobQueue | None,
    rerun: bool = False,
) -> str:
    """Make attempt number `attempt` of a delivery; record it; schedule the next or finish.

    Returns the delivery's status afterwards, "skipped" when this attempt is stale (already made,
    or the delivery finished) — a duplicate job never sends twice — or "deferred" when a Slack
    endpoint sent less than `PACE_S` ago (the attempt then runs again a little later).
    """
    prepared = _claim(db, tenant_id, delivery_id, attempt, rerun=rerun, jobs=jobs)
    if isinstance(prepared, str):
        return prepared
    outcome = post(prepared.url, prepared.body, prepared.headers, cfg)
    return _record(db, tenant_id, delivery_id, attempt, outcome, cfg, jobs)


def _pace_ms() -> int:
    return int(slack.PACE_S * 1000)


def _send_slot_free(s: Session, endpoint_id: str) -> bool:
    """Claim the right to send now if the endpoint's last send began `PACE_S` ago or more."""
    now_ms = int(time.time() * 1000)
    res = s.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.pace_sent_ms <= now_ms - _pace_ms())
        .values(pace_sent_ms=now_ms)
        .execution_options(synchronize_session=False)
    )
    return bool(res.rowcount == 1)  # type: ignore[attr-defined]


def _claim(
    db: Database, tenant_id: str, delivery_id: str, attempt: int, *, rerun: bool, jobs: JobQueue | None
) -> _Prepared | str:
    """Mark `attempt` as under way (a conditional UPDATE) and build the signed request."""
    with db.transaction(tenant_id=tenant_id) as s:
        expected = [attempt - 1, attempt] if rerun else [attempt - 1]
        if (
            rerun
            and s.execute(
                select(WebhookAttempt.id).where(
                    WebhookAttempt.delivery_id == delivery_id, WebhookAttempt.attempt == attempt
                )
            ).first()
        ):
            return "skipped"
        claimed = s.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.status == "pending",
                WebhookDelivery.attempts.in_(expected),
            )
            .values(attempts=attempt)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return "skipped"
        delivery = get_delivery(s, delivery_id=delivery_id)
        endpoint = s.get(WebhookEndpoint, delivery.endpoint_id)
        ev = s.get(WebhookEvent, delivery.event_id)
        if endpoint is None or ev is None:
            delivery.status, delivery.finished_at = "failed", utcnow()
            return "failed"
        if not endpoint.enabled:
            delivery.status, delivery.finished_at = "failed", utcnow()
            delivery.last_error = f"endpoint disabled: {endpoint.disabled_reason or 'by an admin'}"
            delivery.next_attempt_at = None
            return "failed"
        if endpoint.format == "slack" and not _send_slot_free(s, endpoint.id):
            delivery.attempts = attempt - 1  # not made yet: run this attempt a little later
            sent_ms = s.execute(select(WebhookEndpoint.pace_sent_ms).where(WebhookEndpoint.id == endpoint.id))
            later = datetime.fromtimestamp((int(sent_ms.scalar_one()) + _pace_ms()) / 1000, UTC)
            _schedule(s, delivery, endpoint, later, attempt=attempt, jobs=jobs, pace=False)
            return "deferred"
        now = utcnow()
        body = render_body(endpoint, ev)
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            **signing.sign(msg_id=ev.id, timestamp=now, body=body, secrets_=signing_secrets(endpoint, now)),
        }
        return _Prepared(endpoint.url, body, headers)


def _record(
    db: Database,
    tenant_id: str,
    delivery_id: str,
    attempt: int,
    outcome: Outcome,
    cfg: DeliveryConfig,
    jobs: JobQueue | None,
) -> str:
    """Log the attempt and move the delivery and its endpoint on (retry, done, or disable)."""
    now = utcnow()
    with db.transaction(tenant_id=tenant_id) as s:
        delivery = get_delivery(s, delivery_id=delivery_id)
        endpoint = get_endpoint(s, endpoint_id=delivery.endpoint_id)
        log_row = WebhookAttempt(
            delivery_id=delivery.id,
            attempt=attempt,
            status_code=outcome.status_code,
            response_body=outcome.body,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
        )
        s.add(log_row)
        delivery.last_status_code, delivery.last_error = outcome.status_code, outcome.error
        delivery.next_attempt_at, delivery.job_id = None, None
        if outcome.ok:
            delivery.status, delivery.finished_at = "succeeded", now
            endpoint.failing_since = None
            return "succeeded"
        if outcome.status_code is not None and outcome.error is None:
            delivery.last_error = f"receiver answered {outcome.status_code}"
        if outcome.status_code == 410:
            _disable(s, endpoint, "the receiver answered 410 Gone", now, jobs)
            delivery.status, delivery.finished_at = "failed", now
            return "failed"
        endpoint.failing_since = endpoint.failing_since or now
        if now - endpoint.failing_since >= DISABLE_AFTER:
            since = endpoint.failing_since.strftime("%Y-%m-%d %H:%M UTC")
            _disable(s, endpoint, f"every delivery failed since {since} (more than 5 days)", now, jobs)
            delivery.status, delivery.finished_at = "failed", now
            return "failed"
        if attempt >= len(cfg.schedule):
            delivery.status, delivery.finished_at = "failed", now
            return "failed"
        delay = max(cfg.schedule[attempt], outcome.retry_after_s or 0.0)
        job = _schedule(s, delivery, endpoint, now + timedelta(seconds=delay), attempt=attempt + 1, jobs=jobs)
        log_row.next_attempt_at = job.run_after
        return "pending"


def _disable(
    s: Session, endpoint: WebhookEndpoint, reason: str, now: datetime, jobs: JobQueue | None
) -> None:
    """Turn the endpoint off, leave a notice for the tenant's admins and mail it to them."""
    endpoint.enabled, endpoint.disabled_reason, endpoint.disabled_at = False, reason, now
    admins = sorted(
        s.execute(
            select(User.email).where(
                User.tenant_id == endpoint.tenant_id,
                User.role.in_(("admin", "owner")),
                User.is_active.is_(True),
            )
        ).scalars()
    )
    message = (
        f"Webhook endpoint {endpoint.url} was disabled: {reason}. "
        "Fix the receiver, then enable the endpoint and replay the failed deliveries."
    )
    s.add(
        WebhookNotice(
            tenant_id=endpoint.tenant_id,
            endpoint_id=endpoint.id,
            kind="endpoint.disabled",
            message=message,
            recipients=admins,
        )
    )
    if jobs is not None:
        mail.notify(jobs, s, to=admins, subject="FlowAI: a webhook endpoint was disabled", body=message)
    log.warning(
        "webhook endpoint disabled",
        extra={"tenant_id": endpoint.tenant_id, "endpoint_id": endpoint.id, "reason": reason},
    )
