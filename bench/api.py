"""Requests per second: an authenticated, tenant-scoped GET against /healthz, same server, same run.

Starts `flowai serve` (one process) on SQLite, and on PostgreSQL when FLOWAI_TEST_POSTGRES_URL is
set, seeds a user and an API key, then drives it from client threads on loopback, in BENCH_ROUNDS
rounds that alternate the two endpoints (so a neighbour's load on a shared machine hits both
alike). Prints the median RPS of each endpoint and the median of the per-round ratios
(authenticated / health), which is what to compare across machines, and the server's CPU time per
request of each (user + system of the `flowai serve` process), which busy neighbours disturb least.
The plan's limits are raised for the run (the limiter still counts every request).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
from benchkit import cpu_seconds, flowai, free_port, scratch_database, wait_until_serving

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "3000"))  # per endpoint, over all rounds
THREADS = int(os.environ.get("BENCH_THREADS", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def drive(url: str, headers: dict[str, str], requests: int = REQUESTS) -> float:
    per_thread = requests // THREADS
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
        "FLOWAI_PLANS": json.dumps(
            {"enterprise": {"per_key": "1000000/minute", "per_tenant": "1000000/minute"}}
        ),
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
        wait_until_serving(base)
        auth = {"Authorization": f"Bearer {key}"}
        drive(f"{base}/healthz", {}, 400)  # warm-up
        drive(f"{base}/v1/jobs?limit=20", auth, 400)
        per_round = REQUESTS // ROUNDS
        health, scoped, ratios, health_cpu, scoped_cpu = [], [], [], [], []
        for _ in range(ROUNDS):
            for url, headers, rps, cpu in (
                (f"{base}/healthz", {}, health, health_cpu),
                (f"{base}/v1/jobs?limit=20", auth, scoped, scoped_cpu),
            ):
                before = cpu_seconds(server.pid)
                rps.append(drive(url, headers, per_round))
                cpu.append((cpu_seconds(server.pid) - before) * 1e6 / per_round)
            ratios.append(scoped[-1] / health[-1])
    finally:
        server.terminate()
        server.wait(20)
    return {
        "backend": label,
        "healthz_rps": round(statistics.median(health), 1),
        "scoped_get_rps": round(statistics.median(scoped), 1),
        "ratio": round(statistics.median(ratios), 3),
        "ratios": [round(r, 3) for r in ratios],
        "healthz_cpu_us": round(statistics.median(health_cpu)),
        "scoped_cpu_us": round(statistics.median(scoped_cpu)),
        "cpu_ratio": round(statistics.median(health_cpu) / statistics.median(scoped_cpu), 3),
    }  # type: ignore[dict-item]


def main() -> None:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(run("sqlite", f"sqlite:///{tmp}/bench.db", Path(tmp)))
        pg = os.environ.get("FLOWAI_TEST_POSTGRES_URL")
        if pg:
            with scratch_database(pg) as url:
                results.append(run("postgres", url, Path(tmp)))
        else:
            print("postgres: skipped (set FLOWAI_TEST_POSTGRES_URL)", file=sys.stderr)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(
        f"{'backend':<10} {'/healthz rps':>13} {'GET /v1/jobs rps':>17} {'ratio':>7}  {'server CPU us/request':>22} {'CPU ratio':>9}"
    )
    for r in results:
        cpu = f"{r['healthz_cpu_us']} / {r['scoped_cpu_us']}"
        print(
            f"{r['backend']:<10} {r['healthz_rps']:>13} {r['scoped_get_rps']:>17} {r['ratio']:>7}  {cpu:>22} {r['cpu_ratio']:>9}"
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
