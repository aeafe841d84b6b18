"""The report as tables of typed cells: one source for the page, the CSV and the XLSX file,
so that all three always show the same numbers.

Small numbers (README, "Reports"): with a threshold T (the exports, and the page's
shareable view), a count from 1 to T−1 shows as "<T"; 0 stays 0, because an empty group
points at nobody; every other count is rounded to a base B ≥ T (default 5), so that no
total minus its parts, and no difference between two periods' files, gives a hidden count
back. Derived figures are hidden with "×" whenever they would give such a count away: the
minutes of a group in which fewer than T attended, a no-show rate whose no-shows or
attendees (among those expected) number 1 to T−1; other rates and shares are computed
from the shown (rounded) counts.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from babel.dates import format_date
from babel.numbers import format_decimal
from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup, escape

from eventhub import timeutil
from eventhub.events.forms import FORMAT_LABELS
from eventhub.reports.charts import Bar
from eventhub.reports.services import Figures, Report

DERIVED = "×"


@dataclass(frozen=True)
class Percent:
    fraction: float


@dataclass(frozen=True)
class Hidden:
    text: str
    derived: bool = False  # a rate or minutes hidden to protect a count


Value = str | int | Percent | Hidden | date | None


@dataclass(frozen=True)
class Row:
    cells: list[Value]
    event_id: int | None = None  # rows of the events table link to the event's report


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    head: list[str]
    rows: list[Row]
    total: Row
    label_columns: int = 1  # the leading columns that name the row; numbers follow
    # Rows without any figure, shown collapsed below the others (and as zeros in files).
    empty: list[Row] = field(default_factory=list)

    @property
    def all_rows(self) -> list[Row]:
        return [*self.rows, *self.empty]


def collapsed(table: Table) -> Table:
    """The same table with its rows of zeros (or of nothing) moved to ``empty``."""
    def has_data(row: Row) -> bool:
        return any(v not in (0, None, "") for v in row.cells[table.label_columns:])
    return replace(table, rows=[r for r in table.rows if has_data(r)],
                   empty=[r for r in table.rows if not has_data(r)])


MINUTES_BASE = 60  # shared minutes are rounded to hours


@dataclass(frozen=True)
class Suppression:
    """Hides counts from 1 to ``threshold`` − 1 and rounds the others to ``base``.

    A threshold of 0 or 1 and a base of 1 change nothing (the page for its own users).
    Rounding is what keeps a hidden count from being worked out: every shown count is a
    multiple of ``base`` (at least ``threshold``), so any sum or difference of shown
    counts is one too, and never a number from 1 to ``threshold`` − 1. Rates and shares
    are computed from the shown counts only."""
    threshold: int = 0
    base: int = 1

    @classmethod
    def shared(cls, threshold: int, base: int) -> Suppression:
        return cls(threshold, max(base, threshold, 1))

    def small(self, count: int) -> bool:
        return 0 < count < self.threshold

    def rounded(self, count: int, base: int | None = None) -> int:
        base = base or self.base
        if base <= 1 or count == 0:
            return count
        return max(base, base * int(count / base + 0.5))

    def count(self, count: int) -> int | Hidden:
        return Hidden(f"<{self.threshold}") if self.small(count) else self.rounded(count)

    def minutes(self, figures: Figures) -> int | Hidden:
        if self.small(figures.attended):
            return Hidden(DERIVED, True)
        return self.rounded(figures.minutes, MINUTES_BASE if self.base > 1 else 1)

    def share(self, part: int, whole: int) -> Percent | Hidden | None:
        """``part`` of ``whole`` as the shown counts say."""
        shown_part, shown_whole = self.count(part), self.count(whole)
        if not whole:
            return None
        if isinstance(shown_part, Hidden) or isinstance(shown_whole, Hidden):
            return Hidden(DERIVED, True)
        return Percent(shown_part / shown_whole)

    def rate(self, figures: Figures) -> Percent | Hidden | None:
        if not figures.expected:
            return None
        if self.small(figures.expected - figures.no_shows):
            return Hidden(DERIVED, True)
        return self.share(figures.no_shows, figures.expected)


EXACT = Suppression()


def sharing() -> Suppression:
    """The rules of everything shared (the shareable view, the downloads, the API's shared
    figures), as the configuration sets them."""
    return Suppression.shared(int(current_app.config["REPORT_SMALL_NUMBER_THRESHOLD"]),
                              int(current_app.config["REPORT_ROUNDING_BASE"]))


def measure_head() -> list[str]:
    return [_("Registered"), _("Confirmed"), _("Attended"), _("of them walk-ins"),
            _("No-show rate (%)"), _("Minutes attended")]


def measures(figures: Figures, hide: Suppression) -> list[Value]:
    return [hide.count(figures.registered), hide.count(figures.confirmed),
            hide.count(figures.attended), hide.count(figures.walk_ins), hide.rate(figures),
            hide.minutes(figures)]


def _table(report: Report, hide: Suppression, key: str, title: str, label: str,
           dimension: str, items: list[tuple[object, str]]) -> Table:
    rows = [Row([name, *measures(report.figures(dimension, item), hide)])
            for item, name in items]
    return Table(key, title, [label, *measure_head()], rows,
                 Row([_("Total"), *measures(report.total, hide)]))


def month_label(year: int, month: int, language: str) -> str:
    return format_date(date(year, month, 1), "LLLL yyyy", locale=language)


def build(report: Report, language: str, hide: Suppression = EXACT) -> list[Table]:
    """Per region, organization, format, month and event; organizations side by side for
    those who see them all."""
    tables = [
        collapsed(_table(report, hide, "regions", _("Per region"), _("Region"), "region",
                         [(r.code, r.name(language)) for r in report.regions])),
        _table(report, hide, "organizations", _("Per organization"), _("Organization"),
               "organization", [(o.id, o.name) for o in report.organizations]),
        collapsed(_table(report, hide, "formats", _("Per format"), _("Format"), "format",
                         [(f, str(FORMAT_LABELS[f])) for f in report.formats])),
        _table(report, hide, "months", _("Per month"), _("Month"), "month",
               [(m, month_label(*m, language)) for m in report.period.months()]),
        events_table(report, hide, language),
    ]
    if report.side_by_side:
        tables.append(collapsed(matrix(report, hide, language)))
    return tables


def events_table(report: Report, hide: Suppression, language: str) -> Table:
    names = {o.id: o.short_name or o.name for o in report.organizations}
    rows = [Row([e.title, names.get(e.organization_id, ""), str(FORMAT_LABELS[e.format]),
                 timeutil.to_local(e.starts_at, report.tz_name).date(),
                 *measures(report.figures("event", e.id), hide)], event_id=e.id)
            for e in report.events]
    head = [_("Event"), _("Organization"), _("Format"), _("Date"), *measure_head()]
    total = Row([_("Total"), "", "", None, *measures(report.total, hide)])
    return Table("events", _("Per event"), head, rows, total, label_columns=4)


def matrix(report: Report, hide: Suppression, language: str) -> Table:
    """Attended per region (rows) and organization (columns)."""
    organizations = report.organizations
    rows = [Row([region.name(language),
                 *(hide.count(report.figures("region_organization",
                                             (region.code, o.id)).attended)
                   for o in organizations),
                 hide.count(report.figures("region", region.code).attended)])
            for region in report.regions]
    total = Row([_("Total"),
                 *(hide.count(report.figures("organization", o.id).attended)
                   for o in organizations), hide.count(report.total.attended)])
    head = [_("Region"), *(o.short_name or o.name for o in organizations), _("Total")]
    return Table("side_by_side", _("Attended per region and organization"), head, rows,
                 total)


def summary(report: Report, hide: Suppression) -> list[tuple[str, Value]]:
    return list(zip(measure_head(), measures(report.total, hide), strict=True))


def attendance_bars(report: Report, hide: Suppression, language: str) -> list[Bar]:
    """The chart's bars: attended per region, hidden ones as long as the threshold."""
    bars = []
    for region in regions_with_data(report):
        value = hide.count(report.figures("region", region.code).attended)
        hidden = isinstance(value, Hidden)
        bars.append(Bar(region.name(language), hide.threshold if hidden else value,
                        text(value, language), hidden))
    return bars


def regions_with_data(report: Report) -> list:
    return [r for r in report.regions if report.figures("region", r.code) != EMPTY]


def regions_without_data(report: Report, language: str) -> list[str]:
    return [r.name(language) for r in report.regions
            if report.figures("region", r.code) == EMPTY]


EMPTY = Figures()


def facts(report: Report, created: datetime, hide: Suppression,
          language: str) -> list[tuple[str, str]]:
    """What a shared file is about: the lines above its tables."""
    period = report.period
    everyone = report.side_by_side
    rows = [(_("Report"), _("Registrations and attendance")),
            (_("Period"), f"{period.first.isoformat()} – {period.last.isoformat()}"),
            (_("Time zone"), report.tz_name),
            (_("Organizations"), _("all") if everyone else
             ", ".join(o.name for o in report.organizations))]
    if report.event_id is not None and report.events:
        rows.append((_("Event"), report.events[0].title))
    local = timeutil.local_naive(created, report.tz_name)
    rows.append((_("Created"), local.strftime("%Y-%m-%d %H:%M")))
    if hide.threshold > 1:
        rows.append((_("Small numbers"), _(
            "Counts from 1 to %(highest)d show as “<%(threshold)d”; “×” marks rates and "
            "minutes that would give such a count away.", highest=hide.threshold - 1,
            threshold=hide.threshold)))
    if hide.base > 1:
        rows.append((_("Rounding"), _(
            "Other counts are rounded to multiples of %(base)d, minutes to hours; rates and "
            "shares are computed from the rounded counts, so totals may differ from the sum "
            "of their parts.", base=hide.base)))
    return rows


# --- showing cells ---------------------------------------------------------------------

def _percent(fraction: float, language: str) -> str:
    return format_decimal(round(fraction * 100, 1), "#,##0.0", locale=language)


def text(value: Value, language: str) -> str:
    """A cell as people read it on the page: grouped digits, rates like "12,5", dates."""
    formats: dict[type, Callable] = {
        int: lambda v: format_decimal(v, locale=language),
        Percent: lambda v: _percent(v.fraction, language),  # the heading says "(%)"
        Hidden: lambda v: v.text,
        date: lambda v: format_date(v, "medium", locale=language),
    }
    if value is None:
        return "–"
    return formats.get(type(value), str)(value)


def html(value: Value, language: str) -> Markup:
    """A cell for the page, with words for screen readers where a sign stands alone."""
    if value is None:
        return Markup('<span aria-hidden="true">–</span><span class="visually-hidden">{}'
                      '</span>').format(_("no value"))
    if isinstance(value, Hidden) and value.derived:
        return Markup('<span class="suppressed" aria-hidden="true">{}</span>'
                      '<span class="visually-hidden">{}</span>').format(
                          value.text, _("not shown"))
    if isinstance(value, Hidden):
        return Markup('<span class="suppressed">{}</span>').format(value.text)
    return escape(text(value, language))


def plain(value: Value, language: str) -> str:
    """A cell for a CSV file: digits without grouping, a decimal comma in German."""
    if value is None:
        return ""
    if isinstance(value, Percent):
        return format_decimal(round(value.fraction * 100, 1), "0.0", locale=language)
    if isinstance(value, Hidden):
        return value.text
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
