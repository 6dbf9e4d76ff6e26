"""In-process EVM (titanoboa) fixtures: the compiled contracts deployed once per session.

Each test (and each Hypothesis example) runs inside `boa.env.anchor()`, which rolls the EVM back
to the deployed state afterwards, so tests never see each other's transactions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import boa
import pytest
from boa.contracts.abi.abi_contract import ABIContract
from eth_abi.abi import encode

from flowai.shares import artifacts
from flowai.shares.chain import ErrorDecoder

TOTAL_SHARES = 1_000_000
UNIT = 10**18
MAGNITUDE = 2**128
FEE_BPS = 250
ROYALTY_BPS = 500
VIDEO_ID = "01JD5V1DE0000000000000000A"
RICH = 10**30

ALL_CONTRACTS = (
    "VideoNFT",
    "VideoVault",
    "VideoVaultFactory",
    "PlainToken",
    "ReentrantClaimer",
    "NonPayableHolder",
)
ERRORS = ErrorDecoder(artifacts.load(name).abi for name in ALL_CONTRACTS)


@cache
def _abi_factory(name: str) -> Any:
    return boa.loads_abi(json.dumps(artifacts.load(name).abi), name=name)


class Evm:
    """Helpers for tests (pytest's importlib mode keeps test modules from importing conftest):
    deploy artifacts, bind addresses, and assert custom-error reverts."""

    TOTAL_SHARES = TOTAL_SHARES
    UNIT = UNIT
    MAGNITUDE = MAGNITUDE
    FEE_BPS = FEE_BPS
    ROYALTY_BPS = ROYALTY_BPS
    VIDEO_ID = VIDEO_ID
    RICH = RICH

    @staticmethod
    def deploy(name: str, *args: Any, sender: Any) -> ABIContract:
        """Deploy artifact `name` with constructor `args` on the in-process EVM."""
        artifact = artifacts.load(name)
        types = [item["type"] for item in artifact.constructor_inputs()]
        address, _ = boa.env.deploy_code(
            bytecode=artifact.bytecode + encode(types, list(args)), sender=sender
        )
        return Evm.at(name, address)

    @staticmethod
    def at(name: str, address: Any) -> ABIContract:
        """The deployed contract of artifact `name` at `address`."""
        return _abi_factory(name).at(address)

    @staticmethod
    def revert_of(exc: boa.BoaError) -> tuple[str, tuple[Any, ...]] | None:
        """The custom error (name, args) a call reverted with."""
        output: bytes = bytes(exc.call_trace.computation.output)
        decoded: tuple[str, tuple[Any, ...]] | None = ERRORS.decode(output)
        return decoded

    @staticmethod
    @contextmanager
    def reverts(name: str, *args: Any) -> Iterator[None]:
        """Assert the block reverts with custom error `name` (and `args`, when given)."""
        with pytest.raises(boa.BoaError) as caught:
            yield
        decoded = Evm.revert_of(caught.value)
        assert decoded is not None, "reverted without a known custom error"
        assert decoded[0] == name, f"reverted with {decoded}, expected {name}"
        if args:
            assert decoded[1] == args, f"reverted with {decoded}, expected {name}{args}"

    @staticmethod
    def account(alias: str, balance: int = RICH) -> str:
        """A new funded EOA."""
        address = boa.env.generate_address(alias)
        boa.env.set_balance(address, balance)
        return str(address)

    @staticmethod
    def balance(address: Any) -> int:
        """Native balance in wei."""
        return int(boa.env.get_balance(address))


@dataclass
class Deployment:
    """The platform on the in-process EVM, with one video locked in its vault."""

    admin: str
    depositor: str
    fee_recipient: str
    creator: str
    holders: list[str]
    nft: ABIContract
    factory: ABIContract
    vault: ABIContract
    token_id: int
    evm: Evm = field(default_factory=Evm)


@pytest.fixture(scope="session")
def deployment() -> Deployment:
    """NFT + factory deployed, the video minted to the creator and locked in its vault."""
    boa.env.enable_fast_mode()
    admin = boa.env.generate_address("admin")
    depositor = boa.env.generate_address("depositor")
    fee_recipient = boa.env.generate_address("fee_recipient")
    creator = boa.env.generate_address("creator")
    holders = [boa.env.generate_address(f"holder{i}") for i in range(1, 6)]
    for account in (admin, depositor, creator, *holders):
        boa.env.set_balance(account, RICH)
    nft = Evm.deploy("VideoNFT", admin, admin, "https://api.flowai.test/v1/nft/", sender=admin)
    factory = Evm.deploy(
        "VideoVaultFactory", nft.address, admin, depositor, fee_recipient, FEE_BPS, sender=admin
    )
    token_id = nft.mint(creator, VIDEO_ID, ROYALTY_BPS, sender=admin)
    vault = Evm.at("VideoVault", factory.createVault(token_id, sender=admin))
    nft.safeTransferFrom(creator, vault.address, token_id, sender=creator)
    return Deployment(
        admin=str(admin),
        depositor=str(depositor),
        fee_recipient=str(fee_recipient),
        creator=str(creator),
        holders=[str(h) for h in holders],
        nft=nft,
        factory=factory,
        vault=vault,
        token_id=token_id,
    )


@pytest.fixture
def fresh(deployment: Deployment) -> Iterator[Deployment]:
    """The session deployment, rolled back after the test."""
    with boa.env.anchor():
        yield deployment
