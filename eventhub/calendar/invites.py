"""Invitations in e-mails (iTIP over e-mail, RFC 5546/6047), the way mail programs show them.

Written when the e-mail is queued, attached when it is sent:

- Queued: the invitation is a snapshot of the event as the e-mail's text describes it, with
  its own SEQUENCE. Text and invitation never disagree, and every retry of the message sends
  the same bytes (as ``mail.register_parts`` requires). A message delayed past a later change
  does no harm: its SEQUENCE is lower, so calendars ignore it.
- Sent: the ATTENDEE (the person's address and name) is added only then, so that the stored
  snapshot holds no personal data once the person's data has been erased.

Each message then gets the invitation twice, like Google's and Outlook's own: as a
``text/calendar; method=…`` alternative beside text and HTML (what Outlook, Gmail and Apple
Mail turn into an invitation with a calendar preview) and as an ``invite.ics`` attachment
(for programs that only offer attachments).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from sqlalchemy import Row, Select, bindparam, insert, select

from eventhub import mail
from eventhub.calendar import ical, services
from eventhub.calendar.models import CalendarInvite
from eventhub.events.models import Event
from eventhub.extensions import db
from eventhub.registration import personal_links
from eventhub.registration.models import Registration, RegistrationStatus

ATTACHMENT_NAME = "invite.ics"
# Mail kinds that can carry an invitation; ``_invitation`` decides for each message.
KINDS = ("registration_confirmed", "registration_moved_up", "registration_cancelled",
         "event_updated", "event_cancelled", "reminder")


def _invitation(kind: str, registration: Registration) -> tuple[ical.Method, str] | None:
    """(METHOD, PARTSTAT) for a message of ``kind`` to ``registration``, or None."""
    confirmed = registration.status is RegistrationStatus.CONFIRMED
    if kind in ("registration_confirmed", "event_updated") or \
            kind == "reminder" and confirmed or \
            kind == "registration_moved_up" and confirmed:
        return ical.Method.REQUEST, "ACCEPTED"
    if kind == "event_cancelled" and confirmed:
        return ical.Method.CANCEL, "ACCEPTED"
    if kind == "registration_cancelled" and registration.confirmed_at is not None:
        return ical.Method.CANCEL, "DECLINED"  # only a confirmed place had an invitation
    return None


def attach(message: mail.OutboxMessage, registration: Registration, now: datetime,
           batch: InviteBatch | None = None) -> None:
    """Write the invitation for a message just queued, if its kind carries one.

    ``batch``: many messages in one transaction (a reminder run) share its work; without
    one, the invitation is a batch of its own, written at once.
    """
    invitation = _invitation(message.kind, registration)
    if invitation is None:
        return
    method, partstat = invitation
    own = batch is None
    if own:
        batch = InviteBatch([registration])
    sequence = batch.next_sequence(registration)
    ics = batch.build(registration.event, registration.language, sequence, method, now)
    batch.add({"outbox_message_id": message.id, "registration_id": registration.id,
               "method": method.value, "sequence": sequence, "partstat": partstat,
               "ics": ics.decode("utf-8")})
    if own:
        batch.write()


# Where the person's own join link goes: invitations are built and stored without it, like
# without the ATTENDEE, and get both when sent (``parts``). An address that can never be
# one (RFC 6761 .invalid), of characters that no iCalendar value escapes.
JOIN_PLACEHOLDER = "https://personal-join-link.invalid/"


def _build(event: Event, language: str, sequence: int, method: ical.Method,
           now: datetime) -> bytes:
    join_url = JOIN_PLACEHOLDER if method is ical.Method.REQUEST and \
        services.join_url(event) is not None else None
    return ical.build_personal(event, services.settings(language),
                               ical.Personal(sequence=sequence, join_url=join_url),
                               stamp=now, method=method)


class InviteBatch:
    """The shared work of many invitations written in one transaction (a reminder batch).

    Stored invitations hold no personal data (the ATTENDEE is added when sending), so two
    people's files differ only by what goes into ``_build``: their SEQUENCE, language and
    method. Each distinct file is built once, and the SEQUENCEs already sent to everybody
    in the batch are read in one query; the batch then keeps that ledger up to date itself.
    The rows are written together by ``write``, in the same transaction as the messages.
    Use it within one transaction only: the event must not change while it is in use.
    """

    def __init__(self, registrations: Iterable[Registration]) -> None:
        self._registrations = list(registrations)
        self._last: dict[int, int] | None = None  # read when the first invitation needs it
        self._files: dict[tuple, bytes] = {}
        self._rows: list[dict] = []

    def add(self, row: dict) -> None:
        self._rows.append(row)

    def write(self) -> None:
        """Insert the invitations added so far, in one statement (before the commit)."""
        if self._rows:
            db.session.execute(insert(CalendarInvite), self._rows)
            self._rows = []

    def next_sequence(self, registration: Registration) -> int:
        if self._last is None:
            self._last = services.last_sent(r.id for r in self._registrations)
        sequence = services.next_after(registration.event, self._last.get(registration.id))
        self._last[registration.id] = sequence
        return sequence

    def build(self, event: Event, language: str, sequence: int, method: ical.Method,
              now: datetime) -> bytes:
        key = (event.id, language, sequence, method, now)
        if key not in self._files:
            self._files[key] = _build(event, language, sequence, method, now)
        return self._files[key]


def parts(message: mail.OutboxMessage) -> list[mail.Part]:
    """The ``mail.register_parts`` provider: runs while sending, in the sender's context."""
    stored = _stored_invite(message.id)
    if stored is None:
        return []
    # The registration as far as its name and links need it (a transient object, never in
    # a session); no name once the person's data has been erased.
    person = Registration(id=stored.registration_id, token_key=stored.token_key,
                          first_name=stored.first_name, last_name=stored.last_name,
                          language=message.language)
    attendee = ical.Attendee(email=message.to_address, name=person.full_name,
                             partstat=stored.partstat)
    content = ical.add_attendee(_with_join_link(stored.ics.encode("utf-8"), person, message),
                                attendee)
    return [
        mail.Part(content, "text", "calendar",
                  params={"method": stored.method, "charset": "UTF-8"}, alternative=True),
        mail.Part(content, "application", "ics", filename=ATTACHMENT_NAME),
    ]


def _with_join_link(ics: bytes, person: Registration, message: mail.OutboxMessage) -> bytes:
    """The person's own join link where the invitation holds its place. Signed as of the
    message's creation, so that every retry carries the same link (and the same bytes)."""
    if JOIN_PLACEHOLDER.encode("ascii") not in ics.replace(b"\r\n ", b""):
        return ics
    join_url = personal_links.join_link(person, issued_at=message.created_at)
    return ical.with_join_url(ics, JOIN_PLACEHOLDER, join_url)


_invites, _registrations = CalendarInvite.__table__, Registration.__table__
# Core, built once: this runs for every invitation sent, and an ORM session with entities
# costs more than the rest of adding the attendee.
_STORED_INVITE = (
    select(_invites.c.ics, _invites.c.method, _invites.c.partstat,
           _invites.c.registration_id, _registrations.c.token_key,
           _registrations.c.first_name, _registrations.c.last_name)
    .select_from(_invites.outerjoin(_registrations,
                                    _registrations.c.id == _invites.c.registration_id)))
_ONE_STORED_INVITE = _STORED_INVITE.where(
    _invites.c.outbox_message_id == bindparam("message_id"))


# The invitations of the batch being sent (message id -> row, None: no invitation).
_loaded_ahead: ContextVar[dict[int, Row | None] | None] = ContextVar(
    "invites_loaded_ahead", default=None)


def _stored_invite(message_id: int) -> Row | None:
    """The message's invitation and its person's name: read ahead with the batch, or else
    in one query of its own."""
    loaded = _loaded_ahead.get()
    if loaded is not None and message_id in loaded:
        return loaded[message_id]
    rows = _read(_ONE_STORED_INVITE, {"message_id": message_id})
    return rows[0] if rows else None


@contextmanager
def _load_ahead(batch: list[mail.OutboxMessage]) -> Iterator[None]:
    """The ``mail.delivery`` batch loader: one query for every invitation of the batch.
    What a person's name is at the start of the batch is what their messages carry."""
    ids = [m.id for m in batch if m.kind in KINDS]
    loaded: dict[int, Row | None] = dict.fromkeys(ids)
    if ids:
        for row in _read(_STORED_INVITE.add_columns(_invites.c.outbox_message_id)
                         .where(_invites.c.outbox_message_id.in_(ids))):
            loaded[row.outbox_message_id] = row
    token = _loaded_ahead.set(loaded)
    try:
        yield
    finally:
        _loaded_ahead.reset(token)


def _read(statement: Select, parameters: dict | None = None) -> list[Row]:
    """A short read-only session of its own, so that a sender loop keeps no transaction
    open; on SQLite a deferred one, which takes no write lock."""
    with db.session.session_factory() as session:
        connection = session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        return connection.execute(statement, parameters).all()


for _kind in KINDS:
    mail.register_parts(_kind, parts)
mail.register_batch_loader(_load_ahead)
