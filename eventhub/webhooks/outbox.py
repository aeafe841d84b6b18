"""Writing deliveries: ``emit`` in the transaction of the change, one row per active
endpoint of the event's centre. The body names what changed by ids only (the receiver
asks the API for the rest, with the permissions of a token), and carries its delivery id.

Kinds: registration.created, .confirmed, .cancelled, .moved_up; event.published,
.changed, .cancelled; attendance.recorded.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import column, insert, select, table

from eventhub.extensions import db
from eventhub.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

KINDS = ("registration.created", "registration.confirmed", "registration.cancelled",
         "registration.moved_up", "event.published", "event.changed", "event.cancelled",
         "attendance.recorded")
# Read by name: this package sits below the features whose rows it reports.
_events = table("events", column("id"), column("organization_id"))


def _endpoints(event_id: int) -> list[int]:
    return list(db.session.scalars(
        select(WebhookEndpoint.id)
        .join(_events, _events.c.organization_id == WebhookEndpoint.organization_id)
        .where(_events.c.id == event_id, WebhookEndpoint.active.is_(True))))


def emit(kind: str, event_id: int, now: datetime, items: list[dict] | None = None) -> int:
    """Queue ``kind`` about ``event_id`` for each active endpoint of its centre: one
    delivery per item of ``items`` (e.g. ``{"registration_id": 5}``), or one for the event.
    Returns the rows written; one SELECT when the centre has no endpoint."""
    if kind not in KINDS:
        raise ValueError(f"unknown webhook kind {kind!r}")
    endpoints = _endpoints(event_id)
    if not endpoints:
        return 0
    rows = []
    for endpoint_id in endpoints:
        for item in items or [{}]:
            delivery_id = str(uuid.uuid4())
            body = json.dumps({"id": delivery_id, "type": kind,
                               "created_at": now.isoformat(),
                               "data": {"event_id": event_id, **item}}, sort_keys=True)
            rows.append({"endpoint_id": endpoint_id, "delivery_id": delivery_id,
                         "kind": kind, "body": body, "status": DeliveryStatus.QUEUED,
                         "attempts": 0, "next_attempt_at": now, "created_at": now})
    db.session.execute(insert(WebhookDelivery), rows)
    return len(rows)
