"""When participants' calendars hear about a change to an event (README: "Calendar").

The rule lives in ``matters_to_calendars``: a published event whose start, end, title, venue
or join link changed. Then the event's SEQUENCE goes up and, unless the event is over, every
confirmed participant gets an updated invitation (``event_updated``). Cancelling a published
event raises SEQUENCE too and tells everyone still registered (``event_cancelled``; a CANCEL
for those with a confirmed place). Anything else (description, agenda, speakers, capacity,
registration period) sends nothing: the files on the site show it, invitations need not.

Everything here runs in the transaction of the change: the mail goes out only if it commits.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from eventhub.events.models import Event, EventStatus
from eventhub.extensions import db
from eventhub.registration import notify
from eventhub.registration.models import ACTIVE, Registration, RegistrationStatus


@dataclass(frozen=True)
class CalendarView:
    """What a participant's calendar entry shows of an event."""

    starts_at: datetime
    ends_at: datetime
    title: str
    venue: str | None
    online_join_url: str | None

    @classmethod
    def of(cls, event: Event) -> CalendarView:
        return cls(event.starts_at, event.ends_at, event.title, event.venue,
                   event.online_join_url)


def matters_to_calendars(before: CalendarView, event: Event) -> bool:
    """The rule: does this edit need a new SEQUENCE and updated invitations?"""
    return event.status is EventStatus.PUBLISHED and before != CalendarView.of(event)


def event_updated(event: Event, before: CalendarView, now: datetime) -> int:
    """After an edit (flushed): raise SEQUENCE and queue the updates. Returns mails queued."""
    if not matters_to_calendars(before, event):
        return 0
    event.sequence += 1
    db.session.flush()
    if event.ends_at <= now:  # over: nobody needs a mail about the past
        return 0
    return _tell(event, (RegistrationStatus.CONFIRMED,), notify.event_updated, now)


def event_cancelled(event: Event, was_published: bool, now: datetime) -> int:
    """After cancelling (flushed). A draft was never in anyone's calendar."""
    if not was_published:
        return 0
    event.sequence += 1
    db.session.flush()
    if event.ends_at <= now:
        return 0
    return _tell(event, ACTIVE, notify.event_cancelled, now)


def _tell(event: Event, statuses: tuple[RegistrationStatus, ...],
          send: Callable[[Registration, datetime], None], now: datetime) -> int:
    registrations = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status.in_(statuses),
               notify.RECEIVES_MAIL)
        .order_by(Registration.id)).all()
    for registration in registrations:
        send(registration, now)
    return len(registrations)
