"""Engine, sessions and the tenant guard.

A session carries the tenant it was opened for (`session.info["tenant_id"]`). Every ORM query that
touches a tenant-owned table gets `tenant_id = :bound` added; with no tenant bound it raises
instead of returning all tenants' rows. Platform code that must cross tenants (workers, CLI, the
router) opens a session with `system=True`, which is explicit and greppable.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from psycopg import ClientCursor
from psycopg import errors as psycopg_errors
from psycopg.pq import Escaping, ExecStatus, TransactionStatus
from sqlalchemy import DateTime, ForeignKey, Join, String, Table, bindparam, create_engine, event, or_
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
    sessionmaker,
    with_loader_criteria,
)
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.types import TypeDecorator

T = TypeVar("T")


class TenantNotBound(RuntimeError):
    """A tenant-owned table was queried by a session that has no tenant bound."""


class ReadOnlySession(RuntimeError):
    """A read-only session (a GET request's) was asked to write."""


READ_ONLY_REFUSAL = "a read-only session (a GET request's) cannot write: write from a POST, PUT or DELETE"


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime()}


class TenantOwned:
    """Mixin for rows that belong to one tenant; the guard scopes every query on them."""

    tenant_id: Mapped[str] = mapped_column(
        String(26), ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )


def make_engine(url: str, **options: Any) -> Engine:
    if url.startswith("sqlite"):
        # as many pooled connections as the thread pool has threads: an overflow connection is
        # closed on return, and reopening one (three PRAGMAs) was a visible share of a small GET
        in_file = make_url(url).database not in (None, "", ":memory:")
        pool = {"pool_size": 40, "max_overflow": 10} if in_file else {}
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20, **options)
    _ping_when_idle(engine)
    return engine


PING_AFTER_IDLE_S = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Pre-ping a pooled connection only when it sat idle for PING_AFTER_IDLE_S: the ones a server
    restart or an idle timeout may have closed. `pool_pre_ping` pinged on every checkout, one
    more round trip per request; a connection in steady use needs none, and one that died in
    use is caught by SQLAlchemy's disconnect handling (which also invalidates the pool)."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(str(exc)) from exc  # the pool drops it and tries another


class Database:
    """Engines plus session factories that always say which tenant a session serves.

    On PostgreSQL the app's URL should be a role that owns no tables and cannot bypass row-level
    security; each tenant-bound transaction sets `app.tenant_id` with `set_config(..., true)`
    (transaction-local, so nothing leaks through the pool). `admin_url` (migrations and explicit
    `system=True` sessions) is the table owner; it defaults to the app URL.

    A read-only session (a GET request's) refuses writes. On PostgreSQL it reads outside a
    transaction block: each statement goes to the server in one message with the tenant bind, so
    it costs one round trip instead of three (BEGIN with the bind, the statement, COMMIT). The
    bind and `transaction_read_only` last for that statement's implicit transaction; under READ
    COMMITTED each statement took its own snapshot anyway.
    """

    def __init__(self, url: str, admin_url: str | None = None) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.admin_engine = make_engine(admin_url) if admin_url and admin_url != url else self.engine
        self._factory = sessionmaker(self.engine, expire_on_commit=False)
        self._system_factory = sessionmaker(self.admin_engine, expire_on_commit=False)
        self.read_engine: Engine | None = None
        self._read_factory = self._factory
        if self.engine.dialect.name == "postgresql":
            event.listen(self._factory, "after_begin", _bind_tenant_setting)
            event.listen(self._system_factory, "after_begin", _bind_schema_setting)
            # autocommit, and parameters bound client-side: several statements in one message
            self.read_engine = make_engine(
                url, isolation_level="AUTOCOMMIT", connect_args={"cursor_factory": ClientCursor}
            )
            event.listen(self.read_engine, "before_cursor_execute", _with_read_bind, retval=True)
            event.listen(self.read_engine, "after_cursor_execute", _to_statement_result)
            self._read_factory = sessionmaker(self.read_engine, expire_on_commit=False)
            event.listen(self._read_factory, "after_begin", _note_read_tenant)

    def session(
        self,
        *,
        tenant_id: str | None = None,
        system: bool = False,
        schema: str | None = None,
        read_only: bool = False,
    ) -> Session:
        """`schema` (system sessions only): a hard-isolated tenant schema to read first.
        `read_only` (tenant sessions only): see the class; a flush raises `ReadOnlySession`."""
        if system and not tenant_id:
            s = self._system_factory()
        else:
            s = self._read_factory() if read_only and tenant_id else self._factory()
        s.info["tenant_id"] = tenant_id
        s.info["system"] = system
        s.info["schema"] = schema if system and not tenant_id else None
        s.info["read_only"] = read_only
        return s

    @contextmanager
    def transaction(
        self, *, tenant_id: str | None = None, system: bool = False, schema: str | None = None
    ) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self.session(tenant_id=tenant_id, system=system, schema=schema) as s, s.begin():
            yield s

    @property
    def app_role(self) -> str | None:
        """The app's role when it is not the owner: new tables (tenant schemas) need grants for it."""
        app, owner = self.engine.url.username, self.admin_engine.url.username
        return app if app and app != owner else None

    def tenant_schemas(self) -> list[str]:
        """The schemas of hard-isolated tenants (PostgreSQL); cross-tenant scans visit each."""
        if self.engine.dialect.name != "postgresql":
            return []
        with self.admin_engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT db_schema FROM tenants WHERE db_schema IS NOT NULL")
            return sorted(r[0] for r in rows)

    def placements(self) -> list[str | None]:
        """Where tenant rows live: the shared schema (None) and every tenant schema."""
        return [None, *self.tenant_schemas()]

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not None:
            self.read_engine.dispose()
        if self.admin_engine is not self.engine:
            self.admin_engine.dispose()


def _bind_tenant_setting(session: Session, _tx: Any, connection: Any) -> None:
    """Bind the transaction to its tenant (`flowai_bind_tenant`, migration 0007): `app.tenant_id`
    for row-level security and, for a hard-isolated tenant, a transaction-local search path that
    puts its schema first. The function waits while a move holds the tenant.

    It runs once per request, so it costs no round trip of its own: it goes to the server in the
    same message as the transaction's BEGIN (psycopg would otherwise send BEGIN alone before the
    first statement), on libpq directly (SQLAlchemy's execution machinery doubled its CPU cost)."""
    tenant_id = session.info.get("tenant_id")
    if not tenant_id:
        return
    conn = connection.connection.driver_connection  # psycopg.Connection
    if conn.info.transaction_status != TransactionStatus.IDLE:  # a transaction is open already
        with conn.cursor() as cursor:
            cursor.execute("SELECT flowai_bind_tenant(%(t)s)", {"t": tenant_id})
        return
    pgconn = conn.pgconn
    result = pgconn.exec_(
        b"BEGIN; SELECT flowai_bind_tenant(" + Escaping(pgconn).escape_literal(tenant_id.encode()) + b")"
    )
    if result.status != ExecStatus.TUPLES_OK:  # the session rolls back on the way out
        raise psycopg_errors.error_from_result(result, encoding=conn.info.encoding)


def _note_read_tenant(session: Session, _tx: Any, connection: Any) -> None:
    connection.info["flowai_read_tenant"] = session.info["tenant_id"]


def _with_read_bind(
    conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool
) -> tuple[str, Any]:
    if executemany:
        raise ReadOnlySession("executemany from a read-only session")
    return READ_BIND + statement, {**(parameters or {}), TENANT_PARAM: conn.info["flowai_read_tenant"]}


def _to_statement_result(_conn: Any, cursor: Any, *_execution: Any) -> None:
    """Past the bind's result to the statement's, before SQLAlchemy reads the cursor."""
    cursor.nextset()


def _bind_schema_setting(session: Session, _tx: Any, connection: Any) -> None:
    schema = session.info.get("schema")
    if schema:
        connection.exec_driver_sql(
            "SELECT set_config('search_path', quote_ident(%(s)s) || ', public', true)", {"s": schema}
        )


# The bound tenant is a parameter of the criteria, filled in per execution: the option (and the
# guarded form of a statement) is then the same for every tenant, so a statement the code keeps
# (a module-level query) is guarded once and compiled once. A tenant value inside the criteria
# made SQLAlchemy rebuild the expression on every execution.
TENANT_PARAM = "flowai_bound_tenant_id"
_TENANT_BIND: BindParameter[str] = bindparam(TENANT_PARAM, type_=String())
_TENANT_CRITERIA = with_loader_criteria(
    TenantOwned, lambda cls: cls.tenant_id == _TENANT_BIND, include_aliases=True
)
_UNGUARDED = object()  # the statement reads no tenant-owned table

# Sent before each statement of a read-only session, in the same message: the tenant bind, and the
# server's own refusal of writes for that statement's implicit transaction.
READ_BIND = (
    f"SELECT flowai_bind_tenant(%({TENANT_PARAM})s), set_config('transaction_read_only', 'on', true); "
)


class StatementForms:
    """Forms derived from a SQL statement (its tenant-guarded form, its paged form), each worked
    out once and kept as long as the statement lives: a statement kept at module level then costs
    no construction, cache key or compile per execution, and one built per request is forgotten
    with it (the keys are weak references)."""

    def __init__(self) -> None:
        self._forms: weakref.WeakKeyDictionary[Any, dict[Hashable, Any]] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, stmt: Any, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            forms = self._forms.setdefault(stmt, {})
            if key in forms:
                return forms[key]  # type: ignore[no-any-return]
        form = make()
        with self._lock:
            forms[key] = form
        return form

    def __len__(self) -> int:
        return len(self._forms)


statement_forms = StatementForms()


def _with_tenant_param(params: Any, tenant_id: str) -> Any:
    if isinstance(params, list | tuple):  # executemany
        return [{**p, TENANT_PARAM: tenant_id} for p in params]
    return {**(params or {}), TENANT_PARAM: tenant_id}


def _is_tenant_table(table: Any) -> bool:
    return isinstance(table, Table) and "tenant_id" in table.c and table.name in _tenant_table_names()


def _tenant_table_names() -> frozenset[str]:
    mappers = Base.registry.mappers
    cached = _TABLE_NAMES.get(len(mappers))  # models imported later add mappers: recomputed then
    if cached is None:
        cached = frozenset(m.local_table.name for m in mappers if issubclass(m.class_, TenantOwned))  # type: ignore[attr-defined]
        _TABLE_NAMES.clear()
        _TABLE_NAMES[len(mappers)] = cached
    return cached


_TABLE_NAMES: dict[int, frozenset[str]] = {}


def _from_conditions(froms: Any, *, outer: bool) -> list[Any]:
    """`tenant_id = :bound` for every tenant table among FROM items (NULL allowed where outer-joined)."""
    conditions: list[Any] = []
    for item in froms:
        if isinstance(item, Join):
            conditions += _from_conditions([item.left], outer=outer)
            conditions += _from_conditions([item.right], outer=outer or item.isouter)
            continue
        if _is_tenant_table(item):
            column = item.c.tenant_id
            conditions.append(
                or_(column == _TENANT_BIND, column.is_(None)) if outer else column == _TENANT_BIND
            )
    return conditions


def _guarded_form(state: ORMExecuteState) -> Any:
    """The statement with its tenant condition, or `_UNGUARDED`; worked out once per statement."""
    stmt: Any = state.statement
    if any(issubclass(m.class_, TenantOwned) for m in state.all_mappers):
        return stmt.options(_TENANT_CRITERIA)
    if state.is_select:
        # Loader criteria follow ORM entities; a bare `select(func.count()).select_from(User)`
        # has none, so there the tenant tables of the FROM clause are filtered by hand.
        conditions = _from_conditions(stmt.get_final_froms(), outer=False)
        if conditions:
            return stmt.where(*conditions)
    return _UNGUARDED


@event.listens_for(Session, "do_orm_execute")
def _scope_to_tenant(state: ORMExecuteState) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and state.session.info.get("read_only"):
        raise ReadOnlySession(READ_ONLY_REFUSAL)
    if not (state.is_select or state.is_update or state.is_delete):
        return
    guarded = statement_forms.get(state.statement, "tenant-guarded", lambda: _guarded_form(state))
    if guarded is _UNGUARDED:
        return
    info = state.session.info
    tenant_id = info.get("tenant_id")
    if tenant_id:
        state.statement = guarded
        state.parameters = _with_tenant_param(state.parameters, tenant_id)
    elif not info.get("system"):
        raise TenantNotBound("query on a tenant-owned table from a session with no tenant bound")


@event.listens_for(Session, "before_flush")
def _stamp_tenant(session: Session, _ctx: Any, _instances: Any) -> None:
    if session.info.get("read_only") and (session.new or session.dirty or session.deleted):
        raise ReadOnlySession(READ_ONLY_REFUSAL)
    tenant_id = session.info.get("tenant_id")
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, TenantOwned):
            continue
        if tenant_id is None:
            if not session.info.get("system"):
                raise TenantNotBound("write to a tenant-owned table with no tenant bound")
            if not obj.tenant_id:
                raise TenantNotBound(f"{type(obj).__name__} written without tenant_id")
        elif not obj.tenant_id:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise TenantNotBound(f"{type(obj).__name__} belongs to another tenant")
