"""The centre's webhooks page: add an address (its signing secret shown once), remove
one, see the recent deliveries with their answers, send one again."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eventhub import formtools, timeutil
from eventhub.api import forms, webhook_admin
from eventhub.errors import NotPermitted
from eventhub.events.forms import ConfirmForm
from eventhub.extensions import db
from eventhub.webhooks import KINDS

bp = Blueprint("webhooks", __name__, url_prefix="/verwaltung/webhooks")


@bp.before_request
@login_required
def _require_login():
    """Only organizers, coordinators and admins manage webhooks."""


def _rules() -> webhook_admin.Rules:
    config = current_app.config
    return webhook_admin.Rules(require_https=config["ENV"] == "production",
                               allow_loopback=config["WEBHOOK_ALLOW_LOOPBACK"])


def _page(form: forms.WebhookForm, new=None, status: int = 200):
    endpoints = webhook_admin.endpoints(current_user)
    return render_template(
        "api/webhooks.html", form=form, new=new, endpoints=endpoints,
        urls={e.id: e.url for e in endpoints}, kinds=KINDS,
        deliveries=webhook_admin.recent_deliveries(current_user),
        confirm=ConfirmForm()), status


def _form(**kwargs) -> forms.WebhookForm:
    form = forms.WebhookForm(**kwargs)
    form.organization_id.choices = [(o.id, o.name)
                                    for o in webhook_admin.centres(current_user)]
    return form


@bp.route("/", methods=["GET", "POST"])
def index():
    form = _form()
    new = formtools.submit(form, lambda: webhook_admin.create(
        current_user, form.organization_id.data, form.url.data, _rules(), timeutil.utcnow()))
    if new is formtools.NOT_SAVED:
        return _page(form, status=422 if form.errors else 200)
    return _page(_form(formdata=None), new)  # the secret: in this answer only


def _act(action, message: str):
    if ConfirmForm().validate_on_submit():
        try:
            action()
        except NotPermitted:
            db.session.rollback()
            abort(404)
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("webhooks.index"))


@bp.post("/<int:endpoint_id>/entfernen")
def remove(endpoint_id: int):
    return _act(lambda: webhook_admin.remove(current_user, endpoint_id),
                _("The address has been removed; nothing more is sent to it."))


@bp.post("/zustellungen/<int:delivery_id>/erneut")
def resend(delivery_id: int):
    return _act(lambda: webhook_admin.resend(current_user, delivery_id, timeutil.utcnow()),
                _("The delivery will be sent again within a minute."))
