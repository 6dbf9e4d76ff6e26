"""Property test: random sequences of list, buy (with a price limit), transfer, deposit, claim,
claimTo, redeem and relock (safe or plain `transferFrom`) against an exact integer model of the
vault's pro-rata revenue.

After every step, for every account (the creator, five holders and a re-entrant contract):
- `claimableOf` equals the model: the magnified per-share increment of each deposit is
  floor((value * 2^128 + carry) / 1,000,000 shares), the remainder carries into the next
  deposit, and each account earns increment * its balance at deposit time, the creator also
  increment * the shares it has listed unsold; claimable = floor(earned / 2^128) less what it
  claimed. The model never looks at the contract's per-holder corrections, so any revenue moved
  by a transfer, a sale or a listing would show here;
- every unit of revenue goes to the holders at deposit time or to the creator: everything paid
  out or claimable is at most 1 wei below the exact rational pro-rata share (unsold shares
  counted as the creator's) and never above it by more than the sub-wei carry, so a later
  buyer never receives revenue deposited before it bought;
- claimed + claimable + dust == deposits, with dust exactly the carried remainder plus the
  holders' sub-wei fractions, and dust <= 1 wei per earning holder per deposit (plus the carry
  of under 1 wei); the vault's coin balance == deposits - claims, which covers everything
  claimable;
- the re-entrant contract (it re-enters `claim` and moves its shares away while being paid)
  never gets more than the model says.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from fractions import Fraction
from typing import Any

import boa
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

M = 2**128
UNIT = 10**18
TOTAL = 1_000_000 * UNIT
EXAMPLES = int(os.environ.get("FLOWAI_SHARES_EXAMPLES", "50"))
STEPS = int(os.environ.get("FLOWAI_SHARES_STEPS", "25"))
TINY = Fraction(1, 10**9)
EOA_COUNT = 6  # creator + five holders
deposit_values = st.one_of(st.integers(1, 1_000), st.integers(1, 10**21))


class VaultModel(RuleBasedStateMachine):
    """One Hypothesis example: a fresh anchor of the deployed vault and its integer model."""

    def __init__(self, deployment: Any) -> None:
        super().__init__()
        self.d = deployment
        self.evm = deployment.evm
        self.vault = deployment.vault
        self._anchor = ExitStack()
        self._anchor.enter_context(boa.env.anchor())
        self.eoas = [deployment.creator, *deployment.holders]
        self.funder = deployment.holders[3]
        self.accomplice = deployment.holders[4]
        self.attacker = self.evm.deploy("ReentrantClaimer", self.vault.address, sender=self.funder)
        self.attacker.setAccomplice(self.accomplice, sender=self.funder)
        self.accounts: list[str] = [*self.eoas, str(self.attacker.address)]
        self.creator = deployment.creator
        self.nft_owner: str | None = None
        self.redeemed = False  # one redeem per example leaves room for everything else
        self.locked = True
        self.bal = dict.fromkeys(self.accounts, 0)
        self.bal[self.creator] = TOTAL
        self.listed = 0
        self.price = 0
        self.earned = dict.fromkeys(self.accounts, 0)  # magnified
        self.claimed = dict.fromkeys(self.accounts, 0)
        self.exact = {a: Fraction(0) for a in self.accounts}
        self.carry = 0
        self.dust_bound = 0  # 1 wei per earning holder per deposit, plus the carried remainder
        self.deposits = 0
        self.deposit_count = 0
        self.hooks_left = 3  # ReentrantClaimer acts on its first three payments

    def teardown(self) -> None:
        self._anchor.close()

    # ---------------------------------------------------------------- helpers

    @property
    def attacker_address(self) -> str:
        return self.accounts[-1]

    def eligible(self) -> int:
        """Every share earns while locked: the holders' and the unsold ones (the creator's)."""
        return sum(self.bal.values()) + self.listed * UNIT

    def earning(self) -> dict[str, int]:
        """Base units each account earns on: its balance, and for the creator the listing too."""
        earning = dict(self.bal)
        earning[self.creator] += self.listed * UNIT
        return earning

    def claimable(self, account: str) -> int:
        return self.earned[account] // M - self.claimed[account]

    def paid_attacker(self) -> None:
        """Mirror ReentrantClaimer.receive: while hooks last, all its shares go to the accomplice
        (its re-entrant claim is refused by the guard)."""
        if self.hooks_left == 0:
            return
        self.hooks_left -= 1
        moved = self.bal[self.attacker_address]
        self.bal[self.attacker_address] = 0
        self.bal[self.accomplice] += moved

    # ---------------------------------------------------------------- rules

    @precondition(lambda self: self.locked)
    @rule(shares=st.integers(1, 400_000), price=st.integers(1, 10**16))
    def list_shares(self, shares: int, price: int) -> None:
        if self.bal[self.creator] < shares * UNIT:
            return
        self.vault.list(shares, price, sender=self.creator)
        self.bal[self.creator] -= shares * UNIT
        self.listed += shares
        self.price = price
        assert self.vault.sharesForSale() == self.listed

    @precondition(lambda self: self.listed > 0)
    @rule()
    def cancel_listing(self) -> None:
        self.vault.cancelListing(sender=self.creator)
        self.bal[self.creator] += self.listed * UNIT
        self.listed = 0

    @rule(buyer=st.integers(0, EOA_COUNT), extra=st.integers(0, 10**15), data=st.data())
    def buy(self, buyer: int, extra: int, data: Any) -> None:
        within = st.integers(1, max(1, self.listed))
        shares = data.draw(st.one_of(within, st.integers(1, 10**6)), label="shares")
        limit = data.draw(
            st.one_of(st.just(self.price), st.integers(0, 2 * max(1, self.price))), label="max_price"
        )
        who = self.accounts[buyer]
        via_attacker = who == self.attacker_address
        payer = self.funder if via_attacker else who
        if shares > self.listed:
            with self.evm.reverts("ExceedsListed", shares, self.listed):
                self.vault.buy(shares, limit, value=shares * self.price + extra, sender=payer)
            return
        if self.price > limit and not via_attacker:  # ReentrantClaimer buys at any price
            with self.evm.reverts("PriceAboveMax", self.price, limit):
                self.vault.buy(shares, limit, value=shares * self.price + extra, sender=payer)
            return
        cost = shares * self.price
        fee = cost * self.evm.FEE_BPS // 10_000
        watched = {a: self.evm.balance(a) for a in {payer, who, self.creator, self.d.fee_recipient}}
        if via_attacker:
            self.attacker.buy(shares, value=cost + extra, sender=payer)
        else:
            self.vault.buy(shares, limit, value=cost + extra, sender=payer)
        self.listed -= shares
        self.bal[who] += shares * UNIT
        expected = dict(watched)
        expected[payer] -= cost + extra
        expected[who] += extra  # the refund goes to the caller of buy
        expected[self.creator] += cost - fee
        expected[self.d.fee_recipient] += fee
        if via_attacker and extra:
            self.paid_attacker()
        assert {a: self.evm.balance(a) for a in watched} == expected
        assert self.vault.balanceOf(who) == self.bal[who]

    @rule(src=st.integers(0, EOA_COUNT - 1), dst=st.integers(0, EOA_COUNT), data=st.data())
    def transfer(self, src: int, dst: int, data: Any) -> None:
        sender, receiver = self.accounts[src], self.accounts[dst]
        everything = st.just(self.bal[sender])
        amount = data.draw(st.one_of(st.integers(0, self.bal[sender]), everything), label="amount")
        self.vault.transfer(receiver, amount, sender=sender)
        self.bal[sender] -= amount
        self.bal[receiver] += amount
        assert self.vault.balanceOf(sender) == self.bal[sender]

    @rule(value=deposit_values)
    def deposit(self, value: int) -> None:
        self.deposit_count += 1
        deposit_id = self.deposit_count.to_bytes(32, "big")
        if not self.locked:
            with self.evm.reverts("NotLocked"):
                self.vault.depositRevenue(deposit_id, value=value, sender=self.d.depositor)
            return
        self.vault.depositRevenue(deposit_id, value=value, sender=self.d.depositor)
        self.deposits += value
        eligible = self.eligible()
        assert eligible == TOTAL  # never zero while locked: no deposit waits for a later buyer
        increment, self.carry = divmod(value * M + self.carry, eligible)
        earning = self.earning()
        for account, balance in earning.items():
            self.earned[account] += increment * balance
            self.exact[account] += Fraction(value * balance, eligible)
        self.dust_bound += sum(1 for balance in earning.values() if balance)

    @rule(index=st.integers(0, EOA_COUNT - 1), recipient=st.integers(0, EOA_COUNT - 1))
    def claim_to(self, index: int, recipient: int) -> None:
        who, to = self.eoas[index], self.eoas[recipient]
        owed = self.claimable(who)
        if owed == 0:
            with self.evm.reverts("NothingToClaim"):
                self.vault.claimTo(to, sender=who)
            return
        before = {a: self.evm.balance(a) for a in {who, to}}
        self.vault.claimTo(to, sender=who)
        self.claimed[who] += owed
        expected = dict(before)
        expected[to] += owed
        assert {a: self.evm.balance(a) for a in before} == expected

    @rule(index=st.integers(0, EOA_COUNT))
    def claim(self, index: int) -> None:
        who = self.accounts[index]
        owed = self.claimable(who)
        is_attacker = who == self.attacker_address
        if owed == 0:
            with self.evm.reverts("NothingToClaim"):
                if is_attacker:
                    self.attacker.claim(sender=self.funder)
                else:
                    self.vault.claim(sender=who)
            return
        before = self.evm.balance(who)
        if is_attacker:
            self.attacker.claim(sender=self.funder)
            self.paid_attacker()
        else:
            self.vault.claim(sender=who)
        self.claimed[who] += owed
        assert self.evm.balance(who) == before + owed

    @precondition(lambda self: self.locked and not self.redeemed and self.deposit_count >= 2)
    @rule(index=st.integers(0, EOA_COUNT - 1))
    def redeem(self, index: int) -> None:
        """Gather every EOA's shares in one account, then redeem the NFT with them."""
        who = self.eoas[index]
        if self.listed:
            self.cancel_listing()
        for other in self.eoas:
            if other != who and self.bal[other]:
                self.vault.transfer(who, self.bal[other], sender=other)
                self.bal[who] += self.bal[other]
                self.bal[other] = 0
        if self.bal[who] != TOTAL:  # the re-entrant contract still holds some
            with self.evm.reverts("NotAllShares", self.bal[who], TOTAL):
                self.vault.redeem(sender=who)
            return
        self.vault.redeem(sender=who)
        self.redeemed = True
        self.bal[who] = 0
        self.locked = False
        self.price = 0
        self.nft_owner = who
        assert self.d.nft.ownerOf(self.d.token_id) == who
        assert self.vault.totalSupply() == 0

    @precondition(lambda self: not self.locked)
    @rule(plain=st.booleans())
    def relock(self, plain: bool) -> None:
        owner = self.nft_owner
        assert owner is not None
        send = self.d.nft.transferFrom if plain else self.d.nft.safeTransferFrom
        send(owner, self.vault.address, self.d.token_id, sender=owner)
        self.locked = True
        self.creator = owner
        self.bal[owner] = TOTAL
        assert self.vault.creator() == owner

    # ---------------------------------------------------------------- invariants

    @invariant()
    def revenue_matches_the_model(self) -> None:
        on_chain = {a: self.vault.claimableOf(a) for a in self.accounts}
        assert on_chain == {a: self.claimable(a) for a in self.accounts}
        assert self.vault.magnifiedCarry() == self.carry
        assert self.vault.totalDeposited() == self.deposits
        for account in self.accounts:
            # Rounding only ever keeps back less than 1 wei, and carried dust hands out at most
            # a sub-wei remainder (< eligible / 2^128 per deposit) beyond the exact share.
            paid_or_owed = self.claimed[account] + on_chain[account]
            assert -1 - TINY < paid_or_owed - self.exact[account] <= TINY, account
        claimed = sum(self.claimed.values())
        dust = self.deposits - claimed - sum(on_chain.values())
        assert dust >= 0
        assert dust * M == self.carry + sum(e % M for e in self.earned.values())
        assert self.carry < TOTAL  # the carry is a sub-wei remainder, never a whole deposit
        assert dust <= self.dust_bound + 1
        vault_coin = self.evm.balance(self.vault.address)
        assert vault_coin == self.deposits - claimed
        assert vault_coin >= sum(on_chain.values())
        assert self.attacker.reentrySuccesses() == 0


@pytest.mark.slow
def test_vault_matches_integer_model(deployment: Any) -> None:
    class OnDeployment(VaultModel):
        def __init__(self) -> None:
            super().__init__(deployment)

    run_state_machine_as_test(
        OnDeployment,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
