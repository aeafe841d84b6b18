"""When an event's personal data goes, and the purge itself.

The deletion date is the event's end plus its centre's retention period
(``Organization.retention_days``), or ``RETENTION_DAYS`` from the configuration. Then every
registration of the event loses its personal data as "delete my data" takes it
(``registration.erasure.blank``: name, e-mail, organization, role, answers, links), but
keeps its status, source, region and organization size, and its attendance stays: the
reports count exactly these, so they read the same before and after. The e-mails to the
event's participants are deleted (sent ones too: they hold names and links), and so are
the files and lists of its attendance imports. Unconfirmed registrations that expired are
erased ``RETENTION_EXPIRED_DAYS`` after they expired, whatever their event.

A purge claims the event first (its lock, then a unique row in ``retention_purges``), so
it happens once however many scheduler processes reach it; the row holds the counts.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import String, cast, delete, func, literal, select, update

from eventhub.attendance.models import AttendanceImport, ImportStatus
from eventhub.auth.models import User
from eventhub.certificates import services as certificates
from eventhub.db import insert_unless_exists
from eventhub.events.models import Event
from eventhub.extensions import db
from eventhub.mail import OutboxMessage
from eventhub.organizations.models import Organization
from eventhub.registration.erasure import before_erase, blank, erase
from eventhub.registration.models import Answer, Registration, RegistrationStatus
from eventhub.registration.places import lock_event
from eventhub.reminders.models import ReminderDelivery
from eventhub.retention.models import RetentionPurge, Trigger


def retention_days(organization: Organization) -> int:
    if organization.retention_days is not None:
        return organization.retention_days
    return int(current_app.config["RETENTION_DAYS"])


def deletion_date(event: Event) -> datetime:
    """When the scheduler deletes the event's personal data."""
    return event.ends_at + timedelta(days=retention_days(event.organization))


def purge_record(event: Event) -> RetentionPurge | None:
    return db.session.scalar(select(RetentionPurge).where(RetentionPurge.event_id == event.id))


def may_erase_early(event: Event, now: datetime) -> bool:
    """Organizers may erase once the event is over (before, people still need their
    links), and once only."""
    return event.ends_at <= now and purge_record(event) is None


def purge_event(event_id: int, now: datetime, *, actor: User | None = None
                ) -> RetentionPurge | None:
    """Delete the event's personal data; None if it was purged already (by another
    process, too). The caller commits."""
    event = lock_event(event_id)
    if event is None:
        return None
    claimed = db.session.scalar(
        insert_unless_exists(RetentionPurge, db.session, "event_id")
        .values(event_id=event_id, purged_at=now, actor_id=actor.id if actor else None,
                trigger=Trigger.ORGANIZER if actor else Trigger.SCHEDULE,
                registrations=0, messages=0, attendance_files=0)
        .returning(RetentionPurge.id))
    if claimed is None:
        return None
    record = db.session.get(RetentionPurge, claimed)
    event.personal_data_erased_at = now  # attendance refuses new records from now on
    people = select(Registration.id).where(Registration.event_id == event_id)
    record.messages = _rowcount(delete(OutboxMessage)
                                .where(OutboxMessage.registration_id.in_(people)))
    db.session.execute(update(ReminderDelivery)  # a server's answer may quote the address
                       .where(ReminderDelivery.registration_id.in_(people))
                       .values(last_error=None).execution_options(synchronize_session=False))
    db.session.execute(delete(Answer).where(Answer.registration_id.in_(people))
                       .execution_options(synchronize_session=False))
    certificates.forget(event_id)  # a code would name nobody any more
    record.registrations = _blank_all(event_id, now)
    record.attendance_files = _purge_imports(event_id, now)
    db.session.flush()
    return record


def _rowcount(statement) -> int:
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount


def _blank_all(event_id: int, now: datetime) -> int:
    registrations = db.session.scalars(
        select(Registration).where(Registration.event_id == event_id,
                                   Registration.erased_at.is_(None))
        .execution_options(yield_per=1000))
    count = 0
    for batch in registrations.partitions():
        before_erase(batch)  # the report's returning participants, decided before the keys go
        for registration in batch:
            blank(registration, now)
        count += len(batch)
    db.session.flush()
    return count


def _purge_imports(event_id: int, now: datetime) -> int:
    """Uploads not stored go; stored ones keep their record (hash, counts, dates: the same
    file is still recognised) without the file, the lists of people, or its name."""
    previews = _rowcount(delete(AttendanceImport).where(
        AttendanceImport.event_id == event_id, AttendanceImport.status == ImportStatus.PREVIEW))
    files = _rowcount(
        update(AttendanceImport)
        .where(AttendanceImport.event_id == event_id,
               AttendanceImport.status == ImportStatus.APPLIED)
        .values(content=None, result=None,
                filename=literal("import-", String) + cast(AttendanceImport.id, String),
                file_deleted_at=func.coalesce(AttendanceImport.file_deleted_at, now)))
    return previews + files


def due_event_ids(now: datetime) -> list[int]:
    """Events past their deletion date and not purged yet, by the end."""
    shortest = min([int(current_app.config["RETENTION_DAYS"]),
                    *db.session.scalars(select(Organization.retention_days).distinct()
                                        .where(Organization.retention_days.is_not(None)))])
    candidates = db.session.scalars(
        select(Event).where(Event.ends_at <= now - timedelta(days=shortest),
                            ~Event.id.in_(select(RetentionPurge.event_id)))
        .order_by(Event.ends_at, Event.id))
    return [event.id for event in candidates if deletion_date(event) <= now]


def erase_expired(now: datetime) -> int:
    """Registrations never confirmed, expired more than RETENTION_EXPIRED_DAYS ago, are
    erased as "delete my data" erases (they hold no place: nothing else changes)."""
    cutoff = now - timedelta(days=int(current_app.config["RETENTION_EXPIRED_DAYS"]))
    expired = db.session.scalars(
        select(Registration).where(Registration.status == RegistrationStatus.EXPIRED,
                                   Registration.erased_at.is_(None),
                                   Registration.updated_at <= cutoff)
        .order_by(Registration.event_id, Registration.id)).all()
    for registration in expired:
        erase(registration, now)
    return len(expired)
