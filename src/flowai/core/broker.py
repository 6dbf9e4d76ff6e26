"""Scale-out delivery: job ids travel through Dramatiq on Redis to `flowai worker` processes.

Dramatiq's own retries are off (max_retries=0): retry, backoff and recovery belong to the jobs
table, so they behave the same with or without a broker. Dramatiq's time limit stays on as the
hard backstop, set per message from the job kind (renders run far past its 10-minute default).
A worker takes only as many messages as it has free threads, so the segments of an export spread
over every idle worker (bench/scale.py).
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker

from flowai.core.jobs import KINDS, Executor, Maintenance
from flowai.core.models import Job

log = logging.getLogger("flowai.broker")
QUEUE = "flowai-jobs"
IDLE_POLL_MS = 200
"""An idle worker asks Redis for work at least this often (Dramatiq backs off to 1 s by default,
which a segmented export would pay at every hand-over)."""
ACTOR = "flowai_run_job"


class DramatiqDispatcher:
    def __init__(self, url: str, executor: Executor | None = None, namespace: str = "flowai") -> None:
        self.broker = RedisBroker(url=url, namespace=namespace)  # type: ignore[no-untyped-call]
        self.executor = executor

        def run_job(job_id: str) -> None:
            if self.executor is not None:
                self.executor.run(job_id)

        self.actor: Any = dramatiq.actor(
            actor_name=ACTOR, queue_name=QUEUE, broker=self.broker, max_retries=0
        )(run_job)

    def dispatch(self, job: Job, delay_s: float = 0.0) -> None:
        spec = KINDS.get(job.kind)
        limit_s = (spec.time_limit_s if spec else 600.0) + 60.0
        self.actor.send_with_options(
            args=(job.id,), delay=int(delay_s * 1000) or None, time_limit=int(limit_s * 1000)
        )

    def on_retry(self, job: Job, delay_s: float) -> None:
        self.dispatch(job, delay_s)

    def close(self) -> None:
        self.broker.close()


def make_worker(dispatcher: DramatiqDispatcher, threads: int) -> dramatiq.Worker:
    """A Dramatiq worker on the job queue that takes a message only when a thread is free."""
    worker = dramatiq.Worker(
        dispatcher.broker, queues={QUEUE}, worker_threads=threads, worker_timeout=IDLE_POLL_MS
    )
    # Dramatiq prefetches 2 messages per thread: a busy worker would sit on a second segment of
    # an export while another worker idles. Take only what can start now.
    worker.queue_prefetch = threads
    return worker


def run_worker(dispatcher: DramatiqDispatcher, maintenance: Maintenance, threads: int, tick_s: float) -> None:
    """Consume job ids until SIGINT/SIGTERM; meanwhile re-queue jobs of dead workers."""
    worker = make_worker(dispatcher, threads)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    worker.start()
    log.info("worker started", extra={"threads": threads})
    try:
        while not stop.wait(tick_s):
            try:
                maintenance.tick()
            except Exception:
                log.exception("maintenance tick failed")
    finally:
        worker.stop()
        dispatcher.close()
