"""The reports' SQL: the events of a period, and their registrations added up in one query
into a few parts: per event and participant region, per event and organization size, per
event and role group, per region and size, per region and role group (``PARTS``).

Everything larger than an event is folded in Python from these per-event parts (see
``services``): a few hundred events times 18 regions, never the registrations themselves.
That keeps months exact in any time zone, which SQL could only approximate on SQLite. Which
events count for the no-show rate is decided here, in SQL, because the parts per region
are no longer per event.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, and_, case, cast, func, null, select, tuple_, union_all
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


# The parts the registrations are added up into, by the keys they are grouped by. No table
# of the report groups by size and role at once, so neither does any part.
KEYS = ("event_id", "region_code", "size", "role")
PARTS = (("event_id", "region_code"), ("event_id", "size"), ("event_id", "role"),
         ("region_code", "size"), ("region_code", "role"))
# GROUPING SETS add up every part in one pass over the registrations. SQLite has none: there
# the registrations are added up per event, region, size and role group first (about a third
# as many rows), and each part from those sums (tests run PostgreSQL both ways).
GROUPING_SETS_DIALECTS = frozenset({"postgresql"})


@dataclass(frozen=True, slots=True)
class Counts:
    """One part's registrations (see README, "Reports", for the terms); the keys the part
    is not grouped by are None."""
    event_id: int | None
    region_code: str | None
    size: str | None  # OrganizationSize's value
    role: str | None  # people.ROLE_KEYS
    registered: int
    confirmed: int
    attended: int
    walk_ins: int
    expected: int  # confirmed at events over with any attendance record: the no-show base
    no_shows: int  # of those expected, not recorded as attended
    minutes: int
    returning: int  # of the attended, those who had attended an earlier event

    @property
    def part(self) -> tuple[str, ...]:
        return tuple(key for key in KEYS if getattr(self, key) is not None)


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


def _count(condition):
    return case((condition, 1), else_=0)


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


def _judged(scope: Scope, now: datetime):
    """The scope's events whose confirmed registrations can be no-shows: over, with any
    attendance record."""
    r2, a2 = Registration.__table__.alias("r2"), Attendance.__table__.alias("a2")
    recorded = (select(a2.c.registration_id)
                .select_from(r2.join(a2, a2.c.registration_id == r2.c.id))
                .where(r2.c.event_id == Event.id).exists())
    return select(Event.id).where(*_where(scope), Event.ends_at <= now, recorded).cte("judged")


def _per_registration(scope: Scope, now: datetime, events_in_scope: int):
    """The keys and the measures (0/1, or minutes) of each registration of the scope, and
    the joins and conditions they are read from."""
    r = _registrations(events_in_scope)
    in_advance = r.source != WALK_IN
    confirmed = and_(r.status == S.CONFIRMED, in_advance)
    attended = Attendance.attended.is_(True)
    judged = _judged(scope, now)  # a CTE: decided once, though read in two sums
    expected = and_(confirmed, r.event_id.in_(select(judged.c.id)))
    firsts = people.first_visits()
    keys = {"event_id": r.event_id, "region_code": r.region_code,
            "size": r.organization_size,
            "role": func.coalesce(PersonKey.role_group, people.ROLE_UNSTATED)}
    measures = {
        "registered": _count(and_(r.status != S.EXPIRED, in_advance)),
        "confirmed": _count(confirmed),
        "attended": _count(attended),
        "walk_ins": _count(and_(attended, r.source == WALK_IN)),
        "expected": _count(expected),
        "no_shows": _count(and_(expected, Attendance.attended.is_not(True))),
        "minutes": case((attended, func.coalesce(Attendance.minutes, 0)), else_=0),
        "returning": case((attended, people.returning_sql(firsts, r)), else_=0),
    }
    query = (select().select_from(r)
             .outerjoin(Attendance, Attendance.registration_id == r.id)
             .outerjoin(PersonKey, PersonKey.registration_id == r.id)
             .outerjoin(firsts, firsts.c.key == PersonKey.key)
             .where(r.event_id.in_(select(Event.id).where(*_where(scope)))))
    return keys, measures, query


def _sums(measures: dict, of_sums: bool = False) -> list:
    # Labelled apart from the measures' names: "returning" is a keyword in SQLite. A sum of
    # sums is numeric on PostgreSQL (Decimal in Python): cast back to an integer.
    return [(cast(func.sum(value), BigInteger) if of_sums else func.sum(value))
            .label(f"sum_{name}") for name, value in measures.items()]


def _grouping_sets(keys: dict, measures: dict, query):
    sets = [tuple_(*(keys[k] for k in part)) for part in PARTS]
    return (query.add_columns(*(keys[k].label(k) for k in KEYS), *_sums(measures))
            .group_by(func.grouping_sets(*sets)))


def _union_of_parts(keys: dict, measures: dict, query):
    fine = (query.add_columns(*(keys[k].label(k) for k in KEYS), *_sums(measures))
            .group_by(*keys.values()).cte("fine"))
    return union_all(*(
        select(*(fine.c[k] if k in part else null().label(k) for k in KEYS),
               *_sums({n: fine.c[f"sum_{n}"] for n in measures}, of_sums=True))
        .group_by(*(fine.c[k] for k in part)) for part in PARTS))


def counts(scope: Scope, events_in_scope: int, now: datetime) -> list[Counts]:
    """The registrations of the scope's events added up per part (``PARTS``): one query,
    with GROUPING SETS where the database has them. Person keys are written first
    (``people.assign_keys``), so that every visit of someone known by address is
    recognised."""
    people.assign_keys()
    sets = db.session.get_bind().dialect.name in GROUPING_SETS_DIALECTS
    query = (_grouping_sets if sets else _union_of_parts)(
        *_per_registration(scope, now, events_in_scope))
    return [Counts(row[0], row[1], None if row[2] is None else _size(row[2]), *row[3:])
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
