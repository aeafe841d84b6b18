"""Report rules: the period, who sees which events, what each number means, and folding
the parts ``queries`` counts into regions, organizations, formats, months and events.

The numbers (README, "Reports"):

- registered: registrations made in advance (any status but expired; walk-ins excluded);
- confirmed: of those, the ones confirmed now;
- attended: everyone recorded as attended, walk-ins included, whatever their status;
- walk-ins: of the attended, those added because they came without registering;
- no-show rate: of the confirmed registrations at events that have ended and have any
  attendance record, the share not recorded as attended (walk-ins are not in it);
- minutes: the minutes in session of those who attended, where a webinar report said so.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l

from eventhub import timeutil
from eventhub.auth.models import User
from eventhub.errors import RuleViolation
from eventhub.events.models import EventFormat, EventStatus
from eventhub.organizations.models import Organization, Region
from eventhub.reports import queries
from eventhub.reports.queries import Counts, EventInfo

MAX_MONTHS = 120  # ten years: the month table stays readable, and the queries cheap
EARLIEST_YEAR, LATEST_YEAR = 2000, 2099
Month = tuple[int, int]


@dataclass(frozen=True)
class Period:
    """Whole days ``first`` to ``last`` (both included) in the report's time zone."""
    first: date
    last: date

    def utc_bounds(self, tz_name: str) -> tuple[datetime, datetime]:
        return (timeutil.start_of_day(self.first, tz_name),
                timeutil.start_of_day(self.last + timedelta(days=1), tz_name))

    def months(self) -> list[Month]:
        start = self.first.year * 12 + self.first.month - 1
        end = self.last.year * 12 + self.last.month - 1
        return [(index // 12, index % 12 + 1) for index in range(start, end + 1)]


def period(first: date, last: date) -> Period:
    """A valid period, or RuleViolation naming the field (``start`` or ``end``) to fix."""
    for name, day in (("start", first), ("end", last)):
        if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            raise RuleViolation(_l("Enter a date between %(first)d and %(last)d.",
                                   first=EARLIEST_YEAR, last=LATEST_YEAR), name)
    if last < first:
        raise RuleViolation(_l("The end must not be before the start."), "end")
    result = Period(first, last)
    if len(result.months()) > MAX_MONTHS:
        raise RuleViolation(_l("Choose a period of at most %(years)d years.",
                               years=MAX_MONTHS // 12), "end")
    return result


def default_period(now: datetime, tz_name: str, months: int = 12) -> Period:
    """This month and the ``months - 1`` before it, as whole months."""
    today = timeutil.to_local(now, tz_name).date()
    index = today.year * 12 + today.month - 1
    year, month = divmod(index - max(months, 1) + 1, 12)
    next_year, next_month = divmod(index + 1, 12)
    return Period(date(year, month + 1, 1),
                  date(next_year, next_month + 1, 1) - timedelta(days=1))


@dataclass(slots=True)
class Figures:
    registered: int = 0
    confirmed: int = 0
    attended: int = 0
    walk_ins: int = 0
    expected: int = 0  # confirmed at ended events with attendance records: the rate's base
    no_shows: int = 0  # of ``expected``, not recorded as attended
    minutes: int = 0
    returning: int = 0  # of ``attended``, people who had attended an earlier event

    @property
    def new(self) -> int:
        return self.attended - self.returning

    def add(self, other: Figures) -> None:
        # Spelled out: this runs for every (event, region) row and table, and a loop over
        # the fields with getattr/setattr would cost as much as the query on SQLite.
        self.registered += other.registered
        self.confirmed += other.confirmed
        self.attended += other.attended
        self.walk_ins += other.walk_ins
        self.expected += other.expected
        self.no_shows += other.no_shows
        self.minutes += other.minutes
        self.returning += other.returning

    @property
    def no_show_rate(self) -> float | None:
        return self.no_shows / self.expected if self.expected else None


# How each table groups the parts' rows: (counts, event, month) -> key.
Dimension = Callable[[Counts, EventInfo, Month], Hashable]
DIMENSIONS: dict[str, Dimension] = {
    "region": lambda c, e, m: c.region_code,
    "organization": lambda c, e, m: e.organization_id,
    "format": lambda c, e, m: e.format,
    "month": lambda c, e, m: m,
    "event": lambda c, e, m: e.id,
    "size": lambda c, e, m: c.size,
    "role": lambda c, e, m: c.role,
    "region_organization": lambda c, e, m: (c.region_code, e.organization_id),
    "region_size": lambda c, e, m: (c.region_code, c.size),
    "organization_size": lambda c, e, m: (e.organization_id, c.size),
    "month_organization": lambda c, e, m: (m, e.organization_id),
}
# The tables that can be broken down by size or role: (table, category) -> key.
BREAKDOWNS = ("size", "role")
BROKEN_DOWN = ("region", "organization", "format", "month", "event")
for _table in BROKEN_DOWN:
    for _by in BREAKDOWNS:
        if f"{_table}_{_by}" not in DIMENSIONS:
            DIMENSIONS[f"{_table}_{_by}"] = (
                lambda c, e, m, t=DIMENSIONS[_table], b=DIMENSIONS[_by]: (t(c, e, m),
                                                                         b(c, e, m)))
# Which dimensions each part of ``queries.counts`` is folded into (every dimension from
# exactly one part): the parts per event and region give everything that has no size or
# role in it, including the total.
FOLDED_FROM: dict[tuple[str, ...], tuple[str, ...]] = {
    ("event_id", "region_code"): tuple(d for d in DIMENSIONS
                                       if not d.endswith(BREAKDOWNS) and d not in BREAKDOWNS),
    **{("event_id", by): (by, *(f"{t}_{by}" for t in BROKEN_DOWN if t != "region"))
       for by in ("size", "role")},
    **{("region_code", by): (f"region_{by}",) for by in ("size", "role")},
}
TOTAL_PART = ("event_id", "region_code")


@dataclass
class Report:
    period: Period
    tz_name: str
    regions: list[Region]
    organizations: list[Organization]
    formats: list[EventFormat]
    events: list[EventInfo]  # the events reported on, by start
    events_in_period: list[EventInfo]  # all the actor's events in the period (to choose from)
    event_id: int | None
    side_by_side: bool  # one column per organization (coordinators and admins)
    total: Figures = field(default_factory=Figures)
    groups: dict[str, dict[Hashable, Figures]] = field(default_factory=dict)

    def figures(self, dimension: str, key: Hashable) -> Figures:
        return self.groups[dimension].get(key) or Figures()


def visible_organizations(actor: User) -> tuple[int, ...] | None:
    """None: every organization; organizers see their own (or nothing without one)."""
    if actor.sees_all_organizations:
        return None
    return (actor.organization_id,) if actor.organization_id is not None else ()


def _scope(actor: User, chosen: Period, tz_name: str) -> queries.Scope:
    return queries.Scope(*chosen.utc_bounds(tz_name),
                         organization_ids=visible_organizations(actor))


def events_in_period(actor: User, chosen: Period, tz_name: str) -> list[EventInfo]:
    return queries.events(_scope(actor, chosen, tz_name))


def build(actor: User, chosen: Period, now: datetime, tz_name: str,
          event_id: int | None = None) -> Report:
    """The report on the actor's published events that start in the period (or on one of
    them); RuleViolation (field ``event``) if that event is not among them."""
    scope = _scope(actor, chosen, tz_name)
    organization_ids = scope.organization_ids
    in_period = queries.events(scope)
    if event_id is not None:
        _check_event(event_id, in_period, organization_ids)
        scope = replace(scope, event_id=event_id)
    selected = [e for e in in_period if event_id in (None, e.id)]
    report = Report(
        period=chosen, tz_name=tz_name, regions=queries.regions(),
        organizations=queries.organizations(organization_ids), formats=list(EventFormat),
        events=selected, events_in_period=in_period, event_id=event_id,
        side_by_side=organization_ids is None)
    _fold(report, queries.counts(scope, len(selected), now))
    return report


def _check_event(event_id: int, in_period: list[EventInfo],
                 organization_ids: tuple[int, ...] | None) -> None:
    if any(e.id == event_id for e in in_period):
        return
    status = queries.visible_event_status(event_id, organization_ids)
    if status is None:
        raise RuleViolation(_l("There is no such event among the events you may see."),
                            "event")
    if status is not EventStatus.PUBLISHED:
        raise RuleViolation(_l("Reports cover published events only."), "event")
    raise RuleViolation(_l("This event does not start within the chosen period."), "event")


def _fold(report: Report, rows: list[Counts]) -> None:
    events = {e.id: e for e in report.events}
    months = {e.id: _local_month(e, report.tz_name) for e in report.events}
    groups: dict[str, dict[Hashable, Figures]] = {d: defaultdict(Figures) for d in DIMENSIONS}
    folds = {part: [(DIMENSIONS[name], groups[name]) for name in names]
             for part, names in FOLDED_FROM.items()}
    for c in rows:
        part = c.part
        figures = Figures(c.registered, c.confirmed, c.attended, c.walk_ins, c.expected,
                          c.no_shows, c.minutes, c.returning)
        event = events.get(c.event_id)
        month = months.get(c.event_id)
        if part == TOTAL_PART:
            report.total.add(figures)
        for key, group in folds[part]:
            group[key(c, event, month)].add(figures)
    report.groups = {name: dict(values) for name, values in groups.items()}


def _local_month(event: EventInfo, tz_name: str) -> Month:
    local = timeutil.to_local(event.starts_at, tz_name)
    return local.year, local.month
