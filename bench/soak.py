"""Soak: mixed API traffic for --duration seconds (default 600) against `flowai serve` + 2 workers.

Everything real and separate, as in production: a fresh PostgreSQL database (dropped after),
Redis as the Dramatiq broker and the shared rate-limit store, one `flowai serve` process and
--workers `flowai worker` processes. Client threads send a steady --rps of mixed requests with one
API key: reads (jobs, projects, a project, assets, exports, deliveries, me), timeline saves (each
thread edits a project of its own, If-Match the version it read), exports of a small 320x180
timeline (generated with the bundled FFmpeg) and webhook test sends; every export's
`export.succeeded` and every test send are delivered to a local receiver on 127.0.0.1.

Reports the error rate (5xx, transport errors and any unexpected status), p50/p95/p99 latency
overall and per kind, the RSS of each process over time (and its growth after the first minute),
and jobs lost: after the traffic stops and the queue drains, every export must have succeeded and
every webhook delivery must have reached the receiver (0 lost, or the run fails).

Run: .venv/bin/python bench/soak.py [--duration 600] [--rps 20] [--workers 2]
Needs FLOWAI_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test) and
FLOWAI_TEST_REDIS_URL (default redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from benchkit import flowai, free_port, scratch_database, wait_until_serving
from sqlalchemy import create_engine, text

from flowai.editor.media import ffmpeg_exe

PG = os.environ.get("FLOWAI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("FLOWAI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PAGE = os.sysconf("SC_PAGE_SIZE")
FPS = 30
CLIP = 2 * FPS  # frames per clip of the soak timeline
# (kind, weight) of the request mix; exports and webhook tests are paced by their own rates
READS = ["jobs", "projects", "project", "assets", "exports", "deliveries", "me"]


def rss_mib(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 2**20


def make_clip(path: Path, src: str, seconds: int, tone: int) -> Path:
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"{src}=s=320x180:r={FPS}:d={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency={tone}:sample_rate=48000:duration={seconds}",
         "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
        check=True,
    )  # fmt: skip
    return path


class Receiver:
    """A webhook receiver on 127.0.0.1: counts deliveries by their `webhook-id` (event id)."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver.lock:
                    receiver.seen[self.headers.get("webhook-id", "")] += 1
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def ids(self) -> set[str]:
        with self.lock:
            return set(self.seen)


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: defaultdict[str, list[float]] = defaultdict(list)
        self.statuses: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.errors: list[str] = []

    def record(self, kind: str, ms: float, status: str, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.latency[kind].append(ms)
            self.statuses[kind][status] += 1
            if not ok and len(self.errors) < 50:
                self.errors.append(f"{kind} {status} {detail[:200]}")


class Soak:
    def __init__(
        self, base: str, key: str, args: argparse.Namespace, assets: list[str], receiver: Receiver
    ) -> None:
        self.base, self.key, self.args, self.assets = base, key, args, assets
        self.stats = Stats()
        self.stop = threading.Event()
        self.exports: list[str] = []
        self.tests: list[str] = []  # delivery ids of webhook test sends
        self.endpoint = ""
        self.receiver = receiver
        self.lock = threading.Lock()

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, headers={"Authorization": f"Bearer {self.key}"}, timeout=60)

    def call(
        self, c: httpx.Client, kind: str, method: str, url: str, expect: tuple[int, ...], **kw: Any
    ) -> httpx.Response | None:
        t0 = time.perf_counter()
        try:
            r = c.request(method, url, **kw)
        except httpx.HTTPError as exc:
            self.stats.record(kind, (time.perf_counter() - t0) * 1000, type(exc).__name__, False, str(exc))
            return None
        ok = r.status_code in expect
        self.stats.record(
            kind, (time.perf_counter() - t0) * 1000, str(r.status_code), ok, "" if ok else r.text
        )
        return r if ok else None

    def timeline(self, n: int) -> dict[str, Any]:
        """A 320x180 timeline of `n` two-second clips cut from the uploaded sources."""
        clips = [{"id": f"c{i}", "asset_id": self.assets[i % len(self.assets)], "source_in": (i * 7) % FPS,
                  "source_out": (i * 7) % FPS + CLIP, "start": i * CLIP} for i in range(n)]  # fmt: skip
        return {
            "canvas": {"width": 320, "height": 180, "fps": str(FPS)},
            "video_tracks": [{"id": "v1", "clips": clips}],
        }

    def setup(self) -> list[str]:
        with self.client() as c:
            r = c.post("/v1/webhooks/endpoints", json={"url": self.receiver.url, "description": "soak"})
            r.raise_for_status()
            self.endpoint = r.json()["id"]
            projects = []
            for i in range(self.args.threads):
                r = c.post("/v1/projects", json={"name": f"soak {i}", "timeline": self.timeline(2)})
                r.raise_for_status()
                projects.append(r.json()["id"])
            return projects

    def traffic(self, project: str, seed: int) -> None:
        """One client thread: its share of --rps, paced, until stopped."""
        rng = random.Random(seed)
        interval = self.args.threads / self.args.rps
        version, n = 1, 2
        next_at = time.monotonic()
        with self.client() as c:
            while not self.stop.is_set():
                next_at += interval
                pick = rng.random()
                if pick < self.args.save_share:
                    n = 2 + (n - 1) % 3  # 2..4 clips, a new version each time
                    r = self.call(c, "timeline save", "PUT", f"/v1/projects/{project}/timeline",
                                  (200,), json=self.timeline(n), headers={"If-Match": f'"{version}"'})  # fmt: skip
                    if r is not None:
                        version = r.json()["version"]
                    else:  # re-read the version after a refusal
                        got = self.call(c, "project", "GET", f"/v1/projects/{project}", (200,))
                        version = got.json()["version"] if got is not None else version
                else:
                    self.read(c, rng.choice(READS), project)
                time.sleep(max(0.0, next_at - time.monotonic()))

    def read(self, c: httpx.Client, kind: str, project: str) -> None:
        url = {
            "jobs": "/v1/jobs?limit=20",
            "projects": "/v1/projects?limit=20",
            "project": f"/v1/projects/{project}",
            "assets": "/v1/assets?limit=20",
            "exports": f"/v1/projects/{project}/exports?limit=20",
            "deliveries": f"/v1/webhooks/endpoints/{self.endpoint}/deliveries?limit=20",
            "me": "/v1/me",
        }[kind]
        self.call(c, kind, "GET", url, (200,))

    def paced(self, every: float, action: str, project: str) -> None:
        """Exports or webhook test sends at a fixed interval (their deliveries are counted later)."""
        next_at = time.monotonic() + every / 2
        with self.client() as c:
            while not self.stop.wait(max(0.0, next_at - time.monotonic())):
                next_at += every
                if action == "export":
                    r = self.call(c, "export", "POST", f"/v1/projects/{project}/exports", (202,),
                                  json={"preset": "canvas", "quality": "draft"}, headers={"Idempotency-Key": uuid.uuid4().hex})  # fmt: skip
                    if r is not None:
                        with self.lock:
                            self.exports.append(r.json()["id"])
                else:
                    r = self.call(
                        c, "webhook test", "POST", f"/v1/webhooks/endpoints/{self.endpoint}/test", (202,)
                    )
                    if r is not None:
                        with self.lock:
                            self.tests.append(r.json()["event_id"])


def sample_rss(procs: dict[str, subprocess.Popen[bytes]], series: dict[str, list[tuple[float, float]]],
               start: float, stop: threading.Event, every: float) -> None:  # fmt: skip
    while True:
        for name, p in procs.items():
            if p.poll() is None:
                series[name].append((time.monotonic() - start, rss_mib(p.pid)))
        if stop.wait(every):
            return


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=float, default=600, help="seconds of traffic (default 600)")
    parser.add_argument("--rps", type=float, default=20, help="requests per second of reads and saves")
    parser.add_argument("--threads", type=int, default=4, help="client threads (one project each)")
    parser.add_argument("--workers", type=int, default=2, help="`flowai worker` processes")
    parser.add_argument("--save-share", type=float, default=0.2, help="share of timeline saves in the mix")
    parser.add_argument("--export-every", type=float, default=10.0, help="seconds between exports")
    parser.add_argument("--webhook-every", type=float, default=5.0, help="seconds between webhook test sends")
    parser.add_argument("--drain-timeout", type=float, default=300.0, help="seconds to wait for the queue")
    args = parser.parse_args()
    load0 = os.getloadavg()
    procs: dict[str, subprocess.Popen[bytes]] = {}
    series: dict[str, list[tuple[float, float]]] = defaultdict(list)
    receiver = Receiver()
    with scratch_database(PG, "flowai_soak") as url:
        try:
            with tempfile.TemporaryDirectory(prefix="flowai-soak-") as tmp:
                work = Path(tmp)
                port = free_port()
                base = f"http://127.0.0.1:{port}"
                env = {
                    **os.environ,
                    "FLOWAI_DATA_DIR": str(work / "data"),
                    "FLOWAI_DATABASE_URL": url,
                    "FLOWAI_BROKER_URL": REDIS,
                    "FLOWAI_BROKER_NAMESPACE": f"flowai-soak-{uuid.uuid4().hex[:8]}",
                    "FLOWAI_REDIS_URL": REDIS,
                    "FLOWAI_SECRET_KEY": "soak-secret-key",
                    "FLOWAI_PUBLIC_URL": base,
                    "FLOWAI_WEBHOOK_ALLOW_PRIVATE": "true",
                    "FLOWAI_LOG_LEVEL": "WARNING",
                    "FLOWAI_FFMPEG_THREADS": "1",
                    "FLOWAI_PLANS": json.dumps(
                        {
                            "enterprise": {
                                "per_key": "100000/minute",
                                "per_tenant": "100000/minute",
                                "concurrent_jobs": 50,
                            }
                        }
                    ),  # fmt: skip
                }
                flowai(env, "db", "upgrade")
                email = f"soak-{uuid.uuid4().hex[:8]}@example.com"
                flowai(env, "users", "create", "--email", email, "--password", "soak-password-1")
                key = flowai(env, "apikeys", "create", "--user", email, "--scopes",
                             "read,editor:write,exports:write,webhooks:manage")  # fmt: skip
                procs["serve"] = subprocess.Popen(
                    [sys.executable, "-m", "flowai", "serve", "--port", str(port), "--no-migrate"],
                    env=env, stdout=(work / "serve.log").open("wb"), stderr=subprocess.STDOUT,
                )  # fmt: skip
                for i in range(args.workers):
                    log = work / f"worker-{i}.log"
                    procs[f"worker {i + 1}"] = subprocess.Popen(
                        [sys.executable, "-m", "flowai", "worker"], env={**env, "FLOWAI_LOG_LEVEL": "INFO"},
                        stdout=log.open("wb"), stderr=subprocess.STDOUT,
                    )  # fmt: skip
                deadline = time.monotonic() + 120  # for the server and then the workers
                wait_until_serving(base, timeout=120, log=work / "serve.log")
                for i in range(args.workers):
                    log = work / f"worker-{i}.log"
                    while "worker started" not in log.read_text(errors="replace"):
                        if time.monotonic() > deadline or procs[f"worker {i + 1}"].poll() is not None:
                            raise SystemExit(f"flowai worker did not start: {log.read_text()[-2000:]}")
                        time.sleep(0.2)
                sources = [
                    make_clip(work / f"{s}.mp4", s, 6, 400 + 200 * i)
                    for i, s in enumerate(("testsrc2", "smptebars"))
                ]
                assets = []
                with httpx.Client(
                    base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=120
                ) as c:
                    for path in sources:
                        r = c.post(f"/v1/assets?filename={path.name}", content=path.read_bytes())
                        r.raise_for_status()
                        assets.append(r.json()["id"])
                soak = Soak(base, key, args, assets, receiver)
                projects = soak.setup()
                print(f"load average at start: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} on {os.cpu_count()} cores; "
                      f"{args.duration:g} s of traffic at {args.rps:g} req/s, {args.workers} workers", flush=True)  # fmt: skip
                start = time.monotonic()
                sampler_stop = threading.Event()
                sampler = threading.Thread(target=sample_rss, args=(procs, series, start, sampler_stop, 10.0))
                sampler.start()
                threads = [threading.Thread(target=soak.traffic, args=(p, i)) for i, p in enumerate(projects)]
                threads.append(
                    threading.Thread(target=soak.paced, args=(args.export_every, "export", projects[0]))
                )
                threads.append(
                    threading.Thread(target=soak.paced, args=(args.webhook_every, "webhook", projects[0]))
                )
                for t in threads:
                    t.start()
                while time.monotonic() - start < args.duration:
                    time.sleep(min(30.0, max(0.1, args.duration - (time.monotonic() - start))))
                    done = sum(len(v) for v in soak.stats.latency.values())
                    print(f"  {time.monotonic() - start:6.0f} s: {done} requests, {len(soak.exports)} exports, "
                          f"{len(receiver.ids())} webhooks received", flush=True)  # fmt: skip
                    if any(p.poll() is not None for p in procs.values()):
                        raise SystemExit(
                            "a process died: "
                            + ", ".join(n for n, p in procs.items() if p.poll() is not None)
                        )
                soak.stop.set()
                for t in threads:
                    t.join()
                traffic_s = time.monotonic() - start
                lost = drain(soak, base, key, url, args.drain_timeout)
                sampler_stop.set()
                sampler.join()
        finally:
            for p in procs.values():
                p.terminate()
            for p in procs.values():
                p.wait(60)
            receiver.server.shutdown()
    report(soak, series, lost, traffic_s, args, load0)
    if lost["total"]:
        raise SystemExit(f"{lost['total']} jobs lost")


def drain(soak: Soak, base: str, key: str, url: str, timeout: float) -> dict[str, Any]:
    """Wait for every job to end, then count what did not arrive: exports that did not succeed,
    webhook events never received, jobs left queued or running."""
    engine = create_engine(url)
    deadline = time.monotonic() + timeout
    wanted = {row for row in soak.tests}
    try:
        while time.monotonic() < deadline:
            with engine.connect() as c:
                busy = c.execute(
                    text("SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')")
                ).scalar_one()
                pending = c.execute(
                    text("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'")
                ).scalar_one()
            if not busy and not pending and wanted <= soak.receiver.ids():
                break
            time.sleep(1.0)
        with engine.connect() as c:
            jobs = dict(c.execute(text("SELECT status, count(*) FROM jobs GROUP BY status")).all())  # type: ignore[arg-type]
            events = {r[0] for r in c.execute(text("SELECT event_id FROM webhook_deliveries"))}
            deliveries = dict(
                c.execute(text("SELECT status, count(*) FROM webhook_deliveries GROUP BY status")).all()
            )  # type: ignore[arg-type]
    finally:
        engine.dispose()
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60) as c:
        exports = Counter(c.get(f"/v1/exports/{e}").json()["status"] for e in soak.exports)
    received = soak.receiver.ids()
    lost = {
        "exports_not_succeeded": sum(n for s, n in exports.items() if s != "succeeded"),
        "jobs_not_finished": sum(n for s, n in jobs.items() if s in ("queued", "running")),
        "jobs_failed": jobs.get("failed", 0),
        "webhook_events_not_received": len(events - received),
        "webhook_tests_not_received": len(wanted - received),
    }
    lost["total"] = sum(lost.values())
    lost.update(exports=dict(exports), jobs=jobs, deliveries=deliveries,
                webhook_events=len(events), webhooks_received=len(received),
                duplicate_receipts=sum(n - 1 for n in soak.receiver.seen.values() if n > 1))  # fmt: skip
    return lost


def report(soak: Soak, series: dict[str, list[tuple[float, float]]], lost: dict[str, Any], traffic_s: float,
           args: argparse.Namespace, load0: tuple[float, float, float]) -> None:  # fmt: skip
    stats = soak.stats
    every = [ms for v in stats.latency.values() for ms in v]
    total = len(every)
    bad = sum(n for kind in stats.statuses for s, n in stats.statuses[kind].items() if not s.isdigit() or s[0] == "5"
              or (kind, s) not in _expected(kind))  # fmt: skip
    print(f"\nsoak: {traffic_s:.0f} s, {total} requests ({total / traffic_s:.1f}/s), {args.workers} workers, "
          f"load average {load0[0]:.2f} at start, {os.getloadavg()[0]:.2f} at the end ({os.cpu_count()} cores)")  # fmt: skip
    print(f"errors: {bad} ({100 * bad / max(1, total):.3f} %)")
    print(f"latency ms: p50 {pct(every, 50):.1f}  p95 {pct(every, 95):.1f}  p99 {pct(every, 99):.1f}")
    print(f"{'kind':14s} {'n':>6s} {'p50':>7s} {'p95':>7s} {'p99':>7s}  statuses")
    for kind in sorted(stats.latency):
        v = stats.latency[kind]
        print(
            f"{kind:14s} {len(v):6d} {pct(v, 50):7.1f} {pct(v, 95):7.1f} {pct(v, 99):7.1f}  {dict(stats.statuses[kind])}"
        )
    print("\nRSS MiB (start, after 60 s, end, max; growth from 60 s to the end):")
    rss: dict[str, dict[str, float]] = {}
    for name, points in series.items():
        after = [m for t, m in points if t >= min(60.0, traffic_s / 2)] or [points[-1][1]]
        rss[name] = {
            "start": points[0][1],
            "after_60s": after[0],
            "end": points[-1][1],
            "max": max(m for _, m in points),
        }
        r = rss[name]
        print(f"  {name:10s} {r['start']:7.1f} {r['after_60s']:7.1f} {r['end']:7.1f} {r['max']:7.1f}  "
              f"{r['end'] - r['after_60s']:+.1f}")  # fmt: skip
    print(f"\nexports: {dict(lost['exports'])}; jobs: {lost['jobs']}; webhook deliveries: {lost['deliveries']}, "
          f"{lost['webhook_events']} events, {lost['webhooks_received']} received "
          f"({lost['duplicate_receipts']} duplicate receipts)")  # fmt: skip
    print(f"jobs lost: {lost['total']}")
    if stats.errors:
        print("first errors:\n  " + "\n  ".join(stats.errors[:10]))
    summary = {
        "duration_s": round(traffic_s, 1), "requests": total, "error_rate": bad / max(1, total),
        "p50_ms": round(pct(every, 50), 1), "p95_ms": round(pct(every, 95), 1), "p99_ms": round(pct(every, 99), 1),
        "rss_mib": {k: {m: round(x, 1) for m, x in v.items()} for k, v in rss.items()},
        "lost": lost["total"], "exports": len(soak.exports), "webhook_events": lost["webhook_events"],
        "median_ms_by_kind": {k: round(statistics.median(v), 1) for k, v in stats.latency.items()},
    }  # fmt: skip
    print(json.dumps(summary))


def _expected(kind: str) -> set[tuple[str, str]]:
    return {(kind, "200"), (kind, "202")}


if __name__ == "__main__":
    main()
