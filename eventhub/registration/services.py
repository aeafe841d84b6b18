"""Registering: the public entry point of ``eventhub.registration``'s rules.

Callers use this module only (``from eventhub.registration import services``): it
registers, and re-exports what the modules behind it do.

- ``rules``: who may register, and with what (the checks, the same on every path);
- ``places``: the event's lock, its places, the waiting list, moving up, expiry;
- ``lifecycle``: confirm, cancel, expire every overdue pending place (the job);
- ``erasure``: a person's data deleted.

One registration and a group of them take the same way. ``register_all`` is the general
path: under the event's row lock, taken first, it counts the places, writes the rows
(one statement), their answers and e-mails (to the outbox, sent after the commit), with
the ORM, one statement after another. The public form's requests reach it in groups,
one transaction per group (``intake``, the group commit); organizers' additions and the
tests one at a time (``register``).

On PostgreSQL a group from the public form first tries ``_register_new``: the same turn
in two round trips (``pipelined``), the same rules applied in between. It is taken when
everyone in the group is new; it falls back to the general path, in the same
transaction and with the lock already held, when an address is given twice or has a
registration already, when overdue pending places must be released first, or when the
event has no double opt-in. On SQLite there is only the general path.
"""
from __future__ import annotations

from copy import copy
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import insert, select

from eventhub import mail
from eventhub.db import for_update, insert_rows_unless_exists
from eventhub.errors import RuleViolation
from eventhub.events.models import Event
from eventhub.extensions import db
from eventhub.registration import notify, pipelined
from eventhub.registration.erasure import erase
from eventhub.registration.lifecycle import cancel, confirm, expire_all_overdue
from eventhub.registration.models import Answer, Registration, RegistrationStatus, new_token_key
from eventhub.registration.places import (
    Places,
    expire_overdue,
    fill_free_places,
    free_places,
    lock_event,
    move_up,
    move_up_by_hand,
    must_expire,
    place,
    places_held,
    waitlist_position,
)
from eventhub.registration.rules import (
    ORGANIZER_MAY_OVERRIDE,
    Applicant,
    RegistrationClosed,
    check_applicant,
    closed_reason,
    normalize_email,
    refused_if_closed,
)

__all__ = [
    # registering, here
    "Outcome", "Result", "register", "register_all",
    # rules
    "ORGANIZER_MAY_OVERRIDE", "Applicant", "RegistrationClosed", "closed_reason",
    "normalize_email",
    # places
    "expire_overdue", "fill_free_places", "free_places", "lock_event", "move_up",
    "move_up_by_hand", "must_expire", "places_held", "waitlist_position",
    # lifecycle, erasure
    "cancel", "confirm", "erase", "expire_all_overdue",
]

S = RegistrationStatus


@dataclass(frozen=True)
class Outcome:
    registration_id: int
    created: bool  # False: the address was registered already (the page must not tell)

    @property
    def registration(self) -> Registration:
        """Loaded when asked for (the group commit never asks): the public form's
        registrations are written as plain rows."""
        return db.session.get(Registration, self.registration_id)


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
    refused = refused_if_closed(event, now, source, len(applicants))
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
    refused = refused_if_closed(event, now, "form", len(applicants))
    if refused is not None:
        return refused
    if turn.known or len(set(emails)) < len(emails) or not event.double_opt_in:
        return None
    results, entries = _checked(event, applicants, "form")
    if must_expire(event.capacity, turn.held, turn.overdue, len(entries)):
        return None
    places = Places(event.capacity, turn.held, turn.last_number)
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
         mail.unrendered_rows(notify.registered_later(drafts, now), now)))
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
            answers = check_applicant(event, applicant, source)
        except RuleViolation as exc:
            results[index] = exc
            continue
        entries.append(_Entry(index, normalize_email(applicant.email), applicant, answers))
    return results, entries


def _drafts(event_id: int, entries: list[_Entry], places: Places, source: str,
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
    counted = Places.counted(event, now, arriving=len(entries))
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
    """A new registration's column values, given by ``_fill`` and ``Places.give`` before
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
    place(event, registration, now, verified=verified)
    db.session.flush()
    notify.registered(registration, now)
    return Outcome(registration.id, created=True)


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
    registration.consent_version = applicant.consent_version if applicant.consent else None
    registration.consented_at = now if applicant.consent else None
    registration.token_key = new_token_key()  # a re-registration revokes old links
    for stamp in ("email_verified_at", "pending_expires_at", "confirmed_at", "waitlisted_at",
                  "waitlist_number", "cancelled_at"):
        setattr(registration, stamp, None)
