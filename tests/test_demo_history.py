"""The demo's past year: deterministic, relative to the app's clock, and telling a story
the report can show (every organizer, thousands of registrations, sizes, returning people)."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from eventhub import demo, demo_history, timeutil
from eventhub.auth.models import User
from eventhub.events.models import Event
from eventhub.registration.models import Registration
from eventhub.reports import services

ORGANIZERS = {slug: (short, region) for slug, _name, short, region, _kind in demo.ORGANIZATIONS}


def _digest(events):
    return [(e.slug, e.starts_at, e.format, [(p.email, s, a, m, w)
                                             for p, s, a, m, w in e.registrations])
            for e in events]


def test_the_plan_is_the_same_every_time_and_moves_with_the_clock(clock):
    now = timeutil.utcnow()
    first, again = demo_history.plan(ORGANIZERS, now), demo_history.plan(ORGANIZERS, now)
    assert _digest(first) == _digest(again)
    later = demo_history.plan(ORGANIZERS, now + timedelta(days=7))
    assert [e.slug for e in later] == [e.slug for e in first]
    assert {later_e.starts_at - e.starts_at for e, later_e in zip(first, later, strict=True)} \
        <= {timedelta(days=7), timedelta(days=7, hours=1), timedelta(days=7, hours=-1)}


def test_a_year_of_every_organizer_with_thousands_of_registrations(clock):
    now = timeutil.utcnow()
    events = demo_history.plan(ORGANIZERS, now)
    assert {e.organization_slug for e in events} == set(ORGANIZERS)
    assert all(now - timedelta(days=366) < e.starts_at < now - timedelta(days=1)
               for e in events)
    registrations = [r for e in events for r in e.registrations]
    assert 3000 < len(registrations) < 8000
    visits = Counter(p.email for e in events for p, _s, attended, _m, _w in e.registrations
                     if attended)
    assert sum(1 for n in visits.values() if n > 1) > 200  # people come back
    solo = {slug: _share(events, slug) for slug in ORGANIZERS}
    assert solo["haus-der-selbststaendigen"] > 0.5 > 0.25 > solo["zz-sachsen"]


def _share(events, slug):
    sizes = [p.size.value for e in events if e.organization_slug == slug
             for p, *_rest in e.registrations]
    return sizes.count("solo") / len(sizes)


def test_the_coordinators_first_look_shows_real_patterns(db_session, clock):
    demo.load()
    db_session.commit()
    now = timeutil.utcnow()
    coordinator = db_session.scalar(select(User).where(User.email == demo.COORDINATOR_EMAIL))
    report = services.build(coordinator, services.default_period(now, "Europe/Berlin"), now,
                            "Europe/Berlin")
    assert report.total.registered > 2500 and report.total.returning > 500
    for organization in report.organizations:
        figures = report.figures("organization", organization.id)
        assert figures.attended > 100 and 0 < figures.no_show_rate < 0.6, organization.name
    regions = {code: f.registered for code, f in report.groups["region"].items()}
    assert sum(1 for v in regions.values() if v) >= 10  # not mostly zeros
    assert report.figures("format", "workshop").no_show_rate < \
        report.figures("format", "webinar").no_show_rate
    summaries = db_session.scalars(select(Event.summary).where(Event.summary.like(
        "%ein Angebot%"))).all()
    assert summaries and all(" des Zukunftszentrums " in s or " des Zentrums " in s
                             or " des Hauses der Selbstständigen" in s for s in summaries)
    assert db_session.scalar(select(func.count(Registration.id))) > 3000
