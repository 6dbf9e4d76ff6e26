"""Viral-shares jobs: fractionalise a video, royalty runs, an indexer pass.

Also registers the app's start hook: a service that already uses a chain (an RPC URL is set, or
the dev chain left its state in the data dir) reconnects in a background thread at start-up, so
the indexer resumes without waiting for the first request and without slowing the start.
"""

from __future__ import annotations

import threading
from typing import Any

from flowai.core.context import START_HOOKS, AppContext
from flowai.core.jobs import JobContext, PermanentJobError, job_kind
from flowai.shares import offers, service


def _app(ctx: JobContext) -> AppContext:
    app: AppContext = ctx.services
    return app


@job_kind("shares.fractionalize", time_limit_s=600, max_attempts=3, backoff_base_s=1.0, scope="shares:write")
def fractionalize(ctx: JobContext) -> dict[str, Any]:
    """Mint, create the vault, lock and list (each step skipped when already done on chain)."""
    app = _app(ctx)
    share_video_id = str(ctx.payload["share_video_id"])
    offers.ensure_poster(app, ctx.tenant_id, share_video_id)  # an offer made from an export
    try:
        row = service.fractionalize(
            app, ctx.tenant_id, share_video_id, lambda pct, stage: ctx.progress(pct, stage)
        )
    except LookupError as exc:
        raise PermanentJobError(str(exc)) from exc
    except Exception as exc:
        if ctx.attempt >= ctx.kind.max_attempts:
            service.mark_failed(app, ctx.tenant_id, share_video_id, str(exc)[:2000])
        raise
    return {"status": row.status, "vault": row.vault, "token_id": str(row.token_id)}


@job_kind("shares.royalty_run", time_limit_s=1800, max_attempts=5, backoff_base_s=5.0, scope="shares:write")
def royalty_run(ctx: JobContext) -> dict[str, Any]:
    """Deposit what each of the tenant's vaults is owed (exactly once per revenue event)."""
    result = service.RoyaltyService(_app(ctx)).run(
        ctx.tenant_id, job_id=ctx.job_id, progress=lambda pct, stage: ctx.progress(pct, stage)
    )
    if result.failed and not result.deposits:
        raise RuntimeError(f"{len(result.failed)} deposits failed: {result.failed[0]['error']}")
    return {"reconciled": result.reconciled, "deposits": result.deposits, "failed": result.failed}


@job_kind("shares.index", time_limit_s=600, max_attempts=3, backoff_base_s=1.0, scope="shares:write")
def index(ctx: JobContext) -> dict[str, Any]:
    """One indexer pass over every vault."""
    return {"applied": service.index_now(_app(ctx))}


def _resume(app: AppContext) -> None:
    """Reconnect at start-up when this service already used a chain; never start a new one."""
    settings = app.settings
    used = settings.chain_rpc_url or (settings.data_dir / "chain" / "state.json").is_file()
    if not used:
        return
    rt = service.runtime(app)

    def connect() -> None:
        try:
            rt.get()
        except Exception:  # reported again, with the reason, on first use
            service.log.exception("viral shares: could not reconnect to the chain at start-up")

    threading.Thread(target=connect, name="shares-resume", daemon=True).start()


if _resume not in START_HOOKS:
    START_HOOKS.append(_resume)
