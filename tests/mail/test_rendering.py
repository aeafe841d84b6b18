"""Messages whose text the sender renders when it first sends them (``queue_unrendered``):
what is stored, what arrives, and that every retry sends the same text."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import update
from sqlalchemy.engine import Engine

from eventhub import mail
from eventhub.mail import MessageStatus, OutboxMessage, deliver_due
from eventhub.registration import notify
from eventhub.registration.models import Registration
from tests.mail.conftest import body, outbox


def test_a_pending_registration_queues_its_mail_without_text_and_the_sender_renders_it(
        now, db_session, make, register, smtp):
    registration = register(make.event(title="Regionale Impulse"))
    db_session.commit()
    [row] = outbox(db_session)
    assert (row.kind, row.unrendered) == ("registration_pending", True)
    assert (row.subject, row.body_text, row.body_html) == ("", "", "")

    assert deliver_due(now).sent == 1

    [message] = smtp.messages()
    assert message["Subject"] == "Bitte bestätigen Sie Ihre Anmeldung: Regionale Impulse"
    assert body(message, "plain").startswith(f"Guten Tag {registration.full_name},")
    [row] = outbox(db_session)
    assert row.unrendered is False
    assert row.body_text.rstrip("\n") == body(message, "plain").rstrip("\n")  # kept


def test_mail_with_a_calendar_invitation_is_rendered_when_queued(db_session, make, register):
    register(make.event(double_opt_in=False))
    [row] = outbox(db_session)
    assert (row.kind, row.unrendered) == ("registration_confirmed", False)
    assert "Guten Tag" in row.body_text


def test_a_retry_sends_the_text_rendered_for_the_first_attempt(now, db_session, make,
                                                                register, smtp):
    registration = register(make.event())
    db_session.commit()
    smtp.stop()
    assert deliver_due(now).retried == 1
    [row] = outbox(db_session)
    first_text = row.body_text
    assert row.unrendered is False and "Guten Tag" in first_text
    db_session.execute(update(Registration).where(Registration.id == registration.id)
                       .values(first_name="Geändert"))
    db_session.commit()

    smtp.start()
    assert deliver_due(now + timedelta(seconds=30)).sent == 1

    [message] = smtp.messages()
    assert body(message, "plain").rstrip("\n") == first_text.rstrip("\n")
    assert "Geändert" not in body(message, "plain")


def test_a_message_to_an_erased_person_is_not_rendered_and_fails_for_good(
        now, db_session, make, register, smtp):
    registration = register(make.event())
    db_session.commit()
    db_session.execute(update(Registration).where(Registration.id == registration.id)
                       .values(email=None, first_name=None, last_name=None))
    db_session.commit()

    report = deliver_due(now)

    assert (report.sent, report.failed) == (0, 1)
    [row] = outbox(db_session)
    assert row.status is MessageStatus.FAILED and "erased" in row.last_error
    assert (row.subject, row.body_text) == ("", "")
    assert smtp.envelopes == []


def test_text_rendered_after_the_recipient_was_erased_is_neither_kept_nor_sent(
        now, db_session, make, register, smtp, monkeypatch):
    registration = register(make.event())
    db_session.commit()
    render = notify._context_when_sent

    def erased_while_rendering(message, session):
        context = render(message, session)
        mail.forget_recipient(registration.id)  # the message is claimed: kept, blanked
        db_session.commit()
        return context

    monkeypatch.setitem(mail.rendering._renderers, "registration_pending", erased_while_rendering)

    assert deliver_due(now).claimed == 0  # neither sent nor counted as an attempt

    [row] = outbox(db_session)
    assert (row.to_address, row.body_text, row.unrendered) == (None, "", True)
    assert smtp.envelopes == []


def test_a_renderer_that_breaks_delays_only_its_own_message(
        now, db_session, make, register, smtp, monkeypatch):
    event = make.event()
    broken = register(event)
    register(event)
    db_session.commit()
    broken_id = broken.id  # read now: the test's session must not begin inside the sender's
    render = notify._context_when_sent

    def breaks_for_one(message, session):
        if message.registration_id == broken_id:
            raise RuntimeError("template bug")
        return render(message, session)

    monkeypatch.setitem(mail.rendering._renderers, "registration_pending", breaks_for_one)

    report = deliver_due(now)

    assert (report.sent, report.retried) == (1, 1)
    retried = next(r for r in outbox(db_session) if r.registration_id == broken_id)
    assert (retried.status, retried.unrendered) == (MessageStatus.QUEUED, True)
    assert "template bug" in retried.last_error


def test_an_unrendered_message_cannot_be_built():
    message = OutboxMessage(message_id="<x@eventhub.invalid>", kind="registration_pending",
                            to_address="a@example.org", subject="", body_text="",
                            body_html="", language="de", unrendered=True)
    with pytest.raises(mail.InvalidMessage, match="not been rendered"):
        mail.build_message(message, "eventhub <noreply@eventhub.invalid>")


@pytest.fixture()
def reads():
    """The SELECTs the sender sends, as they are sent."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)
    sa_event.listen(Engine, "before_cursor_execute", record)
    yield seen
    sa_event.remove(Engine, "before_cursor_execute", record)


def test_a_batch_is_read_in_a_few_queries_and_rendered_as_one_by_one(
        now, db_session, make, register, smtp, reads, monkeypatch):
    """The registrations, events and centres of a batch come in one query, the footer's
    legal links once per language; the texts are those rendered message by message."""
    event, other = make.event(title="Regionale Impulse"), make.event(title="KI im Handwerk")
    people = [register(e, language=lang) for e in (event, other) for lang in ("de", "en", "de")]
    db_session.commit()
    rows = [r for r in outbox(db_session) if r.unrendered]
    assert len(rows) == len(people) == 6
    one_by_one = {}
    for row in rows:
        copy = OutboxMessage(kind=row.kind, language=row.language,
                             registration_id=row.registration_id, unrendered=True)
        mail.render_unrendered(copy, db_session)
        one_by_one[row.message_id] = (copy.subject, copy.body_text, copy.body_html)
    reads.clear()

    assert deliver_due(now).sent == 6

    registration_reads = [s for s in reads if "FROM registrations" in s]
    assert len(registration_reads) == 1  # not one per message, nor per event or centre
    assert len([s for s in reads if "legal_" in s]) <= 2  # once per language
    sent = {r.message_id: (r.subject, r.body_text, r.body_html) for r in outbox(db_session)}
    assert sent == one_by_one
    assert {m["Subject"] for m in smtp.messages()} == {
        "Bitte bestätigen Sie Ihre Anmeldung: Regionale Impulse",
        "Please confirm your registration: Regionale Impulse",
        "Bitte bestätigen Sie Ihre Anmeldung: KI im Handwerk",
        "Please confirm your registration: KI im Handwerk"}
