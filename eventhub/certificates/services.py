"""Who gets a certificate, its code, its text, the check of a code, the ZIP of an event.

A certificate goes to a registration marked as attended (by any source) at an event whose
organizers switched certificates on, while its personal data exists. Its code is drawn
once, at random (``secrets``), and printed on it; the public check shows no more than the
name and the event (and its date) for a code, and nothing for a code it does not know or
whose person has been erased.
"""
from __future__ import annotations

import io
import re
import secrets
import zipfile
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale, gettext, ngettext
from sqlalchemy import delete, select

from eventhub import i18n, links
from eventhub.attendance.models import Attendance
from eventhub.auth.models import User
from eventhub.certificates import pdf
from eventhub.certificates.models import Certificate, CertificateSetting
from eventhub.db import insert_unless_exists
from eventhub.events.models import Event
from eventhub.extensions import db
from eventhub.registration.models import Registration

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed
_CODE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$")


def enabled(event: Event) -> bool:
    return db.session.get(CertificateSetting, event.id) is not None


def switch(event: Event, on: bool, actor: User, now: datetime) -> None:
    if on and not enabled(event):
        db.session.add(CertificateSetting(event_id=event.id, enabled_at=now,
                                          enabled_by_id=actor.id))
    elif not on:
        db.session.execute(delete(CertificateSetting)
                           .where(CertificateSetting.event_id == event.id))
    db.session.flush()


def eligible(registration: Registration) -> bool:
    if registration.erased_at is not None or not enabled(registration.event):
        return False
    return db.session.scalar(select(Attendance.attended).where(
        Attendance.registration_id == registration.id)) is True


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def issue(registration: Registration, now: datetime) -> Certificate:
    """The registration's certificate, drawn now if it has none (once, even when two
    downloads race: the registration is unique)."""
    db.session.execute(insert_unless_exists(Certificate, db.session, "registration_id")
                       .values(registration_id=registration.id, code=_new_code(),
                               issued_at=now))
    return db.session.scalar(select(Certificate)
                             .where(Certificate.registration_id == registration.id))


def normalized(code: str) -> str:
    code = re.sub(r"[\s\-]", "", code or "").upper()[:20]
    return f"{code[:4]}-{code[4:8]}-{code[8:]}" if len(code) == 12 else code


@dataclass(frozen=True)
class Verified:
    name: str
    event_title: str
    starts_at: datetime
    timezone: str
    organization: str


def verify(code: str) -> Verified | None:
    code = normalized(code)
    if not _CODE.match(code):
        return None
    row = db.session.execute(
        select(Registration, Event)
        .join(Certificate, Certificate.registration_id == Registration.id)
        .join(Event, Event.id == Registration.event_id)
        .where(Certificate.code == code)).first()
    if row is None or row[0].erased_at is not None:
        return None
    registration, event = row
    return Verified(registration.full_name, event.title, event.starts_at, event.timezone,
                    event.organization.name)


def _duration(event: Event) -> str:
    minutes = int((event.ends_at - event.starts_at).total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    parts = [ngettext("%(num)d hour", "%(num)d hours", hours)] if hours else []
    if rest or not parts:
        parts.append(ngettext("%(num)d minute", "%(num)d minutes", rest))
    return " ".join(parts)


def texts(registration: Registration, certificate: Certificate) -> pdf.Texts:
    event = registration.event
    with force_locale(registration.language):
        date = i18n.localtime(event.starts_at, event.timezone, "date")
        return pdf.Texts(
            language=registration.language,
            heading=gettext("Certificate of attendance"),
            lead=gettext("This is to certify that"),
            name=registration.full_name,
            attended=gettext("attended the event"),
            title=event.title,
            facts=(gettext("on %(date)s", date=date),
                   gettext("Duration: %(duration)s", duration=_duration(event)),
                   gettext("Organizer: %(name)s", name=event.organization.name)),
            code_line=gettext("Verification code: %(code)s", code=certificate.code),
            verify_line=gettext("Check it at %(url)s", url=links.external_url(
                "certificates.verify", code=certificate.code)))


def document(registration: Registration, now: datetime) -> bytes:
    return pdf.render(texts(registration, issue(registration, now)))


def filename(registration: Registration) -> str:
    return f"teilnahmebescheinigung-{registration.event.slug}-{registration.id}.pdf"


def archive(event: Event, now: datetime) -> tuple[bytes, int]:
    """Every certificate of the event in one ZIP, and how many."""
    people = db.session.scalars(
        select(Registration).join(Attendance, Attendance.registration_id == Registration.id)
        .where(Registration.event_id == event.id, Attendance.attended.is_(True),
               Registration.erased_at.is_(None)).order_by(Registration.id)).all()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive_file:
        for registration in people:
            archive_file.writestr(filename(registration), document(registration, now))
    return buffer.getvalue(), len(people)


def forget(event_id: int) -> int:
    """The retention purge: the event's certificates go with its personal data."""
    people = select(Registration.id).where(Registration.event_id == event_id)
    return db.session.execute(delete(Certificate).where(
        Certificate.registration_id.in_(people))
        .execution_options(synchronize_session=False)).rowcount
