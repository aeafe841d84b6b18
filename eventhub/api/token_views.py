"""The account's API tokens page: make a token (shown once), see when each was last used,
revoke one. Under /verwaltung, so that no cache keeps it (``web``)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eventhub import formtools, timeutil
from eventhub.api import forms, tokens
from eventhub.errors import NotPermitted
from eventhub.events.forms import ConfirmForm
from eventhub.extensions import db

bp = Blueprint("api_account", __name__, url_prefix="/verwaltung/api-tokens")


@bp.before_request
@login_required
def _require_login():
    """Only a logged-in account has tokens."""


def _page(form: forms.TokenForm, new: tokens.NewToken | None = None, status: int = 200):
    now = timeutil.utcnow()
    return render_template("api/tokens.html", form=form, new=new, now=now,
                           tokens=tokens.tokens_of(current_user, now),
                           confirm=ConfirmForm()), status


@bp.route("/", methods=["GET", "POST"])
def index():
    form = forms.TokenForm()
    new = formtools.submit(form, lambda: tokens.create(
        current_user, form.name.data, form.access.data == "write", form.expires_in_days.data,
        timeutil.utcnow()))
    if new is formtools.NOT_SAVED:
        return _page(form, status=422 if form.errors else 200)
    # Shown in this answer only: the table keeps no more than the token's hash.
    return _page(forms.TokenForm(formdata=None), new)


@bp.post("/<int:token_id>/widerrufen")
def revoke(token_id: int):
    if ConfirmForm().validate_on_submit():
        try:
            token = tokens.revoke(current_user, token_id, timeutil.utcnow())
        except NotPermitted:
            abort(404)
        db.session.commit()
        flash(_("The token “%(name)s” is revoked: it no longer works.", name=token.name),
              "success")
    return redirect(url_for("api_account.index"))
