"""The links that belong to one participant, as they leave the site: in e-mails, calendar
files and invitations, and on their personal page.

Each carries the language the person registered in (``?lang=``), so that the pages it
opens speak it, whatever the browser was last set to.

The join link is always the personal one, ``/j/<token>``: it records attendance before it
leads to the meeting (``eventhub.attendance``), where the event's shared address would
record nothing. There is none while the event has no usable join address.
"""
from __future__ import annotations

from datetime import datetime

from eventhub import links
from eventhub.registration import tokens
from eventhub.registration.models import Registration


def manage_url(registration: Registration) -> str:
    return _url(registration, "registration.personal",
                token=tokens.make(registration, tokens.MANAGE))


def confirm_url(registration: Registration) -> str:
    return _url(registration, "registration.confirm",
                token=tokens.make(registration, tokens.CONFIRM))


def event_url(registration: Registration) -> str:
    """The event page, in the person's language (not personal, but read beside the rest)."""
    return _url(registration, "events.detail", slug=registration.event.slug)


def join_url(registration: Registration, *, issued_at: datetime | None = None) -> str | None:
    """The personal join link, or None if the event has no usable join address.
    ``issued_at``: see ``tokens.make`` (an invitation gets the same link on every retry)."""
    if registration.event.join_url is None:
        return None
    return join_link(registration, issued_at=issued_at)


def join_link(registration: Registration, *, issued_at: datetime | None = None) -> str:
    """The personal join link of a registration whose event need not be loaded."""
    return _url(registration, "attendance.join",
                token=tokens.make(registration, tokens.JOIN, issued_at=issued_at))


def _url(registration: Registration, endpoint: str, **values: str) -> str:
    if registration.language:
        values["lang"] = registration.language
    return links.external_url(endpoint, **values)
