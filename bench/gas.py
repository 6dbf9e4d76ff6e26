"""Gas of the viral-shares operations on a real EVM (anvil, chain id 545), next to a plain
OpenZeppelin ERC-20 transfer measured in the same run.

Run: `.venv/bin/python bench/gas.py` (needs `make deps` for anvil). Transfers and claims are
measured after revenue was deposited, when the share token also updates revenue corrections.

"before" is the vault of commit 5eb6195 (before issue 12 part 5: unsold shares earned nothing,
`buy(shares)` had no price limit, no `claimTo`), measured with this same script on anvil; the
"after" column is measured now. The steady-state share transfer and claim must stay within
1.5x of the plain ERC-20 transfer (checked at the end; the script exits 1 if not).
"""

from __future__ import annotations

import sys
from typing import Any

from eth_account.signers.local import LocalAccount

from flowai.shares import deploy, devchain
from flowai.shares.chain import ChainClient, account_from_key

PRICE = 10**15
UNIT = 10**18
LIMIT = 1.5  # steady-state transfer and claim, times the plain ERC-20 transfer
STEADY = ("share transfer, existing holder", "claim, again")
# Gas of the same operations on the vault before this change (commit 5eb6195, anvil).
BEFORE = {
    "plain ERC-20 transfer, new holder": 51_601,
    "plain ERC-20 transfer, existing holder": 34_501,
    "mint video NFT": 122_899,
    "create vault (factory)": 1_738_374,
    "lock (NFT in, 1,000,000 shares minted)": 133_498,
    "list shares": 102_386,
    "buy, new holder": 92_065,
    "buy, existing holder": 68_000,
    "deposit revenue, first": 122_436,
    "deposit revenue, steady": 71_136,
    "share transfer, new holder, sender's first since revenue": 98_884,
    "share transfer, existing holder": 47_584,
    "share transfer, new holder": 81_784,
    "claim, first": 59_906,
    "deposit revenue, third": 71_136,
    "claim, again": 42_806,
}


def main() -> None:
    with devchain.running() as dev:
        client = ChainClient(dev.rpc_url, expected_chain_id=devchain.FLOW_EVM_TESTNET_CHAIN_ID)
        admin, creator, alice, bob, depositor, fee_to, carol = (
            account_from_key(a.private_key) for a in dev.accounts[:7]
        )
        gas: dict[str, int] = {}

        def run(label: str, account: LocalAccount, call: Any, value: int = 0) -> None:
            receipt = client.transact(account, call, value=value)
            gas[label] = int(receipt["gasUsed"])

        # Baseline: a plain OpenZeppelin ERC-20 (same compiler, same settings).
        token_address, _ = client.deploy(admin, "PlainToken", admin.address, 10**6 * UNIT)
        token = client.contract("PlainToken", token_address)
        run("plain ERC-20 transfer, new holder", admin, token.functions.transfer(alice.address, UNIT))
        run("plain ERC-20 transfer, existing holder", admin, token.functions.transfer(alice.address, UNIT))

        platform = deploy.deploy_platform(
            client, admin, base_uri="http://127.0.0.1:8000/v1/nft/",
            depositor=depositor.address, fee_recipient=fee_to.address, fee_bps=250,
        )  # fmt: skip
        nft = client.contract("VideoNFT", platform.nft)
        factory = client.contract("VideoVaultFactory", platform.factory)
        run("mint video NFT", admin, nft.functions.mint(creator.address, "bench-video", 500))
        token_id = client.call(nft.functions.tokenIdOf("bench-video"))
        run("create vault (factory)", admin, factory.functions.createVault(token_id))
        vault = client.contract("VideoVault", client.call(factory.functions.vaultOf(token_id)))
        lock = nft.functions.safeTransferFrom(creator.address, vault.address, token_id)
        run("lock (NFT in, 1,000,000 shares minted)", creator, lock)
        run("list shares", creator, vault.functions.list(100_000, PRICE))
        run("buy, new holder", alice, vault.functions.buy(100, PRICE), value=100 * PRICE + 1)
        run("buy, existing holder", alice, vault.functions.buy(100, PRICE), value=100 * PRICE)
        deposit = vault.functions.depositRevenue
        run("deposit revenue, first", depositor, deposit(b"\x01" * 32), value=10**18)
        run("deposit revenue, steady", depositor, deposit(b"\x02" * 32), value=10**18)
        transfer = vault.functions.transfer
        # Worst case: neither side has a revenue correction yet (both slots go zero → non-zero).
        run("share transfer, new holder, sender's first since revenue", alice, transfer(bob.address, UNIT))
        run("share transfer, existing holder", alice, transfer(bob.address, UNIT))
        run("share transfer, new holder", alice, transfer(carol.address, UNIT))
        run("claim, first", alice, vault.functions.claim())
        run("deposit revenue, third", depositor, deposit(b"\x03" * 32), value=10**18)
        run("claim, again", alice, vault.functions.claim())
        run("deposit revenue, fourth", depositor, deposit(b"\x04" * 32), value=10**18)
        run("claimTo another address", alice, vault.functions.claimTo(carol.address))

    baseline = gas["plain ERC-20 transfer, existing holder"]
    old_baseline = BEFORE["plain ERC-20 transfer, existing holder"]
    width = max(map(len, gas))
    print(f"{'operation':<{width}}  {'before':>9}  {'×':>6}  {'after':>9}  {'×':>6}  {'after/before':>12}")
    for label, used in gas.items():
        old = BEFORE.get(label)
        before = f"{old:>9,}  {old / old_baseline:>5.2f}×" if old else f"{'-':>9}  {'':>6}"
        change = f"{used / old:>11.3f}×" if old else f"{'new':>12}"
        print(f"{label:<{width}}  {before}  {used:>9,}  {used / baseline:>5.2f}×  {change}")
    print(f"\nbaseline: plain OpenZeppelin ERC-20 transfer to an existing holder = {baseline:,} gas")
    over = [label for label in STEADY if gas[label] > LIMIT * baseline]
    for label in STEADY:
        print(f"{label}: {gas[label] / baseline:.2f}× the baseline (limit {LIMIT}×)")
    if over:
        print(f"over the {LIMIT}× limit: {', '.join(over)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
