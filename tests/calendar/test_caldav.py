"""Every kind of file stored in a real CalDAV server (Radicale) and read back unchanged in
meaning; an update replaces the stored entry instead of adding a second one."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from eventhub import timeutil
from eventhub.events import services as event_services
from eventhub.registration import services, tokens
from tests.calendar.helpers import event_data, invitation, parse, received


def meaning(raw: bytes) -> dict:
    """What a calendar shows, as icalendar and vobject (through the VTIMEZONE) read it."""
    parsed = parse(raw)
    vevent, vobj = parsed.vevent, parsed.vobj.vevent
    start = vevent.decoded("DTSTART")
    assert vobj.dtstart.value.astimezone(UTC) == start.astimezone(UTC)
    assert vobj.uid.value == vevent["UID"] and vobj.summary.value == vevent["SUMMARY"]
    return {"uid": str(vevent["UID"]), "sequence": int(vevent["SEQUENCE"]),
            "local": start.replace(tzinfo=None), "tzid": vevent["DTSTART"].params.get("TZID"),
            "utc": start.astimezone(UTC), "summary": str(vevent["SUMMARY"]),
            "status": str(vevent["STATUS"])}


def store_and_read(caldav, calendar: str, name: str, raw: bytes) -> dict:
    assert caldav.store(calendar + name, raw) in (201, 204)
    return meaning(caldav.fetch(calendar + name))


@pytest.mark.parametrize("zone, day", [
    ("Europe/Berlin", datetime(2027, 10, 31, 10)),
    ("Europe/Berlin", datetime(2027, 3, 28, 10)),
    ("America/New_York", datetime(2027, 3, 14, 10)),
])
def test_the_public_download_is_stored_unchanged(caldav, client, event, zone, day):
    starts = timeutil.from_local(day, zone)
    e = event(title="Übergänge, Umbrüche; „Zukunft“", timezone=zone, starts_at=starts,
              ends_at=starts + timedelta(hours=2))
    raw = client.get(f"/veranstaltungen/{e.slug}/kalender.ics").data

    stored = store_and_read(caldav, caldav.new_calendar(), "event.ics", raw)

    assert stored == meaning(raw)
    assert (stored["local"], stored["tzid"], stored["utc"]) == (day, zone, starts)
    assert stored["summary"] == "Übergänge, Umbrüche; „Zukunft“"


def test_the_personal_download_is_stored_unchanged(caldav, client, event, register):
    registration = register(event())
    raw = client.get(f"/anmeldung/{tokens.make(registration, tokens.MANAGE)}/kalender.ics").data
    assert store_and_read(caldav, caldav.new_calendar(), "mine.ics", raw) == meaning(raw)


def test_invitation_update_and_cancellation_move_one_stored_entry(
        caldav, smtp, event, register, make, now):
    e = event()
    registration = register(e)
    organizer = make.user(organization=e.organization)
    calendar = caldav.new_calendar()
    entry = f"{e.uid}.ics"

    [confirmation] = received(smtp, now, registration.email)
    request = invitation(confirmation)[1].raw
    assert store_and_read(caldav, calendar, entry, request) == meaning(request)

    data = event_data(e)
    event_services.update_event(organizer, e, replace(
        data, starts_local=data.starts_local + timedelta(hours=2),
        ends_local=data.ends_local + timedelta(hours=2)), now=now)
    update = invitation(received(smtp, now, registration.email)[-1])[1].raw
    stored = store_and_read(caldav, calendar, entry, update)
    assert stored == meaning(update)
    assert (stored["sequence"], stored["utc"]) == (1, e.starts_at)
    # The same UID under another name would be a second entry: the server refuses it.
    assert caldav.store(calendar + "second.ics", update) == 409

    event_services.cancel_event(organizer, e, now)
    cancel = invitation(received(smtp, now, registration.email)[-1])[1].raw
    stored = store_and_read(caldav, calendar, entry, cancel)
    assert stored == meaning(cancel)
    assert (stored["status"], stored["sequence"], stored["uid"]) == ("CANCELLED", 2, e.uid)


def test_a_participants_cancellation_is_stored_unchanged(caldav, smtp, event, register, now):
    registration = register(event())
    services.cancel(registration, now)
    confirmation, cancellation = received(smtp, now, registration.email)
    calendar = caldav.new_calendar()
    store_and_read(caldav, calendar, "entry.ics", invitation(confirmation)[1].raw)

    cancel = invitation(cancellation)[1].raw
    stored = store_and_read(caldav, calendar, "entry.ics", cancel)

    assert stored == meaning(cancel) and stored["status"] == "CANCELLED"
    assert stored["sequence"] == 1
