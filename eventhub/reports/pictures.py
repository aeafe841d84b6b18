"""The report's charts, drawn from the same cells as its tables (so a hidden count is
hidden in the chart too): attendance per region (regions with data only), the funnel per
organization, registrations per size, and the month-by-month trend per organization."""
from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup

from eventhub.reports import charts, tables
from eventhub.reports.charts import LIGHT_COLOUR, Bar, Column
from eventhub.reports.services import Report
from eventhub.reports.tables import Hidden, Suppression, Table, Value


def bar(label: str, value: Value, hide: Suppression, language: str,
        colour: str = charts.BAR_COLOUR) -> Bar:
    if isinstance(value, Hidden):
        return Bar(label, hide.threshold, value.text, True, colour)
    number = value if isinstance(value, int) else 0
    return Bar(label, number, tables.text(number, language), False, colour)


def _hidden_note(hide: Suppression) -> str:
    if hide.threshold > 1:
        return " " + _("Dashed outlines stand for counts below %(threshold)d.",
                       threshold=hide.threshold)
    return ""


def _period(report: Report, language: str) -> dict[str, str]:
    return {"first": tables.text(report.period.first, language),
            "last": tables.text(report.period.last, language)}


def regions(report: Report, hide: Suppression, language: str) -> Markup:
    description = _("Horizontal bars, one per region with registrations or attendance, in "
                    "the order of the table “Per region”, each labelled with the number "
                    "of people who attended.") + _hidden_note(hide)
    return charts.bar_chart(
        tables.attendance_bars(report, hide, language), chart_id="regions-chart",
        title=_("Attended per region, %(first)s to %(last)s", **_period(report, language)),
        description=description)


def funnel(report: Report, hide: Suppression, language: str) -> Markup:
    """Registered → confirmed → attended per organization."""
    groups = []
    for organization in report.organizations:
        figures = report.figures("organization", organization.id)
        groups.append((organization.short_name or organization.name, [
            bar(_("Registered"), hide.count(figures.registered), hide, language,
                LIGHT_COLOUR),
            bar(_("Confirmed"), hide.count(figures.confirmed), hide, language, "#3d7fae"),
            bar(_("Attended"), hide.count(figures.attended), hide, language)]))
    return charts.grouped_bar_chart(
        groups, chart_id="funnel-chart",
        title=_("Registered, confirmed and attended per organization, %(first)s to "
                "%(last)s", **_period(report, language)),
        description=_("For each organization three bars: registered, confirmed, attended; "
                      "the numbers are in the table “Per organization”.")
        + _hidden_note(hide))


def sizes(table: Table, hide: Suppression, language: str) -> Markup:
    """Registered per organization size, from the table “Per organization size”."""
    bars = [bar(str(row.cells[0]), row.cells[1], hide, language) for row in table.rows]
    return charts.bar_chart(
        bars, chart_id="sizes-chart", title=table.title,
        description=_("Horizontal bars, one per organization size with registrations, "
                      "each labelled with the number registered.") + _hidden_note(hide))


def trend(registered: Table, attended: Table, hide: Suppression, language: str) -> Markup:
    """One panel per organization (the columns of the trend tables), months side by side."""
    panels = []
    for index, name in enumerate(registered.head[1:-1], start=1):
        columns = [Column(str(reg.cells[0])[:3], bar("", reg.cells[index], hide, language,
                                                      LIGHT_COLOUR),
                          bar("", att.cells[index], hide, language))
                   for reg, att in zip(registered.rows, attended.rows, strict=True)]
        panels.append((name, columns))
    return charts.trend_chart(
        panels, chart_id="trend-chart", title=_("Registered and attended per month and "
                                                "organization"),
        description=_("One panel per organization, side by side on one scale; in each, a "
                      "pair of columns per month: registered (light) and attended (dark). "
                      "The numbers are in the two tables below.") + _hidden_note(hide))
