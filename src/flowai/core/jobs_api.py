"""Job status, cancellation and a Server-Sent Events stream of progress."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, load_only
from starlette.concurrency import run_in_threadpool

from flowai.core.auth import SCOPES, Principal
from flowai.core.deps import DB, Ctx, Reader, Tenant, require
from flowai.core.errors import not_found
from flowai.core.jobs import KINDS, TERMINAL
from flowai.core.models import Job
from flowai.core.pagination import page
from flowai.core.schemas import JobOut, Page

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
# cancelling needs a write scope, and then the one its kind declares (`job_kind(scope=...)`)
Canceller = Annotated[Principal, require(*(s for s in SCOPES if s != "read"))]
# built once (the hot read of the API): values are bound per request; only the columns a
# response shows (not each job's payload)
YOUR_JOBS = (
    select(Job)
    .options(load_only(*(getattr(Job, name) for name in JobOut.model_fields)))
    .where(Job.owner_id == bindparam("owner"))
)
YOUR_JOBS_BY_STATUS = YOUR_JOBS.where(Job.status == bindparam("status"))
POLL_SECONDS = 0.5
KEEPALIVE_POLLS = 30


def job_out(job: Job) -> JobOut:
    return JobOut.model_validate(job, from_attributes=True)


def _own_job(s: Session, principal: Principal, job_id: str) -> Job:
    job = s.get(Job, job_id)
    if job is None or (job.owner_id != principal.user_id and principal.role == "member"):
        raise not_found("Job")
    return job


@router.get("", response_model=Page[JobOut])
def list_jobs(
    principal: Reader,
    s: DB,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: str | None = None,
    status: str | None = None,
) -> Page[JobOut]:
    params = {"owner": principal.user_id, **({"status": status} if status else {})}
    stmt = YOUR_JOBS_BY_STATUS if status else YOUR_JOBS
    rows, nxt = page(s, stmt, Job.id, limit=limit, cursor=cursor, params=params)
    return Page(items=[job_out(j) for j in rows], next_cursor=nxt)


@router.get("/{job_id}", response_model=JobOut)
def get_job(job_id: str, principal: Reader, s: DB) -> JobOut:
    return job_out(_own_job(s, principal, job_id))


@router.post("/{job_id}/cancel", response_model=JobOut, status_code=202)
def cancel_job(job_id: str, principal: Canceller, s: DB, ctx: Ctx) -> JobOut:
    """Queued jobs are cancelled at once; running jobs stop at their next progress step. Needs the
    write scope of the job's feature (`exports:write` for an export, `voice:write` for a clone...)."""
    job = _own_job(s, principal, job_id)
    kind = KINDS.get(job.kind)
    if kind is not None and kind.scope is not None:
        principal.require(kind.scope)
    ctx.jobs.cancel_in(s, job)  # in the request's transaction: a second one would wait on its lock
    return job_out(job)


@router.get("/{job_id}/events")
async def job_events(
    job_id: str, request: Request, principal: Reader, ctx: Ctx, tenant: Tenant
) -> StreamingResponse:
    """`text/event-stream` of `progress` events until the job ends (then one `done` event)."""
    await run_in_threadpool(_check_own_job, ctx, tenant.id, principal, job_id)

    async def stream() -> AsyncIterator[str]:
        last, quiet = None, 0
        while not await request.is_disconnected():
            snapshot = await asyncio.to_thread(_snapshot, ctx, tenant.id, job_id)
            if snapshot != last:
                last, quiet = snapshot, 0
                done = snapshot["status"] in TERMINAL
                yield f"event: {'done' if done else 'progress'}\ndata: {json.dumps(snapshot)}\n\n"
                if done:
                    return
            else:
                quiet += 1
                if quiet % KEEPALIVE_POLLS == 0:  # keeps proxies from closing an idle stream
                    yield ": keep-alive\n\n"
            await asyncio.sleep(POLL_SECONDS)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})


def _check_own_job(ctx: Ctx, tenant_id: str, principal: Principal, job_id: str) -> None:
    with ctx.db.session(tenant_id=tenant_id, read_only=True) as s:
        _own_job(s, principal, job_id)


def _snapshot(ctx: Ctx, tenant_id: str, job_id: str) -> dict[str, object]:
    """One poll of the stream: a read-only session (one round trip on PostgreSQL)."""
    with ctx.db.session(tenant_id=tenant_id, read_only=True) as s:
        job = s.get(Job, job_id)
        assert job is not None
        return job_out(job).model_dump(
            mode="json", include={"id", "status", "progress", "stage", "error", "result"}
        )
