"""Sign-up, sessions, CSRF, throttling and API keys, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from flowai_testkit import PASSWORD, create_key, csrf, make_settings, signup, unique_email
from sqlalchemy import update

from flowai.app import create_app
from flowai.core.context import AppContext
from flowai.core.db import utcnow
from flowai.core.models import ApiKey


def test_signup_login_logout(client: TestClient) -> None:
    email = unique_email()
    user = signup(client, email, name="Grace")
    assert user["email"] == email and user["display_name"] == "Grace"
    assert user["tenant"] == {"slug": "flowai", "name": "FlowAI"}
    assert user["voice_clone_status"] == "none" and user["voice_clone_id"] is None
    session_cookie = client.cookies.get("flowai_session")
    assert session_cookie
    assert client.get("/v1/me").json()["id"] == user["id"]

    assert client.post("/v1/auth/logout", headers=csrf(client)).status_code == 204
    assert client.get("/v1/me").status_code == 401
    # the old cookie is dead server-side too, not just deleted in the browser
    client.cookies.set("flowai_session", session_cookie)
    assert client.get("/v1/me").status_code == 401

    r = client.post(
        "/v1/auth/login", json={"email": email.upper(), "password": PASSWORD}, headers=csrf(client)
    )
    assert r.status_code == 200, r.text
    assert client.get("/v1/me").json()["email"] == email


def test_session_cookie_flags(client: TestClient) -> None:
    r = client.post(
        "/v1/auth/signup",
        json={"email": unique_email(), "password": PASSWORD, "display_name": "X"},
        headers=csrf(client),
    )
    cookie = next(
        v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("flowai_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_wrong_password_and_duplicate_email(client: TestClient) -> None:
    email = unique_email()
    signup(client, email)
    r = client.post(
        "/v1/auth/login", json={"email": email, "password": "wrong password"}, headers=csrf(client)
    )
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    r = client.post(
        "/v1/auth/signup",
        json={"email": email, "password": PASSWORD, "display_name": "Y"},
        headers=csrf(client),
    )
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "email"


def test_validation_names_the_field(client: TestClient) -> None:
    r = client.post(
        "/v1/auth/signup",
        json={"email": "not-an-email", "password": "short", "display_name": "Z"},
        headers=csrf(client),
    )
    assert r.status_code == 422
    body = r.json()
    assert body["status"] == 422 and body["type"].endswith("/validation")
    assert {e["field"] for e in body["errors"]} == {"email", "password"}
    assert r.headers["x-request-id"]


def test_csrf_is_required_for_cookie_writes(client: TestClient) -> None:
    r = client.post(
        "/v1/auth/signup", json={"email": unique_email(), "password": PASSWORD, "display_name": "A"}
    )
    assert r.status_code == 403 and r.json()["type"].endswith("/csrf")
    signup(client)
    r = client.post("/v1/apikeys", json={"name": "k", "scopes": ["read"]}, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403


def test_login_is_throttled(client: TestClient, ctx: AppContext) -> None:
    email = unique_email()
    signup(client, email)
    client.post("/v1/auth/logout", headers=csrf(client))
    headers = csrf(client)
    limit = ctx.settings.login_attempts_per_15min
    for _ in range(limit):
        assert (
            client.post(
                "/v1/auth/login", json={"email": email, "password": "nope nope"}, headers=headers
            ).status_code
            == 401
        )
    r = client.post("/v1/auth/login", json={"email": email, "password": PASSWORD}, headers=headers)
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0


def test_login_throttle_is_per_source_then_per_account(tmp_path: Path, database_url: str) -> None:
    """Five bad passwords from one address lock that address out of that account only: the owner
    signs in from elsewhere. Guessing spread over many addresses meets the looser per-account limit
    (12 here instead of the default 100, to keep the test short)."""
    ctx = AppContext.build(make_settings(tmp_path, database_url, login_account_attempts_per_15min=12))
    app = create_app(ctx)
    email = unique_email()

    def attempt(ip: str, password: str) -> int:
        with TestClient(app, base_url="http://localhost", client=(ip, 40000)) as c:
            return c.post(
                "/v1/auth/login", json={"email": email, "password": password}, headers=csrf(c)
            ).status_code

    with TestClient(app, base_url="http://localhost") as c:
        signup(c, email)
    for _ in range(5):
        assert attempt("203.0.113.7", "nope nope") == 401
    assert attempt("203.0.113.7", PASSWORD) == 429
    assert attempt("198.51.100.1", PASSWORD) == 200  # the owner, elsewhere
    for n in range(12 - 5):
        assert attempt(f"10.0.0.{n + 1}", "nope nope") == 401
    assert attempt("198.51.100.1", PASSWORD) == 429


def test_api_key_lifecycle(client: TestClient) -> None:
    signup(client)
    key = create_key(client, ["read"])
    assert key.startswith("fla_") and len(key.split("_", 2)[1]) == 16
    listed = client.get("/v1/apikeys").json()["items"]
    assert listed[0]["prefix"] == "fla_" + key.split("_")[1] and "key" not in listed[0]

    bearer = TestClient(client.app, base_url="http://localhost")
    auth = {"Authorization": f"Bearer {key}"}
    me = bearer.get("/v1/me", headers=auth)
    assert me.status_code == 200
    assert client.get("/v1/apikeys").json()["items"][0]["last_used_at"] is not None

    # a key without the scope: 403 naming the scope
    r = bearer.post("/v1/files?kind=image", headers=auth, content=b"\x89PNG\r\n\x1a\n")
    assert r.status_code == 403 and "voice:write" in r.json()["detail"]

    key_id = key.split("_")[1]
    assert client.delete(f"/v1/apikeys/{key_id}", headers=csrf(client)).status_code == 204
    assert bearer.get("/v1/me", headers=auth).status_code == 401
    # a tampered secret never authenticates
    assert bearer.get("/v1/me", headers={"Authorization": f"Bearer {key[:-2]}xx"}).status_code == 401


def test_expired_key_is_rejected(client: TestClient, ctx: AppContext) -> None:
    signup(client)
    key = create_key(client, ["read"], expires_in_days=1)
    bearer = TestClient(client.app, base_url="http://localhost")
    auth = {"Authorization": f"Bearer {key}"}
    assert bearer.get("/v1/me", headers=auth).status_code == 200
    with ctx.db.transaction(system=True) as s:
        s.execute(
            update(ApiKey)
            .where(ApiKey.id == key.split("_")[1])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    r = bearer.get("/v1/me", headers=auth)
    assert r.status_code == 401 and r.json()["type"].endswith("/invalid-api-key")


def test_api_keys_cannot_mint_keys(client: TestClient) -> None:
    signup(client)
    key = create_key(client, ["read", "voice:write"])
    bearer = TestClient(client.app, base_url="http://localhost")
    r = bearer.post(
        "/v1/apikeys",
        json={"name": "x", "scopes": ["read"]},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert r.status_code == 403


def test_unknown_scope_is_refused(client: TestClient) -> None:
    signup(client)
    r = client.post("/v1/apikeys", json={"name": "x", "scopes": ["admin:all"]}, headers=csrf(client))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "scopes"


def test_rotation_keeps_the_old_key_for_the_overlap(client: TestClient, ctx: AppContext) -> None:
    signup(client)
    old = create_key(client, ["read", "editor:write"])
    old_id = old.split("_")[1]
    r = client.post(f"/v1/apikeys/{old_id}/rotate", json={"overlap_hours": 1}, headers=csrf(client))
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["key"] != old and new["scopes"] == ["editor:write", "read"] and new["name"] == "test"
    bearer = TestClient(client.app, base_url="http://localhost")
    for key in (old, new["key"]):
        assert bearer.get("/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    listed = {k["id"]: k for k in client.get("/v1/apikeys").json()["items"]}
    assert listed[old_id]["expires_at"] is not None
    # once the overlap ends the old key stops working; the new one keeps going
    with ctx.db.transaction(system=True) as s:
        s.execute(
            update(ApiKey).where(ApiKey.id == old_id).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert bearer.get("/v1/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert bearer.get("/v1/me", headers={"Authorization": f"Bearer {new['key']}"}).status_code == 200
    assert client.post(f"/v1/apikeys/{old_id}/rotate", json={}, headers=csrf(client)).status_code == 409
