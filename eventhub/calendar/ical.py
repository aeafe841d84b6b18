"""iCalendar files for events: public downloads, feeds and personal invitations (RFC 5546).

Pure: everything comes in as arguments (events, ``Settings`` with the configuration and the
texts in the reader's language, the time stamp) and bytes come out. Nothing here reads the
app, the request or the clock. The icalendar library does the writing: CRLF line ends,
folding at 75 octets without splitting a UTF-8 character, and escaping of text values, so
that a title cannot smuggle in a property or a component.

What goes where:

- UID: the event's stored ``uid`` (a UUID made when the event is created, never changed), so
  a new domain, a copied database or a re-import keeps every calendar entry. The public file,
  feeds and personal invitations share it: an entry imported from the page is updated by a
  later invitation rather than doubled.
- DTSTART/DTEND: wall-clock time with TZID, plus one VTIMEZONE per zone per file.
- The join link appears only in personal files: in LOCATION (where Outlook, Google and Apple
  show a clickable place) unless the event has a venue, in DESCRIPTION (every client shows
  it) and as an RFC 7986 CONFERENCE. URL is always the public event page.
"""
from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from icalendar import Alarm, Calendar, vCalAddress
from icalendar import Event as VEvent
from icalendar.timezone import is_utc, tzid_from_dt

from eventhub import timeutil
from eventhub.calendar.vtimezone import vtimezone
from eventhub.events.models import EventStatus

if TYPE_CHECKING:
    from eventhub.events.models import AgendaItem, Event

PRODID = "-//eventhub//eventhub calendar//EN"
# RFC 5545 allows no control characters in text but HTAB and line breaks (which icalendar
# escapes); a stray one from a pasted title must not break a client's parser.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Method(enum.StrEnum):
    PUBLISH = "PUBLISH"  # a file to import (downloads)
    REQUEST = "REQUEST"  # an invitation, new or updated
    CANCEL = "CANCEL"


@dataclass(frozen=True)
class Texts:
    """Words inside the file, in the reader's language (English by default)."""

    agenda: str = "Agenda"
    event_page: str = "Event page"
    join_online: str = "Join online"
    cancelled: str = "Cancelled"


@dataclass(frozen=True)
class Settings:
    organizer_email: str
    event_url: Callable[[Event], str]
    alarm_minutes: int = 15  # 0: no reminder
    texts: Texts = field(default_factory=Texts)


@dataclass(frozen=True)
class Personal:
    """What only one participant's own copy carries."""

    sequence: int  # may run ahead of the event's (see calendar.services)
    join_url: str | None = None


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str = ""
    partstat: str = "ACCEPTED"  # registered means accepted; DECLINED after cancelling


def build_calendar(events: Iterable[Event], settings: Settings, *,
                   method: Method | None = Method.PUBLISH, name: str | None = None) -> bytes:
    """Public events, without join links: the download (one event) and feeds (many).

    DTSTAMP is each event's last change, so the same events give the same bytes (ETags).
    """
    components = [vevent(event, settings, stamp=event.updated_at) for event in events]
    return _calendar(components, method, name).to_ical()


def build_personal(event: Event, settings: Settings, personal: Personal, *, stamp: datetime,
                   method: Method, attendee: Attendee | None = None) -> bytes:
    """One participant's copy: a download (PUBLISH, no ATTENDEE, as RFC 5546 wants) or an
    invitation (REQUEST or CANCEL, stamped with the time it was written)."""
    component = vevent(event, settings, stamp=stamp, personal=personal,
                       cancel=method is Method.CANCEL)
    if attendee is not None:
        component.add("ATTENDEE", _attendee(attendee))
    return _calendar([component], method, None).to_ical()


def add_attendee(ics: bytes, attendee: Attendee) -> bytes:
    """The same file with ``attendee`` added to its event (invitations are stored without
    the person, so that erasing their data leaves nothing behind)."""
    calendar = Calendar.from_ical(ics)
    for component in calendar.walk("VEVENT"):
        component.add("ATTENDEE", _attendee(attendee))
    return calendar.to_ical()


def vevent(event: Event, settings: Settings, *, stamp: datetime,
           personal: Personal | None = None, cancel: bool = False) -> VEvent:
    """The VEVENT of ``event``; join link and personal SEQUENCE only with ``personal``."""
    cancelled = cancel or event.status is EventStatus.CANCELLED
    join_url = personal.join_url if personal else None
    page_url = settings.event_url(event)
    component = VEvent()
    component.add("UID", event.uid)
    component.add("DTSTAMP", timeutil.as_utc(stamp))
    component.add("SEQUENCE", personal.sequence if personal else event.sequence)
    component.add("DTSTART", timeutil.to_local(event.starts_at, event.timezone))
    component.add("DTEND", timeutil.to_local(event.ends_at, event.timezone))
    component.add("SUMMARY", _text(_summary(event, settings.texts, cancelled and not cancel)))
    component.add("DESCRIPTION", _text(_description(event, settings.texts, page_url, join_url)))
    _add_place(component, event, join_url, settings.texts)
    component.add("URL", page_url)
    component.add("ORGANIZER", _organizer(event, settings))
    component.add("STATUS", "CANCELLED" if cancelled else "CONFIRMED")
    component.add("CREATED", timeutil.as_utc(event.created_at))
    component.add("LAST-MODIFIED", timeutil.as_utc(event.updated_at))
    if settings.alarm_minutes > 0 and not cancelled:
        component.add_component(_alarm(event, settings.alarm_minutes))
    return component


def _calendar(components: list[VEvent], method: Method | None, name: str | None) -> Calendar:
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    if method is not None:
        calendar.add("METHOD", method.value)
    if name:
        calendar.add("NAME", name)  # RFC 7986
        calendar.add("X-WR-CALNAME", name)  # what Apple, Google and Outlook read
    for tzid, (first, last) in sorted(_zone_years(components).items()):
        calendar.add_component(vtimezone(tzid, first, last))  # once per zone, before use
    for component in components:
        calendar.add_component(component)
    return calendar


def _zone_years(components: list[VEvent]) -> dict[str, tuple[int, int]]:
    """Each zone used, with the first and last year it is used in."""
    years: dict[str, tuple[int, int]] = {}
    tzids: dict[object, str | None] = {}  # per tzinfo: looking a TZID up is not free
    for component in components:
        for key in ("DTSTART", "DTEND"):
            value = component.decoded(key)
            if value.tzinfo not in tzids:  # the TZID icalendar writes; None for "Z"
                tzids[value.tzinfo] = None if is_utc(value) else tzid_from_dt(value)
            tzid = tzids[value.tzinfo]
            if tzid is not None:
                first, last = years.get(tzid, (value.year, value.year))
                years[tzid] = (min(first, value.year), max(last, value.year))
    return years


def _text(value: str) -> str:
    return _CONTROL.sub("", value)


def _summary(event: Event, texts: Texts, mark_cancelled: bool) -> str:
    # Feeds and downloads keep a cancelled event, and some apps hide STATUS: say it.
    return f"{texts.cancelled}: {event.title}" if mark_cancelled else event.title


def _description(event: Event, texts: Texts, page_url: str, join_url: str | None) -> str:
    parts = [event.summary or event.description]
    if join_url:
        parts.append(f"{texts.join_online}: {join_url}")
    if event.agenda_items:
        one_day = timeutil.to_local(event.starts_at, event.timezone).date() == \
            timeutil.to_local(event.ends_at, event.timezone).date()
        lines = [_agenda_line(item, event.timezone, one_day) for item in event.agenda_items]
        parts.append("\n".join([f"{texts.agenda} ({event.timezone}):", *lines]))
    parts.append(f"{texts.event_page}: {page_url}")
    return "\n\n".join(part for part in parts if part)


def _agenda_line(item: AgendaItem, tz_name: str, one_day: bool) -> str:
    start = timeutil.to_local(item.starts_at, tz_name)
    end = timeutil.to_local(item.ends_at, tz_name)
    when = f"{start:%H:%M}–{end:%H:%M}" if one_day else f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
    speakers = ", ".join(speaker.name for speaker in item.speakers)
    return f"{when} {item.title}" + (f" ({speakers})" if speakers else "")


def _add_place(component: VEvent, event: Event, join_url: str | None, texts: Texts) -> None:
    if event.venue or join_url:
        component.add("LOCATION", _text(event.venue or join_url))
    if join_url:
        component.add("CONFERENCE", join_url,
                      parameters={"VALUE": "URI", "FEATURE": "VIDEO",
                                  "LABEL": texts.join_online})


def _organizer(event: Event, settings: Settings) -> vCalAddress:
    organizer = vCalAddress(f"mailto:{settings.organizer_email}")
    organizer.params["CN"] = _text(event.organization.name)
    return organizer


def _attendee(attendee: Attendee) -> vCalAddress:
    address = vCalAddress(f"mailto:{attendee.email}")
    if attendee.name:
        address.params["CN"] = _text(attendee.name)
    address.params["ROLE"] = "REQ-PARTICIPANT"
    address.params["PARTSTAT"] = attendee.partstat
    address.params["RSVP"] = "FALSE"  # registering was the answer; replies are not read
    return address


def _alarm(event: Event, minutes: int) -> Alarm:
    alarm = Alarm()
    alarm.add("ACTION", "DISPLAY")
    alarm.add("DESCRIPTION", _text(event.title))
    alarm.add("TRIGGER", timedelta(minutes=-minutes))
    return alarm
