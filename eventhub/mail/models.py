"""The outbox's table: one row per e-mail, from queueing (``outbox``) through its claim by
a sender (``delivery``) to its outcome (``outcomes``)."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from eventhub.db import TimestampMixin, UTCDateTime, enum_column
from eventhub.extensions import db


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for its next attempt
    SENDING = "sending"  # claimed by a sender (``claim_token``) until ``lease_until``
    SENT = "sent"
    FAILED = "failed"  # gave up: the last attempt, or refused for good (a 5xx answer)
    SKIPPED = "skipped"  # not sent: pointless by its turn (a reminder after the start)


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
    # Which claim the row is in while sending: the lease is renewed, so only this tells
    # one sender's claim from the next one's (``outcomes``).
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(1000))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), index=True)
    # Subject and bodies are still empty: the sender renders them (``render_unrendered``).
    unrendered: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                             server_default=false())
