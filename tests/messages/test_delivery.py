"""Messages to a selection of participants, delivered through a real SMTP server: each
person once, in their language, through an outage; walk-ins and erased people never; no
header or markup from a placeholder's value."""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from eventhub import timeutil
from eventhub.mail import MessageStatus, OutboxMessage, deliver_due
from eventhub.messages import services
from eventhub.messages.models import MessageRecipient
from eventhub.messages.services import Draft, Selection
from eventhub.registration import erasure, tokens
from tests.mail.conftest import body
from tests.registration.test_manage_registrations import add_registration

DRAFT = Draft(subject_de="Neuer Raum für {event_title}",
              body_de="Hallo {first_name},\nwir treffen uns am {event_date}.\n"
                      "Ihre Anmeldung: {personal_link}\nTeilnehmen: {join_link}",
              subject_en="New room for {event_title}",
              body_en="Hello {first_name},\nwe meet on {event_date}.\n{personal_link}")
ATTENDED_IN_SAXONY = Selection(statuses=("confirmed",), attendance="attended",
                               regions=("DE-SN",))


def _recipients(smtp, subject: str | None = None) -> Counter:
    return Counter(message["To"] for message in smtp.messages()
                   if subject is None or message["Subject"] == subject)


def test_a_selection_gets_it_once_each_in_their_language_through_an_outage(
        db_session, talk, smtp):
    now = timeutil.utcnow()
    message = services.send(talk.event, replace(DRAFT, selection=ATTENDED_IN_SAXONY),
                            talk.organizer, now)
    db_session.commit()
    assert message.recipient_count == 3  # Anna, Ben, Carla
    smtp.inbox.refuse_at_rcpt["carla@example.org"] = "451 4.3.0 try again later"
    first = deliver_due(now, limit=100)
    assert (first.sent, first.retried) == (2, 1)
    smtp.stop()  # the server goes away with Carla's e-mail still to go
    assert deliver_due(now + timedelta(seconds=30)).retried == 1
    smtp.start()
    smtp.inbox.refuse_at_rcpt.clear()
    assert deliver_due(now + timedelta(seconds=90)).sent == 1
    assert deliver_due(now + timedelta(days=1)).claimed == 0
    assert _recipients(smtp) == Counter({"anna@example.org": 1, "ben@example.org": 1,
                                         "carla@example.org": 1})
    mails = {m["To"]: m for m in smtp.messages()}
    assert mails["ben@example.org"]["Subject"] == "New room for Regionale Impulse"
    assert mails["anna@example.org"]["Subject"] == "Neuer Raum für Regionale Impulse"
    text = body(mails["anna@example.org"], "plain")
    assert "Hallo Anna,\nwir treffen uns am 21.11.2026, 10:00." in text
    assert "we meet on Nov 21, 2026, 10:00" in body(mails["ben@example.org"], "plain")
    link = next(line for line in text.splitlines() if line.startswith("Ihre Anmeldung: "))
    token = link.split("/anmeldung/")[1].split("?")[0]
    assert tokens.load(token, tokens.MANAGE).id == talk.anna.id
    assert "/j/" in text
    counts = dict(services.sent(talk.event))[message]
    assert counts == {"delivered": 3, "pending": 0, "failed": 0}


def test_walk_ins_erased_and_cancelled_people_never_get_one(db_session, talk, smtp):
    now = timeutil.utcnow()
    everyone = Selection(statuses=("confirmed", "pending", "waitlisted"))
    message = services.send(talk.event, Draft(subject_de="Folien", body_de="Die Folien.",
                                              selection=everyone), talk.organizer, now)
    db_session.commit()
    got = {talk.anna, talk.ben, talk.carla, talk.dora, talk.emil, talk.fritz, talk.waiting}
    assert message.recipient_count == len(got)
    erasure.erase(talk.fritz, now)  # erased after sending, before delivery (which moves
    db_session.commit()              # Wanda up from the waiting list: she is told so too)
    deliver_due(now)
    assert _recipients(smtp, "Folien") == Counter(
        {p.email: 1 for p in got if p is not talk.fritz})


def test_a_person_erased_while_their_e_mail_waits_gets_nothing(db_session, talk, smtp):
    """Erasure deletes unsent mail; a row left behind anyway (erased in the middle of a
    claim) is refused when the sender renders or checks it."""
    now = timeutil.utcnow()
    services.send(talk.event, Draft(subject_de="x", body_de="y",
                                    selection=Selection(regions=("DE-BB",))),
                  talk.organizer, now)
    db_session.commit()
    [queued] = db_session.scalars(select(OutboxMessage)).all()
    assert queued.registration_id == talk.dora.id
    talk.dora.erased_at = now  # as the erasure leaves her, but with her e-mail still there
    db_session.commit()
    report = deliver_due(now)
    assert report.sent == 0 and smtp.envelopes == []
    db_session.expire_all()
    row = db_session.get(OutboxMessage, queued.id)
    assert row.status in (MessageStatus.FAILED, MessageStatus.SKIPPED)
    assert "erased" in row.last_error


def test_placeholders_cannot_inject_headers_or_markup(db_session, talk, smtp):
    now = timeutil.utcnow()
    hostile = add_registration(
        db_session, talk.event, first_name="Eve\r\nBcc: victim@example.org\n<b>fett</b>",
        email="eve@example.org", region_code="DE-TH")
    db_session.commit()
    services.send(talk.event, Draft(subject_de="Hallo {first_name}",
                                    body_de="Liebe {first_name} <i>", selection=Selection(
                                        regions=("DE-TH",))), talk.organizer, now)
    db_session.commit()
    assert deliver_due(now).sent == 1
    [envelope] = smtp.envelopes
    assert envelope.rcpt_tos == ["eve@example.org"]
    [message] = smtp.messages()
    assert message["Bcc"] is None
    assert message["Subject"] == "Hallo Eve Bcc: victim@example.org <b>fett</b>"
    html = body(message, "html")
    assert "<b>fett</b>" not in html and "<i>" not in html
    assert "&lt;b&gt;fett&lt;/b&gt;" in html and "&lt;i&gt;" in html
    row = db_session.scalar(select(MessageRecipient))
    assert row.registration_id == hostile.id
    assert db_session.get(OutboxMessage, row.outbox_message_id).status is MessageStatus.SENT
