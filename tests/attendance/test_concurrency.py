"""Attendance under real concurrency: threads with their own sessions and real commits, on
SQLite and (with EVENTHUB_TEST_DATABASE_URL) PostgreSQL. Nothing is mocked."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from eventhub.attendance import importing, services
from eventhub.attendance.models import Attendance, AttendanceImport, AttendanceSource
from eventhub.auth.models import User
from eventhub.events.models import Event, EventFormat, EventStatus
from eventhub.extensions import db
from eventhub.organizations.models import Organization
from eventhub.registration.models import OrganizationSize, Registration, RegistrationStatus
from tests.attendance.conftest import END, START, sample
from tests.factories import PASSWORD
from tests.registration.test_concurrency import _in_parallel

pytestmark = pytest.mark.concurrency
EMAILS = ("erika.muster@example.org", "paul.kurz@example.org")


@pytest.fixture()
def committed(app):
    """A webinar with two confirmed registrations and an uploaded Zoom report, committed
    for real; removed afterwards (registrations, attendance, imports go with the event)."""
    with app.app_context():
        organization = Organization(slug="attendance-rush", name="Rush", short_name="R",
                                    region_code="DE-SN")
        user = User(email="rush@example.org", name="Rush", password_hash=PASSWORD,
                    organization=organization)
        event = Event(organization=organization, slug="attendance-rush", title="Rush",
                      format=EventFormat.WEBINAR, status=EventStatus.PUBLISHED,
                      starts_at=START, ends_at=END, online_join_url="https://zoom.example/j/1")
        db.session.add_all([user, event])
        db.session.flush()
        people = [Registration(event_id=event.id, status=RegistrationStatus.CONFIRMED,
                               email=email, first_name="X", last_name=email[:4],
                               organization_size=OrganizationSize.SOLO, region_code="DE-SN")
                  for email in EMAILS]
        db.session.add_all(people)
        db.session.flush()
        record, _ = importing.upload(event, "zoom.csv", sample(
            "zoom_webinar_attendee_report.csv"), user, END)
        db.session.commit()
        ids = (event.id, user.id, record.id, [p.id for p in people])
    yield ids
    with app.app_context():
        db.session.execute(delete(Event).where(Event.id == ids[0]))
        db.session.execute(delete(User).where(User.id == ids[1]))
        db.session.execute(delete(Organization).where(Organization.slug == "attendance-rush"))
        db.session.commit()


def test_concurrent_join_link_uses_and_check_ins_lose_nothing(app, committed):
    event_id, user_id, _, (erika, paul) = committed
    instants = [START + timedelta(minutes=n) for n in range(-20, 100, 10)]  # 12 clicks

    def click(instant):
        return lambda: services.record_join(db.session.get(Registration, erika), instant)

    def no_show():
        services.check_in(db.session.get(Event, event_id), [paul], False,
                          db.session.get(User, user_id), START)

    def link_of_paul():
        services.record_join(db.session.get(Registration, paul), START)

    jobs = [click(t) for t in instants] + [no_show, link_of_paul] * 2
    assert _in_parallel(app, jobs) == []
    with app.app_context():
        rows = {a.registration_id: a for a in db.session.scalars(select(Attendance))}
        assert (rows[erika].first_seen_at, rows[erika].last_seen_at) == (min(instants),
                                                                        max(instants))
        assert (rows[paul].attended, rows[paul].source) == (False, AttendanceSource.CHECK_IN)


def test_an_import_applied_twice_at_once_is_applied_once(app, committed):
    event_id, user_id, import_id, _ = committed
    with app.app_context():
        record = db.session.get(AttendanceImport, import_id)
        preview = importing.preview(record, db.session.get(Event, event_id))
        walk_ins = {row.index for row in preview.unmatched}  # Lena and Tom
            # (Jana is a panelist: not counted, never a walk-in)
    results = []

    def apply():
        record = db.session.get(AttendanceImport, import_id)
        results.append(importing.apply(record, db.session.get(Event, event_id), walk_ins,
                                       db.session.get(User, user_id), END))

    assert _in_parallel(app, [apply] * 4) == []
    assert sorted(results) == [False, False, False, True]
    with app.app_context():
        added = db.session.scalar(select(func.count()).select_from(Registration).where(
            Registration.event_id == event_id, Registration.source == "walk_in"))
        assert added == len(walk_ins) == 2
