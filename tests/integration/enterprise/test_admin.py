"""Tenant administration: brand with WCAG checks, custom domains verified through a real DNS
server on loopback, members and roles, the audit log, platform provisioning."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dnslib import QTYPE, RR, TXT
from dnslib.server import BaseResolver, DNSServer
from fastapi.testclient import TestClient
from flowai_images import image_bytes, png_bomb
from flowai_testkit import create_key, csrf, make_settings, signup, unique_email

from flowai.app import create_app
from flowai.core.context import AppContext


class TxtZone(BaseResolver):  # type: ignore[misc]
    """An authoritative answer for whatever TXT records the test puts in `records`."""

    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}

    def resolve(self, request: Any, handler: Any) -> Any:
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        if request.q.qtype == QTYPE.TXT:
            for value in self.records.get(name, []):
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(value), ttl=1))
        return reply


@pytest.fixture(scope="module")
def dns_zone() -> Iterator[tuple[TxtZone, str]]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    zone = TxtZone()
    server = DNSServer(zone, port=port, address="127.0.0.1")
    server.start_thread()
    yield zone, f"127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def admin(tmp_path: Path, database_url: str, dns_zone: tuple[TxtZone, str]) -> Iterator[TestClient]:
    """A client signed in as the owner of a fresh tenant (the first account of a workspace owns it)."""
    ctx = AppContext.build(make_settings(tmp_path, database_url, dns_resolver=dns_zone[1]))
    import uuid

    from flowai.enterprise import service

    slug = f"acme-{uuid.uuid4().hex[:8]}"
    with ctx.db.transaction(system=True) as s:
        service.create(s, slug=slug, name="Acme", base_domain="localhost")
    with TestClient(create_app(ctx), base_url=f"http://{slug}.localhost") as c:
        signup(c, name="Olive Owner")
        yield c


def test_first_user_owns_the_workspace_and_members_do_not_administer(admin: TestClient) -> None:
    assert admin.get("/v1/me").json()["role"] == "owner"
    member = TestClient(admin.app, base_url=str(admin.base_url))
    signup(member, name="Max Member")
    assert member.get("/v1/me").json()["role"] == "member"
    r = member.patch("/v1/tenant", json={"name": "Pwned"}, headers=csrf(member))
    assert r.status_code == 403 and r.json()["type"].endswith("/admin-only")
    users = admin.get("/v1/tenant/users").json()["items"]
    target = next(u for u in users if u["display_name"] == "Max Member")
    r = admin.patch(f"/v1/tenant/users/{target['id']}", json={"role": "admin"}, headers=csrf(admin))
    assert r.status_code == 200 and r.json()["role"] == "admin"
    assert member.get("/v1/tenant/usage").json()["users"] == 2
    me = admin.get("/v1/me").json()["id"]
    r = admin.patch(f"/v1/tenant/users/{me}", json={"role": "member"}, headers=csrf(admin))
    assert r.status_code == 409  # no demoting yourself (and never the last owner)


def test_brand_changes_theme_css_and_refuses_low_contrast(admin: TestClient) -> None:
    r = admin.patch(
        "/v1/tenant",
        json={
            "name": "Acme Sports",
            "colors": {
                "primary": "#FF6600",
                "background": "#ffffff",
                "surface": "#f4f4f5",
                "text": "#111111",
            },
        },
        headers=csrf(admin),
    )
    assert r.status_code == 200, r.text
    css = admin.get("/theme.css").text
    assert "--flowai-primary: #ff6600;" in css and "--flowai-background: #ffffff;" in css
    assert admin.get("/v1/tenant/theme").json()["name"] == "Acme Sports"

    r = admin.patch("/v1/tenant", json={"colors": {"text": "#777777"}}, headers=csrf(admin))
    assert r.status_code == 422
    body = r.json()
    assert body["errors"][0]["field"] == "colors.text" and "4.5:1" in body["detail"]
    assert "--flowai-text: #111111;" in admin.get("/theme.css").text  # nothing half-applied
    r = admin.patch(
        "/v1/tenant", json={"colors": {"primary": "red; } body { display:none"}}, headers=csrf(admin)
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "colors.primary"
    r = admin.patch("/v1/tenant", json={"features": ["voice", "teleport"]}, headers=csrf(admin))
    assert r.status_code == 422 and "teleport" in r.json()["detail"]
    assert admin.patch("/v1/tenant", json={"features": ["editor", "admin"]}, headers=csrf(admin)).json()[
        "features"
    ] == ["editor", "admin"]
    # switched-off features are closed on the server too, for sessions and API keys alike
    key = create_key(admin, ["read", "voice:write"])
    for headers in (csrf(admin), {"Authorization": f"Bearer {key}"}):
        r = admin.get("/v1/voice", headers=headers)
        assert r.status_code == 403 and r.json()["type"].endswith("/feature-disabled"), r.text
        assert r.json()["errors"] == [{"field": "feature", "message": "voice"}]
        assert admin.get("/v1/shares", headers=headers).status_code == 403
        assert admin.get("/v1/projects", headers=headers).status_code == 200
    assert admin.get("/v1/nft/nobody:nothing").status_code == 404  # public NFT metadata stays up
    assert (
        admin.patch(
            "/v1/tenant", json={"features": ["voice", "editor", "shares", "admin"]}, headers=csrf(admin)
        ).status_code
        == 200
    )
    assert admin.get("/v1/voice").status_code == 200

    png = image_bytes(64, 32)
    assert admin.put("/v1/tenant/logo", content=png, headers=csrf(admin)).status_code == 200
    logo = admin.get("/v1/tenant/logo", follow_redirects=True)
    assert logo.status_code == 200 and logo.content == png
    assert logo.headers["content-type"] == "image/png"  # its real type, not application/octet-stream
    assert (
        admin.put("/v1/tenant/logo", content=b"<svg onload=alert(1)>", headers=csrf(admin)).status_code == 415
    )

    actions = [e["action"] for e in admin.get("/v1/tenant/audit").json()["items"]]
    assert actions.count("tenant.brand.updated") == 3 and "tenant.logo.updated" in actions


@pytest.mark.parametrize("name", ["logo", "favicon"])
def test_brand_image_bombs_and_fakes_are_refused_before_decoding(admin: TestClient, name: str) -> None:
    """A PNG that declares 30000x30000 pixels in a few KB is refused by its header (it is never
    decoded), as are files with an image's magic bytes but no image inside; nothing is kept."""
    storage = admin.app.state.ctx.storage  # type: ignore[attr-defined]
    tenant_prefix = storage.root / "t"
    bomb = png_bomb(30000, 30000)
    assert len(bomb) < 64 * 1024
    r = admin.put(f"/v1/tenant/{name}", content=bomb, headers=csrf(admin))
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", r.text
    assert r.json()["type"].endswith("/image-too-large") and r.json()["errors"][0]["field"] == "body"
    assert {"logo": "4096x4096", "favicon": "1024x1024"}[name] in r.json()["detail"]
    big = png_bomb(5000, 5000)  # under Pillow's own bomb limit: our bound refuses it
    r = admin.put(f"/v1/tenant/{name}", content=big, headers=csrf(admin))
    assert r.status_code == 422 and "5000x5000 pixels" in r.json()["detail"], r.text
    fake = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    r = admin.put(f"/v1/tenant/{name}", content=fake, headers=csrf(admin))
    assert r.status_code == 422 and r.json()["type"].endswith("/unreadable-image"), r.text
    truncated = image_bytes(256, 256, fmt="PNG")[:-40]
    assert admin.put(f"/v1/tenant/{name}", content=truncated, headers=csrf(admin)).status_code == 422
    assert admin.get("/v1/tenant").json()["brand"].get(f"{name}_key") is None
    leftovers = list(tenant_prefix.rglob("*")) if tenant_prefix.exists() else []
    assert leftovers == []  # no file and no empty folder from any refused upload


FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")  # Debian fonts-dejavu-core (make deps)


def test_brand_favicon_and_font_files(admin: TestClient) -> None:
    storage = admin.app.state.ctx.storage  # type: ignore[attr-defined]
    r = admin.get("/v1/tenant/favicon", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/v1/tenant/logo"  # the logo until one is set
    assert admin.get("/v1/tenant/font").status_code == 404
    assert admin.get("/v1/tenant/theme").json()["font_url"] is None
    assert "@font-face" not in admin.get("/theme.css").text

    ico = image_bytes(32, 32, fmt="ICO")
    r = admin.put("/v1/tenant/favicon", content=ico, headers=csrf(admin))
    assert r.status_code == 200 and r.json()["brand"]["favicon_format"] == "ico", r.text
    favicon_url = admin.get("/v1/tenant/theme").json()["favicon_url"]
    served = admin.get(favicon_url)
    assert served.content == ico and served.headers["content-type"] == "image/x-icon"
    too_big = admin.put("/v1/tenant/favicon", content=ico + b"\0" * 512 * 1024, headers=csrf(admin))
    assert too_big.status_code == 413 and too_big.json()["errors"][0]["field"] == "body"

    font = FONT.read_bytes()
    r = admin.put("/v1/tenant/font?filename=../Dejavu Serif.ttf", content=font, headers=csrf(admin))
    assert r.status_code == 200, r.text
    brand = r.json()["brand"]
    assert brand["font_format"] == "ttf" and brand["font_filename"] == "Dejavu_Serif.ttf"
    first_key = brand["font_key"]
    css = admin.get("/theme.css").text
    url = admin.get("/v1/tenant/theme").json()["font_url"]
    assert css.startswith('@font-face {\n  font-family: "FlowAI Brand Font";')
    assert f'src: url("{url}") format("truetype")' in css
    assert '--flowai-font: "FlowAI Brand Font", ' in css
    served = admin.get(url)
    assert served.content == font and served.headers["content-type"] == "font/ttf"
    assert "immutable" in served.headers["cache-control"]
    assert admin.get("/v1/tenant/font").headers["cache-control"] == "no-cache"  # unversioned URL

    # a PNG is not a font; the refused file leaves the current one in place
    refused = admin.put("/v1/tenant/font", content=b"\x89PNG\r\n\x1a\n" + b"\0" * 64, headers=csrf(admin))
    assert refused.status_code == 415 and "WOFF2, WOFF, TTF, OTF" in refused.json()["errors"][0]["message"]
    assert admin.get(url).content == font
    # a new font replaces the old file; removing it goes back to the font family alone
    woff2 = b"wOF2\x00\x01\x00\x00" + b"\0" * 64
    r = admin.put("/v1/tenant/font", content=woff2, headers=csrf(admin))
    assert r.json()["brand"]["font_format"] == "woff2" and not storage.exists(first_key)
    assert 'format("woff2")' in admin.get("/theme.css").text
    member = TestClient(admin.app, base_url=str(admin.base_url))
    signup(member, name="Max Member")
    assert member.delete("/v1/tenant/font", headers=csrf(member)).status_code == 403
    r = admin.delete("/v1/tenant/font", headers=csrf(admin))
    assert r.status_code == 200 and r.json()["brand"]["font_key"] is None
    assert (
        "@font-face" not in admin.get("/theme.css").text and admin.get("/v1/tenant/font").status_code == 404
    )
    again = admin.delete("/v1/tenant/font", headers=csrf(admin))  # nothing left: a no-op, not audited
    assert again.status_code == 200 and again.json()["brand"]["font_key"] is None
    actions = [e["action"] for e in admin.get("/v1/tenant/audit").json()["items"]]
    assert actions.count("tenant.font.updated") == 2 and actions.count("tenant.font.removed") == 1
    assert "tenant.favicon.updated" in actions


def test_custom_domain_verifies_by_dns_txt(admin: TestClient, dns_zone: tuple[TxtZone, str]) -> None:
    zone, _ = dns_zone
    host = f"ai-{unique_email().split('@')[0]}.example.com"
    r = admin.post("/v1/tenant/domains", json={"host": host.upper()}, headers=csrf(admin))
    assert r.status_code == 201, r.text
    pending = r.json()
    assert pending["verified"] is False and pending["txt_record"] == f"_flowai.{host}"
    stranger = TestClient(admin.app, base_url=f"http://{host}")
    assert stranger.get("/v1/tenant/theme").status_code == 404  # not served before verification

    r = admin.post(f"/v1/tenant/domains/{host}/verify", headers=csrf(admin))
    assert r.json()["verified"] is False and "no TXT record" in r.json()["last_error"]
    zone.records[f"_flowai.{host}"] = ["some-other-verification=1"]
    r = admin.post(f"/v1/tenant/domains/{host}/verify", headers=csrf(admin))
    assert r.json()["verified"] is False and "does not contain" in r.json()["last_error"]
    zone.records[f"_flowai.{host}"] = ["some-other-verification=1", pending["txt_value"]]
    r = admin.post(f"/v1/tenant/domains/{host}/verify", headers=csrf(admin))
    assert r.json()["verified"] is True

    theme = stranger.get("/v1/tenant/theme")
    assert theme.status_code == 200 and theme.json()["name"] == "Acme"
    # another workspace cannot claim a host that is taken
    assert admin.post("/v1/tenant/domains", json={"host": host}, headers=csrf(admin)).status_code == 409
    assert admin.delete(f"/v1/tenant/domains/{host}", headers=csrf(admin)).status_code == 204
    assert stranger.get("/v1/tenant/theme").status_code == 404
    assert (
        admin.post("/v1/tenant/domains", json={"host": "not a host"}, headers=csrf(admin)).status_code == 422
    )


def test_platform_admin_provisions_tenants(client: TestClient) -> None:
    ctx: AppContext = client.app.state.ctx  # type: ignore[attr-defined]
    platform_owner = signup(client)
    import uuid

    me = client.get("/v1/me").json()
    if me["role"] not in ("owner", "admin"):  # the default tenant's first user may exist from other tests
        with ctx.db.transaction(tenant_id=ctx.tenants.resolve("localhost").id) as s:  # type: ignore[union-attr]
            from flowai.core.models import User

            s.get(User, platform_owner["id"]).role = "admin"  # type: ignore[union-attr]
    slug = f"nike-{uuid.uuid4().hex[:6]}"
    r = client.post(
        "/v1/platform/tenants",
        json={
            "slug": slug,
            "name": "Nike",
            "plan": "enterprise",
            "owner_email": "boss@nike.example",
            "owner_password": "swoosh-swoosh-1",
        },
        headers=csrf(client),
    )
    assert r.status_code == 201, r.text
    nike = TestClient(client.app, base_url=f"http://{slug}.localhost")
    login = nike.post(
        "/v1/auth/login",
        json={"email": "boss@nike.example", "password": "swoosh-swoosh-1"},
        headers=csrf(nike),
    )
    assert login.status_code == 200 and login.json()["role"] == "owner"
    # a tenant admin elsewhere is no platform admin
    assert nike.get("/v1/platform/tenants").status_code == 403
    r = client.post("/v1/platform/tenants", json={"slug": "Bad Slug!", "name": "x"}, headers=csrf(client))
    assert r.status_code == 422
    if ctx.db.engine.dialect.name == "sqlite":  # hard isolation is PostgreSQL's (test_isolation.py)
        r = client.post(
            "/v1/platform/tenants", json={"slug": f"s-{slug}", "name": "S", "isolation": "schema"},
            headers=csrf(client),
        )  # fmt: skip
        assert r.status_code == 422 and "needs PostgreSQL" in r.text
        assert all(t["slug"] != f"s-{slug}" for t in client.get("/v1/platform/tenants").json())
