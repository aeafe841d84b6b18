"""Registration rules: capacity, waitlist, double opt-in, cancellation, erasure.

Places are counted under a lock on the event row (``SELECT … FOR NO KEY UPDATE`` on
PostgreSQL; SQLite serialises writers with ``BEGIN IMMEDIATE``), so confirmed plus pending
places never exceed the capacity, however many requests arrive at once.
"""
from __future__ import annotations

import json
from copy import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, func, insert, select, update
from sqlalchemy.orm import joinedload, lazyload

from eventhub import mail
from eventhub.db import for_update, insert_rows_unless_exists
from eventhub.errors import RuleViolation
from eventhub.events.models import Event, EventStatus
from eventhub.extensions import db
from eventhub.organizations import regions
from eventhub.registration import notify, pipelined, queries
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
    registration_id: int
    created: bool  # False: the address was registered already (the page must not tell)

    @property
    def registration(self) -> Registration:
        """Loaded when asked for (the group commit never asks): the public form's
        registrations are written as plain rows."""
        return db.session.get(Registration, self.registration_id)


def normalize_email(email: str) -> str:
    return email.strip().lower()


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


class _Places:
    """An event's places while the caller holds its lock, given out in turn: a place,
    pending or confirmed, while one is free, else the next number on the waiting list."""

    def __init__(self, capacity: int | None, held: int = 0, last_number: int = 0) -> None:
        self.capacity, self.held, self.last_number = capacity, held, last_number

    @classmethod
    def counted(cls, event: Event, now: datetime, *, arriving: int = 1,
                besides: Registration | None = None) -> _Places:
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


def _place(event: Event, registration: Registration, now: datetime, *,
           verified: bool) -> None:
    """Give one registration a place if one is free, else a place on the waiting list
    (the caller holds the event lock)."""
    _Places.counted(event, now, besides=registration).give(registration, now,
                                                           verified=verified)


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first on the waitlist; None if not waitlisted."""
    if registration.status is not S.WAITLISTED:
        return None
    return queries.waitlist_positions(registration.event, [registration.id])[registration.id]


def _answers(event: Event | pipelined.EventRow,
             given: dict[int, str | list[str] | bool]) -> list[Answer]:
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


def _check_applicant(event: Event | pipelined.EventRow, applicant: Applicant,
                     source: str) -> list[Answer]:
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
    """Register one applicant (see ``register_all``); raises what refuses them."""
    result = register_all(event_id, [applicant], now, source=source)[0]
    if isinstance(result, Exception):
        raise result
    return result


Result = Outcome | RuleViolation | RegistrationClosed


def register_all(event_id: int, applicants: list[Applicant], now: datetime, *,
                 source: str = "form") -> list[Result]:
    """Register applicants for one event in the order given: a place, pending or
    confirmed, while one is free, then the waiting list.

    All under the event's row lock, taken first: the count, the new rows (one statement
    for all of them), their answers and e-mails. Registrations for an event take turns on
    that lock, so registering several in one turn (the public form's group commit, see
    ``intake``) shares its cost and that of the COMMIT.

    One result per applicant, in order: the Outcome, or the RuleViolation or
    RegistrationClosed that refuses the applicant (nothing is written for them). An
    address that has an active registration already creates nothing and gets an e-mail
    with its links (``created`` is False; the page must not tell).

    On PostgreSQL a turn of the public form's in which everyone is new takes two round
    trips instead (``_register_new``).
    """
    if source == "form" and pipelined.available(db.session):
        results = _register_new(event_id, applicants, now)
        if results is not None:
            return results
    event = lock_event(event_id, with_questions=True)  # as it is now
    refused = _refused_if_closed(event, now, source, len(applicants))
    if refused is not None:
        return refused
    verified = source != "form" or not event.double_opt_in
    results, entries = _checked(event, applicants, source)
    new: dict[str, _Entry] = {}  # by address: the first entry for it
    known: list[_Entry] = []  # an address given twice, or registered already
    for entry in entries:
        if entry.email in new:
            known.append(entry)
        else:
            new[entry.email] = entry
    created = _insert(event, list(new.values()), source, now, verified=verified)
    for entry in new.values():
        if entry.email in created:
            results[entry.index] = Outcome(created[entry.email], created=True)
        else:
            known.append(entry)
    for entry in sorted(known, key=lambda e: e.index):
        results[entry.index] = _registered_before(event, entry, source, now,
                                                  verified=verified)
    return results


def _register_new(event_id: int, applicants: list[Applicant],
                  now: datetime) -> list[Result] | None:
    """``register_all`` for the public form on PostgreSQL in two round trips
    (``pipelined``), where every applicant is new: the common case when an event opens.
    The same rules on what the first round trip read; the second writes the rows.

    None, the event's lock held, where more is needed than new rows: an address given
    twice or registered already, overdue pending places to release first, an event
    without double opt-in (a confirmation is rendered, with its invitation, at once). The
    caller goes the general way then, in the same transaction."""
    emails = [normalize_email(applicant.email) for applicant in applicants]
    turn = pipelined.read_turn(db.session, event_id, emails, now)
    event = turn.event
    refused = _refused_if_closed(event, now, "form", len(applicants))
    if refused is not None:
        return refused
    if turn.known or len(set(emails)) < len(emails) or not event.double_opt_in:
        return None
    results, entries = _checked(event, applicants, "form")
    if must_expire(event.capacity, turn.held, turn.overdue, len(entries)):
        return None
    places = _Places(event.capacity, turn.held, turn.last_number)
    drafts = _drafts(event_id, entries, places, "form", now, verified=False)
    for draft, entry in zip(drafts, entries, strict=True):
        draft.id = turn.ids[entry.index]
        results[entry.index] = Outcome(draft.id, created=True)
    pipelined.write_turn(
        db.session,
        (Registration.__table__, [vars(draft) for draft in drafts]),
        (Answer.__table__, [{"registration_id": draft.id, "question_id": answer.question_id,
                             "value": answer.value}
                            for draft, entry in zip(drafts, entries, strict=True)
                            for answer in entry.answers]),
        (mail.OutboxMessage.__table__,
         mail.unrendered_rows(notify.registered_later(drafts), now)))
    return results


class _Entry(NamedTuple):
    index: int
    email: str
    applicant: Applicant
    answers: list[Answer]


def _checked(event: Event | pipelined.EventRow, applicants: list[Applicant],
             source: str) -> tuple[list[Result | None], list[_Entry]]:
    """The applicants checked against the event's rules: a list with the refusals at
    their index (None at the others'), and an entry for each of the others, in order."""
    results: list[Result | None] = [None] * len(applicants)
    entries = []
    for index, applicant in enumerate(applicants):
        try:
            answers = _check_applicant(event, applicant, source)
        except RuleViolation as exc:
            results[index] = exc
            continue
        entries.append(_Entry(index, normalize_email(applicant.email), applicant, answers))
    return results, entries


def _drafts(event_id: int, entries: list[_Entry], places: _Places, source: str,
            now: datetime, *, verified: bool) -> list[_Draft]:
    """The entries' new rows, places given in turn."""
    drafts = []
    for entry in entries:
        draft = _Draft(event_id=event_id, email=entry.email)
        _fill(draft, entry.applicant, source, now)
        places.give(draft, now, verified=verified)
        drafts.append(draft)
    return drafts


def _insert(event: Event, entries: list[_Entry], source: str, now: datetime, *,
            verified: bool) -> dict[str, int]:
    """Write the new registrations, places given in order, in one statement; the ids of
    those written, by address (an address with a row for the event already is left out).

    Plain rows in and ids out, no ORM objects: the group commit writes dozens at a time
    while the others wait for the lock."""
    if not entries:
        return {}
    counted = _Places.counted(event, now, arriving=len(entries))
    drafts = _drafts(event.id, entries, copy(counted), source, now, verified=verified)
    created = dict(insert_rows_unless_exists(
        db.session, Registration.__table__, [vars(draft) for draft in drafts],
        ("event_id", "email"), returning=("email", "id")))
    written: list[Registration | _Draft] = [draft for draft in drafts if draft.email in created]
    for draft in written:
        draft.id = created[draft.email]
    if len(written) < len(entries) or any(d.status is S.CONFIRMED for d in written):
        # Places in turn again, without those refused (rare), or an e-mail rendered now,
        # which needs the registration itself: the rows as objects.
        written = _loaded([draft.id for draft in written])
        if len(written) < len(entries):
            for registration in written:
                registration.waitlist_number = None
                counted.give(registration, now, verified=verified)
            db.session.flush()
    answers = [{"registration_id": created[entry.email], "question_id": a.question_id,
                "value": a.value} for entry in entries if entry.email in created
               for a in entry.answers]
    if answers:
        db.session.execute(insert(Answer.__table__), answers)
    notify.registered_all(written, now)
    return created


def _loaded(ids: list[int]) -> list[Registration]:
    """The registrations with these ids, in this order."""
    by_id = {r.id: r for r in db.session.scalars(
        select(Registration).where(Registration.id.in_(ids)))}
    return [by_id[i] for i in ids]


class _Draft:
    """A new registration's column values, given by ``_fill`` and ``_Places.give`` before
    the INSERT, and its id after it: plain attributes, cheaper than a Registration, and
    all that its e-mail needs when the sender renders it."""

    def __init__(self, **values) -> None:
        self.status = self.email_verified_at = self.waitlist_number = None
        self.__dict__.update(values)


def _registered_before(event: Event, entry: _Entry, source: str, now: datetime, *,
                       verified: bool) -> Outcome:
    """The address has a registration for the event already. If it is active, nothing
    changes and its owner is reminded of the links; if it was cancelled or expired, it
    becomes a new one (the row's lock too, as cancel and erase take it)."""
    registration = _find(event, entry.email, lock=True)
    if registration is None:  # refused by a row that is not there: a real fault
        raise RuntimeError(f"cannot write the registration of event {event.id}")
    if registration.is_active:
        notify.existing(registration, now)
        return Outcome(registration.id, created=False)
    _fill(registration, entry.applicant, source, now)
    registration.answers = entry.answers
    _place(event, registration, now, verified=verified)
    db.session.flush()
    notify.registered(registration, now)
    return Outcome(registration.id, created=True)


def _refused_if_closed(event: Event | pipelined.EventRow | None, now: datetime, source: str,
                       count: int) -> list[Result] | None:
    """If nobody can register now, a RegistrationClosed for each of ``count`` applicants
    (one each: each may be raised in its own thread); None if registration is open."""
    reason = "not_found" if event is None else closed_reason(event, now)
    if reason is None or source == "organizer" and reason in ORGANIZER_MAY_OVERRIDE:
        return None
    return [RegistrationClosed(reason) for _ in range(count)]


def _fill(registration: Registration | _Draft, applicant: Applicant, source: str,
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
