"""Voice background jobs: cloning (expensive: counts against the plan's concurrent-job cap) and
long narrations. The work itself is in service.py; a job only adapts progress and retries."""

from __future__ import annotations

from typing import Any

from flowai.core.context import AppContext
from flowai.core.jobs import JobContext, job_kind
from flowai.voice import service


def _app(ctx: JobContext) -> AppContext:
    app: AppContext = ctx.services
    return app


@job_kind(service.CLONE_JOB, time_limit_s=1800, max_attempts=2, expensive=True, scope="voice:write")
def clone_voice(ctx: JobContext) -> dict[str, Any]:
    """Build the voice with its engine, judge it on fixed sentences, and make it ready or failed."""
    return service.run_clone(
        _app(ctx),
        tenant_id=ctx.tenant_id,
        clone_id=ctx.payload["clone_id"],
        progress=ctx.progress,
        final_attempt=ctx.attempt >= ctx.kind.max_attempts,
    )


@job_kind(service.TTS_JOB, time_limit_s=3600, max_attempts=2, scope="voice:write")
def narrate(ctx: JobContext) -> dict[str, Any]:
    """Speak a long text (WER-checked, regenerated once when it misses the threshold) into a file."""
    return service.run_narration(
        _app(ctx),
        tenant_id=ctx.tenant_id,
        narration_id=ctx.payload["narration_id"],
        progress=ctx.progress,
        final_attempt=ctx.attempt >= ctx.kind.max_attempts,
    )
