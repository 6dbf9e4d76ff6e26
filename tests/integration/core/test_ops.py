"""Operations: probes, request ids, problem+json everywhere, theme CSS, Supabase tokens, the SPA."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
from fastapi.testclient import TestClient
from flowai_testkit import make_settings, unique_email

from flowai.app import create_app
from flowai.core.context import AppContext


def test_probes_and_request_id(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    assert len(r.headers["x-request-id"]) == 26
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
    ready = client.get("/readyz", headers={"X-Request-ID": "trace-123"})
    assert ready.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert ready.headers["x-request-id"] == "trace-123"
    # an id that could forge log lines is replaced, not echoed
    assert client.get("/healthz", headers={"X-Request-ID": "a b\nc"}).headers["x-request-id"] != "a b\nc"


def test_readyz_reports_a_dead_broker(tmp_path: Path, database_url: str) -> None:
    ctx = AppContext.build(
        make_settings(tmp_path, database_url, broker_url="redis://127.0.0.1:1/0"), run_jobs_in_process=False
    )
    with TestClient(create_app(ctx), base_url="http://localhost") as c:
        r = c.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["broker"].startswith("error")


def test_errors_are_problem_json(client: TestClient) -> None:
    for path in ("/v1/me", "/v1/no-such-thing", "/v1/jobs/nope"):
        r = client.get(path)
        assert r.headers["content-type"] == "application/problem+json", path
        body = r.json()
        assert {"type", "title", "status", "detail", "instance", "request_id"} <= body.keys()
        assert body["request_id"] == r.headers["x-request-id"]


def test_theme_css_and_logo(client: TestClient) -> None:
    css = client.get("/theme.css")
    assert css.headers["content-type"].startswith("text/css")
    assert "--flowai-primary: #7c3aed;" in css.text and "--flowai-font:" in css.text
    theme = client.get("/v1/tenant/theme").json()
    assert theme["slug"] == "flowai" and theme["colors"]["primary"] == "#7c3aed"
    assert client.get("/v1/tenant/logo").headers["content-type"].startswith("image/svg+xml")


def test_spa_fallback_and_docs(client: TestClient) -> None:
    page = client.get("/dashboard")
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert client.get("/docs").status_code == 200
    assert "/v1/auth/login" in client.get("/openapi.json").json()["paths"]


def test_supabase_access_token_maps_to_a_user(tmp_path: Path, database_url: str) -> None:
    secret = "super-secret-jwt-token-with-at-least-32-characters"
    ctx = AppContext.build(make_settings(tmp_path, database_url, supabase_jwt_secret=secret))
    with TestClient(create_app(ctx), base_url="http://localhost") as c:
        email = unique_email("supa")
        claims = {
            "sub": "7f1c2a9e-0000-4000-8000-000000000001" + email[:4],
            "email": email,
            "aud": "authenticated",
        }
        token = jwt.encode({**claims, "exp": int(time.time()) + 60, "role": "authenticated"}, secret, "HS256")
        me = c.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["email"] == email
        again = c.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert again.json()["id"] == me.json()["id"]  # the same `sub` is the same user
        forged = jwt.encode(
            {**claims, "exp": int(time.time()) + 60}, "another-secret-of-enough-length-000", "HS256"
        )
        assert c.get("/v1/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
        expired = jwt.encode({**claims, "exp": int(time.time()) - 10}, secret, "HS256")
        r = c.get("/v1/me", headers={"Authorization": f"Bearer {expired}"})
        assert r.status_code == 401 and "expired" in r.json()["detail"].lower()
