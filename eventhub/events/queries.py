"""Read-only queries for the public pages and the organizer dashboard."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from eventhub import timeutil
from eventhub.auth import policy
from eventhub.auth.models import User
from eventhub.events.models import AgendaItem, Event, EventFormat, EventStatus
from eventhub.extensions import db
from eventhub.organizations.models import Organization

PUBLIC_STATUSES = (EventStatus.PUBLISHED, EventStatus.CANCELLED)


@dataclass(frozen=True)
class EventFilter:
    region: str | None = None
    organization: str | None = None  # slug
    format: EventFormat | None = None
    month: tuple[int, int] | None = None  # (year, month) in the site's time zone


def _public() -> Select:
    return (select(Event).join(Event.organization)
            .where(Event.status.in_(PUBLIC_STATUSES)))


def _filtered(query: Select, filters: EventFilter, tz_name: str) -> Select:
    if filters.region:
        query = query.where(Organization.region_code == filters.region)
    if filters.organization:
        query = query.where(Organization.slug == filters.organization)
    if filters.format:
        query = query.where(Event.format == filters.format)
    if filters.month:
        start, end = timeutil.month_bounds(*filters.month, tz_name)
        query = query.where(Event.starts_at < end, Event.ends_at > start)
    return query


def upcoming(filters: EventFilter, now: datetime, page: int, per_page: int,
             tz_name: str) -> Pagination:
    query = _filtered(_public().where(Event.ends_at > now), filters, tz_name)
    return db.paginate(query.order_by(Event.starts_at, Event.id), page=page,
                       per_page=per_page, error_out=False)


def past(filters: EventFilter, now: datetime, page: int, per_page: int,
         tz_name: str) -> Pagination:
    query = _filtered(_public().where(Event.ends_at <= now), filters, tz_name)
    return db.paginate(query.order_by(Event.starts_at.desc(), Event.id.desc()), page=page,
                       per_page=per_page, error_out=False)


def public_event(slug: str) -> Event | None:
    return db.session.scalar(
        _public().where(Event.slug == slug)
        .options(selectinload(Event.agenda_items).selectinload(AgendaItem.speakers),
                 selectinload(Event.speakers)))


def bookable_event(slug: str) -> Event | None:
    """A public event for its registration pages: with its questions, without the agenda
    and speakers that only the event page shows."""
    return db.session.scalars(_BOOKABLE, {"slug": slug}).unique().one_or_none()


# One statement, not two, and built once: every registration POST runs it.
_BOOKABLE = (_public().where(Event.slug == bindparam("slug"))
             .options(joinedload(Event.questions)))


def organizations() -> list[Organization]:
    return list(db.session.scalars(select(Organization).order_by(Organization.name)))


def managed_events(actor: User, *, status: EventStatus | None = None, page: int = 1,
                   per_page: int = 25) -> Pagination:
    query = policy.restrict_events(select(Event), actor)
    if status is not None:
        query = query.where(Event.status == status)
    return db.paginate(query.order_by(Event.starts_at.desc(), Event.id.desc()), page=page,
                       per_page=per_page, error_out=False)


def managed_event(actor: User, event_id: int) -> Event | None:
    """The event if ``actor`` may manage it; None otherwise (views answer 404)."""
    query = policy.restrict_events(select(Event).where(Event.id == event_id), actor)
    return db.session.scalar(query.options(
        selectinload(Event.agenda_items).selectinload(AgendaItem.speakers),
        selectinload(Event.speakers)))
