"""The organizer's message as an outbox kind: rendered by the sender from the stored
message and the person (``register_renderer``), and checked just before sending
(``register_send_check``): a person erased meanwhile gets nothing."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from eventhub import mail
from eventhub.extensions import db
from eventhub.mail import InvalidMessage, OutboxMessage, Verdict
from eventhub.messages import services
from eventhub.messages.models import KIND, MessageRecipient, ParticipantMessage
from eventhub.registration.models import Registration


def context_for(message: OutboxMessage, session: Session) -> dict:
    row = session.execute(
        select(ParticipantMessage, Registration)
        .join(MessageRecipient, MessageRecipient.message_id == ParticipantMessage.id)
        .join(Registration, Registration.id == MessageRecipient.registration_id)
        .where(MessageRecipient.outbox_message_id == message.id)).first()
    if row is None:
        raise InvalidMessage("the message or its recipient no longer exists")
    participant_message, registration = row
    if registration.erased_at is not None:
        raise InvalidMessage("the recipient's data has been erased")
    return services.context(participant_message, participant_message.event, registration)


_ERASED = (select(MessageRecipient.outbox_message_id)
           .join(Registration, Registration.id == MessageRecipient.registration_id)
           .where(MessageRecipient.outbox_message_id.in_(bindparam("ids", expanding=True)),
                  Registration.erased_at.is_not(None)))


def load_verdicts(messages: Sequence[OutboxMessage]) -> Verdict:
    """Erased people: one query for the claimed batch, in a read-only session of its own.
    (Erasure deletes unsent mail too; this covers a message claimed meanwhile.)"""
    with db.session.session_factory() as session:
        connection = session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        erased = set(connection.execute(_ERASED, {"ids": [m.id for m in messages]}).scalars())

    def verdict(message: OutboxMessage, now: datetime) -> str | None:
        return "the recipient's data has been erased" if message.id in erased else None
    return verdict


def record_skip(connection: Connection, message: OutboxMessage, reason: str,
                now: datetime) -> None:
    """Nothing to record beside the outbox row: the counts are read from it."""


mail.register_renderer(KIND, context_for)
mail.register_send_check(KIND, load_verdicts, record_skip)
