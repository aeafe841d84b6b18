"""iCalendar files for events: public downloads, feeds and personal invitations (RFC 5546).

Pure: everything comes in as arguments (events, ``Settings`` with the configuration and the
texts in the reader's language, the time stamp) and bytes come out. Nothing here reads the
app, the request or the clock. The icalendar library does the writing: CRLF line ends,
folding at 75 octets without splitting a UTF-8 character, and escaping of text values, so
that a title cannot smuggle in a property or a component. Two shortcuts for feeds of many
events write exactly the bytes icalendar would (see ``_serialize`` and ``_public_vevent``).

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
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from icalendar import Alarm, Calendar, vCalAddress, vDuration
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
_FOLD_AT = 75  # a line this long (octets) or longer is folded
log = logging.getLogger(__name__)
_END = b"END:VCALENDAR\r\n"


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
                   method: Method | None = Method.PUBLISH, name: str | None = None,
                   refresh: timedelta | None = None) -> bytes:
    """Public events, without join links: the download (one event) and feeds (many).

    DTSTAMP is each event's last change, so the same events give the same bytes (ETags).
    ``refresh``: how often a subscribed calendar should fetch the feed again.
    """
    vevents, local_times = [], []
    for event in events:
        try:
            times = _local_times(event)
            vevents.append(_public_vevent(event, settings))
        except (ValueError, OverflowError) as exc:
            # One event stored before its values were checked must not take the feed that
            # everybody subscribes to down with it.
            log.warning("Event %s left out of a calendar file: %s", event.id, exc)
            continue
        local_times += times
    calendar = _calendar([], method, name, _zone_years(local_times))
    if refresh is not None:
        calendar.add("REFRESH-INTERVAL", refresh, parameters={"VALUE": "DURATION"})  # RFC 7986
        calendar.add("X-PUBLISHED-TTL", vDuration(refresh))  # what Outlook reads
    head = _serialize(calendar)  # properties and VTIMEZONEs come before the events
    assert head.endswith(_END)
    return head[:-len(_END)] + b"".join(vevents) + _END


def _local_times(event: Event) -> list[datetime]:
    instants = (event.starts_at, event.ends_at)
    if not all(timeutil.in_supported_years(instant) for instant in instants):
        raise ValueError(f"its times lie outside the years {timeutil.FIRST_YEAR}"
                         f"-{timeutil.LAST_YEAR}")
    return [timeutil.to_local(instant, event.timezone) for instant in instants]


def build_personal(event: Event, settings: Settings, personal: Personal, *, stamp: datetime,
                   method: Method, attendee: Attendee | None = None) -> bytes:
    """One participant's copy: a download (PUBLISH, no ATTENDEE, as RFC 5546 wants) or an
    invitation (REQUEST or CANCEL, stamped with the time it was written)."""
    component = vevent(event, settings, stamp=stamp, personal=personal,
                       cancel=method is Method.CANCEL)
    if attendee is not None:
        component.add("ATTENDEE", _attendee(attendee))
    local_times = [component.decoded("DTSTART"), component.decoded("DTEND")]
    calendar = _calendar([component], method, None, _zone_years(local_times))
    return _serialize(calendar)


def add_attendee(ics: bytes, attendee: Attendee) -> bytes:
    """The same file with ``attendee`` added to its events (invitations are stored without
    the person, so that erasing their data leaves nothing behind).

    Runs for every invitation sent, so the line is inserted as text instead of parsing and
    writing the whole file again: the bytes are those icalendar writes after adding the
    property (tests/calendar/test_attendee.py compares them). icalendar itself makes the
    line (escaping and quoting of the name, RFC 6868), ``_fold`` folds it.
    """
    line = _fold(_attendee_line(attendee))[:-2]
    out, in_vevent = [], False
    for physical in ics.split(b"\r\n"):
        if in_vevent and not physical.startswith((b" ", b"\t")) and \
                _attendee_goes_before(_property_name(physical)):
            out.append(line)
            in_vevent = False
        in_vevent = in_vevent or physical == b"BEGIN:VEVENT"
        out.append(physical)
    return b"\r\n".join(out)


def with_join_url(ics: bytes, placeholder: str, join_url: str) -> bytes:
    """The same file with ``placeholder`` replaced by ``join_url`` wherever the join link
    stands (LOCATION, DESCRIPTION, CONFERENCE). An invitation is built once for many people
    and stored (``calendar.invites``); each person's own join link goes in when it is sent.

    Only the lines that hold the placeholder are written again (escaped as their values
    are, folded by ``_fold``): the bytes are those of a file built with ``join_url``.
    """
    old = placeholder.encode("utf-8")
    out = []
    for folded in _content_lines(ics):
        logical = folded.replace(b"\r\n ", b"").replace(b"\r\n\t", b"")
        if old not in logical:
            out.append(folded)
            continue
        value = join_url if _property_name(logical) == "CONFERENCE" else _escape(join_url)
        out.append(_fold(logical[:-2].decode("utf-8").replace(placeholder, value)))
    return b"".join(out)


def _content_lines(ics: bytes) -> list[bytes]:
    """Each content line with its folds and its CRLF, as it stands in the file."""
    lines: list[bytes] = []
    for physical in ics.split(b"\r\n")[:-1]:
        if physical.startswith((b" ", b"\t")) and lines:
            lines[-1] += physical + b"\r\n"
        else:
            lines.append(physical + b"\r\n")
    return lines


def _attendee_line(attendee: Attendee) -> str:
    component = VEvent()
    component.add("ATTENDEE", _attendee(attendee))
    return component.content_line("ATTENDEE", component["ATTENDEE"])


_PROPERTY_NAME = re.compile(rb"[A-Za-z0-9-]*")
_VEVENT_FIRST = frozenset(VEvent.canonical_order)


def _property_name(line: bytes) -> str:
    return _PROPERTY_NAME.match(line).group().decode("ascii").upper()


def _attendee_goes_before(name: str) -> bool:
    """Where icalendar writes a VEVENT's properties: the canonical ones (SUMMARY, DTSTART,
    …, SEQUENCE) first, the others in alphabetical order, then the subcomponents (VALARM).
    ATTENDEE goes after other ATTENDEEs, before the first property that follows it in
    that order, or else before BEGIN (of a VALARM) or END (of the VEVENT), which both
    sort after it too."""
    return name not in _VEVENT_FIRST and name > "ATTENDEE"


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


def _calendar(components: list[VEvent], method: Method | None, name: str | None,
              zone_years: dict[str, tuple[int, int]]) -> Calendar:
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    if method is not None:
        calendar.add("METHOD", method.value)
    if name:
        calendar.add("NAME", name)  # RFC 7986
        calendar.add("X-WR-CALNAME", name)  # what Apple, Google and Outlook read
    for tzid, (first, last) in sorted(zone_years.items()):
        calendar.add_component(vtimezone(tzid, first, last))  # once per zone, before use
    for component in components:
        calendar.add_component(component)
    return calendar


def _serialize(calendar: Calendar) -> bytes:
    """``calendar.to_ical()``, byte for byte, only faster: icalendar folds every line
    character by character, which is most of the time a feed of many events takes."""
    return b"".join(_fold(line) for line in calendar.content_lines() if line)


def _fold(line: str) -> bytes:
    """One content line with CRLF, folded as icalendar folds: at most 74 octets before each
    fold, never inside a UTF-8 character, never right after a backslash or caret (that
    character moves to the next line, so no client misreads an escape)."""
    data = line.encode("utf-8")
    if len(data) < _FOLD_AT:
        return data + b"\r\n"
    parts, start = [], 0
    while len(data) - start >= _FOLD_AT:
        cut = start + _FOLD_AT - 1
        while data[cut] & 0xC0 == 0x80:  # a continuation byte: inside a character
            cut -= 1
        if cut - start > 1 and data[cut - 1] in b"\\^":
            cut -= 1
        parts.append(data[start:cut])
        start = cut
    parts.append(data[start:])
    return b"\r\n ".join(parts) + b"\r\n"


def _zone_years(local_times: Iterable[datetime]) -> dict[str, tuple[int, int]]:
    """Each zone used by these DTSTART/DTEND values, with its first and last year."""
    years: dict[str, tuple[int, int]] = {}
    tzids: dict[object, str | None] = {}  # per tzinfo: looking a TZID up is not free
    for value in local_times:
        if value.tzinfo not in tzids:  # the TZID icalendar writes; None for "Z"
            tzids[value.tzinfo] = None if is_utc(value) else tzid_from_dt(value)
        tzid = tzids[value.tzinfo]
        if tzid is not None:
            # Bounded, so that no stored value makes a file cost a century of transitions.
            year = min(max(value.year, timeutil.FIRST_YEAR), timeutil.LAST_YEAR)
            first, last = years.get(tzid, (year, year))
            years[tzid] = (min(first, year), max(last, year))
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
    return _organizer_address(settings.organizer_email, event.organization.name)


def _organizer_address(email: str, name: str) -> vCalAddress:
    organizer = vCalAddress(f"mailto:{email}")
    organizer.params["CN"] = _text(name)
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


# -- public VEVENTs, written line by line ------------------------------------------------------
#
# A feed carries hundreds of events, and icalendar's generic machinery (a typed value and a
# parameter dictionary per property, then content lines made from them) is most of what a
# feed costs. Public VEVENTs always have the same shape, so they are written here directly,
# with icalendar's escaping, value formats and property order; the lines with parameters
# (DTSTART, ORGANIZER) and the TRIGGER are made by icalendar itself, once per zone,
# organizer and alarm. The bytes are those of ``vevent`` and ``to_ical`` (tests/calendar/
# test_feeds.py compares them); personal copies and invitations are built with ``vevent``.

def _public_vevent(event: Event, settings: Settings) -> bytes:
    cancelled = event.status is EventStatus.CANCELLED
    page_url = settings.event_url(event)
    lines = ["BEGIN:VEVENT",
             "SUMMARY:" + _escape(_summary(event, settings.texts, cancelled)),
             _local_line("DTSTART", event.starts_at, event.timezone),
             _local_line("DTEND", event.ends_at, event.timezone),
             "DTSTAMP:" + _utc(event.updated_at),
             "UID:" + _escape(event.uid),
             f"SEQUENCE:{int(event.sequence)}",
             "CREATED:" + _utc(event.created_at),
             "DESCRIPTION:" + _escape(_description(event, settings.texts, page_url, None)),
             "LAST-MODIFIED:" + _utc(event.updated_at)]
    if event.venue:
        lines.append("LOCATION:" + _escape(event.venue))
    lines += [_organizer_line(settings.organizer_email, event.organization.name),
              "STATUS:" + ("CANCELLED" if cancelled else "CONFIRMED"),
              "URL:" + page_url]
    if settings.alarm_minutes > 0 and not cancelled:
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:" + _escape(event.title),
                  _trigger_line(settings.alarm_minutes), "END:VALARM"]
    lines.append("END:VEVENT")
    return b"".join(map(_fold, lines))


def _escape(value: str) -> str:
    """A TEXT value as icalendar writes it (RFC 5545 3.3.11), without control characters."""
    return (_text(value).replace("\\N", "\n").replace("\\", "\\\\").replace(";", "\\;")
            .replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
            .replace("\r", "\\n"))


def _stamp(value: datetime) -> str:
    return (f"{value.year:04}{value.month:02}{value.day:02}"
            f"T{value.hour:02}{value.minute:02}{value.second:02}")


def _utc(value: datetime) -> str:
    return _stamp(timeutil.as_utc(value)) + "Z"


def _local_line(name: str, instant: datetime, tz_name: str) -> str:
    prefix, suffix = _local_format(name, tz_name)
    return prefix + _stamp(timeutil.to_local(instant, tz_name)) + suffix


@lru_cache(maxsize=256)
def _local_format(name: str, tz_name: str) -> tuple[str, str]:
    """("DTSTART;TZID=Europe/Berlin:", "") or, for UTC, ("DTSTART:", "Z"), as icalendar
    writes a time of that zone."""
    component = VEvent()
    component.add(name, datetime(2000, 1, 1, tzinfo=timeutil.zone(tz_name)))
    line = component.content_line(name, component[name])
    colon = line.rindex(":") + 1
    return line[:colon], "Z" if line.endswith("Z") else ""


@lru_cache(maxsize=1024)
def _organizer_line(email: str, name: str) -> str:
    component = VEvent()
    component.add("ORGANIZER", _organizer_address(email, name))
    return component.content_line("ORGANIZER", component["ORGANIZER"])


@lru_cache(maxsize=16)
def _trigger_line(minutes: int) -> str:
    alarm = Alarm()
    alarm.add("TRIGGER", timedelta(minutes=-minutes))
    return alarm.content_line("TRIGGER", alarm["TRIGGER"])
