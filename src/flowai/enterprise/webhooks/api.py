"""Webhook endpoints, their deliveries and the delivery log (thin: the logic is in service.py).

Every route needs the `webhooks:manage` scope and a tenant admin or owner behind the credential:
a member's key cannot subscribe to the whole tenant's events.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import select

from flowai.core.auth import Principal
from flowai.core.deps import DB, Ctx, require
from flowai.core.errors import Problem
from flowai.core.pagination import page
from flowai.core.schemas import Page
from flowai.enterprise.webhooks import service
from flowai.enterprise.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookNotice
from flowai.enterprise.webhooks.schemas import (
    AttemptOut,
    DeliveryDetail,
    DeliveryOut,
    EndpointCreated,
    EndpointIn,
    EndpointOut,
    EndpointPatch,
    EventTypeOut,
    NoticeOut,
    RotateIn,
    SecretOut,
)

SCOPE = "webhooks:manage"
MANAGERS = ("admin", "owner")


async def require_manager(principal: Annotated[Principal, require(SCOPE)]) -> Principal:
    if principal.role not in MANAGERS:
        raise Problem(403, "forbidden", "Only tenant admins and owners manage webhooks.")
    return principal


Manager = Annotated[Principal, Depends(require_manager)]
Limit = Annotated[int, Query(ge=1, le=100)]
router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


def _endpoint_out(row: WebhookEndpoint) -> EndpointOut:
    return EndpointOut.model_validate(row)


def _delivery_out(row: WebhookDelivery) -> DeliveryOut:
    return DeliveryOut.model_validate(row)


@router.get("/event-types", response_model=list[EventTypeOut])
def event_types(_: Manager) -> list[EventTypeOut]:
    return [EventTypeOut(type=t) for t in service.EVENT_TYPES]


@router.post("/endpoints", status_code=201, response_model=EndpointCreated)
def create_endpoint(body: EndpointIn, _: Manager, s: DB, ctx: Ctx) -> EndpointCreated:
    """The response is the only one besides GET …/secret that shows the signing secret."""
    row = service.create_endpoint(
        s,
        url=body.url,
        description=body.description,
        event_types=body.event_types,
        format=body.format,
        secret=body.secret,
        allow_private=ctx.settings.webhook_allow_private,
    )
    return EndpointCreated(**_endpoint_out(row).model_dump(), secret=row.secret)


@router.get("/endpoints", response_model=Page[EndpointOut])
def list_endpoints(_: Manager, s: DB, limit: Limit = 50, cursor: str | None = None) -> Page[EndpointOut]:
    rows, nxt = page(s, select(WebhookEndpoint), WebhookEndpoint.id, limit=limit, cursor=cursor)
    return Page(items=[_endpoint_out(r) for r in rows], next_cursor=nxt)


@router.get("/endpoints/{endpoint_id}", response_model=EndpointOut)
def get_endpoint(endpoint_id: str, _: Manager, s: DB) -> EndpointOut:
    return _endpoint_out(service.get_endpoint(s, endpoint_id=endpoint_id))


@router.patch("/endpoints/{endpoint_id}", response_model=EndpointOut)
def update_endpoint(endpoint_id: str, body: EndpointPatch, _: Manager, s: DB, ctx: Ctx) -> EndpointOut:
    row = service.get_endpoint(s, endpoint_id=endpoint_id)
    changes = body.model_dump(exclude_unset=True)
    service.update_endpoint(
        s, endpoint=row, changes=changes, allow_private=ctx.settings.webhook_allow_private
    )
    return _endpoint_out(row)


@router.delete("/endpoints/{endpoint_id}", status_code=204)
def delete_endpoint(endpoint_id: str, _: Manager, s: DB) -> Response:
    service.delete_endpoint(s, endpoint=service.get_endpoint(s, endpoint_id=endpoint_id))
    return Response(status_code=204)


@router.get("/endpoints/{endpoint_id}/secret", response_model=SecretOut)
def get_secret(endpoint_id: str, _: Manager, s: DB) -> SecretOut:
    row = service.get_endpoint(s, endpoint_id=endpoint_id)
    return SecretOut(secret=row.secret, previous_secret_expires_at=row.previous_secret_expires_at)


@router.post("/endpoints/{endpoint_id}/rotate-secret", response_model=SecretOut)
def rotate_secret(endpoint_id: str, body: RotateIn, _: Manager, s: DB) -> SecretOut:
    """New secret now; deliveries also carry the old secret's signature for `overlap_seconds`."""
    row = service.rotate_secret(
        s,
        endpoint=service.get_endpoint(s, endpoint_id=endpoint_id),
        overlap=timedelta(seconds=body.overlap_seconds),
        secret=body.secret,
    )
    return SecretOut(secret=row.secret, previous_secret_expires_at=row.previous_secret_expires_at)


@router.post("/endpoints/{endpoint_id}/test", status_code=202, response_model=DeliveryOut)
def send_test(endpoint_id: str, _: Manager, s: DB, ctx: Ctx, response: Response) -> DeliveryOut:
    """Send a `webhook.test` event to this endpoint alone."""
    endpoint = service.get_endpoint(s, endpoint_id=endpoint_id)
    delivery = service.send_test(s, endpoint=endpoint, jobs=ctx.jobs)
    response.headers["Location"] = f"/v1/webhooks/deliveries/{delivery.id}"
    return _delivery_out(delivery)


@router.get("/endpoints/{endpoint_id}/deliveries", response_model=Page[DeliveryOut])
def list_deliveries(
    endpoint_id: str,
    _: Manager,
    s: DB,
    limit: Limit = 50,
    cursor: str | None = None,
    status: str | None = None,
) -> Page[DeliveryOut]:
    service.get_endpoint(s, endpoint_id=endpoint_id)
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if status:
        stmt = stmt.where(WebhookDelivery.status == status)
    rows, nxt = page(s, stmt, WebhookDelivery.id, limit=limit, cursor=cursor)
    return Page(items=[_delivery_out(r) for r in rows], next_cursor=nxt)


@router.get("/deliveries/{delivery_id}", response_model=DeliveryDetail)
def get_delivery(delivery_id: str, _: Manager, s: DB) -> DeliveryDetail:
    """One delivery with its log: status code, response excerpt, duration, next attempt."""
    row = service.get_delivery(s, delivery_id=delivery_id)
    log = [AttemptOut.model_validate(a) for a in service.attempts_of(s, delivery_id=row.id)]
    return DeliveryDetail(**_delivery_out(row).model_dump(), log=log)


@router.post("/deliveries/{delivery_id}/replay", status_code=202, response_model=DeliveryOut)
def replay(delivery_id: str, principal: Manager, s: DB, ctx: Ctx, response: Response) -> DeliveryOut:
    """Send the event again (same webhook-id) as a new delivery; its first job is yours to watch."""
    delivery = service.replay(
        s,
        delivery=service.get_delivery(s, delivery_id=delivery_id),
        jobs=ctx.jobs,
        owner_id=principal.user_id,
    )
    response.headers["Location"] = f"/v1/jobs/{delivery.job_id}"
    return _delivery_out(delivery)


@router.get("/notices", response_model=Page[NoticeOut])
def list_notices(_: Manager, s: DB, limit: Limit = 50, cursor: str | None = None) -> Page[NoticeOut]:
    """What the tenant's admins were told (endpoints disabled); email delivery is not built."""
    rows, nxt = page(s, select(WebhookNotice), WebhookNotice.id, limit=limit, cursor=cursor)
    return Page(items=[NoticeOut.model_validate(r) for r in rows], next_cursor=nxt)
