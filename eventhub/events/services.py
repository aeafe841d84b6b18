"""Rules for creating, changing, publishing, cancelling and deleting events (duplicating:
eventhub.events.copies)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from eventhub import audit, timeutil, webhooks
from eventhub.attendance.models import AttendanceImport
from eventhub.auth.models import User
from eventhub.calendar import updates as calendar_updates
from eventhub.errors import NotPermitted, RuleViolation
from eventhub.events import joinurls, policy, slugs
from eventhub.events.models import Event, EventFormat, EventStatus
from eventhub.extensions import db
from eventhub.organizations.models import Organization
from eventhub.registration import services as registration_services
from eventhub.registration.models import Registration
from eventhub.reminders import services as reminders

MAX_CAPACITY = 1_000_000


@dataclass(frozen=True)
class EventData:
    """What an organizer enters; times are wall-clock times in ``timezone``."""

    organization_id: int
    title: str
    format: EventFormat
    starts_local: datetime
    ends_local: datetime
    timezone: str = "Europe/Berlin"
    summary: str = ""
    description: str = ""
    online_join_url: str | None = None
    venue: str | None = None
    capacity: int | None = None
    registration_opens_local: datetime | None = None
    registration_closes_local: datetime | None = None
    slug: str | None = None
    double_opt_in: bool = True


def local_to_utc(local: datetime | None, tz_name: str, field: str) -> datetime | None:
    if local is None:
        return None
    if not timeutil.in_supported_years(local):
        raise RuleViolation(_l("Enter a date between the years %(first)d and %(last)d.",
                               first=timeutil.FIRST_YEAR, last=timeutil.LAST_YEAR), field)
    try:
        return timeutil.from_local(local, tz_name)
    except timeutil.InvalidLocalTime as exc:
        if str(exc) == "nonexistent":
            raise RuleViolation(_l("This time does not exist in the chosen time zone "
                                   "(clocks are put forward)."), field) from None
        raise RuleViolation(_l("This time occurs twice in the chosen time zone (clocks are "
                               "put back); choose another."), field) from None


def _check_organization(actor: User, organization_id: int) -> Organization:
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        raise RuleViolation(_l("Choose an organization from the list."), "organization_id")
    if not policy.can_manage_organization(actor, organization_id):
        raise NotPermitted()
    return organization


def _times(data: EventData) -> dict[str, datetime | None]:
    if not timeutil.is_valid_zone(data.timezone):
        raise RuleViolation(_l("Choose a time zone from the list."), "timezone")
    times = {
        "starts_at": local_to_utc(data.starts_local, data.timezone, "starts_local"),
        "ends_at": local_to_utc(data.ends_local, data.timezone, "ends_local"),
        "registration_opens_at": local_to_utc(data.registration_opens_local, data.timezone,
                                         "registration_opens_local"),
        "registration_closes_at": local_to_utc(data.registration_closes_local, data.timezone,
                                          "registration_closes_local"),
    }
    if times["ends_at"] <= times["starts_at"]:
        raise RuleViolation(_l("The end must be after the start."), "ends_local")
    opens, closes = times["registration_opens_at"], times["registration_closes_at"]
    if opens and closes and closes <= opens:
        raise RuleViolation(_l("Registration must close after it opens."),
                            "registration_closes_local")
    if opens and opens >= times["ends_at"]:
        raise RuleViolation(_l("Registration must open before the event ends."),
                            "registration_opens_local")
    if closes and closes > times["ends_at"]:
        raise RuleViolation(_l("Registration cannot close after the event has ended."),
                            "registration_closes_local")
    return times


def _check_content(data: EventData) -> None:
    if data.format is EventFormat.HYBRID and not (data.venue or "").strip():
        raise RuleViolation(_l("A hybrid event needs a venue."), "venue")
    if data.capacity is not None and not 1 <= data.capacity <= MAX_CAPACITY:
        raise RuleViolation(_l("Capacity must be from 1 to 1,000,000, or empty for no "
                               "limit."), "capacity")
    url = (data.online_join_url or "").strip()
    if url and not joinurls.is_valid(url):
        raise RuleViolation(_l("Enter a full address starting with https://, without spaces "
                               "or line breaks."), "online_join_url")


def unique_slug(wanted: str, *, exclude_id: int | None = None) -> str:
    base = slugs.slugify(wanted)
    candidate, n = base, 1
    while True:
        query = select(Event.id).where(Event.slug == candidate)
        if exclude_id is not None:
            query = query.where(Event.id != exclude_id)
        if db.session.scalar(query) is None:
            return candidate
        n += 1
        suffix = f"-{n}"
        candidate = base[: slugs.MAX_LENGTH - len(suffix)] + suffix


# What the audit trail compares when an event is edited (old and new values).
AUDITED_FIELDS = ("organization_id", "title", "slug", "format", "summary", "description",
                  "timezone", "online_join_url", "venue", "capacity", "double_opt_in",
                  "starts_at", "ends_at", "registration_opens_at", "registration_closes_at")


def _apply(event: Event, data: EventData, times: dict[str, datetime | None]) -> None:
    event.organization_id = data.organization_id
    event.title = data.title.strip()
    event.format = data.format
    event.summary = data.summary.strip()
    event.description = data.description.strip()
    event.timezone = data.timezone
    event.online_join_url = (data.online_join_url or "").strip() or None
    event.venue = (data.venue or "").strip() or None
    event.capacity = data.capacity
    event.double_opt_in = data.double_opt_in
    for name, value in times.items():
        setattr(event, name, value)


def _slug_for(data: EventData, exclude_id: int | None) -> str:
    if data.slug:
        if not slugs.is_valid_slug(data.slug):
            raise RuleViolation(_l("Use lower-case letters, digits and hyphens only."), "slug")
        return unique_slug(data.slug, exclude_id=exclude_id)
    return unique_slug(data.title, exclude_id=exclude_id)


def create_event(actor: User, data: EventData) -> Event:
    _check_organization(actor, data.organization_id)
    times = _times(data)
    _check_content(data)
    event = Event(status=EventStatus.DRAFT, created_by_id=actor.id,
                  slug=_slug_for(data, None))
    _apply(event, data, times)
    db.session.add(event)
    db.session.flush()
    reminders.ensure_default_rules(event)
    audit.record(actor, "event.create", None, event=event, target=("event", event.id),
                 details={"title": event.title})
    return event


def update_event(actor: User, event: Event, data: EventData, *,
                 now: datetime | None = None) -> Event:
    ensure_can_manage(actor, event)
    _check_organization(actor, data.organization_id)
    if event.status is EventStatus.CANCELLED:
        raise RuleViolation(_l("A cancelled event cannot be changed; duplicate it instead."))
    times = _times(data)
    _check_content(data)
    slug = _slug_for(data, event.id) if data.slug and data.slug != event.slug else event.slug
    calendar_before = calendar_updates.CalendarView.of(event)
    before = audit.snapshot(event, AUDITED_FIELDS)
    _move_agenda(event, times["starts_at"], times["ends_at"])  # the last check: it moves
    event.slug = slug
    old_capacity = event.capacity
    _apply(event, data, times)
    db.session.flush()
    now = now or timeutil.utcnow()
    changed = audit.changes(before, event)
    if changed:
        audit.record(actor, "event.update", now, event=event, target=("event", event.id),
                     details=changed)
    # Before places are filled: people moving up get the new details in their invitation.
    calendar_updates.event_updated(event, calendar_before, now)
    if _capacity_grew(old_capacity, event.capacity):
        if event.ends_at > now:
            registration_services.fill_free_places(registration_services.lock_event(event.id),
                                                   now)
    webhooks.emit("event.changed", event.id, now)
    return event


def _capacity_grew(old: int | None, new: int | None) -> bool:
    return old is not None and (new is None or new > old)


def _move_agenda(event: Event, new_start: datetime, new_end: datetime) -> None:
    """Agenda items move with the event's start; all must still fit the new times."""
    delta = new_start - event.starts_at if event.starts_at else None
    if not delta:
        moved = [(item.starts_at, item.ends_at) for item in event.agenda_items]
    else:
        moved = [(item.starts_at + delta, item.ends_at + delta) for item in event.agenda_items]
    if any(start < new_start or end > new_end for start, end in moved):
        raise RuleViolation(_l("The agenda no longer fits into the event's time; shorten or "
                               "delete agenda items first."), "ends_local")
    for item, (start, end) in zip(event.agenda_items, moved, strict=True):
        item.starts_at, item.ends_at = start, end


def ensure_can_manage(actor: User, event: Event) -> None:
    if not policy.can_manage_event(actor, event):
        raise NotPermitted()


def publish_event(actor: User, event: Event, now: datetime) -> Event:
    ensure_can_manage(actor, event)
    if event.status is not EventStatus.DRAFT:
        raise RuleViolation(_l("Only a draft can be published."))
    if event.ends_at <= now:
        raise RuleViolation(_l("An event that is over cannot be published."))
    event.status = EventStatus.PUBLISHED
    event.published_at = now
    db.session.flush()
    audit.record(actor, "event.publish", now, event=event, target=("event", event.id))
    webhooks.emit("event.published", event.id, now)
    return event


def cancel_event(actor: User, event: Event, now: datetime) -> Event:
    ensure_can_manage(actor, event)
    if event.status is EventStatus.CANCELLED:
        raise RuleViolation(_l("The event is cancelled already."))
    was_published = event.status is EventStatus.PUBLISHED
    event.status = EventStatus.CANCELLED
    event.cancelled_at = now
    db.session.flush()
    calendar_updates.event_cancelled(event, was_published, now)
    audit.record(actor, "event.cancel", now, event=event, target=("event", event.id))
    webhooks.emit("event.cancelled", event.id, now)
    return event


def deletion_refused(event: Event) -> str | None:
    """Why ``event`` cannot be deleted, or None. Only an event that was never published can
    go, and only while nobody is registered for it (organizers can add people to a draft
    by hand) and no attendance report was imported: those records are kept, for the people
    concerned and for audit. Such an event can be cancelled instead."""
    if event.is_public:
        return _l("An event that has been published cannot be deleted; cancel it instead.")
    if _has_records(event.id):
        return _l("This draft cannot be deleted: people are registered for it or attendance "
                  "reports were imported. Cancel it instead.")
    return None


def delete_draft(actor: User, event: Event) -> None:
    """Delete a never published event with its agenda, speakers, questions and reminders."""
    ensure_can_manage(actor, event)
    registration_services.lock_event(event.id)  # registering by hand waits, or went first
    reason = deletion_refused(event)
    if reason is not None:
        raise RuleViolation(reason)
    audit.record(actor, "event.delete", None, event=event, target=("event", event.id),
                 details={"title": event.title})
    db.session.delete(event)
    db.session.flush()


def _has_records(event_id: int) -> bool:
    return any(db.session.scalar(select(model.id).where(model.event_id == event_id).limit(1))
               is not None for model in (Registration, AttendanceImport))
