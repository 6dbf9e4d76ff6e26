"""Platform job kinds: housekeeping that every deployment needs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from flowai.core import mail
from flowai.core.db import utcnow
from flowai.core.jobs import JobContext, job_kind
from flowai.core.models import WebSession


@job_kind("core.purge_expired_sessions", time_limit_s=120, max_attempts=3)
def purge_expired_sessions(ctx: JobContext) -> dict[str, Any]:
    """Delete the tenant's expired browser sessions (the table only ever grows otherwise)."""
    with ctx.db.transaction(tenant_id=ctx.tenant_id) as s:
        result = s.execute(delete(WebSession).where(WebSession.expires_at < utcnow()))
    return {"deleted": int(result.rowcount)}  # type: ignore[attr-defined]


@job_kind("core.send_email", time_limit_s=120, max_attempts=8)
def send_email(ctx: JobContext) -> dict[str, Any]:
    """Mail a notice (see flowai.core.mail.notify); SMTP errors are retried with backoff."""
    settings = ctx.services.settings
    smtp_url = settings.smtp_url.get_secret_value() if settings.smtp_url else None
    p = ctx.payload
    sent = mail.send(smtp_url, settings.mail_from, list(p["to"]), str(p["subject"]), str(p["body"]))
    return {"sent": sent, "recipients": len(p["to"])}
