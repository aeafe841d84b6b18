"""Recognising a person again across events, for the reports, without keeping their address.

A registration's *person key* is an HMAC-SHA-256 of its normalized e-mail address (trimmed,
lower case) with ``PERSON_KEY_SECRET`` (default: the app's ``SECRET_KEY``). Two
registrations with the same key are the same person; the key cannot be turned back into
the address without the secret. Keys are written lazily (``assign_keys``, before a report
counts and before an erasure), so that no registration path has to compute them.

A visit is a registration recorded as attended at a published event; it is a *first
visit* unless the same person attended an earlier event (by start, then by registration),
at any organization. When a person's data are erased (``forget``), their key goes with
them, but first the classification of every visit of that key is written down
(``first_visit``), and the role group of the erased registration (``role_group``): so the
figures of past periods stay as they were (``registration.erasure`` calls ``forget`` before
it blanks the data: it is registered there below). The key stays on the person's other
registrations, whose e-mail address is kept anyway.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import (
    Boolean,
    ForeignKey,
    String,
    and_,
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
    # NULL once the person's data are erased.
    key: Mapped[str | None] = mapped_column(String(64), index=True)
    # Written when the key is erased: the visit's classification and the role group then.
    first_visit: Mapped[bool | None] = mapped_column(Boolean)
    role_group: Mapped[str | None] = mapped_column(String(20))


def person_key(email: str, secret: str) -> str:
    normalized = email.strip().lower().encode("utf-8")
    return hmac.new(secret.encode("utf-8"), normalized, hashlib.sha256).hexdigest()


def _secret() -> str:
    return current_app.config.get("PERSON_KEY_SECRET") or current_app.config["SECRET_KEY"]


def assign_keys() -> int:
    """Give every registration that has an address and no key row its key; the number."""
    missing = (select(Registration.id, Registration.email)
               .outerjoin(PersonKey, PersonKey.registration_id == Registration.id)
               .where(PersonKey.registration_id.is_(None), Registration.email.is_not(None)))
    secret, written = _secret(), 0
    while rows := db.session.execute(missing.limit(KEY_BATCH)).all():
        db.session.execute(insert(PersonKey.__table__), [
            {"registration_id": i, "key": person_key(email, secret)} for i, email in rows])
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
    ("representative", ("betriebsrat", "personalrat", "mitarbeitervertretung",
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


def role_group_of(job_role: str | None) -> str:
    """The group of a role as the SQL below finds it (for freezing and for tests)."""
    text = (job_role or "").strip().lower()
    if not text:
        return ROLE_UNSTATED
    padded = text + " "
    for name, words in ROLE_GROUPS:
        if any(word in padded for word in words):
            return name
    return ROLE_OTHER


def role_group_sql(registration=Registration, keys=PersonKey):
    """The role group of a registration as SQL: the frozen one, or the one its role says."""
    role = func.lower(func.coalesce(registration.job_role, ""), type_=String()).concat(" ")
    whens = [(or_(*(role.like(f"%{word}%") for word in words)), name)
             for name, words in ROLE_GROUPS]
    found = case((func.trim(func.coalesce(registration.job_role, "")) == "", ROLE_UNSTATED),
                 *whens, else_=ROLE_OTHER)
    return func.coalesce(keys.role_group, found)


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
    for registration in registrations:
        _drop_key(registration)
    db.session.flush()


def _drop_key(registration: Registration) -> None:
    role = role_group_of(registration.job_role)
    found = db.session.get(PersonKey, registration.id)
    if found is None:
        db.session.add(PersonKey(registration_id=registration.id, key=None, role_group=role))
    else:
        found.key, found.role_group = None, found.role_group or role




erasure.register_before_erase(forget)
