"""Platform job kinds: housekeeping that every deployment needs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from flowai.core.db import utcnow
from flowai.core.jobs import JobContext, job_kind
from flowai.core.models import WebSession


@job_kind("core.purge_expired_sessions", time_limit_s=120, max_attempts=3)
def purge_expired_sessions(ctx: JobContext) -> dict[str, Any]:
    """Delete the tenant's expired browser sessions (the table only ever grows otherwise)."""
    with ctx.db.transaction(tenant_id=ctx.tenant_id) as s:
        result = s.execute(delete(WebSession).where(WebSession.expires_at < utcnow()))
    return {"deleted": int(result.rowcount)}  # type: ignore[attr-defined]
