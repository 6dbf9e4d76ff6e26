"""Enterprise background jobs."""

from __future__ import annotations

from typing import Any

from flowai.core.jobs import JobContext, PermanentJobError, job_kind
from flowai.enterprise import offboarding

ARCHIVE_URL_TTL_S = 7 * 86400


@job_kind("enterprise.delete_tenant", time_limit_s=3600, max_attempts=3, scope="platform")
def delete_tenant(ctx: JobContext) -> dict[str, Any]:
    """Export then purge a tenant; runs under the platform tenant so its record outlives the purge."""
    services = ctx.services
    if services is None:
        raise PermanentJobError("needs the app context (storage)")
    ctx.progress(5, "exporting")
    result = offboarding.offboard(ctx.db, services.storage, ctx.payload["tenant_id"], ctx.payload["slug"])
    result["archive_url"] = services.storage.download_url(result["archive_key"], ttl=ARCHIVE_URL_TTL_S)
    return result
