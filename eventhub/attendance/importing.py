"""Importing webinar reports: upload -> (column mapping) -> preview -> apply, and the audit
copy of each file.

An upload is parsed at once; a file that cannot be read is refused with the line and the
problem, and nothing is stored. A readable file is kept as a preview (``status=preview``),
which only the organizer sees; attendance changes only when they apply it. A file whose
columns are not recognised is read with the organization's remembered mapping for its
header, or kept as a preview without one until the organizer maps its columns (mappings.py).
The file's SHA-256 is unique per event, so uploading the same file again changes nothing.
"""
from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from eventhub import audit
from eventhub.attendance import imports, mappings, queries, services
from eventhub.attendance.models import (
    SOURCE_RANK,
    Attendance,
    AttendanceImport,
    AttendanceSource,
    ImportStatus,
)
from eventhub.auth.models import User
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
    services.ensure_personal_data_kept(event, "file")
    if now < event.starts_at:  # a report of another meeting, or of a test run
        raise RuleViolation(_l("The event has not started yet: import its attendance report "
                               "after the event. Nothing has been stored."), "file")
    digest = hashlib.sha256(data).hexdigest()
    earlier = _by_hash(event, digest)
    if earlier is not None:
        return earlier, False
    report, mapping = _read(data, event)
    return _store(event, filename, data, digest, actor, now, report=report,
                  mapping=mapping), True


def _read(data: bytes, event: Event) -> tuple[imports.Report | None, dict | None]:
    """The report and the mapping it was read with (None for a known layout); (None, None)
    if the organizer must say which column holds what first."""
    try:
        return imports.parse(data, event.timezone), None
    except imports.NeedsMapping as need:
        return mappings.read_remembered(data, event, need) or (None, None)
    except imports.ParseError as exc:
        raise RuleViolation(_l("Line %(line)d: %(problem)s Nothing has been imported.",
                               line=exc.line, problem=exc.message), "file") from None


def _store(event: Event, filename: str, data: bytes, digest: str, actor: User, now: datetime,
           *, report: imports.Report | None, mapping: dict | None) -> AttendanceImport:
    """Keep the upload as a preview; without a report, it waits for its column mapping."""
    hours = int(current_app.config["ATTENDANCE_PREVIEW_HOURS"])
    record = AttendanceImport(
        event_id=event.id, status=ImportStatus.PREVIEW, sha256=digest,
        filename=clean_filename(filename), size_bytes=len(data), content=data,
        file_format=report.file_format if report else imports.CSV, mapping=mapping,
        uploaded_by_id=actor.id, retain_until=now + timedelta(hours=hours),
        attendee_count=len(report.attendees) if report else 0)
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
    return queries.import_content(record.id)


# --- preview -----------------------------------------------------------------------------

def preview(record: AttendanceImport, event: Event) -> Preview:
    """The file read again (with the import's column mapping, if it has one) and matched
    to today's registrations. NeedsMapping while its columns are still to be chosen."""
    report = imports.parse(content_of(record) or b"", event.timezone,
                           mappings.of_import(record))
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
    record = queries.locked_import(record.id)  # two organizers cannot apply it twice
    services.ensure_personal_data_kept(event)
    if record.status is ImportStatus.APPLIED:
        return False
    if record.needs_mapping:
        raise RuleViolation(_l("Say which column of the file holds what first."))
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
    record.result = snapshot(result, {row.index for _, row in added})
    db.session.flush()
    audit.record(actor, "attendance.import_applied", now, event=event,
                 target=("attendance_import", record.id),
                 details={"matched": len(result.matched), "walk_ins": len(added)})
    return True


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


# --- what the page of an import shows ----------------------------------------------------
# A stored import's page keeps showing whom the file matched, whom not (and who was added
# as a walk-in) and who did not count, from a snapshot taken when it was stored: reading
# the file again later would match it against that day's registrations, and the file is
# deleted after its retention. The snapshot holds only what the page shows (name, e-mail,
# role, minutes, joins, the result), no times or other columns of the file, and is purged
# together with the file.

@dataclass(frozen=True)
class Shown:
    """The page of an import: its groups (``snapshot``), live while it is a preview."""
    groups: dict | None  # None once purged, and for imports stored before snapshots
    live: bool
    off_day: bool = False
    encoding: str | None = None


def shown(record: AttendanceImport, event: Event) -> Shown:
    """The preview read from the file while it is one; the snapshot once it is stored.
    NeedsMapping or ParseError as ``preview``."""
    if record.status is ImportStatus.APPLIED:
        return Shown(record.result, live=False)
    result = preview(record, event)
    return Shown(snapshot(result, live=True), True, result.off_day, result.report.encoding)


def snapshot(result: Preview, walk_ins: Collection[int] = (), *, live: bool = False) -> dict:
    """The groups of the import's page as plain JSON; ``live``: with what only the preview
    shows (join and leave times, the rows' indexes for the walk-in choice)."""
    report = result.report
    return {
        "min_minutes": result.min_minutes,
        "rows": report.sessions,
        "matched": [_matched(row, live) for row in result.matched],
        "unmatched": [_unmatched(row, row.index in walk_ins, live) for row in result.unmatched],
        "excluded": [{**_person(attendee, live), "role": attendee.role}
                     for attendee in report.excluded],
        "summary": [[str(label), str(value)] for label, value in report.summary],
    }


def _person(attendee: imports.Attendee, live: bool) -> dict:
    person = {"name": attendee.name, "email": attendee.email, "minutes": attendee.minutes,
              "joins": attendee.joins}
    if live:
        person.update(first_join=attendee.first_join, last_leave=attendee.last_leave)
    return person


def _matched(row: Row, live: bool) -> dict:
    registration = row.registration
    matched = {**_person(row.attendee, live), "registration_id": registration.id,
               "registration": registration.full_name or registration.email,
               "attended": row.attended, "kept": row.kept}
    if live:  # the name in the file, and the registration's status: worth a look before
        matched["status"] = registration.status
    else:  # the registration names them
        del matched["name"]
    return matched


def _unmatched(row: Row, walk_in: bool, live: bool) -> dict:
    unmatched = {**_person(row.attendee, live), "attended": row.attended, "walk_in": walk_in}
    if live:
        unmatched["index"] = row.index  # what the walk-in checkbox sends
    return unmatched


# --- retention ---------------------------------------------------------------------------

def purge(now: datetime) -> tuple[int, int]:
    """Delete expired previews and the files of applied imports past their retention date,
    with what their page showed (``result``); the import's record (hash, counts, dates)
    stays, so re-imports are still recognised."""
    previews = db.session.execute(delete(AttendanceImport).where(
        AttendanceImport.status == ImportStatus.PREVIEW, AttendanceImport.retain_until < now))
    files = db.session.execute(
        update(AttendanceImport)
        .where(AttendanceImport.status == ImportStatus.APPLIED,
               AttendanceImport.retain_until < now, AttendanceImport.file_deleted_at.is_(None))
        .values(content=None, result=None, file_deleted_at=now)
        .execution_options(synchronize_session=False))
    return previews.rowcount, files.rowcount

