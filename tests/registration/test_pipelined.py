"""The public form's registrations on PostgreSQL in two round trips (registration.pipelined)
against the general way (services.register_all with its ORM statements).

The same applicants go to two identical events, one each way; everything they store must
agree. Only where the database is PostgreSQL: on SQLite there is only the general way.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from eventhub.errors import RuleViolation
from eventhub.events.models import EventStatus
from eventhub.extensions import db
from eventhub.mail import OutboxMessage
from eventhub.registration import pipelined, services
from eventhub.registration.models import Answer, Question, QuestionKind, Registration
from eventhub.registration.models import RegistrationStatus as S
from eventhub.timeutil import utcnow
from tests.registration.helpers import applicant

# Columns that differ between any two registrations or events by design.
_OWN = {"id", "event_id", "token_key", "created_at", "updated_at"}


@pytest.fixture
def turns(app, db_session, monkeypatch):
    """The two-round-trip turns taken (their sizes); skips where the way does not exist."""
    if not pipelined.available(db.session):
        pytest.skip("the pipelined way exists on PostgreSQL only")
    sizes: list[int] = []
    write_turn = pipelined.write_turn

    def recorded(session, registrations, *rows):
        sizes.append(len(registrations[1]))
        write_turn(session, registrations, *rows)

    monkeypatch.setattr(pipelined, "write_turn", recorded)
    return sizes


def _general_way(monkeypatch):
    monkeypatch.setattr(pipelined, "available", lambda session: False)


def _twin_events(make, questions=(), **kw):
    events = [make.event(**kw) for _ in range(2)]
    for event in events:
        for position, (kind, required, options) in enumerate(questions):
            db.session.add(Question(event_id=event.id, label=f"Frage {position}", kind=kind,
                                    required=required, options=options, position=position))
    db.session.flush()
    return events


def _stored(db_session, event) -> list[dict]:
    """The event's registrations with their answers and e-mails, in order of their
    waiting-list number and address, without what is each row's own."""
    rows = db_session.scalars(select(Registration).where(Registration.event_id == event.id)
                              .order_by(Registration.waitlist_number.nulls_first(),
                                        Registration.email))
    stored = []
    for registration in rows:
        values = {c.name: getattr(registration, c.name) for c in Registration.__table__.columns
                  if c.name not in _OWN}
        values["answers"] = sorted(
            (db_session.get(Question, a.question_id).label, a.value)
            for a in db_session.scalars(select(Answer).where(
                Answer.registration_id == registration.id)))
        values["mail"] = [(m.kind, m.to_address, m.language, m.unrendered, m.status)
                          for m in db_session.scalars(select(OutboxMessage).where(
                              OutboxMessage.registration_id == registration.id)
                              .order_by(OutboxMessage.id))]
        stored.append(values)
    return stored


def _both_ways(monkeypatch, events, groups, now):
    """Each group of applicants registered for the first event the pipelined way and
    for the second the general way; the results of both."""
    pipelined_results = [services.register_all(events[0].id, g, now) for g in groups]
    with monkeypatch.context() as m:
        _general_way(m)
        general_results = [services.register_all(events[1].id, g, now) for g in groups]
    return pipelined_results, general_results


def _same(results_a, results_b, fields_a=None, fields_b=None) -> None:
    """The same results; ``fields_*``: the field names of each event's questions, to be
    compared by position."""
    def shape(result, fields):
        if isinstance(result, RuleViolation):
            field = result.field
            return ("refused", fields.index(field) if field in fields else field, str(result))
        if isinstance(result, services.RegistrationClosed):
            return ("closed", result.reason)
        return ("created", result.created)
    assert [[shape(r, fields_a or []) for r in group] for group in results_a] == \
        [[shape(r, fields_b or []) for r in group] for group in results_b]


def test_places_waiting_list_and_e_mails_as_the_general_way(make, db_session, monkeypatch,
                                                            turns):
    events = _twin_events(make, capacity=3)
    groups = [[applicant(language="en"), applicant()], [applicant() for _ in range(3)],
              [applicant()]]
    now = utcnow()
    results = _both_ways(monkeypatch, events, groups, now)
    _same(*results)
    assert turns == [2, 3, 1]
    stored = _stored(db_session, events[0])
    assert stored == _stored(db_session, events[1])
    assert [(r["status"], r["waitlist_number"]) for r in stored] == [
        (S.PENDING, None)] * 3 + [(S.WAITLISTED, 1), (S.WAITLISTED, 2), (S.WAITLISTED, 3)]
    assert [r["email"] for r in stored[3:]] == [p.email for p in groups[1][1:] + groups[2]]
    assert sorted(r["mail"][0][:3] for r in stored) == sorted(
        [("registration_pending", p.email, p.language) for p in groups[0] + groups[1][:1]]
        + [("registration_waitlisted", p.email, p.language)
           for p in groups[1][1:] + groups[2]])
    assert all(r["pending_expires_at"] > now for r in stored[:3])
    outcome = results[0][0][0]
    assert outcome.registration.email == groups[0][0].email  # the id given is the row's


def test_answers_and_refusals_as_the_general_way(make, db_session, monkeypatch, turns):
    events = _twin_events(make, capacity=10, questions=[
        (QuestionKind.SHORT_TEXT, True, []),
        (QuestionKind.MULTIPLE_CHOICE, False, ["Cloud", "KI", "Recht"]),
        (QuestionKind.CHECKBOX, False, [])])
    ids = [db_session.scalars(select(Question.id).where(Question.event_id == e.id)
                              .order_by(Question.position)).all() for e in events]

    def people(qs):
        def person(name, **kw):
            return applicant(email=f"{name}@example.org", last_name=name, **kw)
        return [person("a", answers={qs[0]: "Handwerk", qs[1]: ["KI", "Recht"], qs[2]: True}),
                person("b", answers={qs[1]: ["KI"]}),  # the required answer missing
                person("c", region_code="XX-XX", answers={qs[0]: "Handel"}),
                person("d", answers={qs[0]: "Handel", qs[1]: ["Astrologie"]}),
                person("e", consent=False, answers={qs[0]: "Handel"}),
                person("f", answers={qs[0]: "  Bau  "})]

    now = utcnow()
    first = [services.register_all(events[0].id, people(ids[0]), now)]
    with monkeypatch.context() as m:
        _general_way(m)
        second = [services.register_all(events[1].id, people(ids[1]), now)]
    _same(first, second, *([f"q_{i}" for i in of_event] for of_event in ids))
    assert [type(r).__name__ for r in first[0]] == [
        "Outcome", "RuleViolation", "RuleViolation", "RuleViolation", "RuleViolation",
        "Outcome"]
    assert turns == [2]
    stored = _stored(db_session, events[0])
    assert stored == _stored(db_session, events[1])
    assert [r["answers"] for r in stored] == [
        [("Frage 0", "Handwerk"), ("Frage 1", '["KI", "Recht"]'), ("Frage 2", "yes")],
        [("Frage 0", "Bau")]]


@pytest.mark.parametrize("case", ["registered before", "given twice", "overdue places",
                                  "no double opt-in"])
def test_what_needs_more_than_new_rows_goes_the_general_way(make, db_session, monkeypatch,
                                                             turns, case):
    kw = {"double_opt_in": False} if case == "no double opt-in" else {}
    events = _twin_events(make, capacity=2, **kw)
    now = utcnow()
    before = []
    if case == "registered before":
        before = [applicant()]
    if case == "overdue places":
        before = [applicant(), applicant()]
    for event in events:
        for person in before:  # each event its own copy of the earlier registrations
            services.register_all(event.id, [person], now - timedelta(days=5))
    taken = len(turns)
    if case == "overdue places":  # their confirmation time ran out
        assert all(r["status"] is S.PENDING for e in events for r in _stored(db_session, e))
    group = [applicant(), applicant()]
    if case == "registered before":
        group.append(before[0])
    if case == "given twice":
        group.append(applicant(email=group[0].email.upper()))
    results = _both_ways(monkeypatch, events, [group], now)
    _same(*results)
    assert len(turns) == taken  # no rows written the pipelined way
    assert _stored(db_session, events[0]) == _stored(db_session, events[1])


@pytest.mark.parametrize("status", [EventStatus.CANCELLED, EventStatus.DRAFT])
def test_a_closed_or_unknown_event_refuses_everyone_and_writes_nothing(make, db_session,
                                                                      turns, status):
    event = make.event(capacity=5, status=status)
    for event_id in (event.id, 999_999):
        results = services.register_all(event_id, [applicant(), applicant()], utcnow())
        assert all(isinstance(r, services.RegistrationClosed) for r in results)
    assert turns == []
    assert db_session.scalars(select(Registration)
                              .where(Registration.event_id == event.id)).all() == []
