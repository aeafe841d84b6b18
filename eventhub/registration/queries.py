"""Read-only queries for the organizer's registration list and exports."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Row, Select, func, or_, select
from sqlalchemy.orm import selectinload

from eventhub.db import contains_folded
from eventhub.events.models import Event
from eventhub.extensions import db
from eventhub.mail import MessageStatus, OutboxMessage
from eventhub.registration.models import HOLDS_PLACE, Registration, RegistrationStatus

S = RegistrationStatus
SEARCH_COLUMNS = (Registration.first_name, Registration.last_name, Registration.email,
                  Registration.organization_name)
MAX_SEARCH_WORDS = 6
PER_PAGE = 50


@dataclass(frozen=True)
class RegistrationFilter:
    search: str = ""
    status: RegistrationStatus | None = None


@dataclass(frozen=True)
class Counts:
    by_status: dict[RegistrationStatus, int]
    capacity: int | None

    @property
    def held(self) -> int:
        return sum(self.by_status[status] for status in HOLDS_PLACE)

    @property
    def free(self) -> int | None:
        """None means no limit."""
        return None if self.capacity is None else max(self.capacity - self.held, 0)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def counts(event: Event) -> Counts:
    rows = db.session.execute(select(Registration.status, func.count())
                              .where(Registration.event_id == event.id)
                              .group_by(Registration.status))
    by_status = dict.fromkeys(S, 0)
    by_status.update({status: n for status, n in rows})
    return Counts(by_status=by_status, capacity=event.capacity)


def _search(query: Select, text: str) -> Select:
    """Every word must occur in first name, last name, e-mail or organization, whatever
    the case, in any alphabet ("öztürk" finds "Öztürk" on SQLite too: ``db.folded``)."""
    for word in text.split()[:MAX_SEARCH_WORDS]:
        query = query.where(or_(*(contains_folded(column, word) for column in SEARCH_COLUMNS)))
    return query


def matching(event: Event, filters: RegistrationFilter) -> Select:
    """The registrations of ``event`` that the filter selects, in list order.

    The waiting list is shown in its own order; everything else newest first.
    """
    query = select(Registration).where(Registration.event_id == event.id)
    if filters.status is not None:
        query = query.where(Registration.status == filters.status)
    if filters.search.strip():
        query = _search(query, filters.search)
    if filters.status is S.WAITLISTED:
        return query.order_by(Registration.waitlist_number)
    return query.order_by(Registration.id.desc())


def page(event: Event, filters: RegistrationFilter, number: int,
         per_page: int = PER_PAGE) -> Pagination:
    query = matching(event, filters).options(selectinload(Registration.answers))
    return db.paginate(query, page=max(number, 1), per_page=per_page, error_out=False)


def for_export(event: Event, filters: RegistrationFilter) -> Iterator[Registration]:
    """All matching registrations with their answers, fetched in batches."""
    query = (matching(event, filters).options(selectinload(Registration.answers))
             .execution_options(yield_per=500))
    yield from db.session.scalars(query)


def waitlist_positions(event: Event, registration_ids: list[int]) -> dict[int, int]:
    """1-based waiting-list places of the given registrations, in the order people move up
    (``waitlist_number``, drawn under the event lock)."""
    if not registration_ids:
        return {}
    ranked = (select(Registration.id, func.row_number().over(
        order_by=Registration.waitlist_number).label("position"))
        .where(Registration.event_id == event.id, Registration.status == S.WAITLISTED)
        .subquery())
    rows = db.session.execute(select(ranked.c.id, ranked.c.position)
                              .where(ranked.c.id.in_(registration_ids)))
    return {registration_id: position for registration_id, position in rows}


def get_registration(event: Event, registration_id: int) -> Registration | None:
    """The registration if it belongs to ``event``; None for another event's."""
    return db.session.scalar(select(Registration).where(
        Registration.id == registration_id, Registration.event_id == event.id))


@dataclass(frozen=True)
class FailedMail:
    """E-mails to an event's participants that the outbox gave up on, newest first."""
    total: int
    latest: list[Row]  # Registration, to_address, kind, last_error, at


def failed_mail(event: Event, limit: int = 100) -> FailedMail:
    """What organizers need to reach those people another way: to whom, which e-mail,
    and why (the server's answer to a refusal, or to the last of many attempts)."""
    query = (select(Registration, OutboxMessage.to_address, OutboxMessage.kind,
                    OutboxMessage.last_error, OutboxMessage.updated_at.label("at"))
             .join(Registration, Registration.id == OutboxMessage.registration_id)
             .where(OutboxMessage.status == MessageStatus.FAILED,
                    Registration.event_id == event.id))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    if not total:
        return FailedMail(0, [])
    latest = db.session.execute(query.order_by(OutboxMessage.updated_at.desc(),
                                               OutboxMessage.id.desc()).limit(limit)).all()
    return FailedMail(total, list(latest))
