"""Background jobs. The `jobs` table is the source of truth; a broker only delivers job ids.

Two ways to deliver, one executor:
- embedded: `InProcessPool` threads inside `flowai serve` claim due rows from the table;
- scale-out: `DramatiqDispatcher` sends job ids through Redis to `flowai worker` processes.

Claiming is a conditional UPDATE (queued → running), so a duplicate delivery is harmless.
A running job holds a lease that its heartbeat extends; a job whose worker died (lease expired)
is re-queued by `Maintenance` and finishes elsewhere. Failures retry with capped exponential
backoff; cancellation and per-kind time limits are checked cooperatively at every progress step.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import event, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from flowai.core.db import Database, utcnow
from flowai.core.errors import Problem
from flowai.core.models import Job

log = logging.getLogger("flowai.jobs")
TERMINAL = frozenset({"succeeded", "failed", "cancelled"})


class JobCancelled(Exception):
    """Raised inside a job when cancellation was requested."""


class JobTimeLimit(Exception):
    """Raised inside a job that ran past its kind's time limit."""


class PermanentJobError(Exception):
    """A failure that retrying cannot fix (bad input): the job fails at once."""


@dataclass(frozen=True)
class JobKind:
    name: str
    fn: Callable[[JobContext], dict[str, Any] | None]
    time_limit_s: float = 600.0
    max_attempts: int = 3
    backoff_base_s: float = 2.0
    backoff_cap_s: float = 300.0
    expensive: bool = False  # counts against the plan's cap on concurrent expensive jobs
    scope: str | None = None  # what a caller must hold to cancel one (None: any write scope)

    def backoff(self, attempt: int) -> float:
        """Exponential with full jitter above half the step, capped."""
        step: float = min(self.backoff_cap_s, self.backoff_base_s * 2 ** max(0, attempt - 1))
        return step / 2 + random.random() * step / 2


KINDS: dict[str, JobKind] = {}


def job_kind(
    name: str,
    *,
    time_limit_s: float = 600.0,
    max_attempts: int = 3,
    backoff_base_s: float = 2.0,
    backoff_cap_s: float = 300.0,
    expensive: bool = False,
    scope: str | None = None,
) -> Callable[[Callable[[JobContext], dict[str, Any] | None]], Callable[[JobContext], dict[str, Any] | None]]:
    """Register a job function under `name` (feature packages call this in their tasks.py);
    `scope` is the write scope of the feature, which a caller needs to cancel the job."""

    def register(
        fn: Callable[[JobContext], dict[str, Any] | None],
    ) -> Callable[[JobContext], dict[str, Any] | None]:
        KINDS[name] = JobKind(
            name, fn, time_limit_s, max_attempts, backoff_base_s, backoff_cap_s, expensive, scope
        )
        return fn

    return register


@dataclass
class JobContext:
    """What a running job sees: its payload, and the way to report progress and notice cancel."""

    job_id: str
    tenant_id: str
    owner_id: str | None
    kind: JobKind
    payload: dict[str, Any]
    attempt: int
    db: Database
    services: Any = None  # the app's AppContext (storage, settings) for jobs that need it
    cancelled: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.monotonic)
    _last: tuple[int, str] = (-1, "")

    def check(self) -> None:
        if self.cancelled.is_set():
            raise JobCancelled()
        if time.monotonic() - self.started > self.kind.time_limit_s:
            raise JobTimeLimit(f"ran longer than {self.kind.time_limit_s:g} s")

    def progress(self, percent: float, stage: str | None = None) -> None:
        self.check()
        pct = max(0, min(100, int(percent)))
        stage = stage or self._last[1] or "running"
        if (pct, stage) == self._last:
            return
        self._last = (pct, stage)
        with self.db.transaction(system=True) as s:
            s.execute(update(Job).where(Job.id == self.job_id).values(progress=pct, stage=stage))


class Dispatcher(Protocol):
    def dispatch(self, job: Job, delay_s: float = 0.0) -> None: ...


class JobQueue:
    """Creates and controls jobs; hands due jobs to the dispatcher after the row is committed."""

    def __init__(
        self, db: Database, dispatcher: Dispatcher, concurrency_cap: Callable[[str], int] | None = None
    ) -> None:
        self.db = db
        self.dispatcher = dispatcher
        self.concurrency_cap = concurrency_cap

    def submit(
        self,
        *,
        tenant_id: str,
        kind: str,
        payload: dict[str, Any] | None = None,
        owner_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Job:
        if kind not in KINDS:
            raise KeyError(f"unknown job kind {kind!r}")
        spec = KINDS[kind]
        try:
            with self.db.transaction(tenant_id=tenant_id) as s:
                if spec.expensive and self.concurrency_cap:
                    self._check_capacity(s, tenant_id, self.concurrency_cap(tenant_id))
                job = Job(
                    kind=kind,
                    payload=payload or {},
                    owner_id=owner_id,
                    max_attempts=spec.max_attempts,
                    idempotency_key=idempotency_key,
                    dispatched_at=utcnow(),
                )
                s.add(job)
        except IntegrityError:
            with self.db.session(tenant_id=tenant_id) as s:
                found = replayed(s, owner_id, idempotency_key)
                assert found is not None
                return found
        self.dispatcher.dispatch(job)
        return job

    def enqueue_in(
        self,
        s: Session,
        *,
        kind: str,
        payload: dict[str, Any] | None = None,
        owner_id: str | None = None,
        idempotency_key: str | None = None,
        run_after: datetime | None = None,
        stage: str = "queued",
        dispatch: bool = True,
    ) -> Job:
        """Write a job into the caller's transaction (so it exists only if the caller's rows do),
        applying the plan's cap on expensive kinds; it is dispatched once that transaction commits."""
        spec = KINDS[kind]
        tenant_id = s.info.get("tenant_id")
        if spec.expensive and self.concurrency_cap and tenant_id:
            self._check_capacity(s, tenant_id, self.concurrency_cap(tenant_id))
        now = utcnow()
        job = Job(
            kind=kind,
            payload=payload or {},
            owner_id=owner_id,
            max_attempts=spec.max_attempts,
            idempotency_key=idempotency_key,
            run_after=run_after or now,
            dispatched_at=now,
            stage=stage,
        )
        s.add(job)
        s.flush()
        if dispatch:
            dispatch_after_commit(s, self.dispatcher, job)
        return job

    @staticmethod
    def _check_capacity(s: Session, tenant_id: str, cap: int) -> None:
        """Refuse a new expensive job while the tenant's plan allows no more at once."""
        if s.get_bind().dialect.name == "postgresql":  # serialise concurrent submits of one tenant
            s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:t))"), {"t": tenant_id})
        expensive = [k.name for k in KINDS.values() if k.expensive]
        active = s.execute(
            select(func.count())
            .select_from(Job)
            .where(Job.kind.in_(expensive), Job.status.in_(("queued", "running")))
        ).scalar_one()
        if active >= cap:
            raise Problem(
                429,
                "too-many-concurrent-jobs",
                f"Your plan runs {cap} renders/clones at a time and {active} are in progress; "
                "wait for one to finish or cancel one.",
                headers={"Retry-After": "30"},
            )

    def cancel(self, *, tenant_id: str, job_id: str) -> Job | None:
        """Queued jobs stop at once; running ones at their next progress step."""
        with self.db.transaction(tenant_id=tenant_id) as s:
            job = s.get(Job, job_id)
            if job is not None:
                self.cancel_in(s, job)
            return job

    @staticmethod
    def cancel_in(s: Session, job: Job) -> None:
        """`cancel` in the caller's transaction."""
        if job.status in TERMINAL:
            return
        job.cancel_requested = True
        if job.status == "queued":
            job.status, job.stage, job.finished_at = "cancelled", "cancelled", utcnow()


_PENDING = "flowai.jobs.pending_dispatch"


def replayed(s: Session, owner_id: str | None, idempotency_key: str | None) -> Job | None:
    """The job an earlier request of this owner started with this Idempotency-Key, if any."""
    if not idempotency_key:
        return None
    return s.execute(
        select(Job).where(Job.owner_id == owner_id, Job.idempotency_key == idempotency_key)
    ).scalar_one_or_none()


def dispatch_after_commit(s: Session, dispatcher: Dispatcher, job: Job) -> None:
    """Hand `job` to the dispatcher once the session's transaction commits (never before; never
    after a rollback). A failed hand-off is harmless: the maintenance sweep re-sends due jobs."""
    pending: list[tuple[Dispatcher, Job]] | None = s.info.get(_PENDING)
    if pending is None:
        pending = s.info[_PENDING] = []

        @event.listens_for(s, "after_commit")
        def _send(session: Session) -> None:
            items, session.info[_PENDING] = list(session.info.get(_PENDING) or []), []
            for target, queued in items:
                delay = max(0.0, (queued.run_after - utcnow()).total_seconds())
                try:
                    target.dispatch(queued, delay)
                except Exception:
                    log.exception("job dispatch failed", extra={"job_id": queued.id})

        @event.listens_for(s, "after_rollback")
        def _drop(session: Session) -> None:
            session.info[_PENDING] = []

    pending.append((dispatcher, job))


class Executor:
    """Runs one job id to its next state: succeeded, failed, cancelled, or queued for a retry."""

    def __init__(self, db: Database, lease_seconds: float, services: Any = None) -> None:
        self.db = db
        self.lease = lease_seconds
        self.services = services
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}"
        self.on_retry: Callable[[Job, float], None] | None = None

    def claim(self, job_id: str) -> Job | None:
        now = utcnow()
        with self.db.transaction(system=True) as s:
            res = s.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "queued", Job.run_after <= now)
                .where(Job.kind.in_(list(KINDS)))
                .values(
                    status="running",
                    stage="starting",
                    attempts=Job.attempts + 1,
                    worker_id=self.worker_id,
                    lease_expires_at=now + timedelta(seconds=self.lease),
                    started_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            if res.rowcount != 1:  # type: ignore[attr-defined]
                return None
            return s.get(Job, job_id)

    def run(self, job_id: str) -> str | None:
        job = self.claim(job_id)
        if job is None:
            return None
        spec = KINDS[job.kind]
        ctx = JobContext(
            job_id=job.id,
            tenant_id=job.tenant_id,
            owner_id=job.owner_id,
            kind=spec,
            payload=dict(job.payload),
            attempt=job.attempts,
            db=self.db,
            services=self.services,
        )
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(ctx, stop), daemon=True)
        beat.start()
        log.info("job started", extra={"job_id": job.id, "kind": job.kind, "attempt": job.attempts})
        try:
            result = spec.fn(ctx) or {}
            return self._finish(job, "succeeded", result=result)
        except JobCancelled:
            return self._finish(job, "cancelled")
        except (JobTimeLimit, PermanentJobError) as exc:
            return self._finish(job, "failed", error=str(exc) or type(exc).__name__)
        except Exception as exc:  # a job's own failure: retried while attempts remain
            log.exception("job failed", extra={"job_id": job.id, "kind": job.kind})
            error = f"{type(exc).__name__}: {exc}"
            if job.attempts < job.max_attempts:
                return self._retry(job, spec, error)
            return self._finish(job, "failed", error=error)
        finally:
            stop.set()
            beat.join()

    def _heartbeat(self, ctx: JobContext, stop: threading.Event) -> None:
        interval = min(1.0, self.lease / 3)
        while not stop.wait(interval):
            with self.db.transaction(system=True) as s:
                s.execute(
                    update(Job)
                    .where(Job.id == ctx.job_id, Job.status == "running")
                    .values(lease_expires_at=utcnow() + timedelta(seconds=self.lease))
                )
                flag = s.execute(select(Job.cancel_requested).where(Job.id == ctx.job_id)).scalar()
            if flag:
                ctx.cancelled.set()

    def _finish(
        self,
        job: Job,
        status: str,
        *,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> str:
        values: dict[str, Any] = {
            "status": status,
            "stage": status,
            "finished_at": utcnow(),
            "lease_expires_at": None,
            "error": error,
        }
        if status == "succeeded":
            values.update(progress=100, result=result)
        with self.db.transaction(system=True) as s:
            s.execute(update(Job).where(Job.id == job.id).values(**values))
        log.info("job finished", extra={"job_id": job.id, "kind": job.kind, "status": status})
        return status

    def _retry(self, job: Job, spec: JobKind, error: str) -> str:
        delay = spec.backoff(job.attempts)
        with self.db.transaction(system=True) as s:
            s.execute(
                update(Job)
                .where(Job.id == job.id)
                .values(
                    status="queued",
                    stage=f"retrying (attempt {job.attempts + 1} of {job.max_attempts})",
                    error=error,
                    worker_id=None,
                    lease_expires_at=None,
                    run_after=utcnow() + timedelta(seconds=delay),
                    dispatched_at=utcnow(),
                )
            )
        if self.on_retry:
            self.on_retry(job, delay)
        return "queued"


class Maintenance:
    """Re-queues jobs whose worker died (expired lease) and re-sends lost broker messages."""

    def __init__(self, db: Database, dispatcher: Dispatcher, redispatch_after_s: float) -> None:
        self.db = db
        self.dispatcher = dispatcher
        self.redispatch_after = timedelta(seconds=redispatch_after_s)

    def tick(self) -> int:
        now = utcnow()
        moved = 0
        with self.db.transaction(system=True) as s:
            dead = (
                s.execute(
                    select(Job)
                    .where(Job.status == "running", Job.lease_expires_at < now)
                    .with_for_update(skip_locked=True)
                )
                .scalars()
                .all()
            )
            for job in dead:
                moved += 1
                note = f"worker {job.worker_id} stopped responding"
                job.worker_id, job.lease_expires_at = None, None
                if job.cancel_requested:
                    job.status, job.stage, job.finished_at = "cancelled", "cancelled", now
                elif job.attempts < job.max_attempts:
                    spec = KINDS.get(job.kind)
                    delay = spec.backoff(job.attempts) if spec else 1.0
                    job.status, job.stage, job.error = "queued", "requeued after worker loss", note
                    job.run_after = now + timedelta(seconds=delay)
                    job.dispatched_at = None
                else:
                    job.status, job.stage, job.error, job.finished_at = (
                        "failed",
                        "failed",
                        note,
                        now,
                    )
            lost = (
                s.execute(
                    select(Job).where(
                        Job.status == "queued",
                        Job.run_after <= now,
                        (Job.dispatched_at.is_(None)) | (Job.dispatched_at < now - self.redispatch_after),
                    )
                )
                .scalars()
                .all()
            )
            for job in lost:
                job.dispatched_at = now
        for job in lost:
            self.dispatcher.dispatch(job)
        return moved


class InProcessPool:
    """Worker threads inside `flowai serve`: the embedded default, no broker needed."""

    def __init__(self, executor: Executor, threads: int, poll_seconds: float) -> None:
        self.executor = executor
        self.threads = threads
        self.poll = poll_seconds
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self.maintenance = Maintenance(executor.db, self, redispatch_after_s=poll_seconds)

    def dispatch(self, job: Job, delay_s: float = 0.0) -> None:
        self.wake.set()

    def start(self) -> None:
        for i in range(self.threads):
            t = threading.Thread(target=self._loop, name=f"flowai-job-{i}", daemon=True)
            t.start()
            self._workers.append(t)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.wake.set()
        for t in self._workers:
            t.join(timeout)

    def _next_due(self) -> list[str]:
        with self.executor.db.session(system=True) as s:
            return list(
                s.execute(
                    select(Job.id)
                    .where(Job.status == "queued", Job.run_after <= utcnow(), Job.kind.in_(list(KINDS)))
                    .order_by(Job.run_after, Job.id)
                    .limit(self.threads * 2)
                ).scalars()
            )

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.maintenance.tick()
                ran = any(self.executor.run(job_id) for job_id in self._next_due())
            except Exception:
                log.exception("job loop error")
                ran = False
            if not ran:
                self.wake.wait(self.poll)
                self.wake.clear()
