"""The outbox: e-mail is written in the same transaction as the change that causes it and
delivered after commit by a sender that retries with backoff (DESIGN.md §3 rule 2).

``queue()`` renders the message now (in the recipient's language) and stores it;
``queue_unrendered()`` stores who gets which kind of message and leaves the text to the
sender, which renders it once, when it first claims the message, and keeps it for every
retry. Nothing talks to an SMTP server inside a request's transaction: when a transaction
that queued mail commits, the sender (``sender``) is woken; ``delivery`` sends, and records
the outcome.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event as sa_event
from sqlalchemy import insert
from sqlalchemy.orm import Session

from eventhub.extensions import db
from eventhub.mail.models import MessageStatus, OutboxMessage
from eventhub.mail.rendering import render
from eventhub.mail.sender import wake_sender


def _message_id() -> str:
    domain = current_app.config["MAIL_MESSAGE_ID_DOMAIN"]
    return f"<{secrets.token_hex(16)}@{domain}>"


def queue(to: str, template: str, context: dict[str, Any], *, language: str, now: datetime,
          registration_id: int | None = None) -> OutboxMessage:
    """Render ``templates/emails/<template>.{subject,txt,html}`` and store the message.

    It is sent only if the surrounding transaction commits; then the sender thread is
    woken (see ``_wake_sender_after_commit``).
    """
    subject, text, html = render(template, context, language)
    return _store(OutboxMessage(
        message_id=_message_id(), kind=template, to_address=to, subject=subject,
        body_text=text, body_html=html, language=language, next_attempt_at=now,
        registration_id=registration_id))


@dataclass(frozen=True)
class Unrendered:
    """Who gets which kind of message, to be rendered by the sender (``queue_unrendered``)."""
    to: str
    kind: str
    language: str
    registration_id: int


def queue_unrendered(messages: Iterable[Unrendered], now: datetime) -> None:
    """Store messages whose text the sender renders when it first claims them, from the
    context that the renderer registered for their kind gives (``register_renderer``).
    One statement for all of them, sent as they are: no objects, nothing read back."""
    rows = unrendered_rows(messages, now)
    if rows:
        db.session.execute(insert(OutboxMessage.__table__), rows)  # Core: no ORM bulk work


def unrendered_rows(messages: Iterable[Unrendered], now: datetime) -> list[dict[str, Any]]:
    """The outbox rows of ``queue_unrendered``, for a caller that writes them itself in
    ``db.session``'s transaction (the sender is woken when it commits)."""
    rows = [{"message_id": _message_id(), "kind": m.kind, "to_address": m.to,
             "subject": "", "body_text": "", "body_html": "", "language": m.language,
             "status": MessageStatus.QUEUED, "attempts": 0, "next_attempt_at": now,
             "registration_id": m.registration_id, "unrendered": True,
             "created_at": now, "updated_at": now} for m in messages]
    if rows:
        db.session.info["outbox_dirty"] = True
    return rows


def _store(message: OutboxMessage) -> OutboxMessage:
    db.session.add(message)
    db.session.flush()
    db.session.info["outbox_dirty"] = True
    return message


def forget_recipient(registration_id: int) -> None:
    """Erasure: drop unsent mail to a registration and the address from sent mail."""
    messages = db.session.scalars(db.select(OutboxMessage)
                                  .where(OutboxMessage.registration_id == registration_id))
    for message in messages:
        if message.status not in (MessageStatus.SENDING, MessageStatus.SENT):  # unsent
            db.session.delete(message)
        else:
            message.to_address = None
            message.body_text = message.body_html = ""
            message.last_error = None  # a server's answer may quote the address
    db.session.flush()


@sa_event.listens_for(db.session, "after_commit")
def _wake_sender_after_commit(session: Session) -> None:
    """A transaction that queued mail has committed: the mail can go now, not at the next
    poll. Runs for every session of the app's session factory; cheap when nothing queued."""
    if session.info.pop("outbox_dirty", False) and has_app_context():
        wake_sender(current_app._get_current_object())
