"""Isolation and limiter costs, each against a baseline measured in the same run.

1. Row-level security: the same tenant-scoped query (latest 20 jobs of one tenant, and a count)
   as the app role with RLS on, then with RLS disabled on the table; ratio on/off. Then the
   binding itself: the service binds with `flowai_bind_tenant()` (a shared advisory lock that a
   tenant move waits on, app.tenant_id and the tenant's search path) instead of a bare
   `set_config`; ratio of the same transaction bound each way.
2. Rate-limiter decisions per second (`limits` sliding-window counter) in memory and on Redis.

Needs FLOWAI_TEST_POSTGRES_URL for (1) and FLOWAI_TEST_REDIS_URL for the Redis half of (2).
"""

from __future__ import annotations

import os
import statistics
import time
import uuid

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from flowai.core.db import make_engine
from flowai.core.migrate import upgrade

TENANTS, JOBS_PER_TENANT, QUERIES = 20, 5000, 400
APP_ROLE = "flowai_app"


def timed(fn: object, n: int) -> float:
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(n):
            fn()  # type: ignore[operator]
        samples.append((time.perf_counter() - start) / n)
    return statistics.median(samples)


def rls_cost(pg_url: str) -> None:
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    name = f"flowai_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
        if not c.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE}).scalar():
            c.execute(text(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS"))
    owner_url = make_url(pg_url).set(database=name)
    app_url = owner_url.set(username=APP_ROLE, password=None)
    try:
        owner = make_engine(owner_url.render_as_string(hide_password=False))
        upgrade(owner, app_url=app_url.render_as_string(hide_password=False))
        with owner.begin() as c:
            for t in range(TENANTS):
                tid = f"{t:026d}"
                c.execute(
                    text(
                        "INSERT INTO tenants (id, slug, name, brand, features, plan, created_at) VALUES (:i, :s, :s, '{}', '[]', 'free', now())"
                    ),
                    {"i": tid, "s": f"t{t}"},
                )
                c.execute(
                    text(
                        "INSERT INTO jobs (id, tenant_id, kind, status, progress, stage, attempts, max_attempts, payload, cancel_requested, run_after, created_at, updated_at) "
                        "SELECT lpad(:t, 8, '0') || lpad(g::text, 18, '0'), :tid, 'bench', 'succeeded', 100, 'done', 1, 1, '{}', false, now(), now(), now() FROM generate_series(1, :n) g"
                    ),
                    {"t": str(t), "tid": tid, "n": JOBS_PER_TENANT},
                )
            c.execute(text("ANALYZE jobs"))
        app = make_engine(app_url.render_as_string(hide_password=False))
        tenant = f"{7:026d}"

        bare_bind = text("SELECT set_config('app.tenant_id', :t, true)")
        service_bind = text("SELECT flowai_bind_tenant(:t)")
        bind = bare_bind

        def query() -> None:
            with app.begin() as c:
                c.execute(bind, {"t": tenant})
                rows = c.execute(
                    text("SELECT id, status FROM jobs WHERE tenant_id = :t ORDER BY id DESC LIMIT 20"),
                    {"t": tenant},
                ).all()
                count = c.execute(
                    text("SELECT count(*) FROM jobs WHERE tenant_id = :t"), {"t": tenant}
                ).scalar()
                assert len(rows) == 20 and count == JOBS_PER_TENANT

        def set_rls(enabled: bool) -> None:
            with owner.begin() as c:
                c.execute(text(f"ALTER TABLE jobs {'ENABLE' if enabled else 'DISABLE'} ROW LEVEL SECURITY"))

        timed(query, 50)  # warm-up
        ons, offs = [], []
        for _ in range(3):  # interleaved rounds, so machine noise hits both sides alike
            set_rls(True)
            ons.append(timed(query, QUERIES // 15))
            set_rls(False)
            offs.append(timed(query, QUERIES // 15))
        set_rls(True)
        on, off = statistics.median(ons), statistics.median(offs)
        print(
            f"RLS   tenant-scoped query ({TENANTS}×{JOBS_PER_TENANT} jobs): on {on * 1e3:.3f} ms, off {off * 1e3:.3f} ms, ratio on/off {on / off:.3f}"
        )
        bares, services = [], []
        for _ in range(3):
            bind = bare_bind
            bares.append(timed(query, QUERIES // 15))
            bind = service_bind
            services.append(timed(query, QUERIES // 15))
        bare, service = statistics.median(bares), statistics.median(services)
        print(
            f"bind  same transaction: set_config {bare * 1e3:.3f} ms, flowai_bind_tenant {service * 1e3:.3f} ms, ratio {service / bare:.3f}"
        )
        app.dispose()
        owner.dispose()
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def limiter_rate(url: str, n: int) -> float:
    limiter = SlidingWindowCounterRateLimiter(storage_from_string(url))
    item = parse("1000000/minute")
    prefix = uuid.uuid4().hex
    start = time.perf_counter()
    for i in range(n):
        limiter.hit(item, f"bench:{prefix}:{i % 50}")
    return n / (time.perf_counter() - start)


def main() -> None:
    pg = os.environ.get("FLOWAI_TEST_POSTGRES_URL")
    if pg:
        rls_cost(pg)
    else:
        print("RLS   skipped (set FLOWAI_TEST_POSTGRES_URL)")
    memory = limiter_rate("memory://", 50000)
    print(f"limiter decisions/s: memory {memory:,.0f}")
    redis = os.environ.get("FLOWAI_TEST_REDIS_URL")
    if redis:
        on_redis = limiter_rate(redis, 5000)
        print(f"limiter decisions/s: redis  {on_redis:,.0f} (ratio redis/memory {on_redis / memory:.3f})")
    else:
        print("limiter redis skipped (set FLOWAI_TEST_REDIS_URL)")


if __name__ == "__main__":
    main()
