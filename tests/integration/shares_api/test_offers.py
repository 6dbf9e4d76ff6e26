"""Offers from editor exports and their public pages, on SQLite and PostgreSQL against a real anvil:
offer a finished export (custodial signing by the platform, or the creator's own wallet), the
public read API and Open Graph page without sign-in, and the refusals (another user's export,
an unfinished one, bad numbers, another tenant)."""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from flowai_media import make_barcode_video
from flowai_testkit import csrf, finished_job, signup, wait_until
from sqlalchemy import select

from flowai.core.context import AppContext
from flowai.core.models import Tenant
from flowai.editor.models import Export
from flowai.shares import service

pytestmark = pytest.mark.chain
PRICE = 10**15
UNIT = 10**18


@pytest.fixture(scope="session")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_barcode_video(
        tmp_path_factory.mktemp("offer-media") / "clip.mp4", fps=Fraction(30), frames=30, source_id=1
    )


def tenant_id(ctx: AppContext, client: TestClient) -> str:
    slug = client.get("/v1/me").json()["tenant"]["slug"]
    with ctx.db.session(system=True) as s:
        return str(s.execute(select(Tenant.id).where(Tenant.slug == slug)).scalar_one())


def finished_export(client: TestClient, ctx: AppContext, clip: Path, name: str = "Sunset timelapse") -> str:
    h = csrf(client)
    r = client.post(f"/v1/assets?filename={clip.name}", content=clip.read_bytes(), headers=h)
    assert r.status_code == 201, r.text
    timeline = {
        "canvas": {"width": 320, "height": 180, "fps": "30"},
        "video_tracks": [{"id": "v1", "clips": [
            {"id": "a", "asset_id": r.json()["id"], "source_in": 0, "source_out": 30, "start": 0}
        ]}],
        "audio_tracks": [{"id": "a1", "clips": []}],
    }  # fmt: skip
    p = client.post("/v1/projects", json={"name": name, "timeline": timeline}, headers=h)
    assert p.status_code == 201, p.text
    e = client.post(f"/v1/projects/{p.json()['id']}/exports", json={"preset": "canvas"}, headers=h)
    assert e.status_code == 202, e.text
    job = wait_until(lambda: finished_job(ctx, e.json()["job_id"]), timeout=120, what="export")
    assert job.status == "succeeded", job.error
    return str(e.json()["id"])


def offer(client: TestClient, export_id: str, key: str | None = None, **extra: Any) -> Any:
    body = {"price_per_share_wei": str(PRICE), "shares_for_sale": 1000, "revenue_share_bps": 2500, **extra}
    headers = {**csrf(client), **({"Idempotency-Key": key} if key else {})}
    return client.post(f"/v1/exports/{export_id}/shares", json=body, headers=headers)


def test_offer_an_export_custodial_then_the_public_page(
    client: TestClient, ctx: AppContext, dev_chain: Any, clip: Path, wait_job: Callable[..., Any],
    make_tenant: Callable[[str], str],
) -> None:  # fmt: skip
    me = signup(client)
    tid = tenant_id(ctx, client)
    export_id = finished_export(client, ctx, clip)

    terms = client.get("/v1/shares/offer-terms").json()
    assert terms["platform_fee_bps"] == 250 and terms["total_shares"] == 1_000_000
    assert terms["estimated_gas"] > terms["creator_gas"] > 0
    assert int(terms["estimated_gas_cost_wei"]) == terms["estimated_gas"] * int(terms["gas_price_wei"])

    r = offer(client, export_id, key="offer-1")
    assert r.status_code == 202, r.text
    assert r.headers["Location"] == f"/v1/jobs/{r.json()['job_id']}"
    row = r.json()
    assert (
        row["custody"] == "platform" and row["export_id"] == export_id and row["title"] == "Sunset timelapse"
    )
    assert row["page_url"] == f"/v/{row['offer_id']}"
    assert offer(client, export_id, key="offer-1").json()["offer_id"] == row["offer_id"]  # replayed key
    assert offer(client, export_id, key="offer-2").status_code == 409  # one offer per export
    wait_job(tid, row["job_id"], timeout=120)

    # the platform signed the creator's lock and list with the key it derives for this creator
    shares = client.get(f"/v1/videos/{export_id}/shares").json()
    assert shares["status"] == "listed" and shares["creator_calls"] == []
    custodian = service.custodial_account(ctx.settings, tid, me["id"])
    assert shares["creator"] == custodian.address
    ch = service.chain(ctx)
    vault = ch.client.contract("VideoVault", shares["vault"])
    assert vault.functions.sharesForSale().call() == 1000
    assert vault.functions.balanceOf(custodian.address).call() == 999_000 * UNIT  # 1000 listed (escrowed)

    # a fan buys; revenue is recorded; everything shows on the public page, signed out
    ch.client.transact(dev_chain.buyer, vault.functions.buy(10, PRICE), value=10 * PRICE)
    client.post("/v1/shares/index", headers=csrf(client))
    for amount in ("4000", "1000"):
        r = client.post(f"/v1/videos/{export_id}/revenue", json={"amount_wei": amount}, headers=csrf(client))
        assert r.status_code == 201
    offer_id = row["offer_id"]
    anon = TestClient(client.app, base_url=str(client.base_url))
    public = anon.get(f"/v1/offers/{offer_id}")
    assert public.status_code == 200, public.text
    p = public.json()
    assert (p["title"], p["status"], p["shares_sold"], p["shares_for_sale"], p["holders"]) == (
        "Sunset timelapse", "listed", 10, 990, 2,
    )  # fmt: skip
    assert p["price_per_share_wei"] == str(PRICE) and p["revenue_to_date_wei"] == "5000"
    assert [h["amount_wei"] for h in p["revenue_history"]] == ["4000", "1000"]
    assert (
        p["vault"] == shares["vault"] and p["nft"] == ch.platform.nft and p["token_id"] == shares["token_id"]
    )
    assert p["page_url"] == f"/v/{offer_id}" and p["platform_fee_bps"] == 250
    # no private data: no email, no export, project or user ids
    assert me["email"] not in public.text and export_id not in public.text and me["id"] not in public.text

    poster = anon.get(p["poster_url"], follow_redirects=False)
    assert poster.status_code == 307
    image = anon.get(poster.headers["location"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert image.content[:3] == b"\xff\xd8\xff"
    video = anon.get(p["video_url"])
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    assert video.content[4:8] == b"ftyp"

    # the page itself answers signed out with an Open Graph card in the raw HTML
    page = anon.get(f"/v/{offer_id}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    og = dict(re.findall(r'<meta property="(og:[a-z:_]+)" content="([^"]*)"', page.text))
    assert og["og:title"] == "Sunset timelapse"
    assert (
        "0.001 FLOW per share" in og["og:description"] and "10 of 1,000 shares sold" in og["og:description"]
    )
    assert og["og:image"] == f"{anon.base_url}/v1/offers/{offer_id}/poster"
    assert og["og:video"] == f"{anon.base_url}/v1/offers/{offer_id}/video"
    assert "<title>Sunset timelapse</title>" in page.text
    assert anon.get("/v/nope").status_code == 404

    # another workspace does not see it, by API or page
    with TestClient(client.app, base_url=f"http://{make_tenant('rival')}") as rival:
        assert rival.get(f"/v1/offers/{offer_id}").status_code == 404
        assert rival.get(f"/v1/offers/{offer_id}/poster", follow_redirects=False).status_code == 404
        assert rival.get(f"/v/{offer_id}").status_code == 404
        assert "og:title" not in rival.get(f"/v/{offer_id}").text


def test_offer_signed_by_the_creators_wallet(
    client: TestClient, ctx: AppContext, dev_chain: Any, clip: Path, wait_job: Callable[..., Any]
) -> None:
    signup(client)
    tid = tenant_id(ctx, client)
    export_id = finished_export(client, ctx, clip)
    wallet = Account.create()  # not a node account: only its own key can sign for it
    r = offer(client, export_id, creator_address=wallet.address)
    assert r.status_code == 202, r.text
    assert r.json()["custody"] == "wallet"
    wait_job(tid, r.json()["job_id"], timeout=120)
    shares = client.get(f"/v1/videos/{export_id}/shares").json()
    assert shares["status"] == "awaiting_creator" and shares["creator"] == wallet.address
    assert [c["step"] for c in shares["creator_calls"]] == ["lock", "list"]

    # the wallet sends exactly the calls the API returned (what the web page does over EIP-1193)
    ch = service.chain(ctx)
    ch.client.send_value(dev_chain.deployer, wallet.address, UNIT)
    w3 = ch.client.w3
    for call in shares["creator_calls"]:
        tx = {"from": wallet.address, "to": call["to"], "data": call["data"], "value": 0, "chainId": 545}
        tx |= {"gas": w3.eth.estimate_gas(tx) * 2, "nonce": w3.eth.get_transaction_count(wallet.address)}
        tx |= ch.client.fee_fields()
        signed = wallet.sign_transaction(tx)
        receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction))
        assert receipt["status"] == 1
    client.post("/v1/shares/index", headers=csrf(client))
    shares = client.get(f"/v1/videos/{export_id}/shares").json()
    assert shares["status"] == "listed" and shares["shares_for_sale"] == 1000
    anon = TestClient(client.app, base_url=str(client.base_url))
    assert anon.get(f"/v1/offers/{shares['offer_id']}").json()["status"] == "listed"


def test_offer_refusals(client: TestClient, ctx: AppContext, dev_chain: Any, clip: Path) -> None:
    signup(client)
    export_id = finished_export(client, ctx, clip)
    bad = [
        ({"price_per_share_wei": "0"}, "price_per_share_wei"),
        ({"price_per_share_wei": "0.5"}, "price_per_share_wei"),
        ({"price_per_share_wei": 1000}, "price_per_share_wei"),
        ({"shares_for_sale": 0}, "shares_for_sale"),
        ({"shares_for_sale": 1_000_001}, "shares_for_sale"),
        ({"revenue_share_bps": 10_001}, "revenue_share_bps"),
        ({"creator_address": "0x1234"}, "creator_address"),
        ({"title": ""}, "title"),
    ]
    for body, field in bad:
        r = offer(client, export_id, **body)
        assert r.status_code == 422, (body, r.text)
        assert field in {e["field"].split(".")[-1] for e in r.json()["errors"]}, (body, r.json())
    assert offer(client, "01NOPE0000000000000000000X").status_code == 404

    # an export that has not finished
    tid = tenant_id(ctx, client)
    with ctx.db.transaction(tenant_id=tid) as s:
        done = s.get(Export, export_id)
        assert done is not None
        queued = Export(
            project_id=done.project_id, owner_id=done.owner_id, project_version=1, timeline=done.timeline,
            preset="canvas", quality="standard", status="queued",
        )  # fmt: skip
        s.add(queued)
        s.flush()
        queued_id = queued.id
    r = offer(client, queued_id)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "export_id", r.text

    # another user's export (even for a workspace admin) is 404; nothing was written
    signup(client)
    assert offer(client, export_id).status_code == 404
    with ctx.db.session(tenant_id=tid) as s:
        from flowai.shares.models import ShareVideo

        assert s.execute(select(ShareVideo).where(ShareVideo.export_id == export_id)).first() is None
