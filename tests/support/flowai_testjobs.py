"""Job kinds used by the tests; imported by the app and by `flowai worker` via FLOWAI_JOB_MODULES."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from flowai.core.jobs import JobContext, job_kind


@job_kind("test.echo", time_limit_s=30, max_attempts=1)
def echo(ctx: JobContext) -> dict[str, Any]:
    ctx.progress(50, "echoing")
    return {"echo": ctx.payload, "pid": os.getpid()}


@job_kind("test.flaky", time_limit_s=30, max_attempts=3, backoff_base_s=0.2, backoff_cap_s=0.5)
def flaky(ctx: JobContext) -> dict[str, Any]:
    if ctx.attempt < int(ctx.payload["succeed_on"]):
        raise RuntimeError(f"transient failure on attempt {ctx.attempt}")
    return {"attempt": ctx.attempt}


@job_kind("test.wait_for_cancel", time_limit_s=60, max_attempts=1)
def wait_for_cancel(ctx: JobContext) -> dict[str, Any]:
    """Reports progress until cancelled; gives up (fails the test) after 30 s."""
    deadline = time.monotonic() + 30
    step = 0
    while time.monotonic() < deadline:
        step += 1
        ctx.progress(min(99, step), "waiting")
        time.sleep(0.05)
    raise RuntimeError("was never cancelled")


@job_kind(
    "test.die_on_first_attempt",
    time_limit_s=60,
    max_attempts=3,
    backoff_base_s=0.1,
    backoff_cap_s=0.2,
)
def die_on_first_attempt(ctx: JobContext) -> dict[str, Any]:
    """Attempt 1 announces its pid in a file, then hangs until the test SIGKILLs its process."""
    marker = Path(ctx.payload["marker_dir"]) / f"attempt-{ctx.attempt}.pid"
    marker.write_text(str(os.getpid()))
    if ctx.attempt == 1:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ctx.progress(10, "hanging until killed")
            time.sleep(0.05)
        raise RuntimeError("was never killed")
    return {"attempt": ctx.attempt, "pid": os.getpid()}


@job_kind("test.too_slow", time_limit_s=0.5, max_attempts=1)
def too_slow(ctx: JobContext) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        ctx.progress(1, "slow")
        time.sleep(0.05)
    return {}


@job_kind("test.expensive", time_limit_s=60, max_attempts=1, expensive=True)
def expensive(ctx: JobContext) -> dict[str, Any]:
    """Stands in for a render: holds a slot of the plan's concurrent-job cap until cancelled."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ctx.progress(5, "rendering")
        time.sleep(0.05)
    return {}
