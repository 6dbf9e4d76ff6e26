"""Tenant deletion: a complete export archive first, then nothing of the tenant is left."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from flowai_images import image_bytes
from flowai_testkit import csrf, make_platform_admin, signup, unique_email, wait_until
from sqlalchemy import func, select

from flowai.app import create_app
from flowai.core.context import AppContext
from flowai.core.models import Job
from flowai.core.rls import tenant_tables

PNG = image_bytes(40, 20)


def test_delete_exports_then_purges(
    client: TestClient, ctx: AppContext, make_tenant: Callable[[str], str]
) -> None:
    make_platform_admin(client, ctx)
    host = make_tenant("doomed")
    slug = host.split(".")[0]
    email = unique_email("leaving")
    with TestClient(create_app(ctx), base_url=f"http://{host}") as t:
        signup(t, email)
        uploaded = t.post("/v1/files?kind=image&filename=brand.png", content=PNG, headers=csrf(t)).json()
    tenant = ctx.tenants.resolve(host)
    assert tenant is not None

    assert client.delete("/v1/platform/tenants/flowai", headers=csrf(client)).status_code == 409
    r = client.delete(f"/v1/platform/tenants/{slug}", headers=csrf(client))
    assert r.status_code == 202 and r.headers["location"] == f"/v1/jobs/{r.json()['id']}"
    job = wait_until(
        lambda: (j := client.get(r.headers["location"]).json())["status"] in ("succeeded", "failed") and j,
        timeout=30,
        what=f"offboarding job: {client.get(r.headers['location']).json()}",
    )
    assert job["status"] == "succeeded", job
    assert job["result"]["rows"]["users"] == 1 and job["result"]["files_deleted"] == 1

    archive_url = urlsplit(job["result"]["archive_url"])
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"{archive_url.path}?{archive_url.query}").content))
    users = [json.loads(line) for line in archive.read("tables/users.jsonl").decode().splitlines()]
    assert [u["email"] for u in users] == [email]
    assert json.loads(archive.read("tenant.json"))["tenant"]["slug"] == slug
    media = [n for n in archive.namelist() if n.startswith("media/")]
    assert len(media) == 1 and archive.read(media[0]) == PNG and uploaded["id"] in media[0]

    ctx.tenants.invalidate()
    with TestClient(create_app(ctx), base_url=f"http://{host}") as gone:
        assert gone.get("/v1/tenant/theme").status_code == 404
    with ctx.db.session(system=True) as s:
        for table in tenant_tables():
            left = s.execute(
                select(func.count()).select_from(table).where(table.c.tenant_id == tenant.id)
            ).scalar_one()
            assert left == 0, table.name
        assert s.get(Job, job["id"]) is not None  # the job record lives with the platform tenant
    assert list(ctx.storage.keys(f"t/{tenant.id}/")) == []


def test_only_platform_admins_delete_tenants(client: TestClient, make_tenant: Callable[[str], str]) -> None:
    signup(client)
    host = make_tenant("safe")
    me = client.get("/v1/me").json()
    if me["role"] == "member":
        assert (
            client.delete(f"/v1/platform/tenants/{host.split('.')[0]}", headers=csrf(client)).status_code
            == 403
        )
    with TestClient(client.app, base_url=f"http://{host}") as other:
        signup(other)  # owner of *that* workspace, not of the platform
        r = other.delete(f"/v1/platform/tenants/{host.split('.')[0]}", headers=csrf(other))
        assert r.status_code == 403
