"""Registering several applicants in one turn (services.register_all) and the public
form's group commit (registration.intake) with real threads and real commits.

Runs on SQLite and on PostgreSQL when EVENTHUB_TEST_DATABASE_URL is set. Nothing is
mocked: the tests only hold the first group back until the others have queued, so that
the groups they check are certain to form.
"""
from __future__ import annotations

import time
from collections import Counter
from functools import partial

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from eventhub import create_app
from eventhub.errors import RuleViolation
from eventhub.events.models import EventStatus
from eventhub.extensions import db
from eventhub.mail import OutboxMessage
from eventhub.registration import intake, services
from eventhub.registration.models import Registration
from eventhub.registration.models import RegistrationStatus as S
from eventhub.timeutil import utcnow
from tests.conftest import TEST_CONFIG
from tests.registration.helpers import PLACES, applicant, in_parallel, registrations_of


def _kinds(db_session, registration) -> list[str]:
    return list(db_session.scalars(select(OutboxMessage.kind)
                                   .where(OutboxMessage.registration_id == registration.id)
                                   .order_by(OutboxMessage.id)))


# -- several applicants in one turn on the lock ---------------------------------------------

def test_places_in_the_order_given_then_the_waiting_list(make, db_session):
    event = make.event(capacity=2, double_opt_in=False)
    people = [applicant() for _ in range(4)]
    results = services.register_all(event.id, people, utcnow())
    registrations = [r.registration for r in results]
    assert [r.email for r in registrations] == [p.email for p in people]
    assert [(r.status, r.waitlist_number) for r in registrations] == [
        (S.CONFIRMED, None), (S.CONFIRMED, None), (S.WAITLISTED, 1), (S.WAITLISTED, 2)]
    assert [_kinds(db_session, r) for r in registrations] == [
        ["registration_confirmed"], ["registration_confirmed"],
        ["registration_waitlisted"], ["registration_waitlisted"]]


def test_a_refused_applicant_changes_nothing_for_the_others(make, db_session):
    event = make.event(capacity=1)
    first, bad, late = applicant(), applicant(region_code="XX-XX"), applicant()
    results = services.register_all(event.id, [first, bad, late], utcnow())
    assert isinstance(results[1], RuleViolation) and results[1].field == "region_code"
    assert (results[0].registration.status, results[2].registration.status) == (
        S.PENDING, S.WAITLISTED)
    assert results[2].registration.waitlist_number == 1
    stored = db_session.scalars(select(Registration.email)
                                .where(Registration.event_id == event.id)).all()
    assert sorted(stored) == sorted([first.email, late.email])


def test_an_address_registered_before_leaves_its_place_to_the_next(make, db_session):
    """The places are given in turn before the INSERT; an address it refuses (registered
    already) must not take one: the places are given again without it."""
    event = make.event(capacity=3, double_opt_in=False)
    known = applicant()
    services.register(event.id, known, utcnow())
    b, c, d = applicant(), applicant(), applicant()
    results = services.register_all(event.id, [b, known, c, d], utcnow())
    assert [r.created for r in results] == [True, False, True, True]
    assert [(r.registration.status, r.registration.waitlist_number)
            for r in (results[0], results[2], results[3])] == [
        (S.CONFIRMED, None), (S.CONFIRMED, None), (S.WAITLISTED, 1)]
    assert _kinds(db_session, results[1].registration) == [
        "registration_confirmed", "registration_existing"]
    assert _kinds(db_session, results[2].registration) == ["registration_confirmed"]


def test_the_same_address_twice_in_one_turn_is_one_registration(make, db_session):
    event = make.event(capacity=5)
    person = applicant()
    twice = applicant(email=person.email.upper())
    first, second = services.register_all(event.id, [person, twice], utcnow())
    assert (first.created, second.created) == (True, False)
    assert first.registration is second.registration
    assert _kinds(db_session, first.registration) == [
        "registration_pending", "registration_existing"]


def test_a_closed_event_refuses_everyone_in_the_turn(make, db_session):
    event = make.event(capacity=5, status=EventStatus.CANCELLED)
    results = services.register_all(event.id, [applicant(), applicant()], utcnow())
    assert all(isinstance(r, services.RegistrationClosed) and r.reason == "cancelled"
               for r in results)
    assert db_session.scalars(select(Registration)
                              .where(Registration.event_id == event.id)).all() == []


# -- the group commit, with real threads ----------------------------------------------------

class _Recorder:
    """Wraps services.register_all: records each group's size, and holds the first group
    back until ``wait_for`` submissions are queued (so that the next group is certain to
    carry all the others). ``fail_groups``: a group of more than one fails once with a
    fault of the database, as a lost connection would."""

    def __init__(self, monkeypatch, group_commit: intake.GroupCommit, wait_for: int, *,
                 fail_groups: bool = False) -> None:
        self.sizes: list[int] = []
        self._real = services.register_all
        self._group_commit = group_commit
        self._wait_for = wait_for
        self._fail_groups = fail_groups
        monkeypatch.setattr(services, "register_all", self)

    def __call__(self, event_id, applicants, now, **kwargs):
        self.sizes.append(len(applicants))
        if len(self.sizes) == 1:
            deadline = time.monotonic() + 30
            while len(self._group_commit._queue) < self._wait_for:
                assert time.monotonic() < deadline, "the others never queued"
                time.sleep(0.005)
        if self._fail_groups and len(applicants) > 1:
            self._fail_groups = False
            self._real(event_id, applicants, now, **kwargs)  # written, then lost
            raise OperationalError("INSERT", {}, Exception("server closed the connection"))
        return self._real(event_id, applicants, now, **kwargs)


def _submit_in_parallel(app, group_commit, event_id, people, *, processes=None) -> list:
    """Each person's request in its own thread and app context, all at once; their
    results in order. ``processes``: group commits that the requests alternate between,
    as between web processes, instead of the one ``group_commit``."""
    commits = processes or [group_commit]
    return in_parallel(app, [partial(commits[i % len(commits)].submit, event_id, person)
                             for i, person in enumerate(people)])


@pytest.mark.concurrency
def test_requests_that_arrive_together_are_committed_as_one_group(
        app, committed_event, monkeypatch):
    group_commit = intake.GroupCommit()
    recorder = _Recorder(monkeypatch, group_commit, wait_for=50)
    people = [applicant() for _ in range(50)]
    results = _submit_in_parallel(app, group_commit, committed_event, people)
    assert all(r is True for r in results), results
    assert recorder.sizes == [1, 49]
    rows = registrations_of(app, committed_event)
    assert Counter(r.status for r in rows) == {S.CONFIRMED: PLACES, S.WAITLISTED: 40}
    assert sorted(r.waitlist_number for r in rows if r.waitlist_number) == list(range(1, 41))
    assert group_commit._queue == type(group_commit._queue)()  # nobody left behind


@pytest.mark.concurrency
def test_each_request_gets_its_own_result(app, committed_event, monkeypatch):
    group_commit = intake.GroupCommit()
    recorder = _Recorder(monkeypatch, group_commit, wait_for=4)
    people = [applicant(), applicant(), applicant(region_code="XX-XX"), applicant()]
    results = _submit_in_parallel(app, group_commit, committed_event, people)
    assert recorder.sizes[0] == 1 and sum(recorder.sizes) == 4
    refused = [r for r in results if isinstance(r, RuleViolation)]
    assert len(refused) == 1 and results.index(refused[0]) == 2
    assert sorted(r.email for r in registrations_of(app, committed_event)) == sorted(
        p.email for i, p in enumerate(people) if i != 2)


@pytest.mark.concurrency
def test_a_group_that_fails_is_written_one_registration_at_a_time(
        app, committed_event, monkeypatch):
    group_commit = intake.GroupCommit()
    recorder = _Recorder(monkeypatch, group_commit, wait_for=6, fail_groups=True)
    people = [applicant() for _ in range(6)]
    results = _submit_in_parallel(app, group_commit, committed_event, people)
    assert all(r is True for r in results), results
    assert recorder.sizes == [1, 5, 1, 1, 1, 1, 1]  # the group of five, then alone
    rows = registrations_of(app, committed_event)
    assert sorted(r.email for r in rows) == sorted(p.email for p in people)
    with app.app_context():  # the failed group's e-mails went with its rollback
        assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage).where(
            OutboxMessage.registration_id.in_([r.id for r in rows]))) == 6


@pytest.mark.concurrency
def test_a_fault_alone_reaches_the_request_it_belongs_to(app, committed_event, monkeypatch):
    group_commit = intake.GroupCommit()

    def broken(event_id, applicants, now, **kwargs):
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(services, "register_all", broken)
    with app.app_context(), pytest.raises(OperationalError):
        group_commit.submit(committed_event, applicant())
    assert group_commit._queue == type(group_commit._queue)()
    assert registrations_of(app, committed_event) == []


@pytest.mark.concurrency
def test_a_double_click_is_one_registration_whichever_group_it_falls_in(
        app, committed_event, monkeypatch):
    group_commit = intake.GroupCommit()
    recorder = _Recorder(monkeypatch, group_commit, wait_for=3)
    other, person = applicant(), applicant()
    results = _submit_in_parallel(app, group_commit, committed_event, [other, person, person])
    assert recorder.sizes == [1, 2]
    assert results[0] is True and sorted(results[1:]) == [False, True]
    assert sorted(r.email for r in registrations_of(app, committed_event)) == sorted(
        [other.email, person.email])


@pytest.mark.concurrency
def test_groups_of_two_processes_share_the_places_without_overbooking(app, committed_event):
    """Two group commits, as two web processes have, each with requests arriving at once:
    their groups take turns on the event's lock, so exactly the capacity holds places and
    the waiting list is numbered 1..n without gaps."""
    people = [applicant() for _ in range(60)]
    results = _submit_in_parallel(app, None, committed_event, people,
                                  processes=[intake.GroupCommit(), intake.GroupCommit()])
    assert all(r is True for r in results), results
    rows = registrations_of(app, committed_event)
    assert Counter(r.status for r in rows) == {S.CONFIRMED: PLACES, S.WAITLISTED: 50}
    assert sorted(r.waitlist_number for r in rows if r.waitlist_number) == list(range(1, 51))


@pytest.mark.concurrency
def test_requests_waiting_for_their_group_hold_no_connection(database_url, committed_event,
                                                            monkeypatch):
    """A pool of two connections, and two requests that read the database (as a request
    does when its copy of the event has expired) before they queue behind a request that
    has not: the writer of the group still gets a connection."""
    small = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 2, "max_overflow": 0,
                                                      "pool_timeout": 5}})
    group_commit = small.extensions.setdefault(intake._EXTENSION, intake.GroupCommit())
    recorder = _Recorder(monkeypatch, group_commit, wait_for=3)
    people = [applicant() for _ in range(3)]

    def request(index):
        if index:  # the readers queue only after the writer has started its group
            while not recorder.sizes:
                time.sleep(0.005)
            db.session.execute(select(1))  # holds one of the two connections
        return intake.submit(committed_event, people[index])

    results = in_parallel(small, [partial(request, i) for i in range(3)])
    with small.app_context():
        db.engine.dispose()
    assert results == [True, True, True]
    assert recorder.sizes == [1, 2]
