"""Importing webinar reports: upload -> preview -> apply, and the audit copy of each file.

An upload is parsed at once; a file that cannot be read is refused with the line and the
problem, and nothing is stored. A readable file is kept as a preview (``status=preview``),
which only the organizer sees; attendance changes only when they apply it. The file's
SHA-256 is unique per event, so uploading the same file again changes nothing.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from eventhub.attendance import imports, services
from eventhub.attendance.models import (
    SOURCE_RANK,
    Attendance,
    AttendanceImport,
    AttendanceSource,
    ImportStatus,
)
from eventhub.auth.models import User
from eventhub.db import for_update
from eventhub.errors import RuleViolation
from eventhub.events.models import Event
from eventhub.extensions import db
from eventhub.registration.models import Registration


@dataclass(frozen=True)
class Row:
    index: int  # position in the report: the walk-in checkboxes name rows by it
    attendee: imports.Attendee
    attended: bool  # by the minimum time in session
    registration: Registration | None = None
    kept: bool = False  # a higher-ranked source (an organizer's check-in) decides instead


@dataclass(frozen=True)
class Preview:
    report: imports.Report
    matched: list[Row]
    unmatched: list[Row]
    min_minutes: int
    off_day: bool  # no time in the file is near the event: probably the wrong file


# --- upload ------------------------------------------------------------------------------

def upload(event: Event, filename: str, data: bytes, actor: User,
           now: datetime) -> tuple[AttendanceImport, bool]:
    """Parse and keep the file as a preview; (the import, False) if it was uploaded before."""
    limit = int(current_app.config["ATTENDANCE_IMPORT_MAX_BYTES"])
    if len(data) > limit:
        raise RuleViolation(_l("The file is larger than %(size)s MB; split it or export less.",
                               size=f"{limit / 1_048_576:g}"), "file")
    digest = hashlib.sha256(data).hexdigest()
    earlier = _by_hash(event, digest)
    if earlier is not None:
        return earlier, False
    report = _parsed(data, event)
    return _store(event, filename, data, digest, report, actor, now), True


def _parsed(data: bytes, event: Event) -> imports.Report:
    try:
        return imports.parse(data, event.timezone)
    except imports.ParseError as exc:
        raise RuleViolation(_l("Line %(line)d: %(problem)s Nothing has been imported.",
                               line=exc.line, problem=exc.message), "file") from None


def _store(event: Event, filename: str, data: bytes, digest: str, report: imports.Report,
           actor: User, now: datetime) -> AttendanceImport:
    hours = int(current_app.config["ATTENDANCE_PREVIEW_HOURS"])
    record = AttendanceImport(
        event_id=event.id, status=ImportStatus.PREVIEW, sha256=digest,
        filename=clean_filename(filename), file_format=report.file_format,
        size_bytes=len(data), content=data, uploaded_by_id=actor.id,
        retain_until=now + timedelta(hours=hours), attendee_count=len(report.attendees))
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:  # the same file, uploaded by someone else a moment ago
        return _by_hash(event, digest)
    return record


def clean_filename(filename: str) -> str:
    name = PurePath((filename or "").replace("\\", "/")).name.strip()
    return "".join(c for c in name if c.isprintable())[-200:] or "attendance.csv"


def _by_hash(event: Event, digest: str) -> AttendanceImport | None:
    return db.session.scalar(select(AttendanceImport).where(
        AttendanceImport.event_id == event.id, AttendanceImport.sha256 == digest))


def get_import(event: Event, import_id: int) -> AttendanceImport | None:
    """The import if it belongs to ``event``; None for another event's."""
    return db.session.scalar(select(AttendanceImport).where(
        AttendanceImport.id == import_id, AttendanceImport.event_id == event.id))


def imports_of(event: Event) -> list[AttendanceImport]:
    return list(db.session.scalars(select(AttendanceImport)
                                   .where(AttendanceImport.event_id == event.id)
                                   .order_by(AttendanceImport.created_at.desc(),
                                             AttendanceImport.id.desc())))


def content_of(record: AttendanceImport) -> bytes | None:
    return db.session.scalar(select(AttendanceImport.content)
                             .where(AttendanceImport.id == record.id))


# --- preview -----------------------------------------------------------------------------

def preview(record: AttendanceImport, event: Event) -> Preview:
    report = imports.parse(content_of(record) or b"", event.timezone)
    minimum = int(current_app.config["ATTENDANCE_MIN_MINUTES"])
    by_email = _registrations_by_email(event)
    ranks = _decided_by(event)
    matched, unmatched = [], []
    for index, attendee in enumerate(report.attendees):
        registration = by_email.get(attendee.email) if attendee.email else None
        attended = attendee.minutes >= minimum
        if registration is None:
            unmatched.append(Row(index, attendee, attended))
            continue
        kept = ranks.get(registration.id, 0) > SOURCE_RANK[AttendanceSource.IMPORT]
        matched.append(Row(index, attendee, attended, registration, kept))
    return Preview(report, matched, unmatched, minimum, _off_day(report, event))


def _registrations_by_email(event: Event) -> dict[str, Registration]:
    registrations = db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.email.is_not(None)))
    return {r.email.strip().lower(): r for r in registrations}


def _decided_by(event: Event) -> dict[int, int]:
    rows = db.session.execute(select(Attendance.registration_id, Attendance.source)
                              .join(Registration)
                              .where(Registration.event_id == event.id))
    return {registration_id: SOURCE_RANK[source] for registration_id, source in rows}


def _off_day(report: imports.Report, event: Event) -> bool:
    seen = [t for a in report.attendees for t in (a.first_join, a.last_leave) if t]
    margin = timedelta(hours=12)
    return bool(seen) and not any(event.starts_at - margin <= t <= event.ends_at + margin
                                  for t in seen)


# --- apply -------------------------------------------------------------------------------

def apply(record: AttendanceImport, event: Event, walk_ins: set[int], actor: User,
          now: datetime) -> bool:
    """Store the attendance of the preview, adding the chosen unmatched rows as walk-ins.
    False if the import had been applied already (then nothing changes)."""
    record = _locked(record)
    if record.status is ImportStatus.APPLIED:
        return False
    result = preview(record, event)
    marks = [_mark(row.registration.id, row) for row in result.matched]
    added = [_walk_in(event, row, now) for row in result.unmatched
             if row.index in walk_ins and (row.attendee.name or row.attendee.email)]
    marks += [_mark(registration.id, row) for registration, row in added]
    services.record(marks, AttendanceSource.IMPORT, now, actor_id=actor.id,
                    import_id=record.id)
    days = int(current_app.config["ATTENDANCE_IMPORT_RETENTION_DAYS"])
    record.status, record.applied_at = ImportStatus.APPLIED, now
    record.retain_until = now + timedelta(days=days)
    record.matched_count, record.walk_in_count = len(result.matched), len(added)
    db.session.flush()
    return True


def _locked(record: AttendanceImport) -> AttendanceImport:
    """Re-read the import under a row lock, so that two organizers cannot apply it twice
    (SQLite serialises writers anyway: every transaction begins IMMEDIATE)."""
    query = (select(AttendanceImport).where(AttendanceImport.id == record.id)
             .execution_options(populate_existing=True))
    return db.session.scalar(for_update(query, db.session))


def _mark(registration_id: int, row: Row) -> services.Mark:
    attendee = row.attendee
    return services.Mark(registration_id, row.attended, attendee.minutes,
                         attendee.first_join, attendee.last_leave)


def _walk_in(event: Event, row: Row, now: datetime) -> tuple[Registration, Row]:
    first, last = services.split_name(row.attendee.name)
    person = services.WalkIn(first_name=first, last_name=last, email=row.attendee.email)
    return services.add_walk_in(event, person, now), row


def discard(record: AttendanceImport) -> bool:
    """Delete a preview that nobody wants; applied imports stay (audit)."""
    if record.status is not ImportStatus.PREVIEW:
        return False
    db.session.delete(record)
    db.session.flush()
    return True


# --- retention ---------------------------------------------------------------------------

def purge(now: datetime) -> tuple[int, int]:
    """Delete expired previews and the files of applied imports past their retention date;
    the import's record (hash, counts, dates) stays, so re-imports are still recognised."""
    previews = db.session.execute(delete(AttendanceImport).where(
        AttendanceImport.status == ImportStatus.PREVIEW, AttendanceImport.retain_until < now))
    files = db.session.execute(
        update(AttendanceImport)
        .where(AttendanceImport.status == ImportStatus.APPLIED,
               AttendanceImport.retain_until < now, AttendanceImport.file_deleted_at.is_(None))
        .values(content=None, file_deleted_at=now)
        .execution_options(synchronize_session=False))
    return previews.rowcount, files.rowcount

