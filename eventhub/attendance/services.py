"""Attendance rules: the join link's window, check-in, walk-ins, and merging the sources.

Every write goes through ``record``: one INSERT … ON CONFLICT DO UPDATE for any number of
registrations, so concurrent clicks on join links, two organizers at the check-in and an
import never lose each other's updates. A source changes ``attended`` only if its rank is at
least that of the source that decided it so far (``models.SOURCE_RANK``); minutes and the
first and last time seen are merged whatever the rank.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from eventhub import audit, webhooks
from eventhub.attendance.models import SOURCE_RANK, WALK_IN, Attendance, AttendanceSource
from eventhub.auth.models import User
from eventhub.errors import RuleViolation
from eventhub.events.models import Event, EventStatus
from eventhub.extensions import db
from eventhub.organizations import regions
from eventhub.organizations.models import NOT_STATED
from eventhub.registration.models import OrganizationSize, Registration, RegistrationStatus

S = RegistrationStatus
# Registration requires an organization size and has no "not stated" one yet, so walk-ins get
# the most common class until it has; then this should become that value.
WALK_IN_SIZE = OrganizationSize.UNSTATED
BATCH = 500  # rows per statement: 10 parameters each, SQLite allows 32,766


@dataclass(frozen=True)
class Mark:
    """What one source says about one registration."""
    registration_id: int
    attended: bool
    minutes: int | None = None
    first_seen_at: datetime | None = None
    last_seen_at: datetime | None = None


@dataclass(frozen=True)
class WalkIn:
    first_name: str
    last_name: str
    email: str = ""
    region_code: str = NOT_STATED


# --- merging ---------------------------------------------------------------------------

def record(marks: Iterable[Mark], source: AttendanceSource, now: datetime, *,
           actor_id: int | None = None, import_id: int | None = None) -> int:
    """Insert or merge the marks (see the module's docstring); returns how many."""
    rows = [{"registration_id": m.registration_id, "attended": m.attended,
             "minutes": m.minutes, "first_seen_at": m.first_seen_at,
             "last_seen_at": m.last_seen_at, "source": source, "import_id": import_id,
             "recorded_by_id": actor_id, "created_at": now, "updated_at": now}
            for m in marks]
    for start in range(0, len(rows), BATCH):  # stay below the databases' parameter limits
        db.session.execute(_upsert(rows[start:start + BATCH], source))
    _report([row["registration_id"] for row in rows], now)
    return len(rows)


def _report(registration_ids: list[int], now: datetime) -> None:
    """The webhook ``attendance.recorded``, one per event, naming the registrations."""
    by_event: dict[int, list[int]] = {}
    for start in range(0, len(registration_ids), BATCH):
        for registration_id, event_id in db.session.execute(
                select(Registration.id, Registration.event_id)
                .where(Registration.id.in_(registration_ids[start:start + BATCH]))):
            by_event.setdefault(event_id, []).append(registration_id)
    for event_id, ids in by_event.items():
        webhooks.emit("attendance.recorded", event_id, now, [{"registration_ids": sorted(ids)}])


def _upsert(rows: list[dict], source: AttendanceSource):
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(Attendance).values(rows)
    new, old = insert.excluded, Attendance.__table__.c
    decides = case({s: rank for s, rank in SOURCE_RANK.items()}, value=old.source) \
        <= SOURCE_RANK[source]
    return insert.on_conflict_do_update(index_elements=[old.registration_id], set_={
        "attended": case((decides, new.attended), else_=old.attended),
        "source": case((decides, new.source), else_=old.source),
        "recorded_by_id": case((decides, new.recorded_by_id), else_=old.recorded_by_id),
        "minutes": func.coalesce(new.minutes, old.minutes),
        "import_id": func.coalesce(new.import_id, old.import_id),
        "first_seen_at": _pick(new.first_seen_at, old.first_seen_at, later=False),
        "last_seen_at": _pick(new.last_seen_at, old.last_seen_at, later=True),
        "updated_at": new.updated_at,
    })


def _pick(new, old, *, later: bool):
    """The earlier (or later) of two instants; NULL never wins (a portable LEAST/GREATEST)."""
    better = new > old if later else new < old
    return case((new.is_(None), old), (old.is_(None), new), (better, new), else_=old)


def attendance_of(registration_id: int) -> Attendance | None:
    return db.session.scalar(select(Attendance)
                             .where(Attendance.registration_id == registration_id)
                             .execution_options(populate_existing=True))


# --- the personal join link ------------------------------------------------------------

def join_window(event: Event) -> tuple[datetime, datetime]:
    config = current_app.config
    return (event.starts_at - timedelta(minutes=config["ATTENDANCE_WINDOW_BEFORE_START_MINUTES"]),
            event.ends_at + timedelta(minutes=config["ATTENDANCE_WINDOW_AFTER_END_MINUTES"]))


def join_refusal(registration: Registration) -> str | None:
    """Why the link does not lead to the meeting (a reason for the page), or None."""
    event = registration.event
    if event.status is EventStatus.CANCELLED:
        return "event_cancelled"
    if registration.status in (S.CANCELLED, S.EXPIRED):
        return "cancelled"
    if registration.status is not S.CONFIRMED:
        return "not_confirmed"
    if event.status is not EventStatus.PUBLISHED or not event.join_url:
        return "no_link"
    return None


def record_join(registration: Registration, now: datetime) -> bool:
    """Note a use of the join link if it falls in the window; True if noted."""
    opens, closes = join_window(registration.event)
    if not opens <= now <= closes:
        return False
    record([Mark(registration.id, True, first_seen_at=now, last_seen_at=now)],
           AttendanceSource.JOIN_LINK, now)
    return True


# --- after the retention purge ------------------------------------------------------------

def ensure_personal_data_kept(event: Event, field: str | None = None) -> None:
    """Once the retention purge has deleted an event's personal data, nothing about people
    is recorded for it any more: no check-in, no walk-in, no imported report."""
    if event.personal_data_erased_at is not None:
        raise RuleViolation(_l("The personal data of this event has been deleted (retention "
                               "period): attendance can no longer be recorded."), field)


# --- check-in --------------------------------------------------------------------------

def checkable_ids(event: Event, registration_ids: Iterable[int]) -> list[int]:
    """Those of the ids that are confirmed registrations (walk-ins included) of ``event``."""
    wanted = sorted({int(i) for i in registration_ids})[:5000]
    if not wanted:
        return []
    return list(db.session.scalars(select(Registration.id).where(
        Registration.event_id == event.id, Registration.status == S.CONFIRMED,
        Registration.id.in_(wanted))))


def check_in(event: Event, registration_ids: Iterable[int], attended: bool, actor: User,
             now: datetime) -> int:
    """Mark the registrations attended (or no-show); returns how many were marked."""
    ensure_personal_data_kept(event)
    ids = checkable_ids(event, registration_ids)
    marked = record([Mark(i, attended) for i in ids], AttendanceSource.CHECK_IN, now,
                    actor_id=actor.id)
    for registration_id in ids:
        audit.record(actor, "registration.check_in", now, event=event,
                     target=("registration", registration_id),
                     details={"attended": attended})
    return marked


def check_in_walk_in(event: Event, person: WalkIn, actor: User, now: datetime) -> Registration:
    registration = add_walk_in(event, person, now)
    record([Mark(registration.id, True)], AttendanceSource.CHECK_IN, now, actor_id=actor.id)
    audit.record(actor, "registration.check_in", now, event=event,
                 target=("registration", registration.id),
                 details={"attended": True, "walk_in": True})
    return registration


# --- walk-ins --------------------------------------------------------------------------

def add_walk_in(event: Event, person: WalkIn, now: datetime) -> Registration:
    """A confirmed registration for someone who attended without registering.

    No e-mail is sent: the person never asked for one."""
    ensure_personal_data_kept(event)
    email = person.email.strip().lower() or None
    if not regions.exists(person.region_code):
        raise RuleViolation(_l("Choose a region from the list."), "region_code")
    if email and db.session.scalar(select(Registration.id).where(
            Registration.event_id == event.id, Registration.email == email)):
        raise RuleViolation(_l("This e-mail address is registered for this event already: "
                               "mark the registration in the list instead."), "email")
    registration = Registration(
        event_id=event.id, status=S.CONFIRMED, source=WALK_IN, email=email,
        first_name=person.first_name.strip()[:100], last_name=person.last_name.strip()[:100],
        organization_size=WALK_IN_SIZE, region_code=person.region_code, language="de",
        confirmed_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError:  # the same address was added a moment ago
        raise RuleViolation(_l("This e-mail address is registered for this event already: "
                               "mark the registration in the list instead."), "email") from None
    return registration


def split_name(name: str) -> tuple[str, str]:
    """First and last name from a display name; a trailing "(Guest)" is dropped."""
    words = (re.sub(r"\s*\([^()]*\)\s*$", "", name).strip() or name).split()
    if len(words) < 2:
        return "", " ".join(words)
    return " ".join(words[:-1]), words[-1]
