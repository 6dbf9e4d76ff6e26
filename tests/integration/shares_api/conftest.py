"""Fixtures for the RoyaltyService and shares API tests: one anvil (chain id 545) for the session,
and app settings pointing at it with the deployer = anvil's first dev account.

The indexer loop is off here (`chain_index_interval_seconds=0`): tests index on demand, so
what they assert never races a background pass.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount
from flowai_testkit import make_settings, wait_until
from sqlalchemy import select

from flowai.core.context import AppContext
from flowai.core.models import Job
from flowai.settings import Settings
from flowai.shares import devchain
from flowai.shares.chain import ChainClient, account_from_key

GENEROUS = {"free": {"per_key": "100000/minute", "per_tenant": "100000/minute", "concurrent_jobs": 50}}
PRICE = 10**15  # 0.001 FLOW per share


@dataclass
class DevChain:
    """The session's anvil, a client and named dev accounts (all unlocked on the node)."""

    dev: devchain.DevChain
    client: ChainClient
    deployer: LocalAccount
    creator: LocalAccount
    buyer: LocalAccount
    buyer2: LocalAccount


@pytest.fixture(scope="session")
def dev_chain() -> Iterator[DevChain]:
    if devchain.anvil_binary() is None:
        pytest.skip("anvil binary missing: run `make deps` (npm ci in src/flowai/shares/contracts)")
    with devchain.running() as dev:
        keys = [account_from_key(a.private_key) for a in dev.accounts]
        client = ChainClient(dev.rpc_url, expected_chain_id=devchain.FLOW_EVM_TESTNET_CHAIN_ID)
        yield DevChain(dev, client, keys[0], keys[1], keys[2], keys[3])


@pytest.fixture
def settings(tmp_path: Path, database_url: str, dev_chain: DevChain) -> Settings:
    return make_settings(
        tmp_path,
        database_url,
        plans=GENEROUS,
        chain_rpc_url=dev_chain.dev.rpc_url,
        chain_deployer_key=dev_chain.deployer.key.hex(),
        chain_index_interval_seconds=0,
    )


@pytest.fixture
def tenant_id(ctx: AppContext) -> str:
    """A fresh tenant for service-level tests (no HTTP)."""
    from flowai.enterprise import service as tenants

    with ctx.db.transaction(system=True) as s:
        tenant = tenants.create(s, slug=f"t-{uuid.uuid4().hex[:8]}", name="T", base_domain="localhost")
        return tenant.id


@pytest.fixture
def wait_job(ctx: AppContext) -> Callable[..., Job]:
    """Poll a job row (not the API, so rate limits stay out of it) until it succeeds."""

    def wait(tenant_id: str, job_id: str, timeout: float = 60) -> Job:
        def done() -> Job | None:
            with ctx.db.session(tenant_id=tenant_id) as s:
                job = s.execute(select(Job).where(Job.id == job_id)).scalar_one()
                return job if job.status in ("succeeded", "failed", "cancelled") else None

        job: Job = wait_until(done, timeout=timeout, what=f"job {job_id}")
        assert job.status == "succeeded", (job.status, job.error)
        return job

    return wait
