"""Delivery through a real SMTP server (aiosmtpd on 127.0.0.1): what arrives, to whom, in
which language; outages, refusals, retries with backoff, crashed senders, file delivery."""
from __future__ import annotations

import email
import email.policy
import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from eventhub import mail, timeutil
from eventhub.extensions import db
from eventhub.mail import MessageStatus, OutboxMessage, deliver_due
from eventhub.mail.delivery import _claim
from eventhub.mail.outcomes import DeliveryReport, Outcomes, retry_delay
from eventhub.registration.models import RegistrationStatus
from tests.mail.conftest import body, joins_as, outbox, personal_join_links

TITLE = "Regionale Impulse für die digitale Arbeitswelt von morgen"


def header_lines(raw: bytes) -> list[str]:
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("ascii")
    return [line for line in head.splitlines() if line and not line[0].isspace()]


def test_mail_arrives_as_german_text_and_html_with_stable_headers(now, db_session, make,
                                                                  register, smtp):
    event = make.event(title=TITLE)
    registration = register(event)
    db_session.commit()
    [row] = outbox(db_session)

    report = deliver_due(now)

    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    [envelope] = smtp.envelopes
    assert envelope.rcpt_tos == [registration.email]
    assert envelope.mail_from == "noreply@eventhub.invalid"
    [message] = smtp.messages()
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Subject"] == f"Bitte bestätigen Sie Ihre Anmeldung: {TITLE}"
    assert message["To"] == registration.email
    assert message["From"] == "eventhub <noreply@eventhub.invalid>"
    assert message["Message-ID"] == row.message_id
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "de"
    assert message["Date"].datetime == row.created_at.replace(microsecond=0)
    assert body(message, "plain").startswith(f"Guten Tag {registration.full_name},\n")
    assert "Bitte bestätigen Sie Ihre E-Mail-Adresse" in body(message, "html")
    [row] = outbox(db_session)
    assert (row.status, row.sent_at, row.attempts, row.lease_until) == \
        (MessageStatus.SENT, now, 0, None)


def test_english_for_people_who_registered_in_english(now, db_session, make, register, smtp):
    registration = register(make.event(title=TITLE), language="en")
    db_session.commit()

    assert deliver_due(now).sent == 1

    [message] = smtp.messages()
    assert message["Subject"] == f"Please confirm your registration: {TITLE}"
    assert message["Content-Language"] == "en"
    assert body(message, "plain").startswith(f"Hello {registration.full_name},\n")
    assert "Please confirm your e-mail address" in body(message, "html")
    assert "Bitte" not in body(message, "plain")


def test_links_in_the_mail_confirm_and_manage_the_registration(now, db_session, make,
                                                                register, smtp, client):
    event = make.event(title=TITLE, online_join_url="https://meet.example.org/j/4711")
    registration = register(event)
    db_session.commit()
    deliver_due(now)
    [pending] = smtp.messages()
    assert event.online_join_url not in body(pending, "plain")  # not confirmed yet
    confirm_path = re.search(r"^https?://[^/]+(/\S*bestaetigen/\S+)$", body(pending, "plain"),
                             re.M).group(1)

    response = client.post(confirm_path)

    assert response.status_code == 302
    db_session.refresh(registration)
    assert registration.status is RegistrationStatus.CONFIRMED
    assert deliver_due(timeutil.utcnow()).sent == 1  # the view queued it at its own time
    confirmed = smtp.messages()[1]
    assert confirmed["Subject"] == f"Anmeldung bestätigt: {TITLE}"
    text = body(confirmed, "plain")
    assert event.online_join_url not in text  # the shared address records nobody
    [join] = personal_join_links(text)
    assert joins_as(join) == registration.id
    manage_path = re.search(r"^https?://[^/]+(/anmeldung/[^/\s]+)$", text, re.M).group(1)
    page = client.get(manage_path)
    assert page.status_code == 200
    assert registration.full_name in page.get_data(as_text=True)


def test_header_injection_through_the_title_stays_inside_the_subject(now, db_session, make,
                                                                      register, smtp):
    event = make.event(title="Digitaltag\r\nBcc: victim@example.org\nX-Evil: yes")
    registration = register(event)
    db_session.commit()

    assert deliver_due(now).sent == 1

    [envelope] = smtp.envelopes
    assert envelope.rcpt_tos == [registration.email]
    lines = header_lines(envelope.content)
    assert [line.split(":")[0] for line in lines].count("Subject") == 1
    assert not [line for line in lines if line.startswith(("Bcc", "X-Evil"))]
    [message] = smtp.messages()
    assert message["Subject"] == ("Bitte bestätigen Sie Ihre Anmeldung: "
                                  "Digitaltag Bcc: victim@example.org X-Evil: yes")


def test_line_breaks_in_a_stored_subject_or_address_never_reach_the_headers(
        now, db_session, make, register, smtp):
    first = register(make.event())
    second = register(make.event())
    db_session.commit()
    good, bad = outbox(db_session)
    db_session.execute(update(OutboxMessage).where(OutboxMessage.id == good.id)
                       .values(subject="Hallo\r\nBcc: victim@example.org", unrendered=False))
    db_session.execute(update(OutboxMessage).where(OutboxMessage.id == bad.id)
                       .values(to_address=f"{second.email}\r\nBcc: victim@example.org"))
    db_session.commit()

    report = deliver_due(now)

    assert (report.sent, report.failed) == (1, 1)
    [envelope] = smtp.envelopes
    assert envelope.rcpt_tos == [first.email]
    assert [line for line in header_lines(envelope.content) if line.startswith("Subject")] \
        == ["Subject: Hallo Bcc: victim@example.org"]
    bad = outbox(db_session)[1]
    assert (bad.status, bad.attempts) == (MessageStatus.FAILED, 1)  # retrying cannot help
    assert "line break" in bad.last_error


def test_outage_backs_off_and_then_delivers_every_message_exactly_once(
        now, db_session, make, register, smtp):
    event = make.event(title=TITLE)
    for _ in range(3):
        register(event)
    db_session.commit()
    smtp.stop()
    t0 = now

    first = deliver_due(t0)

    assert (first.sent, first.retried, first.failed) == (0, 3, 0)
    rows = outbox(db_session)
    assert {(r.status, r.attempts, r.next_attempt_at) for r in rows} == \
        {(MessageStatus.QUEUED, 1, t0 + timedelta(seconds=30))}
    assert all("Connection refused" in r.last_error for r in rows)
    assert deliver_due(t0 + timedelta(seconds=29)).claimed == 0  # backing off
    assert deliver_due(t0 + timedelta(seconds=30)).retried == 3
    assert {(r.attempts, r.next_attempt_at) for r in outbox(db_session)} == \
        {(2, t0 + timedelta(seconds=30 + 60))}

    smtp.start()
    assert deliver_due(t0 + timedelta(seconds=90)).sent == 3
    assert deliver_due(t0 + timedelta(days=1)).claimed == 0

    assert smtp.count_by_message_id() == {r.message_id: 1 for r in rows}
    assert {r.status for r in outbox(db_session)} == {MessageStatus.SENT}


def test_refused_recipient_is_retried_without_the_address_in_the_error(
        now, db_session, make, register, smtp):
    registration = register(make.event())
    db_session.commit()
    smtp.inbox.refuse_recipients_with = "451 4.3.0 Mailbox busy, try again later"
    t0 = now

    assert deliver_due(t0).retried == 1

    [row] = outbox(db_session)
    assert (row.status, row.attempts) == (MessageStatus.QUEUED, 1)
    assert "451" in row.last_error and registration.email not in row.last_error
    assert smtp.envelopes == []
    smtp.inbox.refuse_recipients_with = None
    assert deliver_due(t0 + timedelta(seconds=30)).sent == 1
    assert smtp.count_by_message_id() == {row.message_id: 1}


def test_message_fails_for_good_after_the_last_attempt(now, db_session, make, register, smtp,
                                                       mail_config):
    mail_config(MAIL_MAX_ATTEMPTS=3)
    register(make.event())
    db_session.commit()
    smtp.stop()
    t0 = now

    reports = [deliver_due(t0 + timedelta(seconds=s)) for s in (0, 30, 90)]

    assert [(r.retried, r.failed) for r in reports] == [(1, 0), (1, 0), (0, 1)]
    [row] = outbox(db_session)
    assert (row.status, row.attempts) == (MessageStatus.FAILED, 3)
    smtp.start()
    assert deliver_due(t0 + timedelta(days=2)).claimed == 0
    assert smtp.envelopes == []


def test_a_pass_claims_no_more_than_its_limit_oldest_first(now, db_session, make, register,
                                                           smtp):
    event = make.event()
    for _ in range(7):
        register(event)
    db_session.commit()
    rows = outbox(db_session)

    assert deliver_due(now, limit=3).sent == 3

    assert smtp.count_by_message_id() == {r.message_id: 1 for r in rows[:3]}
    assert [r.status for r in outbox(db_session)] == [MessageStatus.SENT] * 3 + \
        [MessageStatus.QUEUED] * 4


def test_message_of_a_crashed_sender_is_taken_over_when_its_lease_expires(
        now, db_session, make, register, smtp):
    register(make.event())
    register(make.event())
    db_session.commit()
    expired, leased = outbox(db_session)
    for row, lease in ((expired, now - timedelta(seconds=1)),
                       (leased, now + timedelta(minutes=3))):
        db_session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id)
                           .values(status=MessageStatus.SENDING, lease_until=lease))
    db_session.commit()

    assert deliver_due(now).sent == 1
    assert smtp.count_by_message_id() == {expired.message_id: 1}

    assert deliver_due(now + timedelta(minutes=3, seconds=1)).sent == 1
    assert smtp.count_by_message_id() == {expired.message_id: 1, leased.message_id: 1}


def test_a_sender_whose_claim_was_taken_over_cannot_record_an_outcome(
        now, db_session, app, make, register, smtp):
    register(make.event())
    db_session.commit()
    t0 = now
    lease = timedelta(seconds=app.config["MAIL_LEASE_SECONDS"])
    [slow] = _claim(t0, t0 + lease, 10, "slow")  # a sender that then hangs past its lease
    [late] = _claim(t0 + lease + timedelta(seconds=1), t0 + 2 * lease, 10, "late")
    assert slow.id == late.id

    report = DeliveryReport()
    with Outcomes(t0, "slow", report) as outcomes:
        outcomes.failure(slow, "421 timeout")

    assert report.retried == 0
    [row] = outbox(db_session)
    assert (row.status, row.lease_until, row.claim_token, row.attempts) == \
        (MessageStatus.SENDING, t0 + 2 * lease, "late", 0)


def test_without_a_mail_server_messages_become_eml_files(now, db_session, make, register,
                                                         mail_config, tmp_path, caplog,
                                                         monkeypatch):
    mail_config(MAIL_SERVER="", MAIL_FILE_DIR=str(tmp_path / "mail"))
    # Alembic's logging setup (run by the migrations) disables loggers that exist already.
    monkeypatch.setattr(logging.getLogger("eventhub.mail.transport"), "disabled", False)
    registration = register(make.event(title=TITLE))
    db_session.commit()
    [row] = outbox(db_session)

    with caplog.at_level("INFO", logger="eventhub.mail.transport"):
        assert deliver_due(now).sent == 1

    [path] = (tmp_path / "mail").iterdir()
    assert path.suffix == ".eml" and path.stem in row.message_id
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["To"] == registration.email
    assert message["Subject"] == f"Bitte bestätigen Sie Ihre Anmeldung: {TITLE}"
    assert "Guten Tag" in body(message, "plain")
    assert str(path) in caplog.text


def test_file_delivery_defaults_to_the_instance_folder(app, mail_config):
    mail_config(MAIL_SERVER="", MAIL_FILE_DIR="")
    transport = mail.open_transport(app)
    assert transport.directory == Path(app.instance_path) / "mail"


def test_backoff_doubles_up_to_the_cap():
    delays = [retry_delay(n, 30, 3600).total_seconds() for n in (1, 2, 3, 7, 8, 500)]
    assert delays == [30, 60, 120, 1920, 3600, 3600]


def test_erasure_removes_the_address_from_a_message_in_flight(db_session, make, register):
    registration = register(make.event())
    db_session.commit()
    [row] = outbox(db_session)
    row.status = MessageStatus.SENDING
    row.last_error = f"550 <{registration.email}> mailbox unavailable"
    db_session.flush()

    mail.forget_recipient(registration.id)

    assert (row.to_address, row.body_text, row.last_error) == (None, "", None)
    assert db.session.get(OutboxMessage, row.id) is row


@pytest.mark.parametrize("address", [None, "not an address", "a@example.org, b@example.org"])
def test_messages_without_a_single_valid_recipient_cannot_be_built(address):
    message = OutboxMessage(message_id="<x@eventhub.invalid>", kind="k", to_address=address,
                            subject="s", body_text="t", body_html="<p>h</p>", language="de",
                            created_at=timeutil.utcnow())
    with pytest.raises(mail.InvalidMessage):
        mail.build_message(message, "eventhub <noreply@eventhub.invalid>")
