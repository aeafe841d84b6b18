"""Reminder rules per event and one delivery record per (rule, registration) (DESIGN.md §3
rule 4). The unique constraint is what makes several scheduler processes safe: a reminder
can be recorded, and so queued, only once per person."""
from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.db import TimestampMixin, UTCDateTime, enum_column
from eventhub.events.models import Event
from eventhub.extensions import db


class ReminderKind(enum.StrEnum):
    BEFORE_START = "before_start"  # offset_minutes before the start
    STARTING_NOW = "starting_now"  # at the start
    AFTER_END = "after_end"  # follow-up, offset_minutes after the end


class DeliveryState(enum.StrEnum):
    SCHEDULED = "scheduled"  # recorded, not yet queued (a run was interrupted)
    SENT = "sent"  # queued in the outbox in the same transaction; the outbox delivers
    # Pointless by the time it was due, or by the time the outbox was about to send it
    # (event started or long over).
    SKIPPED = "skipped"
    FAILED = "failed"  # the outbox gave up on the message


class ReminderRule(TimestampMixin, db.Model):
    __tablename__ = "reminder_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          nullable=False, index=True)
    kind: Mapped[ReminderKind] = mapped_column(enum_column(ReminderKind, "reminder_kind"),
                                               nullable=False)
    offset_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Follow-ups only, used once attendance is known.
    text_attended: Mapped[str] = mapped_column(Text, nullable=False, default="")
    text_not_attended: Mapped[str] = mapped_column(Text, nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # The due time the rule was last fully processed for: lets the job pass over finished
    # rules, and a changed event time (a new due time) makes the rule due again.
    processed_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()

    def due_at(self, event: Event | None = None) -> datetime:
        """Computed from the event every time, so moving the event moves the reminder."""
        event = event or self.event
        if self.kind is ReminderKind.BEFORE_START:
            return event.starts_at - timedelta(minutes=self.offset_minutes)
        if self.kind is ReminderKind.STARTING_NOW:
            return event.starts_at
        return event.ends_at + timedelta(minutes=self.offset_minutes)


class ReminderDelivery(db.Model):
    __tablename__ = "reminder_deliveries"
    __table_args__ = (
        UniqueConstraint("rule_id", "registration_id", name="uq_reminder_delivery"),
        Index("ix_reminder_deliveries_rule_state", "rule_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("reminder_rules.id", ondelete="CASCADE"),
                                         nullable=False)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), nullable=False, index=True)
    state: Mapped[DeliveryState] = mapped_column(
        enum_column(DeliveryState, "reminder_delivery_state"), nullable=False,
        default=DeliveryState.SCHEDULED)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL"))
    last_error: Mapped[str | None] = mapped_column(String(1000))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
