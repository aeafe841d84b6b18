"""Personal invitations (RFC 5546) as a real SMTP server receives them: confirmation,
updates when the event changes, cancellations; and the rule that decides when to send."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from eventhub import mail, timeutil
from eventhub.calendar import updates
from eventhub.calendar.models import CalendarInvite
from eventhub.events import services as event_services
from eventhub.events.models import EventStatus
from eventhub.registration import services
from eventhub.registration.models import RegistrationStatus
from tests.calendar.conftest import JOIN_URL
from tests.calendar.helpers import event_data, has_invitation, invitation, received
from tests.factories import berlin
from tests.mail.conftest import body, joins_as, outbox, personal_join_links


@pytest.fixture()
def organizer(make):
    return lambda event: make.user(organization=event.organization)


def test_the_confirmation_carries_an_invitation(smtp, event, register, now):
    e = event(venue=None)
    registration = register(e, first_name="Jana", last_name="Krause")

    [message] = received(smtp, now)

    assert message.get_content_type() == "multipart/mixed"
    method, parsed = invitation(message)
    assert method == "REQUEST" and parsed.ical["METHOD"] == "REQUEST"
    vevent = parsed.vevent
    assert vevent["UID"] == e.uid and vevent["SEQUENCE"] == 0
    assert vevent["ATTENDEE"] == f"mailto:{registration.email}"
    assert vevent["ATTENDEE"].params["CN"] == "Jana Krause"
    assert vevent["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert vevent["ATTENDEE"].params["RSVP"] == "FALSE"
    # The person's own join link, which records that they came (not the shared address).
    assert joins_as(vevent["LOCATION"]) == registration.id
    assert str(vevent["CONFERENCE"]) == vevent["LOCATION"]
    assert JOIN_URL not in parsed.raw.decode().replace("\r\n ", "")
    [in_text] = personal_join_links(body(message, "plain"))
    assert joins_as(in_text) == registration.id
    assert vevent["ORGANIZER"] == "mailto:noreply@eventhub.invalid"  # our sender
    assert parsed.vobj.vevent.attendee.params["CN"] == ["Jana Krause"]
    text = body(message, "plain")
    assert "Google Kalender: https://calendar.google.com/" in text
    assert "/kalender.ics" in text


def test_no_invitation_before_a_place_is_confirmed(smtp, event, register, now):
    e = event(capacity=1, double_opt_in=True)
    register(e)  # pending
    register(e)  # waiting list
    messages = received(smtp, now)
    assert len(messages) == 2 and not any(has_invitation(m) for m in messages)


def test_moving_up_with_a_confirmed_place_brings_the_invitation(smtp, event, register, now):
    e = event(capacity=1)
    first = register(e)
    waiting = register(e)
    services.cancel(first, now)

    [*_, moved_up] = received(smtp, now, waiting.email)

    assert moved_up["Subject"].startswith("Ein Platz ist für Sie frei geworden")
    method, parsed = invitation(moved_up)
    assert method == "REQUEST" and parsed.vevent["UID"] == e.uid


@pytest.mark.parametrize("change", [
    {"starts_local_delta": timedelta(hours=1)},
    {"title": "Regionale Impulse – neuer Titel"},
    {"venue": "Markt 1, Leipzig"},
    {"online_join_url": "https://meet.example.org/j/neu"},
])
def test_a_change_that_calendars_show_sends_updates_to_confirmed_participants(
        smtp, event, register, organizer, now, db_session, change):
    e = event(capacity=1)
    confirmed = register(e)
    waiting = register(e)
    received(smtp, now)
    delta = change.pop("starts_local_delta", None)
    data = event_data(e, **change)
    if delta:
        data = replace(data, starts_local=data.starts_local + delta,
                       ends_local=data.ends_local + delta)

    event_services.update_event(organizer(e), e, data, now=now)

    assert e.sequence == 1
    assert [m.to_address for m in outbox(db_session) if m.kind == "event_updated"] == \
        [confirmed.email]
    [update] = received(smtp, now, confirmed.email)[1:]
    assert update["Subject"] == f"Geändert: {e.title}"
    method, parsed = invitation(update)
    assert method == "REQUEST"
    assert (parsed.vevent["UID"], parsed.vevent["SEQUENCE"]) == (e.uid, 1)
    assert parsed.vevent.decoded("DTSTART") == timeutil.to_local(e.starts_at, e.timezone)
    assert received(smtp, now, waiting.email)[1:] == []


@pytest.mark.parametrize("change", [
    {"description": "Ausführlich neu beschrieben."}, {"summary": "Neu zusammengefasst."},
    {"capacity": 50}, {"double_opt_in": True},
])
def test_edits_calendars_do_not_show_send_nothing(event, register, organizer, now, db_session,
                                                  change):
    e = event()
    register(e)
    event_services.update_event(organizer(e), e, event_data(e, **change), now=now)
    assert e.sequence == 0
    assert [m for m in outbox(db_session) if m.kind == "event_updated"] == []


def test_the_rule_in_one_place(event):
    e = event()
    before = updates.CalendarView.of(e)
    assert not updates.matters_to_calendars(before, e)
    e.title = "Anders"
    assert updates.matters_to_calendars(before, e)
    e.status = EventStatus.DRAFT
    assert not updates.matters_to_calendars(before, e)  # nobody has a draft in a calendar


def test_moving_an_event_into_the_past_raises_sequence_but_mails_nobody(
        event, register, organizer, now, db_session):
    e = event(starts_at=now + timedelta(days=1))
    register(e)
    data = event_data(e)
    earlier = timeutil.local_naive(now - timedelta(days=2), e.timezone)
    event_services.update_event(organizer(e), e, replace(
        data, starts_local=earlier, ends_local=earlier + timedelta(hours=1)), now=now)
    assert e.sequence == 1
    assert [m for m in outbox(db_session) if m.kind == "event_updated"] == []


def test_cancelling_the_event_cancels_calendar_entries(smtp, event, register, organizer, now,
                                                        db_session):
    e = event(capacity=1)
    confirmed = register(e)
    waiting = register(e)
    event_services.update_event(organizer(e), e, event_data(e, title="Neuer Titel"), now=now)

    event_services.cancel_event(organizer(e), e, now)

    assert e.sequence == 2
    confirmation, update, cancellation = received(smtp, now, confirmed.email)
    sequences = [invitation(m)[1].vevent["SEQUENCE"] for m in (confirmation, update,
                                                                 cancellation)]
    assert sequences == [0, 1, 2]
    method, parsed = invitation(cancellation)
    assert method == "CANCEL" and parsed.ical["METHOD"] == "CANCEL"
    assert parsed.vevent["STATUS"] == "CANCELLED" and parsed.vevent["UID"] == e.uid
    assert cancellation["Subject"] == "Abgesagt: Neuer Titel"
    [_, told] = received(smtp, now, waiting.email)  # waiting list: told, no calendar part
    assert told["Subject"] == "Abgesagt: Neuer Titel" and not has_invitation(told)


def test_cancelling_a_draft_mails_nobody(event, organizer, now, db_session):
    e = event(status=EventStatus.DRAFT)
    event_services.cancel_event(organizer(e), e, now)
    assert e.sequence == 0 and outbox(db_session) == []


def test_a_participant_who_cancels_gets_a_cancel_and_a_later_invitation_wins(
        smtp, event, register, now):
    e = event()
    registration = register(e)
    services.cancel(registration, now)
    again = register(e, email=registration.email)

    first, cancelled, second = received(smtp, now, registration.email)

    method, parsed = invitation(cancelled)
    assert method == "CANCEL" and parsed.vevent["STATUS"] == "CANCELLED"
    assert parsed.vevent["ATTENDEE"].params["PARTSTAT"] == "DECLINED"
    sequences = [invitation(m)[1].vevent["SEQUENCE"] for m in (first, cancelled, second)]
    assert sequences == [0, 1, 2]  # strictly increasing for this person
    assert again.status is RegistrationStatus.CONFIRMED and e.sequence == 0


def test_an_invitation_is_fixed_when_queued_and_the_same_on_every_retry(
        event, register, now, organizer, db_session):
    e = event()
    registration = register(e)
    [message] = [m for m in outbox(db_session) if m.registration_id == registration.id]
    first = mail.build_message(message, "eventhub <noreply@eventhub.invalid>")
    event_services.update_event(organizer(e), e, event_data(e, title="Später geändert"),
                                now=now)

    retry = mail.build_message(message, "eventhub <noreply@eventhub.invalid>")

    assert invitation(retry)[1].raw == invitation(first)[1].raw
    assert invitation(retry)[1].vevent["SUMMARY"] == "Regionale Impulse"  # as the text says


def invites_of(db_session, registration) -> list[str]:
    db_session.expire_all()
    return list(db_session.scalars(select(CalendarInvite.ics).where(
        CalendarInvite.registration_id == registration.id)))


def test_erasure_leaves_no_personal_data_in_stored_invitations(smtp, event, register, now,
                                                               db_session):
    e = event()
    sent = register(e, first_name="Jana", last_name="Krause", email="jana@example.org")
    received(smtp, now)
    queued = register(e, first_name="Ole", last_name="Hansen", email="ole@example.org")

    services.erase(sent, now)
    services.erase(queued, now)

    kept = invites_of(db_session, sent)  # sent mail: the invitation stays, without the person
    assert len(kept) == 1  # the REQUEST sent (the erasure drops the unsent CANCEL with it)
    assert not any(word in ics for ics in kept for word in ("Krause", "jana@"))
    assert invites_of(db_session, queued) == []  # unsent mail is dropped with its invitation


def test_the_organizers_edit_page_queues_updates_in_its_transaction(client, login, make, event,
                                                                    register, db_session):
    e = event(starts_at=berlin(2030, 6, 18, 10))
    register(e)
    login(make.user(organization=e.organization))
    form = {"organization_id": str(e.organization_id), "title": "Verschoben",
            "slug": e.slug, "format": e.format.value, "summary": "", "description": "",
            "starts_local": "2030-06-18T11:00", "ends_local": "2030-06-18T13:00",
            "timezone": "Europe/Berlin", "online_join_url": JOIN_URL, "venue": "",
            "capacity": "", "registration_opens_local": "", "registration_closes_local": ""}

    response = client.post(f"/verwaltung/veranstaltungen/{e.id}/bearbeiten", data=form)

    assert response.status_code == 302
    db_session.expire_all()
    assert e.sequence == 1
    assert [m.kind for m in outbox(db_session)][-1] == "event_updated"
