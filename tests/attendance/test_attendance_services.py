"""Attendance rules on the services: which source decides, what check-in may mark,
walk-ins."""
from __future__ import annotations

from datetime import timedelta

import pytest

from eventhub.attendance import services
from eventhub.attendance.models import WALK_IN, AttendanceSource
from eventhub.attendance.services import Mark
from eventhub.errors import RuleViolation
from eventhub.organizations.models import NOT_STATED
from eventhub.registration.models import RegistrationStatus as S
from tests.attendance.conftest import START, attendance, build_webinar

LINK, IMPORT, CHECK_IN = (AttendanceSource.JOIN_LINK, AttendanceSource.IMPORT,
                          AttendanceSource.CHECK_IN)


def say(registration, source, attended, minutes=None, seen=None):
    services.record([Mark(registration.id, attended, minutes, seen, seen)], source, START)


@pytest.mark.parametrize("first, then, decided_by, attended", [
    ((LINK, True), (IMPORT, False), IMPORT, False),  # 3 minutes in the meeting is too short
    ((IMPORT, False), (LINK, True), IMPORT, False),
    ((IMPORT, True), (CHECK_IN, False), CHECK_IN, False),
    ((CHECK_IN, False), (IMPORT, True), CHECK_IN, False),
    ((CHECK_IN, True), (LINK, True), CHECK_IN, True),
    ((CHECK_IN, True), (CHECK_IN, False), CHECK_IN, False),  # organizers may correct
    ((IMPORT, True), (IMPORT, False), IMPORT, False),  # the later report wins
])
def test_the_higher_ranked_source_decides(db_session, webinar, first, then, decided_by,
                                          attended):
    say(webinar.erika, *first)
    say(webinar.erika, *then)
    row = attendance(db_session, webinar.erika)
    assert (row.source, row.attended) == (decided_by, attended)


def test_minutes_and_times_seen_are_merged_whatever_decides(db_session, webinar):
    say(webinar.erika, CHECK_IN, True)
    say(webinar.erika, IMPORT, False, minutes=4, seen=START + timedelta(minutes=10))
    say(webinar.erika, LINK, True, seen=START - timedelta(minutes=20))
    say(webinar.erika, LINK, True, seen=START + timedelta(minutes=50))
    row = attendance(db_session, webinar.erika)
    assert (row.attended, row.source, row.minutes) == (True, CHECK_IN, 4)
    assert (row.first_seen_at, row.last_seen_at) == (START - timedelta(minutes=20),
                                                     START + timedelta(minutes=50))


def test_check_in_marks_only_confirmed_registrations_of_the_event(make, db_session, webinar,
                                                                  organizer, centre_b):
    other = build_webinar(make, db_session, centre_b, "Andere")
    ids = [webinar.erika.id, webinar.paul.id, webinar.pending.id, webinar.waiting.id,
           webinar.joerg.id, other.erika.id, 999_999]
    assert services.check_in(webinar.event, ids, True, organizer, START) == 2
    assert attendance(db_session, webinar.erika).recorded_by_id == organizer.id
    for registration in (webinar.pending, webinar.waiting, webinar.joerg, other.erika):
        assert attendance(db_session, registration) is None


def test_check_in_walk_in(db_session, webinar, organizer):
    person = services.WalkIn(first_name="Wilma", last_name="Spontan", email=" Wilma@Example.org ")
    registration = services.check_in_walk_in(webinar.event, person, organizer, START)
    assert (registration.source, registration.status, registration.region_code,
            registration.email) == (WALK_IN, S.CONFIRMED, NOT_STATED, "wilma@example.org")
    row = attendance(db_session, registration)
    assert (row.attended, row.source) == (True, CHECK_IN)


@pytest.mark.parametrize("person, field", [
    (services.WalkIn("Erika", "Doppelt", "ERIKA.MUSTER@example.org"), "email"),
    (services.WalkIn("Erika", "Woanders", "", "DE-XX"), "region_code"),
])
def test_walk_ins_that_cannot_be_added(db_session, webinar, person, field):
    with pytest.raises(RuleViolation) as caught:
        services.add_walk_in(webinar.event, person, START)
    assert caught.value.field == field


@pytest.mark.parametrize("name, parts", [
    ("Erika Muster", ("Erika", "Muster")), ("Anna Gast (Guest)", ("Anna", "Gast")),
    ("Paul K. (Paul Kurz)", ("Paul", "K.")), ("Maria von der Heide", ("Maria von der", "Heide")),
    ("Cher", ("", "Cher")), ("(Gast)", ("", "(Gast)")), ("", ("", "")),
])
def test_split_name(name, parts):
    assert services.split_name(name) == parts


def test_join_refusals(db_session, webinar):
    assert services.join_refusal(webinar.erika) is None
    assert services.join_refusal(webinar.joerg) == "cancelled"
    assert services.join_refusal(webinar.pending) == "not_confirmed"
    assert services.join_refusal(webinar.waiting) == "not_confirmed"


def test_many_marks_at_once_are_written_in_batches(db_session, webinar, monkeypatch):
    monkeypatch.setattr(services, "BATCH", 2)
    people = [webinar.erika, webinar.paul, webinar.lena, webinar.max, webinar.joerg]
    assert services.record([Mark(r.id, True, minutes=n) for n, r in enumerate(people)],
                           IMPORT, START) == 5
    assert [attendance(db_session, r).minutes for r in people] == [0, 1, 2, 3, 4]
