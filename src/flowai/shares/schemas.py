"""Request and response types of the viral-shares API. Wei and share base units are decimal
strings in JSON (JavaScript numbers cannot hold them); whole-share counts are integers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, PlainSerializer, WithJsonSchema

TOTAL_SHARES = 1_000_000


def _wei(value: Any) -> int:
    """Accept only a decimal string of whole wei: JSON numbers lose precision in JavaScript and
    floats anywhere, so they are refused rather than rounded."""
    if not isinstance(value, str):
        raise ValueError('must be a decimal string of whole wei, e.g. "1000000000000000"')
    if not value.isascii() or not value.isdigit():
        raise ValueError('must be a decimal string of whole wei (digits only), e.g. "1000000000000000"')
    if len(value) > 78:
        raise ValueError("is larger than a uint256")
    return int(value)


ADDRESS_PATTERN = "^0x[0-9a-fA-F]{40}$"
WEI_SCHEMA = {"type": "string", "pattern": "^[0-9]{1,78}$", "description": "Decimal string of wei"}
POSITIVE_WEI_SCHEMA = {**WEI_SCHEMA, "pattern": "^0*[1-9][0-9]*$", "maxLength": 78}
WeiIn = Annotated[int, BeforeValidator(_wei), WithJsonSchema(WEI_SCHEMA)]
PositiveWeiIn = Annotated[int, BeforeValidator(_wei), Field(gt=0), WithJsonSchema(POSITIVE_WEI_SCHEMA)]
WeiOut = Annotated[int, PlainSerializer(str, return_type=str, when_used="always")]


class FractionalizeIn(BaseModel):
    creator_address: str = Field(
        pattern=ADDRESS_PATTERN,
        description="The creator's wallet (0x…): receives the NFT, every share and the sale proceeds",
    )
    price_per_share_wei: PositiveWeiIn = Field(description="Price of one whole share, decimal string of wei")
    shares_for_sale: int = Field(ge=1, le=TOTAL_SHARES, description="Whole shares listed in the primary sale")
    revenue_share_bps: int = Field(
        5000, ge=0, le=10_000, description="Part of the video's revenue paid to shareholders, in basis points"
    )


class RevenueIn(BaseModel):
    amount_wei: PositiveWeiIn = Field(description="Revenue in wei (decimal string), greater than zero")
    source: Literal["ad", "tip"] = "ad"
    note: str | None = Field(None, max_length=500)


class RevenueOut(BaseModel):
    id: str
    video_id: str
    source: str
    amount_wei: WeiOut
    shareholder_wei: WeiOut
    note: str | None
    deposit_id: str | None
    created_at: datetime


class CreatorCall(BaseModel):
    step: Literal["lock", "list"]
    to: str
    data: str


class VideoSharesOut(BaseModel):
    video_id: str
    status: str = Field(
        description="queued, awaiting_creator (lock/list from the creator's wallet), listed or failed"
    )
    error: str | None
    job_id: str | None
    chain_id: int
    token_id: str | None
    vault: str | None
    creator: str
    total_shares: int = TOTAL_SHARES
    price_per_share_wei: WeiOut
    shares_for_sale: int
    shares_sold: int
    sales_wei: WeiOut
    holders: int
    revenue_share_bps: int
    revenue_to_date_wei: WeiOut
    shareholder_revenue_wei: WeiOut
    deposited_wei: WeiOut
    pending_deposit_wei: WeiOut
    indexed_block: int
    creator_calls: list[CreatorCall] = Field(default_factory=list)
    custody: str = Field("wallet", description="platform (the platform signs for the creator) or wallet")
    offer_id: str | None = Field(None, description="Id of the public offer page /v/<offer_id>")
    export_id: str | None = Field(None, description="The editor export the offer was made from")
    title: str | None = None
    page_url: str | None = Field(None, description="The offer's public page (share this link)")
    created_at: datetime


class HolderOut(BaseModel):
    address: str
    balance: WeiOut = Field(description="Share base units (18 decimals), decimal string")
    shares: int = Field(description="Whole shares held (rounded down)")
    claimable_wei: WeiOut
    claimed_wei: WeiOut


class HoldingOut(HolderOut):
    video_id: str
    vault: str | None
    chain_id: int


class HoldingsOut(BaseModel):
    address: str
    items: list[HoldingOut]
    total_claimable_wei: WeiOut


class ChainOut(BaseModel):
    chain_id: int
    chain_id_hex: str
    chain_name: str
    rpc_url: str | None = Field(description="RPC URL a wallet may add for this chain")
    nft: str
    factory: str
    vault_abi: list[dict[str, Any]]
    selectors: dict[str, str] = Field(description="4-byte selectors of the calls the web app sends")
    errors: dict[str, str] = Field(description="4-byte selector → name of the vault errors a wallet may see")


class RoyaltyRunIn(BaseModel):
    pass


class OfferIn(BaseModel):
    """Offer shares of a finished editor export (the video is the export: its MP4 and a poster)."""

    price_per_share_wei: PositiveWeiIn = Field(description="Price of one whole share, decimal string of wei")
    shares_for_sale: int = Field(ge=1, le=TOTAL_SHARES, description="Whole shares listed in the primary sale")
    revenue_share_bps: int = Field(
        5000, ge=0, le=10_000, description="Part of the video's revenue paid to shareholders, in basis points"
    )
    creator_address: str | None = Field(
        None,
        pattern=ADDRESS_PATTERN,
        description="The creator's own wallet, which then signs the lock and list calls (`creator_calls`); "
        "omitted: the platform signs for the creator with a custodial key",
    )
    title: str | None = Field(
        None,
        min_length=1,
        max_length=120,
        description="Title on the public page (default: the project's name)",
    )


class OfferTermsOut(BaseModel):
    """What the offer form shows before Confirm: the fee, the gas and the display currency."""

    total_shares: int = TOTAL_SHARES
    platform_fee_bps: int = Field(description="Platform fee on primary sales, in basis points")
    display_currency: str | None = Field(description="ISO 4217 code prices are also shown in, if set")
    display_rate: str | None = Field(description="Units of display_currency per 1 FLOW (decimal string)")
    chain_id: int
    chain_name: str
    estimated_gas: int = Field(description="Gas of mint, vault, lock and list together (units)")
    creator_gas: int = Field(description="Gas of the lock and list calls a creator's own wallet sends")
    gas_price_wei: WeiOut | None = Field(description="Current gas price; null when the chain does not answer")
    estimated_gas_cost_wei: WeiOut | None = Field(description="estimated_gas x gas_price_wei")


class RevenuePoint(BaseModel):
    at: datetime
    source: str
    amount_wei: WeiOut
    shareholder_wei: WeiOut


class OfferOut(BaseModel):
    """An offer's public view: no emails, no internal ids beyond the offer id."""

    id: str
    title: str
    status: str = Field(description="queued, awaiting_creator, listed or failed")
    page_url: str
    poster_url: str | None = Field(description="A frame of the video (JPEG); null until extracted")
    video_url: str | None = Field(description="The playable MP4")
    chain_id: int
    chain_name: str
    nft: str | None
    token_id: str | None
    vault: str | None
    creator: str
    explorer_url: str | None = Field(description="Block explorer base URL (FLOWAI_CHAIN_EXPLORER_URL)")
    total_shares: int = TOTAL_SHARES
    price_per_share_wei: WeiOut
    shares_for_sale: int
    shares_sold: int
    holders: int
    revenue_share_bps: int
    platform_fee_bps: int
    revenue_to_date_wei: WeiOut
    shareholder_revenue_wei: WeiOut
    deposited_wei: WeiOut
    revenue_history: list[RevenuePoint] = Field(description="Revenue events, oldest first (the last 200)")
    display_currency: str | None
    display_rate: str | None
    indexed_block: int
    created_at: datetime
