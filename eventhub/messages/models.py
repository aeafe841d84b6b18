"""A message an organizer sent to a selection of an event's participants, and one row per
recipient linking the person to their outbox message (for the delivery counts)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.db import TimestampMixin, UTCDateTime
from eventhub.events.models import Event
from eventhub.extensions import db

KIND = "participant_message"  # the outbox's kind, and templates/emails/participant_message.*


class ParticipantMessage(TimestampMixin, db.Model):
    __tablename__ = "participant_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          nullable=False, index=True)
    # With placeholders such as {first_name}, filled in per person when sent.
    subject_de: Mapped[str] = mapped_column(String(200), nullable=False)
    body_de: Mapped[str] = mapped_column(Text, nullable=False)
    subject_en: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    body_en: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # The selection: statuses, attendance ("any", "attended", "not_attended"), regions.
    selection: Mapped[dict] = mapped_column(JSON, nullable=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recipient_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    event: Mapped[Event] = relationship()


class MessageRecipient(db.Model):
    __tablename__ = "participant_message_recipients"
    __table_args__ = (UniqueConstraint("message_id", "registration_id",
                                       name="uq_participant_message_recipients"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("participant_messages.id", ondelete="CASCADE"), nullable=False)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), nullable=False, index=True)
    # NULL once the e-mail is gone (erasure, the retention purge).
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL"), unique=True)
