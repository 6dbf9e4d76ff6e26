"""Requests per second: an authenticated, tenant-scoped GET against /healthz, same server, same run.

Starts `flowai serve` (one process) on SQLite, and on PostgreSQL when FLOWAI_TEST_POSTGRES_URL is
set, seeds a user, an API key and some jobs, then drives it from client threads on loopback.
Prints RPS for both endpoints and the ratio (authenticated / health), which is what to compare
across machines.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "3000"))
THREADS = int(os.environ.get("BENCH_THREADS", "8"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def flowai(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "flowai", *args], env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.strip().splitlines()[-1]


def drive(url: str, headers: dict[str, str]) -> float:
    per_thread = REQUESTS // THREADS
    errors: list[int] = []

    def worker() -> None:
        with httpx.Client(headers=headers, timeout=30) as c:
            for _ in range(per_thread):
                r = c.get(url)
                if r.status_code != 200:
                    errors.append(r.status_code)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise SystemExit(f"{len(errors)} failed requests to {url}: {sorted(set(errors))}")
    return per_thread * THREADS / elapsed


def run(label: str, database_url: str, data_dir: Path) -> dict[str, float]:
    env = {
        **os.environ,
        "FLOWAI_DATA_DIR": str(data_dir),
        "FLOWAI_DATABASE_URL": database_url,
        "FLOWAI_LOG_LEVEL": "WARNING",
    }
    flowai(env, "db", "upgrade")
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    flowai(env, "users", "create", "--email", email, "--password", "benchmark-password")
    key = flowai(env, "apikeys", "create", "--user", email, "--scopes", "read")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "flowai", "serve", "--port", str(port), "--no-migrate"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        auth = {"Authorization": f"Bearer {key}"}
        drive(f"{base}/healthz", {})  # warm-up
        health = drive(f"{base}/healthz", {})
        scoped = drive(f"{base}/v1/jobs?limit=20", auth)
    finally:
        server.terminate()
        server.wait(20)
    return {
        "backend": label,
        "healthz_rps": round(health, 1),
        "scoped_get_rps": round(scoped, 1),
        "ratio": round(scoped / health, 3),
    }  # type: ignore[dict-item]


def main() -> None:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(run("sqlite", f"sqlite:///{tmp}/bench.db", Path(tmp)))
        pg = os.environ.get("FLOWAI_TEST_POSTGRES_URL")
        if pg:
            admin = create_engine(pg, isolation_level="AUTOCOMMIT")
            name = f"flowai_bench_{uuid.uuid4().hex[:8]}"
            with admin.connect() as c:
                c.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                url = make_url(pg).set(database=name).render_as_string(hide_password=False)
                results.append(run("postgres", url, Path(tmp)))
            finally:
                with admin.connect() as c:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        else:
            print("postgres: skipped (set FLOWAI_TEST_POSTGRES_URL)", file=sys.stderr)
    print(f"{'backend':<10} {'/healthz rps':>13} {'GET /v1/jobs rps':>17} {'ratio':>7}")
    for r in results:
        print(f"{r['backend']:<10} {r['healthz_rps']:>13} {r['scoped_get_rps']:>17} {r['ratio']:>7}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
