"""Capacity under real concurrency: threads with their own sessions and real commits.

Runs on SQLite (the test file database) and on PostgreSQL when
EVENTHUB_TEST_DATABASE_URL is set. Nothing here is mocked.
"""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from eventhub.extensions import db
from eventhub.mail import OutboxMessage
from eventhub.registration import services
from eventhub.registration.models import Registration, RegistrationStatus
from eventhub.timeutil import utcnow
from tests.registration.helpers import PLACES, applicant, in_parallel, registrations_of

pytestmark = pytest.mark.concurrency
PEOPLE = 50


def _in_parallel(app, jobs) -> list[BaseException]:
    """Run each job, then COMMIT, in its own thread and app context, all at once; the
    exceptions raised."""
    def committed(job):
        def run():
            job()
            db.session.commit()
        return run

    return [r for r in in_parallel(app, [committed(job) for job in jobs])
            if isinstance(r, BaseException)]


def _register_job(event_id, person):
    return lambda: services.register(event_id, person, utcnow())


def test_fifty_at_once_for_ten_places_then_parallel_cancellations(app, committed_event):
    people = [applicant() for _ in range(PEOPLE)]
    errors = _in_parallel(app, [_register_job(committed_event, p) for p in people])
    assert errors == []
    rows = registrations_of(app, committed_event)
    counts = Counter(r.status for r in rows)
    assert len(rows) == PEOPLE
    assert counts[RegistrationStatus.CONFIRMED] == PLACES
    assert counts[RegistrationStatus.WAITLISTED] == PEOPLE - PLACES
    waitlist = sorted((r for r in rows if r.status is RegistrationStatus.WAITLISTED),
                      key=lambda r: r.waitlist_number)
    # Consistent order: numbers 1..40 without gaps or repeats, drawn in the order the
    # requests reached the event lock (row ids are drawn earlier, before the lock, so they
    # need not follow it); promotion below follows these numbers.
    assert [r.waitlist_number for r in waitlist] == list(range(1, PEOPLE - PLACES + 1))

    holders = [r for r in rows if r.status is RegistrationStatus.CONFIRMED][:5]
    _cancel_in_parallel(app, holders)
    after = {r.id: r.status for r in registrations_of(app, committed_event)}
    assert Counter(after.values()) == {RegistrationStatus.CONFIRMED: PLACES,
                                       RegistrationStatus.CANCELLED: 5,
                                       RegistrationStatus.WAITLISTED: PEOPLE - PLACES - 5}
    assert [after[r.id] for r in waitlist[:5]] == [RegistrationStatus.CONFIRMED] * 5
    assert all(after[r.id] is RegistrationStatus.WAITLISTED for r in waitlist[5:])


def _cancel_in_parallel(app, registrations):
    def job(registration_id):
        return lambda: services.cancel(db.session.get(Registration, registration_id), utcnow())
    errors = _in_parallel(app, [job(r.id) for r in registrations])
    assert errors == []


def test_same_address_twenty_times_at_once_gives_one_registration(app, committed_event):
    person = applicant(email="same@example.org")
    errors = _in_parallel(app, [_register_job(committed_event, person) for _ in range(20)])
    assert errors == []  # the event lock orders them: the first registers, the rest find it
    rows = registrations_of(app, committed_event)
    assert len(rows) == 1


def _messages(app, event_id) -> dict[str, list[str]]:
    """Each registered address with the kinds of mail queued for it, in order."""
    with app.app_context():
        rows = db.session.execute(
            select(Registration.email, OutboxMessage.kind)
            .join(OutboxMessage, OutboxMessage.registration_id == Registration.id)
            .where(Registration.event_id == event_id).order_by(OutboxMessage.id)).all()
    messages: dict[str, list[str]] = {}
    for email, kind in rows:
        messages.setdefault(email, []).append(kind)
    return messages


def test_the_same_address_registered_at_the_same_moment_is_stored_once(
        app, committed_event, monkeypatch):
    """A double click: the second request's INSERT meets the first one's row (on
    PostgreSQL it waits for that commit) and writes nothing; only then is the address
    looked up, and the request answers like a duplicate."""
    person = applicant()
    with app.app_context():
        services.register(committed_event, person, utcnow())
        db.session.commit()
    real_find = services._find
    lookups = []

    def find(event, email, **kwargs):
        lookups.append(email)
        return real_find(event, email, **kwargs)

    monkeypatch.setattr(services, "_find", find)
    with app.app_context():
        outcome = services.register(committed_event, person, utcnow())
        db.session.commit()
        assert not outcome.created
    assert lookups == [person.email]
    assert [r.email for r in registrations_of(app, committed_event)] == [person.email]
    assert _messages(app, committed_event) == {
        person.email: ["registration_confirmed", "registration_existing"]}


def test_double_clicks_in_parallel_store_each_address_once(app, committed_event):
    people = [applicant() for _ in range(8)]
    errors = _in_parallel(app, [_register_job(committed_event, p) for p in people * 3])
    assert errors == []
    rows = registrations_of(app, committed_event)
    assert sorted(r.email for r in rows) == sorted(p.email for p in people)
    assert all(r.status is RegistrationStatus.CONFIRMED for r in rows)
    for kinds in _messages(app, committed_event).values():
        assert sorted(kinds) == ["registration_confirmed", "registration_existing",
                                 "registration_existing"]
