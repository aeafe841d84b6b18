"""A registration after it is written: confirmed, cancelled, expired.

Each takes the event's lock first (``places.lock_event``), then reloads the registration,
as registering does (``services``); a place given back goes to the waiting list
(``places.fill_free_places``). Overdue pending places are released here by the
scheduler's job (``expire_all_overdue``), and by registering itself where a newcomer
would not fit otherwise (``places.Places.counted``).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from eventhub.extensions import db
from eventhub.registration import notify
from eventhub.registration.models import Registration, RegistrationStatus
from eventhub.registration.places import expire_overdue, fill_free_places, lock_event

S = RegistrationStatus


def confirm(registration: Registration, now: datetime) -> str:
    """Follow the e-mailed link. Returns confirmed, waitlisted, already, expired, inactive."""
    event = lock_event(registration.event_id)
    db.session.refresh(registration)
    if registration.status is S.CONFIRMED:
        return "already"
    if registration.status is S.WAITLISTED:
        registration.email_verified_at = registration.email_verified_at or now
        return "waitlisted"
    if registration.status is not S.PENDING:
        return "inactive"
    if registration.pending_expires_at and registration.pending_expires_at <= now:
        expire_overdue(event, now)
        return "expired"
    registration.status = S.CONFIRMED
    registration.confirmed_at = now
    registration.email_verified_at = now
    registration.pending_expires_at = None
    db.session.flush()
    notify.confirmed(registration, now)
    return "confirmed"


def cancel(registration: Registration, now: datetime, *, by_organizer: bool = False) -> bool:
    """Cancel; a freed place goes to the first on the waitlist. False if not active."""
    event = lock_event(registration.event_id)
    db.session.refresh(registration)
    if not registration.is_active:
        return False
    held = registration.holds_place
    registration.status = S.CANCELLED
    registration.cancelled_at = now
    registration.pending_expires_at = None
    db.session.flush()
    notify.cancelled(registration, now, by_organizer=by_organizer)
    if held:
        fill_free_places(event, now)
    return True


def expire_all_overdue(now: datetime) -> int:
    """For the periodic job: expire overdue pending registrations of every event."""
    event_ids = db.session.scalars(select(Registration.event_id).distinct().where(
        Registration.status == S.PENDING, Registration.pending_expires_at <= now)).all()
    total = 0
    for event_id in event_ids:
        total += expire_overdue(lock_event(event_id), now)
    return total
