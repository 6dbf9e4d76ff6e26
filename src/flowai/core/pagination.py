"""Cursor pagination over ULID primary keys: newest first, the cursor is the last id seen."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

T = TypeVar("T")


def page(
    s: Session, stmt: Select[Any], id_column: Any, *, limit: int, cursor: str | None
) -> tuple[list[Any], str | None]:
    if cursor:
        stmt = stmt.where(id_column < cursor)
    rows = list(s.execute(stmt.order_by(id_column.desc()).limit(limit + 1)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (str(getattr(rows[-1], id_column.key)) if more and rows else None)
