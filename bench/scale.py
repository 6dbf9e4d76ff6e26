"""Scale-out: one 60 s 1080p export rendered by 1 and by 2 `flowai worker` processes.

Everything is real and separate, as on N machines: a fresh PostgreSQL database (dropped after),
Redis as the Dramatiq broker, `flowai serve` for the API, and `flowai worker --threads 1`
processes, each pinned to a core of its own (taskset; --no-pin to let the OS place them), with
FLOWAI_FFMPEG_THREADS=1: FFmpeg still runs demux, decode, filter and encode as a pipeline of
threads, which without pinning lets one render use more than one core; pinned, the core is the
unit of scale. Media is generated with the bundled FFmpeg (three 1080p30 sources with sound) and
uploaded through the API; the timeline cuts between them every --clip-seconds.

Three exports of the same project version, each timed from POST to `succeeded`:

  single      segmenting off, 1 worker: the one-job render (the baseline)
  1 worker    FLOWAI_EDITOR_SEGMENT_SECONDS segments + the audio job + the join, 1 worker
  2 workers   the same segmented export, 2 workers

and prints wall time, speed-up against both, CPU seconds (workers and their FFmpeg children) per
output second, the per-segment overhead (what the segmented 1-worker run costs beyond the single
render, per extra job), and whether the decoded frames of every output are identical (FFmpeg
framemd5 of the video stream; quality "lossless" by default, where segments join bit-exact).

Run: .venv/bin/python bench/scale.py [--seconds 60] [--segment-seconds 10] [--quality lossless]
                                     [--repeat 1] [--no-pin]
Needs FLOWAI_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test) and
FLOWAI_TEST_REDIS_URL (default redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from benchkit import cpu_seconds, flowai, free_port, scratch_database, wait_until_serving
from sqlalchemy import create_engine, text

from flowai.editor.media import ffmpeg_exe

PG = os.environ.get("FLOWAI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("FLOWAI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SOURCES = ["testsrc2", "smptehdbars", "rgbtestsrc"]


def make_source(path: Path, src: str, seconds: int, tone: int) -> Path:
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"{src}=s=1920x1080:r=30:d={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency={tone}:sample_rate=48000:duration={seconds}",
         "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-g", "60", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-shortest", str(path)],
        check=True,
    )  # fmt: skip
    return path


def framemd5(path: Path) -> list[str]:
    out = subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-i", str(path), "-map", "0:v",
                          "-f", "framemd5", "-"], check=True, capture_output=True, text=True).stdout  # fmt: skip
    return [line.rsplit(",", 1)[1].strip() for line in out.splitlines() if line and not line.startswith("#")]


@dataclass
class Run:
    name: str
    workers: int
    wall: float
    cpu: float
    segments: int
    jobs: list[dict[str, Any]]
    hashes: list[str]
    load: float


class Stack:
    """One database, one data folder, one broker namespace; API servers and workers come and go."""

    def __init__(self, work: Path, database_url: str, args: argparse.Namespace) -> None:
        self.work, self.args = work, args
        self.env = {
            **os.environ,
            "FLOWAI_DATA_DIR": str(work / "data"),  # local storage shared by all processes here;
            "FLOWAI_DATABASE_URL": database_url,  # on several hosts: FLOWAI_STORAGE_BACKEND=s3
            "FLOWAI_BROKER_URL": REDIS,
            "FLOWAI_BROKER_NAMESPACE": f"flowai-bench-{uuid.uuid4().hex[:8]}",
            "FLOWAI_SECRET_KEY": "bench-secret-key",
            "FLOWAI_FFMPEG_THREADS": str(args.ffmpeg_threads),
            "FLOWAI_LOG_LEVEL": "WARNING",
            "FLOWAI_JOB_POLL_SECONDS": "0.2",
            "FLOWAI_PLANS": json.dumps(
                {"free": {"per_key": "100000/minute", "per_tenant": "100000/minute", "concurrent_jobs": 50}}
            ),  # fmt: skip
        }
        self.engine = create_engine(database_url)
        self.workers: list[subprocess.Popen[bytes]] = []
        self.server: subprocess.Popen[bytes] | None = None
        self.base = ""

    def serve(self, segment_seconds: float) -> None:
        self.stop_server()
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        env = {
            **self.env,
            "FLOWAI_EDITOR_SEGMENT_SECONDS": str(segment_seconds),
            "FLOWAI_PUBLIC_URL": self.base,
        }
        log = self.work / f"serve-{port}.log"
        self.server = subprocess.Popen([sys.executable, "-m", "flowai", "serve", "--port", str(port), "--no-migrate"],
                                       env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)  # fmt: skip
        wait_until_serving(self.base, log=log)

    def stop_server(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(30)
            self.server = None

    def scale_workers(self, n: int) -> None:
        while len(self.workers) < n:
            path = self.work / f"worker-{len(self.workers)}.log"
            env = {**self.env, "FLOWAI_LOG_LEVEL": "INFO"}
            # --pin: worker i (and its FFmpeg, which still runs demux, decode, filter and encode as
            # a pipeline of threads) on core i, so that n workers use exactly n cores
            pin = ["taskset", "-c", str(len(self.workers) % (os.cpu_count() or 1))] if self.args.pin else []
            self.workers.append(subprocess.Popen([*pin, sys.executable, "-m", "flowai", "worker", "--threads", "1"],
                                                 env=env, stdout=path.open("wb"), stderr=subprocess.STDOUT))  # fmt: skip
            deadline = time.monotonic() + 120
            while "worker started" not in path.read_text(errors="replace"):  # consuming from now on
                if time.monotonic() > deadline or self.workers[-1].poll() is not None:
                    raise SystemExit(f"flowai worker did not start: see {path}")
                time.sleep(0.2)
        while len(self.workers) > n:
            w = self.workers.pop()
            w.terminate()
            w.wait(60)

    def stop(self) -> None:
        self.scale_workers(0)
        self.stop_server()
        self.engine.dispose()

    def busy(self) -> int:
        with self.engine.connect() as c:
            return int(
                c.execute(
                    text("SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')")
                ).scalar_one()
            )

    def wait_idle(self, timeout: float = 900) -> None:
        deadline = time.monotonic() + timeout
        while self.busy():
            if time.monotonic() > deadline:
                raise SystemExit("jobs still running after the timeout")
            time.sleep(0.5)

    def jobs_since(self, since: float) -> list[dict[str, Any]]:
        with self.engine.connect() as c:
            rows = c.execute(text("SELECT kind, status, started_at, finished_at, created_at, worker_id FROM jobs "
                                  "WHERE created_at >= to_timestamp(:t) AT TIME ZONE 'UTC' "
                                  "ORDER BY created_at"), {"t": since - 1}).mappings().all()  # fmt: skip
        return [dict(r) for r in rows]


def export(stack: Stack, client: httpx.Client, project_id: str, name: str, workers: int) -> Run:
    stack.scale_workers(workers)
    stack.wait_idle()
    cpu0 = sum(cpu_seconds(w.pid, children=True) for w in stack.workers)
    since = time.time()
    t0 = time.perf_counter()
    r = client.post(
        f"/v1/projects/{project_id}/exports", json={"preset": "1080p", "quality": stack.args.quality}
    )
    r.raise_for_status()
    export_id = r.json()["id"]
    while True:
        row = client.get(f"/v1/exports/{export_id}").json()
        if row["status"] in ("succeeded", "failed", "cancelled"):
            break
        time.sleep(0.1)
    wall = time.perf_counter() - t0
    if row["status"] != "succeeded":
        raise SystemExit(f"{name}: export {row['status']}: {row.get('error')}")
    stack.wait_idle()
    cpu = sum(cpu_seconds(w.pid, children=True) for w in stack.workers) - cpu0
    out = stack.work / f"{name.replace(' ', '-')}.mp4"
    out.write_bytes(client.get(row["download_url"]).raise_for_status().content)
    load = os.getloadavg()[0]
    return Run(name, workers, wall, cpu, row["segments"], stack.jobs_since(since), framemd5(out), load)


def job_seconds(run: Run, kind: str) -> list[float]:
    return [(j["finished_at"] - j["started_at"]).total_seconds() for j in run.jobs
            if j["kind"] == kind and j["started_at"] and j["finished_at"]]  # fmt: skip


def busy(run: Run) -> float:
    """Jobs running at once on average (job seconds / wall): about the number of workers when the
    segments spread over them."""
    seconds = sum((j["finished_at"] - j["started_at"]).total_seconds() for j in run.jobs
                  if j["started_at"] and j["finished_at"])  # fmt: skip
    return seconds / run.wall


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="timeline length")
    parser.add_argument("--clip-seconds", type=int, default=5, help="a cut every this many seconds")
    parser.add_argument("--segment-seconds", type=float, default=10.0)
    parser.add_argument("--quality", default="lossless", choices=["draft", "standard", "high", "lossless"])
    parser.add_argument("--ffmpeg-threads", type=int, default=1)
    parser.add_argument(
        "--pin", action=argparse.BooleanOptionalAction, default=True, help="pin worker i to core i (taskset)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="1- and 2-worker runs, alternating; best counts"
    )
    args = parser.parse_args()
    load0 = os.getloadavg()
    runs: list[Run] = []
    with (
        scratch_database(PG, "flowai_bench_scale") as url,
        tempfile.TemporaryDirectory(prefix="flowai-scale-") as tmp,
    ):
        work = Path(tmp)
        stack = Stack(work, url, args)
        try:
            flowai(stack.env, "db", "upgrade")
            email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
            flowai(stack.env, "users", "create", "--email", email, "--password", "benchmark-password")
            key = flowai(stack.env, "apikeys", "create", "--user", email, "--scopes",
                         "read,editor:write,exports:write")  # fmt: skip
            per_source = math.ceil(args.seconds / len(SOURCES))
            media = [
                make_source(work / f"{s}.mp4", s, per_source, 300 + 200 * i) for i, s in enumerate(SOURCES)
            ]
            stack.serve(segment_seconds=0)
            stack.scale_workers(1)
            client = httpx.Client(
                base_url=stack.base, headers={"Authorization": f"Bearer {key}"}, timeout=600
            )
            ids = []
            for path in media:
                r = client.post(f"/v1/assets?filename={path.name}", content=path.read_bytes())
                r.raise_for_status()
                ids.append(r.json()["id"])
            fps, clip = 30, args.clip_seconds * 30
            clips = []
            for n in range(args.seconds // args.clip_seconds):
                src = n % len(ids)
                offset = (n // len(ids)) * clip % (per_source * fps - clip + 1)
                clips.append({"id": f"c{n}", "asset_id": ids[src], "source_in": offset,
                              "source_out": offset + clip, "start": n * clip})  # fmt: skip
            timeline = {"canvas": {"width": 1920, "height": 1080, "fps": "30"},
                        "video_tracks": [{"id": "v1", "clips": clips}]}  # fmt: skip
            r = client.post("/v1/projects", json={"name": "Scale-out bench", "timeline": timeline})
            r.raise_for_status()
            project_id = r.json()["id"]
            print(f"load average at start: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} "
                  f"on {os.cpu_count()} cores", flush=True)  # fmt: skip
            runs.append(export(stack, client, project_id, "single", 1))
            print(f"single render: {runs[-1].wall:.1f} s", flush=True)
            stack.serve(segment_seconds=args.segment_seconds)
            client.base_url = httpx.URL(stack.base)
            for _ in range(args.repeat):
                runs.append(export(stack, client, project_id, "1 worker", 1))
                print(f"segmented, 1 worker: {runs[-1].wall:.1f} s", flush=True)
                runs.append(export(stack, client, project_id, "2 workers", 2))
                print(f"segmented, 2 workers: {runs[-1].wall:.1f} s", flush=True)
            client.close()
        finally:
            stack.stop()
    report(runs, args, load0)


def report(runs: list[Run], args: argparse.Namespace, load0: tuple[float, float, float]) -> None:
    single = runs[0]
    one = min((r for r in runs if r.name == "1 worker"), key=lambda r: r.wall)
    two = min((r for r in runs if r.name == "2 workers"), key=lambda r: r.wall)
    out_s = float(args.seconds)
    print(f"\n{args.seconds} s 1080p30 timeline, quality {args.quality}, FLOWAI_FFMPEG_THREADS="
          f"{args.ffmpeg_threads}, segments of ~{args.segment_seconds:g} s, "
          f"workers {'pinned one per core' if args.pin else 'not pinned'}")  # fmt: skip
    print(
        f"load average: {load0[0]:.2f} at start, {os.getloadavg()[0]:.2f} at the end ({os.cpu_count()} cores)"
    )
    print(f"{'run':12s} {'workers':>7s} {'segments':>8s} {'wall s':>7s} {'x single':>8s} {'x 1 wkr':>8s} "
          f"{'CPU s/out s':>11s} {'load':>5s} {'busy':>5s}  frames")  # fmt: skip
    for r in runs:
        same = "identical" if r.hashes == single.hashes else "DIFFERENT"
        print(f"{r.name:12s} {r.workers:7d} {r.segments:8d} {r.wall:7.1f} {single.wall / r.wall:7.2f}x "
              f"{one.wall / r.wall:7.2f}x {r.cpu / out_s:11.2f} {r.load:5.1f} {busy(r):5.2f}  {len(r.hashes)} {same}")  # fmt: skip
    if args.repeat > 1:
        print(f"best of {args.repeat}: 2 workers {one.wall / two.wall:.2f}x the 1-worker segmented export, "
              f"{single.wall / two.wall:.2f}x the one-job render")  # fmt: skip
    seg = job_seconds(one, "editor.export.segment")
    audio = job_seconds(one, "editor.export.audio")
    join = job_seconds(one, "editor.export")
    k = one.segments
    j = join[0] if join else 0.0
    # What segmenting costs: CPU (each segment opens and seeks its inputs, decoding from the
    # keyframe before its first frame, starts an encoder, loads the export and timeline), and the
    # hand-over: wall time in the 1-worker run when no job was running (broker + database).
    cpu_per_segment = (one.cpu - single.cpu) / k
    handover = (one.wall - sum(seg) - sum(audio) - j) / (k + 2)
    print(f"\nsingle render job {single.wall:.1f} s wall; the 1-worker segmented run: {k} segment jobs "
          f"{sum(seg):.1f} s (mean {sum(seg) / max(1, len(seg)):.1f}), audio {sum(audio):.1f} s, "
          f"join {j:.2f} s")  # fmt: skip
    print(f"per segment: {cpu_per_segment:+.2f} CPU s over the single render; hand-over between jobs "
          f"{handover:.2f} s; join {j:.2f} s per export")  # fmt: skip
    # A model for N workers, each segment on its own core, one segment per worker: the audio job
    # runs beside the segments, so T(N) = max(W/N + o, A) + h + J with W the single render's CPU
    # time (what it takes on an otherwise idle core), o the per-segment CPU overhead, A the audio
    # job, h the hand-over and J the join (a stream copy: A and J grow with the output's length).
    w, a = single.cpu, sum(audio)
    print("\npredicted on idle cores, T(N) = max(W/N + o, A) + h + J:")
    for minutes in (1, 10):
        scale = minutes * 60 / out_s
        t1 = w * scale
        parts = []
        for n in (2, 10, 100):
            t = max(t1 / n + max(cpu_per_segment, 0), a * scale) + handover + j * scale
            parts.append(f"{n} workers {t:6.1f} s = {t1 / t:5.1f}x")
        print(
            f"  {minutes:3d} min timeline (W {t1:4.0f} s, A {a * scale:4.1f} s, J {j * scale:4.1f} s): "
            + ", ".join(parts)
        )
    print(json.dumps({"runs": [{"name": r.name, "workers": r.workers, "wall_s": round(r.wall, 2),
                                "cpu_s_per_output_s": round(r.cpu / out_s, 3), "segments": r.segments,
                                "identical": r.hashes == single.hashes, "load": round(r.load, 2)} for r in runs],
                      "per_segment_cpu_s": round(cpu_per_segment, 3), "handover_s": round(handover, 3),
                      "join_s": round(j, 3),
                      "load_start": load0[0]}))  # fmt: skip


if __name__ == "__main__":
    main()
