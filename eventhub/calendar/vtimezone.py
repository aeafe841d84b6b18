"""VTIMEZONE components that Outlook reads as well as Google, Apple and Thunderbird do.

icalendar's ``Timezone.from_tzid`` lists every transition as an RDATE. That is valid
iCalendar, but Outlook ignores RDATEs in time zones and then shows every event an hour off
in summer — the most common complaint about calendar files (DESIGN.md §5). So where the
zone's transitions follow a yearly weekday rule ("last Sunday of March at 02:00"), we write
that rule as an RRULE, the way Google and Outlook write zones themselves.

The rule is derived from the tz database (zoneinfo) and checked against every transition
from the year before the first event to the year after the last: a zone whose transitions
do not follow one rule there (a zone that changes its rules, Ramadan-based DST) gets every
transition of those years as an RDATE instead, from our own search (``from_tzid`` misses
some: Africa/Casablanca in 2027). Only the events' own instants depend on the VTIMEZONE, so
a rule that is right across their years is right for the file.
"""
from __future__ import annotations

import calendar as gregorian
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

from eventhub import timeutil

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Observances that are rules or constant start in 1970, as in Google's files: every file
# then carries the same VTIMEZONE for a zone, whatever its events' years. That matters to
# clients that keep the first definition they see for a TZID (vobject does).
_RULE_START_YEAR = 1970


@dataclass(frozen=True)
class Transition:
    onset: datetime  # naive wall-clock time in the offset before the change (RFC 5545)
    offset_from: timedelta
    offset_to: timedelta
    name: str


@lru_cache(maxsize=512)
def vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """The VTIMEZONE for events of ``tzid`` between ``first_year`` and ``last_year``.

    Cached: the returned component is shared and must not be changed.
    """
    transitions = _transitions(tzid, first_year - 1, last_year + 1)
    component = Timezone()
    component.add("TZID", tzid)
    component.add("X-LIC-LOCATION", tzid)  # libical (Thunderbird, Evolution) maps it back
    if not transitions:
        component.add_component(_constant(tzid, datetime(first_year, 1, 1),
                                          datetime(_RULE_START_YEAR, 1, 1)))
        return component
    groups = _groups(transitions)
    years = (last_year + 1) - (first_year - 1) + 1
    yearly = len(groups) == 2 and all(len(g) == years and _ordinal(g) for g in groups)
    if not yearly:  # the offset before the first listed transition must be known too
        start = datetime(first_year - 1, 1, 1)
        component.add_component(_constant(tzid, start, start))
    for group in groups:
        component.add_component(_observance(group, rule=yearly))
    return component


def _constant(tzid: str, at: datetime, onset: datetime) -> TimezoneStandard:
    """The offset in force ``at``, as an observance from ``onset`` on, without a rule."""
    local = at.replace(tzinfo=timeutil.zone(tzid))
    offset = local.utcoffset()
    return _observance([Transition(onset, offset, offset, local.tzname() or tzid)],
                       rule=False)


def _transitions(tzid: str, first_year: int, last_year: int) -> list[Transition]:
    """Every change of UTC offset from ``first_year`` to ``last_year``, to the second."""
    tz = timeutil.zone(tzid)
    instant = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    step = timedelta(hours=6)  # no zone changes its offset twice within six hours
    found, offset = [], instant.astimezone(tz).utcoffset()
    while instant < end:
        following = (instant + step).astimezone(tz).utcoffset()
        if following != offset:
            found.append(_transition(tz, instant, instant + step))
        instant, offset = instant + step, following
    return found


def _transition(tz, low: datetime, high: datetime) -> Transition:
    """Bisect, in whole seconds, to the first second of the new offset."""
    offset_from = low.astimezone(tz).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + timedelta(seconds=(high - low).total_seconds() // 2)
        if middle.astimezone(tz).utcoffset() == offset_from:
            low = middle
        else:
            high = middle
    local = high.astimezone(tz)
    return Transition((high + offset_from).replace(tzinfo=None), offset_from,
                      local.utcoffset(), local.tzname() or "")


def _groups(transitions: list[Transition]) -> list[list[Transition]]:
    """Transitions of the same kind (offsets and name), in order of first onset."""
    groups: dict[tuple, list[Transition]] = {}
    for transition in transitions:
        key = (transition.offset_from, transition.offset_to, transition.name)
        groups.setdefault(key, []).append(transition)
    return list(groups.values())


def _ordinal(group: list[Transition]) -> int | None:
    """-1 (the last) or n (the n-th), if every onset is that weekday of the same month at
    the same time; else None."""
    first = group[0].onset
    if any((t.onset.month, t.onset.time(), t.onset.weekday())
           != (first.month, first.time(), first.weekday()) for t in group):
        return None
    if all(t.onset.day + 7 > gregorian.monthrange(t.onset.year, t.onset.month)[1]
           for t in group):
        return -1  # "last Sunday", whether it is the 4th or the 5th
    ordinals = {(t.onset.day - 1) // 7 + 1 for t in group}
    return ordinals.pop() if len(ordinals) == 1 else None


def _rule_start(onset: datetime, ordinal: int) -> datetime:
    """The rule's onset in _RULE_START_YEAR (DTSTART must be an instance of the RRULE)."""
    year, month = _RULE_START_YEAR, onset.month
    days = [day for day in range(1, gregorian.monthrange(year, month)[1] + 1)
            if date(year, month, day).weekday() == onset.weekday()]
    day = days[ordinal] if ordinal < 0 else days[ordinal - 1]
    return datetime.combine(date(year, month, day), onset.time())


def _observance(group: list[Transition], *, rule: bool) -> TimezoneStandard | TimezoneDaylight:
    """DAYLIGHT when clocks go forward, also where the tz database calls the other half
    daylight time (Europe/Dublin's negative DST): Outlook knows only a positive bias."""
    first = group[0]
    forward = first.offset_to > first.offset_from
    observance = TimezoneDaylight() if forward else TimezoneStandard()
    observance.add("TZNAME", first.name)
    observance.add("TZOFFSETFROM", first.offset_from)
    observance.add("TZOFFSETTO", first.offset_to)
    if rule:
        ordinal = _ordinal(group)
        observance.add("DTSTART", _rule_start(first.onset, ordinal))
        observance.add("RRULE", vRecur(freq="YEARLY", bymonth=first.onset.month,
                                       byday=f"{ordinal}{_WEEKDAYS[first.onset.weekday()]}"))
    else:
        observance.add("DTSTART", first.onset)
        if len(group) > 1:
            observance.add("RDATE", [t.onset for t in group[1:]])
    return observance
