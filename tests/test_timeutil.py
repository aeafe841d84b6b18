from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from eventhub import timeutil
from eventhub.events.models import Event
from tests.factories import berlin


def test_berlin_summer_time_is_utc_plus_two():
    assert timeutil.from_local(datetime(2027, 7, 15, 10), "Europe/Berlin") == \
        datetime(2027, 7, 15, 8, tzinfo=UTC)


def test_berlin_winter_time_is_utc_plus_one():
    assert timeutil.from_local(datetime(2027, 12, 15, 10), "Europe/Berlin") == \
        datetime(2027, 12, 15, 9, tzinfo=UTC)


def test_nonexistent_and_ambiguous_local_times_are_refused():
    with pytest.raises(timeutil.InvalidLocalTime, match="nonexistent"):
        timeutil.from_local(datetime(2027, 3, 28, 2, 30), "Europe/Berlin")
    with pytest.raises(timeutil.InvalidLocalTime, match="ambiguous"):
        timeutil.from_local(datetime(2027, 10, 31, 2, 30), "Europe/Berlin")


def test_unknown_zone_is_refused():
    for name in ("Mars/Olympus", "", "../etc/passwd", " Europe/Berlin"):
        assert not timeutil.is_valid_zone(name)
    assert timeutil.is_valid_zone("America/New_York")


def test_month_bounds_follow_the_local_zone():
    start, end = timeutil.month_bounds(2027, 12, "Europe/Berlin")
    assert start == datetime(2027, 11, 30, 23, tzinfo=UTC)
    assert end == datetime(2027, 12, 31, 23, tzinfo=UTC)


def test_database_round_trip_keeps_utc_and_tzinfo(make, db_session):
    event = make.event(starts_at=berlin(2027, 7, 15, 10))
    db_session.expire_all()
    stored = db_session.scalar(select(Event).where(Event.id == event.id))
    assert stored.starts_at == datetime(2027, 7, 15, 8, tzinfo=UTC)
    assert stored.starts_at.utcoffset().total_seconds() == 0
    assert timeutil.to_local(stored.starts_at, "Europe/Berlin").hour == 10


def test_naive_datetimes_are_refused_by_the_column(make, db_session):
    event = make.event()
    event.starts_at = datetime(2027, 7, 15, 10)
    with pytest.raises(Exception, match="naive datetime"):
        db_session.flush()
    db_session.rollback()
