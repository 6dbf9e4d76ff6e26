"""Scale-out: deliveries and their retries run on a separate `flowai worker` through Redis."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from flowai_testkit import ADMIN_URLS, REDIS_URL, TEST_JOB_MODULES, make_settings, wait_until
from sqlalchemy import select
from standardwebhooks import Webhook

from flowai.core.context import AppContext
from flowai.enterprise import service as tenants
from flowai.enterprise.webhooks import service
from flowai.enterprise.webhooks.models import WebhookDelivery


@pytest.mark.redis
@pytest.mark.slow
def test_worker_delivers_and_retries_through_redis(tmp_path: Path, database_url: str, receiver: Any) -> None:
    if not REDIS_URL:
        pytest.skip("Redis not configured: set FLOWAI_TEST_REDIS_URL")
    namespace = f"flowai-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "FLOWAI_DATABASE_URL": database_url,
        "FLOWAI_DATABASE_ADMIN_URL": ADMIN_URLS.get(database_url, database_url),
        "FLOWAI_BROKER_URL": REDIS_URL,
        "FLOWAI_BROKER_NAMESPACE": namespace,
        "FLOWAI_DATA_DIR": str(tmp_path / "worker-data"),
        "FLOWAI_SECRET_KEY": "test-secret-key",
        "FLOWAI_JOB_MODULES": json.dumps(TEST_JOB_MODULES),
        "FLOWAI_WEBHOOK_ALLOW_PRIVATE": "true",
        "FLOWAI_WEBHOOK_RETRY_SCHEDULE": "[0, 0.5, 0.5]",
        "PYTHONPATH": str(Path(__file__).parents[2] / "support"),
    }
    ctx = AppContext.build(
        make_settings(
            tmp_path,
            database_url,
            broker_url=REDIS_URL,
            broker_namespace=namespace,
            webhook_allow_private=True,
        ),
        run_jobs_in_process=False,
    )
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "flowai", "worker", "--threads", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        slug = f"worker-{uuid.uuid4().hex[:8]}"  # a fresh tenant: the session database is shared
        with ctx.db.transaction(system=True) as s:
            tenants.create(s, slug=slug, name="Worker", base_domain="localhost")
        tenant = ctx.tenants.resolve(f"{slug}.localhost")
        assert tenant is not None
        receiver.answer(503, 200)
        with ctx.db.transaction(tenant_id=tenant.id) as s:
            endpoint = service.create_endpoint(s, url=receiver.url, allow_private=True)
            secret = endpoint.secret
        with ctx.db.transaction(tenant_id=tenant.id) as s:
            event_id = service.emit(s, tenant.id, "royalties.deposited", {"wei": "5"}, jobs=ctx.jobs)
        requests = wait_until(lambda: receiver.got(2), timeout=30, what="two attempts on the worker")
        assert [r.status for r in requests] == [503, 200]
        assert {r.headers["webhook-id"] for r in requests} == {event_id}
        Webhook(secret).verify(requests[1].body, requests[1].headers)

        def finished() -> WebhookDelivery | None:
            with ctx.db.session(tenant_id=tenant.id) as s:
                row = s.execute(
                    select(WebhookDelivery).where(WebhookDelivery.event_id == event_id)
                ).scalar_one()
                return row if row.status != "pending" else None

        done = wait_until(finished, timeout=15, what="the delivery to be recorded")
        assert done.status == "succeeded" and done.attempts == 2
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        ctx.stop()
