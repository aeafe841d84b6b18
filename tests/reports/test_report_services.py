"""Report numbers against the hand-computed answers of the fixture (see conftest.py)."""
from __future__ import annotations

from dataclasses import astuple
from datetime import date

import pytest
from flask_babel import force_locale

from eventhub.errors import RuleViolation
from eventhub.events.models import EventFormat
from eventhub.reports import queries, services
from eventhub.reports.services import Figures, Period
from tests.factories import berlin
from tests.reports.conftest import NOW, PERIOD

F = EventFormat
ZONE = "Europe/Berlin"
ZERO = (0, 0, 0, 0, 0, 0, 0)
# (registered, confirmed, attended, walk-ins, expected, no-shows, minutes)
E1 = (6, 4, 3, 1, 4, 2, 75)
E2 = (5, 4, 0, 0, 0, 0, 0)
E3 = (8, 7, 7, 1, 7, 2, 297)
E4 = (4, 2, 0, 0, 0, 0, 0)
TOTAL = (23, 17, 10, 2, 11, 4, 372)
REGIONS = {
    "DE-BB": (6, 6, 2, 0, 3, 1, 45),
    "DE-BE": (2, 1, 0, 0, 1, 1, 0),
    "DE-MV": (2, 1, 0, 0, 0, 0, 0),
    "DE-SN": (10, 7, 6, 1, 5, 1, 207),
    "DE-ST": (1, 1, 0, 0, 1, 1, 0),
    "DE-TH": (1, 0, 0, 0, 0, 0, 0),
    "ABROAD": (1, 1, 1, 0, 1, 0, 90),
    "UNSTATED": (0, 0, 1, 1, 0, 0, 30),
}



@pytest.fixture()
def world(world, counting):
    """The world's figures, counted each way the database can (conftest.COUNTING)."""
    return world

def numbers(report, dimension, key) -> tuple:
    return astuple(report.figures(dimension, key))[:7]


def build(user, period=PERIOD, now=NOW, event_id=None):
    return services.build(user, period, now, ZONE, event_id)


def test_totals_and_rate(world):
    report = build(world.coordinator)
    assert astuple(report.total)[:7] == TOTAL
    assert report.total.no_show_rate == pytest.approx(4 / 11)
    assert [e.title for e in report.events] == ["Nachtgespräch KI", "=Werkstatt",
                                                "Digitaltag Sachsen", "Ausblick"]


def test_per_region_in_the_order_of_the_laender(world):
    report = build(world.coordinator)
    codes = [r.code for r in report.regions]
    assert len(codes) == 18 and codes[:2] == ["DE-BW", "DE-BY"]
    assert codes[-2:] == ["ABROAD", "UNSTATED"]
    for code in codes:
        assert numbers(report, "region", code) == REGIONS.get(code, ZERO), code


def test_per_organization_format_and_event(world):
    report = build(world.coordinator)
    assert [o.name for o in report.organizations] == [
        "Zukunftszentrum Brandenburg", "Zukunftszentrum Sachsen", "Zukunftszentrum Thüringen"]
    assert numbers(report, "organization", world.a.id) == (11, 8, 3, 1, 4, 2, 75)
    assert numbers(report, "organization", world.b.id) == (12, 9, 7, 1, 7, 2, 297)
    assert numbers(report, "organization", world.c.id) == ZERO
    assert numbers(report, "format", F.WEBINAR) == (14, 11, 10, 2, 11, 4, 372)
    assert numbers(report, "format", F.WORKSHOP) == E2
    assert numbers(report, "format", F.ONLINE_TALK) == E4
    assert numbers(report, "format", F.HYBRID) == ZERO
    for event, expected in ((world.e1, E1), (world.e2, E2), (world.e3, E3), (world.e4, E4)):
        assert numbers(report, "event", event.id) == expected, event.title


def test_months_are_berlin_months_not_utc_months(world):
    report = build(world.coordinator)
    assert report.period.months() == [(2026, m) for m in range(1, 7)]
    # E1 starts on 1 March 00:30 in Berlin, which is still 28 February in UTC.
    assert numbers(report, "month", (2026, 2)) == ZERO
    assert numbers(report, "month", (2026, 3)) == tuple(a + b for a, b in zip(E1, E2, strict=True))
    assert numbers(report, "month", (2026, 5)) == E3
    assert numbers(report, "month", (2026, 6)) == E4


def test_region_by_organization(world):
    report = build(world.coordinator)
    assert numbers(report, "region_organization", ("DE-SN", world.b.id)) == (9, 7, 6, 1, 5, 1,
                                                                             207)
    assert numbers(report, "region_organization", ("DE-SN", world.a.id)) == (1, 0, 0, 0, 0, 0,
                                                                             0)
    assert report.side_by_side


def test_no_shows_count_only_once_an_event_is_over_and_has_records(world):
    """E4 has no records, so it has no no-shows even when over; E3 has none before its end."""
    later = build(world.coordinator, now=berlin(2026, 6, 11, 12))
    assert numbers(later, "event", world.e4.id) == E4
    before_e3_ended = build(world.coordinator, now=berlin(2026, 5, 20, 11))
    assert numbers(before_e3_ended, "event", world.e3.id)[4:6] == (0, 0)


def test_period_boundaries_are_whole_berlin_days(world):
    winter = build(world.coordinator, Period(date(2025, 12, 1), date(2026, 2, 28)))
    assert [e.title for e in winter.events] == ["Jahresrückblick"]
    assert astuple(winter.total)[:7] == (2, 2, 2, 0, 2, 0, 160)
    first_of_march = build(world.coordinator, Period(date(2026, 3, 1), date(2026, 3, 1)))
    assert [e.title for e in first_of_march.events] == ["Nachtgespräch KI"]
    assert astuple(first_of_march.total)[:7] == E1


def test_drafts_and_cancelled_events_are_left_out(world):
    report = build(world.coordinator, Period(date(2026, 4, 1), date(2026, 4, 30)))
    assert report.events == [] and astuple(report.total)[:7] == ZERO


def test_organizers_see_their_own_organization_only(world):
    report = build(world.organizer_a)
    assert [o.id for o in report.organizations] == [world.a.id]
    assert {e.id for e in report.events} == {world.e1.id, world.e2.id}
    assert astuple(report.total)[:7] == (11, 8, 3, 1, 4, 2, 75)
    assert not report.side_by_side
    assert world.b.id not in report.groups["organization"]


def test_an_organizer_without_organization_sees_nothing(world, make):
    from eventhub.auth.models import Role
    loner = make.user(role=Role.ORGANIZER, organization=None)
    report = build(loner)
    assert report.events == [] and report.organizations == []


def test_one_event(world):
    report = build(world.coordinator, event_id=world.e3.id)
    assert [e.id for e in report.events] == [world.e3.id]
    assert astuple(report.total)[:7] == E3
    assert len(report.events_in_period) == 4


@pytest.mark.parametrize("which, message", [
    ("other_centre", "no such event"), ("missing", "no such event"),
    ("draft", "published events only"), ("outside", "not start within")])
def test_events_that_cannot_be_reported(app, world, which, message):
    event_id = {"other_centre": world.e3.id, "missing": 987654, "draft": world.e6.id,
                "outside": world.e5.id}[which]
    user = world.organizer_b if which == "draft" else world.organizer_a
    with pytest.raises(RuleViolation) as caught:
        build(user, event_id=event_id)
    assert caught.value.field == "event"
    with force_locale("en"):
        assert message in str(caught.value.message)


@pytest.mark.parametrize("first, last, field, message", [
    (date(2026, 2, 1), date(2026, 1, 31), "end", "must not be before"),
    (date(1999, 12, 31), date(2026, 1, 1), "start", "between 2000 and 2099"),
    (date(2026, 1, 1), date(2100, 1, 1), "end", "between 2000 and 2099"),
    (date(2010, 1, 1), date(2020, 1, 1), "end", "at most 10 years"),
])
def test_bad_periods(app, first, last, field, message):
    with pytest.raises(RuleViolation) as caught:
        services.period(first, last)
    with app.test_request_context(), force_locale("en"):
        assert caught.value.field == field and message in str(caught.value.message)


def test_a_period_of_ten_years_and_a_single_day_are_fine():
    assert len(services.period(date(2010, 1, 1), date(2019, 12, 31)).months()) == 120
    assert services.period(date(2026, 5, 5), date(2026, 5, 5)).months() == [(2026, 5)]


@pytest.mark.parametrize("now, first, last", [
    (berlin(2026, 11, 21, 11), date(2025, 12, 1), date(2026, 11, 30)),
    (berlin(2027, 1, 1, 0, 30), date(2026, 2, 1), date(2027, 1, 31)),  # 31 Dec in UTC
    (berlin(2028, 2, 10), date(2027, 3, 1), date(2028, 2, 29)),
])
def test_default_period_is_this_month_and_the_eleven_before(now, first, last):
    assert services.default_period(now, ZONE) == Period(first, last)


def test_period_bounds_in_utc():
    start, end = Period(date(2026, 3, 1), date(2026, 3, 31)).utc_bounds(ZONE)
    assert start.isoformat() == "2026-02-28T23:00:00+00:00"
    assert end.isoformat() == "2026-03-31T22:00:00+00:00"  # summer time from 29 March


def test_figures_add_and_rate():
    total = Figures(1, 2, 3, 4, 5, 6, 7)
    total.add(Figures(1, 1, 1, 1, 5, 0, 1))
    assert astuple(total)[:7] == (2, 3, 4, 5, 10, 6, 8)
    assert total.no_show_rate == pytest.approx(0.6)
    assert Figures().no_show_rate is None


@pytest.mark.parametrize("day, zone, expected", [
    (date(2026, 3, 29), "Europe/Berlin", "2026-03-28T23:00:00+00:00"),  # clocks go forward
    (date(2026, 10, 25), "Europe/Berlin", "2026-10-24T22:00:00+00:00"),  # clocks go back
    (date(2023, 3, 12), "America/Havana", "2023-03-12T05:00:00+00:00"),  # no midnight
])
def test_start_of_day(day, zone, expected):
    from eventhub import timeutil
    assert timeutil.start_of_day(day, zone).isoformat() == expected


@pytest.fixture()
def statements():
    """The SQL statements run while the test runs."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)
    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


def test_a_few_queries_whatever_the_number_of_registrations(world, statements, db_session,
                                                           counting):
    coordinator = world.coordinator
    coordinator.role  # noqa: B018  (loaded before counting: the fixture committed)
    statements.clear()
    build(coordinator)
    selects = [s for s in statements if s.startswith(("SELECT", "WITH"))]
    # Person keys are written in batches before counting: one read per batch, one more.
    keys = [s for s in selects if "LEFT OUTER JOIN person_keys" in s and "LIMIT" in s]
    assert len(keys) == 2
    selects = [s for s in selects if s not in keys]
    grouped = [s for s in selects if "GROUP BY" in s]
    # the events, their count (SQLite), the grouped counts, regions and organizations
    assert len(grouped) == 1 and len(selects) <= 5, selects
    sqlite = db_session.get_bind().dialect.name == "sqlite"
    # SQLite reads registrations in table order for reports over many events.
    assert ("NOT INDEXED" in grouped[0]) is sqlite
    assert ("GROUPING SETS" in grouped[0]) is (counting == "grouping sets")


def test_every_dimension_is_folded_from_exactly_one_part():
    folded = [name for names in services.FOLDED_FROM.values() for name in names]
    assert sorted(folded) == sorted(services.DIMENSIONS)
    assert set(services.FOLDED_FROM) == set(queries.PARTS)


def test_one_event_is_read_through_the_index(world, statements):
    build(world.coordinator, event_id=world.e3.id)
    assert not [s for s in statements if "NOT INDEXED" in s]
