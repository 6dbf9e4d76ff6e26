"""Request limits by plan: per credential (API key or session user) and per tenant.

Sliding-window counters (the `limits` library's algorithm: the previous window's count, weighted
by how much of it the sliding window still covers, plus the current window's count), in memory
for one process or in Redis (`FLOWAI_REDIS_URL`) shared by every API process. Both windows of a
request are decided in one atomic step, one lock in memory and one Lua script (one round trip) in
Redis, and a request is counted in both or in neither. Every limited response carries
`RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (of the tighter limit); over the
limit the answer is 429 problem+json with `Retry-After`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from limits import RateLimitItem, parse

from flowai.core.errors import Problem
from flowai.settings import Settings


@dataclass(frozen=True)
class Quota:
    limit: int
    remaining: int
    reset_s: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_s),
        }


@dataclass(frozen=True)
class Window:
    """`limit` requests per `seconds`, counted under `key`."""

    key: str
    limit: int
    seconds: int

    def weight(self, now: float) -> float:
        """The share of the previous fixed window that the sliding window ending `now` covers."""
        return 1 - (now / self.seconds) % 1

    def used(self, previous: int, current: int, now: float) -> int:
        return math.floor(previous * self.weight(now) + current)

    def quota(self, previous: int, current: int, now: float) -> Quota:
        """Remaining and reset as `limits`' get_window_stats reports them."""
        left = self.weight(now) * self.seconds  # until the current fixed window ends
        resets = [left % (self.seconds / previous)] if previous else []
        resets += [left] if current else []
        reset = math.ceil(min(resets)) if resets else 0
        return Quota(self.limit, max(0, self.limit - self.used(previous, current, now)), reset)


class WindowStore(Protocol):
    def hit(self, windows: Sequence[Window], now: float) -> tuple[bool, list[tuple[int, int]]]:
        """Count one request in every window, or in none when one is full. Returns whether it was
        counted and (previous, current) counts of each window, the request included if counted."""
        ...


class MemoryWindows:
    """The counters of one process: (key, seconds, window number) → count, under one lock."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int, int], int] = {}
        self._lock = threading.Lock()
        self._next_sweep = 0.0

    def hit(self, windows: Sequence[Window], now: float) -> tuple[bool, list[tuple[int, int]]]:
        slots = [(w.key, w.seconds, int(now / w.seconds)) for w in windows]
        with self._lock:
            if now >= self._next_sweep:
                self._sweep(now)
            counts = [
                (self._counts.get((k, s, n - 1), 0), self._counts.get((k, s, n), 0)) for k, s, n in slots
            ]
            if any(w.used(p, c, now) + 1 > w.limit for w, (p, c) in zip(windows, counts, strict=True)):
                return False, counts
            for slot in slots:
                self._counts[slot] = self._counts.get(slot, 0) + 1
        return True, [(p, c + 1) for p, c in counts]

    def _sweep(self, now: float) -> None:
        """Forget windows before the previous one (about once a second)."""
        self._next_sweep = now + 1.0
        for slot in [(k, s, n) for (k, s, n) in self._counts if n < int(now / s) - 1]:
            del self._counts[slot]


# KEYS: the previous and the current window's counter of each window, in pairs.
# ARGV: weight of the previous window, limit, and counter TTL of each window, in triples.
# Returns {1 if counted else 0, previous, current, previous, current, ...}.
HIT_SCRIPT = """
local counts = {}
local full = 0
for i = 1, #KEYS / 2 do
  local previous = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
  local current = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  counts[2 * i - 1] = previous
  counts[2 * i] = current
  if math.floor(previous * tonumber(ARGV[3 * i - 2]) + current) + 1 > tonumber(ARGV[3 * i - 1]) then
    full = 1
  end
end
if full == 0 then
  for i = 1, #KEYS / 2 do
    local n = redis.call('INCR', KEYS[2 * i])
    if n == 1 then redis.call('EXPIRE', KEYS[2 * i], ARGV[3 * i]) end
    counts[2 * i] = n
  end
end
table.insert(counts, 1, 1 - full)
return counts
"""


class RedisWindows:
    """Counters shared by every process through Redis: one EVALSHA per request."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._script: Any = self._redis.register_script(HIT_SCRIPT)

    def hit(self, windows: Sequence[Window], now: float) -> tuple[bool, list[tuple[int, int]]]:
        keys: list[str] = []
        args: list[str | int] = []
        for w in windows:
            n = int(now / w.seconds)
            keys += [f"{w.key}:{w.seconds}:{n - 1}", f"{w.key}:{w.seconds}:{n}"]
            args += [repr(w.weight(now)), w.limit, 2 * w.seconds]
        reply = [int(v) for v in self._script(keys=keys, args=args)]
        return bool(reply[0]), [(reply[i], reply[i + 1]) for i in range(1, len(reply), 2)]


def window_store(url: str) -> WindowStore:
    """`memory://` (this process) or a Redis URL (`redis://`, `rediss://`, `unix://`)."""
    return MemoryWindows() if url.startswith("memory://") else RedisWindows(url)


class RequestLimiter:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = window_store(settings.rate_limit_storage)
        self._parsed: dict[str, RateLimitItem] = {}

    def _item(self, text: str) -> RateLimitItem:
        if text not in self._parsed:
            self._parsed[text] = parse(text)
        return self._parsed[text]

    def check(self, *, plan: str, tenant_id: str, credential: str) -> Quota:
        """Count one request against the credential and the tenant (one atomic step); raise 429
        when either is spent, and then count it in neither."""
        limits = self.settings.plan(plan)
        per_key, per_tenant = self._item(limits.per_key), self._item(limits.per_tenant)
        # one hash tag, so both counters sit in one Redis Cluster slot
        windows = (
            Window(f"flowai:rl:{{{tenant_id}}}:{credential}", per_key.amount, per_key.get_expiry()),
            Window(f"flowai:rl:{{{tenant_id}}}", per_tenant.amount, per_tenant.get_expiry()),
        )
        now = time.time()
        allowed, counts = self.store.hit(windows, now)
        quotas = [w.quota(p, c, now) for w, (p, c) in zip(windows, counts, strict=True)]
        if not allowed:
            # the first full window (Lua and Python agree on the arithmetic; 0 if they ever do not)
            i = next(
                (
                    i
                    for i, (w, (p, c)) in enumerate(zip(windows, counts, strict=True))
                    if w.used(p, c, now) >= w.limit
                ),
                0,
            )
            retry = max(1, quotas[i].reset_s)
            raise Problem(
                429,
                "rate-limited",
                f"Rate limit of {(limits.per_key, limits.per_tenant)[i]} per {('API key', 'workspace')[i]} "
                f"reached on the {plan} plan; retry in {retry} s.",
                headers={"Retry-After": str(retry), **quotas[i].headers()},
            )
        return min(quotas, key=lambda q: (q.remaining, q.reset_s))
