"""How `flowai worker` consumes: no more messages than free threads, a short idle poll."""

from flowai.core.broker import IDLE_POLL_MS, DramatiqDispatcher, make_worker


def test_a_worker_takes_only_what_its_threads_can_start() -> None:
    dispatcher = DramatiqDispatcher("redis://127.0.0.1:1/0", namespace="flowai-unit")  # never connects
    try:
        for threads in (1, 3):
            worker = make_worker(dispatcher, threads)
            assert worker.queue_prefetch == threads  # Dramatiq's default is 2 per thread
            assert worker.worker_timeout == IDLE_POLL_MS
    finally:
        dispatcher.close()
