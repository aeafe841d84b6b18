"""Whom the centres reach: tables by organization size and role, a region × size
cross-table, the share of small companies and solo self-employed per organization, new and
returning participants, the month-by-month trend per organization, and any table broken
down by size or role.

Every cell goes through the same ``Suppression`` as the basic tables (``tables``), so the
shareable view and the downloads follow one rule.
"""
from __future__ import annotations

from collections.abc import Hashable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from eventhub.attendance.people import ROLE_KEYS
from eventhub.events.forms import FORMAT_LABELS
from eventhub.registration.forms import SIZE_LABELS
from eventhub.registration.models import OrganizationSize
from eventhub.reports import tables
from eventhub.reports.services import Figures, Report
from eventhub.reports.tables import Row, Suppression, Table, collapsed, measure_head, measures

SIZES = list(OrganizationSize)
SMALL_SIZES = (OrganizationSize.SOLO, OrganizationSize.MICRO, OrganizationSize.SMALL)
ROLE_LABELS = {
    "management": _l("Owners and management"),
    "hr": _l("Human resources and training"),
    "representative": _l("Employee representatives"),
    "employee": _l("Employees and specialists"),
    "other": _l("Other roles"),
    "unstated": _l("Role not stated"),
}
MEASURES = {"registered": _l("Registered"), "attended": _l("Attended")}
BREAKDOWNS = {"size": _l("Organization size"), "role": _l("Role")}


def categories(by: str) -> list[tuple[str, str]]:
    if by == "size":
        return [(size.value, str(SIZE_LABELS[size])) for size in SIZES]
    return [(key, str(ROLE_LABELS[key])) for key in ROLE_KEYS]


def _measure(figures: Figures, measure: str) -> int:
    return figures.attended if measure == "attended" else figures.registered


def cross(report: Report, hide: Suppression, *, key: str, title: str, label: str,
          dimension: str, items: list[tuple[Hashable, str]], by: str,
          measure: str) -> Table:
    """``measure`` per item (rows) and category of ``by`` (columns), with totals."""
    columns = categories(by)
    rows = [Row([name, *(hide.count(_measure(report.figures(f"{dimension}_{by}", (item, c)),
                                             measure)) for c, _name in columns),
                 hide.count(_measure(report.figures(dimension, item), measure))])
            for item, name in items]
    total = Row([_("Total"), *(hide.count(_measure(report.figures(by, c), measure))
                               for c, _name in columns),
                 hide.count(_measure(report.total, measure))])
    head = [label, *(name for _c, name in columns), _("Total")]
    return Table(key, title, head, rows, total)


def category_table(report: Report, hide: Suppression, by: str) -> Table:
    rows = [Row([name, *measures(report.figures(by, c), hide)]) for c, name in categories(by)]
    title = _("Per organization size") if by == "size" else _("Per role")
    return collapsed(Table(f"per_{by}", title, [str(BREAKDOWNS[by]), *measure_head()], rows,
                           Row([_("Total"), *measures(report.total, hide)])))


def shares(report: Report, hide: Suppression) -> Table:
    """Per organization: of those who stated a size, the small companies and the solo
    self-employed (registrations, walk-ins not included)."""
    def row(name: str, figures_of) -> Row:
        stated = sum(figures_of(s).registered for s in SIZES
                     if s is not OrganizationSize.UNSTATED)
        small = sum(figures_of(s).registered for s in SMALL_SIZES)
        solo = figures_of(OrganizationSize.SOLO).registered
        return Row([name, hide.count(stated), hide.count(small), hide.share(small, stated),
                    hide.count(solo), hide.share(solo, stated)])
    rows = [row(o.name, lambda s, o=o: report.figures("organization_size", (o.id, s.value)))
            for o in report.organizations]
    total = row(_("Total"), lambda s: report.figures("size", s.value))
    head = [_("Organization"), _("Registered with a size"), _("Under 50 employees"),
            _("Share under 50 (%)"), _("Solo self-employed"), _("Share solo (%)")]
    return Table("shares", _("Small companies and solo self-employed"), head, rows, total)


def visits(report: Report, hide: Suppression, *, key: str, title: str, label: str,
           dimension: str, items: list[tuple[Hashable, str]]) -> Table:
    def row(name: str, figures: Figures) -> Row:
        return Row([name, hide.count(figures.attended), hide.count(figures.new),
                    hide.count(figures.returning),
                    hide.share(figures.returning, figures.attended)])
    rows = [row(name, report.figures(dimension, item)) for item, name in items]
    head = [label, _("Attended"), _("For the first time"), _("Had attended before"),
            _("Returning (%)")]
    return Table(key, title, head, rows, row(_("Total"), report.total))


def trend(report: Report, hide: Suppression, language: str, measure: str) -> Table:
    """``measure`` per month (rows) and organization (columns)."""
    organizations = report.organizations
    rows = [Row([tables.month_label(*m, language),
                 *(hide.count(_measure(report.figures("month_organization", (m, o.id)),
                                       measure)) for o in organizations),
                 hide.count(_measure(report.figures("month", m), measure))])
            for m in report.period.months()]
    total = Row([_("Total"),
                 *(hide.count(_measure(report.figures("organization", o.id), measure))
                   for o in organizations), hide.count(_measure(report.total, measure))])
    head = [_("Month"), *(o.short_name or o.name for o in organizations), _("Total")]
    title = (_("Registered per month and organization") if measure == "registered"
             else _("Attended per month and organization"))
    return Table(f"trend_{measure}", title, head, rows, total)


def _items(report: Report, language: str) -> dict[str, tuple[str, str, str, list]]:
    return {
        "region": ("regions", _("Per region"), _("Region"),
                   [(r.code, r.name(language)) for r in report.regions]),
        "organization": ("organizations", _("Per organization"), _("Organization"),
                         [(o.id, o.name) for o in report.organizations]),
        "format": ("formats", _("Per format"), _("Format"),
                   [(f, str(FORMAT_LABELS[f])) for f in report.formats]),
        "month": ("months", _("Per month"), _("Month"),
                  [(m, tables.month_label(*m, language)) for m in report.period.months()]),
        "event": ("events", _("Per event"), _("Event"),
                  [(e.id, e.title) for e in report.events]),
    }


def broken_down(report: Report, language: str, hide: Suppression, by: str,
                measure: str) -> list[Table]:
    """The five basic tables as cross-tables: ``measure`` per row and category of ``by``."""
    result = []
    for dimension, (key, title, label, items) in _items(report, language).items():
        table = cross(report, hide, key=key, title=f"{title}: {MEASURES[measure]}",
                      label=label, dimension=dimension, items=items, by=by, measure=measure)
        result.append(collapsed(table) if dimension in ("region", "format") else table)
    return result


def build(report: Report, language: str, hide: Suppression, by: str | None = None,
          measure: str = "registered") -> list[Table]:
    """Every table of the report, in the order of the page."""
    basic = (tables.build(report, language, hide) if by is None
             else [*broken_down(report, language, hide, by, measure),
                   *[t for t in tables.build(report, language, hide)
                     if t.key == "side_by_side"]])
    regions = [(r.code, r.name(language)) for r in report.regions]
    reach = [
        category_table(report, hide, "size"),
        category_table(report, hide, "role"),
        collapsed(cross(report, hide, key="region_size",
                        title=_("Per region and organization size: %(measure)s",
                                measure=MEASURES[measure]),
                        label=_("Region"), dimension="region", items=regions, by="size",
                        measure=measure)),
        shares(report, hide),
        visits(report, hide, key="visits_organizations",
               title=_("New and returning participants per organization"),
               label=_("Organization"), dimension="organization",
               items=[(o.id, o.name) for o in report.organizations]),
        visits(report, hide, key="visits_months",
               title=_("New and returning participants per month"), label=_("Month"),
               dimension="month",
               items=[(m, tables.month_label(*m, language)) for m in report.period.months()]),
    ]
    trends = [trend(report, hide, language, "registered"),
              trend(report, hide, language, "attended")] if report.side_by_side else []
    return [*basic, *reach, *trends]
