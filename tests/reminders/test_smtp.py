"""Reminders through the outbox to a real SMTP server (aiosmtpd): each arrives once, with
the personal join link and the calendar invitation; also after an SMTP outage."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from eventhub.mail import deliver_due
from eventhub.reminders import dispatch
from tests.mail.conftest import body
from tests.reminders.conftest import hours


def _reminder_mails(smtp):
    return [m for m in smtp.messages() if m["Subject"].startswith(("Erinnerung", "Reminder"))]


def test_reminders_arrive_once_with_join_link_and_invitation(event, join, start, smtp,
                                                            db_session):
    people = [join(event, start - hours(72), language=lang) for lang in ("de", "en", "de")]
    for due in (start - hours(24), start - hours(1)):  # the two default reminders
        dispatch.run(due)
        dispatch.run(due + timedelta(seconds=30))  # a second run, or a second process
        deliver_due(due + timedelta(seconds=45), limit=1000)
        deliver_due(due + timedelta(seconds=90), limit=1000)
    mails = _reminder_mails(smtp)
    assert Counter(m["To"] for m in mails) == Counter(p.email for p in people * 2)
    assert set(Counter(m["Message-ID"] for m in mails).values()) == {1}
    english = next(m for m in mails if m["To"] == people[1].email)
    assert english["Subject"].startswith("Reminder") and "Hello" in body(english, "plain")
    assert "/j/" in body(english, "plain")  # the personal join link
    assert "room-7" not in body(english, "plain")  # not the shared room address
    calendar = english.get_body(("calendar",)) or next(
        p for p in english.walk() if p.get_content_type() == "text/calendar")
    assert "METHOD:REQUEST" in calendar.get_content()
    assert "10:00" in body(english, "plain")  # 09:00 UTC in the event's zone (CET)


def test_smtp_down_at_due_time_and_up_later_arrives_once(event, join, start, smtp,
                                                         db_session):
    people = [join(event, start - hours(72)) for _ in range(5)]
    due = start - hours(24)
    smtp.stop()
    dispatch.run(due)
    report = deliver_due(due + timedelta(seconds=5), limit=1000)
    assert report.sent == 0
    assert _reminder_mails(smtp) == []
    smtp.start()
    for minutes in (1, 5, 30, 120):  # the outbox retries with backoff
        deliver_due(due + timedelta(minutes=minutes), limit=1000)
        dispatch.run(due + timedelta(minutes=minutes))
    assert Counter(m["To"] for m in _reminder_mails(smtp)) == Counter(p.email for p in people)
