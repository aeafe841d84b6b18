"""The only place that knows about time zones (DESIGN.md §3 rule 3)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

UTC = UTC
# The years eventhub deals in: wide enough for any real event, narrow enough that every
# zone's offsets, the calendar's time-zone rules and every calendar client handle them.
FIRST_YEAR, LAST_YEAR = 2000, 2100


class InvalidLocalTime(ValueError):
    """A wall-clock time that does not exist or is ambiguous in its zone (DST change)."""


def utcnow() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """Return the IANA zone ``name``; raise ValueError for unknown names."""
    if not name or name != name.strip() or name.startswith(("/", ".")):
        raise ValueError(f"unknown time zone {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def is_valid_zone(name: str) -> bool:
    try:
        zone(name)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=1)
def common_zones() -> tuple[str, ...]:
    """Zones offered in forms: Europe/Berlin first, then every canonical Area/City zone."""
    legacy = ("Etc/", "SystemV/", "US/", "posix/", "right/")
    names = sorted(z for z in available_timezones() if "/" in z and not z.startswith(legacy))
    return ("Europe/Berlin", *[z for z in names if z != "Europe/Berlin"], "UTC")


def in_supported_years(value: datetime) -> bool:
    return FIRST_YEAR <= value.year <= LAST_YEAR


def as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime given where an aware one is needed")
    return value.astimezone(UTC)


def to_local(value: datetime, tz_name: str) -> datetime:
    return as_utc(value).astimezone(zone(tz_name))


def from_local(wall_clock: datetime, tz_name: str) -> datetime:
    """Interpret a naive wall-clock time in ``tz_name`` and return it in UTC.

    Times in the spring-forward gap do not exist, and times in the autumn fold happen
    twice; both are refused rather than silently moved.
    """
    if wall_clock.tzinfo is not None:
        return as_utc(wall_clock)
    tz = zone(tz_name)
    first = wall_clock.replace(tzinfo=tz, fold=0)
    second = wall_clock.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        roundtrip = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if roundtrip != wall_clock:
            raise InvalidLocalTime("nonexistent")
        raise InvalidLocalTime("ambiguous")
    return first.astimezone(UTC)


def local_naive(value: datetime, tz_name: str) -> datetime:
    """The wall-clock time of ``value`` in ``tz_name`` without tzinfo (for form fields)."""
    return to_local(value, tz_name).replace(tzinfo=None)


def zone_abbreviation(value: datetime, tz_name: str) -> str:
    return to_local(value, tz_name).tzname() or tz_name


def month_bounds(year: int, month: int, tz_name: str) -> tuple[datetime, datetime]:
    """UTC start (inclusive) and end (exclusive) of a calendar month in ``tz_name``."""
    start = datetime(year, month, 1)
    end = datetime(year + month // 12, month % 12 + 1, 1)
    tz = zone(tz_name)
    return (start.replace(tzinfo=tz).astimezone(UTC), end.replace(tzinfo=tz).astimezone(UTC))


def start_of_day(day: date, tz_name: str) -> datetime:
    """The UTC instant at which ``day`` begins in ``tz_name``.

    fold=0 gives the first of two midnights (clocks going back) and, where clocks skip
    midnight, the instant of the change itself: in both cases the day's first instant."""
    return datetime.combine(day, time()).replace(tzinfo=zone(tz_name)).astimezone(UTC)
