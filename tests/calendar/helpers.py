"""Helpers of the calendar tests: two independent parsers, a CalDAV client, and reading
invitations out of received e-mails."""
from __future__ import annotations

import base64
import re
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

import icalendar
import vobject

from eventhub import timeutil
from eventhub.events import services as event_services
from eventhub.mail import deliver_due

# -- parsing ---------------------------------------------------------------------------

@dataclass
class Parsed:
    """One file as icalendar and as vobject read it."""

    raw: bytes
    ical: icalendar.Calendar
    vobj: object

    @property
    def vevent(self) -> icalendar.Event:
        [vevent] = self.ical.walk("VEVENT")
        return vevent


def parse(raw: bytes) -> Parsed:
    """Both parsers must accept the file; vobject also builds its own time zones from the
    VTIMEZONE components (icalendar looks the TZID up in the tz database instead)."""
    _forget_vobject_zones()
    return Parsed(raw, icalendar.Calendar.from_ical(raw), vobject.readOne(raw.decode("utf-8")))


def _forget_vobject_zones() -> None:
    """vobject keeps the first VTIMEZONE it sees for a TZID for the rest of the process;
    forget them, so that each file is read on its own, as by a new client."""
    registry = vars(vobject.icalendar)["__tzidMap"]
    utc = registry["UTC"]
    registry.clear()
    registry["UTC"] = utc


def lines(raw: bytes) -> list[bytes]:
    assert raw.endswith(b"\r\n")
    return raw[:-2].split(b"\r\n")


# -- a real CalDAV server ------------------------------------------------------------------

class CalDAV:
    """Radicale, started for the test session; one fresh calendar per ``new_calendar``."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self._auth = "Basic " + base64.b64encode(b"tester:secret").decode()

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None) -> tuple[int, bytes]:
        headers = {"Authorization": self._auth}
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(self.base + path, data=body, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def new_calendar(self) -> str:
        path = f"/tester/{uuid.uuid4().hex}/"
        status, _ = self.request("MKCALENDAR", path)
        assert status == 201
        return path

    def store(self, path: str, raw: bytes) -> int:
        """PUT the event as a calendar client keeps it: an iTIP message's METHOD belongs
        to the message, not to the stored object (RFC 4791 §4.1)."""
        stored = re.sub(rb"(?m)^METHOD:[^\r\n]*\r\n", b"", raw)
        status, _ = self.request("PUT", path, stored, "text/calendar; charset=utf-8")
        return status

    def fetch(self, path: str) -> bytes:
        status, body = self.request("GET", path)
        assert status == 200
        return body


# -- e-mail and events ---------------------------------------------------------------------

def event_data(event, **changes) -> event_services.EventData:
    def local(value):
        return timeutil.local_naive(value, event.timezone) if value else None
    data = event_services.EventData(
        organization_id=event.organization_id, title=event.title, format=event.format,
        starts_local=local(event.starts_at), ends_local=local(event.ends_at),
        timezone=event.timezone, summary=event.summary, description=event.description,
        online_join_url=event.online_join_url, venue=event.venue, capacity=event.capacity,
        slug=event.slug, double_opt_in=event.double_opt_in)
    return replace(data, **changes)


def received(smtp, now, to: str | None = None):
    deliver_due(now + timedelta(seconds=1))
    return [m for m in smtp.messages() if to is None or m["To"] == to]


def invitation(message):
    """The text/calendar alternative and the attachment: the same bytes, both parseable."""
    calendars = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    attachments = list(message.iter_attachments())
    assert len(calendars) == 1 and len(attachments) == 1
    part, attachment = calendars[0], attachments[0]
    assert part.get_content_disposition() is None  # shown as the invitation itself
    assert part.get_param("charset").upper() == "UTF-8"
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_type() == "application/ics"
    content = part.get_payload(decode=True)
    assert attachment.get_payload(decode=True) == content
    assert max(len(line) for line in lines(content)) <= 75  # the attendee was added too
    return part.get_param("method"), parse(content)


def has_invitation(message) -> bool:
    return any(p.get_content_type() == "text/calendar" for p in message.walk())
