"""Both windows of a request are decided in one atomic step, in memory and in Redis, with the
same arithmetic as the `limits` library's sliding-window counter."""

from __future__ import annotations

import math
import threading
import time
import uuid

import pytest
from flowai_testkit import REDIS_URL
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from flowai.core.ratelimit import MemoryWindows, RedisWindows, Window, WindowStore, window_store


def stores() -> list[object]:
    return ["memory", pytest.param("redis", marks=pytest.mark.redis)]


@pytest.fixture(params=stores())
def store(request: pytest.FixtureRequest) -> WindowStore:
    if request.param == "memory":
        return MemoryWindows()
    if not REDIS_URL:
        pytest.skip("Redis not configured: set FLOWAI_TEST_REDIS_URL")
    return RedisWindows(REDIS_URL)


def _windows(key: str, tenant: str, per_key: int = 5, per_tenant: int = 7) -> tuple[Window, Window]:
    return (Window(f"t:{tenant}:{key}", per_key, 3600), Window(f"t:{tenant}", per_tenant, 3600))


def test_matches_limits_sliding_window_counter(store: WindowStore) -> None:
    tenant = uuid.uuid4().hex
    windows = _windows("a", tenant)
    reference = SlidingWindowCounterRateLimiter(storage_from_string("memory://"))
    item = parse("5/hour")
    for _ in range(7):
        now = time.time()
        allowed, counts = store.hit(windows, now)
        assert allowed == reference.hit(item, tenant)
        quota = windows[0].quota(*counts[0], now)
        stats = reference.get_window_stats(item, tenant)
        assert quota.remaining == stats.remaining
        assert abs(quota.reset_s - math.ceil(stats.reset_time - time.time())) <= 1


def test_counted_in_both_windows_or_in_neither(store: WindowStore) -> None:
    tenant = uuid.uuid4().hex
    assert [store.hit(_windows("a", tenant), time.time())[0] for _ in range(5)] == [True] * 5
    # key a is spent: its refused requests must not use up the tenant's window
    assert [store.hit(_windows("a", tenant), time.time())[0] for _ in range(10)] == [False] * 10
    assert [store.hit(_windows("b", tenant), time.time())[0] for _ in range(3)] == [True, True, False]
    allowed, counts = store.hit(_windows("c", tenant), time.time())
    assert not allowed and counts[1] == (0, 7)  # the tenant is full; c was not counted either
    assert counts[0] == (0, 0)


def test_concurrent_hits_never_exceed_the_limit(store: WindowStore) -> None:
    tenant = uuid.uuid4().hex
    allowed: list[bool] = []
    lock = threading.Lock()

    def fire() -> None:
        for _ in range(10):
            ok = store.hit(_windows("a", tenant, per_key=25, per_tenant=1000), time.time())[0]
            with lock:
                allowed.append(ok)

    threads = [threading.Thread(target=fire) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert allowed.count(True) == 25


def test_memory_url_stays_in_process() -> None:
    assert isinstance(window_store("memory://"), MemoryWindows)
