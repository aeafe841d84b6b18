"""The e-mails a registration causes, queued in the outbox in the person's language."""
from __future__ import annotations

from datetime import datetime

from eventhub import links, mail
from eventhub.calendar import invites
from eventhub.registration import tokens
from eventhub.registration.models import Registration, RegistrationStatus


def _context(registration: Registration) -> dict:
    context = {
        "registration": registration,
        "event": registration.event,
        "manage_url": links.external_url("registration.personal",
                                         token=tokens.make(registration, tokens.MANAGE)),
        "event_url": links.external_url("events.detail", slug=registration.event.slug),
        "confirm_url": None,
    }
    if registration.email_verified_at is None:
        context["confirm_url"] = links.external_url(
            "registration.confirm", token=tokens.make(registration, tokens.CONFIRM))
    return context


def _send(registration: Registration, template: str, now: datetime,
          **extra) -> mail.OutboxMessage | None:
    if registration.email is None:
        return None
    message = mail.queue(registration.email, template, {**_context(registration), **extra},
                         language=registration.language, now=now,
                         registration_id=registration.id)
    invites.attach(message, registration, now)  # the calendar invitation, if one belongs
    return message


def registered(registration: Registration, now: datetime) -> mail.OutboxMessage | None:
    template = {RegistrationStatus.PENDING: "registration_pending",
                RegistrationStatus.CONFIRMED: "registration_confirmed",
                RegistrationStatus.WAITLISTED: "registration_waitlisted"}[registration.status]
    return _send(registration, template, now)


def existing(registration: Registration, now: datetime) -> None:
    """Someone registered an address again: remind its owner of the existing links."""
    _send(registration, "registration_existing", now)


def confirmed(registration: Registration, now: datetime) -> None:
    _send(registration, "registration_confirmed", now)


def moved_up(registration: Registration, now: datetime) -> None:
    _send(registration, "registration_moved_up", now)


def cancelled(registration: Registration, now: datetime, *, by_organizer: bool) -> None:
    _send(registration, "registration_cancelled", now, by_organizer=by_organizer)


def event_updated(registration: Registration, now: datetime) -> None:
    """The event's time, title, venue or join link changed (see calendar.updates)."""
    _send(registration, "event_updated", now)


def event_cancelled(registration: Registration, now: datetime) -> None:
    _send(registration, "event_cancelled", now)
