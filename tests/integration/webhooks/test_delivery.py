"""Webhook delivery end to end: a real receiver on loopback verifies Standard Webhooks signatures.

Each test runs on SQLite and PostgreSQL; retries are 0.2 s apart (the settings fixture here), the
in-process job pool delivers, and the tests poll (wait_until) instead of sleeping.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from flowai_testkit import csrf, wait_until
from sqlalchemy import func, select, update
from standardwebhooks import Webhook

from flowai.core.context import AppContext
from flowai.core.db import utcnow
from flowai.core.models import Job
from flowai.enterprise.webhooks import service
from flowai.enterprise.webhooks.models import WebhookDelivery, WebhookEndpoint


def _emit(ctx: AppContext, tenant_id: str, event_type: str, data: dict[str, Any]) -> str | None:
    return service.emit(ctx.db, tenant_id, event_type, data, jobs=ctx.jobs)


def test_event_arrives_signed_and_is_logged(
    client: TestClient, ctx: AppContext, receiver: Any, wh: Any
) -> None:
    wh.admin(client)
    endpoint = wh.endpoint(client, receiver.url, description="exports", event_types=["export.succeeded"])
    assert endpoint["secret"].startswith("whsec_") and endpoint["format"] == "standard"
    other = wh.endpoint(client, receiver.url, event_types=["voice.clone.ready"])
    tenant_id = wh.tenant_id(client)

    event_id = _emit(ctx, tenant_id, "export.succeeded", {"export_id": "exp_1", "url": "https://x/y.mp4"})
    assert event_id
    (req,) = wait_until(lambda: receiver.got(1), what="the webhook")
    payload = Webhook(endpoint["secret"]).verify(req.body, req.headers)
    assert payload["type"] == "export.succeeded" and payload["data"]["export_id"] == "exp_1"
    assert payload["timestamp"].endswith("Z")
    assert req.headers["webhook-id"] == event_id and req.headers["content-type"] == "application/json"

    (delivery,) = wh.deliveries(client, endpoint["id"])
    done = wait_until(lambda: wh.finished(client, delivery["id"]), what="delivery to finish")
    assert done["status"] == "succeeded" and done["attempts"] == 1 and done["event_id"] == event_id
    (entry,) = done["log"]
    assert entry["status_code"] == 200 and '"received"' in entry["response_body"]
    assert entry["duration_ms"] >= 0 and entry["next_attempt_at"] is None
    assert wh.deliveries(client, other["id"]) == []  # not subscribed to export.succeeded
    assert _emit(ctx, tenant_id, "royalties.deposited", {"wei": "1"}) is None  # nobody listens


def test_flaky_receiver_gets_the_event_exactly_once(
    client: TestClient, ctx: AppContext, receiver: Any, wh: Any
) -> None:
    wh.admin(client)
    receiver.answer(500, (429, {"Retry-After": "1"}), 200)
    endpoint = wh.endpoint(client, receiver.url)
    event_id = _emit(ctx, wh.tenant_id(client), "shares.purchased", {"shares": 10, "wei": "10"})
    (delivery,) = wh.deliveries(client, endpoint["id"])
    done = wait_until(lambda: wh.finished(client, delivery["id"]), what="delivery to finish")
    assert done["status"] == "succeeded" and done["attempts"] == 3
    assert [e["status_code"] for e in done["log"]] == [500, 429, 200]
    assert done["log"][0]["next_attempt_at"] and done["log"][1]["next_attempt_at"]

    requests = receiver.got(3)
    assert [r.status for r in requests] == [500, 429, 200]
    assert {r.headers["webhook-id"] for r in requests} == {event_id}
    accepted = [r for r in requests if r.status == 200]
    assert len(accepted) == 1  # exactly once as the receiver sees it
    assert requests[2].at - requests[1].at >= 0.95  # Retry-After: 1 beat the 0.2 s schedule
    for r in requests:
        Webhook(endpoint["secret"]).verify(r.body, r.headers)
    with ctx.db.session(system=True) as s:  # and nothing more is scheduled for this delivery
        pending = s.execute(
            select(Job.payload).where(Job.kind == service.JOB_KIND, Job.status.in_(("queued", "running")))
        ).scalars()
        queued = [p for p in pending if p["delivery_id"] == delivery["id"]]
    assert queued == [] and len(receiver.requests) == 3


def test_gone_disables_the_endpoint_and_tells_admins(
    client: TestClient, ctx: AppContext, receiver: Any, wh: Any, mailbox: Any
) -> None:
    admin = wh.admin(client)
    receiver.answer(410)
    endpoint = wh.endpoint(client, receiver.url)
    tenant_id = wh.tenant_id(client)
    _emit(ctx, tenant_id, "voice.clone.failed", {"voice_id": "v1", "reason": "too short"})
    off = wait_until(
        lambda: (
            (e := client.get(f"/v1/webhooks/endpoints/{endpoint['id']}").json())["enabled"] is False and e
        ),
        what="endpoint to be disabled",
    )
    assert "410" in off["disabled_reason"] and off["disabled_at"]
    (delivery,) = wh.deliveries(client, endpoint["id"])
    assert delivery["status"] == "failed" and delivery["attempts"] == 1
    notices = client.get("/v1/webhooks/notices").json()["items"]
    assert notices[0]["endpoint_id"] == endpoint["id"] and admin["email"] in notices[0]["recipients"]
    # and mailed to the admins through SMTP (a real server on loopback)
    to, mail = wait_until(
        lambda: next((m for m in mailbox.messages if admin["email"] in m[0]), None), what="the notice email"
    )
    assert mail["Subject"] == "FlowAI: a webhook endpoint was disabled"
    assert mail["From"] == "FlowAI <ops@flowai.example>" and admin["email"] in mail["To"]
    assert receiver.url in mail.get_content() and "410" in mail.get_content()
    assert _emit(ctx, tenant_id, "voice.clone.failed", {"voice_id": "v2"}) is None
    assert len(receiver.requests) == 1

    r = client.patch(f"/v1/webhooks/endpoints/{endpoint['id']}", json={"enabled": True}, headers=csrf(client))
    assert r.status_code == 200 and r.json()["enabled"] and r.json()["disabled_reason"] is None
    r = client.post(f"/v1/webhooks/deliveries/{delivery['id']}/replay", headers=csrf(client))
    assert r.status_code == 202 and r.json()["replay_of"] == delivery["id"]
    assert r.headers["location"].startswith("/v1/jobs/")
    wait_until(lambda: client.get(r.headers["location"]).json()["status"] == "succeeded", what="replay job")
    replayed = receiver.got(2)
    assert replayed[1].headers["webhook-id"] == replayed[0].headers["webhook-id"]
    assert wh.finished(client, r.json()["id"])["status"] == "succeeded"


def test_failing_for_five_days_disables_the_endpoint(
    client: TestClient, ctx: AppContext, receiver: Any, wh: Any
) -> None:
    wh.admin(client)
    receiver.answer(503)
    endpoint = wh.endpoint(client, receiver.url)
    with ctx.db.transaction(system=True) as s:
        s.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint["id"])
            .values(failing_since=utcnow() - timedelta(days=5, minutes=1))
        )
    _emit(ctx, wh.tenant_id(client), "export.failed", {"export_id": "e9"})
    off = wait_until(
        lambda: (
            (e := client.get(f"/v1/webhooks/endpoints/{endpoint['id']}").json())["enabled"] is False and e
        ),
        what="endpoint to be disabled",
    )
    assert "5 days" in off["disabled_reason"]
    assert client.get("/v1/webhooks/notices").json()["items"][0]["kind"] == "endpoint.disabled"


def test_exhausted_schedule_fails_the_delivery(
    client: TestClient, ctx: AppContext, receiver: Any, wh: Any
) -> None:
    wh.admin(client)
    receiver.answer(500, 500, 500, 500, 500)
    endpoint = wh.endpoint(client, receiver.url)
    _emit(ctx, wh.tenant_id(client), "export.failed", {"export_id": "e1"})
    (delivery,) = wh.deliveries(client, endpoint["id"])
    done = wait_until(lambda: wh.finished(client, delivery["id"]), what="delivery to give up")
    assert done["status"] == "failed" and done["attempts"] == 4  # the test schedule has 4 slots
    assert done["log"][-1]["next_attempt_at"] is None and done["last_error"] == "receiver answered 500"
    endpoint_now = client.get(f"/v1/webhooks/endpoints/{endpoint['id']}").json()
    assert endpoint_now["enabled"] and endpoint_now["failing_since"]


def test_rotation_sends_two_signatures_that_both_verify(
    client: TestClient, ctx: AppContext, receiver: Any, wh: Any
) -> None:
    wh.admin(client)
    endpoint = wh.endpoint(client, receiver.url)
    old = endpoint["secret"]
    r = client.post(
        f"/v1/webhooks/endpoints/{endpoint['id']}/rotate-secret",
        json={"overlap_seconds": 3600},
        headers=csrf(client),
    )
    assert r.status_code == 200, r.text
    new = r.json()["secret"]
    assert new != old and r.json()["previous_secret_expires_at"]
    assert client.get(f"/v1/webhooks/endpoints/{endpoint['id']}/secret").json()["secret"] == new
    _emit(ctx, wh.tenant_id(client), "tenant.domain.verified", {"domain": "ai.example.com"})
    (req,) = wait_until(lambda: receiver.got(1), what="the webhook")
    assert len(req.headers["webhook-signature"].split(" ")) == 2
    assert Webhook(old).verify(req.body, req.headers)["data"]["domain"] == "ai.example.com"
    assert Webhook(new).verify(req.body, req.headers)["data"]["domain"] == "ai.example.com"

    r = client.post(
        f"/v1/webhooks/endpoints/{endpoint['id']}/rotate-secret",
        json={"overlap_seconds": 0},
        headers=csrf(client),
    )
    newest = r.json()["secret"]
    _emit(ctx, wh.tenant_id(client), "tenant.domain.verified", {"domain": "b.example.com"})
    second = wait_until(lambda: receiver.got(2), what="the second webhook")[1]
    assert len(second.headers["webhook-signature"].split(" ")) == 1
    Webhook(newest).verify(second.body, second.headers)


def test_slack_endpoint_gets_blocks_about_one_per_second(
    client: TestClient, ctx: AppContext, receiver: Any, wh: Any
) -> None:
    wh.admin(client)
    endpoint = wh.endpoint(client, receiver.url, format="slack", event_types=["export.succeeded"])
    assert endpoint["format"] == "slack"
    tenant_id = wh.tenant_id(client)
    for i in range(3):
        _emit(ctx, tenant_id, "export.succeeded", {"export_id": f"e{i}", "title": "My video"})
    requests = wait_until(lambda: receiver.got(3), what="three Slack messages")
    bodies = [r.json() for r in requests]
    assert all("Export finished" in b["text"] and b["blocks"][0]["type"] == "section" for b in bodies)
    assert {b["blocks"][1]["fields"][0]["text"] for b in bodies} == {f"*export_id*\ne{i}" for i in range(3)}
    gaps = [b.at - a.at for a, b in zip(requests, requests[1:], strict=False)]
    # about one per second (unpaced they arrive within milliseconds); slack for a loaded machine
    assert min(gaps) >= 0.5 and sum(gaps) >= 1.8, gaps


def test_send_test_event(client: TestClient, ctx: AppContext, receiver: Any, wh: Any) -> None:
    wh.admin(client)
    endpoint = wh.endpoint(client, receiver.url, event_types=["export.failed"])
    r = client.post(f"/v1/webhooks/endpoints/{endpoint['id']}/test", headers=csrf(client))
    assert r.status_code == 202 and r.json()["event_type"] == "webhook.test"
    (req,) = wait_until(lambda: receiver.got(1), what="the test event")
    assert Webhook(endpoint["secret"]).verify(req.body, req.headers)["type"] == "webhook.test"


def test_emit_joins_the_callers_transaction(
    client: TestClient, ctx: AppContext, receiver: Any, wh: Any
) -> None:
    wh.admin(client)
    endpoint = wh.endpoint(client, receiver.url)
    tenant_id = wh.tenant_id(client)
    try:
        with ctx.db.transaction(tenant_id=tenant_id) as s:
            service.emit(s, tenant_id, "export.succeeded", {"export_id": "rolled-back"}, jobs=ctx.jobs)
            raise RuntimeError("the export's own transaction fails")
    except RuntimeError:
        pass
    with ctx.db.transaction(tenant_id=tenant_id) as s:
        service.emit(s, tenant_id, "export.succeeded", {"export_id": "committed"})  # no jobs: swept up
    (req,) = wait_until(lambda: receiver.got(1), what="the committed event")
    assert req.json()["data"]["export_id"] == "committed"
    with ctx.db.session(tenant_id=tenant_id) as s:
        count = s.execute(
            select(func.count()).where(WebhookDelivery.endpoint_id == endpoint["id"])
        ).scalar_one()
    assert count == 1


def test_delivery_time_check_refuses_a_rebound_address(
    client: TestClient, ctx: AppContext, receiver: Any, wh: Any
) -> None:
    """Saved while loopback was allowed; at send time it is not: nothing may reach the receiver."""
    wh.admin(client)
    endpoint = wh.endpoint(client, receiver.url)
    ctx.settings.webhook_allow_private = False
    _emit(ctx, wh.tenant_id(client), "export.succeeded", {"export_id": "e1"})
    (delivery,) = wh.deliveries(client, endpoint["id"])
    done = wait_until(lambda: wh.finished(client, delivery["id"]), what="delivery to give up")
    assert done["status"] == "failed" and receiver.requests == []
    assert all(e["error"].startswith("refused: ") and e["status_code"] is None for e in done["log"])
