"""The indexer: reads every vault's events into the database so the API answers from it.

One `eth_getLogs` over all known vaults per pass, applied per video in one transaction together
with the video's cursor (`indexed_block`), so a pass that dies is simply repeated and an event
is never applied twice (the unique (video, tx, log index) key backs that up across processes).
Holdings keep the vault's own revenue correction, so claimable revenue is computed from the
database exactly as `claimableOf` computes it on chain (including the creator's credit for the
shares it has listed unsold, `UnsoldRevenueCredited`).
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from typing import Any

from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from web3._utils.events import get_event_data
from web3.types import LogReceipt

from flowai.core.context import AppContext
from flowai.shares import artifacts
from flowai.shares.models import ShareEvent, ShareHolding, ShareVideo

log = logging.getLogger("flowai.shares.indexer")
MAX_BLOCK_RANGE = 5_000  # public RPCs (Flow EVM's included) cap eth_getLogs ranges
ZERO = "0x0000000000000000000000000000000000000000"
EVENTS = (
    "Transfer",
    "Locked",
    "SharesListed",
    "ListingCancelled",
    "SharesPurchased",
    "RevenueDeposited",
    "UnsoldRevenueCredited",
    "RevenueClaimed",
    "Redeemed",
)


def _event_abis() -> dict[bytes, dict[str, Any]]:
    from eth_utils.abi import event_abi_to_log_topic

    abi = artifacts.load("VideoVault").abi
    return {
        bytes(event_abi_to_log_topic(e)): e  # type: ignore[arg-type]
        for e in abi
        if e.get("type") == "event" and e["name"] in EVENTS
    }


class Indexer:
    """Applies vault events to `share_videos`, `share_holdings` and `share_events`."""

    def __init__(self, app: AppContext) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._abis = _event_abis()

    def sync(self) -> int:
        """One pass up to the latest confirmed block; returns how many events were applied."""
        from flowai.shares.service import chain

        client = chain(self.app).client
        with self._lock:
            videos: list[Any] = []
            for schema in self.app.db.placements():  # the shared schema, then hard-isolated tenants
                with self.app.db.session(system=True, schema=schema) as s:
                    videos += s.execute(
                        select(
                            ShareVideo.id, ShareVideo.tenant_id, ShareVideo.vault, ShareVideo.indexed_block
                        ).where(ShareVideo.vault.is_not(None), ShareVideo.chain_id == client.chain_id)
                    ).all()
            if not videos:
                return 0
            # only blocks with enough confirmations: an event in a block that is later
            # reorganised away must never reach the database
            head = client.block_number() - self.app.settings.chain_confirmations
            by_vault = {str(v.vault): v for v in videos}
            applied = 0
            start = min(v.indexed_block for v in videos) + 1
            while start <= head:
                end = min(head, start + MAX_BLOCK_RANGE - 1)
                logs = client.get_logs(
                    {"address": list(by_vault), "fromBlock": start, "toBlock": end}  # type: ignore[typeddict-item]
                )
                grouped: dict[str, list[LogReceipt]] = defaultdict(list)
                for entry in logs:
                    grouped[to_checksum_address(entry["address"])].append(entry)
                for vault, video in by_vault.items():
                    if video.indexed_block >= end:
                        continue
                    applied += self._apply(video.id, video.tenant_id, grouped.get(vault, []), end)
                start = end + 1
            return applied

    def _apply(self, share_video_id: str, tenant_id: str, logs: list[LogReceipt], end: int) -> int:
        """Apply one video's logs (those after its cursor) and move its cursor to `end`."""
        from flowai.enterprise.webhooks.service import emit

        applied = 0
        try:
            with self.app.db.transaction(tenant_id=tenant_id) as s:
                video = s.get(ShareVideo, share_video_id)
                if video is None or video.indexed_block >= end:
                    return 0
                for entry in sorted(logs, key=lambda e: (e["blockNumber"], e["logIndex"])):
                    if entry["blockNumber"] <= video.indexed_block:
                        continue
                    event = self._decode(entry)
                    if event is None:
                        continue
                    purchased = self._apply_event(s, video, event, entry)
                    applied += 1
                    if purchased is not None:
                        emit(s, tenant_id, "shares.purchased", purchased, jobs=self.app.jobs)
                video.indexed_block = end
        except IntegrityError:  # another process applied these events first
            log.info("index race on %s; the other pass won", share_video_id)
            return 0
        return applied

    def _decode(self, entry: LogReceipt) -> Any:
        topics = entry["topics"]
        if not topics:
            return None
        abi = self._abis.get(bytes(topics[0]))
        if abi is None:
            return None
        return get_event_data(self.app_codec, abi, entry)

    @property
    def app_codec(self) -> Any:
        from flowai.shares.service import chain

        return chain(self.app).client.w3.codec

    def _apply_event(
        self, s: Session, video: ShareVideo, event: Any, entry: LogReceipt
    ) -> dict[str, Any] | None:
        """Update the video and holdings for one event; returns webhook data for a purchase."""
        name, args = event["event"], event["args"]
        record = ShareEvent(
            share_video_id=video.id,
            kind=name,
            block_number=int(entry["blockNumber"]),
            log_index=int(entry["logIndex"]),
            tx_hash=HexBytes(entry["transactionHash"]).to_0x_hex(),
        )
        purchased: dict[str, Any] | None = None
        vault = str(video.vault)
        if name == "Transfer":
            value, delta = int(args["value"]), video.magnified_rps * int(args["value"])
            source, target = to_checksum_address(args["from"]), to_checksum_address(args["to"])
            if source not in (ZERO, vault):
                holding = _holding(s, video, source)
                holding.balance -= value
                holding.correction += delta
            if target not in (ZERO, vault):
                holding = _holding(s, video, target)
                holding.balance += value
                holding.correction -= delta
            record.kind, record.account, record.counterparty, record.shares = (
                "transfer",
                source,
                target,
                value,
            )
        elif name == "Locked":
            video.locked = True
            record.kind, record.account, record.shares = (
                "locked",
                to_checksum_address(args["creator"]),
                int(args["shares"]),
            )
        elif name == "SharesListed":
            if video.status == "awaiting_creator":  # the creator sent the listing from a wallet
                video.status = "listed"
            video.shares_for_sale = int(args["sharesForSale"])
            video.price_per_share_wei = int(args["pricePerShare"])
            record.kind, record.account, record.shares = (
                "listed",
                to_checksum_address(args["seller"]),
                int(args["shares"]),
            )
            record.amount_wei = int(args["pricePerShare"])
        elif name == "ListingCancelled":
            video.shares_for_sale = 0
            record.kind, record.shares = "listing_cancelled", int(args["sharesReturned"])
        elif name == "SharesPurchased":
            shares, cost = int(args["shares"]), int(args["cost"])
            video.shares_for_sale -= shares
            video.shares_sold += shares
            video.sales_wei += cost
            buyer = to_checksum_address(args["buyer"])
            record.kind, record.account, record.shares, record.amount_wei = "purchase", buyer, shares, cost
            purchased = {
                "video_id": video.video_id,
                "vault": vault,
                "buyer": buyer,
                "shares": shares,
                "cost_wei": str(cost),
                "tx_hash": record.tx_hash,
                "chain_id": video.chain_id,
            }
        elif name == "RevenueDeposited":
            video.magnified_rps = int(args["magnifiedRevenuePerShare"])
            video.total_deposited_wei += int(args["amount"])
            record.kind, record.amount_wei = "deposit", int(args["amount"])
            record.account = to_checksum_address(args["depositor"])
        elif name == "UnsoldRevenueCredited":  # the unsold listing's part of a deposit
            seller = to_checksum_address(args["creator"])
            _holding(s, video, seller).correction += int(args["magnifiedAmount"])
            record.kind, record.account = "unsold_credit", seller
            record.shares = int(args["unsoldShares"])
        elif name == "RevenueClaimed":
            holder = to_checksum_address(args["holder"])
            _holding(s, video, holder).claimed_wei += int(args["amount"])
            record.kind, record.account, record.amount_wei = "claim", holder, int(args["amount"])
        elif name == "Redeemed":
            video.locked, video.price_per_share_wei = False, 0
            record.kind, record.account = "redeemed", to_checksum_address(args["holder"])
        s.add(record)
        s.flush()
        return purchased


def _holding(s: Session, video: ShareVideo, address: str) -> ShareHolding:
    row = s.execute(
        select(ShareHolding).where(ShareHolding.share_video_id == video.id, ShareHolding.address == address)
    ).scalar_one_or_none()
    if row is None:
        row = ShareHolding(share_video_id=video.id, address=address, balance=0, correction=0, claimed_wei=0)
        s.add(row)
        s.flush()
    return row
