"""VideoNFT / VideoVault / VideoVaultFactory rules, one behaviour per test, on titanoboa."""

from __future__ import annotations

from typing import Any

from eth_utils.crypto import keccak

DEPOSITOR_ROLE = keccak(text="DEPOSITOR_ROLE")
MINTER_ROLE = keccak(text="MINTER_ROLE")
PRICE = 10**15  # wei per whole share
MAX = 2**256 - 1  # no price limit


def deposit_id(n: int) -> bytes:
    return n.to_bytes(32, "big")


def test_lock_mints_every_share_to_the_creator(fresh: Any) -> None:
    vault, evm = fresh.vault, fresh.evm
    assert vault.locked()
    assert vault.creator() == fresh.creator
    assert vault.decimals() == 18
    assert vault.totalSupply() == evm.TOTAL_SHARES * evm.UNIT
    assert vault.balanceOf(fresh.creator) == evm.TOTAL_SHARES * evm.UNIT
    assert fresh.nft.ownerOf(fresh.token_id) == vault.address
    assert vault.name() == f"FlowAI Shares {evm.VIDEO_ID}"


def test_nft_metadata_royalty_and_interfaces(fresh: Any) -> None:
    nft, evm = fresh.nft, fresh.evm
    assert fresh.token_id == int.from_bytes(keccak(text=evm.VIDEO_ID), "big")
    assert nft.tokenIdOf(evm.VIDEO_ID) == fresh.token_id
    assert nft.tokenURI(fresh.token_id) == f"https://api.flowai.test/v1/nft/{evm.VIDEO_ID}"
    assert nft.videoIdOf(fresh.token_id) == evm.VIDEO_ID
    receiver, amount = nft.royaltyInfo(fresh.token_id, 10_000)
    assert (receiver, amount) == (fresh.creator, evm.ROYALTY_BPS)
    for interface in ("0x80ac58cd", "0x2a55205a", "0x7965db0b"):  # ERC-721, 2981, AccessControl
        assert nft.supportsInterface(bytes.fromhex(interface[2:]))
    nft.setBaseURI("https://shares.example/nft/", sender=fresh.admin)
    assert nft.tokenURI(fresh.token_id) == f"https://shares.example/nft/{evm.VIDEO_ID}"


def test_nft_mint_rules(fresh: Any) -> None:
    nft, evm = fresh.nft, fresh.evm
    stranger = fresh.holders[0]
    with evm.reverts("AccessControlUnauthorizedAccount", stranger, MINTER_ROLE):
        nft.mint(stranger, "video-2", 0, sender=stranger)
    with evm.reverts("ERC721InvalidSender"):
        nft.mint(fresh.creator, evm.VIDEO_ID, 0, sender=fresh.admin)  # one NFT per video
    with evm.reverts("RoyaltyTooHigh", 1_001, 1_000):
        nft.mint(fresh.creator, "video-2", 1_001, sender=fresh.admin)
    with evm.reverts("EmptyVideoId"):
        nft.mint(fresh.creator, "", 0, sender=fresh.admin)


def test_factory_makes_one_vault_per_video(fresh: Any) -> None:
    factory, evm = fresh.factory, fresh.evm
    assert factory.vaultOf(fresh.token_id) == fresh.vault.address
    with evm.reverts("VaultExists", fresh.token_id, fresh.vault.address):
        factory.createVault(fresh.token_id, sender=fresh.holders[0])
    with evm.reverts("ERC721NonexistentToken"):
        factory.createVault(12345, sender=fresh.admin)
    with evm.reverts("FeeTooHigh", 1_001, 1_000):
        factory.setFeeConfig(fresh.fee_recipient, 1_001, sender=fresh.admin)
    assert fresh.vault.platformFeeBps() == evm.FEE_BPS
    assert fresh.vault.hasRole(DEPOSITOR_ROLE, fresh.depositor)


def test_vault_accepts_only_its_own_nft(fresh: Any) -> None:
    nft, evm = fresh.nft, fresh.evm
    other = nft.mint(fresh.creator, "another-video", 0, sender=fresh.admin)
    with evm.reverts("UnexpectedNFT", nft.address, other):
        nft.safeTransferFrom(fresh.creator, fresh.vault.address, other, sender=fresh.creator)


def test_buy_pays_creator_less_fee_and_refunds_excess(fresh: Any) -> None:
    vault, evm = fresh.vault, fresh.evm
    buyer = fresh.holders[0]
    vault.list(1_000, PRICE, sender=fresh.creator)
    before = {a: evm.balance(a) for a in (buyer, fresh.creator, fresh.fee_recipient)}
    overpay = 123_456
    cost = vault.buy(40, MAX, value=40 * PRICE + overpay, sender=buyer)
    fee = cost * evm.FEE_BPS // 10_000
    assert cost == 40 * PRICE
    assert evm.balance(buyer) == before[buyer] - cost  # the excess came back
    assert evm.balance(fresh.creator) == before[fresh.creator] + cost - fee
    assert evm.balance(fresh.fee_recipient) == before[fresh.fee_recipient] + fee
    assert evm.balance(vault.address) == 0  # sale money never stays in the vault
    assert vault.balanceOf(buyer) == 40 * evm.UNIT
    assert vault.sharesForSale() == 960


def test_zero_amounts_revert_with_zero_amount(fresh: Any) -> None:
    vault, evm = fresh.vault, fresh.evm
    with evm.reverts("ZeroAmount"):
        vault.list(0, PRICE, sender=fresh.creator)
    with evm.reverts("ZeroAmount"):
        vault.list(10, 0, sender=fresh.creator)
    vault.list(10, PRICE, sender=fresh.creator)
    with evm.reverts("ZeroAmount"):
        vault.buy(0, MAX, value=PRICE, sender=fresh.holders[0])
    with evm.reverts("ZeroAmount"):
        vault.depositRevenue(deposit_id(1), value=0, sender=fresh.depositor)


def test_buying_more_than_listed_or_underpaying_reverts(fresh: Any) -> None:
    vault, evm = fresh.vault, fresh.evm
    buyer = fresh.holders[0]
    with evm.reverts("ExceedsListed", 1, 0):
        vault.buy(1, MAX, value=PRICE, sender=buyer)
    vault.list(100, PRICE, sender=fresh.creator)
    with evm.reverts("ExceedsListed", 101, 100):
        vault.buy(101, MAX, value=101 * PRICE, sender=buyer)
    with evm.reverts("InsufficientPayment", 5 * PRICE, 5 * PRICE - 1):
        vault.buy(5, MAX, value=5 * PRICE - 1, sender=buyer)
    assert vault.balanceOf(buyer) == 0


def test_only_creator_lists_and_cancels(fresh: Any) -> None:
    vault, evm = fresh.vault, fresh.evm
    holder = fresh.holders[0]
    vault.transfer(holder, 10 * evm.UNIT, sender=fresh.creator)
    with evm.reverts("NotCreator", holder):
        vault.list(1, PRICE, sender=holder)
    vault.list(500, PRICE, sender=fresh.creator)
    vault.list(250, 2 * PRICE, sender=fresh.creator)  # adds to the listing, new price for all
    assert (vault.sharesForSale(), vault.pricePerShare()) == (750, 2 * PRICE)
    with evm.reverts("NotCreator", holder):
        vault.cancelListing(sender=holder)
    vault.cancelListing(sender=fresh.creator)
    assert vault.sharesForSale() == 0
    assert vault.balanceOf(fresh.creator) == (evm.TOTAL_SHARES - 10) * evm.UNIT


def test_shares_cannot_be_sent_to_the_vault(fresh: Any) -> None:
    vault, evm = fresh.vault, fresh.evm
    with evm.reverts("ERC20InvalidReceiver", vault.address):
        vault.transfer(vault.address, evm.UNIT, sender=fresh.creator)
    vault.approve(fresh.holders[0], evm.UNIT, sender=fresh.creator)
    with evm.reverts("ERC20InvalidReceiver", vault.address):
        vault.transferFrom(fresh.creator, vault.address, evm.UNIT, sender=fresh.holders[0])


def test_unauthorised_deposit_reverts(fresh: Any) -> None:
    vault, evm = fresh.vault, fresh.evm
    outsider = fresh.holders[0]
    with evm.reverts("AccessControlUnauthorizedAccount", outsider, DEPOSITOR_ROLE):
        vault.depositRevenue(deposit_id(1), value=10**18, sender=outsider)
    with evm.reverts("AccessControlUnauthorizedAccount", fresh.creator, DEPOSITOR_ROLE):
        vault.depositRevenue(deposit_id(1), value=10**18, sender=fresh.creator)
    assert vault.totalDeposited() == 0


def test_deposit_ids_are_processed_once(fresh: Any) -> None:
    vault, evm = fresh.vault, fresh.evm
    vault.depositRevenue(deposit_id(7), value=10**18, sender=fresh.depositor)
    assert vault.depositProcessed(deposit_id(7))
    with evm.reverts("DepositAlreadyProcessed", deposit_id(7)):
        vault.depositRevenue(deposit_id(7), value=10**18, sender=fresh.depositor)
    assert vault.totalDeposited() == 10**18
    assert vault.claimableOf(fresh.creator) in (10**18 - 1, 10**18)  # sole eligible holder


def test_unsold_shares_earn_for_the_creator(fresh: Any) -> None:
    vault, evm = fresh.vault, fresh.evm
    buyer = fresh.holders[0]
    vault.list(400_000, PRICE, sender=fresh.creator)
    vault.buy(100_000, MAX, value=100_000 * PRICE, sender=buyer)
    assert vault.eligibleSupply() == evm.TOTAL_SHARES * evm.UNIT
    vault.depositRevenue(deposit_id(1), value=10 * 10**18, sender=fresh.depositor)
    # 300,000 unsold shares sit in the vault: they are the creator's, so the buyer gets 1/10
    # and the creator 9/10 (600,000 held + 300,000 listed).
    assert vault.claimableOf(buyer) in (10**18 - 1, 10**18)
    assert vault.claimableOf(fresh.creator) in (9 * 10**18 - 1, 9 * 10**18)
    assert vault.claimableOf(vault.address) == 0


def test_transfers_never_move_earned_revenue(fresh: Any) -> None:
    vault, evm = fresh.vault, fresh.evm
    alice, bob = fresh.holders[:2]
    vault.transfer(alice, 500_000 * evm.UNIT, sender=fresh.creator)
    vault.depositRevenue(deposit_id(1), value=10**18, sender=fresh.depositor)
    earned = vault.claimableOf(alice)
    assert earned in (5 * 10**17 - 1, 5 * 10**17)
    vault.transfer(bob, 500_000 * evm.UNIT, sender=alice)  # alice leaves after earning
    assert vault.claimableOf(alice) == earned
    assert vault.claimableOf(bob) == 0
    vault.depositRevenue(deposit_id(2), value=10**18, sender=fresh.depositor)
    assert vault.claimableOf(alice) == earned
    assert vault.claimableOf(bob) in (5 * 10**17 - 1, 5 * 10**17)


def test_claim_pays_exactly_what_was_earned_once(fresh: Any) -> None:
    vault, evm = fresh.vault, fresh.evm
    alice = fresh.holders[0]
    vault.transfer(alice, 250_000 * evm.UNIT, sender=fresh.creator)
    vault.depositRevenue(deposit_id(1), value=4 * 10**18, sender=fresh.depositor)
    owed = vault.claimableOf(alice)
    assert owed in (10**18 - 1, 10**18)  # a quarter, less at most 1 wei of rounding dust
    before = evm.balance(alice)
    assert vault.claim(sender=alice) == owed
    assert evm.balance(alice) == before + owed
    assert vault.claimedOf(alice) == owed
    assert vault.claimableOf(alice) == 0
    with evm.reverts("NothingToClaim"):
        vault.claim(sender=alice)


def test_rounding_dust_carries_into_the_next_deposit(fresh: Any) -> None:
    vault, evm = fresh.vault, fresh.evm
    magnitude = evm.MAGNITUDE
    # 1 wei cannot be split over 10^24 base units; it must not vanish either.
    vault.list(evm.TOTAL_SHARES - 3, PRICE, sender=fresh.creator)
    vault.transfer(fresh.holders[0], evm.UNIT, sender=fresh.creator)
    vault.transfer(fresh.holders[1], evm.UNIT, sender=fresh.creator)
    eligible = evm.TOTAL_SHARES * evm.UNIT  # every share, listed or not
    assert vault.eligibleSupply() == eligible
    vault.depositRevenue(deposit_id(1), value=1, sender=fresh.depositor)
    carry = magnitude % eligible
    assert vault.magnifiedRevenuePerShare() == magnitude // eligible
    assert vault.magnifiedCarry() == carry
    vault.depositRevenue(deposit_id(2), value=2, sender=fresh.depositor)
    assert vault.magnifiedRevenuePerShare() == magnitude // eligible + (2 * magnitude + carry) // eligible
    assert vault.magnifiedCarry() == (2 * magnitude + carry) % eligible
    # Everything listed: the whole deposit is the creator's, nothing waits for a later buyer.
    vault.transfer(fresh.creator, evm.UNIT, sender=fresh.holders[0])
    vault.transfer(fresh.creator, evm.UNIT, sender=fresh.holders[1])
    vault.list(3, PRICE, sender=fresh.creator)
    creator_before = vault.claimableOf(fresh.creator)
    vault.depositRevenue(deposit_id(3), value=10**18, sender=fresh.depositor)
    assert vault.magnifiedCarry() < evm.TOTAL_SHARES * evm.UNIT  # only a sub-wei remainder
    assert vault.claimableOf(fresh.creator) - creator_before in (10**18 - 1, 10**18)


def test_redeem_needs_every_share_and_keeps_earned_revenue(fresh: Any) -> None:
    vault, nft, evm = fresh.vault, fresh.nft, fresh.evm
    alice = fresh.holders[0]
    vault.transfer(alice, 1 * evm.UNIT, sender=fresh.creator)
    vault.depositRevenue(deposit_id(1), value=10**18, sender=fresh.depositor)
    creator_earned = vault.claimableOf(fresh.creator)
    with evm.reverts("NotAllShares", (evm.TOTAL_SHARES - 1) * evm.UNIT, evm.TOTAL_SHARES * evm.UNIT):
        vault.redeem(sender=fresh.creator)
    vault.transfer(fresh.creator, evm.UNIT, sender=alice)
    vault.redeem(sender=fresh.creator)
    assert nft.ownerOf(fresh.token_id) == fresh.creator
    assert vault.totalSupply() == 0
    assert not vault.locked()
    assert vault.claimableOf(fresh.creator) == creator_earned
    assert vault.claimableOf(alice) > 0
    with evm.reverts("NotLocked"):
        vault.depositRevenue(deposit_id(2), value=10**18, sender=fresh.depositor)
    with evm.reverts("NotLocked"):
        vault.redeem(sender=fresh.creator)
    # Locking again mints a fresh set of shares to the new locker.
    nft.safeTransferFrom(fresh.creator, vault.address, fresh.token_id, sender=fresh.creator)
    assert vault.locked()
    assert vault.balanceOf(fresh.creator) == evm.TOTAL_SHARES * evm.UNIT
    assert vault.claimableOf(fresh.creator) == creator_earned


def test_reentrant_claimer_gets_nothing_extra(fresh: Any) -> None:
    vault, evm = fresh.vault, fresh.evm
    funder, accomplice = fresh.holders[:2]
    attacker = evm.deploy("ReentrantClaimer", vault.address, sender=funder)
    vault.list(1_000, PRICE, sender=fresh.creator)
    attacker.buy(100, value=100 * PRICE + 1, sender=funder)  # the refund re-enters too
    assert attacker.reentryAttempts() == 1
    attacker.setAccomplice(accomplice, sender=funder)
    assert vault.balanceOf(accomplice) == 0
    # The refund payment moved nothing because the accomplice was not set yet.
    assert vault.balanceOf(attacker.address) == 100 * evm.UNIT
    vault.depositRevenue(deposit_id(1), value=10**21, sender=fresh.depositor)
    entitled = vault.claimableOf(attacker.address)
    assert entitled > 0
    before = evm.balance(attacker.address)
    attacker.claim(sender=funder)
    assert attacker.reentrySuccesses() == 0
    assert attacker.reentryAttempts() == 2
    assert evm.balance(attacker.address) == before + entitled
    assert vault.claimableOf(attacker.address) == 0
    # Shares moved mid-payment carry no revenue with them.
    assert vault.balanceOf(accomplice) == 100 * evm.UNIT
    assert vault.claimableOf(accomplice) == 0
    assert evm.balance(vault.address) == 10**21 - entitled
