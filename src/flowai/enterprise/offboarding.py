"""Tenant deletion: first a complete export (rows as JSON Lines + every stored file, one zip),
then the purge of rows (one DELETE of the tenant row cascades to every tenant-owned table, in a
hard-isolated tenant's schema too, which is then dropped) and of stored media. The archive is
kept outside the tenant's storage prefix so the purge spares it.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from flowai.core.db import Database, utcnow
from flowai.core.errors import Problem
from flowai.core.models import Tenant, TenantDomain
from flowai.core.rls import tenant_tables
from flowai.core.storage import LocalStorage, S3Storage
from flowai.enterprise.isolation import drop_schema


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def export_archive(
    db: Database, storage: LocalStorage | S3Storage, tenant_id: str, out: Path
) -> dict[str, int]:
    """Write the tenant's rows and files into `out` (zip); returns rows per table and files."""
    counts: dict[str, int] = {}
    with db.session(system=True) as s:
        placed = s.execute(select(Tenant.db_schema).where(Tenant.id == tenant_id)).one_or_none()
    if placed is None:
        raise Problem(404, "not-found", "Tenant not found")
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf,
        db.session(system=True, schema=placed[0]) as s,
    ):
        tenant = s.get(Tenant, tenant_id)
        assert tenant is not None
        meta = {
            "tenant": {
                "id": tenant.id,
                "slug": tenant.slug,
                "name": tenant.name,
                "plan": tenant.plan,
                "brand": tenant.brand,
            },
            "domains": [
                d.host
                for d in s.execute(select(TenantDomain).where(TenantDomain.tenant_id == tenant_id)).scalars()
            ],
            "exported_at": utcnow().isoformat(),
        }
        zf.writestr("tenant.json", json.dumps(meta, indent=2, default=_json_default))
        for table in tenant_tables():
            rows = s.execute(select(table).where(table.c.tenant_id == tenant_id)).mappings().all()
            zf.writestr(
                f"tables/{table.name}.jsonl",
                "".join(json.dumps(dict(r), default=_json_default) + "\n" for r in rows),
            )
            counts[table.name] = len(rows)
        files = 0
        for key in storage.keys(f"t/{tenant_id}/"):
            with storage.open(key) as src, zf.open(f"media/{key}", "w") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            files += 1
        counts["files"] = files
    return counts


def purge(db: Database, storage: LocalStorage | S3Storage, tenant_id: str) -> int:
    """Delete the tenant's stored files, then its rows (cascade); returns files deleted."""
    deleted = 0
    for key in list(storage.keys(f"t/{tenant_id}/")):
        storage.delete(key)
        deleted += 1
    with db.transaction(system=True) as s:
        schema = s.execute(select(Tenant.db_schema).where(Tenant.id == tenant_id)).scalar_one_or_none()
        s.execute(delete(Tenant).where(Tenant.id == tenant_id))  # cascades into a tenant schema too
        if schema:
            drop_schema(s.connection(), schema)
    return deleted


def offboard(db: Database, storage: LocalStorage | S3Storage, tenant_id: str, slug: str) -> dict[str, Any]:
    """Export, keep the archive in storage under `exports/`, then purge."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{slug}.zip"
        counts = export_archive(db, storage, tenant_id, path)
        key = f"exports/tenants/{slug}-{utcnow().strftime('%Y%m%dT%H%M%SZ')}.zip"
        storage.save_file(key, path)
    files_deleted = purge(db, storage, tenant_id)
    return {"archive_key": key, "rows": counts, "files_deleted": files_deleted}
