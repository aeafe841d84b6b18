"""Reminders are judged again when the outbox is about to send them (``freshness``, a
``mail.checks`` check), with the injected clock: one that waited in the outbox (a retry,
a dead sender's lease) until it would arrive after the start is skipped and logged, not
sent late; the grace rules of the reminder job hold at send time too."""
from __future__ import annotations

from datetime import timedelta

import pytest

from eventhub.events.models import EventStatus
from eventhub.mail import MessageStatus, deliver_due
from eventhub.reminders import dispatch, mails
from eventhub.reminders import services as reminder_services
from eventhub.reminders.models import DeliveryState, ReminderKind
from tests.reminders.conftest import deliveries, hours, reminders


def test_a_reminder_that_would_arrive_after_the_start_is_skipped_and_logged(
        event, join, start, smtp, db_session, caplog):
    person = join(event, start - hours(72))
    dispatch.run(start - hours(1))  # both default reminders, queued in time
    db_session.commit()
    assert len(reminders(db_session)) == 2

    report = deliver_due(start + timedelta(minutes=1), limit=1000)  # the sender was away

    assert (report.sent, report.skipped) == (1, 2)  # the confirmation still goes out
    assert [m["To"] for m in smtp.messages()] == [person.email]
    assert "Erinnerung" not in smtp.messages()[0]["Subject"]
    assert {(m.status, m.last_error) for m in reminders(db_session)} == \
        {(MessageStatus.SKIPPED, "the event has started")}
    assert {(d.state, d.last_error) for d in deliveries(db_session)} == \
        {(DeliveryState.SKIPPED, "the event has started")}
    assert "2 reminder message(s) not sent, no longer worth sending" in caplog.text
    counts = reminder_services.counts(event)
    assert [c["skipped"] for c in counts.values()] == [1, 1]
    assert deliver_due(start + hours(1)).claimed == 0  # skipped for good


def test_a_reminder_of_an_event_cancelled_after_queuing_is_skipped(event, join, start, smtp,
                                                                   db_session):
    join(event, start - hours(72))
    dispatch.run(start - hours(1))
    event.status = EventStatus.CANCELLED  # after the reminders were queued
    db_session.commit()

    report = deliver_due(start - timedelta(minutes=30), limit=1000)

    assert (report.sent, report.skipped) == (1, 2)  # the confirmation only
    assert {(d.state, d.last_error) for d in deliveries(db_session)} == \
        {(DeliveryState.SKIPPED, "the event has been cancelled")}


def test_a_late_reminder_still_before_the_start_is_sent(event, join, start, smtp, db_session):
    join(event, start - hours(72))
    dispatch.run(start - hours(1))
    db_session.commit()

    report = deliver_due(start - timedelta(seconds=1), limit=1000)

    assert (report.sent, report.skipped) == (3, 0)
    assert {d.state for d in deliveries(db_session)} == {DeliveryState.SENT}


@pytest.mark.parametrize("kind, offset, late, sent", [
    (ReminderKind.STARTING_NOW, 0, timedelta(minutes=14), True),
    (ReminderKind.STARTING_NOW, 0, timedelta(minutes=16), False),
    (ReminderKind.AFTER_END, 60, hours(47), True),
    (ReminderKind.AFTER_END, 60, hours(49), False),
])
def test_the_grace_rules_hold_at_send_time(event, join, start, smtp, db_session, kind, offset,
                                           late, sent):
    join(event, start - hours(72))
    db_session.commit()
    deliver_due(start - hours(72), limit=1000)  # the confirmation, out of the way
    rule = reminder_services.add_rule(event, reminder_services.RuleData(kind, offset))
    due = rule.due_at()
    assert dispatch.run(due).queued == 1
    db_session.commit()

    report = deliver_due(due + late, limit=1000)

    assert (report.sent, report.skipped) == ((1, 0) if sent else (0, 1))
    [delivery] = [d for d in deliveries(db_session) if d.rule_id == rule.id]
    assert delivery.state is (DeliveryState.SENT if sent else DeliveryState.SKIPPED)


def test_a_test_mail_from_the_rules_page_is_never_skipped(event, start, smtp, db_session):
    [rule, _] = reminder_services.rules(event)
    mails.queue_test(rule, "orga@example.org", "Orga", "de", start - hours(30))
    db_session.commit()

    assert deliver_due(start + hours(1)).sent == 1
