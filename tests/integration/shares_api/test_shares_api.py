"""The shares API on SQLite and PostgreSQL (row-level security on), against a real anvil:
fractionalise → buy on chain → revenue → royalty run → holdings, plus input and tenant rules."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from flowai_testkit import csrf, signup

from flowai.core.context import AppContext
from flowai.shares import service

pytestmark = pytest.mark.chain
PRICE = 10**15
UNIT = 10**18


def fractionalize(client: TestClient, creator: str, video_id: str, **extra: Any) -> Any:
    body = {"creator_address": creator, "price_per_share_wei": str(PRICE), "shares_for_sale": 1000, **extra}
    return client.post(f"/v1/videos/{video_id}/shares", json=body, headers=csrf(client))


def test_invest_revenue_royalties_end_to_end(
    client: TestClient,
    ctx: AppContext,
    dev_chain: Any,
    wait_job: Callable[..., Any],
    make_tenant: Callable[[str], str],
) -> None:
    # a workspace of its own: a royalty run pays all of a workspace's pending revenue, and other
    # tests of the session leave some on the shared localhost workspace
    client = TestClient(client.app, base_url=f"http://{make_tenant('royalties')}")
    me = signup(client)
    tenant_id = me["tenant"]["slug"] and _tenant_id(ctx, me["tenant"]["slug"])
    video_id = f"video-{uuid.uuid4().hex[:8]}"
    r = fractionalize(client, dev_chain.creator.address, video_id, revenue_share_bps=2500)
    assert r.status_code == 202, r.text
    assert r.headers["Location"] == f"/v1/jobs/{r.json()['job_id']}"
    wait_job(tenant_id, r.json()["job_id"])

    shares = client.get(f"/v1/videos/{video_id}/shares").json()
    assert shares["status"] == "listed"
    assert shares["price_per_share_wei"] == str(PRICE)
    assert (shares["shares_for_sale"], shares["shares_sold"], shares["holders"]) == (1000, 0, 1)
    assert shares["total_shares"] == 1_000_000 and shares["creator"] == dev_chain.creator.address

    chain = client.get("/v1/shares/chain").json()
    assert chain["chain_id"] == 545 and chain["chain_id_hex"] == "0x221"
    assert chain["selectors"]["buy(uint256,uint256)"] == "0xd6febde8"  # shares, max price per share
    assert {e["name"] for e in chain["vault_abi"] if e["type"] == "function"} >= {"buy", "claim"}

    # a fan buys on chain from their own wallet; the indexer brings it into the database
    ch = service.chain(ctx)
    vault = ch.client.contract("VideoVault", shares["vault"])
    ch.client.transact(dev_chain.buyer, vault.functions.buy(200, PRICE), value=200 * PRICE)
    assert client.post("/v1/shares/index", headers=csrf(client)).json()["applied"] >= 2
    shares = client.get(f"/v1/videos/{video_id}/shares").json()
    assert (shares["shares_for_sale"], shares["shares_sold"], shares["holders"]) == (800, 200, 2)
    assert shares["sales_wei"] == str(200 * PRICE)

    # revenue: decimal strings of wei; a replayed Idempotency-Key returns the first row
    headers = {**csrf(client), "Idempotency-Key": "ad-2026-11"}
    first = client.post(f"/v1/videos/{video_id}/revenue", json={"amount_wei": str(4 * UNIT)}, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["shareholder_wei"] == str(UNIT)  # 25 %
    replay = client.post(
        f"/v1/videos/{video_id}/revenue", json={"amount_wei": str(4 * UNIT)}, headers=headers
    )
    assert replay.json()["id"] == first.json()["id"]
    tip = client.post(
        f"/v1/videos/{video_id}/revenue", json={"amount_wei": "400", "source": "tip"}, headers=csrf(client)
    )
    assert tip.status_code == 201
    shares = client.get(f"/v1/videos/{video_id}/shares").json()
    assert shares["revenue_to_date_wei"] == str(4 * UNIT + 400)
    assert shares["pending_deposit_wei"] == str(UNIT + 100)

    run_headers = {**csrf(client), "Idempotency-Key": "run-1"}
    run = client.post("/v1/shares/royalty-runs", headers=run_headers)
    assert run.status_code == 202, run.text
    assert client.post("/v1/shares/royalty-runs", headers=run_headers).json()["id"] == run.json()["id"]
    job = wait_job(tenant_id, run.json()["id"])
    assert len(job.result["deposits"]) == 1
    client.post("/v1/shares/index", headers=csrf(client))
    shares = client.get(f"/v1/videos/{video_id}/shares").json()
    assert shares["deposited_wei"] == str(UNIT + 100) and shares["pending_deposit_wei"] == "0"

    holdings = client.get(f"/v1/shares/holdings/{dev_chain.buyer.address.lower()}").json()
    [item] = holdings["items"]
    assert item["video_id"] == video_id and item["shares"] == 200 and item["balance"] == str(200 * UNIT)
    on_chain = vault.functions.claimableOf(dev_chain.buyer.address).call()
    assert item["claimable_wei"] == str(on_chain) == holdings["total_claimable_wei"]
    # every share earns, the unsold listing for the creator: the buyer gets 200 / 1,000,000
    assert on_chain in ((UNIT + 100) * 200 // 10**6, (UNIT + 100) * 200 // 10**6 - 1)
    holders = client.get(f"/v1/videos/{video_id}/shares/holders").json()
    assert {h["address"] for h in holders} == {dev_chain.creator.address, dev_chain.buyer.address}
    # the indexer credits the creator with the unsold listing's part, exactly as the vault does
    [creator] = [h for h in holders if h["address"] == dev_chain.creator.address]
    assert creator["claimable_wei"] == str(vault.functions.claimableOf(dev_chain.creator.address).call())
    listed = client.get("/v1/shares").json()["items"]
    assert video_id in [v["video_id"] for v in listed]


def _tenant_id(ctx: AppContext, slug: str) -> str:
    from sqlalchemy import select

    from flowai.core.models import Tenant

    with ctx.db.session(system=True) as s:
        return str(s.execute(select(Tenant.id).where(Tenant.slug == slug)).scalar_one())


BAD_REVENUE = [
    ({"amount_wei": "0"}, "amount_wei"),
    ({"amount_wei": "-5"}, "amount_wei"),
    ({"amount_wei": "1.5"}, "amount_wei"),
    ({"amount_wei": 1.5}, "amount_wei"),
    ({"amount_wei": 1000}, "amount_wei"),
    ({"amount_wei": "1e18"}, "amount_wei"),
    ({"amount_wei": "10", "source": "salary"}, "source"),
]


def test_bad_revenue_is_422_and_nothing_is_written(client: TestClient, dev_chain: Any) -> None:
    signup(client)
    video_id = f"video-{uuid.uuid4().hex[:8]}"
    assert fractionalize(client, dev_chain.creator.address, video_id).status_code == 202
    for body, field in BAD_REVENUE:
        r = client.post(f"/v1/videos/{video_id}/revenue", json=body, headers=csrf(client))
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["field"] == field
    assert client.get(f"/v1/videos/{video_id}/revenue").json()["items"] == []


def test_fractionalize_validation_and_conflicts(client: TestClient, dev_chain: Any) -> None:
    signup(client)
    bad = [
        ({"creator_address": "0x123"}, "creator_address"),
        ({"price_per_share_wei": "0"}, "price_per_share_wei"),
        ({"price_per_share_wei": 0.5}, "price_per_share_wei"),
        ({"shares_for_sale": 1_000_001}, "shares_for_sale"),
        ({"revenue_share_bps": 10_001}, "revenue_share_bps"),
    ]
    for extra, field in bad:
        r = fractionalize(client, dev_chain.creator.address, "v-bad", **extra)
        assert r.status_code == 422, (extra, r.text)
        assert r.json()["errors"][0]["field"] == field
    headers = {**csrf(client), "Idempotency-Key": "mint-1"}
    body = {"creator_address": dev_chain.creator.address, "price_per_share_wei": "5", "shares_for_sale": 10}
    first = client.post("/v1/videos/v-ok/shares", json=body, headers=headers)
    again = client.post("/v1/videos/v-ok/shares", json=body, headers=headers)
    assert first.status_code == again.status_code == 202 and first.json()["job_id"] == again.json()["job_id"]
    other = client.post("/v1/videos/v-ok/shares", json=body, headers=csrf(client))
    assert other.status_code == 409
    assert client.get("/v1/videos/unknown/shares").status_code == 404


def test_other_tenants_see_404(client: TestClient, make_tenant: Callable[[str], str], dev_chain: Any) -> None:
    signup(client)
    video_id = f"video-{uuid.uuid4().hex[:8]}"
    assert fractionalize(client, dev_chain.creator.address, video_id).status_code == 202
    client.post(f"/v1/videos/{video_id}/revenue", json={"amount_wei": "10"}, headers=csrf(client))

    other_host = make_tenant("rival")
    with TestClient(client.app, base_url=f"http://{other_host}") as rival:
        signup(rival)
        assert rival.get(f"/v1/videos/{video_id}/shares").status_code == 404
        assert rival.get(f"/v1/videos/{video_id}/shares/holders").status_code == 404
        assert rival.get(f"/v1/videos/{video_id}/revenue").status_code == 404
        r = rival.post(f"/v1/videos/{video_id}/revenue", json={"amount_wei": "10"}, headers=csrf(rival))
        assert r.status_code == 404
        assert rival.get("/v1/shares").json()["items"] == []
        assert rival.get(f"/v1/shares/holdings/{dev_chain.creator.address}").json()["items"] == []
        # the same opaque video id is free in another workspace (a different token on chain)
        assert fractionalize(rival, dev_chain.creator.address, video_id).status_code == 202


def test_reads_need_sign_in_and_writes_need_the_scope(client: TestClient, dev_chain: Any) -> None:
    assert client.get("/v1/shares").status_code == 401
    signup(client)
    r = client.post("/v1/apikeys", json={"name": "ro", "scopes": ["read"]}, headers=csrf(client))
    key = r.json()["key"]
    anon = TestClient(client.app, base_url="http://localhost")
    auth = {"Authorization": f"Bearer {key}"}
    assert anon.get("/v1/shares", headers=auth).status_code == 200
    r = anon.post("/v1/videos/v1/revenue", json={"amount_wei": "1"}, headers=auth)
    assert r.status_code == 403


def test_no_chain_configured_is_503_with_the_reason(tmp_path: Any, sqlite_database: str) -> None:
    from flowai_testkit import make_settings

    from flowai.app import create_app

    settings = make_settings(tmp_path, sqlite_database, chain_autostart=False)
    with TestClient(create_app(AppContext.build(settings)), base_url="http://localhost") as c:
        signup(c)
        r = c.get("/v1/shares/chain")
        assert r.status_code == 503 and r.headers["Retry-After"] == "10"
        assert "FLOWAI_CHAIN_RPC_URL" in r.json()["detail"]
        assert c.get("/v1/shares").status_code == 200  # reads from the database still work


def test_cli_fractionalize_and_royalty_run(sqlite_database: str, dev_chain: Any, tmp_path: Any) -> None:
    """The CLI against the same database and chain; it prints JSON a script can read."""
    import json
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "FLOWAI_DATABASE_URL": sqlite_database,
        "FLOWAI_DATA_DIR": str(tmp_path),
        "FLOWAI_CHAIN_RPC_URL": dev_chain.dev.rpc_url,
        "FLOWAI_CHAIN_DEPLOYER_KEY": dev_chain.deployer.key.hex(),
        "FLOWAI_LOG_LEVEL": "WARNING",
    }
    video_id = f"cli-{uuid.uuid4().hex[:8]}"

    def flowai(*args: str) -> Any:
        out = subprocess.run(
            [sys.executable, "-m", "flowai", *args], env=env, capture_output=True, text=True, timeout=120
        )
        assert out.returncode == 0, out.stderr
        last = out.stdout.strip().splitlines()[-1]
        return json.loads(last) if last.startswith("{") else out.stdout

    made = flowai(
        "shares", "fractionalize", video_id, "--creator", dev_chain.creator.address,
        "--price-wei", str(PRICE), "--shares", "50",
    )  # fmt: skip
    assert made["status"] == "listed" and made["shares_for_sale"] == 50 and made["vault"]
    printed = flowai("shares", "chain", "--no-wait")  # the configured chain: print and exit
    assert f"RPC URL   {dev_chain.dev.rpc_url}" in printed and "chain id  545" in printed
    run = flowai("royalties", "run", "--tenant", "flowai")
    assert list(run) == ["00000000000000000000flowai"] and run["00000000000000000000flowai"]["failed"] == []
