"""API keys → principals without a database read per request.

What a key grants (its secret's hash, scopes, expiry, revocation, and its user's tenant, role and
whether the account is active) is read once and kept by key id for at most `ttl_seconds` (1 s),
the same bound the tenant router's epoch poll gives: a key revoked, expired or a user demoted or
deactivated by another process (another API worker, the CLI, SQL) stops working within a second.
In this process a commit that changes a key or a user drops its entries at once (a SQLAlchemy
`after_commit` hook on this database's sessions), so a revoke answers 401 on the very next request.

The secret is still checked on every request, against the cached hash, so a cached entry never
lets a wrong secret in; entries are per tenant, so a key never answers on another tenant's host.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import bindparam, event, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from flowai.core.auth import LAST_USED_RESOLUTION, Principal
from flowai.core.db import Database, utcnow
from flowai.core.models import ApiKey, User
from flowai.core.security import constant_time_equal, parse_api_key, sha256_hex

TOUCH_OPTION = "flowai_key_touch"  # marks the last_used_at write, which changes nothing we cache
# what a key grants; kept, so guarded and compiled once (every key is read again each second)
GRANTS = (
    select(
        ApiKey.secret_hash,
        ApiKey.scopes,
        ApiKey.expires_at,
        ApiKey.revoked_at,
        ApiKey.last_used_at,
        User.id,
        User.tenant_id,
        User.role,
        User.is_active,
    )
    .join(User, User.id == ApiKey.user_id)
    .where(ApiKey.id == bindparam("key_id"))
)


@dataclass
class _Entry:
    loaded_at: float  # monotonic, when the read began
    key_id: str
    found: bool
    secret_hash: str = ""
    user_id: str = ""
    tenant_id: str = ""
    role: str = ""
    scopes: frozenset[str] = frozenset()
    expires_at: datetime | None = None
    usable: bool = False  # not revoked and the user is active
    last_used_at: datetime | None = None


@dataclass
class _Changes:
    """Keys and users a transaction wrote; `everything` after a bulk write of either."""

    keys: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)
    everything: bool = False


class ApiKeyCache:
    def __init__(self, db: Database, ttl_seconds: float = 1.0, max_entries: int = 10_000) -> None:
        self._db = db
        self._ttl = ttl_seconds
        self._max = max_entries
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._lock = threading.Lock()
        self._generation = 0  # bumped by every invalidation; a read older than it is not kept
        for factory in {db._factory, db._system_factory}:  # noqa: SLF001 (the database's own sessions)
            event.listen(factory, "after_flush", _note_flushed)
            event.listen(factory, "do_orm_execute", _note_bulk)
            event.listen(factory, "after_commit", self._after_commit)
            event.listen(factory, "after_rollback", _forget_noted)

    # --- lookups ----------------------------------------------------------------------------

    def cached(self, tenant_id: str, token: str) -> Principal | None | Literal[False]:
        """The principal (None: refused) from a fresh entry, without I/O; False when the
        database must be read (`principal`)."""
        parsed = parse_api_key(token)
        if parsed is None:
            return None
        with self._lock:
            entry = self._entries.get((tenant_id, parsed[0]))
        if entry is None or time.monotonic() - entry.loaded_at >= self._ttl:
            return False
        return self._judge(entry, parsed[1])

    def principal(self, tenant_id: str, token: str) -> Principal | None:
        """Read the key (blocking I/O: call it from a worker thread) and judge the token."""
        parsed = parse_api_key(token)
        if parsed is None:
            return None
        key_id, secret = parsed
        with self._lock:
            generation = self._generation
        started = time.monotonic()
        entry = self._load(tenant_id, key_id, started)
        with self._lock:
            if generation == self._generation:
                if len(self._entries) >= self._max and (tenant_id, key_id) not in self._entries:
                    self._entries.pop(next(iter(self._entries)))
                self._entries[(tenant_id, key_id)] = entry
        return self._judge(entry, secret)

    def touch(self, tenant_id: str, key_id: str) -> None:
        """Record a key's use (at most once per LAST_USED_RESOLUTION per process), in a short
        transaction of its own: in the request's, it would hold SQLite's lock for the request."""
        with self._db.transaction(tenant_id=tenant_id) as s:
            s.execute(
                update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=utcnow()),
                execution_options={TOUCH_OPTION: True},
            )

    def invalidate(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generation += 1

    # --- internals --------------------------------------------------------------------------

    def _judge(self, entry: _Entry, secret: str) -> Principal | None:
        if not entry.found or not constant_time_equal(entry.secret_hash, sha256_hex(secret)):
            return None
        now = utcnow()
        if not entry.usable or (entry.expires_at is not None and entry.expires_at <= now):
            return None
        touch = False
        if _due(entry.last_used_at, now):
            with self._lock:  # one request of this process writes it, not each one until the next read
                if _due(entry.last_used_at, now):
                    touch, entry.last_used_at = True, now
        return Principal(
            entry.user_id, entry.tenant_id, entry.role, entry.scopes, "api_key", entry.key_id, touch
        )

    def _load(self, tenant_id: str, key_id: str, started: float) -> _Entry:
        with self._db.session(tenant_id=tenant_id, read_only=True) as s:
            row = s.execute(GRANTS, {"key_id": key_id}).first()
        if row is None:
            return _Entry(started, key_id, found=False)
        return _Entry(
            started,
            key_id,
            found=True,
            secret_hash=row[0],
            scopes=frozenset(row[1]),
            expires_at=row[2],
            usable=row[3] is None and bool(row[8]),
            last_used_at=row[4],
            user_id=row[5],
            tenant_id=row[6],
            role=row[7],
        )

    def _after_commit(self, session: Session) -> None:
        changes: _Changes | None = session.info.pop(_CHANGES, None)
        if changes is None:
            return
        with self._lock:
            self._generation += 1
            if changes.everything:
                self._entries.clear()
                return
            for slot, entry in list(self._entries.items()):
                if entry.key_id in changes.keys or entry.user_id in changes.users:
                    del self._entries[slot]


_CHANGES = "flowai_credential_changes"


def _due(last_used_at: datetime | None, now: datetime) -> bool:
    return last_used_at is None or now - last_used_at > LAST_USED_RESOLUTION


def _changes(session: Session) -> _Changes:
    changes: _Changes = session.info.setdefault(_CHANGES, _Changes())
    return changes


def _note_flushed(session: Session, _ctx: Any) -> None:
    """Keys and users written by this flush (their entries go when the transaction commits)."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, ApiKey):
            _changes(session).keys.add(obj.id)
        elif isinstance(obj, User):
            _changes(session).users.add(obj.id)


def _note_bulk(state: ORMExecuteState) -> None:
    """A bulk UPDATE/DELETE of keys or users (which rows is unknown): every entry goes at commit."""
    if not (state.is_update or state.is_delete) or state.execution_options.get(TOUCH_OPTION):
        return
    if any(m.class_ in (ApiKey, User) for m in state.all_mappers):
        _changes(state.session).everything = True


def _forget_noted(session: Session) -> None:
    """A rolled-back transaction changed nothing."""
    session.info.pop(_CHANGES, None)
