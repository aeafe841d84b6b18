"""Read-only queries for the public pages and the organizer dashboard."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from eventhub import timeutil
from eventhub.auth.models import User
from eventhub.db import forget_on_change
from eventhub.events import policy
from eventhub.events.models import AgendaItem, Event, EventFormat, EventStatus
from eventhub.extensions import db
from eventhub.organizations.models import Organization
from eventhub.registration.models import Question


@dataclass(frozen=True)
class EventFilter:
    region: str | None = None
    organization: str | None = None  # slug
    format: EventFormat | None = None
    month: tuple[int, int] | None = None  # (year, month) in the site's time zone


def _public() -> Select:
    return (select(Event).join(Event.organization)
            .where(Event.is_public))


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


def months(now: datetime, tz_name: str, *, past: bool = False) -> list[tuple[int, int]]:
    """The (year, month) pairs, in the site's time zone, in which public upcoming (or past)
    events take place: the choices of the lists' month filter, nearest first."""
    ended = Event.ends_at <= now if past else Event.ends_at > now
    found = set()
    for start, end in db.session.execute(
            select(Event.starts_at, Event.ends_at).join(Event.organization)
            .where(Event.is_public, ended)):
        for moment in (start, end):
            local = timeutil.to_local(moment, tz_name)
            found.add((local.year, local.month))
    return sorted(found, reverse=past)


def public_event(slug: str) -> Event | None:
    return db.session.scalar(
        _public().where(Event.slug == slug)
        .options(selectinload(Event.agenda_items).selectinload(AgendaItem.speakers),
                 selectinload(Event.speakers)))


def bookable_event(slug: str) -> Event | None:
    """A public event for its registration pages: with its organization and questions,
    without the agenda and speakers that only the event page shows.

    The registration pages are the busiest of all when an event is announced, so the
    process keeps what it loaded for ``BOOKABLE_EVENT_SECONDS`` (config): detached, for
    reading only. Nothing is decided on it alone: registering reads the event afresh
    under its lock (``registration.services.register_all``). A change to an event, its
    questions or an organization committed in this process clears the store at once;
    other processes see it within those seconds.
    """
    store: dict[str, tuple[float, Event]] = current_app.extensions.setdefault(_STORE, {})
    kept = store.get(slug)
    if kept is not None and kept[0] > time.monotonic():
        return kept[1]
    event = db.session.scalars(_BOOKABLE, {"slug": slug}).unique().one_or_none()
    seconds = current_app.config["BOOKABLE_EVENT_SECONDS"]
    if event is not None and seconds > 0:
        for loaded in (event, event.organization, event.organization.region,
                       *event.questions):
            if loaded in db.session:  # unless expunged with the event (cascade)
                db.session.expunge(loaded)  # a commit in this request must not expire it
        store[slug] = (time.monotonic() + seconds, event)
    return event


def forget_bookable_events() -> None:
    """Empty this app's store of bookable events (see ``bookable_event``)."""
    current_app.extensions.pop(_STORE, None)


# One statement, not two, and built once.
_BOOKABLE = (_public().where(Event.slug == bindparam("slug"))
             .options(joinedload(Event.questions)))
_STORE = "eventhub.bookable_events"
_SHOWN = (Event, Question, Organization)  # what the registration pages show


forget_on_change(db.session, _SHOWN, forget_bookable_events)


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
