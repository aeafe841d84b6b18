"""Invitations of a reminder batch (``invites.InviteBatch``): each distinct file is built
once, yet every person's stored invitation has their own SEQUENCE (one higher than the last
one sent to them) and their language, byte for byte what a single ``attach`` writes."""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from eventhub.calendar import ical, invites
from eventhub.calendar.models import CalendarInvite
from eventhub.mail import OutboxMessage
from eventhub.registration import services
from eventhub.reminders import dispatch
from tests.reminders.conftest import hours


def _reminder_invites(session) -> dict[str, CalendarInvite]:
    session.expire_all()
    return {to: invite for to, invite in session.execute(
        select(OutboxMessage.to_address, CalendarInvite)
        .join(CalendarInvite, CalendarInvite.outbox_message_id == OutboxMessage.id)
        .where(OutboxMessage.kind == "reminder"))}


@pytest.fixture()
def builds(monkeypatch):
    """Counts the files really built, by language and SEQUENCE."""
    counted, original = Counter(), ical.build_personal

    def build_personal(event, settings, personal, **kw):
        counted[(settings.texts.join_online, personal.sequence)] += 1
        return original(event, settings, personal, **kw)
    monkeypatch.setattr(ical, "build_personal", build_personal)
    return counted


def test_each_person_gets_their_own_sequence_and_language_from_shared_files(
        event, join, start, db_session, builds):
    fresh = [join(event, start - hours(72)) for _ in range(3)]  # confirmation: SEQUENCE 0
    english = [join(event, start - hours(72), language="en") for _ in range(2)]
    again = join(event, start - hours(72))
    services.cancel(again, start - hours(71))  # CANCEL: 1
    again = join(event, start - hours(70), email=again.email)  # REQUEST: 2
    builds.clear()
    due = start - hours(24)

    assert dispatch.run(due).queued == 6

    assert builds == {("Online teilnehmen", 1): 1, ("Join online", 1): 1,
                      ("Online teilnehmen", 3): 1}  # three distinct files, each built once
    stored = _reminder_invites(db_session)
    expected = {**{p.email: ("de", 1) for p in fresh}, **{p.email: ("en", 1) for p in english},
                again.email: ("de", 3)}
    assert {to: invite.sequence for to, invite in stored.items()} == \
        {to: sequence for to, (_, sequence) in expected.items()}
    for to, (language, sequence) in expected.items():
        alone = invites._build(event, language, sequence, ical.Method.REQUEST, due)
        assert stored[to].ics.encode() == alone  # what attach without a batch writes
        assert f"SEQUENCE:{sequence}\r\n" in stored[to].ics
        assert ("Join online" if language == "en" else "Online teilnehmen") in stored[to].ics


def test_the_next_reminder_continues_each_persons_sequence(event, join, start, db_session):
    people = [join(event, start - hours(72)) for _ in range(2)]
    dispatch.run(start - hours(24))
    event.sequence = 5  # the event changed meanwhile (its update mails are not queued here)
    db_session.flush()

    dispatch.run(start - hours(1))

    invites_of = db_session.scalars(select(CalendarInvite.sequence)
                                    .where(CalendarInvite.registration_id == people[0].id)
                                    .order_by(CalendarInvite.id)).all()
    assert invites_of == [0, 1, 5]


def test_one_person_twice_in_a_batch_gets_increasing_sequences(event, join, start,
                                                               db_session):
    person = join(event, start - hours(72))
    batch = invites.InviteBatch([person])
    assert [batch.next_sequence(person) for _ in range(3)] == [1, 2, 3]
