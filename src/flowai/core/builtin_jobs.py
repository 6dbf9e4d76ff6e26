"""Platform job kinds: housekeeping that every deployment needs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from flowai.core import auth, mail, sealing
from flowai.core.db import utcnow
from flowai.core.jobs import JobContext, job_kind
from flowai.core.models import WebSession


@job_kind("core.purge_expired_sessions", time_limit_s=120, max_attempts=3, scope="admin")
def purge_expired_sessions(ctx: JobContext) -> dict[str, Any]:
    """Delete the tenant's expired browser sessions (the table only ever grows otherwise)."""
    with ctx.db.transaction(tenant_id=ctx.tenant_id) as s:
        result = s.execute(delete(WebSession).where(WebSession.expires_at < utcnow()))
    return {"deleted": int(result.rowcount)}  # type: ignore[attr-defined]


@job_kind("core.send_email", time_limit_s=120, max_attempts=8, scope="admin")
def send_email(ctx: JobContext) -> dict[str, Any]:
    """Mail a notice (see flowai.core.mail.notify); SMTP errors are retried with backoff."""
    settings = ctx.services.settings
    smtp_url = settings.smtp_url.get_secret_value() if settings.smtp_url else None
    p = ctx.payload
    body = sealing.unseal(str(p["body_sealed"])) if "body_sealed" in p else str(p["body"])
    sent = mail.send(smtp_url, settings.mail_from, list(p["to"]), str(p["subject"]), body)
    return {"sent": sent, "recipients": len(p["to"])}


@job_kind("core.send_password_reset", time_limit_s=120, max_attempts=5, scope="admin")
def send_password_reset(ctx: JobContext) -> dict[str, Any]:
    """Mail a forgot-password link, when the address has an account. The lookup and the token
    are made here, not in the request, so the request answers alike for every address and no
    token sits in a job payload. A retry (SMTP down) mails a fresh link; older ones stop working."""
    settings = ctx.services.settings
    p = ctx.payload
    with ctx.db.transaction(tenant_id=ctx.tenant_id) as s:
        found = auth.request_password_reset(s, email=str(p["email"]))
    if found is None:
        return {"sent": False}
    user, token = found
    minutes = int(auth.RESET_TTL.total_seconds() // 60)
    body = (
        f"Someone asked to reset the password of {user.email} on {p['workspace']}.\n\n"
        f"Choose a new password here (the link works once, for {minutes} minutes):\n"
        f"{p['base_url']}/reset-password?token={token}\n\n"
        "If it was not you, ignore this email: your password stays as it is.\n"
    )
    smtp_url = settings.smtp_url.get_secret_value() if settings.smtp_url else None
    sent = mail.send(
        smtp_url, settings.mail_from, [user.email], f"Reset your {p['workspace']} password", body
    )
    return {"sent": sent}
