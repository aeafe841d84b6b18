"""The record of an event's purge: when, why, and how much was deleted (counts, no names).

One row per event, unique: it is also the claim that makes a purge happen once when several
scheduler processes (or an organizer and the scheduler) reach the same event."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from eventhub.db import UTCDateTime
from eventhub.extensions import db


class Trigger(enum.StrEnum):
    SCHEDULE = "schedule"  # the retention period ended (the scheduler)
    ORGANIZER = "organizer"  # erased early by the event's organizers, after the event


class RetentionPurge(db.Model):
    __tablename__ = "retention_purges"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          unique=True, nullable=False)
    purged_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    trigger: Mapped[str] = mapped_column(String(20), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    registrations: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    messages: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    attendance_files: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
