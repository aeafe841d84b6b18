"""The global audit log (/verwaltung/protokoll): admins and coordinators see every entry,
organizers their own organization's (and their own logins). The pages of one event have
their own "Verlauf" (events.manage_views)."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from eventhub import formtools, timeutil
from eventhub.admin.forms import AuditFilterForm
from eventhub.audit import labels
from eventhub.audit import services as audit
from eventhub.extensions import db
from eventhub.organizations.models import Organization

bp = Blueprint("admin", __name__, url_prefix="/verwaltung/protokoll")
PER_PAGE = 50


@bp.before_request
@login_required
def _require_login():
    """Every account may read the log, each as far as ``audit.visible`` lets it."""


def _organizations() -> list[tuple[str, str]]:
    query = select(Organization.id, Organization.name).order_by(Organization.name)
    if not current_user.sees_all_organizations:
        query = query.where(Organization.id == current_user.organization_id)
    return [(str(i), name) for i, name in db.session.execute(query)]


def _start_of_day(day, days_later: int = 0) -> datetime:
    local = datetime(day.year, day.month, day.day) + timedelta(days=days_later)
    return timeutil.from_local(local, current_app.config["DEFAULT_TIMEZONE"])


def _filters(form: AuditFilterForm) -> audit.Filters:
    return audit.Filters(
        category=form.category.data or "",
        organization_id=int(form.organization.data) if form.organization.data else None,
        since=_start_of_day(form.since.data) if form.since.data else None,
        until=_start_of_day(form.until.data, 1) if form.until.data else None)


@bp.get("/")
def log():
    form = AuditFilterForm(formdata=request.args)
    form.set_choices([(key, str(label)) for key, label in labels.CATEGORIES.items()],
                     _organizations(), _("All"))
    entries = None
    if form.validate():
        entries = db.paginate(audit.search(current_user, _filters(form)),
                              page=formtools.page_number(request.args), per_page=PER_PAGE,
                              error_out=False)
    args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template("audit/log.html", form=form, entries=entries, args=args,
                           label=labels.action_label, target_label=labels.target_label), \
        200 if not form.errors else 422
