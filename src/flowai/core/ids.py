"""Opaque, time-ordered ids (ULID): sortable for cursors, never guessable sequence numbers."""

from ulid import ULID


def new_id() -> str:
    return str(ULID()).lower()
