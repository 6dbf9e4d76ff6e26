"""Deploy the viral-shares contracts and fractionalise a video (mint, lock, list).

`fractionalize` is resumable: each step first reads the chain and is skipped when it already
happened, so a job that died half-way can simply run again.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes

from flowai.shares.chain import ChainClient, ContractRevert

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
TOTAL_SHARES = 1_000_000
SHARE_UNIT = 10**18


@dataclass(frozen=True)
class Platform:
    """Addresses of the platform's contracts on one chain."""

    chain_id: int
    nft: str
    factory: str


@dataclass(frozen=True)
class Fractionalized:
    """A video's NFT locked in its vault, with its primary-sale listing."""

    video_id: str
    token_id: int
    vault: str
    creator: str
    shares_for_sale: int
    price_per_share_wei: int
    transactions: dict[str, HexBytes]


@dataclass(frozen=True)
class VaultState:
    """What the API shows about a vault, read in one place."""

    locked: bool
    creator: str
    shares_for_sale: int
    price_per_share_wei: int
    total_deposited_wei: int
    eligible_supply: int


def deploy_platform(
    client: ChainClient,
    deployer: LocalAccount,
    *,
    base_uri: str,
    depositor: str,
    fee_recipient: str,
    fee_bps: int,
    minter: str | None = None,
) -> Platform:
    """Deploy VideoNFT and VideoVaultFactory; `deployer` administers both."""
    nft, _ = client.deploy(deployer, "VideoNFT", deployer.address, minter or deployer.address, base_uri)
    factory, _ = client.deploy(
        deployer, "VideoVaultFactory", nft, deployer.address, depositor, fee_recipient, fee_bps
    )
    return Platform(chain_id=client.chain_id, nft=nft, factory=factory)


def fractionalize(
    client: ChainClient,
    platform: Platform,
    *,
    minter: LocalAccount,
    creator: LocalAccount,
    video_id: str,
    shares_for_sale: int,
    price_per_share_wei: int,
    royalty_bps: int = 500,
) -> Fractionalized:
    """Mint the video's NFT to `creator`, create its vault, lock the NFT (the creator receives
    1,000,000 shares) and list `shares_for_sale` whole shares at `price_per_share_wei`."""
    if not 0 <= shares_for_sale <= TOTAL_SHARES:
        raise ValueError(f"shares_for_sale must be within 0..{TOTAL_SHARES}")
    if shares_for_sale and price_per_share_wei <= 0:
        raise ValueError("price_per_share_wei must be positive")
    nft = client.contract("VideoNFT", platform.nft)
    factory = client.contract("VideoVaultFactory", platform.factory)
    sent: dict[str, HexBytes] = {}
    token_id = int(client.call(nft.functions.tokenIdOf(video_id)))

    if not _minted(client, platform, token_id):
        mint = nft.functions.mint(creator.address, video_id, royalty_bps)
        sent["mint"] = client.transact(minter, mint)["transactionHash"]

    vault_address = str(client.call(factory.functions.vaultOf(token_id)))
    if int(vault_address, 16) == 0:
        sent["create_vault"] = client.transact(minter, factory.functions.createVault(token_id))[
            "transactionHash"
        ]
        vault_address = str(client.call(factory.functions.vaultOf(token_id)))
    vault = client.contract("VideoVault", vault_address)

    if not client.call(vault.functions.locked()):
        lock = nft.functions.safeTransferFrom(creator.address, vault.address, token_id)
        sent["lock"] = client.transact(creator, lock)["transactionHash"]

    fresh = int(client.call(vault.functions.balanceOf(creator.address))) == TOTAL_SHARES * SHARE_UNIT
    if shares_for_sale and fresh and int(client.call(vault.functions.sharesForSale())) == 0:
        listing = vault.functions.list(shares_for_sale, price_per_share_wei)
        sent["list"] = client.transact(creator, listing)["transactionHash"]

    state = vault_state(client, vault.address)
    return Fractionalized(
        video_id=video_id,
        token_id=token_id,
        vault=vault.address,
        creator=state.creator,
        shares_for_sale=state.shares_for_sale,
        price_per_share_wei=state.price_per_share_wei,
        transactions=sent,
    )


def vault_state(client: ChainClient, vault_address: str) -> VaultState:
    """Read a vault's sale and revenue figures."""
    vault = client.contract("VideoVault", vault_address).functions
    return VaultState(
        locked=bool(client.call(vault.locked())),
        creator=str(client.call(vault.creator())),
        shares_for_sale=int(client.call(vault.sharesForSale())),
        price_per_share_wei=int(client.call(vault.pricePerShare())),
        total_deposited_wei=int(client.call(vault.totalDeposited())),
        eligible_supply=int(client.call(vault.eligibleSupply())),
    )


def _minted(client: ChainClient, platform: Platform, token_id: int) -> bool:
    nft = client.contract("VideoNFT", platform.nft)
    try:
        client.call(nft.functions.ownerOf(token_id))
    except ContractRevert as exc:
        if exc.error == "ERC721NonexistentToken":
            return False
        raise
    return True
