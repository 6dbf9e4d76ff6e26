"""The server-rendered part of an offer's public page `/v/<id>`: the web app's index.html with the
offer's Open Graph and Twitter card tags in its head, so link previews (which run no JavaScript)
show the title, the price and the poster. The page itself is the web app's."""

from __future__ import annotations

import html
from decimal import Decimal

from flowai.core.context import AppContext
from flowai.core.tenancy import TenantInfo
from flowai.shares import offers, service
from flowai.shares.models import ShareVideo


def flow(wei: int) -> str:
    """Wei as FLOW without trailing zeros: 1000000000000000 → "0.001"."""
    text = format(Decimal(wei) / Decimal(10**18), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def card(
    app: AppContext, tenant: TenantInfo | None, offer_id: str, base_url: str
) -> list[tuple[str, str]] | None:
    """(property, content) pairs of the offer's card, or None for no such offer on this host."""
    if tenant is None or "shares" not in tenant.features or not 0 < len(offer_id) <= 26:
        return None
    with app.db.session(tenant_id=tenant.id) as s:
        row = s.get(ShareVideo, offer_id)
        if row is None:
            return None
        holders = service.totals(s, row).holders
    base = base_url.rstrip("/")
    title = row.title or f"Video {row.id}"
    price = row.price_per_share_wei or row.list_price_wei
    listed = row.shares_sold + row.shares_for_sale
    description = (
        f"Own a share of this video's revenue: {flow(price)} FLOW per share, "
        f"{row.shares_sold:,} of {listed:,} shares sold, {holders:,} holders; "
        f"{row.revenue_share_bps / 100:g}% of its revenue is paid to shareholders."
    )
    url = f"{base}{offers.page_url(row.id)}"
    tags = [
        ("og:type", "video.other"),
        ("og:site_name", tenant.name),
        ("og:title", title),
        ("og:description", description),
        ("og:url", url),
    ]
    if row.poster_key:
        tags += [("og:image", f"{base}/v1/offers/{row.id}/poster"), ("og:image:type", "image/jpeg")]
    if row.media_key:
        video = f"{base}/v1/offers/{row.id}/video"
        tags += [("og:video", video), ("og:video:secure_url", video), ("og:video:type", "video/mp4")]
    tags += [
        ("twitter:card", "summary_large_image" if row.poster_key else "summary"),
        ("twitter:title", title),
        ("twitter:description", description),
    ]
    if row.poster_key:
        tags.append(("twitter:image", f"{base}/v1/offers/{row.id}/poster"))
    return tags


def render(index_html: str, tags: list[tuple[str, str]]) -> str:
    """index.html with the card's tags (and its title as the document title) in the head."""
    title = next((c for p, c in tags if p == "og:title"), None)
    lines = []
    for prop, content in tags:
        attr = "name" if prop.startswith("twitter:") else "property"
        lines.append(f'<meta {attr}="{prop}" content="{html.escape(content, quote=True)}" />')
    description = next((c for p, c in tags if p == "og:description"), None)
    if description:
        lines.append(f'<meta name="description" content="{html.escape(description, quote=True)}" />')
    head = "\n    ".join(lines)
    page = index_html
    if title is not None and "<title>" in page:
        start, end = page.index("<title>"), page.index("</title>") + len("</title>")
        page = page[:start] + f"<title>{html.escape(title)}</title>" + page[end:]
    marker = "</head>"
    if marker in page:
        return page.replace(marker, f"    {head}\n  {marker}", 1)
    return f"<head>{head}</head>{page}"
