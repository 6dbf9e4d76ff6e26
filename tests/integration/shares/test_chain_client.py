"""chain.py, devchain.py and deploy.py against a real anvil (chain id 545)."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from web3 import Web3

from flowai.shares import deploy, devchain
from flowai.shares.chain import (
    ChainClient,
    ChainIdMismatch,
    ContractRevert,
    ReceiptTimeout,
    RetryPolicy,
)

pytestmark = pytest.mark.chain

PRICE = 10**15
FAST_RETRY = RetryPolicy(attempts=5, base_delay=0.01, max_delay=0.05)


def gas_cost(receipt: Any) -> int:
    return int(receipt["gasUsed"]) * int(receipt["effectiveGasPrice"])


def fractionalized(chain: Any, platform: deploy.Platform, video_id: str, **kw: Any) -> Any:
    return deploy.fractionalize(
        chain.client,
        platform,
        minter=chain.admin,
        creator=chain.creator,
        video_id=video_id,
        shares_for_sale=kw.get("shares_for_sale", 10_000),
        price_per_share_wei=kw.get("price", PRICE),
    )


def test_dev_chain_is_flow_testnet_on_loopback(chain: Any) -> None:
    assert chain.dev.rpc_url.startswith("http://127.0.0.1:")
    answer = httpx.post(
        chain.dev.rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
    ).json()
    assert answer["result"] == "0x221"  # 545
    assert chain.client.chain_id == 545
    assert chain.client.balance(chain.buyer.address) > 10**21


def test_wrong_chain_id_is_refused(chain: Any) -> None:
    with pytest.raises(ChainIdMismatch, match="545"):
        ChainClient(chain.dev.rpc_url, expected_chain_id=747)


def test_fractionalise_buy_deposit_claim(chain: Any, platform: deploy.Platform) -> None:
    client = chain.client
    result = fractionalized(chain, platform, "video-flow-1")
    assert set(result.transactions) == {"mint", "create_vault", "lock", "list"}
    assert (result.shares_for_sale, result.price_per_share_wei) == (10_000, PRICE)
    assert result.creator == chain.creator.address
    nft = client.contract("VideoNFT", platform.nft)
    assert client.call(nft.functions.ownerOf(result.token_id)) == result.vault
    assert client.call(nft.functions.tokenURI(result.token_id)).endswith("/v1/nft/video-flow-1")
    vault = client.contract("VideoVault", result.vault)

    buyer, creator, fee_to = chain.buyer.address, chain.creator.address, chain.fee_recipient.address
    before = {a: client.balance(a) for a in (buyer, creator, fee_to)}
    receipt = client.transact(chain.buyer, vault.functions.buy(2_500, PRICE), value=2_500 * PRICE + 777)
    cost = 2_500 * PRICE
    fee = cost * 250 // 10_000
    assert client.balance(buyer) == before[buyer] - cost - gas_cost(receipt)  # 777 refunded
    assert client.balance(creator) == before[creator] + cost - fee
    assert client.balance(fee_to) == before[fee_to] + fee
    assert client.call(vault.functions.balanceOf(buyer)) == 2_500 * 10**18

    client.transact(chain.depositor, vault.functions.depositRevenue(b"\x01" * 32), value=10**18)
    # every share earns: 2,500 the buyer's; 990,000 held + 7,500 still listed the creator's
    owed = client.call(vault.functions.claimableOf(buyer))
    assert owed in (2_500 * 10**12 - 1, 2_500 * 10**12)
    assert client.call(vault.functions.claimableOf(creator)) in (997_500 * 10**12 - 1, 997_500 * 10**12)
    before_claim = client.balance(buyer)
    receipt = client.transact(chain.buyer, vault.functions.claim())
    assert client.balance(buyer) == before_claim + owed - gas_cost(receipt)
    assert client.call(vault.functions.claimableOf(buyer)) == 0
    state = deploy.vault_state(client, result.vault)
    assert state.total_deposited_wei == 10**18
    assert state.shares_for_sale == 7_500


def test_fractionalise_is_resumable(chain: Any, platform: deploy.Platform) -> None:
    first = fractionalized(chain, platform, "video-resume")
    again = fractionalized(chain, platform, "video-resume")
    assert again.transactions == {}
    assert (again.vault, again.token_id, again.shares_for_sale) == (
        first.vault,
        first.token_id,
        first.shares_for_sale,
    )


def test_reverts_are_decoded_before_sending(chain: Any, platform: deploy.Platform) -> None:
    result = fractionalized(chain, platform, "video-revert", shares_for_sale=10)
    vault = chain.client.contract("VideoVault", result.vault)
    nonce = chain.client.w3.eth.get_transaction_count(chain.buyer.address)
    with pytest.raises(ContractRevert) as caught:
        chain.client.transact(chain.buyer, vault.functions.buy(11, PRICE), value=11 * PRICE)
    assert (caught.value.error, caught.value.args_) == ("ExceedsListed", (11, 10))
    with pytest.raises(ContractRevert) as caught:
        chain.client.transact(chain.buyer, vault.functions.depositRevenue(b"\x02" * 32), value=1)
    assert caught.value.error == "AccessControlUnauthorizedAccount"
    assert caught.value.args_[0] == chain.buyer.address
    assert chain.client.w3.eth.get_transaction_count(chain.buyer.address) == nonce  # none sent


def test_revert_on_chain_is_decoded_from_the_receipt(chain: Any, platform: deploy.Platform) -> None:
    result = fractionalized(chain, platform, "video-onchain-revert", shares_for_sale=5)
    vault = chain.client.contract("VideoVault", result.vault)
    with pytest.raises(ContractRevert) as caught:  # fixed gas: no estimate, so it is mined
        chain.client.transact(chain.buyer, vault.functions.buy(0, PRICE), gas=200_000)
    assert caught.value.error == "ZeroAmount"
    assert caught.value.tx_hash is not None
    receipt = chain.client.w3.eth.get_transaction_receipt(caught.value.tx_hash)
    assert receipt["status"] == 0


def test_concurrent_sends_from_one_account_get_consecutive_nonces(
    chain: Any, platform: deploy.Platform
) -> None:
    client = chain.client
    result = fractionalized(chain, platform, "video-concurrent", shares_for_sale=1)
    vault = client.contract("VideoVault", result.vault)
    start_nonce = client.w3.eth.get_transaction_count(chain.depositor.address)
    receipts: list[Any] = []
    errors: list[BaseException] = []
    guard = threading.Lock()

    def deposit(worker: int) -> None:
        try:
            for i in range(3):
                deposit_id = (worker * 100 + i + 1).to_bytes(32, "big")
                call = vault.functions.depositRevenue(deposit_id)
                receipt = client.transact(chain.depositor, call, value=10**15)
                with guard:
                    receipts.append(receipt)
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=deposit, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    nonces = sorted(client.w3.eth.get_transaction(r["transactionHash"])["nonce"] for r in receipts)
    assert nonces == list(range(start_nonce, start_nonce + 18))
    assert client.call(vault.functions.totalDeposited()) == 18 * 10**15


def test_nonce_resyncs_after_a_send_from_elsewhere(chain: Any) -> None:
    client = chain.client
    sender = chain.spare[0]
    client.send_value(sender, chain.spare[1].address, 1)  # client now caches the next nonce
    other = ChainClient(chain.dev.rpc_url, expected_chain_id=545)
    other.send_value(sender, chain.spare[1].address, 1)  # same key, another process
    receipt = client.send_value(sender, chain.spare[1].address, 1)  # stale cache → resync
    assert receipt["status"] == 1
    assert client.w3.eth.get_transaction_count(sender.address) == 3


def test_transient_rpc_errors_are_retried(chain: Any, platform: deploy.Platform, flaky_proxy: Any) -> None:
    result = fractionalized(chain, platform, "video-flaky", shares_for_sale=100)

    def plan(method: str, count: int) -> str:
        if method == "eth_sendRawTransaction":
            return "lose" if count == 0 else "ok"  # reached anvil, answer lost
        if count == 0:  # the first request of every method fails once
            return "drop" if method == "eth_estimateGas" else "503"
        return "ok"

    with flaky_proxy(plan) as proxy:
        client = ChainClient(proxy.url, expected_chain_id=545, retry=FAST_RETRY)
        vault = client.contract("VideoVault", result.vault)
        nonce = chain.client.w3.eth.get_transaction_count(chain.buyer.address)
        receipt = client.transact(chain.buyer, vault.functions.buy(3, PRICE), value=3 * PRICE)
    assert receipt["status"] == 1
    assert proxy.fates("eth_sendRawTransaction")[:2] == ["lose", "ok"]
    assert {"503", "drop"} <= {fate for _, fate in proxy.seen}
    # The resend of the same signed transaction did not buy twice.
    assert chain.client.w3.eth.get_transaction_count(chain.buyer.address) == nonce + 1
    direct = chain.client.contract("VideoVault", result.vault)
    assert chain.client.call(direct.functions.sharesForSale()) == 97


def test_persistent_rpc_failure_gives_up(chain: Any, flaky_proxy: Any) -> None:
    with flaky_proxy(lambda method, count: "503") as proxy, pytest.raises(Exception) as caught:
        ChainClient(proxy.url, expected_chain_id=545, retry=FAST_RETRY)
    assert "503" in str(caught.value)
    assert len(proxy.seen) == FAST_RETRY.attempts


def test_receipt_wait_times_out_then_sees_the_block(chain: Any) -> None:
    client = chain.client
    w3: Web3 = client.w3
    w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
    try:
        tx_hash = client.send(
            chain.spare[2],
            client.w3.eth.contract(abi=[], bytecode=b"\x00").constructor(),
            gas=100_000,
        )
        with pytest.raises(ReceiptTimeout):
            client.wait_for_receipt(tx_hash, timeout=0.3)
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        assert client.wait_for_receipt(tx_hash, timeout=10)["status"] == 1
    finally:
        w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]


def test_dev_chain_stops(chain: Any) -> None:
    with devchain.running(accounts=1) as second:
        assert second.running
        assert second.rpc_url != chain.dev.rpc_url
        assert len(second.accounts) == 1
    assert not second.running
    assert not second.log_path.parent.exists()  # its temporary folder is gone too
