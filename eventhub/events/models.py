"""Events, their agenda and their speakers."""
from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    or_,
    text,
    true,
)
from sqlalchemy import event as sa_event
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from eventhub import timeutil
from eventhub.db import TimestampMixin, UTCDateTime, enum_column
from eventhub.events import joinurls
from eventhub.extensions import db
from eventhub.organizations.models import Organization, Region

if TYPE_CHECKING:
    from eventhub.registration.models import Question


class EventFormat(enum.StrEnum):
    ONLINE_TALK = "online_talk"
    WEBINAR = "webinar"
    WORKSHOP = "workshop"
    HYBRID = "hybrid"


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


agenda_item_speakers = Table(
    "agenda_item_speakers",
    db.metadata,
    Column("agenda_item_id", ForeignKey("agenda_items.id", ondelete="CASCADE"),
           primary_key=True),
    Column("speaker_id", ForeignKey("speakers.id", ondelete="CASCADE"), primary_key=True),
)


class Event(TimestampMixin, db.Model):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        Index("ix_events_status_starts_at", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), nullable=False,
                                                 index=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    format: Mapped[EventFormat] = mapped_column(enum_column(EventFormat, "event_format"),
                                                nullable=False)
    summary: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, default="Europe/Berlin")
    # Only ever sent to confirmed participants, never rendered on a public page.
    online_join_url: Mapped[str | None] = mapped_column(String(1000))
    venue: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int | None] = mapped_column(Integer)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[EventStatus] = mapped_column(enum_column(EventStatus, "event_status"),
                                                nullable=False, default=EventStatus.DRAFT)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the retention purge deleted the participants' personal data (eventhub.retention):
    # from then on nothing about people is recorded for the event any more.
    personal_data_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))
    # Registrations stay pending until the address is confirmed through the e-mailed link.
    double_opt_in: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True,
                                                server_default=true())
    # The iCalendar UID: random and stored rather than derived from the id and the domain,
    # so calendar entries survive a new domain or a database restored elsewhere.
    uid: Mapped[str] = mapped_column(String(64), unique=True, nullable=False,
                                     default=lambda: str(uuid.uuid4()))
    # The iCalendar SEQUENCE: raised by eventhub.calendar.updates when a published event
    # changes in a way calendars show, or is cancelled.
    sequence: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                          server_default=text("0"))

    organization: Mapped[Organization] = relationship(lazy="joined")
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="event", cascade="all, delete-orphan",
        order_by="(AgendaItem.position, AgendaItem.starts_at, AgendaItem.id)")
    speakers: Mapped[list[Speaker]] = relationship(
        back_populates="event", cascade="all, delete-orphan",
        order_by="(Speaker.position, Speaker.id)")
    questions: Mapped[list[Question]] = relationship(
        cascade="all, delete-orphan", order_by="(Question.position, Question.id)")

    @property
    def join_url(self) -> str | None:
        """The online join link, if it may be handed to participants (see joinurls)."""
        return joinurls.usable(self.online_join_url)

    @hybrid_property
    def is_public(self) -> bool:
        """Shown on public pages, lists and feeds: published, or cancelled after having been
        published (so that those who saw it learn of the cancellation). A draft that is
        cancelled was never announced and stays hidden; ``published_at`` tells them apart,
        as only publishing sets it."""
        return self.status is EventStatus.PUBLISHED or (
            self.status is EventStatus.CANCELLED and self.published_at is not None)

    @is_public.inplace.expression
    @classmethod
    def _is_public_expression(cls):
        return or_(cls.status == EventStatus.PUBLISHED,
                   and_(cls.status == EventStatus.CANCELLED, cls.published_at.is_not(None)))

    def __repr__(self) -> str:
        return f"<Event {self.slug} {self.status}>"


class AgendaItem(db.Model):
    __tablename__ = "agenda_items"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    event: Mapped[Event] = relationship(back_populates="agenda_items")
    speakers: Mapped[list[Speaker]] = relationship(secondary=agenda_item_speakers,
                                                   back_populates="agenda_items",
                                                   order_by="Speaker.position")


class Speaker(db.Model):
    __tablename__ = "speakers"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    organization_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    bio: Mapped[str] = mapped_column(Text, nullable=False, default="")
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    event: Mapped[Event] = relationship(back_populates="speakers")
    region: Mapped[Region] = relationship(lazy="joined")
    agenda_items: Mapped[list[AgendaItem]] = relationship(secondary=agenda_item_speakers,
                                                          back_populates="speakers")


# -- an event's updated_at covers its agenda and speakers -----------------------------------
#
# Agenda items and speakers are rows of their own, so changing one would leave the event's
# ``updated_at`` alone. But they are part of what is shown of the event: calendar files carry
# them in DESCRIPTION, with ``updated_at`` as DTSTAMP and LAST-MODIFIED, and the feeds tell
# calendars whether anything changed by the events' ``updated_at`` (eventhub.calendar.feeds).
# Done here, once, so that no code path (services, CLI, demo data) can forget it.

def _changed_through_parts(session: Session) -> set[Event]:
    """Existing events whose agenda items or speakers (or those lists) change in this flush."""
    changed: set[Event] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, AgendaItem | Speaker):
            event = obj.event
        elif isinstance(obj, Event):
            event = obj  # dirty: maybe only its agenda_items or speakers list changed
        else:
            continue
        if obj in session.dirty and not session.is_modified(obj):
            continue
        if event is not None and event not in session.new and event not in session.deleted:
            changed.add(event)
    return changed


@sa_event.listens_for(db.session, "before_flush")
def _touch_events(session: Session, flush_context, instances) -> None:
    changed = _changed_through_parts(session)
    if changed:
        now = timeutil.utcnow()
        for event in changed:
            event.updated_at = now
