"""Forgot/reset password and member invites, mailed through a real SMTP server on loopback
(aiosmtpd), on SQLite and PostgreSQL; and the capabilities the web app reads."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from flowai_mail import Mailbox, smtp_server
from flowai_testkit import PASSWORD, csrf, make_settings, signup, unique_email, wait_until
from sqlalchemy import select, update

from flowai.app import create_app
from flowai.core.context import AppContext
from flowai.core.db import utcnow
from flowai.core.models import Invite, Job, PasswordReset, User
from flowai.settings import Settings

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture
def settings(tmp_path: Path, database_url: str, mailbox: Mailbox) -> Settings:
    return make_settings(tmp_path, database_url, smtp_url=mailbox.url, public_url="http://127.0.0.1:8000")


def _link(message: Message, path: str) -> tuple[str, str]:
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    found = re.search(rf"(http://\S+)/{path}\?token=(\S+)", body)
    assert found, body
    return found.group(1), found.group(2)


def test_forgot_and_reset_password(ctx: AppContext, client: TestClient, mailbox: Mailbox) -> None:
    email = unique_email("forgot")
    signup(client, email)
    with TestClient(create_app(ctx), base_url="http://localhost") as other_browser:
        r = other_browser.post(
            "/v1/auth/login", json={"email": email, "password": PASSWORD}, headers=csrf(other_browser)
        )
        assert r.status_code == 200
        assert other_browser.get("/v1/me").status_code == 200

        # the same answer for an account and for no account: nothing tells them apart
        known = client.post("/v1/auth/password/forgot", json={"email": email.upper()}, headers=csrf(client))
        nobody = unique_email("nobody")
        unknown = client.post("/v1/auth/password/forgot", json={"email": nobody}, headers=csrf(client))
        assert known.status_code == unknown.status_code == 202
        assert known.json() == unknown.json()
        assert "If an account" in known.json()["detail"]

        message = mailbox.wait_for(email)
        assert message["Subject"] == "Reset your FlowAI password"
        base, token = _link(message, "reset-password")
        assert base == "http://localhost:8000"  # the tenant's own host, scheme and port of FLOWAI_PUBLIC_URL
        jobs = wait_until(lambda: _finished_kind(ctx, "core.send_password_reset", 2), what="both reset jobs")
        assert sorted(bool(j.result and j.result["sent"]) for j in jobs) == [False, True]
        assert not mailbox.to(nobody)

        # stored hashed: neither the resets table nor any job payload holds the token
        with ctx.db.session(system=True) as s:
            hashes = s.execute(select(PasswordReset.token_hash)).scalars().all()
            payloads = [str(p) for p in s.execute(select(Job.payload)).scalars()]
        assert token not in hashes and all(token not in p for p in payloads)

        too_short = client.post(
            "/v1/auth/password/reset", json={"token": token, "password": "short"}, headers=csrf(client)
        )
        assert too_short.status_code == 422
        r = client.post(
            "/v1/auth/password/reset", json={"token": token, "password": NEW_PASSWORD}, headers=csrf(client)
        )
        assert r.status_code == 200, r.text
        assert r.json()["email"] == email
        assert client.get("/v1/me").status_code == 200  # this browser is signed in
        assert other_browser.get("/v1/me").status_code == 401  # every other session ended

    again = client.post(
        "/v1/auth/password/reset", json={"token": token, "password": NEW_PASSWORD + "!"}, headers=csrf(client)
    )
    assert again.status_code == 422 and again.json()["type"].endswith("invalid-token")
    old = client.post("/v1/auth/login", json={"email": email, "password": PASSWORD}, headers=csrf(client))
    assert old.status_code == 401
    new = client.post("/v1/auth/login", json={"email": email, "password": NEW_PASSWORD}, headers=csrf(client))
    assert new.status_code == 200


def test_reset_links_expire_and_only_the_newest_works(
    ctx: AppContext, client: TestClient, mailbox: Mailbox
) -> None:
    email = unique_email("expire")
    signup(client, email)
    for n in (1, 2):
        assert (
            client.post("/v1/auth/password/forgot", json={"email": email}, headers=csrf(client)).status_code
            == 202
        )
        mailbox.wait_for(email, n)
    (_, first), (_, second) = (_link(m, "reset-password") for m in mailbox.to(email)[-2:])
    r = client.post(
        "/v1/auth/password/reset", json={"token": first, "password": NEW_PASSWORD}, headers=csrf(client)
    )
    assert r.status_code == 422  # superseded by the second email
    with ctx.db.transaction(system=True) as s:
        s.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
    r = client.post(
        "/v1/auth/password/reset", json={"token": second, "password": NEW_PASSWORD}, headers=csrf(client)
    )
    assert r.status_code == 422 and "expired" in r.json()["detail"]


def test_forgot_is_rate_limited_alike_for_every_address(client: TestClient) -> None:
    for email in (signup(client)["email"], unique_email("ghost")):
        answers = [
            client.post("/v1/auth/password/forgot", json={"email": email}, headers=csrf(client)).status_code
            for _ in range(6)
        ]
        assert answers == [202] * 5 + [429]
    r = client.post("/v1/auth/password/forgot", json={"email": unique_email()}, headers=csrf(client))
    assert r.status_code == 202
    assert client.post("/v1/auth/password/forgot", json={"email": unique_email()}).status_code == 403  # CSRF


def test_invite_by_email_and_accept(
    ctx: AppContext, client: TestClient, mailbox: Mailbox, make_tenant: Any
) -> None:
    host = make_tenant("invites")
    with TestClient(create_app(ctx), base_url=f"http://{host}") as admin:
        owner = signup(admin)
        assert owner["role"] == "owner"
        invitee = unique_email("invitee")
        r = admin.post("/v1/tenant/invites", json={"email": invitee, "role": "admin"}, headers=csrf(admin))
        assert r.status_code == 201, r.text
        created = r.json()
        assert created["role"] == "admin" and created["email"] == invitee
        assert created["link"].startswith(f"http://{host}:8000/invite?token=")
        message = mailbox.wait_for(invitee)
        assert "Invites" in message["Subject"]
        base, token = _link(message, "invite")
        assert f"{base}/invite?token={token}" == created["link"]
        with ctx.db.session(system=True) as s:  # the mail job keeps its body sealed
            payloads = [
                str(p) for p in s.execute(select(Job.payload).where(Job.kind == "core.send_email")).scalars()
            ]
            stored = s.execute(select(Invite.token_hash)).scalars().all()
        assert all(token not in p for p in payloads) and token not in stored

        listed = admin.get("/v1/tenant/invites").json()["items"]
        assert [i["email"] for i in listed] == [invitee]
        taken = admin.post("/v1/tenant/invites", json={"email": owner["email"]}, headers=csrf(admin))
        assert taken.status_code == 409
        owner_role = admin.post(
            "/v1/tenant/invites", json={"email": unique_email(), "role": "owner"}, headers=csrf(admin)
        )
        assert owner_role.status_code == 422

    # the platform's host does not know this tenant's invite
    r = client.post("/v1/auth/invites/lookup", json={"token": token}, headers=csrf(client))
    assert r.status_code == 422 and "another workspace" in r.json()["detail"]
    r = client.post(
        "/v1/auth/invites/accept", json={"token": token, "password": NEW_PASSWORD}, headers=csrf(client)
    )
    assert r.status_code == 422

    with TestClient(create_app(ctx), base_url=f"http://{host}") as guest:
        info = guest.post("/v1/auth/invites/lookup", json={"token": token}, headers=csrf(guest))
        assert info.status_code == 200, info.text
        assert info.json() | {"expires_at": None} == {
            "email": invitee, "role": "admin", "workspace": "Invites", "account_exists": False, "expires_at": None,
        }  # fmt: skip
        short = guest.post(
            "/v1/auth/invites/accept", json={"token": token, "password": "short"}, headers=csrf(guest)
        )
        assert short.status_code == 422
        r = guest.post("/v1/auth/invites/accept", json={"token": token, "password": NEW_PASSWORD, "display_name": "Ines"},
                       headers=csrf(guest))  # fmt: skip
        assert r.status_code == 200, r.text
        me = guest.get("/v1/me").json()
        assert (me["email"], me["role"], me["display_name"], me["tenant"]["name"]) == (
            invitee,
            "admin",
            "Ines",
            "Invites",
        )
        again = guest.post(
            "/v1/auth/invites/accept", json={"token": token, "password": NEW_PASSWORD}, headers=csrf(guest)
        )
        assert again.status_code == 422
    assert (
        client.post(
            "/v1/auth/login", json={"email": invitee, "password": NEW_PASSWORD}, headers=csrf(client)
        ).status_code
        == 401
    )


def test_invites_need_an_admin_and_can_be_withdrawn(
    ctx: AppContext, mailbox: Mailbox, make_tenant: Any
) -> None:
    host = make_tenant("members")
    app = create_app(ctx)
    with (
        TestClient(app, base_url=f"http://{host}") as admin,
        TestClient(app, base_url=f"http://{host}") as member,
    ):
        signup(admin)
        existing = signup(member)
        assert existing["role"] == "member"
        r = member.post("/v1/tenant/invites", json={"email": unique_email()}, headers=csrf(member))
        assert r.status_code == 403
        assert member.get("/v1/tenant/invites").status_code == 403

        withdrawn = admin.post(
            "/v1/tenant/invites", json={"email": unique_email()}, headers=csrf(admin)
        ).json()
        assert admin.delete(f"/v1/tenant/invites/{withdrawn['id']}", headers=csrf(admin)).status_code == 204
        token = withdrawn["link"].split("token=")[1]
        r = member.post("/v1/auth/invites/lookup", json={"token": token}, headers=csrf(member))
        assert r.status_code == 422
        assert admin.get("/v1/tenant/invites").json()["items"] == []

        # an invite whose email has an account meanwhile: accepting signs in with that password
        email = unique_email("late")
        late = admin.post(
            "/v1/tenant/invites", json={"email": email, "role": "admin"}, headers=csrf(admin)
        ).json()
        with TestClient(app, base_url=f"http://{host}") as other:
            signup(other, email)
            token = late["link"].split("token=")[1]
            wrong = other.post(
                "/v1/auth/invites/accept",
                json={"token": token, "password": "not the password"},
                headers=csrf(other),
            )
            assert wrong.status_code == 401
            r = other.post(
                "/v1/auth/invites/accept", json={"token": token, "password": PASSWORD}, headers=csrf(other)
            )
            assert r.status_code == 200 and r.json()["role"] == "admin"

        with ctx.db.transaction(system=True) as s:
            s.execute(update(Invite).values(expires_at=utcnow() - timedelta(seconds=1)))
            assert s.execute(select(User).where(User.email == email)).scalar_one().role == "admin"


def test_capabilities(ctx: AppContext, make_tenant: Any) -> None:
    host = make_tenant("caps")
    client = TestClient(create_app(ctx), base_url=f"http://{host}")
    signup(client)
    caps = client.get("/v1/capabilities").json()
    assert caps["voice"] == {
        "enabled": True,
        "tts": True,
        "engine": "local",
        "clone_status": "none",
        "cloned": False,
    }
    assert caps["editor"] == {"enabled": True, "export": True}
    assert caps["shares"]["enabled"] and caps["shares"]["chain"] in ("dev", "rpc")
    assert caps["role"] == "owner" and caps["admin"] is True
    key = client.post("/v1/apikeys", json={"name": "ro", "scopes": ["read"]}, headers=csrf(client)).json()[
        "key"
    ]
    with TestClient(create_app(ctx), base_url=f"http://{host}") as machine:
        ro = machine.get("/v1/capabilities", headers={"Authorization": f"Bearer {key}"}).json()
    assert ro["scopes"] == ["read"] and ro["voice"]["tts"] is False and ro["admin"] is False
    assert ro["shares"]["offer"] is False and ro["editor"]["export"] is False


def _finished_kind(ctx: AppContext, kind: str, count: int) -> list[Job] | None:
    with ctx.db.session(system=True) as s:
        rows = s.execute(select(Job).where(Job.kind == kind, Job.status == "succeeded")).scalars().all()
        s.expunge_all()
    return list(rows) if len(rows) >= count else None


def test_accepting_an_invite_counts_password_attempts_with_sign_in(ctx: AppContext, make_tenant: Any) -> None:
    """An invite to an email that has an account asks for its password: guesses there count in
    the same windows as sign-in's, so a leaked invite link is no way around the login throttle."""
    host = make_tenant("guess")
    app = create_app(ctx)
    with (
        TestClient(app, base_url=f"http://{host}") as admin,
        TestClient(app, base_url=f"http://{host}") as owner,
        TestClient(app, base_url=f"http://{host}") as guesser,
    ):
        signup(admin)
        email = unique_email("owner")
        invite = admin.post("/v1/tenant/invites", json={"email": email}, headers=csrf(admin)).json()
        signup(owner, email)
        token = invite["link"].split("token=")[1]

        def accept(password: str) -> Any:
            body = {"token": token, "password": password}
            return guesser.post("/v1/auth/invites/accept", json=body, headers=csrf(guesser))

        for _ in range(ctx.settings.login_attempts_per_15min):
            assert accept("not the password").status_code == 401
        refused = accept(PASSWORD)  # the right one, too late
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        login = guesser.post(
            "/v1/auth/login", json={"email": email, "password": PASSWORD}, headers=csrf(guesser)
        )
        assert login.status_code == 429
        assert guesser.get("/v1/me").status_code == 401  # signed in by neither
    with ctx.db.session(system=True) as s:
        assert s.execute(select(Invite.accepted_at).where(Invite.email == email)).scalar_one() is None
