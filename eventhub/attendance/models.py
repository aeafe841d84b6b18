"""Who attended an event, the webinar reports imported to find out, and the column mappings
organizers chose for files whose columns were not recognised."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.db import TimestampMixin, UTCDateTime, enum_column
from eventhub.extensions import db
from eventhub.registration.models import Registration

WALK_IN = "walk_in"  # Registration.source of people added because they attended


class AttendanceSource(enum.StrEnum):
    JOIN_LINK = "join_link"
    IMPORT = "import"
    CHECK_IN = "check_in"


# Higher wins: a source only changes ``attended`` if its rank is at least the current one's.
SOURCE_RANK = {AttendanceSource.JOIN_LINK: 1, AttendanceSource.IMPORT: 2,
               AttendanceSource.CHECK_IN: 3}


class ImportStatus(enum.StrEnum):
    PREVIEW = "preview"  # uploaded and parsed; nothing applied yet
    APPLIED = "applied"


class Attendance(TimestampMixin, db.Model):
    __tablename__ = "attendances"

    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True)
    attended: Mapped[bool] = mapped_column(Boolean, nullable=False)
    minutes: Mapped[int | None] = mapped_column(Integer)
    first_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[AttendanceSource] = mapped_column(
        enum_column(AttendanceSource, "attendance_source"), nullable=False)
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("attendance_imports.id", ondelete="SET NULL"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    registration: Mapped[Registration] = relationship()


class AttendanceImport(TimestampMixin, db.Model):
    """An uploaded webinar report. The file itself is kept for audit until ``retain_until``
    (then ``content`` becomes NULL); the hash makes a second upload of it a no-op."""

    __tablename__ = "attendance_imports"
    __table_args__ = (UniqueConstraint("event_id", "sha256",
                                       name="uq_attendance_imports_event_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          nullable=False, index=True)
    status: Mapped[ImportStatus] = mapped_column(enum_column(ImportStatus, "import_status"),
                                                 nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    file_format: Mapped[str] = mapped_column(String(20), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retain_until: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    attendee_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    matched_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    walk_in_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    file_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The organizer's column mapping for a file whose columns were not recognised
    # (ColumnMapping.to_json() plus the header's "signature" and "chosen_at"); None for a
    # file read by its known layout, and for an upload still waiting for its mapping.
    mapping: Mapped[dict | None] = mapped_column(JSON)
    # What the page of a stored import shows (importing.snapshot): the file is not kept
    # for ever, and reading it again later would match it against that day's
    # registrations. Purged together with the file (importing.purge).
    result: Mapped[dict | None] = mapped_column(JSON, deferred=True)

    @property
    def needs_mapping(self) -> bool:
        """An upload whose columns must be mapped before it can be previewed: a file that
        was read has at least one attendee (parse refuses files without)."""
        return (self.status is ImportStatus.PREVIEW and self.mapping is None
                and not self.attendee_count)


class AttendanceMapping(TimestampMixin, db.Model):
    """A column mapping an organizer chose, remembered for their organization: the next
    file whose header has the same columns (the same ``signature``) is read with it."""

    __tablename__ = "attendance_mappings"
    __table_args__ = (UniqueConstraint("organization_id", "signature",
                                       name="uq_attendance_mappings_organization_signature"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False)
    signature: Mapped[str] = mapped_column(String(64), nullable=False)
    mapping: Mapped[dict] = mapped_column(JSON, nullable=False)  # ColumnMapping.to_json()
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
