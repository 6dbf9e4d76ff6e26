"""Route lookup that passes over whole routers by the first two segments of the path.

FastAPI 0.163 tries the app's included routers in order, and each matches every one of its routes
against the path before it says no: a request to the last router (voice) paid for a regular
expression per route of the API first. Each router here knows the heads (`/v1/jobs`, `/healthz`)
its routes start with; a path with another head is not matched against its routes at all. A router
with a path parameter among the first two segments is tried as before.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import _IncludedRouter
from starlette._utils import get_route_path
from starlette.routing import Match
from starlette.types import Scope


class _HeadedRouter(_IncludedRouter):
    heads: frozenset[str]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and head(get_route_path(scope)) not in self.heads:
            return Match.NONE, {}
        return super().matches(scope)


def skip_routers_by_head(app: FastAPI) -> None:
    for route in app.router.routes:
        if type(route) is _IncludedRouter and (heads := _heads(route)):
            route.__class__ = _HeadedRouter
            route.heads = heads  # type: ignore[attr-defined]


def head(path: str) -> str:
    """`/v1/jobs/01j…/cancel` → `/v1/jobs`; `/healthz` → `/healthz`."""
    return "/".join(path.split("/", 3)[:3]).rstrip("/") or "/"


def _heads(included: Any) -> frozenset[str]:
    """The heads of every route of the router; empty (do not skip) if one has a parameter there.
    Read off the routes themselves: FastAPI builds (and keeps) its effective routes on first use,
    and that must wait until `deps.one_hop` has wrapped their endpoints."""
    prefix = included.include_context.prefix
    paths = [getattr(r, "path", None) for r in included.original_router.routes]
    if not paths or not all(isinstance(p, str) for p in paths):
        return frozenset()
    heads = frozenset(head(prefix + p) for p in paths)
    return frozenset() if any("{" in h for h in heads) else heads
