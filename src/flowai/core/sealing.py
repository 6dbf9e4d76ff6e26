"""Secrets the service must read back (webhook signing secrets) are sealed at rest.

A column typed `Sealed` holds `v1:` + a Fernet token (AES-128-CBC + HMAC-SHA256) under a key
derived with HKDF from FLOWAI_SECRET_KEY, so a database dump or a backup alone does not let
anyone forge a tenant's webhooks. The key is process-wide: `configure()` runs when the app
context is built and before `flowai db upgrade` seals rows that were stored in clear.
"""

from __future__ import annotations

import base64
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

PREFIX = "v1:"
_box: Fernet | None = None


class SealingKeyMissing(RuntimeError):
    """A sealed value was read or written before `configure()`."""


def configure(secret_key: str) -> None:
    global _box
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"flowai/sealed-columns/v1").derive(
        secret_key.encode()
    )
    _box = Fernet(base64.urlsafe_b64encode(raw))


def _fernet() -> Fernet:
    if _box is None:
        raise SealingKeyMissing("sealing key not configured (flowai.core.sealing.configure)")
    return _box


def seal(value: str) -> str:
    return PREFIX + _fernet().encrypt(value.encode()).decode()


def unseal(value: str) -> str:
    if not value.startswith(PREFIX):
        raise ValueError("not a sealed value")
    try:
        return _fernet().decrypt(value[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise SealingKeyMissing("sealed with another FLOWAI_SECRET_KEY") from exc


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)


class Sealed(TypeDecorator[str]):
    """Text sealed on the way in, opened on the way out; queries never compare it."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else seal(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else unseal(value)
