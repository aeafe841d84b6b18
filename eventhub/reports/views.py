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
from eventhub.extensions import db
from eventhub.reports import breakdowns, exports, forms, pictures, services, tables
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


def _page(form: forms.ReportForm, report: Report | None, status: int = 200):
    threshold, language = _threshold(), i18n.current_language()
    context = {"form": form, "report": report, "threshold": threshold}
    if report is not None:
        hide = tables.sharing() if form.shared.data else EXACT
        report_tables = _tables(form, report, language, hide)
        keyed = {t.key: t for t in report_tables}
        context.update(
            shared=hide is not EXACT, rounding=tables.sharing().base, tables=report_tables,
            summary=tables.summary(report, hide),
            chart=pictures.regions(report, hide, language),
            funnel=pictures.funnel(report, hide, language),
            sizes_chart=pictures.sizes(keyed["per_size"], hide, language),
            trend=(pictures.trend(keyed["trend_registered"], keyed["trend_attended"], hide,
                                  language) if "trend_registered" in keyed else None),
            empty_regions=tables.regions_without_data(report, language),
            cell=lambda value: tables.html(value, language),
            args=_report_args(form, report))
    return render_template("reports/index.html", **context), status


def _tables(form: forms.ReportForm, report: Report, language: str,
            hide: Suppression) -> list[tables.Table]:
    return breakdowns.build(report, language, hide, form.breakdown.data or None,
                            form.measure.data or "registered")


def _report_args(form: forms.ReportForm, report: Report) -> dict[str, str]:
    args = {"start": report.period.first.isoformat(), "end": report.period.last.isoformat()}
    if report.event_id is not None:
        args["event"] = str(report.event_id)
    if form.breakdown.data:
        args["breakdown"] = form.breakdown.data
    if form.measure.data and form.measure.data != "registered":
        args["measure"] = form.measure.data
    if form.shared.data:
        args["shared"] = "y"
    return args


@bp.get(PREFIX)
def reports():
    form, report = _load(timeutil.utcnow())
    page = _page(form, report, 422 if form.errors else 200)
    db.session.commit()  # the person keys the report wrote: the next one reuses them
    return page


@bp.get(PREFIX + "/export.<any(csv, xlsx):file_format>")
def export_report(file_format: str):
    """The tables as a file for sharing: small numbers are always hidden."""
    now = timeutil.utcnow()
    form, report = _load(now)
    if report is None:
        return _page(form, None, 422)
    language, hide = i18n.current_language(), tables.sharing()
    report_tables = _tables(form, report, language, hide)
    facts = tables.facts(report, now, hide, language)
    if file_format == "csv":
        data, content_type = exports.to_csv(facts, report_tables, language), exports.CSV_TYPE
    else:
        data = exports.to_xlsx(facts, report_tables, _("Report"))
        content_type = exports.XLSX_TYPE
    db.session.commit()  # the person keys the report wrote: the next one reuses them
    slug = report.events[0].slug if report.event_id is not None and report.events else None
    name = exports.filename(report.period.first, report.period.last, file_format, slug)
    return Response(data, content_type=content_type, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
