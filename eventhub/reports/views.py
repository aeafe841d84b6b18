"""Organizer pages for reports (manage blueprint, so login is required): the regional
dashboard and its CSV and XLSX downloads.

Organizers see their own organization's events, coordinators and admins everyone's
(``services.visible_organizations``). Bad input (dates, an event that is not theirs) is
shown at the form with status 422, never as an error page.
"""
from __future__ import annotations

from datetime import datetime

from flask import Response, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from eventhub import formtools, i18n, timeutil
from eventhub.errors import RuleViolation
from eventhub.events.manage_blueprint import bp
from eventhub.reports import charts, exports, forms, services, tables
from eventhub.reports.services import Report
from eventhub.reports.tables import EXACT, Suppression

PREFIX = "/berichte"


def _zone() -> str:
    return current_app.config["DEFAULT_TIMEZONE"]


def _threshold() -> int:
    return int(current_app.config["REPORT_SMALL_NUMBER_THRESHOLD"])


def _offer_events(form: forms.ReportForm, events: list[services.EventInfo]) -> None:
    form.set_events([(e.id, e.title, timeutil.to_local(e.starts_at, _zone()).date())
                     for e in events], _("All events"))


def _load(now: datetime) -> tuple[forms.ReportForm, Report | None]:
    """The filter form from the query string, and the report if the input is valid."""
    default = services.default_period(now, _zone(),
                                      int(current_app.config["REPORT_DEFAULT_MONTHS"]))
    form = forms.ReportForm(formdata=request.args, start=default.first, end=default.last)
    form.shared.description = _(
        "Shows counts from 1 to %(highest)d as “<%(threshold)d”, as in the downloads, so "
        "that nobody can be singled out.", highest=_threshold() - 1, threshold=_threshold())
    _offer_events(form, [])
    if not form.validate():
        return form, None
    try:
        chosen = services.period(form.start.data, form.end.data)
        report = services.build(current_user, chosen, now, _zone(), form.event_id)
    except RuleViolation as exc:
        formtools.attach_error(form, exc)
        if exc.field == "event":
            _offer_events(form, services.events_in_period(current_user, chosen, _zone()))
        return form, None
    _offer_events(form, report.events_in_period)
    return form, report


def _chart(report: Report, hide: Suppression, language: str):
    period = report.period
    description = _("Horizontal bars, one per region in the order of the table “Per region”, "
                    "each labelled with the number of people who attended.")
    if hide.threshold > 1:
        description += " " + _("Dashed outlines stand for counts below %(threshold)d.",
                               threshold=hide.threshold)
    return charts.bar_chart(
        tables.attendance_bars(report, hide, language), chart_id="regions-chart",
        title=_("Attended per region, %(first)s to %(last)s",
                first=tables.text(period.first, language),
                last=tables.text(period.last, language)),
        description=description)


def _page(form: forms.ReportForm, report: Report | None, status: int = 200):
    threshold, language = _threshold(), i18n.current_language()
    context = {"form": form, "report": report, "threshold": threshold}
    if report is not None:
        hide = Suppression(threshold) if form.shared.data else EXACT
        context.update(
            shared=hide is not EXACT, tables=tables.build(report, language, hide),
            summary=tables.summary(report, hide), chart=_chart(report, hide, language),
            cell=lambda value: tables.html(value, language),
            args=_report_args(report, form.shared.data))
    return render_template("reports/index.html", **context), status


def _report_args(report: Report, shared: bool) -> dict[str, str]:
    args = {"start": report.period.first.isoformat(), "end": report.period.last.isoformat()}
    if report.event_id is not None:
        args["event"] = str(report.event_id)
    if shared:
        args["shared"] = "y"
    return args


@bp.get(PREFIX)
def reports():
    form, report = _load(timeutil.utcnow())
    return _page(form, report, 422 if form.errors else 200)


@bp.get(PREFIX + "/export.<any(csv, xlsx):file_format>")
def export_report(file_format: str):
    """The tables as a file for sharing: small numbers are always hidden."""
    now = timeutil.utcnow()
    form, report = _load(now)
    if report is None:
        return _page(form, None, 422)
    language, hide = i18n.current_language(), Suppression(_threshold())
    report_tables = tables.build(report, language, hide)
    facts = tables.facts(report, now, hide, language)
    if file_format == "csv":
        data, content_type = exports.to_csv(facts, report_tables, language), exports.CSV_TYPE
    else:
        data = exports.to_xlsx(facts, report_tables, _("Report"))
        content_type = exports.XLSX_TYPE
    slug = report.events[0].slug if report.event_id is not None and report.events else None
    name = exports.filename(report.period.first, report.period.last, file_format, slug)
    return Response(data, content_type=content_type, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
