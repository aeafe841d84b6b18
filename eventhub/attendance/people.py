"""Recognising a person again across events, for the reports, without keeping their address.

A registration's *person key* is an HMAC-SHA-256 of its normalized e-mail address (trimmed,
lower case) with ``PERSON_KEY_SECRET`` (default: the app's ``SECRET_KEY``). Two
registrations with the same key are the same person; the key cannot be turned back into
the address without the secret. Beside it, each registration's *role group* (the free-text
role grouped by its words, ``ROLE_GROUPS``), so that a report reads one short column
instead of matching words in every row. Both are written lazily (``assign_keys``, before a
report counts and before an erasure) for registrations without a row, and again for those
changed since (``Registration.updated_at`` other than the ``registration_updated_at`` it
was written from), so that no registration path has to compute them.

A visit is a registration recorded as attended at a published event; it is a *first
visit* unless the same person attended an earlier event (by start, then by registration),
at any organization. When a person's data are erased (``forget``), their key goes with
them, but first the classification of every visit of that key is written down
(``first_visit``); the erased registration's role group stays (it is not refreshed after
the erasure). So the figures of past periods stay as they were. ``registration.erasure``
calls ``forget`` before it blanks the data (it is registered there, below). The key stays
on the person's other registrations, whose e-mail address is kept anyway.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from flask import current_app
from sqlalchemy import (
    Boolean,
    ForeignKey,
    String,
    and_,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from eventhub.attendance.models import Attendance
from eventhub.db import UTCDateTime
from eventhub.events.models import Event, EventStatus
from eventhub.extensions import db
from eventhub.registration import erasure
from eventhub.registration.models import Registration

KEY_BATCH = 5000
ANALYZE_AFTER = 1000  # keys written at once after which PostgreSQL's statistics are renewed


class PersonKey(db.Model):
    __tablename__ = "person_keys"

    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True)
    # NULL without an address, and once the person's data are erased.
    key: Mapped[str | None] = mapped_column(String(64), index=True)
    # Written when the key is erased: whether this visit was the person's first.
    first_visit: Mapped[bool | None] = mapped_column(Boolean)
    role_group: Mapped[str] = mapped_column(String(20), nullable=False)
    # The registration's updated_at when this row was written: a later change rewrites it.
    registration_updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


def person_key(email: str, secret: str) -> str:
    normalized = email.strip().lower().encode("utf-8")
    return hmac.new(secret.encode("utf-8"), normalized, hashlib.sha256).hexdigest()


def _secret() -> str:
    return current_app.config.get("PERSON_KEY_SECRET") or current_app.config["SECRET_KEY"]


_REWRITE = (update(PersonKey.__table__)
            .where(PersonKey.__table__.c.registration_id == bindparam("id"))
            .values(key=bindparam("key"), role_group=bindparam("role_group"),
                    registration_updated_at=bindparam("registration_updated_at")))


def assign_keys() -> int:
    """Write the key and role group of every registration that has no row, or has changed
    since its row was written (and is not erased); the number written."""
    pending = (select(Registration.id, Registration.email, Registration.job_role,
                      PersonKey.registration_id, Registration.updated_at)
               .outerjoin(PersonKey, PersonKey.registration_id == Registration.id)
               .where(or_(PersonKey.registration_id.is_(None),
                          and_(Registration.updated_at != PersonKey.registration_updated_at,
                               Registration.erased_at.is_(None)))))
    secret, written = _secret(), 0
    while rows := db.session.execute(pending.limit(KEY_BATCH)).all():
        values = [{"registration_id": i, "key": person_key(email, secret) if email else None,
                   "role_group": role_group_of(role), "registration_updated_at": updated}
                  for i, email, role, _known, updated in rows]
        new = [v for v, row in zip(values, rows, strict=True) if row[3] is None]
        changed = [{**v, "id": v["registration_id"]}
                   for v, row in zip(values, rows, strict=True) if row[3] is not None]
        if new:
            db.session.execute(insert(PersonKey.__table__), new)
        if changed:
            db.session.execute(_REWRITE, changed)
        written += len(rows)
    if written >= ANALYZE_AFTER and db.session.get_bind().dialect.name == "postgresql":
        # Until autovacuum comes by, the planner takes the table for nearly empty and
        # joins it in nested loops: the first report after a bulk load took seconds.
        db.session.execute(text("ANALYZE person_keys"))
    return written


# --- roles ------------------------------------------------------------------------------
# The registration form asks for the role as free text; the reports group it by words it
# contains (first match wins; German and English). Nothing else is inferred from it.
ROLE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("representative", ("betriebsrat", "betriebsrät", "personalrat", "personalrät",
                        "mitarbeitervertretung",
                        "works council", "gewerkschaft")),
    ("hr", ("personal", "human resources", "weiterbild", "ausbild", "training", "hr-",
            "hr ")),
    ("management", ("inhaber", "geschäftsf", "geschaeftsf", "gründer", "gruender",
                    "unternehmer", "vorstand", "leiter", "leitung", "owner", "founder",
                    "ceo", "director", "direktor", "manager", "chef", "head of",
                    "selbstständig", "selbständig", "freiberuf", "freelanc")),
    ("employee", ("mitarbeit", "angestellt", "beschäftigt", "referent", "sachbearb",
                  "fachkraft", "assistenz", "assistant", "employee", "staff", "entwickl",
                  "developer", "berater", "consultant", "ingenieur", "engineer",
                  "projekt", "project")),
)
ROLE_OTHER, ROLE_UNSTATED = "other", "unstated"
ROLE_KEYS = (*(name for name, _ in ROLE_GROUPS), ROLE_OTHER, ROLE_UNSTATED)


@lru_cache(maxsize=4096)  # roles repeat: "Geschäftsführerin", "Inhaber", …
def role_group_of(job_role: str | None) -> str:
    text = (job_role or "").strip().lower()
    if not text:
        return ROLE_UNSTATED
    padded = text + " "
    for name, words in ROLE_GROUPS:
        if any(word in padded for word in words):
            return name
    return ROLE_OTHER


# --- visits -----------------------------------------------------------------------------

def first_visits():
    """SQL: each key's first visit, ``(key, registration_id)``: the earliest start, then the
    lowest registration id. Joined by key, which both databases do with a hash (PostgreSQL)
    or an automatic index (SQLite), whatever the number of registrations."""
    visits = (select(PersonKey.key, Event.starts_at, Registration.id.label("registration_id"))
              .join(Registration, Registration.id == PersonKey.registration_id)
              .join(Event, Event.id == Registration.event_id)
              .join(Attendance, Attendance.registration_id == Registration.id)
              .where(PersonKey.key.is_not(None), Attendance.attended.is_(True),
                     Event.status == EventStatus.PUBLISHED)
              .cte("visits"))
    earliest = (select(visits.c.key, func.min(visits.c.starts_at).label("starts_at"))
                .group_by(visits.c.key).cte("earliest"))
    return (select(visits.c.key, func.min(visits.c.registration_id).label("registration_id"))
            .join(earliest, and_(earliest.c.key == visits.c.key,
                                 earliest.c.starts_at == visits.c.starts_at))
            .group_by(visits.c.key).subquery("first_visits"))


def returning_sql(firsts, registration=Registration, keys=PersonKey):
    """1 for a visit by someone who had attended before, else 0: the value written down
    when the key was erased, else whether it is not the key's first visit (``firsts``:
    ``first_visits()``, outer-joined on the key). Meant for attended rows."""
    return case((keys.first_visit.is_not(None), case((keys.first_visit, 0), else_=1)),
                (keys.key.is_(None), 0),
                (firsts.c.registration_id != registration.id, 1), else_=0)


def forget(registrations: Iterable[Registration]) -> None:
    """Before the people's data go: write down what their keys decided, then drop the keys.

    Every visit of the same keys is classified as of now (first or returning) and keeps
    that; each given registration keeps the role group its role gave."""
    registrations = list(registrations)
    db.session.flush()
    assign_keys()
    ids = [r.id for r in registrations]
    keys = set(db.session.scalars(select(PersonKey.key).where(
        PersonKey.registration_id.in_(ids), PersonKey.key.is_not(None))))
    if keys:
        firsts = first_visits()
        decided = db.session.execute(
            select(PersonKey.registration_id, returning_sql(firsts))
            .join(firsts, firsts.c.key == PersonKey.key)
            .join(Registration, Registration.id == PersonKey.registration_id)
            .join(Event, Event.id == Registration.event_id)
            .join(Attendance, Attendance.registration_id == Registration.id)
            .where(PersonKey.key.in_(keys), PersonKey.first_visit.is_(None),
                   Attendance.attended.is_(True), Event.status == EventStatus.PUBLISHED)).all()
        for registration_id, returning in decided:
            db.session.execute(update(PersonKey).where(
                PersonKey.registration_id == registration_id).values(first_visit=not returning))
    db.session.execute(update(PersonKey.__table__).where(
        PersonKey.registration_id.in_(ids)).values(key=None))
    db.session.flush()


erasure.register_before_erase(forget)
