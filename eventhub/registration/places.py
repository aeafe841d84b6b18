"""An event's places: the lock, the count, the waiting list and moving up from it.

Places are counted under a lock on the event row (``SELECT … FOR NO KEY UPDATE`` on
PostgreSQL; SQLite serialises writers with ``BEGIN IMMEDIATE``), so confirmed plus pending
places never exceed the capacity, however many requests arrive at once. Whatever changes
who holds a place takes ``lock_event`` first, before any registration row: registering
(``services``), confirming and cancelling (``lifecycle``), erasing (``erasure``), moving
up, expiring, and the organizer's changes to the event (``events.services``).

The general path of registering (``services.register_all``) counts with ``Places.counted``;
the pipelined one (``services._register_new``) reads the same count in its first round
trip (``pipelined.read_turn``, the same statement as ``_tally``) and gives the places out
with the same ``Places``.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import joinedload, lazyload

from eventhub.db import for_update
from eventhub.errors import RuleViolation
from eventhub.events.models import Event
from eventhub.extensions import db
from eventhub.registration import notify, queries
from eventhub.registration.models import HOLDS_PLACE, Registration, RegistrationStatus

if TYPE_CHECKING:
    from eventhub.registration.services import _Draft

S = RegistrationStatus


def lock_event(event_id: int, *, with_questions: bool = False) -> Event | None:
    """The event, reloaded and locked until the transaction ends; ``with_questions``:
    its questions too, read in the same statement (registering needs them, and every
    round trip under the lock makes the others wait longer).

    ``FOR NO KEY UPDATE``, not ``FOR UPDATE``: a transaction that has already written a
    registration holds a key-share lock on its event (the foreign key), which ``FOR
    UPDATE`` would wait for — two such registrations would deadlock. The weaker lock still
    excludes every other ``lock_event`` and every UPDATE of the event. ``OF events``: the
    questions joined in are read, not locked.
    """
    query = for_update(_LOCK_EVENT_WITH_QUESTIONS if with_questions else _LOCK_EVENT,
                       db.session, of=Event, key_share=True)
    return db.session.scalars(query, {"event_id": event_id}).unique().first()


_LOCK_EVENT = (select(Event).where(Event.id == bindparam("event_id"))
               .options(lazyload(Event.organization))  # no join while others wait
               .execution_options(populate_existing=True))
_LOCK_EVENT_WITH_QUESTIONS = _LOCK_EVENT.options(joinedload(Event.questions))


def places_held(event: Event) -> int:
    return db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == event.id, Registration.status.in_(HOLDS_PLACE))) or 0


def free_places(event: Event) -> int | None:
    """None means no limit."""
    if event.capacity is None:
        return None
    return max(event.capacity - places_held(event), 0)


class _Tally(NamedTuple):
    held: int  # pending and confirmed
    overdue: bool  # some pending place is past its deadline
    last_number: int  # the highest waiting-list number drawn so far, 0 if none


def _tally_statement() -> Select:
    of_event = Registration.event_id == bindparam("event_id")
    held = select(func.count()).where(of_event, Registration.status.in_(HOLDS_PLACE),
                                      Registration.id != bindparam("besides"))
    overdue = select(Registration.id).where(of_event, Registration.status == S.PENDING,
                                            Registration.pending_expires_at <= bindparam("now"))
    last = (select(Registration.waitlist_number)
            .where(of_event, Registration.waitlist_number.is_not(None))
            .order_by(Registration.waitlist_number.desc()).limit(1))
    return select(held.scalar_subquery(), overdue.exists(),
                  func.coalesce(last.scalar_subquery(), 0))


_TALLY = _tally_statement()  # built once: it runs under the lock, for every registration


def _tally(event: Event, now: datetime, besides: Registration | None) -> _Tally:
    """The event's places in one statement. The count reads the places held; whether
    anything is overdue and the last number are each a short walk through an index
    (``ix_registrations_event_expiry``, ``ix_registrations_event_waitlist``), however long
    the waiting list grows. Written so that every part matches its index fully: the plan
    stays right before the table has statistics and as a prepared statement's generic
    plan."""
    return _Tally(*db.session.execute(_TALLY, {
        "event_id": event.id, "besides": (besides.id or 0) if besides is not None else 0,
        "now": now}).one())


class Places:
    """An event's places while the caller holds its lock, given out in turn: a place,
    pending or confirmed, while one is free, else the next number on the waiting list."""

    def __init__(self, capacity: int | None, held: int = 0, last_number: int = 0) -> None:
        self.capacity, self.held, self.last_number = capacity, held, last_number

    @classmethod
    def counted(cls, event: Event, now: datetime, *, arriving: int = 1,
                besides: Registration | None = None) -> Places:
        """Count the places for ``arriving`` registrations (``besides``: one of them that
        has a row already). Pending places past their deadline are released first if the
        newcomers would not all fit otherwise (``must_expire``; the scheduler's expiry job
        releases the others), and the places they free go to the waiting list first."""
        if event.capacity is None:
            return cls(None)
        tally = _tally(event, now, besides)
        if must_expire(event.capacity, tally.held, tally.overdue, arriving):
            expire_overdue(event, now, besides=besides)
            tally = _tally(event, now, besides)
        return cls(event.capacity, tally.held, tally.last_number)

    def give(self, registration: Registration | _Draft, now: datetime, *,
             verified: bool) -> None:
        if verified:
            registration.email_verified_at = registration.email_verified_at or now
        if self.capacity is not None and self.held >= self.capacity:
            if registration.status is not S.WAITLISTED or registration.waitlist_number is None:
                self.last_number += 1
                registration.waitlisted_at = now
                registration.waitlist_number = self.last_number
            registration.status = S.WAITLISTED
            registration.pending_expires_at = registration.confirmed_at = None
            return
        self.held += 1
        registration.waitlisted_at = registration.waitlist_number = None
        if registration.email_verified_at is None:
            registration.status = S.PENDING
            registration.pending_expires_at = now + timedelta(
                hours=current_app.config["REGISTRATION_CONFIRM_HOURS"])
        else:
            registration.status = S.CONFIRMED
            registration.confirmed_at = now


def must_expire(capacity: int | None, held: int, overdue: bool, arriving: int) -> bool:
    """Whether overdue pending places must be released before ``arriving`` registrations
    are placed: only if they would not all fit otherwise, the one case where it changes
    an answer."""
    return capacity is not None and held + arriving > capacity and overdue


def place(event: Event, registration: Registration, now: datetime, *,
          verified: bool) -> None:
    """Give one registration a place if one is free, else a place on the waiting list
    (the caller holds the event lock)."""
    Places.counted(event, now, besides=registration).give(registration, now,
                                                          verified=verified)


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first on the waitlist; None if not waitlisted."""
    if registration.status is not S.WAITLISTED:
        return None
    return queries.waitlist_positions(registration.event, [registration.id])[registration.id]


def fill_free_places(event: Event, now: datetime, *,
                     besides: Registration | None = None) -> list[Registration]:
    """Move people up from the waitlist, in order, while places are free (``besides``: a
    registration being placed right now, not yet in the queue)."""
    free = free_places(event)
    query = (select(Registration)
             .where(Registration.event_id == event.id, Registration.status == S.WAITLISTED)
             .order_by(Registration.waitlist_number))
    if besides is not None:
        query = query.where(Registration.id != besides.id)
    if free is not None:
        if free <= 0:
            return []
        query = query.limit(free)
    promoted = list(db.session.scalars(query))
    for registration in promoted:
        move_up(event, registration, now)
    return promoted


def move_up_by_hand(registration: Registration, now: datetime) -> None:
    """An organizer gives a waitlisted person a free place, out of turn if they like."""
    event = lock_event(registration.event_id)
    db.session.refresh(registration)
    if registration.status is not S.WAITLISTED:
        raise RuleViolation(_l("Only a registration on the waiting list can move up."))
    move_up(event, registration, now)


def move_up(event: Event, registration: Registration, now: datetime) -> None:
    """Give a waitlisted registration a free place (pending until its address is known).
    The caller holds the event lock."""
    if free_places(event) == 0:
        raise RuleViolation(_l("There is no free place; raise the capacity first."))
    registration.waitlisted_at = registration.waitlist_number = None
    place(event, registration, now, verified=not event.double_opt_in)
    db.session.flush()
    notify.moved_up(registration, now)


def expire_overdue(event: Event, now: datetime, *,
                   besides: Registration | None = None) -> int:
    """Pending registrations past their deadline lose their place (caller holds the lock);
    the waiting list (``besides`` that registration) moves up. Here rather than in
    ``lifecycle``: counting the places calls it (``Places.counted``), and it calls
    ``fill_free_places``."""
    result = db.session.execute(
        update(Registration)
        .where(Registration.event_id == event.id, Registration.status == S.PENDING,
               Registration.pending_expires_at <= now)
        .values(status=S.EXPIRED, pending_expires_at=None)
        .execution_options(synchronize_session="fetch"))
    if result.rowcount:
        fill_free_places(event, now, besides=besides)
    return result.rowcount
