"""Jobs: in-process pool, retries, cancellation, time limits, SSE; Redis + `flowai worker`; recovery."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from flowai_testkit import (
    ADMIN_URLS,
    REDIS_URL,
    TEST_JOB_MODULES,
    csrf,
    finished_job,
    job_row,
    make_settings,
    signup,
    wait_until,
)

from flowai.core.context import AppContext
from flowai.core.tenancy import TenantInfo


def _tenant(ctx: AppContext) -> TenantInfo:
    tenant = ctx.tenants.resolve("localhost")
    assert tenant is not None
    return tenant


def test_job_runs_in_process_and_is_visible(client: TestClient, ctx: AppContext) -> None:
    user = signup(client)
    job = ctx.jobs.submit(tenant_id=_tenant(ctx).id, kind="test.echo", payload={"n": 7}, owner_id=user["id"])
    done = wait_until(lambda: finished_job(ctx, job.id), what="echo job")
    assert done.status == "succeeded" and done.result["echo"] == {"n": 7}
    assert done.result["pid"] == os.getpid()
    body = client.get(f"/v1/jobs/{job.id}").json()
    assert body["status"] == "succeeded" and body["progress"] == 100 and body["attempts"] == 1
    assert client.get("/v1/jobs").json()["items"][0]["id"] == job.id


def test_failures_retry_with_backoff_then_succeed(client: TestClient, ctx: AppContext) -> None:
    user = signup(client)
    job = ctx.jobs.submit(
        tenant_id=_tenant(ctx).id, kind="test.flaky", payload={"succeed_on": 3}, owner_id=user["id"]
    )
    done = wait_until(lambda: finished_job(ctx, job.id), what="flaky job")
    assert done.status == "succeeded" and done.attempts == 3 and done.result == {"attempt": 3}
    never = ctx.jobs.submit(
        tenant_id=_tenant(ctx).id, kind="test.flaky", payload={"succeed_on": 9}, owner_id=user["id"]
    )
    failed = wait_until(lambda: finished_job(ctx, never.id), what="failing job")
    assert failed.status == "failed" and failed.attempts == 3 and "attempt 3" in (failed.error or "")


def test_cancel_stops_a_running_job(client: TestClient, ctx: AppContext) -> None:
    user = signup(client)
    job = ctx.jobs.submit(tenant_id=_tenant(ctx).id, kind="test.wait_for_cancel", owner_id=user["id"])
    wait_until(lambda: job_row(ctx, job.id).progress >= 2, what="job to run")
    r = client.post(f"/v1/jobs/{job.id}/cancel", headers=csrf(client))
    assert r.status_code == 202 and r.json()["cancel_requested"] is True
    done = wait_until(lambda: finished_job(ctx, job.id), timeout=10, what="cancellation")
    assert done.status == "cancelled"
    progress_at_cancel = done.progress
    assert job_row(ctx, job.id).progress == progress_at_cancel  # it really stopped


def test_time_limit_fails_the_job(client: TestClient, ctx: AppContext) -> None:
    user = signup(client)
    job = ctx.jobs.submit(tenant_id=_tenant(ctx).id, kind="test.too_slow", owner_id=user["id"])
    done = wait_until(lambda: finished_job(ctx, job.id), what="time limit")
    assert done.status == "failed" and "longer than 0.5 s" in (done.error or "")


def test_idempotency_key_returns_the_same_job(client: TestClient, ctx: AppContext) -> None:
    user = signup(client)
    first = ctx.jobs.submit(
        tenant_id=_tenant(ctx).id, kind="test.echo", owner_id=user["id"], idempotency_key="k1"
    )
    again = ctx.jobs.submit(
        tenant_id=_tenant(ctx).id, kind="test.echo", owner_id=user["id"], idempotency_key="k1"
    )
    assert first.id == again.id


def test_progress_stream_over_sse(client: TestClient, ctx: AppContext) -> None:
    user = signup(client)
    job = ctx.jobs.submit(tenant_id=_tenant(ctx).id, kind="test.echo", payload={}, owner_id=user["id"])
    events = []
    with client.stream("GET", f"/v1/jobs/{job.id}/events") as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("event:"):
                events.append(line.split(":", 1)[1].strip())
            if line.startswith("data:") and events[-1] == "done":
                assert json.loads(line[5:])["status"] == "succeeded"
                break
    assert events[-1] == "done"


# --- scale-out: Dramatiq on Redis and separate `flowai worker` processes --------------------


@pytest.fixture
def broker_env(tmp_path: Path, database_url: str) -> Iterator[dict[str, str]]:
    if not REDIS_URL:
        pytest.skip("Redis not configured: set FLOWAI_TEST_REDIS_URL")
    env = {
        **os.environ,
        "FLOWAI_DATABASE_URL": database_url,
        "FLOWAI_DATABASE_ADMIN_URL": ADMIN_URLS.get(database_url, database_url),
        "FLOWAI_BROKER_URL": REDIS_URL,
        "FLOWAI_BROKER_NAMESPACE": f"flowai-test-{uuid.uuid4().hex[:8]}",
        "FLOWAI_DATA_DIR": str(tmp_path / "worker-data"),
        "FLOWAI_SECRET_KEY": "test-secret-key",
        "FLOWAI_JOB_MODULES": json.dumps(TEST_JOB_MODULES),
        "FLOWAI_JOB_LEASE_SECONDS": "2",
        "PYTHONPATH": str(Path(__file__).parents[2] / "support"),
    }
    yield env


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "flowai", "worker", "--threads", "1"],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.redis
def test_job_runs_on_a_separate_worker_through_redis(
    tmp_path: Path, database_url: str, broker_env: dict[str, str]
) -> None:
    ctx = AppContext.build(
        make_settings(
            tmp_path,
            database_url,
            broker_url=REDIS_URL,
            broker_namespace=broker_env["FLOWAI_BROKER_NAMESPACE"],
        ),
        run_jobs_in_process=False,
    )
    worker = _start_worker(broker_env, tmp_path / "worker.log")
    try:
        job = ctx.jobs.submit(tenant_id=_tenant(ctx).id, kind="test.echo", payload={"via": "redis"})
        done = wait_until(lambda: finished_job(ctx, job.id), timeout=30, what="job on the worker")
        assert done.status == "succeeded", (tmp_path / "worker.log").read_text()
        assert done.result["echo"] == {"via": "redis"}
        assert done.result["pid"] == worker.pid  # it ran in the worker process, not here
    finally:
        _stop(worker)
        ctx.stop()


@pytest.mark.redis
@pytest.mark.slow
def test_killed_worker_job_is_retried_and_succeeds(
    tmp_path: Path, database_url: str, broker_env: dict[str, str]
) -> None:
    ctx = AppContext.build(
        make_settings(
            tmp_path,
            database_url,
            broker_url=REDIS_URL,
            broker_namespace=broker_env["FLOWAI_BROKER_NAMESPACE"],
        ),
        run_jobs_in_process=False,
    )
    markers = tmp_path / "markers"
    markers.mkdir()
    first = _start_worker(broker_env, tmp_path / "w1.log")
    second: subprocess.Popen[bytes] | None = None
    try:
        job = ctx.jobs.submit(
            tenant_id=_tenant(ctx).id, kind="test.die_on_first_attempt", payload={"marker_dir": str(markers)}
        )
        pid_file = markers / "attempt-1.pid"
        wait_until(pid_file.exists, timeout=30, what="first attempt to start")
        assert int(pid_file.read_text()) == first.pid
        first.send_signal(signal.SIGKILL)
        first.wait()
        second = _start_worker(broker_env, tmp_path / "w2.log")
        done = wait_until(lambda: finished_job(ctx, job.id), timeout=40, what="retry on the second worker")
        assert done.status == "succeeded", (tmp_path / "w2.log").read_text()
        assert done.attempts == 2 and done.result["pid"] == second.pid
    finally:
        _stop(first)
        if second:
            _stop(second)
        ctx.stop()
