"""The pure builder: what each file contains, its structure, its times and its escaping,
as read back by icalendar and by vobject (which builds its zones from our VTIMEZONEs)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from eventhub import timeutil
from eventhub.calendar import ical
from eventhub.events.models import EventStatus
from tests.calendar.conftest import JOIN_URL, STARTS
from tests.calendar.helpers import lines, parse
from tests.factories import berlin

SETTINGS = ical.Settings(organizer_email="noreply@eventhub.test",
                         event_url=lambda event: f"https://eventhub.test/e/{event.slug}")
STAMP = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


def public(*events, settings=SETTINGS, **kw):
    return parse(ical.build_calendar(events, settings, **kw))


def invitation(event, method=ical.Method.REQUEST, sequence=3, join_url=JOIN_URL):
    attendee = ical.Attendee("erika@example.org", "Erika Mustermann")
    return parse(ical.build_personal(event, SETTINGS, ical.Personal(sequence, join_url),
                                     stamp=STAMP, method=method, attendee=attendee))


def test_the_public_file_describes_the_event_without_the_join_link(event, make):
    e = event(venue=None)
    speaker = make.speaker(e, name="Dr. Ada Lovelace")
    make.agenda_item(e, title="Begrüßung", starts_at=STARTS, speakers=[speaker])
    make.agenda_item(e, title="Diskussion", starts_at=STARTS + timedelta(minutes=30))

    parsed = public(e)

    calendar, vevent = parsed.ical, parsed.vevent
    assert (calendar["VERSION"], calendar["PRODID"], calendar["METHOD"]) == \
        ("2.0", ical.PRODID, "PUBLISH")
    assert vevent["UID"] == e.uid and vevent["SEQUENCE"] == 0
    assert vevent["SUMMARY"] == "Regionale Impulse" and vevent["STATUS"] == "CONFIRMED"
    assert vevent["URL"] == f"https://eventhub.test/e/{e.slug}"
    assert vevent["ORGANIZER"] == "mailto:noreply@eventhub.test"
    assert vevent["ORGANIZER"].params["CN"] == e.organization.name
    description = str(vevent["DESCRIPTION"])
    assert description.startswith("Fünf Zentren, ein Dialog.")
    assert "Agenda (Europe/Berlin):\n10:00–10:30 Begrüßung (Dr. Ada Lovelace)\n" \
        "10:30–11:00 Diskussion" in description
    assert b"DTSTART;TZID=Europe/Berlin:20300618T100000\r\n" in parsed.raw
    assert b"DTEND;TZID=Europe/Berlin:20300618T120000\r\n" in parsed.raw
    for name in ("DTSTAMP", "LAST-MODIFIED", "CREATED"):
        assert vevent.decoded(name).utcoffset() == timedelta(0)
    assert b"meet.example.org" not in parsed.raw and "LOCATION" not in vevent
    assert "ATTENDEE" not in vevent
    assert parsed.vobj.vevent.uid.value == e.uid


def test_dtstamp_of_public_files_is_the_last_change_so_equal_events_give_equal_bytes(event):
    e = event()
    assert ical.build_calendar([e], SETTINGS) == ical.build_calendar([e], SETTINGS)
    assert public(e).vevent.decoded("DTSTAMP") == e.updated_at.replace(microsecond=0)


def test_a_reminder_fifteen_minutes_before_unless_configured_otherwise(event):
    e = event()
    [alarm] = public(e).vevent.walk("VALARM")
    assert alarm["ACTION"] == "DISPLAY" and alarm.decoded("TRIGGER") == timedelta(minutes=-15)

    later = ical.Settings(SETTINGS.organizer_email, SETTINGS.event_url, alarm_minutes=30)
    [alarm] = public(e, settings=later).vevent.walk("VALARM")
    assert alarm.decoded("TRIGGER") == timedelta(minutes=-30)
    none = ical.Settings(SETTINGS.organizer_email, SETTINGS.event_url, alarm_minutes=0)
    assert public(e, settings=none).vevent.walk("VALARM") == []


def test_an_invitation_names_the_participant_and_carries_the_join_link(event):
    e = event(venue=None)

    parsed = invitation(e)

    vevent = parsed.ical.walk("VEVENT")[0]
    assert parsed.ical["METHOD"] == "REQUEST" and vevent["SEQUENCE"] == 3
    [attendee] = [vevent["ATTENDEE"]]
    assert attendee == "mailto:erika@example.org"
    assert attendee.params["CN"] == "Erika Mustermann"
    assert (attendee.params["PARTSTAT"], attendee.params["RSVP"]) == ("ACCEPTED", "FALSE")
    assert vevent["LOCATION"] == JOIN_URL
    assert f"Join online: {JOIN_URL}" in vevent["DESCRIPTION"]
    assert vevent["CONFERENCE"] == JOIN_URL
    assert vevent.decoded("DTSTAMP") == STAMP
    assert parsed.vobj.vevent.attendee.value == "mailto:erika@example.org"


def test_a_venue_stays_the_location_of_a_hybrid_invitation(event):
    vevent = invitation(event(venue="Markt 1, 04109 Leipzig")).vevent
    assert vevent["LOCATION"] == "Markt 1, 04109 Leipzig"
    assert JOIN_URL in vevent["DESCRIPTION"]


def test_a_cancellation_is_cancelled_without_reminder(event):
    parsed = invitation(event(), method=ical.Method.CANCEL, join_url=None)
    assert parsed.ical["METHOD"] == "CANCEL"
    assert parsed.vevent["STATUS"] == "CANCELLED" and parsed.vevent.walk("VALARM") == []
    assert parsed.vevent["SUMMARY"] == "Regionale Impulse"  # clients add "Cancelled:"


def test_a_cancelled_event_says_so_in_public_files(event):
    vevent = public(event(status=EventStatus.CANCELLED)).vevent
    assert vevent["STATUS"] == "CANCELLED"
    assert vevent["SUMMARY"] == "Cancelled: Regionale Impulse"  # apps that hide STATUS


def test_adding_the_attendee_later_keeps_everything_else(event):
    e = event()
    stored = ical.build_personal(e, SETTINGS, ical.Personal(1, JOIN_URL), stamp=STAMP,
                                 method=ical.Method.REQUEST)
    sent = icalendar.Calendar.from_ical(
        ical.add_attendee(stored, ical.Attendee("erika@example.org", "Erika")))
    [vevent] = sent.walk("VEVENT")
    assert vevent.pop("ATTENDEE") == "mailto:erika@example.org"
    assert sent.to_ical() == stored


# -- structure -----------------------------------------------------------------------------

def test_crlf_and_lines_of_at_most_75_octets_with_umlauts(event, make):
    title = "Übergänge gestalten: Künstliche Intelligenz für Kleinstunternehmen – Öffnung"
    e = event(title=title, summary="Größe ändert nichts: " + "äöüß€ " * 60)
    make.agenda_item(e, title="Überblick " * 15)

    raw = ical.build_calendar([e], SETTINGS)

    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in lines(raw)) <= 75
    assert any(len(line) >= 70 for line in lines(raw))  # folding was needed
    raw.decode("utf-8")  # no character cut in two by the folding
    assert public(e).vevent["SUMMARY"] == title
    assert public(e).vobj.vevent.summary.value == title


def test_one_vtimezone_per_zone_and_one_for_every_tzid(event):
    events = [event(), event(starts_at=STARTS + timedelta(days=200)),
              event(timezone="America/New_York"), event(timezone="UTC")]

    parsed = public(*events)

    tzids = [tz["TZID"] for tz in parsed.ical.walk("VTIMEZONE")]
    assert sorted(tzids) == ["America/New_York", "Europe/Berlin"]
    used = {value.params["TZID"] for vevent in parsed.ical.walk("VEVENT")
            for value in (vevent["DTSTART"], vevent["DTEND"]) if "TZID" in value.params}
    assert used == set(tzids)
    assert b"DTSTART:20300618T080000Z" in parsed.raw  # UTC needs no VTIMEZONE
    assert len(parsed.vobj.vevent_list) == 4


def test_vtimezones_use_yearly_rules_as_outlook_needs_the_same_in_every_file(event):
    [zone] = public(event()).ical.walk("VTIMEZONE")
    rules = {sub.name: (sub["DTSTART"].to_ical(), sub["RRULE"].to_ical())
             for sub in zone.subcomponents}
    assert rules == {"DAYLIGHT": (b"19700329T020000", b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"),
                     "STANDARD": (b"19701025T030000", b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10")}
    assert "RDATE" not in zone.to_ical().decode()
    [other_years] = public(event(starts_at=berlin(2041, 1, 5))).ical.walk("VTIMEZONE")
    assert other_years.to_ical() == zone.to_ical()


# -- time ----------------------------------------------------------------------------------

@pytest.mark.parametrize("zone, day", [
    ("Europe/Berlin", datetime(2027, 10, 31, 10)),  # last Sunday of October: clocks go back
    ("Europe/Berlin", datetime(2027, 3, 28, 10)),  # last Sunday of March: clocks go forward
    ("America/New_York", datetime(2027, 3, 14, 10)),  # second Sunday of March
    ("America/New_York", datetime(2027, 11, 7, 10)),  # first Sunday of November
    ("Africa/Casablanca", datetime(2027, 3, 1, 10)),  # no yearly rule (Ramadan): RDATEs
    ("Asia/Kolkata", datetime(2027, 3, 1, 10)),  # no daylight saving time at all
])
def test_ten_oclock_local_stays_ten_oclock_local(event, zone, day):
    starts = timeutil.from_local(day, zone)
    e = event(timezone=zone, starts_at=starts, ends_at=starts + timedelta(hours=1))

    parsed = public(e)

    by_icalendar = parsed.vevent.decoded("DTSTART")
    by_vobject = parsed.vobj.vevent.dtstart.value  # through our VTIMEZONE
    [component] = parsed.ical.walk("VTIMEZONE")
    by_vtimezone = by_icalendar.replace(tzinfo=component.to_tz(lookup_tzid=False))
    for local in (by_icalendar, by_vobject, by_vtimezone):
        assert local.replace(tzinfo=None) == day
        assert local.astimezone(UTC) == starts


# -- escaping ------------------------------------------------------------------------------

HOSTILE = 'Komma, Semikolon; "Zitat" \\ Backslash\nZeile\r\nBEGIN:VEVENT\r\nUID:evil\rEND:X'


def test_text_cannot_inject_properties_or_components(event, make):
    e = event(title=HOSTILE, venue=HOSTILE, summary=HOSTILE)
    e.organization.name = 'Zentrum "digital"; Arbeit,\r\nX-INJECTED:1'
    make.agenda_item(e, title=HOSTILE)

    for parsed in (public(e), invitation(e)):
        assert len(parsed.ical.walk("VEVENT")) == 1 and len(parsed.vobj.vevent_list) == 1
        vevent = parsed.vevent
        expected = HOSTILE.replace("\r\n", "\n").replace("\r", "\n")
        assert vevent["SUMMARY"] == expected == parsed.vobj.vevent.summary.value
        assert vevent["UID"] == e.uid
        assert "X-INJECTED" not in vevent
        assert b"\r\nUID:evil" not in parsed.raw and b"\r\nBEGIN:VEVENT\r\nUID:evil" \
            not in parsed.raw


def test_control_characters_are_dropped(event):
    vevent = public(event(title="Bell\x07 and\x0b tab\there")).vevent
    assert vevent["SUMMARY"] == "Bell and tab\there"


def test_the_builder_is_icalendar_all_the_way(event):
    # Whatever the builder writes, icalendar reads back to the same file.
    raw = ical.build_calendar([event()], SETTINGS)
    assert icalendar.Calendar.from_ical(raw).to_ical() == raw
