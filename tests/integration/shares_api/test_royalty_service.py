"""RoyaltyService against a real anvil: deposits land exactly once, even when the service dies
between sending the transaction and recording it; the indexer's numbers equal the chain's."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from flowai_testkit import ADMIN_URLS, make_settings, wait_until
from hexbytes import HexBytes
from sqlalchemy import select

from flowai.core.context import AppContext
from flowai.core.db import Database
from flowai.core.models import Job
from flowai.settings import Settings
from flowai.shares import devchain, service
from flowai.shares.models import ShareDeposit, ShareHolding, SharePlatform, ShareVideo

pytestmark = pytest.mark.chain
PRICE = 10**15
ETHER = 10**18


class Crash(Exception):
    """Stands in for the process dying at a chosen line."""


def make_listed(
    ctx: AppContext, tenant_id: str, creator: str, *, bps: int = 5000, shares: int = 1000
) -> ShareVideo:
    """A fractionalised, locked and listed video (the job's work, run inline)."""
    with ctx.db.transaction(tenant_id=tenant_id) as s:
        video_id = f"vid-{uuid.uuid4().hex[:8]}"
        row = ShareVideo(
            video_id=video_id,
            chain_video_id=service.chain_video_id(tenant_id, video_id),
            chain_id=545,
            creator=creator,
            shares_to_list=shares,
            list_price_wei=PRICE,
            revenue_share_bps=bps,
        )
        s.add(row)
    out = service.fractionalize(ctx, tenant_id, row.id, lambda _p, _s: None)
    assert out.status == "listed" and out.vault
    return out


def record(ctx: AppContext, tenant_id: str, video: ShareVideo, amount: int, key: str | None = None) -> None:
    with ctx.db.transaction(tenant_id=tenant_id) as s:
        fresh = s.get(ShareVideo, video.id)
        assert fresh is not None
        service.record_revenue(s, fresh, source="ad", amount_wei=amount, note=None, idempotency_key=key)


def deposit_logs(ctx: AppContext, vault: str) -> list[Any]:
    ch = service.chain(ctx)
    contract = ch.client.contract("VideoVault", vault)
    return list(contract.events.RevenueDeposited.get_logs(from_block=0))


def deposits(ctx: AppContext, tenant_id: str) -> list[ShareDeposit]:
    with ctx.db.session(tenant_id=tenant_id) as s:
        return list(s.execute(select(ShareDeposit).order_by(ShareDeposit.id)).scalars())


def test_crash_between_send_and_record_deposits_once(
    ctx: AppContext, tenant_id: str, dev_chain: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = make_listed(ctx, tenant_id, dev_chain.creator.address)
    record(ctx, tenant_id, video, 3 * ETHER)  # holders' part: 1.5 ETH
    svc = service.RoyaltyService(ctx)
    row_id = svc.plan_deposit(tenant_id, video.id)
    assert row_id is not None

    def die(*_args: Any) -> None:
        raise Crash()

    monkeypatch.setattr(svc, "_record_sent", die)
    with pytest.raises(Crash):
        svc.execute(tenant_id, row_id)  # the transaction is on chain, the database does not know
    [pending] = deposits(ctx, tenant_id)
    assert (pending.status, pending.tx_hash) == ("intent", None)
    assert len(deposit_logs(ctx, str(video.vault))) == 1

    # restart: a fresh service reconciles before anything else
    result = service.RoyaltyService(ctx).run(tenant_id)
    assert result.reconciled == 1 and not result.failed
    logs = deposit_logs(ctx, str(video.vault))
    assert len(logs) == 1, "deposited twice"
    [done] = deposits(ctx, tenant_id)
    assert done.status == "confirmed"
    assert done.tx_hash == logs[0]["transactionHash"].to_0x_hex()
    assert done.amount_wei == logs[0]["args"]["amount"] == 3 * ETHER // 2
    vault = service.chain(ctx).client.contract("VideoVault", str(video.vault))
    assert vault.functions.totalDeposited().call() == 3 * ETHER // 2
    assert vault.functions.depositProcessed(HexBytes(done.deposit_id)).call()

    # a further run owes nothing and sends nothing
    again = service.RoyaltyService(ctx).run(tenant_id)
    assert again.deposits == [] and len(deposit_logs(ctx, str(video.vault))) == 1


def test_crash_before_send_sends_on_restart_once(
    ctx: AppContext, tenant_id: str, dev_chain: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = make_listed(ctx, tenant_id, dev_chain.creator.address, bps=10_000)
    record(ctx, tenant_id, video, ETHER)
    svc = service.RoyaltyService(ctx)
    row_id = svc.plan_deposit(tenant_id, video.id)
    assert row_id is not None

    def die(*_args: Any) -> None:
        raise Crash()

    monkeypatch.setattr(svc, "_send", die)
    with pytest.raises(Crash):
        svc.execute(tenant_id, row_id)
    assert deposit_logs(ctx, str(video.vault)) == []
    service.RoyaltyService(ctx).run(tenant_id)
    assert [log["args"]["amount"] for log in deposit_logs(ctx, str(video.vault))] == [ETHER]
    assert [d.status for d in deposits(ctx, tenant_id)] == ["confirmed"]


def test_resend_of_a_processed_id_is_refused_and_reconciled(
    ctx: AppContext, tenant_id: str, dev_chain: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even if the processed-check were skipped (a stale read), the vault refuses the id again
    and the service confirms the first deposit instead of paying twice."""
    video = make_listed(ctx, tenant_id, dev_chain.creator.address, bps=10_000)
    record(ctx, tenant_id, video, ETHER)
    svc = service.RoyaltyService(ctx)
    row_id = svc.plan_deposit(tenant_id, video.id)
    assert row_id is not None
    monkeypatch.setattr(svc, "_record_sent", lambda *_a: (_ for _ in ()).throw(Crash()))
    with pytest.raises(Crash):
        svc.execute(tenant_id, row_id)
    monkeypatch.undo()
    ch = service.chain(ctx)
    real_call = ch.client.call

    def stale(function: Any, **kw: Any) -> Any:
        if getattr(function, "fn_name", "") == "depositProcessed":
            return False
        return real_call(function, **kw)

    monkeypatch.setattr(ch.client, "call", stale)
    row = svc.execute(tenant_id, row_id)
    assert row.status == "confirmed"
    assert len(deposit_logs(ctx, str(video.vault))) == 1


def test_indexer_matches_chain_and_revenue_runs_pro_rata(
    ctx: AppContext, tenant_id: str, dev_chain: Any
) -> None:
    video = make_listed(ctx, tenant_id, dev_chain.creator.address, bps=10_000, shares=1000)
    ch = service.chain(ctx)
    vault = ch.client.contract("VideoVault", str(video.vault))
    ch.client.transact(dev_chain.buyer, vault.functions.buy(300, PRICE), value=300 * PRICE)
    # pays 7 wei more than the price: refunded
    ch.client.transact(dev_chain.buyer2, vault.functions.buy(100, PRICE), value=100 * PRICE + 7)
    record(ctx, tenant_id, video, 10**18 + 1)
    service.RoyaltyService(ctx).run(tenant_id)
    # a holder moves shares after the deposit: earned revenue stays where it was earned
    ch.client.transact(dev_chain.buyer, vault.functions.transfer(dev_chain.buyer2.address, 50 * 10**18))
    record(ctx, tenant_id, video, 5 * 10**17)
    service.RoyaltyService(ctx).run(tenant_id)
    ch.client.transact(dev_chain.buyer2, vault.functions.claim())
    service.index_now(ctx)

    with ctx.db.session(tenant_id=tenant_id) as s:
        row = s.get(ShareVideo, video.id)
        assert row is not None
        assert (row.shares_sold, row.shares_for_sale) == (400, 600)
        assert row.total_deposited_wei == vault.functions.totalDeposited().call() == 10**18 + 1 + 5 * 10**17
        holdings = {h.address: h for h in s.execute(select(ShareHolding)).scalars()}
        for address in (dev_chain.creator.address, dev_chain.buyer.address, dev_chain.buyer2.address):
            h = holdings[address]
            assert h.balance == vault.functions.balanceOf(address).call()
            assert service.claimable(row, h) == vault.functions.claimableOf(address).call()
            assert h.claimed_wei == vault.functions.claimedOf(address).call()
        assert holdings[dev_chain.buyer2.address].claimed_wei > 0
    assert service.index_now(ctx) == 0  # nothing new: a second pass applies nothing


def test_concurrent_runs_never_cover_revenue_twice(ctx: AppContext, tenant_id: str, dev_chain: Any) -> None:
    import threading

    videos = [make_listed(ctx, tenant_id, dev_chain.creator.address, bps=10_000) for _ in range(3)]
    for n, video in enumerate(videos):
        record(ctx, tenant_id, video, (n + 1) * ETHER)
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            service.RoyaltyService(ctx).run(tenant_id)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    service.RoyaltyService(ctx).run(tenant_id)  # whatever a loser left open is finished here
    assert not errors, errors
    for n, video in enumerate(videos):
        assert [log["args"]["amount"] for log in deposit_logs(ctx, str(video.vault))] == [(n + 1) * ETHER]
    assert sorted(d.amount_wei for d in deposits(ctx, tenant_id) if d.status == "confirmed") == [
        ETHER,
        2 * ETHER,
        3 * ETHER,
    ]


def test_a_creator_outside_the_node_signs_lock_and_list_in_their_wallet(
    ctx: AppContext, tenant_id: str, dev_chain: Any
) -> None:
    """On a real chain the platform cannot sign for the creator: the video waits with the two
    calls for the creator's wallet, and the indexer marks it listed once they are sent."""
    from eth_account import Account

    creator = Account.create()
    client = dev_chain.client
    client.send_value(dev_chain.buyer2, creator.address, ETHER)
    with ctx.db.transaction(tenant_id=tenant_id) as s:
        row = ShareVideo(
            video_id="own-wallet", chain_video_id=service.chain_video_id(tenant_id, "own-wallet"), chain_id=545,
            creator=creator.address, shares_to_list=10, list_price_wei=PRICE, revenue_share_bps=5000,
        )  # fmt: skip
        s.add(row)
    waiting = service.fractionalize(ctx, tenant_id, row.id, lambda _p, _s: None)
    assert waiting.status == "awaiting_creator" and waiting.vault
    with ctx.db.session(tenant_id=tenant_id) as s:
        fresh = s.get(ShareVideo, row.id)
        assert fresh is not None
        calls = service.creator_calls(ctx, fresh)
    assert [c["step"] for c in calls] == ["lock", "list"]
    for nonce, call in enumerate(calls):
        tx = {
            "to": call["to"],
            "data": call["data"],
            "value": 0,
            "gas": 400_000,
            "nonce": nonce,
            "chainId": 545,
        }
        signed = creator.sign_transaction({**tx, **client.fee_fields()})
        client.wait_for_receipt(HexBytes(client.w3.eth.send_raw_transaction(signed.raw_transaction)))
    service.index_now(ctx)
    with ctx.db.session(tenant_id=tenant_id) as s:
        fresh = s.get(ShareVideo, row.id)
        assert fresh is not None
        assert (fresh.status, fresh.locked, fresh.shares_for_sale, fresh.price_per_share_wei) == (
            "listed",
            True,
            10,
            PRICE,
        )
        assert service.creator_calls(ctx, fresh) == []


def test_royalties_owed_are_deposited_on_a_schedule(
    settings: Settings, tenant_id: str, dev_chain: Any
) -> None:
    """With FLOWAI_CHAIN_ROYALTY_INTERVAL_SECONDS set, nobody calls a run: the service queues one
    for the tenant that is owed, the deposit lands, and nothing more is queued once it is paid."""
    auto = AppContext.build(settings.model_copy(update={"chain_royalty_interval_seconds": 0.3}))
    auto.start()
    try:
        video = make_listed(auto, tenant_id, dev_chain.creator.address, bps=5000)
        record(auto, tenant_id, video, 2 * ETHER)
        paid = wait_until(
            lambda: [d for d in deposits(auto, tenant_id) if d.status == "confirmed"], timeout=30,
            what="the scheduled royalty run's deposit",
        )  # fmt: skip
        assert [d.amount_wei for d in paid] == [ETHER]  # the holders' half, once
        [logged] = deposit_logs(auto, str(video.vault))
        assert logged.args.amount == ETHER
        with auto.db.session(tenant_id=tenant_id) as s:
            runs = s.execute(select(Job).where(Job.kind == "shares.royalty_run")).scalars().all()
        assert runs and all(r.owner_id is None for r in runs)
        assert service.schedule_royalty_runs(auto) == []  # paid up: nothing to queue
    finally:
        auto.stop()


def test_the_indexer_waits_for_confirmations(settings: Settings, tenant_id: str, dev_chain: Any) -> None:
    """With FLOWAI_CHAIN_CONFIRMATIONS=2 a purchase reaches the database only once two blocks are
    built on top of it: a block that is reorganised away in between is never read."""
    deep = AppContext.build(settings.model_copy(update={"chain_confirmations": 2}))
    try:
        video = make_listed(deep, tenant_id, dev_chain.creator.address)
        ch = service.chain(deep)
        service.index_now(deep)  # the listing itself, now buried under later blocks or not: settle it
        for _ in range(2):
            ch.client.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        service.index_now(deep)
        vault = ch.client.contract("VideoVault", str(video.vault))
        ch.client.transact(dev_chain.buyer, vault.functions.buy(5, PRICE), value=5 * PRICE)

        def bought() -> int:
            with deep.db.session(tenant_id=tenant_id) as s:
                return int(s.get_one(ShareVideo, video.id).shares_sold)

        assert service.index_now(deep) == 0 and bought() == 0  # the purchase's block is the head
        ch.client.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        assert service.index_now(deep) == 0 and bought() == 0  # one confirmation is not enough
        ch.client.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        assert service.index_now(deep) > 0 and bought() == 5
    finally:
        deep.stop()


def test_a_reset_chain_is_deployed_anew_over_its_stale_record(tmp_path: Path, database_url: str) -> None:
    """A dev chain whose state was wiped: the same deployer redeploys at the same addresses, and
    the recorded (now empty) deployment is taken over instead of failing on its unique key."""
    deployed = []
    for run in range(2):
        with devchain.running() as dev:
            settings = make_settings(
                tmp_path / str(run), database_url, chain_rpc_url=dev.rpc_url,
                chain_deployer_key=dev.accounts[0].private_key, chain_index_interval_seconds=0,
            )  # fmt: skip
            runtime = service.ChainRuntime(settings, Database(database_url, settings.database_admin_url))
            try:
                chain = runtime.get()
                assert chain.client.has_code(chain.platform.factory)
                deployed.append(chain.platform.factory)
            finally:
                runtime.close()
    assert deployed[0] == deployed[1]  # same addresses, so the second deploy met the old record
    with Database(database_url, ADMIN_URLS.get(database_url)).session(system=True) as s:
        rows = s.execute(select(SharePlatform).where(SharePlatform.factory == deployed[0])).scalars().all()
    assert len(rows) == 1
