"""Duplicating an event: a new draft with the same details, agenda, speakers, registration
questions and reminders, at a new start the organizer picks in the same step.

The copy's title is proposed on the duplicate form as "<title> (Kopie)", the marker in the
organizer's interface language ("(copy)" in English), and can be changed there. A title is
content, not interface text: what the form sends is stored as it is and never translated
later, like any other title.

Everything timed moves with the start by the same amount of time (not of wall-clock time):
the end, each agenda item and the registration period keep their distance from the start,
also across a change of daylight saving time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from eventhub import audit, timeutil
from eventhub.auth.models import User
from eventhub.errors import RuleViolation
from eventhub.events.models import AgendaItem, Event, EventStatus, Speaker
from eventhub.events.services import ensure_can_manage, local_to_utc, unique_slug
from eventhub.extensions import db
from eventhub.registration.models import Question
from eventhub.reminders import services as reminders

MAX_TITLE = 200  # Event.title
_SAME = ("organization_id", "format", "summary", "description", "timezone", "online_join_url",
         "venue", "capacity", "double_opt_in")
_MOVED = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")


@dataclass(frozen=True)
class CopyData:
    title: str
    starts_local: datetime  # wall-clock time in the event's zone


def proposed_title(title: str, template: str) -> str:
    """``template`` ("%(title)s (Kopie)") around ``title``, shortened so that it fits."""
    room = max(MAX_TITLE - len(template % {"title": ""}), 0)
    return template % {"title": title[:room].rstrip()}


def proposed_start(event: Event, now: datetime) -> datetime:
    """The copy's proposed start (wall-clock time in the event's zone): a week after the
    original if that is still ahead; otherwise the original's weekday and time of day, at
    least a week from today, which leaves time to announce it."""
    start = timeutil.local_naive(event.starts_at, event.timezone)
    if start + timedelta(days=7) > timeutil.local_naive(now, event.timezone):
        return start + timedelta(days=7)
    first = timeutil.local_naive(now, event.timezone).date() + timedelta(days=7)
    day = first + timedelta(days=(start.weekday() - first.weekday()) % 7)
    return datetime.combine(day, start.time())


def _new_start(event: Event, data: CopyData, now: datetime) -> datetime:
    start = local_to_utc(data.starts_local, event.timezone, "starts_local")
    if start <= now:
        raise RuleViolation(_l("Choose a start in the future."), "starts_local")
    end = timeutil.to_local(event.ends_at + (start - event.starts_at), event.timezone)
    if not timeutil.in_supported_years(end):
        raise RuleViolation(_l("Enter a date between the years %(first)d and %(last)d.",
                               first=timeutil.FIRST_YEAR, last=timeutil.LAST_YEAR),
                            "starts_local")
    return start


def duplicate_event(actor: User, event: Event, data: CopyData, now: datetime) -> Event:
    """A new draft like ``event``, starting at ``data.starts_local``."""
    ensure_can_manage(actor, event)
    title = data.title.strip()
    if not title or len(title) > MAX_TITLE:
        raise RuleViolation(_l("Enter a title of at most 200 characters."), "title")
    shift = _new_start(event, data, now) - event.starts_at
    copy = Event(status=EventStatus.DRAFT, created_by_id=actor.id, title=title,
                 slug=unique_slug(event.slug))
    for column in _SAME:
        setattr(copy, column, getattr(event, column))
    for column in _MOVED:
        value = getattr(event, column)
        setattr(copy, column, value + shift if value is not None else None)
    _copy_program(event, copy, shift)
    copy.questions = [Question(label=q.label, help_text=q.help_text, kind=q.kind,
                               required=q.required, options=list(q.options),
                               position=q.position) for q in event.questions]
    db.session.add(copy)
    db.session.flush()
    reminders.copy_rules(event, copy)
    audit.record(actor, "event.duplicate", now, event=copy, target=("event", copy.id),
                 details={"source_event_id": event.id, "title": copy.title})
    return copy


def _copy_program(event: Event, copy: Event, shift: timedelta) -> None:
    """Speakers, and agenda items at the same distance from the start, with their links."""
    speakers = {}
    for speaker in event.speakers:
        speakers[speaker.id] = Speaker(
            name=speaker.name, role=speaker.role, organization_name=speaker.organization_name,
            region_code=speaker.region_code, bio=speaker.bio, position=speaker.position)
        copy.speakers.append(speakers[speaker.id])
    for item in event.agenda_items:
        copy.agenda_items.append(AgendaItem(
            title=item.title, description=item.description, starts_at=item.starts_at + shift,
            ends_at=item.ends_at + shift, position=item.position,
            speakers=[speakers[s.id] for s in item.speakers]))
