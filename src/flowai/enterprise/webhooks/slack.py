"""Slack incoming-webhook messages: a plain `text` fallback (notifications) plus `blocks`.

Slack accepts about one message per second per incoming webhook and answers 429 beyond that, so
deliveries to Slack endpoints are scheduled at least `PACE_S` apart (see service._pace).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

PACE_S = 1.0
SLACK_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})
MAX_FIELDS = 10  # a section block holds at most 10 fields

TITLES = {
    "voice.clone.ready": ":microphone: Voice clone ready",
    "voice.clone.failed": ":warning: Voice clone failed",
    "export.succeeded": ":clapper: Export finished",
    "export.failed": ":warning: Export failed",
    "shares.purchased": ":moneybag: Shares purchased",
    "royalties.deposited": ":bank: Royalties deposited",
    "tenant.domain.verified": ":globe_with_meridians: Domain verified",
    "webhook.test": ":wave: Test event from FlowAI",
}


def is_slack_url(url: str) -> bool:
    return (urlsplit(url).hostname or "").lower() in SLACK_HOSTS


def _value(v: Any) -> str:
    text = v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))
    return text if len(text) <= 200 else text[:199] + "…"


def message(event_type: str, data: dict[str, Any], *, event_id: str) -> dict[str, Any]:
    """The Slack payload for one event: the title as `text`, the data as section fields."""
    title = TITLES.get(event_type, event_type)
    fields = [{"type": "mrkdwn", "text": f"*{k}*\n{_value(v)}"} for k, v in list(data.items())[:MAX_FIELDS]]
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*"}},
    ]
    if fields:
        blocks.append({"type": "section", "fields": fields})
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"`{event_type}` · event {event_id}"}]}
    )
    return {"text": f"{title} ({event_type})", "blocks": blocks}
