"""The delivery job: one HTTP attempt per job; the next attempt is a new job at its due time."""

from __future__ import annotations

from typing import Any

from flowai.core.jobs import JobContext, job_kind
from flowai.enterprise.webhooks import service
from flowai.settings import get_settings


@job_kind(
    service.JOB_KIND,
    time_limit_s=60,
    max_attempts=service.JOB_MAX_ATTEMPTS,
    backoff_base_s=1.0,
    backoff_cap_s=10.0,
    scope="webhooks:manage",
)
def deliver(ctx: JobContext) -> dict[str, Any]:
    """Attempt `payload.attempt` of `payload.delivery_id` (a re-run after a lost worker may send)."""
    ctx.check()
    services = ctx.services
    settings = services.settings if services is not None else get_settings()
    status = service.deliver(
        ctx.db,
        tenant_id=ctx.tenant_id,
        delivery_id=str(ctx.payload["delivery_id"]),
        attempt=int(ctx.payload["attempt"]),
        cfg=service.DeliveryConfig.from_settings(settings),
        jobs=services.jobs if services is not None else None,
        rerun=ctx.attempt > 1,
    )
    return {"delivery_id": ctx.payload["delivery_id"], "status": status}
