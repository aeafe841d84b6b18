"""What the SMTP server says about one message (aiosmtpd answering per recipient): a 5xx
refusal fails that message at once, with the server's code and text kept as the reason; a
4xx is tried again with backoff; the other messages of the batch go through on the same
connection either way. Organizers find the failures on the event's registrations page."""
from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from flask import url_for

from eventhub.mail import MessageStatus, deliver_due, refusal
from tests.mail.conftest import outbox


@pytest.fixture()
def three(db_session, make, register):
    """Three registrations for one event (no double opt-in: one confirmation mail each)."""
    event = make.event(double_opt_in=False)
    people = [register(event) for _ in range(3)]
    db_session.commit()
    return event, people


def by_address(db_session):
    return {m.to_address: m for m in outbox(db_session)}


def test_a_5xx_at_rcpt_fails_that_message_at_once_and_the_rest_go_through(
        now, db_session, smtp, three):
    _, (first, refused, last) = three
    smtp.inbox.refuse_at_rcpt[refused.email] = "550 5.1.1 Mailbox unavailable"

    report = deliver_due(now)

    assert (report.sent, report.retried, report.failed) == (2, 0, 1)
    assert [e.rcpt_tos for e in smtp.envelopes] == [[first.email], [last.email]]
    assert len(set(smtp.inbox.connections)) == 1  # one connection carried the batch on
    row = by_address(db_session)[refused.email]
    assert (row.status, row.attempts) == (MessageStatus.FAILED, 1)
    assert row.last_error == "recipient refused: 550 5.1.1 Mailbox unavailable"
    smtp.inbox.refuse_at_rcpt.clear()
    assert deliver_due(now + timedelta(days=1)).claimed == 0  # never tried again


def test_a_5xx_answer_to_the_message_itself_fails_it_at_once(now, db_session, smtp, three):
    _, (first, refused, last) = three
    smtp.inbox.refuse_at_data[refused.email] = "554 5.7.1 Message rejected as spam"

    report = deliver_due(now)

    assert (report.sent, report.failed) == (2, 1)
    assert [e.rcpt_tos for e in smtp.envelopes] == [[first.email], [last.email]]
    assert len(set(smtp.inbox.connections)) == 1
    row = by_address(db_session)[refused.email]
    assert (row.status, row.attempts) == (MessageStatus.FAILED, 1)
    assert row.last_error == "message refused: 554 5.7.1 Message rejected as spam"


def test_a_4xx_is_tried_again_later_and_then_goes_through(now, db_session, smtp, three):
    _, (first, busy, last) = three
    smtp.inbox.refuse_at_rcpt[busy.email] = "451 4.2.0 Mailbox busy, try again later"

    report = deliver_due(now)

    assert (report.sent, report.retried, report.failed) == (2, 1, 0)
    row = by_address(db_session)[busy.email]
    assert (row.status, row.attempts, row.next_attempt_at) == \
        (MessageStatus.QUEUED, 1, now + timedelta(seconds=30))
    assert row.last_error == "recipient refused: 451 4.2.0 Mailbox busy, try again later"
    smtp.inbox.refuse_at_rcpt.clear()
    assert deliver_due(now + timedelta(seconds=30)).sent == 1
    assert sorted(e.rcpt_tos[0] for e in smtp.envelopes) == \
        sorted(p.email for p in (first, busy, last))
    assert smtp.count_by_message_id() == {m.message_id: 1 for m in outbox(db_session)}


@pytest.mark.parametrize("error, permanent, reason", [
    (smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"5.1.1 No such user")}), True,
     "recipient refused: 550 5.1.1 No such user"),
    (smtplib.SMTPRecipientsRefused({"a@example.org": (452, b"4.2.2 Over quota")}), False,
     "recipient refused: 452 4.2.2 Over quota"),
    (smtplib.SMTPSenderRefused(553, b"5.7.1 Sender not allowed", "noreply@x"), True,
     "sender refused: 553 5.7.1 Sender not allowed"),
    (smtplib.SMTPDataError(552, b"5.3.4 Message too big"), True,
     "message refused: 552 5.3.4 Message too big"),
    (smtplib.SMTPDataError(421, b"4.4.2 Timeout"), False, "message refused: 421 4.4.2 Timeout"),
    (smtplib.SMTPNotSupportedError("SMTPUTF8 not supported"), False,
     "SMTPNotSupportedError: SMTPUTF8 not supported"),
])
def test_only_a_5xx_is_a_refusal_for_good(error, permanent, reason):
    refused = refusal(error)
    assert (refused.permanent, str(refused)) == (permanent, reason)


def test_the_organizer_sees_the_failure_on_the_registrations_page(
        now, db_session, smtp, three, make, login):
    event, (_, refused, _) = three
    smtp.inbox.refuse_at_rcpt[refused.email] = "550 5.1.1 <x> Mailbox <b>unavailable</b>"
    deliver_due(now)
    organizer = make.user(organization=event.organization)
    db_session.commit()

    page = login(organizer).get(url_for("manage.registrations_page", event_id=event.id,
                                        lang="en", _external=False))

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1 e-mail could not be delivered" in text
    failures = text[text.index('id="failed-mail"'):]
    assert refused.email in failures and "Registration confirmed" in failures
    assert "550 5.1.1 &lt;x&gt; Mailbox &lt;b&gt;unavailable&lt;/b&gt;" in failures
    assert "<b>unavailable</b>" not in text
