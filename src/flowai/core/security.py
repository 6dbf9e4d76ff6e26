"""Credentials: argon2 password hashes, random session tokens, API keys, signed URLs, JWTs."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verifying against this keeps a login for an unknown email as slow as one for a known email.
_DUMMY_HASH = _hasher.hash("flowai-timing-equaliser")
API_KEY_PREFIX = "fla"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class NewApiKey:
    id: str
    secret: str

    @property
    def plaintext(self) -> str:
        return f"{API_KEY_PREFIX}_{self.id}_{self.secret}"


def generate_api_key() -> NewApiKey:
    return NewApiKey(id=secrets.token_hex(8), secret=secrets.token_urlsafe(32))


def parse_api_key(value: str) -> tuple[str, str] | None:
    """`fla_<id>_<secret>` → (id, secret); anything else → None."""
    parts = value.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX or len(parts[1]) != 16 or not parts[2]:
        return None
    return parts[1], parts[2]


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def sign(secret_key: str, message: str) -> str:
    return hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=300)


def verify_supabase_jwt(
    token: str, *, secret: str | None, jwks_url: str | None, audience: str
) -> dict[str, Any]:
    """Verify a Supabase Auth access token (HS256 project secret or the project's JWKS)."""
    if jwks_url:
        key: Any = _jwks_client(jwks_url).get_signing_key_from_jwt(token).key
        algorithms = ["RS256", "ES256", "EdDSA"]
    elif secret:
        key, algorithms = secret, ["HS256"]
    else:
        raise jwt.InvalidTokenError("Supabase JWT verification is not configured")
    claims: dict[str, Any] = jwt.decode(
        token, key, algorithms=algorithms, audience=audience, options={"require": ["sub", "exp"]}
    )
    return claims
