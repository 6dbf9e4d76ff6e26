"""Webhooks API: SSRF refusals, validation, who may manage endpoints, and tenant isolation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from flowai_testkit import create_key, csrf, signup, wait_until
from sqlalchemy import text

from flowai.app import create_app
from flowai.core.context import AppContext
from flowai.enterprise.webhooks import service

REFUSED = [
    "http://127.0.0.1:8080/hook",
    "http://10.1.2.3/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://localhost:9000/hook",  # a host name that resolves to loopback
    "http://[::1]/hook",
    "http://[::ffff:192.168.0.1]/hook",
    "http://[fd00:ec2::254]/",
    "http://0.0.0.0/",
]


def test_private_addresses_are_refused_with_a_422_on_url(
    client: TestClient, ctx: AppContext, wh: Any
) -> None:
    ctx.settings.webhook_allow_private = False
    wh.admin(client)
    for url in REFUSED:
        r = client.post("/v1/webhooks/endpoints", json={"url": url}, headers=csrf(client))
        assert r.status_code == 422, (url, r.text)
        body = r.json()
        assert body["type"].endswith("/webhook-url-refused")
        assert body["errors"][0]["field"] == "url"
        assert "address" in body["errors"][0]["message"], body
    assert client.get("/v1/webhooks/endpoints").json()["items"] == []


def test_bad_input_names_the_field(client: TestClient, ctx: AppContext, wh: Any) -> None:
    wh.admin(client)
    cases = [
        ({"url": "ftp://example.com/x"}, "url"),
        ({"url": "http://user:pw@127.0.0.1/x"}, "url"),
        ({"url": "http://no-such-host.invalid/x"}, "url"),
        ({"url": "http://127.0.0.1/x", "event_types": ["export.succeeded", "nope"]}, "event_types"),
        ({"url": "http://127.0.0.1/x", "secret": "whsec_short"}, "secret"),
        ({"url": "http://127.0.0.1/x", "format": "teams"}, "format"),
    ]
    for body, field in cases:
        r = client.post("/v1/webhooks/endpoints", json=body, headers=csrf(client))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, (body, r.text)
    # metadata addresses stay refused even where private addresses are allowed (dev, tests)
    r = client.post("/v1/webhooks/endpoints", json={"url": "http://169.254.169.254/"}, headers=csrf(client))
    assert r.status_code == 422 and "metadata" in r.json()["detail"]
    created = wh.endpoint(client, "http://127.0.0.1:1/x")
    r = client.patch(
        f"/v1/webhooks/endpoints/{created['id']}",
        json={"url": "http://169.254.169.254/"},
        headers=csrf(client),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "url"


def test_crud_and_slack_default(client: TestClient, ctx: AppContext, wh: Any) -> None:
    wh.admin(client)
    assert [t["type"] for t in client.get("/v1/webhooks/event-types").json()] == list(service.EVENT_TYPES)
    ctx.settings.webhook_allow_private = False  # hooks.slack.com must resolve publicly: skip if offline
    r = client.post(
        "/v1/webhooks/endpoints",
        json={"url": "https://hooks.slack.com/services/T0/B0/x"},
        headers=csrf(client),
    )
    if r.status_code == 201:
        assert r.json()["format"] == "slack"
    ctx.settings.webhook_allow_private = True
    ep = wh.endpoint(client, "http://127.0.0.1:1/a", description="  ops  ")
    assert ep["description"] == "ops" and ep["event_types"] == [] and ep["enabled"]
    with ctx.db.admin_engine.connect() as conn:  # sealed at rest: a dump does not hold the secret
        stored = conn.execute(
            text("SELECT secret FROM webhook_endpoints WHERE id = :i"), {"i": ep["id"]}
        ).scalar_one()
    assert stored.startswith("v1:") and ep["secret"] not in stored
    r = client.patch(
        f"/v1/webhooks/endpoints/{ep['id']}",
        json={"event_types": ["export.failed"], "enabled": False},
        headers=csrf(client),
    )
    assert (
        r.json()["event_types"] == ["export.failed"] and r.json()["disabled_reason"] == "disabled by an admin"
    )
    ids = [e["id"] for e in client.get("/v1/webhooks/endpoints").json()["items"]]
    assert ep["id"] in ids and "secret" not in client.get(f"/v1/webhooks/endpoints/{ep['id']}").json()
    assert client.delete(f"/v1/webhooks/endpoints/{ep['id']}", headers=csrf(client)).status_code == 204
    assert client.get(f"/v1/webhooks/endpoints/{ep['id']}").status_code == 404


def test_members_and_unscoped_keys_are_forbidden(client: TestClient, ctx: AppContext, wh: Any) -> None:
    signup(client)  # the workspace's first account (its owner, once owners exist)
    signup(client)  # later sign-ups are members
    member_key = create_key(client, ["webhooks:manage"])
    assert client.get("/v1/webhooks/endpoints").status_code == 403
    wh.admin(client)
    plain = create_key(client, ["read"])
    scoped = create_key(client, ["webhooks:manage"])
    assert client.get("/v1/webhooks/endpoints").status_code == 200  # an admin's browser session
    client.cookies.clear()
    for key in (member_key, plain):  # a member's key cannot exceed the member; scope is required
        r = client.get("/v1/webhooks/endpoints", headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 403, r.text
    r = client.post(
        "/v1/webhooks/endpoints",
        json={"url": "http://127.0.0.1:1/x"},
        headers={"Authorization": f"Bearer {scoped}"},
    )
    assert r.status_code == 201, r.text


def _client(ctx: AppContext, host: str) -> TestClient:
    return TestClient(create_app(ctx), base_url=f"http://{host}")


def test_other_tenants_webhooks_are_404(
    ctx: AppContext, make_tenant: Callable[[str], str], receiver: Any, wh: Any
) -> None:
    host_a, host_b = make_tenant("alpha"), make_tenant("beta")
    with _client(ctx, host_a) as a, _client(ctx, host_b) as b:
        wh.admin(a)
        endpoint = wh.endpoint(a, receiver.url)
        service.emit(ctx.db, wh.tenant_id(a), "export.succeeded", {"export_id": "a1"}, jobs=ctx.jobs)
        (delivery,) = wh.deliveries(a, endpoint["id"])
        wait_until(lambda: wh.finished(a, delivery["id"]), what="A's delivery")

        wh.admin(b)
        key_b = create_key(b, ["webhooks:manage"])
        eid, did = endpoint["id"], delivery["id"]
        calls = [
            ("GET", f"/v1/webhooks/endpoints/{eid}", None),
            ("PATCH", f"/v1/webhooks/endpoints/{eid}", {"enabled": False}),
            ("GET", f"/v1/webhooks/endpoints/{eid}/secret", None),
            ("POST", f"/v1/webhooks/endpoints/{eid}/rotate-secret", {}),
            ("POST", f"/v1/webhooks/endpoints/{eid}/test", None),
            ("GET", f"/v1/webhooks/endpoints/{eid}/deliveries", None),
            ("GET", f"/v1/webhooks/deliveries/{did}", None),
            ("POST", f"/v1/webhooks/deliveries/{did}/replay", None),
            ("DELETE", f"/v1/webhooks/endpoints/{eid}", None),
        ]
        for method, path, body in calls:
            r = b.request(method, path, json=body, headers=csrf(b))
            assert r.status_code == 404, (method, path, r.text)
            r = b.request(method, path, json=body, headers={"Authorization": f"Bearer {key_b}"})
            assert r.status_code == 404, (method, path, "key", r.text)
        assert b.get("/v1/webhooks/endpoints").json()["items"] == []
        assert b.get("/v1/webhooks/notices").json()["items"] == []
        # B's events never reach A's endpoint
        assert service.emit(ctx.db, wh.tenant_id(b), "export.succeeded", {"x": 1}, jobs=ctx.jobs) is None
        assert a.get(f"/v1/webhooks/endpoints/{eid}").json()["enabled"] is True
        assert len(receiver.requests) == 1
