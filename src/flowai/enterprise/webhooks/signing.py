"""Standard Webhooks signatures (https://www.standardwebhooks.com), made by its own library.

Receivers verify with any Standard Webhooks or Svix library. During a secret rotation the
`webhook-signature` header carries one `v1,<base64>` per valid secret, space-separated, so a
receiver still configured with the old secret keeps verifying until it switches.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24


def new_secret() -> str:
    """A fresh `whsec_<base64>` secret (24 random bytes, as Svix issues them)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def is_valid_secret(value: str) -> bool:
    """A `whsec_` secret whose base64 decodes to 24–64 bytes (callers may bring their own)."""
    if not value.startswith(SECRET_PREFIX):
        return False
    try:
        raw = base64.b64decode(value[len(SECRET_PREFIX) :], validate=True)
    except ValueError:
        return False
    return 24 <= len(raw) <= 64


def sign(*, msg_id: str, timestamp: datetime, body: str, secrets_: list[str]) -> dict[str, str]:
    """The three Standard Webhooks headers for `body`, signed with every secret given."""
    signatures = [Webhook(s).sign(msg_id, timestamp, body) for s in secrets_]
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
