"""Public pages: upcoming and past events, the event page."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from eventhub import formtools, timeutil
from eventhub.events import forms, queries
from eventhub.events.models import EventFormat
from eventhub.registration import services as registration

bp = Blueprint("events", __name__)


def _month_choices(form: forms.EventFilterForm, past: bool) -> list[tuple[str, str]]:
    months = queries.months(timeutil.utcnow(), current_app.config["DEFAULT_TIMEZONE"],
                            past=past)
    values = [f"{year:04d}-{month:02d}" for year, month in months]
    asked = form.month.data
    if asked and asked not in values and forms.MONTH.fullmatch(asked):
        values.append(asked)
    return [("", _l("All months"))] + [
        (value, format_date(date.fromisoformat(value + "-01"), "LLLL yyyy")) for value in values]


def _filter_form(past: bool) -> tuple[forms.EventFilterForm, queries.EventFilter]:
    form = forms.EventFilterForm(request.args)
    form.region.choices = formtools.region_choices(blank=_l("All regions"))
    form.organization.choices = [("", _l("All organizers"))] + [
        (o.slug, o.name) for o in queries.organizations()]
    form.format.choices = [("", _l("All formats"))] + forms.format_choices()
    form.month.choices = _month_choices(form, past)
    form.validate()
    valid = {name: getattr(form, name).data for name in ("region", "organization", "format",
                                                         "month")
             if not getattr(form, name).errors and getattr(form, name).data}
    month = None
    if "month" in valid:
        year, mon = valid["month"].split("-")
        month = (int(year), int(mon))
    return form, queries.EventFilter(
        region=valid.get("region"), organization=valid.get("organization"),
        format=EventFormat(valid["format"]) if "format" in valid else None, month=month)


def _listing(template: str, *, past: bool):
    form, filters = _filter_form(past)
    query_fn = queries.past if past else queries.upcoming
    pagination = query_fn(filters, timeutil.utcnow(), formtools.page_number(request.args),
                          current_app.config["EVENTS_PER_PAGE"],
                          current_app.config["DEFAULT_TIMEZONE"])
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(template, form=form, pagination=pagination, filter_args=args)


@bp.get("/")
def index():
    return _listing("events/index.html", past=False)


@bp.get("/archiv")
def past():
    return _listing("events/past.html", past=True)


@bp.get("/veranstaltungen/<slug>")
def detail(slug: str):
    event = queries.public_event(slug)
    if event is None:
        abort(404)
    now = timeutil.utcnow()
    return render_template("events/detail.html", event=event, now=now,
                           closed_reason=registration.closed_reason(event, now),
                           free_places=registration.free_places(event))
