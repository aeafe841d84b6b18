"""Centres in the browser (/verwaltung/zentren): organizers and coordinators edit their
own centre, admins every centre; a centre one may not edit answers 404. And the logos,
public (/zentren/<slug>/logo.png)."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eventhub import formtools, timeutil
from eventhub.errors import NotPermitted, RuleViolation
from eventhub.extensions import db
from eventhub.organizations import forms, services
from eventhub.organizations.models import Organization

bp = Blueprint("centres", __name__, url_prefix="/verwaltung/zentren")
logos_bp = Blueprint("logos", __name__)


@bp.before_request
@login_required
def _require_login():
    """Every account may open its own centre."""


def _max_bytes() -> int:
    return int(current_app.config["ORGANIZATION_LOGO_MAX_BYTES"])


@bp.get("/")
def index():
    centres = services.editable(current_user)
    if len(centres) == 1 and current_user.role != services.ADMIN:
        return redirect(url_for("centres.edit", organization_id=centres[0].id))
    return render_template("centres/index.html", centres=centres)


def _form(organization: Organization | None, form_class=forms.CentreForm):
    form = form_class(obj=organization)
    form.region_code.choices = formtools.region_choices()
    if current_user.role != services.ADMIN:
        del form.retention_days
    form.logo.description = _("PNG or JPEG, at most %(kb)d KB. It is converted to PNG and "
                              "scaled to at most 600 pixels a side.",
                              kb=_max_bytes() // 1024)
    return form


def _data(form: forms.CentreForm) -> services.CentreData:
    return services.CentreData(
        name=form.name.data, short_name=form.short_name.data,
        region_code=form.region_code.data, email=form.email.data or "",
        website=form.website.data or "", address=form.address.data or "",
        sender_name=form.sender_name.data or "", colour=form.colour.data or "",
        retention_days=form.retention_days.data if "retention_days" in form else None)


def _save(organization: Organization, form: forms.CentreForm) -> None:
    now = timeutil.utcnow()
    services.update(current_user, organization, _data(form), now)
    upload = request.files.get(form.logo.name)
    if form.remove_logo.data:
        services.remove_logo(current_user, organization, now)
    elif upload is not None and upload.filename:
        services.set_logo(current_user, organization, upload.read(_max_bytes() + 1),
                          max_bytes=_max_bytes(), now=now)


@bp.route("/neu", methods=["GET", "POST"])
def create():
    if current_user.role != services.ADMIN:
        abort(403)
    form = _form(None, forms.NewCentreForm)
    del form.logo, form.remove_logo  # a logo comes on the centre's own page
    result = formtools.submit(form, lambda: services.create(
        current_user, _data(form), form.slug.data or "", timeutil.utcnow()))
    if result is formtools.NOT_SAVED:
        return render_template("centres/new.html", form=form), 422 if form.errors else 200
    flash(_("The centre has been created."), "success")
    return redirect(url_for("centres.edit", organization_id=result.id))


@bp.route("/<int:organization_id>", methods=["GET", "POST"])
def edit(organization_id: int):
    organization = services.get_editable(current_user, organization_id)
    if organization is None:
        abort(404)
    form = _form(organization)
    if form.validate_on_submit():
        try:
            _save(organization, form)
        except RuleViolation as exc:
            db.session.rollback()
            formtools.attach_error(form, exc)
        except NotPermitted:
            db.session.rollback()
            abort(403)
        else:
            db.session.commit()
            flash(_("The centre has been saved."), "success")
            return redirect(url_for("centres.edit", organization_id=organization.id))
    return render_template("centres/edit.html", form=form, organization=organization), \
        422 if form.errors else 200


@logos_bp.get("/zentren/<slug>/logo.png")
def logo(slug: str):
    found = services.logo_of(slug)
    if found is None:
        abort(404)
    data, updated = found
    response = Response(data, mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Content-Disposition"] = "inline"
    if updated is not None:
        response.last_modified = updated
    return response
