"""The regional report's figures with a token: the tables of the report page, built by
``reports.services`` and ``reports.tables`` as the page and its downloads are, so the
numbers are the same, small counts hidden and the others rounded as they do."""
from __future__ import annotations

from datetime import date

from flask import current_app, g
from spectree import Response

from eventhub import i18n, timeutil
from eventhub.api import manage_schemas as ms
from eventhub.api.blueprint import actor, bp, refused
from eventhub.api.schemas import Problem
from eventhub.api.spec import TOKEN, api_spec
from eventhub.errors import RuleViolation
from eventhub.reports import services, tables
from eventhub.reports.tables import EXACT, Hidden, Percent

TAGS = ["reports"]


def _cell(value: tables.Value) -> ms.Cell:
    if isinstance(value, Percent):
        return round(value.fraction * 100, 1)  # the heading says "(%)"
    if isinstance(value, Hidden):
        return value.text
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row(row: tables.Row) -> ms.ReportRow:
    return ms.ReportRow(cells=[_cell(c) for c in row.cells], event_id=row.event_id)


@bp.get("/manage/report")
@api_spec.validate(query=ms.ReportQuery, tags=TAGS, security=TOKEN, resp=Response(
    HTTP_200=ms.Report, HTTP_422=Problem))
def report(query: ms.ReportQuery):
    """Registrations and attendance per region, organization, format, month and event
    (and, for coordinators, regions by organization) of the published events that start
    in the period: by default this month and the eleven before, in the site's time
    zone. Rates are percentages; hidden cells are the strings "<n" and "×"."""
    user, now = actor(), timeutil.utcnow()
    zone = current_app.config["DEFAULT_TIMEZONE"]
    months = int(current_app.config["REPORT_DEFAULT_MONTHS"])
    default = services.default_period(now, zone, months)
    try:
        chosen = services.period(query.start or default.first, query.end or default.last)
        built = services.build(user, chosen, now, zone, query.event)
    except RuleViolation as exc:
        raise refused(exc) from None
    hide = tables.sharing() if query.shared else EXACT
    return ms.Report(
        start=chosen.first, end=chosen.last, timezone=zone,
        suppressed_below=hide.threshold if hide.threshold > 1 else 0, rounded_to=hide.base,
        tables=[ms.ReportTable(key=t.key, title=t.title, head=t.head,
                               rows=[_row(r) for r in t.rows], total=_row(t.total))
                for t in tables.build(built, i18n.current_language(), hide)])


@bp.get("/manage/me")
@api_spec.validate(tags=["token"], security=TOKEN, resp=Response(HTTP_200=ms.TokenInfo))
def me():
    """Who the token belongs to, and what it may do."""
    user = actor()
    token = g.api_token
    return ms.TokenInfo(user_id=user.id, name=user.name, role=user.role.value,
                        organization_id=user.organization_id, can_write=token.can_write,
                        expires_at=token.expires_at)
