"""Request limits by plan: per credential (API key or session user) and per tenant.

Sliding-window counters from the `limits` library, in memory for one process or in Redis
(`FLOWAI_REDIS_URL`) shared by every API process. Every limited response carries
`RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (of the tighter limit); over the
limit the answer is 429 problem+json with `Retry-After`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

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


class RequestLimiter:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.limiter = SlidingWindowCounterRateLimiter(storage_from_string(settings.rate_limit_storage))
        self._parsed: dict[str, RateLimitItem] = {}

    def _item(self, text: str) -> RateLimitItem:
        if text not in self._parsed:
            self._parsed[text] = parse(text)
        return self._parsed[text]

    def _hit(self, item: RateLimitItem, key: str) -> tuple[bool, Quota]:
        allowed = self.limiter.hit(item, key)
        stats = self.limiter.get_window_stats(item, key)
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        return allowed, Quota(item.amount, stats.remaining, reset)

    def check(self, *, plan: str, tenant_id: str, credential: str) -> Quota:
        """Count one request against the credential and the tenant; raise 429 when either is spent."""
        limits = self.settings.plan(plan)
        quotas = []
        for scope, text, key in (
            ("credential", limits.per_key, f"rl:{tenant_id}:{credential}"),
            ("tenant", limits.per_tenant, f"rl:{tenant_id}"),
        ):
            allowed, quota = self._hit(self._item(text), key)
            if not allowed:
                raise Problem(
                    429,
                    "rate-limited",
                    f"Rate limit of {text} per {'API key' if scope == 'credential' else 'workspace'} reached on the "
                    f"{plan} plan; retry in {max(1, quota.reset_s)} s.",
                    headers={"Retry-After": str(max(1, quota.reset_s)), **quota.headers()},
                )
            quotas.append(quota)
        return min(quotas, key=lambda q: (q.remaining, q.reset_s))
