"""The e-mails a registration causes, queued in the outbox in the person's language."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, joinedload

from eventhub import mail, webhooks
from eventhub.calendar import invites
from eventhub.events.models import Event
from eventhub.registration import personal_links
from eventhub.registration.models import Registration, RegistrationStatus, Source

# Who may be sent mail about their registration, as SQL (for queries that pick recipients:
# event updates, reminders) and in Python (``receives_mail``, which ``_send`` asks).
RECEIVES_MAIL = and_(Registration.email.is_not(None), Registration.source != Source.WALK_IN)


def receives_mail(registration) -> bool:
    """Walk-ins never get mail: they did not ask for any (the check-in page promises them
    none), and every e-mail would tell them they registered. People whose data is erased
    have no address."""
    return registration.email is not None and registration.source != Source.WALK_IN


def _context(registration: Registration) -> dict:
    return {
        "registration": registration,
        "event": registration.event,
        "manage_url": personal_links.manage_url(registration),
        "event_url": personal_links.event_url(registration),
        "confirm_url": personal_links.confirm_url(registration)
        if registration.email_verified_at is None else None,
        # Only a confirmed place comes with the way in; the templates show it then.
        "join_url": personal_links.join_url(registration)
        if registration.status is RegistrationStatus.CONFIRMED else None,
    }


# Kinds whose text the sender renders when it first sends the message (less work in the
# request): their text depends on the registration alone and they carry no calendar
# invitation. The others are rendered when queued: an invitation is a snapshot of that
# moment, and the text must agree with it.
RENDERED_WHEN_SENT = ("registration_pending", "registration_waitlisted",
                      "registration_existing")


def _context_when_sent(message: mail.OutboxMessage, session: Session) -> dict:
    registration = session.get(Registration, message.registration_id) \
        if message.registration_id is not None else None
    if registration is None or registration.email is None:
        raise mail.InvalidMessage("the registration was deleted or its personal data erased")
    return _context(registration)


def _load_ahead(messages: list[mail.OutboxMessage], session: Session) -> list[Registration]:
    """The registrations of a batch with their events and centres, in one query: what
    ``_context_when_sent`` would otherwise read message by message."""
    ids = {m.registration_id for m in messages if m.registration_id is not None}
    return session.scalars(
        select(Registration).where(Registration.id.in_(ids))
        .options(joinedload(Registration.event).joinedload(Event.organization))).all()


for _kind in RENDERED_WHEN_SENT:
    mail.register_renderer(_kind, _context_when_sent, load_ahead=_load_ahead)


def _send(registration: Registration, template: str, now: datetime, **extra) -> None:
    """The one place where a registration's e-mails are queued (reminders pick their
    recipients with ``RECEIVES_MAIL``)."""
    if not receives_mail(registration):
        return
    if template in RENDERED_WHEN_SENT:
        mail.queue_unrendered([_unrendered(registration, template)], now)
        return
    message = mail.queue(registration.email, template, {**_context(registration), **extra},
                         language=registration.language, now=now,
                         registration_id=registration.id)
    invites.attach(message, registration, now)  # the calendar invitation, if one belongs


def _unrendered(registration: Registration, template: str) -> mail.Unrendered:
    return mail.Unrendered(registration.email, template, registration.language,
                           registration.id)


_REGISTERED = {RegistrationStatus.PENDING: "registration_pending",
               RegistrationStatus.CONFIRMED: "registration_confirmed",
               RegistrationStatus.WAITLISTED: "registration_waitlisted"}


def registered(registration: Registration, now: datetime) -> None:
    registered_all([registration], now)


def registered_all(registrations: list, now: datetime) -> None:
    """The e-mails of new registrations; those the sender renders in one statement. A
    registration whose e-mail is rendered now (confirmed) must be a Registration; for
    the others, anything with its ``id``, ``email``, ``language`` and ``status`` does."""
    _created(registrations, now)
    later = []
    for registration in registrations:
        message = _registered_later(registration)
        if message is not None:
            later.append(message)
        else:
            _send(registration, _REGISTERED[registration.status], now)
    mail.queue_unrendered(later, now)


def registered_later(registrations: list, now: datetime) -> list[mail.Unrendered]:
    """The e-mails of new pending or waitlisted registrations (``registered_all``), which
    the sender renders, for a caller that writes them itself (``mail.unrendered_rows``); their
webhooks are written here."""
    _created(registrations, now)
    later = [_registered_later(registration) for registration in registrations]
    if None in later:
        raise ValueError("only e-mails that the sender renders can be written as rows")
    return later


def _created(registrations: list, now: datetime) -> None:
    """The webhooks of new registrations (of one event, or a few), in their transaction."""
    by_event: dict[int, list[dict]] = {}
    for registration in registrations:
        by_event.setdefault(registration.event_id, []).append(
            {"registration_id": registration.id})
    for event_id, items in by_event.items():
        webhooks.emit("registration.created", event_id, now, items)


def _hook(kind: str, registration: Registration, now: datetime) -> None:
    webhooks.emit(kind, registration.event_id, now, [{"registration_id": registration.id}])


def _registered_later(registration) -> mail.Unrendered | None:
    """A new registration's e-mail if the sender renders it, else None (rendered now)."""
    template = _REGISTERED[registration.status]
    if template in RENDERED_WHEN_SENT and receives_mail(registration):
        return _unrendered(registration, template)
    return None


def existing(registration: Registration, now: datetime) -> None:
    """Someone registered an address again: remind its owner of the existing links."""
    _send(registration, "registration_existing", now)


def confirmed(registration: Registration, now: datetime) -> None:
    _hook("registration.confirmed", registration, now)
    _send(registration, "registration_confirmed", now)


def moved_up(registration: Registration, now: datetime) -> None:
    _hook("registration.moved_up", registration, now)
    _send(registration, "registration_moved_up", now)


def cancelled(registration: Registration, now: datetime, *, by_organizer: bool) -> None:
    _hook("registration.cancelled", registration, now)
    _send(registration, "registration_cancelled", now, by_organizer=by_organizer)


def event_updated(registration: Registration, now: datetime) -> None:
    """The event's time, title, venue or join link changed (see calendar.updates)."""
    _send(registration, "event_updated", now)


def event_cancelled(registration: Registration, now: datetime) -> None:
    _send(registration, "event_cancelled", now)
