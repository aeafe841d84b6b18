"""Queries for the check-in list and the imports."""
from __future__ import annotations

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import case, func, or_, select

from eventhub.attendance.models import Attendance, AttendanceImport
from eventhub.db import contains_folded, for_update
from eventhub.events.models import Event
from eventhub.extensions import db
from eventhub.registration.models import Registration, RegistrationStatus

PER_PAGE = 100
MAX_SEARCH_WORDS = 6
SEARCH_COLUMNS = (Registration.first_name, Registration.last_name, Registration.email,
                  Registration.organization_name)


@dataclass(frozen=True)
class Counts:
    confirmed: int
    attended: int
    absent: int

    @property
    def open(self) -> int:
        return self.confirmed - self.attended - self.absent


def _confirmed(event: Event):
    return select(Registration).where(Registration.event_id == event.id,
                                      Registration.status == RegistrationStatus.CONFIRMED)


def page(event: Event, search: str, number: int, per_page: int = PER_PAGE) -> Pagination:
    """Confirmed registrations (walk-ins included) by name; every search word must occur in
    the first or last name, the e-mail address or the organization (case-insensitive in
    any alphabet, as in the registrations list: ``db.contains_folded``)."""
    query = _confirmed(event)
    for word in search.split()[:MAX_SEARCH_WORDS]:
        query = query.where(or_(*(contains_folded(column, word) for column in SEARCH_COLUMNS)))
    query = query.order_by(func.lower(Registration.last_name), func.lower(
        Registration.first_name), Registration.id)
    return db.paginate(query, page=max(number, 1), per_page=per_page, error_out=False)


def attendance_by_registration(registration_ids: list[int]) -> dict[int, Attendance]:
    if not registration_ids:
        return {}
    rows = db.session.scalars(select(Attendance)
                              .where(Attendance.registration_id.in_(registration_ids))
                              .execution_options(populate_existing=True))
    return {a.registration_id: a for a in rows}


def counts(event: Event) -> Counts:
    confirmed = _confirmed(event).subquery()
    total, attended, absent = db.session.execute(
        select(func.count(confirmed.c.id),
               func.coalesce(func.sum(case((Attendance.attended.is_(True), 1), else_=0)), 0),
               func.coalesce(func.sum(case((Attendance.attended.is_(False), 1), else_=0)), 0))
        .select_from(confirmed)
        .outerjoin(Attendance, Attendance.registration_id == confirmed.c.id)).one()
    return Counts(confirmed=total, attended=attended, absent=absent)


def import_content(import_id: int) -> bytes | None:
    """The uploaded file (a deferred column: lists of imports do not load it)."""
    return db.session.scalar(select(AttendanceImport.content)
                             .where(AttendanceImport.id == import_id))


def locked_import(import_id: int) -> AttendanceImport:
    """The import, read again under a row lock: applying it and changing its columns wait
    for each other (SQLite serialises writers anyway: every transaction begins IMMEDIATE)."""
    query = (select(AttendanceImport).where(AttendanceImport.id == import_id)
             .execution_options(populate_existing=True))
    return db.session.scalar(for_update(query, db.session))
