"""Writing the audit trail (in the caller's transaction) and reading it back."""
from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, delete, or_, select

from eventhub import timeutil
from eventhub.audit.models import AuditEntry
from eventhub.extensions import db


def record(actor, action: str, now: datetime | None = None, *,
           organization_id: int | None = None,
           event=None, target: tuple[str, int | None] | None = None,
           details: dict[str, Any] | None = None) -> AuditEntry:
    """Add an entry to the session: it is committed, or rolled back, with the change.

    ``actor`` is the acting account (anything with ``id`` and ``name``) or None; ``event``
    an event (its organization is taken from it) or None. ``now`` defaults to the app's
    clock: several use cases that are audited take no time of their own (editing an agenda
    item), and giving them one only for this would change every caller."""
    if event is not None:
        organization_id = organization_id or event.organization_id
    target_type, target_id = target or ("", None)
    entry = AuditEntry(at=now or timeutil.utcnow(), actor_id=getattr(actor, "id", None),
                       actor_name=getattr(actor, "name", "") or "", action=action,
                       organization_id=organization_id,
                       event_id=getattr(event, "id", None), target_type=target_type,
                       target_id=target_id, details=_plain(details) if details else None)
    db.session.add(entry)
    return entry


def snapshot(obj, fields: Iterable[str]) -> dict[str, Any]:
    """The values of ``fields`` now, to compare with ``changes`` after an edit."""
    return {name: getattr(obj, name) for name in fields}


def changes(before: dict[str, Any], obj) -> dict[str, list]:
    """``{field: [old, new]}`` for each field of ``before`` whose value differs now. Never
    give it a participant's personal fields: their values would be copied here."""
    return {name: [old, getattr(obj, name)] for name, old in before.items()
            if old != getattr(obj, name)}


def _plain(value: Any) -> Any:
    """JSON-safe: times as ISO text (UTC), enums as their value."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


def purge(now: datetime, days: int) -> int:
    """Delete entries older than the retention period; returns how many."""
    result = db.session.execute(delete(AuditEntry)
                                .where(AuditEntry.at < now - timedelta(days=days)))
    return result.rowcount


@dataclass(frozen=True)
class Filters:
    category: str = ""  # "event", "registration", … (the action's first part)
    organization_id: int | None = None
    event_id: int | None = None
    actor_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def visible(viewer) -> Select:
    """Entries ``viewer`` may read: every one for admins and coordinators, those of their
    own organization (and their own logins) for organizers."""
    query = select(AuditEntry)
    if not viewer.sees_all_organizations:
        query = query.where(or_(AuditEntry.organization_id == viewer.organization_id,
                                AuditEntry.actor_id == viewer.id))
    return query


def search(viewer, filters: Filters) -> Select:
    query = visible(viewer)
    if filters.category:
        query = query.where(AuditEntry.action.startswith(f"{filters.category}.",
                                                         autoescape=True))
    for column, value in ((AuditEntry.organization_id, filters.organization_id),
                          (AuditEntry.event_id, filters.event_id),
                          (AuditEntry.actor_id, filters.actor_id)):
        if value is not None:
            query = query.where(column == value)
    if filters.since is not None:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEntry.at < filters.until)
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def of_event(event_id: int, limit: int = 500) -> list[AuditEntry]:
    """The history of one event, newest first (its organizers' "Verlauf" page)."""
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.event_id == event_id)
                                   .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                                   .limit(limit)))
