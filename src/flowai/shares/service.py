"""Viral shares: the chain the service uses, fractionalising videos, the revenue ledger and the
RoyaltyService that deposits what holders are owed into each vault exactly once.

The chain is reached lazily: nothing connects (and no dev chain starts) until shares are used,
so `flowai serve` starts fast and tests that never touch shares never start anvil.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from flowai.core.auth import Principal
from flowai.core.context import AppContext
from flowai.core.db import Database, utcnow
from flowai.core.errors import Problem, field_error, not_found
from flowai.settings import Settings
from flowai.shares.models import ShareDeposit, ShareHolding, SharePlatform, ShareRevenue, ShareVideo

if TYPE_CHECKING:  # web3 and eth-account take seconds to import: only code that talks to the chain does
    from eth_account.signers.local import LocalAccount
    from hexbytes import HexBytes
    from web3.types import TxReceipt

    from flowai.shares import deploy, devchain
    from flowai.shares.chain import ChainClient

log = logging.getLogger("flowai.shares")

BPS = 10_000
MAGNITUDE = 2**128
TOTAL_SHARES = 1_000_000  # = deploy.TOTAL_SHARES (the vault's constant)
SHARE_UNIT = 10**18
NFT_ROYALTY_BPS = 500  # EIP-2981 royalty to the creator on secondary NFT sales
_RUNTIME_KEY = "shares.runtime"
_RUNTIME_GUARD = threading.Lock()


class ConcurrentRun(RuntimeError):
    """Another royalty run claimed the same revenue first; this run leaves it to that one."""


class ChainUnavailable(Problem):
    """The chain is not configured or does not answer: nothing was sent."""

    def __init__(self, detail: str) -> None:
        super().__init__(503, "chain-unavailable", detail, headers={"Retry-After": "10"})


# --- the chain ----------------------------------------------------------------------------------


@dataclass
class Chain:
    """A connected client, the platform's signer and the deployed contracts."""

    client: ChainClient
    signer: LocalAccount
    platform: deploy.Platform
    public_rpc_url: str | None
    dev: devchain.DevChain | None = None


@dataclass
class ChainRuntime:
    """Connects to the configured chain, or starts the dev chain, on first use; deploys once.

    The deployment's addresses are kept in `share_platforms`; the dev chain keeps its state in
    `<data_dir>/chain/state.json`, so a restarted `flowai serve` finds its vaults again (when
    the contracts are gone, e.g. the state file was deleted, they are deployed anew).
    """

    settings: Settings
    db: Database
    _chain: Chain | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _loops: dict[str, threading.Thread] = field(default_factory=dict)
    on_ready: list[Callable[[Chain], None]] = field(default_factory=list)
    may_start: bool = False  # start a dev chain even with a broker (`flowai shares chain`)

    @property
    def started(self) -> bool:
        return self._chain is not None

    def get(self) -> Chain:
        """The chain, connecting (and deploying) on the first call."""
        with self._lock:
            if self._chain is None:
                self._chain = self._connect()
                for hook in self.on_ready:
                    hook(self._chain)
            return self._chain

    def _connect(self) -> Chain:
        from flowai.shares.chain import ChainClient, account_from_key

        settings = self.settings
        dev: devchain.DevChain | None = None
        if settings.chain_rpc_url:
            if settings.chain_deployer_key is None:
                raise ChainUnavailable(
                    "FLOWAI_CHAIN_RPC_URL is set but FLOWAI_CHAIN_DEPLOYER_KEY is not: the platform "
                    "needs a key to deploy, mint and deposit royalties."
                )
            rpc_url, key = settings.chain_rpc_url, settings.chain_deployer_key.get_secret_value()
        elif settings.chain_autostart:
            rpc_url, key, dev = self._dev_chain()
        else:
            raise ChainUnavailable(
                "No chain is configured: set FLOWAI_CHAIN_RPC_URL and FLOWAI_CHAIN_DEPLOYER_KEY, "
                "or FLOWAI_CHAIN_AUTOSTART=true for the local dev chain."
            )
        try:
            client = ChainClient(rpc_url, expected_chain_id=settings.chain_id)
            signer = account_from_key(key)
            platform = self._platform(client, signer)
        except Exception as exc:
            if dev is not None:
                self.endpoint_file.unlink(missing_ok=True)
                dev.stop()
            if isinstance(exc, Problem):
                raise
            raise ChainUnavailable(f"cannot use the chain at {rpc_url}: {exc}") from exc
        public = settings.chain_public_rpc_url or (None if settings.chain_rpc_url else rpc_url)
        return Chain(client, signer, platform, public, dev)

    @property
    def endpoint_file(self) -> Path:
        """Where a running dev chain announces itself to other processes of this data dir."""
        return self.settings.data_dir / "chain" / "endpoint.json"

    def attached_dev_chain(self) -> dict[str, Any] | None:
        """The dev chain another process (`flowai serve`, `flowai shares chain`) runs for this
        data dir, if it answers; two anvils must never share one state file."""
        import requests

        from flowai.shares.chain import ChainClient, ChainError, RetryPolicy

        try:
            info: dict[str, Any] = json.loads(self.endpoint_file.read_text())
            ChainClient(info["rpc_url"], expected_chain_id=self.settings.chain_id, request_timeout=2.0,
                        retry=RetryPolicy(attempts=1))  # fmt: skip
        except (OSError, ValueError, KeyError, ChainError, requests.RequestException):
            return None
        return info

    def _dev_chain(self) -> tuple[str, str, devchain.DevChain | None]:
        """(rpc_url, deployer key, the process if we started it) of the data dir's dev chain."""
        from flowai.shares import devchain

        settings = self.settings
        own_key = settings.chain_deployer_key.get_secret_value() if settings.chain_deployer_key else None
        attached = self.attached_dev_chain()
        if attached is not None:
            return attached["rpc_url"], own_key or attached["accounts"][0]["private_key"], None
        if settings.broker_url and not self.may_start:
            raise ChainUnavailable(
                "With FLOWAI_BROKER_URL, API and worker processes must share one chain: set "
                "FLOWAI_CHAIN_RPC_URL, or run `flowai shares chain` on this data dir."
            )
        state = self.endpoint_file.parent
        state.mkdir(parents=True, exist_ok=True)
        try:
            dev = devchain.start(
                chain_id=settings.chain_id,
                extra_args=["--state", str(state / "state.json"), "--state-interval", "2"],
            )
        except devchain.DevChainError as exc:
            raise ChainUnavailable(f"the local dev chain did not start: {exc}") from exc
        accounts = [{"address": a.address, "private_key": a.private_key} for a in dev.accounts]
        self.endpoint_file.write_text(
            json.dumps({"rpc_url": dev.rpc_url, "pid": os.getpid(), "accounts": accounts})
        )
        log.info("dev chain started", extra={"rpc_url": dev.rpc_url, "chain_id": settings.chain_id})
        return dev.rpc_url, own_key or dev.accounts[0].private_key, dev

    def _platform(self, client: ChainClient, signer: LocalAccount) -> deploy.Platform:
        """The recorded deployment on this chain if its code is there, else a new one."""
        from flowai.shares import deploy

        with self.db.session(system=True) as s:
            rows = s.execute(
                select(SharePlatform)
                .where(SharePlatform.chain_id == client.chain_id)
                .order_by(SharePlatform.created_at.desc())
            ).scalars()
            for row in rows:
                if client.has_code(row.factory) and client.has_code(row.nft):
                    return deploy.Platform(chain_id=row.chain_id, nft=row.nft, factory=row.factory)
        platform = deploy.deploy_platform(
            client,
            signer,
            base_uri=f"{self.settings.public_url.rstrip('/')}/v1/nft/",
            depositor=signer.address,
            fee_recipient=self.settings.chain_fee_recipient or signer.address,
            fee_bps=self.settings.chain_platform_fee_bps,
        )
        with self.db.transaction(system=True) as s:
            # A chain that was reset (a dev chain's state wiped) gives a redeploy the same
            # addresses (same deployer, same nonces): that row is the stale record, take it over.
            stale = s.execute(
                select(SharePlatform).where(
                    SharePlatform.chain_id == platform.chain_id, SharePlatform.factory == platform.factory
                )
            ).scalar_one_or_none()
            record = stale or SharePlatform(chain_id=platform.chain_id, factory=platform.factory)
            s.add(record)
            record.nft, record.deployer, record.deployed_block = (
                platform.nft,
                signer.address,
                client.block_number(),
            )
            record.created_at = utcnow()
        log.info("contracts deployed", extra={"nft": platform.nft, "factory": platform.factory})
        return platform

    def run_loop(self, name: str, interval: float, tick: Callable[[], object]) -> None:
        """Call `tick` every `interval` seconds in a daemon thread until `close()` (one per name)."""

        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    tick()
                except Exception:
                    log.exception("%s failed; retrying in %.1f s", name, interval)

        with self._lock:
            if name not in self._loops:
                self._loops[name] = threading.Thread(target=loop, name=name, daemon=True)
                self._loops[name].start()

    def close(self) -> None:
        """Stop the loops and the dev chain (its state is dumped on exit)."""
        self._stop.set()
        for thread in list(self._loops.values()):
            thread.join(timeout=10)
        with self._lock:
            if self._chain is not None and self._chain.dev is not None:
                self.endpoint_file.unlink(missing_ok=True)
                self._chain.dev.stop()
            self._chain = None


def runtime(app: AppContext) -> ChainRuntime:
    """The app's one ChainRuntime (created on first use, closed with the app)."""
    with _RUNTIME_GUARD:
        rt = app.extras.get(_RUNTIME_KEY)
        if rt is None:
            rt = ChainRuntime(app.settings, app.db)
            app.extras[_RUNTIME_KEY] = rt
            app.stop_hooks.append(rt.close)
            from flowai.shares.indexer import Indexer

            indexer = Indexer(app)
            app.extras["shares.indexer"] = indexer
            if app.settings.chain_index_interval_seconds > 0:
                interval = app.settings.chain_index_interval_seconds
                rt.on_ready.append(lambda _chain: rt.run_loop("shares-indexer", interval, indexer.sync))
            if app.settings.chain_royalty_interval_seconds > 0:
                every = app.settings.chain_royalty_interval_seconds
                rt.on_ready.append(
                    lambda _chain: rt.run_loop("shares-royalties", every, lambda: schedule_royalty_runs(app))
                )
        assert isinstance(rt, ChainRuntime)
        return rt


def chain(app: AppContext) -> Chain:
    """The connected chain (connecting, or starting the dev chain, on first use)."""
    from flowai.shares.chain import ChainError

    try:
        return runtime(app).get()
    except ChainError as exc:
        raise ChainUnavailable(str(exc)) from exc


def schedule_royalty_runs(app: AppContext) -> list[str]:
    """Queue a royalty run for every tenant that is owed one (revenue not yet deposited on a
    locked video, or a deposit left unfinished) and has no run queued or running; returns the
    new jobs' ids. Every process with a chain runs this on its own clock: a duplicate run is
    harmless, since each revenue event is deposited exactly once."""
    from flowai.core.models import Job

    owed: set[str] = set()
    for schema in app.db.placements():
        with app.db.session(system=True, schema=schema) as s:
            owed.update(
                s.execute(
                    select(ShareRevenue.tenant_id)
                    .join(ShareVideo, ShareVideo.id == ShareRevenue.share_video_id)
                    .where(
                        ShareRevenue.deposit_row_id.is_(None),
                        ShareRevenue.shareholder_wei > 0,
                        ShareVideo.locked.is_(True),
                    )
                    .distinct()
                ).scalars()
            )
            owed.update(
                s.execute(
                    select(ShareDeposit.tenant_id)
                    .where(ShareDeposit.status.in_(("intent", "sent")))
                    .distinct()
                ).scalars()
            )
    queued = []
    for tenant_id in sorted(owed):
        with app.db.session(tenant_id=tenant_id) as s:
            running = s.execute(
                select(Job.id).where(Job.kind == "shares.royalty_run", Job.status.in_(("queued", "running")))
            ).first()
        if running is None:
            queued.append(app.jobs.submit(tenant_id=tenant_id, kind="shares.royalty_run").id)
    if queued:
        log.info("royalty runs queued", extra={"jobs": queued})
    return queued


def index_now(app: AppContext) -> int:
    """Read new vault events into the database now; returns how many were applied."""
    from flowai.shares.indexer import Indexer

    chain(app)
    indexer = app.extras["shares.indexer"]
    assert isinstance(indexer, Indexer)
    return indexer.sync()


# --- videos -------------------------------------------------------------------------------------


def checksum(address: str, field_name: str = "address") -> str:
    """An EIP-55 address, or a 422 naming the field."""
    from eth_utils.address import is_address, to_checksum_address

    if not is_address(address):
        raise field_error(422, "invalid-address", field_name, "must be a 0x-prefixed 20-byte hex address")
    return str(to_checksum_address(address))


def chain_video_id(tenant_id: str, video_id: str) -> str:
    """The id the NFT is minted under: tenant-qualified, so tenants never collide."""
    return f"{tenant_id}:{video_id}"


def get_video(s: Session, video_id: str) -> ShareVideo:
    """The tenant's fractionalised video, or 404 (also for another tenant's)."""
    row = s.execute(select(ShareVideo).where(ShareVideo.video_id == video_id)).scalar_one_or_none()
    if row is None:
        raise not_found("Shares of this video")
    return row


def list_videos() -> Any:
    return select(ShareVideo)


def start_fractionalize(
    s: Session,
    app: AppContext,
    principal: Principal,
    *,
    tenant_id: str,
    video_id: str,
    creator: str,
    price_per_share_wei: int,
    shares_for_sale: int,
    revenue_share_bps: int,
    idempotency_key: str | None,
    custody: str = "wallet",
    export_id: str | None = None,
    title: str | None = None,
    media_key: str | None = None,
) -> ShareVideo:
    """Record the request and queue the job that mints, locks and lists. A replayed
    Idempotency-Key returns the first answer; a second request for the same video is a 409."""
    existing = s.execute(select(ShareVideo).where(ShareVideo.video_id == video_id)).scalar_one_or_none()
    if existing is not None:
        if idempotency_key and existing.idempotency_key == idempotency_key:
            return existing
        raise Problem(409, "already-fractionalized", f"Video {video_id!r} already has shares.")
    row = ShareVideo(
        video_id=video_id,
        chain_video_id=chain_video_id(tenant_id, video_id),
        owner_id=principal.user_id,
        chain_id=app.settings.chain_id,
        creator=checksum(creator, "creator_address"),
        shares_to_list=shares_for_sale,
        list_price_wei=price_per_share_wei,
        revenue_share_bps=revenue_share_bps,
        idempotency_key=idempotency_key,
        custody=custody,
        export_id=export_id,
        title=title,
        media_key=media_key,
    )
    try:
        with s.begin_nested():
            s.add(row)
            s.flush()
    except IntegrityError:  # the same video raced in from another request
        return start_fractionalize(
            s, app, principal, tenant_id=tenant_id, video_id=video_id, creator=creator,
            price_per_share_wei=price_per_share_wei, shares_for_sale=shares_for_sale,
            revenue_share_bps=revenue_share_bps, idempotency_key=idempotency_key, custody=custody,
            export_id=export_id, title=title, media_key=media_key,
        )  # fmt: skip
    job = app.jobs.enqueue_in(
        s, kind="shares.fractionalize", payload={"share_video_id": row.id}, owner_id=principal.user_id
    )
    row.job_id = job.id
    return row


def fractionalize(
    app: AppContext, tenant_id: str, share_video_id: str, progress: Callable[[int, str], None]
) -> ShareVideo:
    """Mint the video's NFT to its creator, create its vault, then lock and list. Every step reads
    the chain first, so a job that died half-way simply runs again. Lock and list are the
    creator's calls: on the dev chain the node signs them for a dev account; otherwise the video
    waits (status `awaiting_creator`) until the creator sends them and the indexer sees them."""
    from flowai.shares.chain import ContractRevert

    ch = chain(app)
    client, signer, platform = ch.client, ch.signer, ch.platform
    with app.db.session(tenant_id=tenant_id) as s:
        row = s.get(ShareVideo, share_video_id)
        if row is None:
            raise LookupError("share video deleted")
    nft = client.contract("VideoNFT", platform.nft)
    factory = client.contract("VideoVaultFactory", platform.factory)
    token_id = int(client.call(nft.functions.tokenIdOf(row.chain_video_id)))
    progress(20, "minting")
    try:
        client.call(nft.functions.ownerOf(token_id))
    except ContractRevert as exc:
        if exc.error != "ERC721NonexistentToken":
            raise
        client.transact(signer, nft.functions.mint(row.creator, row.chain_video_id, NFT_ROYALTY_BPS))
    progress(40, "creating vault")
    vault_address = str(client.call(factory.functions.vaultOf(token_id)))
    first_block = client.block_number()
    if int(vault_address, 16) == 0:
        receipt = client.transact(signer, factory.functions.createVault(token_id))
        first_block = int(receipt["blockNumber"])
        vault_address = str(client.call(factory.functions.vaultOf(token_id)))
    with app.db.transaction(tenant_id=tenant_id) as s:
        s.execute(
            update(ShareVideo)
            .where(ShareVideo.id == share_video_id, ShareVideo.vault.is_(None))
            .values(
                vault=vault_address, token_id=token_id, vault_block=first_block, indexed_block=first_block - 1
            )
        )
    vault = client.contract("VideoVault", vault_address)
    custodian = (
        custodial_account(app.settings, tenant_id, row.owner_id) if row.custody == "platform" else None
    )
    if custodian is not None and custodian.address != row.creator:
        raise LookupError(
            "the custodial key no longer matches the offer's creator (FLOWAI_SECRET_KEY changed?)"
        )
    unlocked = custodian is not None or row.creator in client.node_accounts()
    progress(60, "locking")
    if not client.call(vault.functions.locked()):
        if not unlocked:
            return _set_status(app, tenant_id, share_video_id, "awaiting_creator")
        transfer = nft.get_function_by_signature("safeTransferFrom(address,address,uint256)")
        _as_creator(ch, custodian, row.creator, transfer(row.creator, vault_address, token_id))
    progress(80, "listing")
    fresh = int(client.call(vault.functions.balanceOf(row.creator))) == TOTAL_SHARES * SHARE_UNIT
    if row.shares_to_list and fresh and int(client.call(vault.functions.sharesForSale())) == 0:
        if not unlocked:
            return _set_status(app, tenant_id, share_video_id, "awaiting_creator")
        _as_creator(ch, custodian, row.creator, vault.functions.list(row.shares_to_list, row.list_price_wei))
    index_now(app)
    return _set_status(app, tenant_id, share_video_id, "listed")


def custodial_account(settings: Settings, tenant_id: str, owner_id: str | None) -> LocalAccount:
    """The key the platform holds for a creator without a wallet: derived from FLOWAI_SECRET_KEY,
    the workspace and the user, so it is the same in every process and never stored."""
    import hashlib
    import hmac

    from flowai.shares.chain import account_from_key

    label = f"flowai/shares/custody/{tenant_id}/{owner_id or '-'}".encode()
    seed = hmac.new(settings.resolved_secret_key.encode(), label, hashlib.sha256).hexdigest()
    return account_from_key("0x" + seed)


def _as_creator(ch: Chain, custodian: LocalAccount | None, creator: str, function: Any) -> TxReceipt:
    """Send one of the creator's calls: signed by the platform's custodial key for the creator
    (topping up its gas from the platform first), or by the dev node for an unlocked dev account."""
    if custodian is None:
        return ch.client.transact_unlocked(creator, function)
    gas = ch.client.estimate_gas(function, sender=custodian.address)
    fees = ch.client.fee_fields()
    need = gas * fees.get("maxFeePerGas", fees.get("gasPrice", 0))
    balance = ch.client.balance(custodian.address)
    if balance < need:
        ch.client.send_value(ch.signer, custodian.address, 2 * need - balance)
    return ch.client.transact(custodian, function, gas=gas)


def _set_status(
    app: AppContext, tenant_id: str, share_video_id: str, status: str, error: str | None = None
) -> ShareVideo:
    with app.db.transaction(tenant_id=tenant_id) as s:
        row = s.get(ShareVideo, share_video_id)
        if row is None:
            raise LookupError("share video deleted")
        row.status, row.error = status, error
        return row


def mark_failed(app: AppContext, tenant_id: str, share_video_id: str, error: str) -> None:
    """The fractionalise job gave up: say why on the video."""
    _set_status(app, tenant_id, share_video_id, "failed", error)


def creator_calls(app: AppContext, row: ShareVideo) -> list[dict[str, str]]:
    """The transactions the creator still has to send from their wallet (lock, then list)."""
    rt = app.extras.get(_RUNTIME_KEY)
    if (
        row.status != "awaiting_creator"
        or rt is None
        or not rt.started
        or row.vault is None
        or row.token_id is None
    ):
        return []
    ch = rt.get()
    calls = []
    if not row.locked:
        nft = ch.client.contract("VideoNFT", ch.platform.nft)
        transfer = nft.get_function_by_signature("safeTransferFrom(address,address,uint256)")
        data = transfer(row.creator, row.vault, row.token_id)._encode_transaction_data()
        calls.append({"step": "lock", "to": ch.platform.nft, "data": data})
    if row.shares_to_list and row.shares_for_sale == 0:
        vault = ch.client.contract("VideoVault", row.vault)
        data = vault.functions.list(row.shares_to_list, row.list_price_wei)._encode_transaction_data()
        calls.append({"step": "list", "to": row.vault, "data": data})
    return calls


# --- revenue ledger -----------------------------------------------------------------------------


def record_revenue(
    s: Session,
    video: ShareVideo,
    *,
    source: str,
    amount_wei: int,
    note: str | None,
    idempotency_key: str | None,
) -> tuple[ShareRevenue, bool]:
    """Add an ad payout or tip to the ledger with the holders' part fixed now (floor of the
    configured basis points). Returns (row, created); a replayed key returns the first row."""
    if amount_wei <= 0:
        raise field_error(422, "invalid-amount", "amount_wei", "must be a positive integer number of wei")
    if idempotency_key:
        existing = s.execute(
            select(ShareRevenue).where(
                ShareRevenue.share_video_id == video.id, ShareRevenue.idempotency_key == idempotency_key
            )
        ).scalar_one_or_none()
        if existing is not None:
            return existing, False
    row = ShareRevenue(
        share_video_id=video.id,
        source=source,
        amount_wei=amount_wei,
        shareholder_wei=amount_wei * video.revenue_share_bps // BPS,
        note=note,
        idempotency_key=idempotency_key,
    )
    try:
        with s.begin_nested():
            s.add(row)
            s.flush()
    except IntegrityError:
        return record_revenue(
            s, video, source=source, amount_wei=amount_wei, note=note, idempotency_key=idempotency_key
        )
    return row, True


@dataclass(frozen=True)
class Totals:
    """A video's revenue figures, in wei."""

    revenue_wei: int
    shareholder_wei: int
    deposited_wei: int
    pending_wei: int
    holders: int


def totals(s: Session, video: ShareVideo) -> Totals:
    """Revenue to date, the holders' part, what is deposited and what still waits for a run."""
    revenue = list(s.execute(select(ShareRevenue).where(ShareRevenue.share_video_id == video.id)).scalars())
    deposits = s.execute(select(ShareDeposit).where(ShareDeposit.share_video_id == video.id)).scalars()
    confirmed = sum(d.amount_wei for d in deposits if d.status == "confirmed")
    holders = s.execute(
        select(func.count())
        .select_from(ShareHolding)
        .where(ShareHolding.share_video_id == video.id, ShareHolding.balance != 0)
    ).scalar_one()
    owed = sum(r.shareholder_wei for r in revenue)
    return Totals(
        revenue_wei=sum(r.amount_wei for r in revenue),
        shareholder_wei=owed,
        deposited_wei=confirmed,
        pending_wei=owed - confirmed,
        holders=int(holders),
    )


def claimable(video: ShareVideo, holding: ShareHolding) -> int:
    """What the vault's `claimableOf` answers, computed from indexed state."""
    magnified = video.magnified_rps * holding.balance + holding.correction
    return max(0, magnified // MAGNITUDE - holding.claimed_wei)


def holders(s: Session, video: ShareVideo) -> list[ShareHolding]:
    return list(
        s.execute(
            select(ShareHolding).where(ShareHolding.share_video_id == video.id).order_by(ShareHolding.address)
        ).scalars()
    )


def holdings_of(s: Session, address: str) -> list[tuple[ShareVideo, ShareHolding]]:
    """Every vault of the tenant in which `address` holds shares or has revenue to claim."""
    rows = s.execute(
        select(ShareVideo, ShareHolding)
        .join(ShareHolding, ShareHolding.share_video_id == ShareVideo.id)
        .where(ShareHolding.address == checksum(address))
        .order_by(ShareVideo.id)
    ).all()
    return [(v, h) for v, h in rows]


# --- royalty runs -------------------------------------------------------------------------------


@dataclass
class RunResult:
    """What one royalty run did."""

    reconciled: int = 0
    deposits: list[dict[str, str]] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)


class RoyaltyService:
    """Deposits what holders are owed into each vault, every revenue event exactly once.

    The deposit row, with the bytes32 `deposit_id` the vault dedupes on, is committed (intent)
    before the transaction is sent; its hash is recorded after. A run first reconciles every
    deposit that is not confirmed: if the vault says `depositProcessed(id)` it is confirmed from
    the chain's log, otherwise it is sent again with the same id, which the vault would refuse
    a second time. So dying between send and record can delay a deposit, never repeat it.
    """

    def __init__(self, app: AppContext) -> None:
        self.app = app
        self.db = app.db

    def run(
        self, tenant_id: str, *, job_id: str | None = None, progress: Callable[[int, str], None] | None = None
    ) -> RunResult:
        """Reconcile, then create and send one deposit per video with revenue owed."""
        report = progress or (lambda _pct, _stage: None)
        result = RunResult()
        report(5, "reconciling")
        result.reconciled = self.reconcile(tenant_id, result)
        with self.db.session(tenant_id=tenant_id) as s:
            videos = list(
                s.execute(
                    select(ShareVideo.id).where(ShareVideo.locked.is_(True)).order_by(ShareVideo.id)
                ).scalars()
            )
        for n, share_video_id in enumerate(videos):
            report(10 + 85 * n // max(1, len(videos)), "depositing")
            try:
                deposit_row = self.plan_deposit(tenant_id, share_video_id, job_id=job_id)
            except (ConcurrentRun, OperationalError, IntegrityError) as exc:  # the other run deposits it
                log.info("royalty run skipped a vault another run is depositing", extra={"error": str(exc)})
                continue
            if deposit_row is not None:
                self._execute_reporting(tenant_id, deposit_row, result)
        report(100, "done")
        return result

    def reconcile(self, tenant_id: str, result: RunResult | None = None) -> int:
        """Finish every deposit left in `intent` or `sent` (after a crash or a failed send)."""
        result = result or RunResult()
        with self.db.session(tenant_id=tenant_id) as s:
            open_ids = list(
                s.execute(
                    select(ShareDeposit.id)
                    .where(ShareDeposit.status.in_(("intent", "sent")))
                    .order_by(ShareDeposit.id)
                ).scalars()
            )
        for deposit_row in open_ids:
            self._execute_reporting(tenant_id, deposit_row, result)
        return len(open_ids)

    def _execute_reporting(self, tenant_id: str, deposit_row: str, result: RunResult) -> None:
        from flowai.shares.chain import ChainError

        try:
            row = self.execute(tenant_id, deposit_row)
            result.deposits.append(
                {
                    "deposit_id": row.deposit_id,
                    "amount_wei": str(row.amount_wei),
                    "tx_hash": row.tx_hash or "",
                }
            )
        except (ChainError, Problem) as exc:
            log.warning("royalty deposit failed", extra={"deposit": deposit_row, "error": str(exc)})
            with self.db.transaction(tenant_id=tenant_id) as s:
                s.execute(
                    update(ShareDeposit).where(ShareDeposit.id == deposit_row).values(error=str(exc)[:2000])
                )
            result.failed.append({"deposit_row": deposit_row, "error": str(exc)})

    def plan_deposit(self, tenant_id: str, share_video_id: str, *, job_id: str | None = None) -> str | None:
        """Commit the intent: a deposit row covering every revenue event not yet covered.
        Returns the row id, or None when nothing is owed."""
        with self.db.transaction(tenant_id=tenant_id) as s:
            if s.execute(
                select(ShareDeposit.id).where(
                    ShareDeposit.share_video_id == share_video_id,
                    ShareDeposit.status.in_(("intent", "sent")),
                )
            ).first():
                return None  # one open deposit per vault at a time; reconcile finishes it first
            revenue = list(
                s.execute(
                    select(ShareRevenue).where(
                        ShareRevenue.share_video_id == share_video_id, ShareRevenue.deposit_row_id.is_(None)
                    )
                ).scalars()
            )
            amount = sum(r.shareholder_wei for r in revenue)
            if amount <= 0:
                return None
            row = ShareDeposit(
                share_video_id=share_video_id,
                deposit_id="0x" + secrets.token_hex(32),
                amount_wei=amount,
                job_id=job_id,
            )
            s.add(row)
            s.flush()
            # Claim the revenue rows only if nobody else did meanwhile (a concurrent run): on
            # PostgreSQL the UPDATE waits for the other transaction and re-checks the condition,
            # on SQLite the second writer fails; either way no revenue is covered twice.
            claimed = s.execute(
                update(ShareRevenue)
                .where(ShareRevenue.id.in_([r.id for r in revenue]), ShareRevenue.deposit_row_id.is_(None))
                .values(deposit_row_id=row.id)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != len(revenue):  # type: ignore[attr-defined]
                raise ConcurrentRun("another royalty run is planning this vault's deposit")
            return row.id

    def execute(self, tenant_id: str, deposit_row: str) -> ShareDeposit:
        """Bring one deposit to `confirmed`, sending it only if the vault has not processed it."""
        from hexbytes import HexBytes

        from flowai.shares.chain import ContractRevert

        ch = chain(self.app)
        with self.db.session(tenant_id=tenant_id) as s:
            row = s.get(ShareDeposit, deposit_row)
            video = s.get(ShareVideo, row.share_video_id) if row else None
        if row is None or video is None or video.vault is None:
            raise LookupError(f"deposit {deposit_row} or its video is gone")
        if row.status == "confirmed":
            return row
        vault = ch.client.contract("VideoVault", video.vault)
        deposit_id = HexBytes(row.deposit_id)
        if ch.client.call(vault.functions.depositProcessed(deposit_id)):
            return self._confirm_from_chain(tenant_id, row, video)
        try:
            tx_hash = self._send(ch, vault, row)
            self._record_sent(tenant_id, row, tx_hash)
            receipt = ch.client.wait_for_receipt(tx_hash)
        except ContractRevert as exc:
            if exc.error == "DepositAlreadyProcessed":  # an earlier send landed meanwhile
                return self._confirm_from_chain(tenant_id, row, video)
            raise
        return self._confirm(tenant_id, row, video, receipt)

    def _send(self, ch: Chain, vault: Any, row: ShareDeposit) -> HexBytes:
        """Sign and send `depositRevenue(deposit_id)` with the amount owed."""
        from hexbytes import HexBytes

        with self.db.transaction(tenant_id=row.tenant_id) as s:
            s.execute(
                update(ShareDeposit)
                .where(ShareDeposit.id == row.id)
                .values(attempts=ShareDeposit.attempts + 1)
            )
        function = vault.functions.depositRevenue(HexBytes(row.deposit_id))
        return ch.client.send(ch.signer, function, value=row.amount_wei)

    def _record_sent(self, tenant_id: str, row: ShareDeposit, tx_hash: HexBytes) -> None:
        """Remember the transaction (a crash before this line is what reconcile is for)."""
        with self.db.transaction(tenant_id=tenant_id) as s:
            s.execute(
                update(ShareDeposit)
                .where(ShareDeposit.id == row.id)
                .values(status="sent", tx_hash=tx_hash.to_0x_hex())
            )

    def _confirm_from_chain(self, tenant_id: str, row: ShareDeposit, video: ShareVideo) -> ShareDeposit:
        """The vault processed this id: find its RevenueDeposited log and confirm with it."""
        from hexbytes import HexBytes

        from flowai.shares.chain import ChainError

        ch = chain(self.app)
        vault = ch.client.contract("VideoVault", str(video.vault))
        topic = vault.events.RevenueDeposited.build_filter().topics[0]
        logs = ch.client.get_logs(
            {
                "address": vault.address,
                "fromBlock": video.vault_block or 0,
                "toBlock": "latest",
                "topics": [topic, None, row.deposit_id],
            }
        )
        if not logs:
            raise ChainError(f"vault reports deposit {row.deposit_id} processed but no log was found")
        receipt = ch.client.wait_for_receipt(HexBytes(logs[0]["transactionHash"]))
        return self._confirm(tenant_id, row, video, receipt)

    def _confirm(
        self, tenant_id: str, row: ShareDeposit, video: ShareVideo, receipt: TxReceipt
    ) -> ShareDeposit:
        from flowai.enterprise.webhooks.service import emit

        with self.db.transaction(tenant_id=tenant_id) as s:
            fresh = s.get(ShareDeposit, row.id)
            assert fresh is not None
            if fresh.status == "confirmed":
                return fresh
            fresh.status = "confirmed"
            fresh.tx_hash = receipt["transactionHash"].to_0x_hex()
            fresh.block_number = int(receipt["blockNumber"])
            fresh.confirmed_at = utcnow()
            fresh.error = None
            emit(
                s,
                tenant_id,
                "royalties.deposited",
                {
                    "video_id": video.video_id,
                    "vault": video.vault,
                    "deposit_id": fresh.deposit_id,
                    "amount_wei": str(fresh.amount_wei),
                    "tx_hash": fresh.tx_hash,
                    "chain_id": video.chain_id,
                },
                jobs=self.app.jobs,
            )
            return fresh
