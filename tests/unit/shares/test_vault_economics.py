"""Regression tests for issue 12 (part 5): who earns revenue, slippage on `buy`, revenue for a
holder that cannot receive the native coin, and NFTs sent with plain `transferFrom`.

Each test reproduces the scenario of the issue and fails on the contracts before the fix.
"""

from __future__ import annotations

from typing import Any

FLOW = 10**18
PRICE = 10**15  # wei per whole share
MAX = 2**256 - 1


def deposit_id(n: int) -> bytes:
    return n.to_bytes(32, "big")


def test_revenue_deposited_while_everything_is_listed_is_the_creators(fresh: Any) -> None:
    """List all 1,000,000 shares, deposit 100 FLOW, buy 1 share, deposit 1 wei: the 100 FLOW
    belongs to the creator (the holder at deposit time), not to the later buyer."""
    vault, evm = fresh.vault, fresh.evm
    buyer = fresh.holders[0]
    vault.list(evm.TOTAL_SHARES, PRICE, sender=fresh.creator)
    assert vault.balanceOf(fresh.creator) == 0
    vault.depositRevenue(deposit_id(1), value=100 * FLOW, sender=fresh.depositor)
    assert vault.claimableOf(fresh.creator) in (100 * FLOW - 1, 100 * FLOW)
    vault.buy(1, PRICE, value=PRICE, sender=buyer)
    vault.depositRevenue(deposit_id(2), value=1, sender=fresh.depositor)
    assert vault.claimableOf(buyer) == 0  # 1 wei over 1,000,000 shares: under 1 wei each
    creator_owed = vault.claimableOf(fresh.creator)
    assert creator_owed in (100 * FLOW - 1, 100 * FLOW, 100 * FLOW + 1)
    before = evm.balance(fresh.creator)
    vault.claim(sender=fresh.creator)
    assert evm.balance(fresh.creator) == before + creator_owed
    with evm.reverts("NothingToClaim"):
        vault.claim(sender=buyer)


def test_unsold_listed_shares_earn_for_the_creator_not_the_buyers(fresh: Any) -> None:
    """List 1,000,000, buy 1, deposit 1000 FLOW: the buyer earns 1/1,000,000 of it, the
    creator the part of the 999,999 unsold shares."""
    vault, evm = fresh.vault, fresh.evm
    buyer = fresh.holders[0]
    vault.list(evm.TOTAL_SHARES, PRICE, sender=fresh.creator)
    vault.buy(1, PRICE, value=PRICE, sender=buyer)
    vault.depositRevenue(deposit_id(1), value=1000 * FLOW, sender=fresh.depositor)
    share = 1000 * FLOW // evm.TOTAL_SHARES
    assert vault.claimableOf(buyer) in (share - 1, share)
    assert vault.claimableOf(fresh.creator) in (1000 * FLOW - share - 1, 1000 * FLOW - share)
    assert vault.claimableOf(vault.address) == 0
    # Selling a listed share later does not hand the buyer revenue deposited before.
    later = fresh.holders[1]
    vault.buy(10, PRICE, value=10 * PRICE, sender=later)
    assert vault.claimableOf(later) == 0
    creator_owed = vault.claimableOf(fresh.creator)
    vault.cancelListing(sender=fresh.creator)
    assert vault.claimableOf(fresh.creator) == creator_owed  # unlisting moves nothing either


def test_buy_refuses_a_price_above_the_buyers_limit(fresh: Any) -> None:
    """A creator who reprices the listing just before a purchase cannot charge more than the
    buyer's `maxPricePerShare`."""
    vault, evm = fresh.vault, fresh.evm
    buyer = fresh.holders[0]
    vault.list(1_000, PRICE, sender=fresh.creator)
    vault.list(1, 50 * PRICE, sender=fresh.creator)  # the front-run: every listed share repriced
    before = evm.balance(buyer)
    with evm.reverts("PriceAboveMax", 50 * PRICE, PRICE):
        vault.buy(10, PRICE, value=10 * 50 * PRICE, sender=buyer)
    assert evm.balance(buyer) == before
    assert vault.balanceOf(buyer) == 0
    vault.list(1, PRICE, sender=fresh.creator)  # back at the price the buyer agreed to
    assert vault.buy(10, PRICE, value=10 * PRICE, sender=buyer) == 10 * PRICE
    assert vault.balanceOf(buyer) == 10 * evm.UNIT


def test_claim_to_pays_a_holder_that_cannot_receive_the_coin(fresh: Any) -> None:
    vault, evm = fresh.vault, fresh.evm
    funder, treasury = fresh.holders[:2]
    holder = evm.deploy("NonPayableHolder", vault.address, sender=funder)
    vault.list(1_000, PRICE, sender=fresh.creator)
    holder.buy(100, value=100 * PRICE, sender=funder)
    vault.depositRevenue(deposit_id(1), value=10 * FLOW, sender=fresh.depositor)
    owed = vault.claimableOf(holder.address)
    assert owed in (10**15 - 1, 10**15)
    with evm.reverts("PaymentFailed", holder.address, owed):
        holder.claim(sender=funder)
    with evm.reverts("InvalidRecipient"):
        holder.claimTo("0x0000000000000000000000000000000000000000", sender=funder)
    before = evm.balance(treasury)
    holder.claimTo(treasury, sender=funder)
    assert evm.balance(treasury) == before + owed
    assert vault.claimedOf(holder.address) == owed
    assert vault.claimableOf(holder.address) == 0
    with evm.reverts("NothingToClaim"):
        holder.claimTo(treasury, sender=funder)


def test_claim_to_pays_only_the_callers_own_revenue(fresh: Any) -> None:
    vault, evm = fresh.vault, fresh.evm
    alice, stranger = fresh.holders[:2]
    vault.transfer(alice, 500_000 * evm.UNIT, sender=fresh.creator)
    vault.depositRevenue(deposit_id(1), value=2 * FLOW, sender=fresh.depositor)
    with evm.reverts("NothingToClaim"):
        vault.claimTo(stranger, sender=stranger)
    owed = vault.claimableOf(alice)
    before = evm.balance(stranger)
    assert vault.claimTo(stranger, sender=alice) == owed
    assert evm.balance(stranger) == before + owed
    assert vault.claimableOf(fresh.creator) in (FLOW - 1, FLOW)  # untouched


def test_plain_transfer_from_into_a_vault_locks_it(fresh: Any) -> None:
    """An NFT sent to its vault with plain `transferFrom` is locked (shares to the sender), the
    same as with `safeTransferFrom`; before the fix it sat in the vault for ever, unlocked."""
    nft, factory, evm = fresh.nft, fresh.factory, fresh.evm
    creator = fresh.holders[0]
    token_id = nft.mint(creator, "plain-transfer-video", 0, sender=fresh.admin)
    vault = evm.at("VideoVault", factory.createVault(token_id, sender=fresh.admin))
    nft.transferFrom(creator, vault.address, token_id, sender=creator)
    assert nft.ownerOf(token_id) == vault.address
    assert vault.locked()
    assert vault.creator() == creator
    assert vault.balanceOf(creator) == evm.TOTAL_SHARES * evm.UNIT
    # The holder of every share can take it back, and send it in again the same way.
    vault.redeem(sender=creator)
    assert nft.ownerOf(token_id) == creator
    nft.approve(fresh.holders[1], token_id, sender=creator)
    nft.transferFrom(creator, vault.address, token_id, sender=fresh.holders[1])  # an operator
    assert vault.locked() and vault.creator() == creator


def test_plain_transfer_from_to_a_contract_that_is_not_a_receiver_is_refused(fresh: Any) -> None:
    nft, evm = fresh.nft, fresh.evm
    creator = fresh.holders[0]
    token_id = nft.mint(creator, "refused-video", 0, sender=fresh.admin)
    token = evm.deploy("PlainToken", creator, 1, sender=creator)  # no onERC721Received
    with evm.reverts("ERC721InvalidReceiver", token.address):
        nft.transferFrom(creator, token.address, token_id, sender=creator)
    other = fresh.vault  # a vault refuses a token that is not its own, plain or safe
    with evm.reverts("UnexpectedNFT", nft.address, token_id):
        nft.transferFrom(creator, other.address, token_id, sender=creator)
    assert nft.ownerOf(token_id) == creator
    nft.transferFrom(creator, fresh.holders[1], token_id, sender=creator)  # accounts as before
    assert nft.ownerOf(token_id) == fresh.holders[1]
