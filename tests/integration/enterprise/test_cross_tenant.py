"""The cross-tenant attack suite: for every route that takes an id, tenant B (its admin's session
and its API key with every scope) gets nothing of tenant A's — never a 2xx, never a 5xx, and a
404 for reads. New routes are picked up from the OpenAPI document automatically."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from flowai_images import image_bytes
from flowai_testkit import create_key, csrf, make_settings, signup, wait_until

from flowai.app import create_app
from flowai.core.auth import TENANT_SCOPES
from flowai.core.context import AppContext

PNG = image_bytes()
# Routes where B acting on its *own* namespace is legitimate or that are not tenant objects.
NOT_TENANT_OBJECTS = {
    "/v1/files/raw/{key}",  # signed URLs: the signature is the credential (tested in test_storage)
    "/v1/nft/{token_video_id}",  # public NFT metadata for marketplaces
    "/v1/shares/holdings/{address}",  # on-chain holdings of a wallet: public by nature
    "/v1/platform/tenants/{slug}",  # platform admins only (tested in test_offboarding)
}


def _a_objects(a: TestClient, ctx: AppContext) -> dict[str, str]:
    user = signup(a)
    key = create_key(a, ["read"])
    tenant = ctx.tenants.resolve("localhost")
    assert tenant is not None
    job = ctx.jobs.submit(tenant_id=tenant.id, kind="test.echo", owner_id=user["id"])
    wait_until(lambda: a.get(f"/v1/jobs/{job.id}").json()["status"] == "succeeded", what="A's job")
    file_id = a.post("/v1/files?kind=image&filename=a.png", content=PNG, headers=csrf(a)).json()["id"]
    ids = {
        "job_id": job.id,
        "file_id": file_id,
        "key_id": key.split("_")[1],
        "user_id": user["id"],
        "host": "localhost",
    }
    endpoint = a.post("/v1/webhooks/endpoints", json={"url": "http://127.0.0.1:9/hook"}, headers=csrf(a))
    if endpoint.status_code == 201:
        ids["endpoint_id"] = endpoint.json()["id"]
    project = a.post("/v1/projects", json={"name": "A's film"}, headers=csrf(a))
    if project.status_code == 201:
        ids["project_id"] = project.json()["id"]
    return ids


def test_tenant_b_gets_nothing_of_tenant_a(
    tmp_path: Path, database_url: str, make_tenant: Callable[[str], str]
) -> None:
    ctx = AppContext.build(make_settings(tmp_path, database_url, webhook_allow_private=True))
    app = create_app(ctx)
    host_b = make_tenant("attacker")
    with TestClient(app, base_url="http://localhost") as a, TestClient(app, base_url=f"http://{host_b}") as b:
        ids = _a_objects(a, ctx)
        signup(b)  # B's first user owns B: an admin, the strongest role B has
        key_b = create_key(b, list(TENANT_SCOPES))  # every scope but `platform` (not B's to hold)
        spec = app.openapi()
        values = {**ids, "fmt": "otio"}
        probed = 0
        for path, ops in spec["paths"].items():
            if "{" not in path or path in NOT_TENANT_OBJECTS:
                continue
            here = {**values, "fmt": "srt"} if "/captions." in path else values  # caption downloads
            url = re.sub(
                r"\{(\w+)\}", lambda m, v=here: v.get(m.group(1), "01aaaaaaaaaaaaaaaaaaaaaaaa"), path
            )
            for method in ops:
                for headers in (csrf(b), {"Authorization": f"Bearer {key_b}"}):
                    r = b.request(method.upper(), url, headers=headers, json={})
                    probed += 1
                    assert r.status_code < 500, (method, url, r.status_code, r.text[:300])
                    assert not 200 <= r.status_code < 300, (method, url, r.status_code, r.text[:300])
                    if method == "get":
                        assert r.status_code == 404, (method, url, r.status_code, r.text[:300])
        assert probed > 40
        # and A still has all of it
        assert a.get(f"/v1/jobs/{ids['job_id']}").status_code == 200
        assert a.get(f"/v1/files/{ids['file_id']}").status_code == 200
        assert any(
            k["id"] == ids["key_id"] and k["revoked_at"] is None for k in a.get("/v1/apikeys").json()["items"]
        )
