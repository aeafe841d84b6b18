"""Fixtures for the attendance tests: a webinar on 21 November 2026, 10:00–12:00 Berlin
time, whose registrations match the people in the sample reports (tests/attendance/samples).

Fixtures commit what they create: a view that refuses input rolls the session back, and
uncommitted test data would vanish with it.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from eventhub.attendance.models import Attendance, AttendanceImport
from eventhub.registration.models import Registration
from eventhub.registration.models import RegistrationStatus as S
from tests.factories import berlin
from tests.registration.test_manage_registrations import add_registration

SAMPLES = Path(__file__).parent / "samples"
START = berlin(2026, 11, 21, 10)
END = START + timedelta(hours=2)
JOIN_URL = "https://zoom.example/j/81234567890?pwd=geheim"
PEOPLE = {  # key: (e-mail address, status, first name, last name)
    "erika": ("erika.muster@example.org", S.CONFIRMED, "Erika", "Muster"),
    "paul": ("paul.kurz@example.org", S.CONFIRMED, "Paul", "Kurz"),
    "lena": ("lena.zwei@example.org", S.CONFIRMED, "Lena", "Zwei"),
    "max": ("max.abwesend@example.org", S.CONFIRMED, "Max", "Abwesend"),
    "joerg": ("joerg.mueller@example.org", S.CANCELLED, "Jörg", "Müller"),
    "pending": ("noch.offen@example.org", S.PENDING, "Olga", "Offen"),
    "waiting": ("warte.liste@example.org", S.WAITLISTED, "Wanda", "Warteliste"),
}


@pytest.fixture(autouse=True)
def _after_the_webinar(clock):
    """The sample reports describe a webinar on a fixed day: the app's clock is set to an
    hour after it, when organizers import them, not to today."""
    clock.set(END + timedelta(hours=1))


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def count(db_session, model, *where) -> int:
    return db_session.scalar(select(func.count()).select_from(model).where(*where))


def attendance(db_session, registration) -> Attendance | None:
    db_session.expire_all()
    return db_session.get(Attendance, registration.id)


def snapshot(db_session, event_id: int) -> tuple:
    """Everything the attendance pages could change about an event."""
    db_session.expire_all()
    registrations = db_session.execute(
        select(Registration.id, Registration.status, Registration.source, Registration.email)
        .where(Registration.event_id == event_id).order_by(Registration.id)).all()
    rows = db_session.execute(
        select(Attendance.registration_id, Attendance.attended, Attendance.source,
               Attendance.minutes, Attendance.first_seen_at, Attendance.last_seen_at)
        .join(Registration).where(Registration.event_id == event_id)
        .order_by(Attendance.registration_id)).all()
    imports = db_session.execute(
        select(AttendanceImport.id, AttendanceImport.status)
        .where(AttendanceImport.event_id == event_id).order_by(AttendanceImport.id)).all()
    return registrations, rows, imports


def build_webinar(make, db_session, organization, title: str = "Regionale Impulse"):
    event = make.event(organization=organization, title=title, starts_at=START, ends_at=END,
                       online_join_url=JOIN_URL)
    people = {key: add_registration(db_session, event, email=email, status=status,
                                    first_name=first, last_name=last)
              for key, (email, status, first, last) in PEOPLE.items()}
    db_session.commit()
    return SimpleNamespace(event=event, **people)


@pytest.fixture()
def centre_a(make):
    return make.organization(slug="zentrum-a", name="Zentrum A", region_code="DE-BB")


@pytest.fixture()
def centre_b(make):
    return make.organization(slug="zentrum-b", name="Zentrum B", region_code="DE-SN")


@pytest.fixture()
def webinar(make, db_session, centre_a):
    return build_webinar(make, db_session, centre_a)


@pytest.fixture()
def organizer(make, db_session, centre_a):
    user = make.user(organization=centre_a, name="Anna A")
    db_session.commit()
    return user


@pytest.fixture()
def as_organizer(login, organizer):
    return login(organizer)
