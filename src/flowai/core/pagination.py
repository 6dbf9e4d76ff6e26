"""Cursor pagination over ULID primary keys: newest first, the cursor is the last id seen.

The paged form of a statement (ordered, limited, after the cursor) takes the cursor and the
limit as bound parameters and is built once per statement: a statement the caller keeps at module
level (with its own values as bound parameters too) then costs no SQL construction per request.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam
from sqlalchemy.orm import Session

from flowai.core.db import statement_forms


def page(
    s: Session,
    stmt: Select[Any],
    id_column: Any,
    *,
    limit: int,
    cursor: str | None,
    params: dict[str, Any] | None = None,
) -> tuple[list[Any], str | None]:
    values = {**(params or {}), "page_limit": limit + 1}
    if cursor:
        values["page_cursor"] = cursor
    rows = list(s.execute(_paged_form(stmt, id_column, after=bool(cursor)), values).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (str(getattr(rows[-1], id_column.key)) if more and rows else None)


def _paged_form(stmt: Select[Any], id_column: Any, *, after: bool) -> Select[Any]:
    def make() -> Select[Any]:
        ordered = stmt.where(id_column < bindparam("page_cursor")) if after else stmt
        return ordered.order_by(id_column.desc()).limit(bindparam("page_limit"))

    return statement_forms.get(stmt, ("paged", id_column.key, after), make)
