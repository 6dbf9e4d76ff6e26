"""A fan invests in a video from the browser, earns royalties from a royalty run and claims them:
`flowai serve` starts its own dev chain (anvil, chain id 545) on first use; the page gets an
injected EIP-1193 wallet that forwards to anvil, whose dev accounts are unlocked, so
`eth_sendTransaction` is signed by anvil with the fan's dev key. Balances are checked on chain."""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from flowai_testkit import PASSWORD, LiveServer, unique_email, wait_until
from playwright.sync_api import expect
from web3 import HTTPProvider, Web3

from flowai.shares import artifacts as contract_artifacts

pytestmark = [pytest.mark.browser, pytest.mark.chain]

CREATOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # anvil dev account 1
FAN = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"  # anvil dev account 2
PRICE = 10**15
BOUGHT = 100

WALLET = """
(() => {
  const RPC = %(rpc)s, ACCOUNT = %(account)s;
  let id = 0;
  async function rpc(method, params) {
    const response = await fetch(RPC, {
      method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({jsonrpc: "2.0", id: ++id, method, params: params || []}),
    });
    const body = await response.json();
    if (body.error) throw Object.assign(new Error(body.error.message), {code: body.error.code, data: body.error.data});
    return body.result;
  }
  window.ethereum = {
    async request({method, params}) {
      window.__walletCalls = (window.__walletCalls || []).concat([method]);
      if (method === "eth_requestAccounts" || method === "eth_accounts") return [ACCOUNT];
      if (method === "eth_sendTransaction") return rpc(method, [{...params[0], from: ACCOUNT}]);
      return rpc(method, params);
    },
    on() {}, removeListener() {},
  };
})();
"""


def _session(base: str) -> tuple[httpx.Client, str]:
    """Sign up over HTTP (the platform's side: fractionalise, revenue, royalty runs)."""
    http = httpx.Client(base_url=base, timeout=60)
    email = unique_email("investor")
    token = http.get("/v1/auth/csrf").json()["csrf_token"]
    r = http.post(
        "/v1/auth/signup",
        json={"email": email, "password": PASSWORD, "display_name": "Grace"},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 201, r.text
    return http, email


def _csrf(http: httpx.Client) -> dict[str, str]:
    return {"X-CSRF-Token": http.cookies.get("flowai_csrf") or http.get("/v1/auth/csrf").json()["csrf_token"]}


def _wait_job(http: httpx.Client, job_id: str) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        job: dict[str, Any] = http.get(f"/v1/jobs/{job_id}").json()
        return job if job["status"] in ("succeeded", "failed", "cancelled") else None

    job = wait_until(done, timeout=90, interval=0.3, what=f"job {job_id}")
    assert job["status"] == "succeeded", job
    return job


def test_invest_royalty_claim_click_by_click(live_server: LiveServer, page: Any, artifacts: Path) -> None:
    started = time.monotonic()
    base = live_server.url
    http, email = _session(base)
    video_id = f"viral-{uuid.uuid4().hex[:6]}"
    body = {"creator_address": CREATOR, "price_per_share_wei": str(PRICE), "shares_for_sale": 1000,
            "revenue_share_bps": 10_000}  # fmt: skip
    r = http.post(
        f"/v1/videos/{video_id}/shares", json=body, headers={**_csrf(http), "Idempotency-Key": "mint"}
    )
    assert r.status_code == 202, r.text
    _wait_job(http, r.json()["job_id"])  # the first use starts anvil and deploys the contracts
    chain = http.get("/v1/shares/chain").json()
    rpc = chain["rpc_url"]
    assert chain["chain_id"] == 545 and rpc.startswith("http://127.0.0.1:")
    w3 = Web3(HTTPProvider(rpc))
    vault_address = http.get(f"/v1/videos/{video_id}/shares").json()["vault"]
    vault = w3.eth.contract(address=vault_address, abi=contract_artifacts.load("VideoVault").abi)

    page.add_init_script(WALLET % {"rpc": json.dumps(rpc), "account": json.dumps(FAN.lower())})
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base}/dashboard")
    page.get_by_role("navigation", name="Features").get_by_role("link", name="Shares").click()

    card = page.get_by_role("region", name=f"Video {video_id}")
    expect(card).to_contain_text("0.001 FLOW")
    expect(card).to_contain_text("0 of 1,000")

    # invest: connect the wallet, buy 100 shares
    card.get_by_role("button", name="Invest in this video").click()
    expect(card.get_by_test_id("my-position")).to_contain_text("Your shares: 0")
    card.get_by_label("Shares to buy").fill(str(BOUGHT))
    # the slippage guard starts at the listed price and is passed to buy(shares, maxPricePerShare)
    expect(card.get_by_label("Max price per share (FLOW)")).to_have_value("0.001")
    card.get_by_role("button", name=f"Buy {BOUGHT} shares").click()
    expect(card.get_by_role("status")).to_contain_text("confirmed in block", timeout=30_000)
    [bought] = vault.events.SharesPurchased.get_logs(from_block=0, argument_filters={"buyer": FAN})
    sent = w3.eth.get_transaction(bought["transactionHash"])
    _, args = vault.decode_function_input(sent["input"])
    assert (args["shares"], args["maxPricePerShare"]) == (BOUGHT, PRICE)
    expect(card.get_by_test_id("my-position")).to_contain_text(f"Your shares: {BOUGHT}", timeout=20_000)
    expect(card).to_contain_text(f"{BOUGHT} of 1,000")
    assert vault.functions.balanceOf(FAN).call() == BOUGHT * 10**18
    page.screenshot(path=str(artifacts / "invested.png"), full_page=True)

    # the platform records revenue and a royalty run deposits the holders' part
    r = http.post(
        f"/v1/videos/{video_id}/revenue", json={"amount_wei": str(10 * 10**18)}, headers=_csrf(http)
    )
    assert r.status_code == 201, r.text
    run = http.post("/v1/shares/royalty-runs", headers={**_csrf(http), "Idempotency-Key": f"run-{video_id}"})
    assert run.status_code == 202, run.text
    _wait_job(http, run.json()["id"])
    assert vault.functions.totalDeposited().call() == 10 * 10**18
    owed = vault.functions.claimableOf(FAN).call()
    # every share earns (the unsold listing for the creator): the fan's part is 100 / 1,000,000
    assert owed in (10 * 10**18 * BOUGHT // 10**6, 10 * 10**18 * BOUGHT // 10**6 - 1)

    # claim: the page shows what is claimable (from the indexed database), the wallet claims it
    page.get_by_role("button", name="Refresh").click()
    claim = card.get_by_role("button", name=re.compile(r"^Claim 0\.00(0999|1) FLOW"))  # 0.001 less dust
    expect(claim).to_be_enabled(timeout=20_000)
    before = w3.eth.get_balance(FAN)
    claim.click()
    expect(card.get_by_role("status")).to_contain_text("Claiming royalties: confirmed", timeout=30_000)
    expect(card.get_by_test_id("my-position")).to_contain_text("Claimable: 0 FLOW", timeout=20_000)

    # balances changed on chain: the fan got exactly what was owed, less the network fee
    assert vault.functions.claimableOf(FAN).call() == 0
    assert vault.functions.claimedOf(FAN).call() == owed
    [claimed] = vault.events.RevenueClaimed.get_logs(from_block=0, argument_filters={"holder": FAN})
    receipt = w3.eth.get_transaction_receipt(claimed["transactionHash"])
    fee = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert w3.eth.get_balance(FAN) == before + owed - fee
    page.screenshot(path=str(artifacts / "claimed.png"), full_page=True)
    assert time.monotonic() - started < 120
