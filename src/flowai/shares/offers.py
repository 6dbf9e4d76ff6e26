"""Offers: a finished editor export offered as shares, and its public page.

The video of an offer is the export itself: its MP4 (served through a fresh signed link) and a
poster frame extracted from it with the bundled FFmpeg. The chain work is the fractionalise job
(`service.fractionalize`); this module checks the export, chooses who signs for the creator,
and builds the public view (no emails, no internal ids beyond the offer id).
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from flowai.core.auth import Principal
from flowai.core.context import AppContext
from flowai.core.db import Database
from flowai.core.errors import Problem, not_found
from flowai.shares import service
from flowai.shares.models import SharePlatform, ShareRevenue, ShareVideo
from flowai.shares.schemas import OfferOut, OfferTermsOut, RevenuePoint

if TYPE_CHECKING:
    from flowai.core.storage import Storage

log = logging.getLogger("flowai.shares")

# Gas used on the dev chain (anvil, these contracts) by one offer, rounded up: the estimate shown
# before Confirm (measured 168,181 / 1,874,706 / 133,526 / 102,374; a tenant-qualified video id of
# 53 characters). Creating a vault deploys a contract, hence most of it.
GAS_MINT = 175_000
GAS_CREATE_VAULT = 1_900_000
GAS_LOCK = 140_000
GAS_LIST = 105_000
HISTORY_LIMIT = 200
CHAIN_NAMES = {545: "Flow EVM Testnet", 747: "Flow EVM Mainnet"}


def chain_name(chain_id: int) -> str:
    return CHAIN_NAMES.get(chain_id, f"EVM chain {chain_id}")


def page_url(offer_id: str) -> str:
    """Relative, like download links: it works on whichever (tenant) host the caller used."""
    return f"/v/{offer_id}"


# --- making an offer ----------------------------------------------------------------------------


def start_offer(
    s: Session,
    app: AppContext,
    principal: Principal,
    *,
    tenant_id: str,
    export_id: str,
    price_per_share_wei: int,
    shares_for_sale: int,
    revenue_share_bps: int,
    creator_address: str | None,
    title: str | None,
    idempotency_key: str | None,
) -> ShareVideo:
    """Offer the caller's finished export: 404 for an export that is not theirs (or missing),
    409 while it is not finished or when it is already offered; then the fractionalise job."""
    from flowai.editor import service as editor

    export = editor.get_export(s, principal, export_id)
    if export.owner_id != principal.user_id:  # admins see members' exports, but offer only their own
        raise not_found("Export")
    status = editor.export_status(s, export)
    if status != "succeeded" or not export.output_key:
        raise Problem(
            409,
            "export-not-finished",
            f"Export {export_id} is {status}: offer shares once it has finished.",
            errors=[{"field": "export_id", "message": f"export is {status}"}],
        )
    if title is None:
        try:
            title = editor.get_project(s, principal, export.project_id).name
        except Problem:
            title = "Untitled video"
    custody, creator = "wallet", creator_address or ""
    if creator_address is None:
        custody = "platform"
        creator = str(service.custodial_account(app.settings, tenant_id, principal.user_id).address)
    return service.start_fractionalize(
        s, app, principal, tenant_id=tenant_id, video_id=export.id, creator=creator,
        price_per_share_wei=price_per_share_wei, shares_for_sale=shares_for_sale,
        revenue_share_bps=revenue_share_bps, idempotency_key=idempotency_key, custody=custody,
        export_id=export.id, title=title[:200], media_key=export.output_key,
    )  # fmt: skip


def ensure_poster(app: AppContext, tenant_id: str, share_video_id: str) -> str | None:
    """Extract the poster frame of an offer's MP4 once (a JPEG in storage); a failure is logged
    and leaves the offer without a poster, it never stops the sale."""
    with app.db.session(tenant_id=tenant_id) as s:
        row = s.get(ShareVideo, share_video_id)
        if row is None or row.poster_key or not row.media_key:
            return row.poster_key if row else None
        media_key = row.media_key
    key = f"t/{tenant_id}/shares/offers/{share_video_id}/poster.jpg"
    try:
        with tempfile.TemporaryDirectory(prefix="flowai-poster-") as tmp:
            poster = extract_poster(app.storage, media_key, Path(tmp))
            app.storage.save_file(key, poster)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        log.warning("poster frame not extracted", extra={"offer": share_video_id, "error": str(exc)})
        return None
    with app.db.transaction(tenant_id=tenant_id) as s:
        s.execute(update(ShareVideo).where(ShareVideo.id == share_video_id).values(poster_key=key))
    return key


def extract_poster(storage: Storage, media_key: str, workdir: Path) -> Path:
    """A representative frame (FFmpeg's `thumbnail` filter over the first 2 s), at most 1280 wide."""
    from flowai.editor.media import ffmpeg_exe
    from flowai.editor.service import fetch

    source = fetch(storage, media_key, workdir)  # type: ignore[arg-type]
    out = workdir / "poster.jpg"
    for vf in ("thumbnail=n=60,scale='min(1280,iw)':-2", "scale='min(1280,iw)':-2"):
        cmd = [
            ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(source),
            "-vf", vf, "-frames:v", "1", "-q:v", "3", "-update", "1", str(out),
        ]  # fmt: skip
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)
        if out.is_file() and out.stat().st_size > 0:
            return out
    raise ValueError("the export has no video frame")


def terms(app: AppContext) -> OfferTermsOut:
    """Fee, display currency and the gas estimate (priced at the chain's current gas price)."""
    settings = app.settings
    price: int | None = None
    chain_id = settings.chain_id
    try:
        ch = service.chain(app)
        fees = ch.client.fee_fields()
        price = int(fees.get("maxFeePerGas", fees.get("gasPrice", 0)))
        chain_id = ch.client.chain_id
    except Exception as exc:  # the form still opens; the gas is shown without a price
        log.info("gas price unavailable", extra={"error": str(exc)})
    gas = GAS_MINT + GAS_CREATE_VAULT + GAS_LOCK + GAS_LIST
    rate = settings.shares_display_rate
    return OfferTermsOut(
        platform_fee_bps=settings.chain_platform_fee_bps,
        display_currency=settings.shares_display_currency if rate is not None else None,
        display_rate=str(rate) if rate is not None and settings.shares_display_currency else None,
        chain_id=chain_id,
        chain_name=chain_name(chain_id),
        estimated_gas=gas,
        creator_gas=GAS_LOCK + GAS_LIST,
        gas_price_wei=price,
        estimated_gas_cost_wei=None if price is None else gas * price,
    )


# --- the public page ----------------------------------------------------------------------------


def get_offer(s: Session, offer_id: str) -> ShareVideo:
    """The tenant's offer by its public id, or 404 (also another tenant's)."""
    row = s.get(ShareVideo, offer_id) if 0 < len(offer_id) <= 26 else None
    if row is None:
        raise not_found("Offer")
    return row


def platform_nft(db: Database, chain_id: int) -> str | None:
    """The VideoNFT address of the newest recorded deployment on the chain (a platform row)."""
    with db.session(system=True) as s:
        return s.execute(
            select(SharePlatform.nft)
            .where(SharePlatform.chain_id == chain_id)
            .order_by(SharePlatform.created_at.desc())
            .limit(1)
        ).scalar_one_or_none()


def offer_out(app: AppContext, s: Session, row: ShareVideo) -> OfferOut:
    settings = app.settings
    t = service.totals(s, row)
    history = list(
        s.execute(
            select(ShareRevenue)
            .where(ShareRevenue.share_video_id == row.id)
            .order_by(ShareRevenue.created_at.desc(), ShareRevenue.id.desc())
            .limit(HISTORY_LIMIT)
        ).scalars()
    )
    rate = settings.shares_display_rate if settings.shares_display_currency else None
    return OfferOut(
        id=row.id, title=row.title or f"Video {row.id}", status=row.status, page_url=page_url(row.id),
        poster_url=f"/v1/offers/{row.id}/poster" if row.poster_key else None,
        video_url=f"/v1/offers/{row.id}/video" if row.media_key else None,
        chain_id=row.chain_id, chain_name=chain_name(row.chain_id), nft=platform_nft(app.db, row.chain_id),
        token_id=str(row.token_id) if row.token_id is not None else None, vault=row.vault,
        creator=row.creator, explorer_url=(settings.chain_explorer_url or "").rstrip("/") or None,
        price_per_share_wei=row.price_per_share_wei or row.list_price_wei,
        shares_for_sale=row.shares_for_sale, shares_sold=row.shares_sold, holders=t.holders,
        revenue_share_bps=row.revenue_share_bps, platform_fee_bps=settings.chain_platform_fee_bps,
        revenue_to_date_wei=t.revenue_wei, shareholder_revenue_wei=t.shareholder_wei,
        deposited_wei=t.deposited_wei,
        revenue_history=[
            RevenuePoint(at=r.created_at, source=r.source, amount_wei=r.amount_wei,
                         shareholder_wei=r.shareholder_wei)
            for r in reversed(history)
        ],
        display_currency=settings.shares_display_currency if rate is not None else None,
        display_rate=str(rate) if rate is not None else None,
        indexed_block=row.indexed_block, created_at=row.created_at,
    )  # fmt: skip


def media_url(app: AppContext, row: ShareVideo, which: str) -> str:
    """A fresh signed link to the offer's poster or MP4 (404 when it has none)."""
    if which == "poster":
        key, name, kind = row.poster_key, f"{row.id}.jpg", "image/jpeg"
    else:
        key, name, kind = row.media_key, f"{row.id}.mp4", "video/mp4"
    if not key or not app.storage.exists(key):
        raise not_found("Poster" if which == "poster" else "Video")
    return app.storage.download_url(key, filename=name, content_type=kind)
