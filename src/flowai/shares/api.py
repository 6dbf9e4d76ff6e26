"""The viral-shares HTTP API (thin: logic in service.py, chain work in jobs and the indexer).

Reads answer from the database that the indexer keeps; `read` scope for reads, `shares:write`
for fractionalising, revenue and royalty runs. Another tenant's video answers 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from flowai.core.auth import Principal
from flowai.core.context import AppContext
from flowai.core.deps import DB, PUBLIC, Ctx, Reader, Tenant, require
from flowai.core.errors import not_found
from flowai.core.jobs_api import job_out
from flowai.core.pagination import page
from flowai.core.schemas import JobOut, Page
from flowai.shares import artifacts, offers, service
from flowai.shares.models import ShareDeposit, ShareRevenue, ShareVideo
from flowai.shares.schemas import (
    ADDRESS_PATTERN,
    ChainOut,
    CreatorCall,
    FractionalizeIn,
    HolderOut,
    HoldingOut,
    HoldingsOut,
    OfferIn,
    OfferOut,
    OfferTermsOut,
    RevenueIn,
    RevenueOut,
    VideoSharesOut,
)

Sharer = Annotated[Principal, require("shares:write")]
IdempotencyKey = Annotated[str | None, Header(max_length=200)]
VideoId = Annotated[str, Path(min_length=1, max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100)]
router = APIRouter(prefix="/v1", tags=["shares"])
nft_router = APIRouter(
    prefix="/v1", tags=["shares"], dependencies=PUBLIC
)  # public metadata: served even with shares off


def _offers_on(tenant: Tenant) -> None:
    """With the shares feature off, a workspace has no public offers (404, not 403: no sign-in)."""
    if "shares" not in tenant.features:
        raise not_found("Offer")


offers_router = APIRouter(  # the public offer page's reads: no sign-in
    prefix="/v1", tags=["shares"], dependencies=[*PUBLIC, Depends(_offers_on)]
)
OfferId = Annotated[str, Path(min_length=1, max_length=26)]
WALLET_CALLS = (
    "buy(uint256,uint256)",  # shares, max price per share (wei): the slippage guard
    "claim()",
    "claimTo(address)",
    "claimableOf(address)",
    "balanceOf(address)",
    "sharesForSale()",
    "pricePerShare()",
)
WALLET_ERRORS = (
    "ExceedsListed(uint256,uint256)",
    "InsufficientPayment(uint256,uint256)",
    "PriceAboveMax(uint256,uint256)",
    "PaymentFailed(address,uint256)",
    "NothingToClaim()",
    "ZeroAmount()",
    "NotLocked()",
)


def video_out(ctx: AppContext, s: Session, row: ShareVideo) -> VideoSharesOut:
    t = service.totals(s, row)
    return VideoSharesOut(
        video_id=row.video_id, status=row.status, error=row.error, job_id=row.job_id, chain_id=row.chain_id,
        token_id=str(row.token_id) if row.token_id is not None else None, vault=row.vault, creator=row.creator,
        price_per_share_wei=row.price_per_share_wei or row.list_price_wei, shares_for_sale=row.shares_for_sale,
        shares_sold=row.shares_sold, sales_wei=row.sales_wei, holders=t.holders,
        revenue_share_bps=row.revenue_share_bps, revenue_to_date_wei=t.revenue_wei,
        shareholder_revenue_wei=t.shareholder_wei, deposited_wei=t.deposited_wei,
        pending_deposit_wei=t.pending_wei, indexed_block=row.indexed_block,
        creator_calls=[CreatorCall.model_validate(c) for c in service.creator_calls(ctx, row)],
        custody=row.custody, offer_id=row.id, export_id=row.export_id, title=row.title,
        page_url=offers.page_url(row.id), created_at=row.created_at,
    )  # fmt: skip


def revenue_out(s: Session, video: ShareVideo, row: ShareRevenue) -> RevenueOut:
    deposit = s.get(ShareDeposit, row.deposit_row_id) if row.deposit_row_id else None
    return RevenueOut(
        id=row.id, video_id=video.video_id, source=row.source, amount_wei=row.amount_wei,
        shareholder_wei=row.shareholder_wei, note=row.note,
        deposit_id=deposit.deposit_id if deposit else None, created_at=row.created_at,
    )  # fmt: skip


@router.get("/shares/chain", response_model=ChainOut)
def chain_info(_: Reader, ctx: Ctx) -> ChainOut:
    """What a wallet needs: the chain (to switch or add it), the contracts and the vault ABI."""
    from eth_utils.abi import function_signature_to_4byte_selector

    ch = service.chain(ctx)
    abi = artifacts.load("VideoVault").abi
    names = {c.split("(")[0] for c in WALLET_CALLS}
    return ChainOut(
        chain_id=ch.client.chain_id,
        chain_id_hex=hex(ch.client.chain_id),
        chain_name=offers.chain_name(ch.client.chain_id),
        rpc_url=ch.public_rpc_url,
        nft=ch.platform.nft,
        factory=ch.platform.factory,
        vault_abi=[e for e in abi if e.get("name") in names or e.get("type") == "error"],
        selectors={c: "0x" + function_signature_to_4byte_selector(c).hex() for c in WALLET_CALLS},
        errors={"0x" + function_signature_to_4byte_selector(e).hex(): e.split("(")[0] for e in WALLET_ERRORS},
    )


@router.get("/shares", response_model=Page[VideoSharesOut])
def list_shares(
    _: Reader, ctx: Ctx, s: DB, limit: Limit = 20, cursor: str | None = None
) -> Page[VideoSharesOut]:
    """The tenant's fractionalised videos, newest first."""
    rows, nxt = page(s, select(ShareVideo), ShareVideo.id, limit=limit, cursor=cursor)
    return Page(items=[video_out(ctx, s, r) for r in rows], next_cursor=nxt)


@router.post("/videos/{video_id}/shares", status_code=202, response_model=VideoSharesOut)
def fractionalize(
    video_id: VideoId, body: FractionalizeIn, response: Response, principal: Sharer, ctx: Ctx,
    tenant: Tenant, s: DB, idempotency_key: IdempotencyKey = None,
) -> VideoSharesOut:  # fmt: skip
    """Mint the video's NFT to the creator, lock it in a new vault (1,000,000 shares to the
    creator) and list shares for sale; the job at `Location` does the chain work."""
    row = service.start_fractionalize(
        s, ctx, principal, tenant_id=tenant.id, video_id=video_id, creator=body.creator_address,
        price_per_share_wei=body.price_per_share_wei, shares_for_sale=body.shares_for_sale,
        revenue_share_bps=body.revenue_share_bps, idempotency_key=idempotency_key,
    )  # fmt: skip
    response.headers["Location"] = f"/v1/jobs/{row.job_id}"
    return video_out(ctx, s, row)


PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


@router.post(
    "/exports/{export_id}/shares", status_code=202, response_model=VideoSharesOut,
    responses={
        409: {"description": "The export is not finished, or it is already offered", "content": PROBLEM},
        503: {"description": "The chain is not configured or does not answer", "content": PROBLEM,
              "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds"}}},
    },
)  # fmt: skip
def offer_export(
    export_id: Annotated[str, Path(min_length=1, max_length=26)], body: OfferIn, response: Response,
    principal: Sharer, ctx: Ctx, tenant: Tenant, s: DB, idempotency_key: IdempotencyKey = None,
) -> VideoSharesOut:  # fmt: skip
    """Offer shares of your finished export: the video is the export (its MP4 and a poster frame).
    Without `creator_address` the platform signs for you; with it, your wallet sends the lock and
    list calls listed in `creator_calls`. The job at `Location` does the chain work; the public
    page is `page_url`."""
    row = offers.start_offer(
        s, ctx, principal, tenant_id=tenant.id, export_id=export_id,
        price_per_share_wei=body.price_per_share_wei, shares_for_sale=body.shares_for_sale,
        revenue_share_bps=body.revenue_share_bps, creator_address=body.creator_address, title=body.title,
        idempotency_key=idempotency_key,
    )  # fmt: skip
    response.headers["Location"] = f"/v1/jobs/{row.job_id}"
    return video_out(ctx, s, row)


@router.get("/shares/offer-terms", response_model=OfferTermsOut)
def offer_terms(_: Reader, ctx: Ctx) -> OfferTermsOut:
    """What the offer form shows before Confirm: platform fee, estimated gas, display currency."""
    return offers.terms(ctx)


@offers_router.get("/offers/{offer_id}", response_model=OfferOut)
def get_offer(offer_id: OfferId, ctx: Ctx, s: DB) -> OfferOut:
    """An offer's public page data (no sign-in): price, sold, holders, revenue history, contracts."""
    return offers.offer_out(ctx, s, offers.get_offer(s, offer_id))


@offers_router.get(
    "/offers/{offer_id}/poster", status_code=307, response_class=RedirectResponse,
    responses={307: {"description": "Redirect to the poster (image/jpeg) at a fresh signed URL",
                     "headers": {"Location": {"schema": {"type": "string"}}}}},
)  # fmt: skip
def offer_poster(offer_id: OfferId, ctx: Ctx, s: DB) -> RedirectResponse:
    """The offer's poster frame (JPEG): a redirect to a fresh signed link, so shared cards keep working."""
    return RedirectResponse(offers.media_url(ctx, offers.get_offer(s, offer_id), "poster"), status_code=307)


@offers_router.get(
    "/offers/{offer_id}/video", status_code=307, response_class=RedirectResponse,
    responses={307: {"description": "Redirect to the video (video/mp4) at a fresh signed URL",
                     "headers": {"Location": {"schema": {"type": "string"}}}}},
)  # fmt: skip
def offer_video(offer_id: OfferId, ctx: Ctx, s: DB) -> RedirectResponse:
    """The offer's MP4: a redirect to a fresh signed link."""
    return RedirectResponse(offers.media_url(ctx, offers.get_offer(s, offer_id), "video"), status_code=307)


@router.get("/videos/{video_id}/shares", response_model=VideoSharesOut)
def get_shares(video_id: VideoId, _: Reader, ctx: Ctx, s: DB) -> VideoSharesOut:
    """Price, shares sold and left, holders and revenue to date, from the indexed database."""
    return video_out(ctx, s, service.get_video(s, video_id))


@router.get("/videos/{video_id}/shares/holders", response_model=list[HolderOut])
def get_holders(video_id: VideoId, _: Reader, s: DB) -> list[HolderOut]:
    """Every holder of the video's shares with what each can claim."""
    video = service.get_video(s, video_id)
    return [
        HolderOut(
            address=h.address,
            balance=h.balance,
            shares=h.balance // service.SHARE_UNIT,
            claimable_wei=service.claimable(video, h),
            claimed_wei=h.claimed_wei,
        )  # fmt: skip
        for h in service.holders(s, video)
        if h.balance or service.claimable(video, h)
    ]


@router.post("/videos/{video_id}/revenue", status_code=201, response_model=RevenueOut)
def record_revenue(
    video_id: VideoId, body: RevenueIn, _: Sharer, s: DB, idempotency_key: IdempotencyKey = None
) -> RevenueOut:
    """Record an ad payout or tip (wei); the holders' part is deposited by the next royalty run."""
    video = service.get_video(s, video_id)
    row, _created = service.record_revenue(
        s,
        video,
        source=body.source,
        amount_wei=body.amount_wei,
        note=body.note,
        idempotency_key=idempotency_key,
    )
    return revenue_out(s, video, row)


@router.get("/videos/{video_id}/revenue", response_model=Page[RevenueOut])
def list_revenue(
    video_id: VideoId, _: Reader, s: DB, limit: Limit = 50, cursor: str | None = None
) -> Page[RevenueOut]:
    """The video's revenue ledger, newest first."""
    video = service.get_video(s, video_id)
    stmt = select(ShareRevenue).where(ShareRevenue.share_video_id == video.id)
    rows, nxt = page(s, stmt, ShareRevenue.id, limit=limit, cursor=cursor)
    return Page(items=[revenue_out(s, video, r) for r in rows], next_cursor=nxt)


@router.get("/shares/holdings/{address}", response_model=HoldingsOut)
def holdings(address: Annotated[str, Path(pattern=ADDRESS_PATTERN)], _: Reader, s: DB) -> HoldingsOut:
    """A wallet's shares in this workspace's videos and the royalties it can claim."""
    items = [
        HoldingOut(
            video_id=v.video_id,
            vault=v.vault,
            chain_id=v.chain_id,
            address=h.address,
            balance=h.balance,
            shares=h.balance // service.SHARE_UNIT,
            claimable_wei=service.claimable(v, h),
            claimed_wei=h.claimed_wei,
        )  # fmt: skip
        for v, h in service.holdings_of(s, address)
    ]
    return HoldingsOut(
        address=service.checksum(address),
        items=[i for i in items if i.balance or i.claimable_wei or i.claimed_wei],
        total_claimable_wei=sum(i.claimable_wei for i in items),
    )


@router.post("/shares/royalty-runs", status_code=202, response_model=JobOut)
def royalty_run(
    response: Response, principal: Sharer, ctx: Ctx, tenant: Tenant, idempotency_key: IdempotencyKey = None
) -> JobOut:
    """Deposit what holders are owed into each vault (a job; each revenue event exactly once)."""
    job = ctx.jobs.submit(
        tenant_id=tenant.id,
        kind="shares.royalty_run",
        owner_id=principal.user_id,
        idempotency_key=idempotency_key,
    )
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return job_out(job)


@router.post("/shares/index")
def index(_: Sharer, ctx: Ctx) -> dict[str, int]:
    """Read new vault events now (the indexer also runs every FLOWAI_CHAIN_INDEX_INTERVAL_SECONDS)."""
    return {"applied": service.index_now(ctx)}


@nft_router.get("/nft/{token_video_id}", include_in_schema=True)
def nft_metadata(token_video_id: str, s: DB, tenant: Tenant) -> dict[str, Any]:
    """ERC-721 metadata of a video's NFT (the contract's tokenURI points here)."""
    tenant_id, _, video_id = token_video_id.partition(":")
    if tenant_id != tenant.id:
        raise not_found("Token")
    video = service.get_video(s, video_id)
    return {
        "name": f"FlowAI video {video.video_id}",
        "description": "A FlowAI video, fractionalised into 1,000,000 shares that earn its revenue.",
        "properties": {"video_id": video.video_id, "vault": video.vault, "creator": video.creator},
    }
