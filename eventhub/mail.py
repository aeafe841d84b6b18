"""The outbox: e-mail is written in the same transaction as the change that causes it and
delivered after commit by a sender that retries with backoff (DESIGN.md §3 rule 2).

``queue()`` renders the message now (in the recipient's language) and stores it; nothing
talks to an SMTP server inside a request's transaction.
"""
from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eventhub.db import TimestampMixin, UTCDateTime, enum_column
from eventhub.extensions import db


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for its next attempt
    SENDING = "sending"  # claimed by a sender until ``lease_until``
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt


class OutboxMessage(TimestampMixin, db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Generated at queue time and kept across retries, so a receiver can spot a duplicate.
    message_id: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(60), nullable=False)
    to_address: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    body_text: Mapped[str] = mapped_column(Text, nullable=False)
    body_html: Mapped[str] = mapped_column(Text, nullable=False)
    language: Mapped[str] = mapped_column(String(5), nullable=False, default="de")
    status: Mapped[MessageStatus] = mapped_column(enum_column(MessageStatus, "message_status"),
                                                  nullable=False, default=MessageStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), index=True)


def _message_id() -> str:
    domain = current_app.config["MAIL_MESSAGE_ID_DOMAIN"]
    return f"<{secrets.token_hex(16)}@{domain}>"


def queue(to: str, template: str, context: dict[str, Any], *, language: str, now: datetime,
          registration_id: int | None = None) -> OutboxMessage:
    """Render ``templates/emails/<template>.{subject,txt,html}`` and store the message.

    It is sent only if the surrounding transaction commits.
    """
    with force_locale(language):
        subject = render_template(f"emails/{template}.subject.txt", **context)
        text = render_template(f"emails/{template}.txt", **context)
        html = render_template(f"emails/{template}.html", **context)
    message = OutboxMessage(
        message_id=_message_id(), kind=template, to_address=to,
        subject=" ".join(subject.split()),  # one line: no header injection via titles
        body_text=text, body_html=html, language=language, next_attempt_at=now,
        registration_id=registration_id)
    db.session.add(message)
    db.session.flush()
    db.session.info["outbox_dirty"] = True
    return message


def forget_recipient(registration_id: int) -> None:
    """Erasure: drop unsent mail to a registration and the address from sent mail."""
    messages = db.session.scalars(db.select(OutboxMessage)
                                  .where(OutboxMessage.registration_id == registration_id))
    for message in messages:
        if message.status in (MessageStatus.QUEUED, MessageStatus.FAILED):
            db.session.delete(message)
        else:
            message.to_address = None
            message.body_text = message.body_html = ""
    db.session.flush()
