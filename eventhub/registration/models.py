"""Registrations, custom questions per event and their answers."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.db import TimestampMixin, UTCDateTime, enum_column
from eventhub.events.models import Event
from eventhub.extensions import db
from eventhub.organizations.models import Region


class OrganizationSize(enum.StrEnum):
    SOLO = "solo"
    MICRO = "1-9"
    SMALL = "10-49"
    MEDIUM = "50-249"
    LARGE = "250+"
    UNSTATED = "unstated"  # walk-ins recorded by organizers; never offered on the form


class RegistrationStatus(enum.StrEnum):
    PENDING = "pending"  # holds a place until the e-mail address is confirmed
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # never confirmed; the place went to someone else


class Source(enum.StrEnum):
    """How a registration came about (``Registration.source``)."""
    FORM = "form"  # the public form
    ORGANIZER = "organizer"  # added by the organizers, who may override the period
    WALK_IN = "walk_in"  # attended without registering (eventhub.attendance): gets no mail


HOLDS_PLACE = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED)
ACTIVE = (*HOLDS_PLACE, RegistrationStatus.WAITLISTED)


class QuestionKind(enum.StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    CHECKBOX = "checkbox"


def new_token_key() -> str:
    return secrets.token_urlsafe(16)


class Registration(TimestampMixin, db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        # NULL e-mails (erased personal data) do not collide.
        UniqueConstraint("event_id", "email", name="uq_registrations_event_email"),
        Index("ix_registrations_event_status", "event_id", "status"),
        # Under the event lock (places._tally): is anything overdue, the last number.
        Index("ix_registrations_event_expiry", "event_id", "status", "pending_expires_at"),
        Index("ix_registrations_event_waitlist", "event_id", "waitlist_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          nullable=False)
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus, "registration_status"), nullable=False)
    # Personal data: NULL after erasure; region and size stay for statistics.
    email: Mapped[str | None] = mapped_column(String(254))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    organization_name: Mapped[str | None] = mapped_column(String(200))
    job_role: Mapped[str | None] = mapped_column(String(200))
    organization_size: Mapped[OrganizationSize] = mapped_column(
        enum_column(OrganizationSize, "organization_size"), nullable=False)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    language: Mapped[str] = mapped_column(String(5), nullable=False, default="de")
    source: Mapped[str] = mapped_column(String(20), nullable=False, default=Source.FORM.value)
    consent_version: Mapped[str | None] = mapped_column(String(40))
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pending_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Drawn under the event lock: the waiting list's order is the order of arrival.
    waitlist_number: Mapped[int | None] = mapped_column(Integer)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every signed link; replacing it revokes all links sent so far.
    token_key: Mapped[str] = mapped_column(String(32), nullable=False, default=new_token_key)

    event: Mapped[Event] = relationship()
    region: Mapped[Region] = relationship(lazy="joined")
    answers: Mapped[list[Answer]] = relationship(back_populates="registration",
                                                 cascade="all, delete-orphan")

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    @property
    def is_walk_in(self) -> bool:
        return self.source == Source.WALK_IN

    @property
    def holds_place(self) -> bool:
        return self.status in HOLDS_PLACE

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE


class Question(db.Model):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          nullable=False, index=True)
    label: Mapped[str] = mapped_column(String(300), nullable=False)
    help_text: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind, "question_kind"),
                                               nullable=False)
    required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    options: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Answer(db.Model):
    __tablename__ = "answers"

    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"),
                                             primary_key=True)
    # Text for text questions; JSON list of chosen options for choices; "yes" for a checkbox.
    value: Mapped[str] = mapped_column(Text, nullable=False, default="")

    registration: Mapped[Registration] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()
