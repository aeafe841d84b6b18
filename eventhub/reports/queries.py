"""The reports' SQL: the events of a period, and their registrations counted per event and
participant region, organization size and role group in one GROUP BY.

Everything larger than an event is folded in Python from these per-event rows (see
``services``): a few hundred events times 18 regions, never the registrations themselves.
That keeps the SQL portable, and months exact in any time zone, which SQL could only
approximate on SQLite.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import Alias

from eventhub.attendance import people
from eventhub.attendance.models import WALK_IN, Attendance
from eventhub.attendance.people import PersonKey
from eventhub.events.models import Event, EventFormat, EventStatus
from eventhub.extensions import db
from eventhub.organizations.models import Organization, Region
from eventhub.registration.models import Registration, RegistrationStatus

S = RegistrationStatus
# Drafts never happened and cancelled events did not take place: reports leave them out.
REPORTED_STATUS = EventStatus.PUBLISHED


@dataclass(frozen=True)
class Scope:
    """Which events a report covers: published, starting in [starts_from, starts_before)."""
    starts_from: datetime  # UTC, inclusive
    starts_before: datetime  # UTC, exclusive
    organization_ids: tuple[int, ...] | None = None  # None: every organization
    event_id: int | None = None


@dataclass(frozen=True)
class EventInfo:
    id: int
    title: str
    slug: str
    organization_id: int
    format: EventFormat
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Counts:
    """One event's registrations from one region (see README, "Reports", for the terms)."""
    event_id: int
    region_code: str
    size: str  # OrganizationSize's value
    role: str  # people.ROLE_KEYS
    registered: int
    confirmed: int
    attended: int
    walk_ins: int
    confirmed_attended: int  # confirmed, registered in advance, and attended
    recorded: int  # registrations with any attendance record
    minutes: int
    returning: int  # of the attended, those who had attended an earlier event


def _where(scope: Scope) -> list:
    clauses = [Event.status == REPORTED_STATUS, Event.starts_at >= scope.starts_from,
               Event.starts_at < scope.starts_before]
    if scope.organization_ids is not None:
        clauses.append(Event.organization_id.in_(scope.organization_ids))
    if scope.event_id is not None:
        clauses.append(Event.id == scope.event_id)
    return clauses


def events(scope: Scope) -> list[EventInfo]:
    rows = db.session.execute(
        select(Event.id, Event.title, Event.slug, Event.organization_id, Event.format,
               Event.starts_at, Event.ends_at)
        .where(*_where(scope)).order_by(Event.starts_at, Event.id))
    return [EventInfo(*row) for row in rows]


def _total(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


class _TableOrder(Alias):
    """An alias that SQLite reads in table order (``NOT INDEXED``); others as usual."""
    inherit_cache = True


@compiles(_TableOrder, "sqlite")
def _not_indexed(element, compiler, **kw):
    text = compiler.visit_alias(element, **kw)
    return f"{text} NOT INDEXED" if kw.get("asfrom") else text


def _registrations(events_in_scope: int):
    """Registration, or on SQLite for a report over many events, an alias read in table order.

    SQLite has no hash join: it reads the registrations of each event through
    ix_registrations_event_status, one random page access per row. When the report covers a
    third or more of all events, one pass over the table is about three times faster
    (bench/report_bench.py). PostgreSQL's planner makes that choice itself."""
    if db.session.get_bind().dialect.name != "sqlite" or \
            events_in_scope * 3 < (db.session.scalar(select(func.count(Event.id))) or 0):
        return Registration
    return aliased(Registration, _TableOrder._construct(Registration.__table__,
                                                        name="registrations_scan"))


def counts(scope: Scope, events_in_scope: int) -> list[Counts]:
    """Registrations of the scope's events per (event, region, size, role group): one
    query. Person keys are written first (``people.assign_keys``), so that every visit of
    someone known by address is recognised."""
    people.assign_keys()
    r = _registrations(events_in_scope)
    in_advance = r.source != WALK_IN
    confirmed = and_(r.status == S.CONFIRMED, in_advance)
    attended = Attendance.attended.is_(True)
    role = func.coalesce(PersonKey.role_group, people.ROLE_UNSTATED).label("role")
    firsts = people.first_visits()
    query = (
        select(r.event_id, r.region_code, r.organization_size, role,
               _total(and_(r.status != S.EXPIRED, in_advance)), _total(confirmed),
               _total(attended), _total(and_(attended, r.source == WALK_IN)),
               _total(and_(confirmed, attended)), func.count(Attendance.registration_id),
               func.coalesce(func.sum(case((attended, func.coalesce(Attendance.minutes, 0)),
                                           else_=0)), 0),
               func.coalesce(func.sum(case((attended, people.returning_sql(firsts, r)),
                                           else_=0)), 0))
        .outerjoin(Attendance, Attendance.registration_id == r.id)
        .outerjoin(PersonKey, PersonKey.registration_id == r.id)
        .outerjoin(firsts, firsts.c.key == PersonKey.key)
        .where(r.event_id.in_(select(Event.id).where(*_where(scope))))
        .group_by(r.event_id, r.region_code, r.organization_size, role))
    return [Counts(row[0], row[1], _size(row[2]), *row[3:])
            for row in db.session.execute(query)]


def _size(value) -> str:
    return value.value if hasattr(value, "value") else str(value)


def regions() -> list[Region]:
    return list(db.session.scalars(select(Region).order_by(Region.position, Region.code)))


def organizations(ids: tuple[int, ...] | None) -> list[Organization]:
    query = select(Organization).order_by(Organization.name, Organization.id)
    if ids is not None:
        query = query.where(Organization.id.in_(ids))
    return list(db.session.scalars(query))


def visible_event_status(event_id: int,
                         organization_ids: tuple[int, ...] | None) -> EventStatus | None:
    """The event's status if it exists within ``organization_ids``; None otherwise."""
    query = select(Event.status).where(Event.id == event_id)
    if organization_ids is not None:
        query = query.where(Event.organization_id.in_(organization_ids))
    return db.session.scalar(query)
