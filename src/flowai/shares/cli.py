"""`flowai shares …` and `flowai royalties run`: the dev chain, fractionalising and royalty runs
from the command line, against the same database and chain as `flowai serve`.

With the embedded dev chain, the commands attach to the chain a running `flowai serve` (or
`flowai shares chain`) announced in the data dir, so two anvils never share one state file.
"""

from __future__ import annotations

import json
import signal
import threading
import uuid
from typing import Annotated, Any

import typer
from sqlalchemy import select

shares_app = typer.Typer(
    help="Viral shares: the dev chain, fractionalising videos, royalty runs.", no_args_is_help=True
)
royalties_app = typer.Typer(
    help="Royalty runs (the same as `flowai shares royalty-run`).", no_args_is_help=True
)


def _context() -> Any:
    from flowai.cli import _settings
    from flowai.core.context import AppContext

    settings = _settings().model_copy(
        update={"chain_index_interval_seconds": 0.0, "chain_royalty_interval_seconds": 0.0}
    )
    return AppContext.build(settings, run_jobs_in_process=False)


def _tenant(ctx: Any, slug: str) -> str:
    from flowai.cli import _tenant_id

    return _tenant_id(ctx.db, slug)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


@shares_app.command("chain")
def chain_cmd(
    wait: Annotated[bool, typer.Option(help="Keep a chain this command started running until Ctrl-C")] = True,
) -> None:
    """Start the dev chain (anvil, chain id 545) with the contracts deployed, and print its RPC URL
    and funded dev accounts. `flowai serve` on the same data dir uses this chain."""
    from flowai.core.errors import Problem
    from flowai.shares import service

    ctx = _context()
    rt = service.runtime(ctx)
    rt.may_start = True
    try:
        ch = rt.get()
    except Problem as exc:
        raise _fail(exc.detail) from exc
    info = rt.attached_dev_chain() if not ctx.settings.chain_rpc_url else None
    accounts = (info or {}).get("accounts", [])
    typer.echo(f"RPC URL   {ch.public_rpc_url or ctx.settings.chain_rpc_url}")
    typer.echo(f"chain id  {ch.client.chain_id}")
    typer.echo(f"VideoNFT  {ch.platform.nft}\nFactory   {ch.platform.factory}\nDeployer  {ch.signer.address}")
    if accounts:
        typer.echo("Dev accounts (10,000 ETH each; well-known keys, never use them on a real chain):")
        for n, account in enumerate(accounts):
            typer.echo(f"  ({n}) {account['address']}  {account['private_key']}")
    if ch.dev is None or not wait:
        ctx.stop()
        return
    typer.echo("Chain running; Ctrl-C stops it (its state is kept in the data dir).", err=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(1.0) and ch.dev.running:
            pass
    except KeyboardInterrupt:
        pass
    finally:
        ctx.stop()


@shares_app.command("fractionalize")
def fractionalize_cmd(
    video_id: Annotated[str, typer.Argument(help="The platform's opaque video id")],
    creator: Annotated[str, typer.Option(help="Creator's wallet address (0x…)")],
    price_wei: Annotated[int, typer.Option(help="Price of one whole share in wei", min=1)],
    shares: Annotated[
        int, typer.Option("--shares", "--for-sale", help="Whole shares to list", min=1, max=1_000_000)
    ],
    revenue_share_bps: Annotated[
        int, typer.Option(help="Revenue paid to holders (basis points)", min=0, max=10_000)
    ] = 5000,
    tenant: Annotated[str, typer.Option(help="Tenant slug")] = "flowai",
) -> None:
    """Mint the video's NFT to the creator, lock it in its vault and list shares (waits)."""
    from flowai.core.errors import Problem
    from flowai.shares import service
    from flowai.shares.models import ShareVideo

    ctx = _context()
    tenant_id = _tenant(ctx, tenant)
    try:
        with ctx.db.transaction(tenant_id=tenant_id) as s:
            row = s.execute(select(ShareVideo).where(ShareVideo.video_id == video_id)).scalar_one_or_none()
            if row is None:
                row = ShareVideo(
                    video_id=video_id,
                    chain_video_id=service.chain_video_id(tenant_id, video_id),
                    chain_id=ctx.settings.chain_id,
                    creator=service.checksum(creator, "--creator"),
                    shares_to_list=shares,
                    list_price_wei=price_wei,
                    revenue_share_bps=revenue_share_bps,
                    idempotency_key=f"cli-{uuid.uuid4().hex}",
                )
                s.add(row)
        out = service.fractionalize(
            ctx, tenant_id, row.id, lambda pct, stage: typer.echo(f"{pct:3d}% {stage}", err=True)
        )
        with ctx.db.session(tenant_id=tenant_id) as s:
            fresh = s.get(ShareVideo, out.id)
            assert fresh is not None
            calls = service.creator_calls(ctx, fresh)
    except Problem as exc:
        raise _fail(exc.detail) from exc
    finally:
        ctx.stop()
    typer.echo(json.dumps({
        "video_id": out.video_id, "status": out.status, "vault": out.vault, "token_id": str(out.token_id),
        "creator": out.creator, "shares_for_sale": fresh.shares_for_sale,
        "price_per_share_wei": str(fresh.price_per_share_wei), "creator_calls": calls,
    }))  # fmt: skip


@shares_app.command("royalty-run")
def royalty_run_cmd(
    tenant: Annotated[
        str | None, typer.Option(help="Tenant slug (default: every tenant with shares)")
    ] = None,
) -> None:
    """Deposit what holders are owed into each vault, reconciling unfinished deposits first."""
    from flowai.core.errors import Problem
    from flowai.shares import service
    from flowai.shares.models import ShareVideo

    ctx = _context()
    try:
        if tenant:
            tenants = [_tenant(ctx, tenant)]
        else:
            found: set[str] = set()
            for schema in ctx.db.placements():
                with ctx.db.session(system=True, schema=schema) as s:
                    found.update(s.execute(select(ShareVideo.tenant_id)).scalars())
            tenants = sorted(found)
        report = {}
        for tenant_id in tenants:
            result = service.RoyaltyService(ctx).run(tenant_id)
            report[tenant_id] = {
                "reconciled": result.reconciled,
                "deposits": result.deposits,
                "failed": result.failed,
            }
        service.index_now(ctx)
    except Problem as exc:
        raise _fail(exc.detail) from exc
    finally:
        ctx.stop()
    typer.echo(json.dumps(report))
    if any(r["failed"] for r in report.values()):
        raise typer.Exit(1)


royalties_app.command("run")(royalty_run_cmd)


def register(app: typer.Typer) -> None:
    """Mount `flowai shares` and `flowai royalties` on the main CLI."""
    app.add_typer(shares_app, name="shares")
    app.add_typer(royalties_app, name="royalties")
