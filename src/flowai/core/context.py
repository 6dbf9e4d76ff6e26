"""The running service's parts, built once from Settings and shared by the API, CLI and workers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter
from sqlalchemy import select

from flowai.core import sealing
from flowai.core.db import Database
from flowai.core.jobs import Executor, InProcessPool, JobQueue, Maintenance
from flowai.core.keycache import ApiKeyCache
from flowai.core.models import Tenant
from flowai.core.ratelimit import RequestLimiter
from flowai.core.registry import import_job_modules, import_models
from flowai.core.storage import LocalStorage, S3Storage, make_storage
from flowai.core.tenancy import TenantRouter
from flowai.settings import Settings

# Features register a starter here on import (viral shares: resume its chain and indexer, off the
# request path); whatever they start they undo through `AppContext.stop_hooks`.
START_HOOKS: list[Callable[[AppContext], None]] = []


@dataclass
class AppContext:
    settings: Settings
    db: Database
    storage: LocalStorage | S3Storage
    tenants: TenantRouter
    api_keys: ApiKeyCache
    jobs: JobQueue
    executor: Executor
    login_limiter: SlidingWindowCounterRateLimiter
    request_limiter: RequestLimiter
    pool: InProcessPool | None = None
    dispatcher: Any = None
    extras: dict[str, Any] = field(default_factory=dict)
    _users: int = 0
    stop_hooks: list[Callable[[], None]] = field(default_factory=list)

    @classmethod
    def build(cls, settings: Settings, *, run_jobs_in_process: bool = True) -> AppContext:
        """Wire the parts; with a broker URL jobs go to Dramatiq, else to in-process threads."""
        import_models()
        import_job_modules(settings.job_modules)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        sealing.configure(settings.resolved_secret_key)
        db = Database(settings.resolved_database_url, settings.database_admin_url)
        executor = Executor(db, settings.job_lease_seconds)
        pool: InProcessPool | None = None
        if settings.broker_url:
            from flowai.core.broker import DramatiqDispatcher

            dispatcher: Any = DramatiqDispatcher(settings.broker_url, executor, settings.broker_namespace)
            executor.on_retry = dispatcher.on_retry
        else:
            pool = InProcessPool(executor, settings.worker_threads, settings.job_poll_seconds)
            dispatcher = pool
        ctx = cls(
            settings=settings,
            db=db,
            storage=make_storage(settings),
            tenants=TenantRouter(db),
            api_keys=ApiKeyCache(db),
            request_limiter=RequestLimiter(settings),
            jobs=JobQueue(
                db, dispatcher, lambda tenant_id: settings.plan(plan_of(db, tenant_id)).concurrent_jobs
            ),
            executor=executor,
            login_limiter=SlidingWindowCounterRateLimiter(storage_from_string(settings.rate_limit_storage)),
            pool=pool if run_jobs_in_process else None,
            dispatcher=dispatcher,
        )
        executor.services = ctx
        return ctx

    @property
    def login_limits(self) -> tuple[Any, Any]:
        """(per account and IP, per account): tight for one source, loose for the account, so a
        stranger cannot lock a known email out for everyone with five bad passwords."""
        return (
            parse(f"{self.settings.login_attempts_per_15min}/15 minutes"),
            parse(f"{self.settings.login_account_attempts_per_15min}/15 minutes"),
        )

    def maintenance(self) -> Maintenance:
        return Maintenance(
            self.db, self.dispatcher, redispatch_after_s=max(30.0, self.settings.job_lease_seconds)
        )

    def start(self) -> None:
        """Start the workers; nested starts (several apps on one context) are counted."""
        self._users += 1
        if self._users != 1:
            return
        if self.pool:
            self.pool.start()
        for hook in START_HOOKS:
            hook(self)

    def stop(self) -> None:
        """Stop the workers and close connections when the last user stops."""
        self._users -= 1
        if self._users > 0:
            return
        if self.pool:
            self.pool.stop()
        if hasattr(self.dispatcher, "close"):
            self.dispatcher.close()
        while self.stop_hooks:
            self.stop_hooks.pop()()
        self.db.dispose()


def plan_of(db: Database, tenant_id: str) -> str:
    with db.session(system=True) as s:
        return s.execute(select(Tenant.plan).where(Tenant.id == tenant_id)).scalar_one_or_none() or "free"
