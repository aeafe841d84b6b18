"""Reach by organization size and role, new and returning participants: every figure of
the report checked against figures computed here, independently, from the same rows."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import select

from eventhub import timeutil
from eventhub.attendance import importing
from eventhub.attendance.models import WALK_IN, Attendance
from eventhub.attendance.people import PersonKey, role_group_of
from eventhub.events.models import Event, EventStatus
from eventhub.registration import services as registration_services
from eventhub.registration.models import OrganizationSize, Registration
from eventhub.registration.models import RegistrationStatus as S
from eventhub.reports import services
from tests.reports.conftest import NOW, PERIOD, person
from tests.reports.test_report_services import ZONE

SIZES = list(OrganizationSize)
ROLES = ["Geschäftsführerin", "Betriebsrat", "Referentin Weiterbildung", "Mitarbeiter Vertrieb",
         "Inhaber", "Bäckermeister", "", None, "Personalleitung", "Projektleiter"]


@pytest.fixture()
def world(world, counting):
    """The world's figures, counted each way the database can (conftest.COUNTING)."""
    return world

@pytest.fixture()
def reach(world, db_session):
    """Sizes and roles spread over the world's registrations, and three people who come
    back: Rita (E5 in December, then E1 and E3), Otto (E1, then E3), Uwe (E3 only)."""
    rows = db_session.scalars(select(Registration).order_by(Registration.id)).all()
    for index, registration in enumerate(rows):
        registration.organization_size = SIZES[index % len(SIZES)]
        registration.job_role = ROLES[index % len(ROLES)]
    for email, events in (("Rita@Example.org ", (world.e5, world.e1, world.e3)),
                          ("otto@example.org", (world.e1, world.e3)),
                          ("uwe@example.org", (world.e3,))):
        for event in events:
            person(db_session, event, "DE-TH", attended=True, minutes=30,
                   email=email.strip() if event is world.e5 else email,
                   organization_size=OrganizationSize.SOLO, job_role="Solo-Selbstständige")
    db_session.commit()
    return world



def _rows(db_session):
    """(registration, attendance, event) of the published events in the period."""
    start, end = PERIOD.utc_bounds(ZONE)
    query = (select(Registration, Attendance, Event)
             .join(Event, Event.id == Registration.event_id)
             .outerjoin(Attendance, Attendance.registration_id == Registration.id)
             .where(Event.status == EventStatus.PUBLISHED, Event.starts_at >= start,
                    Event.starts_at < end))
    return db_session.execute(query).all()


def _first_visits(db_session) -> set[int]:
    """Ids of the registrations that were their person's first visit (by address)."""
    visits = db_session.execute(
        select(Registration.id, Registration.email, Event.starts_at)
        .join(Event, Event.id == Registration.event_id)
        .join(Attendance, Attendance.registration_id == Registration.id)
        .where(Attendance.attended.is_(True), Event.status == EventStatus.PUBLISHED,
               Registration.email.is_not(None))).all()
    first = {}
    for registration_id, email, _start in sorted(visits, key=lambda v: (v[2], v[0])):
        first.setdefault(email.strip().lower(), registration_id)
    return set(first.values())


def _expected(db_session):
    registered, attended, returning = Counter(), Counter(), Counter()
    firsts = _first_visits(db_session)
    for registration, attendance, event in _rows(db_session):
        size, role = registration.organization_size.value, role_group_of(registration.job_role)
        keys = [("size", size), ("role", role), ("region_size", (registration.region_code, size)),
                ("organization_size", (event.organization_id, size)),
                ("organization", event.organization_id)]
        came = attendance is not None and attendance.attended
        in_advance = registration.source != WALK_IN and registration.status != S.EXPIRED
        for key in keys:
            registered[key] += in_advance
            attended[key] += came
            returning[key] += came and registration.email is not None and \
                registration.id not in firsts
    return registered, attended, returning


def test_every_size_role_and_cross_cell_matches_an_independent_count(reach, db_session):
    report = services.build(reach.coordinator, PERIOD, NOW, ZONE)
    registered, attended, returning = _expected(db_session)
    assert registered and attended
    for (dimension, key), count in registered.items():
        figures = report.figures(dimension, key)
        assert figures.registered == count, (dimension, key)
        assert figures.attended == attended[(dimension, key)], (dimension, key)
        assert figures.returning == returning[(dimension, key)], (dimension, key)
    assert sum(report.figures("size", s.value).registered for s in SIZES) == \
        report.total.registered
    assert report.total.returning == sum(v for (d, _k), v in returning.items() if d == "size")


def test_returning_people_are_recognised_across_organizations_by_their_address(reach):
    report = services.build(reach.coordinator, PERIOD, NOW, ZONE)
    thuringia = report.figures("region", "DE-TH")
    # Rita came before (December) to E1 and again to E3; Otto again to E3; Uwe is new.
    assert (thuringia.attended, thuringia.returning, thuringia.new) == (5, 3, 2)
    assert report.figures("role", "management").registered >= 5  # "Solo-Selbstständige"


def test_roles_are_grouped_by_their_words():
    assert role_group_of("Geschäftsführerin") == "management"
    assert role_group_of("Betriebsratsvorsitzender") == "representative"
    assert role_group_of("Personalrat") == "representative"
    assert role_group_of("Leiterin Personal") == "hr"
    assert role_group_of("Mitarbeiterin Buchhaltung") == "employee"
    assert role_group_of("Bäckermeister") == "other"
    assert role_group_of("  ") == role_group_of(None) == "unstated"


def _visit_figures(report):
    return {key: (f.attended, f.returning) for key, f in report.groups["month"].items()}


def test_past_figures_stay_after_an_erasure(reach, db_session):
    before = services.build(reach.coordinator, PERIOD, NOW, ZONE)
    rita_first = db_session.scalar(select(Registration).where(
        Registration.email == "Rita@Example.org", Registration.event_id == reach.e5.id))
    otto_first = db_session.scalar(select(Registration).where(
        Registration.email == "otto@example.org", Registration.event_id == reach.e1.id))
    for registration in (rita_first, otto_first):
        registration_services.erase(registration, NOW)
    db_session.commit()
    assert rita_first.email is None
    keys = db_session.get(PersonKey, rita_first.id)
    assert keys.key is None and keys.first_visit is True  # the key went with the person
    after = services.build(reach.coordinator, PERIOD, NOW, ZONE)
    assert _visit_figures(after) == _visit_figures(before)
    assert after.total.returning == before.total.returning
    # (an erasure cancels the registration: "confirmed" changes, by design)
    for dimension in ("role", "size", "region_size"):
        assert _reach(after, dimension) == _reach(before, dimension), dimension


def _reach(report, dimension):
    return {k: (f.registered, f.attended, f.returning)
            for k, f in report.groups[dimension].items()}


def test_past_figures_stay_after_erasing_every_visit_and_after_the_purge(reach, db_session):
    before = services.build(reach.coordinator, PERIOD, NOW, ZONE)
    rita = db_session.scalars(select(Registration).where(
        Registration.email.in_(["Rita@Example.org", "Rita@Example.org "]))).all()
    for registration in rita:
        registration_services.erase(registration, NOW)
    importing.purge(NOW + timedelta(days=3650))
    db_session.commit()
    after = services.build(reach.coordinator, PERIOD, NOW, ZONE)
    assert _visit_figures(after) == _visit_figures(before)
    assert after.total.returning == before.total.returning


def test_past_figures_stay_after_the_retention_purge(reach, db_session):
    """The purge blanks a whole event's people at once: returning visitors are decided
    before their keys go, as for "delete my data" (Rita's and Otto's first visits)."""
    from eventhub.retention import services as retention
    before = services.build(reach.coordinator, PERIOD, NOW, ZONE)
    for event in (reach.e5, reach.e1):
        assert retention.purge_event(event.id, NOW + timedelta(days=3650)) is not None
    db_session.commit()
    assert db_session.scalar(select(Registration.email).where(
        Registration.event_id == reach.e5.id, Registration.email.is_not(None))) is None
    after = services.build(reach.coordinator, PERIOD, NOW, ZONE)
    assert _visit_figures(after) == _visit_figures(before)
    assert after.total.returning == before.total.returning
    for dimension in ("role", "size", "region_size"):
        assert _reach(after, dimension) == _reach(before, dimension), dimension


def test_a_person_erased_then_registering_again_counts_as_new(reach, db_session, make):
    """What is kept cannot recognise them: the key went with their data."""
    uwe = db_session.scalar(select(Registration).where(Registration.email == "uwe@example.org"))
    registration_services.erase(uwe, NOW)
    later = make.event(organization=reach.a, starts_at=NOW - timedelta(days=1),
                       ends_at=NOW - timedelta(hours=20))
    person(db_session, later, "DE-TH", attended=True, email="uwe@example.org")
    db_session.commit()
    report = services.build(reach.coordinator, PERIOD, NOW, ZONE, event_id=later.id)
    assert (report.total.attended, report.total.returning) == (1, 0)


def test_keys_are_keyed_hashes_not_addresses(reach, db_session, app):
    services.build(reach.coordinator, PERIOD, NOW, ZONE)
    keys = db_session.scalars(select(PersonKey.key).where(PersonKey.key.is_not(None))).all()
    assert keys and all(len(k) == 64 and "@" not in k for k in keys)
    per_person = defaultdict(set)
    for registration in db_session.scalars(select(Registration).where(
            Registration.email.is_not(None))):
        per_person[registration.email.strip().lower()].add(
            db_session.get(PersonKey, registration.id).key)
    assert all(len(found) == 1 for found in per_person.values())
    assert len({next(iter(k)) for k in per_person.values()}) == len(per_person)


def test_a_changed_role_is_grouped_anew_at_the_next_report(reach, db_session, clock):
    registration = db_session.scalar(select(Registration).where(
        Registration.email == "uwe@example.org"))
    services.build(reach.coordinator, PERIOD, NOW, ZONE)
    assert db_session.get(PersonKey, registration.id).role_group == "management"
    clock.set(timeutil.utcnow() + timedelta(minutes=5))
    registration.job_role = "Betriebsrätin"
    db_session.commit()
    report = services.build(reach.coordinator, PERIOD, NOW, ZONE)
    assert db_session.get(PersonKey, registration.id).role_group == "representative"
    assert report.figures("role", "representative").attended >= 1

