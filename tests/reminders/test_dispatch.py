"""The reminder job with an injected clock: who gets what, when (on SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import timedelta

from eventhub.events.models import EventStatus
from eventhub.registration import services
from eventhub.reminders import dispatch
from eventhub.reminders import services as reminder_services
from eventhub.reminders.models import DeliveryState, ReminderKind
from tests.reminders.conftest import deliveries, hours, reminders


def test_event_gets_the_default_rules_once(event, db_session):
    rules = reminder_services.rules(event)
    assert sorted(r.offset_minutes for r in rules) == [60, 24 * 60]
    assert not reminder_services.ensure_default_rules(event)


def test_nothing_before_due_then_each_participant_once(event, join, start, db_session):
    a = join(event, start - hours(72))
    b = join(event, start - hours(72), language="en")
    assert not dispatch.run(start - hours(25))
    assert reminders(db_session) == []
    report = dispatch.run(start - hours(24) + timedelta(seconds=5))
    assert report.queued == 2
    assert sorted(m.to_address for m in reminders(db_session)) == sorted([a.email, b.email])
    assert {d.state for d in deliveries(db_session)} == {DeliveryState.SENT}
    # idempotent: running again (or in another process) queues nothing more
    assert not dispatch.run(start - hours(24) + timedelta(seconds=35))
    assert len(reminders(db_session)) == 2
    dispatch.run(start - hours(1))
    assert len(reminders(db_session)) == 4
    english = [m for m in reminders(db_session, b.email)]
    assert all(m.language == "en" and m.subject.startswith("Reminder") for m in english)
    german = reminders(db_session, a.email)
    assert all(m.subject.startswith("Erinnerung") for m in german)


def test_moving_the_event_moves_pending_reminders(event, join, start, db_session):
    join(event, start - hours(72))
    event.starts_at, event.ends_at = start + hours(48), start + hours(50)
    db_session.flush()
    assert not dispatch.run(start - hours(1))  # the old due times have passed: nothing
    assert reminders(db_session) == []
    assert dispatch.run(start + hours(24)).queued == 1  # 1 day before the new start


def test_moving_the_event_earlier_makes_a_reminder_due_now(event, join, start, db_session):
    join(event, start - hours(72))
    assert dispatch.run(start - hours(30)).queued == 0
    event.starts_at, event.ends_at = start - hours(23), start - hours(21)
    db_session.flush()
    assert dispatch.run(start - hours(30)).queued == 1  # 1 day before the new start


def test_cancelled_event_and_cancelled_registration_get_nothing(make, event, join, start,
                                                                 db_session):
    kept = join(event, start - hours(72))
    gone = join(event, start - hours(72))
    services.cancel(gone, start - hours(48))
    other = make.event(starts_at=start, double_opt_in=False)
    reminder_services.ensure_default_rules(other)
    join(other, start - hours(72))
    other.status = EventStatus.CANCELLED
    db_session.flush()
    dispatch.run(start - hours(24))
    assert [m.to_address for m in reminders(db_session)] == [kept.email]


def test_late_registration_does_not_get_the_stale_reminder(event, join, start, db_session):
    early = join(event, start - hours(72))
    late = join(event, start - hours(2))  # after the 1-day reminder was due
    dispatch.run(start - hours(2) + timedelta(minutes=1))
    assert [m.to_address for m in reminders(db_session)] == [early.email]
    dispatch.run(start - hours(1))
    assert len(reminders(db_session, late.email)) == 1  # the 1-hour reminder, yes


def test_catch_up_after_downtime_before_the_start(event, join, start, db_session):
    person = join(event, start - hours(72))
    report = dispatch.run(start - timedelta(minutes=5))  # the scheduler was down for a day
    assert report.queued == 2
    assert len(reminders(db_session, person.email)) == 2


def test_pointless_reminders_are_skipped_and_logged(event, join, start, db_session, caplog):
    join(event, start - hours(72))
    report = dispatch.run(start + timedelta(minutes=10))  # the event has started
    assert report.queued == 0 and report.skipped == 2
    assert reminders(db_session) == []
    assert {d.state for d in deliveries(db_session)} == {DeliveryState.SKIPPED}
    assert "skipped" in caplog.text
    assert not dispatch.run(start + timedelta(minutes=11))  # and recorded as done


def test_walk_ins_get_no_reminders(event, join, start, db_session):
    person = join(event, start - hours(72))
    person.source = "walk_in"
    db_session.flush()
    dispatch.run(start - hours(1))
    assert reminders(db_session) == []


def test_starting_now_and_follow_up_with_attendance(event, join, start, db_session):
    from eventhub.attendance.models import Attendance, AttendanceSource

    came = join(event, start - hours(72))
    away = join(event, start - hours(72))
    reminder_services.add_rule(event, reminder_services.RuleData(ReminderKind.STARTING_NOW))
    reminder_services.add_rule(event, reminder_services.RuleData(
        ReminderKind.AFTER_END, offset_minutes=60, message="Slides: https://x.example/s",
        text_attended="Thanks for coming!", text_not_attended="Sorry we missed you."))
    dispatch.run(start - hours(1))
    assert dispatch.run(start + timedelta(seconds=20)).queued == 2
    db_session.add_all([Attendance(registration_id=came.id, attended=True,
                                   source=AttendanceSource.CHECK_IN),
                        Attendance(registration_id=away.id, attended=False,
                                   source=AttendanceSource.CHECK_IN)])
    db_session.flush()
    assert dispatch.run(event.ends_at + timedelta(minutes=30)).queued == 0
    assert dispatch.run(event.ends_at + hours(1)).queued == 2
    [*_, thanks] = reminders(db_session, came.email)
    [*_, sorry] = reminders(db_session, away.email)
    assert "Thanks for coming!" in thanks.body_text and "Slides" in thanks.body_text
    assert "Sorry we missed you." in sorry.body_text and "Thanks" not in sorry.body_text


def test_a_very_late_follow_up_is_skipped(event, join, start, db_session):
    join(event, start - hours(72))
    reminder_services.add_rule(event, reminder_services.RuleData(ReminderKind.AFTER_END,
                                                                 offset_minutes=0))
    report = dispatch.run(event.ends_at + hours(72))
    assert report.queued == 0 and report.skipped == 3
