"""Migrations on a database that already holds data: upgrading keeps every row (a table copy of
`tenants` on SQLite would cascade-delete all tenant rows), and every revision downgrades cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from flowai.core.db import make_engine
from flowai.core.migrate import alembic_config, current, upgrade


def test_upgrade_keeps_existing_rows_and_downgrades_cleanly(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0006")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO users (id, email, role, is_active, created_at, tenant_id) "
            "VALUES ('u1', 'a@example.com', 'owner', 1, '2026-01-01', '00000000000000000000flowai')"
        ))  # fmt: skip
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM tenant_domains")).scalar() == 2
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert current(engine) is None
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT host FROM tenant_domains ORDER BY host")).scalars().all() == [
            "127.0.0.1",
            "localhost",
        ]
    engine.dispose()


def test_upgrade_seals_webhook_secrets_stored_in_clear(tmp_path: Path) -> None:
    from flowai.core import sealing

    sealing.configure("test-secret-key")
    engine = make_engine(f"sqlite:///{tmp_path / 'hooks.db'}")
    upgrade(engine, "0007")
    clear = "whsec_" + "A" * 32
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO webhook_endpoints (id, url, description, event_types, format, secret, enabled, "
            "pace_next_ms, pace_sent_ms, created_at, updated_at, tenant_id) VALUES ('e1', 'https://x.example/h', "
            "'', '[]', 'standard', :s, 1, 0, 0, '2026-01-01', '2026-01-01', '00000000000000000000flowai')"
        ), {"s": clear})  # fmt: skip
    upgrade(engine)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT secret FROM webhook_endpoints")).scalar_one()
    assert stored.startswith("v1:") and clear not in stored
    assert sealing.unseal(stored) == clear
    engine.dispose()
