"""A small world with known answers for the report tests.

Three centres, seven events and 34 registrations; "now" is 25 May 2026, noon in Berlin.
The period 1 January – 30 June 2026 holds four reported events (E1–E4); E5 starts before
it, E6 is a draft and E7 was cancelled. The expected numbers in the tests were worked out
by hand from the table below (r = region, status, attendance):

E1 centre A, webinar, 1 March 2026 00:30 Berlin (28 February 23:30 UTC), over, recorded:
   BB confirmed attended (check-in) · BB confirmed attended 45 min · BB confirmed no-show ·
   BE confirmed without record · BE cancelled · BB expired · SN waitlisted ·
   walk-in (not stated) attended 30 min
E2 centre A, workshop, 15 March 2026, over, nothing recorded:
   BB confirmed ×3 · MV pending · MV confirmed
E3 centre B, webinar, 20 May 2026, over, recorded:
   SN confirmed attended 60, 50, 40, 12 min · SN confirmed not attended (5 min) ·
   ST confirmed without record · SN cancelled attended 20 min · walk-in SN attended 25 min ·
   abroad confirmed attended 90 min
E4 centre B, online talk, 10 June 2026, upcoming:
   SN confirmed ×2 · SN pending · TH waitlisted
E5 centre A, webinar, 15 December 2025: BB confirmed attended ×2
E6 centre B, draft, 1 April 2026: SN confirmed attended
E7 centre C, cancelled, 2 April 2026: TH confirmed
"""
from __future__ import annotations

import os
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from eventhub.attendance.models import WALK_IN, Attendance, AttendanceSource
from eventhub.auth.models import Role
from eventhub.events.models import EventFormat, EventStatus
from eventhub.registration.models import RegistrationStatus as S
from eventhub.reports import queries
from eventhub.reports.services import Period
from tests.factories import berlin
from tests.registration.test_manage_registrations import add_registration

NOW = berlin(2026, 5, 25, 12)
PERIOD = Period(date(2026, 1, 1), date(2026, 6, 30))
F = EventFormat


def person(db_session, event, region: str, status=S.CONFIRMED, attended: bool | None = None,
           minutes: int | None = None, walk_in: bool = False, **kw):
    registration = add_registration(db_session, event, status=status, region_code=region,
                                    source=WALK_IN if walk_in else "form", **kw)
    if attended is not None:
        db_session.add(Attendance(registration_id=registration.id, attended=attended,
                                  minutes=minutes, source=AttendanceSource.IMPORT))
        db_session.flush()
    return registration


def _event(make, centre, fmt, start, minutes=120, **kw):
    return make.event(organization=centre, format=fmt, starts_at=start,
                      ends_at=start + timedelta(minutes=minutes), **kw)


def _e1(db_session, event):
    for spec in (("DE-BB", S.CONFIRMED, True, None), ("DE-BB", S.CONFIRMED, True, 45),
                 ("DE-BB", S.CONFIRMED, False, None), ("DE-BE", S.CONFIRMED, None, None),
                 ("DE-BE", S.CANCELLED, None, None), ("DE-BB", S.EXPIRED, None, None),
                 ("DE-SN", S.WAITLISTED, None, None)):
        person(db_session, event, *spec)
    person(db_session, event, "UNSTATED", attended=True, minutes=30, walk_in=True)


def _e3(db_session, event):
    for minutes in (60, 50, 40, 12):
        person(db_session, event, "DE-SN", attended=True, minutes=minutes)
    person(db_session, event, "DE-SN", attended=False, minutes=5)
    person(db_session, event, "DE-ST")
    person(db_session, event, "DE-SN", S.CANCELLED, attended=True, minutes=20)
    person(db_session, event, "DE-SN", attended=True, minutes=25, walk_in=True)
    person(db_session, event, "ABROAD", attended=True, minutes=90)


def _others(db_session, e2, e4, e5, e6, e7):
    for region, status in (("DE-BB", S.CONFIRMED),) * 3 + (("DE-MV", S.PENDING),
                                                           ("DE-MV", S.CONFIRMED)):
        person(db_session, e2, region, status)
    for region, status in (("DE-SN", S.CONFIRMED), ("DE-SN", S.CONFIRMED),
                           ("DE-SN", S.PENDING), ("DE-TH", S.WAITLISTED)):
        person(db_session, e4, region, status)
    for _ in range(2):
        person(db_session, e5, "DE-BB", attended=True, minutes=80)
    person(db_session, e6, "DE-SN", attended=True, minutes=10)
    person(db_session, e7, "DE-TH")


@pytest.fixture()
def world(make, db_session):
    a = make.organization(slug="zz-brandenburg", name="Zukunftszentrum Brandenburg",
                          short_name="ZZ BB", region_code="DE-BB")
    b = make.organization(slug="zz-sachsen", name="Zukunftszentrum Sachsen",
                          short_name="ZZ SN", region_code="DE-SN")
    c = make.organization(slug="zz-thueringen", name="Zukunftszentrum Thüringen",
                          short_name="ZZ TH", region_code="DE-TH")
    events = SimpleNamespace(
        e1=_event(make, a, F.WEBINAR, berlin(2026, 3, 1, 0, 30), 90, title="Nachtgespräch KI"),
        e2=_event(make, a, F.WORKSHOP, berlin(2026, 3, 15, 10), 360, title="=Werkstatt"),
        e3=_event(make, b, F.WEBINAR, berlin(2026, 5, 20, 10), title="Digitaltag Sachsen"),
        e4=_event(make, b, F.ONLINE_TALK, berlin(2026, 6, 10, 10), 60, title="Ausblick"),
        e5=_event(make, a, F.WEBINAR, berlin(2025, 12, 15, 10), title="Jahresrückblick"),
        e6=_event(make, b, F.WEBINAR, berlin(2026, 4, 1, 10), title="Entwurf",
                  status=EventStatus.DRAFT),
        e7=_event(make, c, F.WEBINAR, berlin(2026, 4, 2, 10), title="Abgesagt",
                  status=EventStatus.CANCELLED))
    _e1(db_session, events.e1)
    _e3(db_session, events.e3)
    _others(db_session, events.e2, events.e4, events.e5, events.e6, events.e7)
    users = SimpleNamespace(
        organizer_a=make.user(organization=a, name="Anna Brandenburg"),
        organizer_b=make.user(organization=b, name="Bernd Sachsen"),
        coordinator=make.user(role=Role.COORDINATOR, name="Clara Koordination"),
        admin=make.user(role=Role.ADMIN, name="Ada Admin"))
    db_session.commit()
    return SimpleNamespace(a=a, b=b, c=c, **vars(events), **vars(users))


@pytest.fixture()
def frozen_now(monkeypatch):
    """The pages' clock at NOW (services take ``now`` as an argument instead)."""
    from eventhub import timeutil
    monkeypatch.setattr(timeutil, "utcnow", lambda: NOW)
    return NOW


# How ``queries.counts`` adds up the parts: PostgreSQL with GROUPING SETS, SQLite with a
# union of GROUP BYs. On PostgreSQL the tests that compare figures run both ways.
COUNTING = (["grouping sets", "union"]
            if os.environ.get("EVENTHUB_TEST_DATABASE_URL", "").startswith("postgres")
            else ["union"])


@pytest.fixture(params=COUNTING)
def counting(request, monkeypatch):
    if request.param == "union":
        monkeypatch.setattr(queries, "GROUPING_SETS_DIALECTS", frozenset())
    return request.param
