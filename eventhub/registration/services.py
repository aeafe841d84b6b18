"""Registration rules: capacity, waitlist, double opt-in, cancellation, erasure.

Places are counted under a lock on the event row (``SELECT … FOR NO KEY UPDATE`` on
PostgreSQL; SQLite serialises writers with ``BEGIN IMMEDIATE``), so confirmed plus pending
places never exceed the capacity, however many requests arrive at once.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, func, insert, inspect, select, update
from sqlalchemy.orm import lazyload

from eventhub import mail
from eventhub.db import for_update, insert_unless_exists
from eventhub.errors import RuleViolation
from eventhub.events.models import Event, EventStatus
from eventhub.extensions import db
from eventhub.organizations import regions
from eventhub.registration import notify, queries
from eventhub.registration.models import (
    HOLDS_PLACE,
    Answer,
    OrganizationSize,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
    new_token_key,
)

S = RegistrationStatus
# Organizers may add people before registration opens or after it has closed.
ORGANIZER_MAY_OVERRIDE = ("not_yet", "closed")


class RegistrationClosed(Exception):
    """Registration is not possible; ``reason`` says why (for the message shown)."""

    def __init__(self, reason: str) -> None:  # not_found, cancelled, past, not_yet, closed
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Applicant:
    email: str
    first_name: str
    last_name: str
    organization_size: OrganizationSize
    region_code: str
    organization_name: str = ""
    job_role: str = ""
    language: str = "de"
    consent: bool = False
    answers: dict[int, str | list[str] | bool] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    registration: Registration
    created: bool  # False: the address was registered already (the page must not tell)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def lock_event(event_id: int) -> Event | None:
    """The event, reloaded and locked until the transaction ends.

    ``FOR NO KEY UPDATE``, not ``FOR UPDATE``: a transaction that has already written a
    registration holds a key-share lock on its event (the foreign key), which ``FOR
    UPDATE`` would wait for — two such registrations would deadlock. The weaker lock still
    excludes every other ``lock_event`` and every UPDATE of the event.
    """
    return db.session.scalar(for_update(_LOCK_EVENT, db.session, of=Event, key_share=True),
                             {"event_id": event_id})


_LOCK_EVENT = (select(Event).where(Event.id == bindparam("event_id"))
               .options(lazyload(Event.organization))  # no join while others wait
               .execution_options(populate_existing=True))


def closed_reason(event: Event, now: datetime) -> str | None:
    """Why nobody can register now, or None if registration is open."""
    if event.status is EventStatus.DRAFT:
        return "not_found"
    if event.status is EventStatus.CANCELLED:
        return "cancelled"
    if event.ends_at <= now:
        return "past"
    if event.registration_opens_at and now < event.registration_opens_at:
        return "not_yet"
    if event.registration_closes_at and now >= event.registration_closes_at:
        return "closed"
    return None


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


def _tally(event: Event, now: datetime, *, besides: Registration) -> _Tally:
    """What placing ``besides`` under the event lock needs to know, in one statement. The
    count reads the places held; whether anything is overdue and the last number are each
    a short walk through an index (``ix_registrations_event_expiry``,
    ``ix_registrations_event_waitlist``), however long the waiting list grows. Written so
    that every part matches its index fully: the plan stays right before the table has
    statistics and as a prepared statement's generic plan."""
    return _Tally(*db.session.execute(_TALLY, {
        "event_id": event.id, "besides": besides.id or 0, "now": now}).one())


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first on the waitlist; None if not waitlisted."""
    if registration.status is not S.WAITLISTED:
        return None
    return queries.waitlist_positions(registration.event, [registration.id])[registration.id]


def _answers(event: Event, given: dict[int, str | list[str] | bool]) -> list[Answer]:
    answers = []
    for question in event.questions:
        value = _answer_value(question, given.get(question.id))
        if value:
            answers.append(Answer(question_id=question.id, value=value))
        elif question.required:
            raise RuleViolation(_l("Please answer this question."), f"q_{question.id}")
    return answers


def _answer_value(question: Question, raw) -> str:
    field_name = f"q_{question.id}"
    if question.kind is QuestionKind.CHECKBOX:
        return "yes" if raw is True or raw in ("y", "yes", "on", "1") else ""
    if question.kind is QuestionKind.MULTIPLE_CHOICE:
        chosen = [raw] if isinstance(raw, str) else list(raw or [])
        if any(c not in question.options for c in chosen):
            raise RuleViolation(_l("Choose from the options given."), field_name)
        return json.dumps(chosen, ensure_ascii=False) if chosen else ""
    text = (raw or "").strip() if isinstance(raw, str) else ""
    if question.kind is QuestionKind.SINGLE_CHOICE and text and text not in question.options:
        raise RuleViolation(_l("Choose from the options given."), field_name)
    limit = 5000 if question.kind is QuestionKind.LONG_TEXT else 300
    if len(text) > limit:
        raise RuleViolation(_l("Please shorten your answer to %(n)d characters.", n=limit),
                            field_name)
    return text


def _check_applicant(event: Event, applicant: Applicant, source: str) -> list[Answer]:
    if not regions.exists(applicant.region_code):
        raise RuleViolation(_l("Choose a region from the list."), "region_code")
    if source == "form" and not applicant.consent:
        raise RuleViolation(_l("Please agree to the privacy notice."), "consent")
    return _answers(event, applicant.answers)


def _find(event: Event, email: str, *, lock: bool = False) -> Registration | None:
    query = select(Registration).where(Registration.event_id == event.id,
                                       Registration.email == email)
    if lock:
        query = for_update(query.execution_options(populate_existing=True), db.session,
                           of=Registration)
    return db.session.scalar(query)


def register(event_id: int, applicant: Applicant, now: datetime, *,
             source: str = "form") -> Outcome:
    """Register ``applicant``: a place, pending or confirmed, if one is free, else the
    waiting list.

    Registrations for one event take turns on the event's row lock, so the lock is held
    only for what must be decided in turn. Before it, without the lock: the checks, the
    registration row with a suggested outcome (written unless the address has one
    already; see ``_place``), and its e-mail. Under it: the count and the final outcome
    — almost always the one suggested; if not (the last places went meanwhile),
    the row and the e-mail are corrected before the commit.
    """
    event = db.session.get(Event, event_id)  # the view's copy, if it loaded the event
    _check_open(event, now, source)
    answers = _check_applicant(event, applicant, source)
    email = normalize_email(applicant.email)
    verified = source != "form" or not event.double_opt_in
    for last_try in (False, True):
        registration = _insert(event, email, applicant, answers, source, now,
                               verified=verified)
        if registration is not None:
            break
        # The address has a registration for this event already, or got one at this very
        # moment (a double click, which the INSERT waited for).
        existing = _find(event, email)
        if existing is not None and existing.is_active:
            notify.existing(existing, now)
            return Outcome(existing, created=False)
        if existing is not None:
            return _register_again(event_id, email, applicant, answers, source, now,
                                   verified=verified)
        if last_try:  # refused twice by a row that is not there: a real fault
            raise RuntimeError(f"cannot write the registration of event {event_id}")
    message = notify.registered(registration, now)  # queued before the lock
    suggested = registration.status
    event = lock_event(event_id)  # reloads the event: it may have changed meanwhile
    _check_open(event, now, source)
    _place(event, registration, now, verified=verified)
    if registration.status is not suggested:
        if message is not None:
            db.session.delete(message)  # its calendar invitation goes with it
        db.session.flush()
        notify.registered(registration, now)
    return Outcome(registration, created=True)


def _insert(event: Event, email: str, applicant: Applicant, answers: list[Answer],
            source: str, now: datetime, *, verified: bool) -> Registration | None:
    """Write a new registration with a suggested outcome (a waiting-list number is drawn
    only under the lock); None if the address has a row for the event already."""
    draft = Registration(event_id=event.id, email=email)  # never added to the session
    _fill(draft, applicant, source, now)
    _place(event, draft, now, verified=verified, locked=False)
    state = inspect(draft)
    values = {attr.key: state.dict[attr.key] for attr in state.mapper.column_attrs
              if attr.key in state.dict}
    registration = db.session.scalars(
        insert_unless_exists(Registration, db.session, "event_id", "email")
        .returning(Registration), [values]).one_or_none()
    if registration is not None and answers:
        db.session.execute(insert(Answer), [
            {"registration_id": registration.id, "question_id": a.question_id,
             "value": a.value} for a in answers])
    return registration


def _register_again(event_id: int, email: str, applicant: Applicant, answers: list[Answer],
                    source: str, now: datetime, *, verified: bool) -> Outcome:
    """The address's registration was cancelled or expired: it becomes a new one (rare, so
    all under the lock). The event's lock first, as cancel and erase take it, then the
    row's, so that two requests for one address take turns."""
    event = lock_event(event_id)
    _check_open(event, now, source)
    registration = _find(event, email, lock=True)
    if registration.is_active:  # registered again by a request just before this one
        notify.existing(registration, now)
        return Outcome(registration, created=False)
    _fill(registration, applicant, source, now)
    registration.answers = answers
    _place(event, registration, now, verified=verified)
    db.session.flush()
    notify.registered(registration, now)
    return Outcome(registration, created=True)


def _check_open(event: Event | None, now: datetime, source: str) -> None:
    if event is None:
        raise RegistrationClosed("not_found")
    reason = closed_reason(event, now)
    if reason and not (source == "organizer" and reason in ORGANIZER_MAY_OVERRIDE):
        raise RegistrationClosed(reason)


def _fill(registration: Registration, applicant: Applicant, source: str,
          now: datetime) -> None:
    registration.first_name = applicant.first_name.strip()
    registration.last_name = applicant.last_name.strip()
    registration.organization_name = applicant.organization_name.strip()
    registration.job_role = applicant.job_role.strip()
    registration.organization_size = applicant.organization_size
    registration.region_code = applicant.region_code
    registration.language = applicant.language
    registration.source = source
    registration.consent_version = (current_app.config["PRIVACY_NOTICE_VERSION"]
                                    if applicant.consent else None)
    registration.consented_at = now if applicant.consent else None
    registration.token_key = new_token_key()  # a re-registration revokes old links
    for stamp in ("email_verified_at", "pending_expires_at", "confirmed_at", "waitlisted_at",
                  "waitlist_number", "cancelled_at"):
        setattr(registration, stamp, None)


# Per process: whether an event had no free place left after its last registration
# placed here. It only suggests the outcome written before the lock (and the e-mail
# queued for it), instead of a count of its own; the count under the lock decides.
_full_when_last_seen: dict[int, bool] = {}


def _place(event: Event, registration: Registration, now: datetime, *, verified: bool,
           locked: bool = True) -> None:
    """Give the registration a place if one is free, else a place on the waitlist.

    Only with the event ``locked`` is the outcome final: then the places are counted,
    pending registrations past their deadline are expired if the event looks full (the
    one case where releasing them changes the answer; the scheduler's expiry job releases
    the others, and the places they free go to the waiting list first), and a
    waiting-list number is drawn. Without the lock, the outcome is a suggestion.
    """
    if verified:
        registration.email_verified_at = registration.email_verified_at or now
    tally = None
    if not locked:
        full = _full_when_last_seen.get(event.id, False)
    elif event.capacity is None:
        full = False
    else:
        tally = _tally(event, now, besides=registration)
        if tally.held >= event.capacity and tally.overdue:
            expire_overdue(event, now, besides=registration)
            tally = _tally(event, now, besides=registration)
        full = tally.held >= event.capacity
        _full_when_last_seen[event.id] = tally.held + 1 >= event.capacity  # with this one
    if full:
        if registration.status is not S.WAITLISTED or registration.waitlist_number is None:
            registration.waitlisted_at = now
            registration.waitlist_number = tally.last_number + 1 if tally else None
        registration.status = S.WAITLISTED
        registration.pending_expires_at = registration.confirmed_at = None
        return
    registration.waitlisted_at = registration.waitlist_number = None
    if registration.email_verified_at is None:
        registration.status = S.PENDING
        registration.pending_expires_at = now + timedelta(
            hours=current_app.config["REGISTRATION_CONFIRM_HOURS"])
    else:
        registration.status = S.CONFIRMED
        registration.confirmed_at = now


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
    _place(event, registration, now, verified=not event.double_opt_in)
    db.session.flush()
    notify.moved_up(registration, now)


def expire_overdue(event: Event, now: datetime, *,
                   besides: Registration | None = None) -> int:
    """Pending registrations past their deadline lose their place (caller holds the lock);
    the waiting list (``besides`` that registration) moves up."""
    result = db.session.execute(
        update(Registration)
        .where(Registration.event_id == event.id, Registration.status == S.PENDING,
               Registration.pending_expires_at <= now)
        .values(status=S.EXPIRED, pending_expires_at=None)
        .execution_options(synchronize_session="fetch"))
    if result.rowcount:
        fill_free_places(event, now, besides=besides)
    return result.rowcount


def expire_all_overdue(now: datetime) -> int:
    """For the periodic job: expire overdue pending registrations of every event."""
    event_ids = db.session.scalars(select(Registration.event_id).distinct().where(
        Registration.status == S.PENDING, Registration.pending_expires_at <= now)).all()
    total = 0
    for event_id in event_ids:
        total += expire_overdue(lock_event(event_id), now)
    return total


def erase(registration: Registration, now: datetime) -> None:
    """Delete the person's data for real; keep region, size and status for statistics."""
    cancel(registration, now)
    mail.forget_recipient(registration.id)
    for name in ("email", "first_name", "last_name", "organization_name", "job_role"):
        setattr(registration, name, None)
    registration.answers = []
    registration.token_key = new_token_key()
    registration.erased_at = now
    db.session.flush()
