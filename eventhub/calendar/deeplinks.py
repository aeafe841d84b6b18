"""Links that open Google Calendar or Outlook.com with the event filled in.

Plain links: the page loads nothing from Google or Microsoft; only a click leaves the site
(and our Referrer-Policy keeps the page's address, which may hold a personal token, to
ourselves). Both services take the times in UTC; Google also gets the event's zone (ctz)
so that it shows the event the way the organizer wrote it.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from eventhub import timeutil

if TYPE_CHECKING:
    from eventhub.events.models import Event

GOOGLE = "https://calendar.google.com/calendar/render"
OUTLOOK = "https://outlook.live.com/calendar/0/deeplink/compose"
# Both put the details into the URL: keep them short (the agenda is in the .ics file).
MAX_DETAILS = 1000


def details(event: Event, page_url: str, join_url: str | None = None) -> str:
    parts = [event.summary[:MAX_DETAILS] if event.summary else "", join_url or "", page_url]
    return "\n\n".join(part for part in parts if part)


def _query(values: dict[str, str]) -> str:
    # %20 rather than "+" for spaces: Outlook shows a "+" as it is.
    return urlencode(values, safe="/", quote_via=quote)


def _utc(value: datetime, pattern: str) -> str:
    return timeutil.as_utc(value).strftime(pattern)


def google(event: Event, text: str, location: str) -> str:
    dates = "/".join(_utc(t, "%Y%m%dT%H%M%SZ") for t in (event.starts_at, event.ends_at))
    query = {"action": "TEMPLATE", "text": event.title, "dates": dates,
             "ctz": event.timezone, "details": text}
    if location:
        query["location"] = location
    return f"{GOOGLE}?{_query(query)}"


def outlook(event: Event, text: str, location: str) -> str:
    query = {"path": "/calendar/action/compose", "rru": "addevent", "subject": event.title,
             "startdt": _utc(event.starts_at, "%Y-%m-%dT%H:%M:%SZ"),
             "enddt": _utc(event.ends_at, "%Y-%m-%dT%H:%M:%SZ"), "body": text}
    if location:
        query["location"] = location
    return f"{OUTLOOK}?{_query(query)}"
