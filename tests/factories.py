"""Factories with sensible defaults: ``make.event(title=...)``."""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from werkzeug.security import generate_password_hash

from eventhub import timeutil
from eventhub.auth.models import Role, User
from eventhub.events.models import AgendaItem, Event, EventFormat, EventStatus, Speaker
from eventhub.extensions import db
from eventhub.mail import OutboxMessage
from eventhub.organizations.models import Organization
from eventhub.registration.models import Registration

PASSWORD = "correct-horse-battery"
# Cheap hash for tests only; production uses werkzeug's default (scrypt).
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
_seq = itertools.count(1)


def berlin(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return timeutil.from_local(datetime(year, month, day, hour, minute), "Europe/Berlin")


@contextmanager
def committed_event(app, slug: str, starts_at: datetime, *,
                    populate: Callable[[Event], None] | None = None,
                    **fields) -> Iterator[int]:
    """A published one-hour webinar of an organization of its own, committed for real so
    that other threads and processes see it (``populate(event)`` adds rows before the
    commit); removed afterwards with its registrations and their mail. Yields its id."""
    with app.app_context():
        organization = Organization(slug=slug, name=slug, short_name=slug[:10],
                                    region_code="DE-SN")
        event = Event(organization=organization, slug=slug, format=EventFormat.WEBINAR,
                      status=EventStatus.PUBLISHED, starts_at=starts_at,
                      ends_at=starts_at + timedelta(hours=1), **fields)
        db.session.add(event)
        db.session.flush()
        if populate is not None:
            populate(event)
        db.session.commit()
        event_id = event.id
    try:
        yield event_id
    finally:
        with app.app_context():
            ids = select(Registration.id).where(Registration.event_id == event_id)
            db.session.execute(delete(OutboxMessage)
                               .where(OutboxMessage.registration_id.in_(ids)))
            db.session.execute(delete(Event).where(Event.id == event_id))
            db.session.execute(delete(Organization).where(Organization.slug == slug))
            db.session.commit()


class Factory:
    def __init__(self, session) -> None:
        self.session = session

    def _save(self, obj):
        self.session.add(obj)
        self.session.flush()
        return obj

    def organization(self, **kw) -> Organization:
        n = next(_seq)
        kw.setdefault("slug", f"centre-{n}")
        kw.setdefault("name", f"Zukunftszentrum {n}")
        kw.setdefault("short_name", f"ZZ {n}")
        kw.setdefault("region_code", "DE-SN")
        return self._save(Organization(**kw))

    def user(self, **kw) -> User:
        n = next(_seq)
        kw.setdefault("email", f"user{n}@example.org")
        kw.setdefault("name", f"User {n}")
        kw.setdefault("role", Role.ORGANIZER)
        if kw["role"] is Role.ORGANIZER and "organization" not in kw:
            kw["organization"] = self.organization()
        user = User(password_hash=_PASSWORD_HASH, **kw)
        return self._save(user)

    def event(self, **kw) -> Event:
        n = next(_seq)
        start = kw.pop("starts_at", timeutil.utcnow().replace(microsecond=0, second=0)
                       + timedelta(days=30))
        kw.setdefault("ends_at", start + timedelta(hours=2))
        kw.setdefault("title", f"Veranstaltung {n}")
        kw.setdefault("slug", f"veranstaltung-{n}")
        kw.setdefault("format", EventFormat.ONLINE_TALK)
        kw.setdefault("status", EventStatus.PUBLISHED)
        if kw["status"] is not EventStatus.DRAFT:  # public: published (cancelled later)
            kw.setdefault("published_at", start - timedelta(days=30))
        kw.setdefault("timezone", "Europe/Berlin")
        if "organization" not in kw and "organization_id" not in kw:
            kw["organization"] = self.organization()
        return self._save(Event(starts_at=start, **kw))

    def agenda_item(self, event: Event, **kw) -> AgendaItem:
        kw.setdefault("title", f"Programmpunkt {next(_seq)}")
        kw.setdefault("starts_at", event.starts_at)
        kw.setdefault("ends_at", kw["starts_at"] + timedelta(minutes=30))
        kw.setdefault("position", len(event.agenda_items))
        item = AgendaItem(**kw)
        event.agenda_items.append(item)
        self.session.flush()
        return item

    def speaker(self, event: Event, **kw) -> Speaker:
        kw.setdefault("name", f"Referentin {next(_seq)}")
        kw.setdefault("region_code", "DE-SN")
        kw.setdefault("position", len(event.speakers))
        speaker = Speaker(**kw)
        event.speakers.append(speaker)
        self.session.flush()
        return speaker
