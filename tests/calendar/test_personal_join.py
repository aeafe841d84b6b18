"""The join link a participant is given is their own, ``/j/<token>`` (issue 22, 6): the
e-mails called the event's shared address "your personal link", so following it recorded
no attendance. Every e-mail, invitation, calendar file and the personal page now carry the
personal link, and only while the event has a usable join address."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from eventhub import mail
from eventhub.attendance.models import Attendance
from eventhub.calendar import ical, invites
from eventhub.events import services as event_services
from eventhub.registration import tokens
from eventhub.reminders import dispatch
from eventhub.reminders import services as reminder_services
from tests.calendar.conftest import JOIN_URL
from tests.calendar.helpers import event_data, invitation, parse, received
from tests.mail.conftest import body, joins_as, outbox, personal_join_links, rendered

SENDER = "eventhub <noreply@eventhub.invalid>"
SETTINGS = ical.Settings(organizer_email="noreply@eventhub.test",
                         event_url=lambda event: f"https://eventhub.test/e/{event.slug}")
STAMP = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
PERSONAL = ("https://events.example.org/hub/j/WzQyLCJhYmNkZWZnaGlqa2xtbm9wIl0"
            ".ZzK3xA.abcdefghijklmnopqrstuvwxyz0?lang=de")


def _built(event, join_url, method=ical.Method.REQUEST) -> bytes:
    return ical.build_personal(event, SETTINGS, ical.Personal(4, join_url), stamp=STAMP,
                               method=method)


@pytest.mark.parametrize("fields", [
    {"venue": None}, {"venue": "Markt 1, Leipzig"},
    {"venue": None, "title": "Ä" * 90, "summary": "Straße; Komma, Backslash \\ " * 12},
])
@pytest.mark.parametrize("personal", [PERSONAL, "https://e.test/j/x", PERSONAL + "x" * 300])
def test_the_personal_link_goes_in_as_if_the_file_had_been_built_with_it(event, fields,
                                                                         personal):
    e = event(**fields)
    stored = _built(e, invites.JOIN_PLACEHOLDER)

    personalised = ical.with_join_url(stored, invites.JOIN_PLACEHOLDER, personal)

    assert personalised == _built(e, personal)  # byte for byte, folds included
    vevent = parse(personalised).vevent
    assert str(vevent["CONFERENCE"]) == personal
    assert personal in str(vevent["DESCRIPTION"])
    assert vevent["LOCATION"] == (e.venue or personal)
    assert invites.JOIN_PLACEHOLDER.encode() not in personalised.replace(b"\r\n ", b"")


def test_a_file_without_the_placeholder_is_left_as_it_is(event):
    cancel = _built(event(), None, ical.Method.CANCEL)
    assert ical.with_join_url(cancel, invites.JOIN_PLACEHOLDER, PERSONAL) == cancel


def test_the_update_mail_and_its_invitation_give_the_personal_link_which_records_attendance(
        smtp, event, register, make, now, client, clock, db_session):
    e = event(venue=None, starts_at=now + timedelta(days=10))
    person = register(e)
    data = event_data(e)
    event_services.update_event(make.user(organization=e.organization), e, replace(
        data, starts_local=data.starts_local + timedelta(hours=1),
        ends_local=data.ends_local + timedelta(hours=1)), now=now)

    [_, update] = received(smtp, now, person.email)

    assert update["Subject"] == f"Geändert: {e.title}"
    text, html = body(update, "plain"), body(update, "html")
    [in_text] = personal_join_links(text)
    assert "Ihr persönlicher Link zur Online-Teilnahme:\n" + in_text in text
    assert f'href="{in_text}"' in html and "meet.example.org" not in text + html
    _, parsed = invitation(update)
    location = str(parsed.vevent["LOCATION"])
    assert joins_as(location) == joins_as(in_text) == person.id
    assert str(parsed.vevent["CONFERENCE"]) == location
    assert JOIN_URL not in parsed.raw.decode().replace("\r\n ", "")

    clock.set(e.starts_at + timedelta(minutes=3))
    response = client.get(urlsplit(location).path)
    assert response.status_code == 302 and response.headers["Location"] == JOIN_URL
    db_session.expire_all()
    assert db_session.scalar(select(Attendance.attended)
                             .where(Attendance.registration_id == person.id)) is True


def test_every_retry_carries_the_same_personal_link(event, register, now, clock, db_session):
    person = register(event())
    [message] = [m for m in outbox(db_session) if m.registration_id == person.id]
    first = mail.build_message(message, SENDER)
    clock.set(now + timedelta(hours=3))  # a retry, hours later

    retry = mail.build_message(message, SENDER)

    assert invitation(retry)[1].raw == invitation(first)[1].raw
    assert joins_as(str(invitation(retry)[1].vevent["LOCATION"])) == person.id


def test_reminders_share_one_built_file_yet_each_person_gets_their_own_link(
        event, register, db_session, monkeypatch):
    e = event()
    reminder_services.ensure_default_rules(e)
    people = [register(e) for _ in range(3)]
    built = []
    original = ical.build_personal
    monkeypatch.setattr(ical, "build_personal",
                        lambda *args, **kw: built.append(1) or original(*args, **kw))

    assert dispatch.run(e.starts_at - timedelta(hours=23)).queued == 3

    assert len(built) == 1  # one file for all three, as before
    sent = [m for m in rendered(db_session) if m.kind == "reminder"]
    links = {m.to_address: str(invitation(mail.build_message(m, SENDER))[1].vevent["LOCATION"])
             for m in sent}
    assert {p.email: joins_as(links[p.email]) for p in people} == \
        {p.email: p.id for p in people}


def test_without_a_join_address_nobody_gets_a_join_link(event, register, db_session, client):
    person = register(event(online_join_url=None, venue="Markt 1, Leipzig"))
    [message] = [m for m in rendered(db_session) if m.registration_id == person.id]
    page = client.get(f"/anmeldung/{tokens.make(person, tokens.MANAGE)}").get_data(
        as_text=True)
    own_file = client.get(f"/anmeldung/{tokens.make(person, tokens.MANAGE)}/kalender.ics")
    for text in (message.body_text, message.body_html, page, own_file.data.decode(),
                 invitation(mail.build_message(message, SENDER))[1].raw.decode()):
        assert personal_join_links(text) == [] and "/j/" not in text
    assert "Online teilnehmen" not in own_file.data.decode()
