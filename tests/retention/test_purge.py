"""The purge: nothing personal of the event is left in any table, the figures stay, a
second run changes nothing, and the dates it goes by."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from eventhub import mail, timeutil
from eventhub.attendance import importing
from eventhub.attendance.models import AttendanceImport, ImportStatus
from eventhub.certificates import services as certificates
from eventhub.certificates.models import Certificate
from eventhub.extensions import db
from eventhub.mail import MessageStatus, OutboxMessage
from eventhub.registration import services as registration_services
from eventhub.registration.models import (
    Answer,
    Question,
    QuestionKind,
    Registration,
)
from eventhub.registration.models import RegistrationStatus as S
from eventhub.reminders.models import DeliveryState, ReminderDelivery, ReminderKind, ReminderRule
from eventhub.retention import services
from eventhub.retention.models import RetentionPurge, Trigger
from tests.attendance.conftest import END, PEOPLE, build_webinar, sample
from tests.registration.helpers import applicant
from tests.registration.test_manage_registrations import add_registration


@pytest.fixture()
def webinar(make, db_session, clock):
    clock.set(END + timedelta(hours=1))
    centre = make.organization(slug="zentrum-loeschen", name="Zentrum Löschen")
    organizer = make.user(organization=centre, name="Olaf Organisator")
    world = build_webinar(make, db_session, centre)
    world.organizer = organizer
    return world


def _leave_traces(db_session, world, now):
    """Everything a person leaves behind: answers, e-mails sent, queued and failed (with a
    server's answer quoting the address), a reminder's delivery, an applied attendance
    report and a preview of another."""
    event = world.event
    question = Question(event_id=event.id, label="Branche", kind=QuestionKind.SHORT_TEXT)
    db_session.add(question)
    db_session.flush()
    db_session.add(Answer(registration_id=world.erika.id, question_id=question.id,
                          value="Bäckerei Muster"))
    for person, status in ((world.erika, MessageStatus.SENT), (world.paul, MessageStatus.QUEUED),
                           (world.lena, MessageStatus.FAILED)):
        message = mail.queue(person.email, "registration_cancelled",
                             {"registration": person, "event": event, "manage_url": "x",
                              "event_url": "y", "by_organizer": False},
                             language="de", now=now, registration_id=person.id)
        message.status = status
        message.last_error = f"550 <{person.email}> unknown"
    rule = ReminderRule(event_id=event.id, kind=ReminderKind.AFTER_END, offset_minutes=0)
    db_session.add(rule)
    db_session.flush()
    db_session.add(ReminderDelivery(rule_id=rule.id, registration_id=world.max.id,
                                    state=DeliveryState.FAILED, due_at=now, updated_at=now,
                                    last_error="550 max.abwesend@example.org unknown"))
    record, _ = importing.upload(event, "teilnehmende-erika-muster.csv",
                                 sample("generic_utf8_bom.csv"), world.organizer, now)
    importing.apply(record, event, set(), world.organizer, now)
    importing.upload(event, "paul-kurz.csv", sample("generic_german_semicolon.csv"),
                     world.organizer, now)
    certificates.switch(event, True, world.organizer, now)
    certificates.issue(world.erika, now)
    db_session.commit()


NEEDLES = [value.lower() for email, _status, first, last in PEOPLE.values()
           for value in (email, f"{first} {last}", last)] + ["bäckerei", "erika-muster"]


def _traces(db_session) -> list[tuple[str, str]]:
    """(table, needle) for every personal value of the webinar's people in any table."""
    found = []
    for table in db.metadata.sorted_tables:
        for row in db_session.execute(select(table)).all():
            text = " ".join(v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                            for v in row).lower()
            found += [(table.name, needle) for needle in NEEDLES if needle in text]
    return sorted(set(found))


def test_no_name_or_address_of_the_event_is_left_in_any_table(db_session, make, webinar):
    now = timeutil.utcnow()
    _leave_traces(db_session, webinar, now)
    before = _traces(db_session)
    assert {table for table, _ in before} >= {
        "registrations", "answers", "outbox_messages", "reminder_deliveries",
        "attendance_imports"}  # the test would notice each of them
    other = add_registration(db_session, make.event(), email="bleibt@example.org",
                             first_name="Berta", last_name="Bleibt")
    record = services.purge_event(webinar.event.id, now)
    db_session.commit()
    assert _traces(db_session) == []
    assert db_session.scalars(select(Certificate)).all() == []  # no code names her any more
    assert (record.registrations, record.messages, record.attendance_files) == (7, 3, 2)
    assert record.trigger == Trigger.SCHEDULE and record.purged_at == now
    db_session.expire_all()
    assert db_session.get(Registration, other.id).email == "bleibt@example.org"
    people = db_session.scalars(select(Registration)
                                .where(Registration.event_id == webinar.event.id)).all()
    assert all(p.erased_at == now for p in people)
    assert sorted(p.status for p in people) == sorted(s for _, s, _, _ in PEOPLE.values())
    imports = db_session.scalars(select(AttendanceImport)).all()
    assert [(i.status, i.content, i.result) for i in imports] == \
        [(ImportStatus.APPLIED, None, None)]  # the record stays: the file is still known


def test_a_second_purge_changes_nothing(db_session, webinar):
    now = timeutil.utcnow()
    first = services.purge_event(webinar.event.id, now)
    db_session.commit()
    assert first.registrations == 7
    assert services.purge_event(webinar.event.id, now + timedelta(hours=1)) is None
    db_session.commit()
    rows = db_session.scalars(select(RetentionPurge)).all()
    assert [(r.event_id, r.purged_at, r.registrations) for r in rows] == \
        [(webinar.event.id, now, 7)]


def test_the_deletion_date_default_and_a_centres_own(db_session, webinar):
    event = webinar.event
    assert services.deletion_date(event) == END + timedelta(days=180)
    assert services.due_event_ids(END + timedelta(days=180) - timedelta(seconds=1)) == []
    assert services.due_event_ids(END + timedelta(days=180)) == [event.id]
    event.organization.retention_days = 30
    db_session.flush()
    assert services.deletion_date(event) == END + timedelta(days=30)
    assert services.due_event_ids(END + timedelta(days=29)) == []
    assert services.due_event_ids(END + timedelta(days=30)) == [event.id]
    services.purge_event(event.id, END + timedelta(days=30))
    assert services.due_event_ids(END + timedelta(days=400)) == []


def test_expired_registrations_are_erased_after_a_short_while(app, make, db_session, clock):
    now = timeutil.utcnow()
    event = make.event(capacity=5)
    registration_services.register(event.id, applicant(email="nie.bestaetigt@example.org"),
                                   now)
    registration = db_session.scalar(select(Registration)
                                     .where(Registration.event_id == event.id))
    assert registration.status is S.PENDING
    db_session.commit()
    hours = app.config["REGISTRATION_CONFIRM_HOURS"]
    expired_at = now + timedelta(hours=hours, minutes=1)
    clock.freeze(expired_at)
    assert registration_services.expire_all_overdue(expired_at) == 1
    db_session.commit()
    assert services.erase_expired(expired_at + timedelta(days=6)) == 0
    assert services.erase_expired(expired_at + timedelta(days=7)) == 1
    db_session.commit()
    db_session.expire_all()
    row = db_session.get(Registration, registration.id)
    assert (row.status, row.email, row.first_name, row.erased_at) == \
        (S.EXPIRED, None, None, expired_at + timedelta(days=7))
    assert db_session.scalars(select(OutboxMessage.to_address).where(
        OutboxMessage.registration_id == row.id)).all() in ([], [None])
    assert services.erase_expired(expired_at + timedelta(days=8)) == 0
