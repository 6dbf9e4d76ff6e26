"""Gas of the viral-shares operations on a real EVM (anvil, chain id 545), next to a plain
OpenZeppelin ERC-20 transfer measured in the same run.

Run: `.venv/bin/python bench/gas.py` (needs `make deps` for anvil). Transfers and claims are
measured after revenue was deposited, when the share token also updates revenue corrections.
"""

from __future__ import annotations

from typing import Any

from eth_account.signers.local import LocalAccount

from flowai.shares import deploy, devchain
from flowai.shares.chain import ChainClient, account_from_key

PRICE = 10**15
UNIT = 10**18


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
        run("buy, new holder", alice, vault.functions.buy(100), value=100 * PRICE + 1)
        run("buy, existing holder", alice, vault.functions.buy(100), value=100 * PRICE)
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

    baseline = gas["plain ERC-20 transfer, existing holder"]
    width = max(map(len, gas))
    print(f"{'operation':<{width}}  {'gas':>9}  {'× plain ERC-20 transfer':>24}")
    for label, used in gas.items():
        print(f"{label:<{width}}  {used:>9,}  {used / baseline:>23.2f}×")
    print(f"\nbaseline: plain OpenZeppelin ERC-20 transfer to an existing holder = {baseline:,} gas")


if __name__ == "__main__":
    main()
