"""What the end-to-end benches share: free loopback ports, the `flowai` CLI, waiting for a started
server, a process's CPU time and a throw-away PostgreSQL database (created for one run, dropped
after it)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def flowai(env: dict[str, str], *args: str) -> str:
    """Run `flowai ARGS` with `env`; its last line of output (a key, an id)."""
    out = subprocess.run(
        [sys.executable, "-m", "flowai", *args], env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.strip().splitlines()[-1]


def wait_until_serving(base: str, timeout: float = 60, log: Path | None = None) -> None:
    """Poll `base`/healthz until it answers 200; after `timeout` s, stop the bench with the end of
    the server's `log`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-2000:] if log is not None and log.exists() else ""
            raise SystemExit(f"flowai serve did not start at {base}: {tail or 'no log'}")
        time.sleep(0.2)


def cpu_seconds(pid: int, children: bool = False) -> float:
    """User + system time of a process; with `children`, also of the children it waited for
    (a worker's FFmpeg runs)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(fields[i]) for i in ((11, 12, 13, 14) if children else (11, 12))) / TICK


@contextmanager
def scratch_database(pg_url: str, prefix: str = "flowai_bench") -> Iterator[str]:
    """A new PostgreSQL database beside `pg_url`'s; yields its URL and drops it afterwards."""
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
