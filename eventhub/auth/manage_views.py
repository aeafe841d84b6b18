"""The account pages (/verwaltung/konten): admins manage every account, coordinators the
organizers; organizers see 403 here. An account the actor may not manage answers 404."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eventhub import i18n, timeutil
from eventhub.auth import accounts, manage_forms, twofactor
from eventhub.auth.manage_forms import ConfirmForm
from eventhub.auth.models import Role, User
from eventhub.formtools import NOT_SAVED, submit

bp = Blueprint("accounts", __name__, url_prefix="/verwaltung/konten")


@bp.before_request
@login_required
def _require_account_manager():
    if not accounts.manages_accounts(current_user):
        abort(403)


def _actor() -> User:
    return current_user._get_current_object()


def _target(user_id: int) -> User:
    user = accounts.get_manageable(_actor(), user_id)
    if user is None:
        abort(404)
    return user


def _form(form_class, **kwargs):
    form = form_class(**kwargs)
    form.set_choices(accounts.grantable_roles(_actor()), accounts.organizations(),
                     blank=_("None"))
    return form


def _assignment(form) -> dict:
    return {"name": form.name.data, "role": Role(form.role.data),
            "organization": accounts.organization(form.organization_id.data)}


@bp.get("/")
def index():
    return render_template("accounts/index.html", users=accounts.manageable(_actor()),
                           confirm=ConfirmForm(), me=_actor())


@bp.route("/einladen", methods=["GET", "POST"])
def invite():
    form = _form(manage_forms.InviteForm)
    result = submit(form, lambda: accounts.invite(
        _actor(), email=form.email.data, **_assignment(form),
        language=i18n.current_language(), now=timeutil.utcnow()))
    if result is NOT_SAVED:
        return render_template("accounts/invite.html", form=form), \
            422 if form.errors else 200
    flash(_("The invitation has been sent to %(email)s.", email=result.email), "success")
    return redirect(url_for("accounts.index"))


@bp.route("/<int:user_id>", methods=["GET", "POST"])
def edit(user_id: int):
    user = _target(user_id)
    form = _form(manage_forms.AccountForm, obj=user,
                 data={"role": user.role.value,
                       "organization_id": str(user.organization_id or "")})
    result = submit(form, lambda: accounts.update(_actor(), user, **_assignment(form)))
    if result is NOT_SAVED:
        return render_template("accounts/edit.html", form=form, user=user, me=_actor(),
                               confirm=ConfirmForm()), 422 if form.errors else 200
    flash(_("The account has been saved."), "success")
    return redirect(url_for("accounts.index"))


def _post(user_id: int, action, message):
    """A button on an account's page: run ``action(user)``, say what happened."""
    user = _target(user_id)
    form = ConfirmForm()
    result = submit(form, lambda: action(user))
    if result is NOT_SAVED:
        reason = " ".join(str(e) for e in form.form_errors) or \
            _("The request could not be checked; please try again.")
        flash(reason, "error")
    else:
        flash(message(user), "success")
    return redirect(url_for("accounts.edit", user_id=user.id))


@bp.post("/<int:user_id>/deaktivieren")
def deactivate(user_id: int):
    return _post(user_id, lambda user: accounts.deactivate(_actor(), user), lambda user: _(
        "%(name)s can no longer log in; every login of the account has ended.",
        name=user.name))


@bp.post("/<int:user_id>/reaktivieren")
def reactivate(user_id: int):
    return _post(user_id, lambda user: accounts.reactivate(_actor(), user),
                 lambda user: _("%(name)s can log in again.", name=user.name))


@bp.post("/<int:user_id>/zweiter-faktor-zuruecksetzen")
def reset_two_factor(user_id: int):
    return _post(user_id, lambda user: twofactor.reset(_actor(), user, timeutil.utcnow()),
                 lambda user: _("Two-factor login of %(name)s has been reset; every login "
                                "of the account has ended.", name=user.name))


@bp.post("/<int:user_id>/passwort-link")
def send_password_link(user_id: int):
    return _post(user_id, lambda user: accounts.send_password_link(
        _actor(), user, language=i18n.current_language(), now=timeutil.utcnow()),
        lambda user: _("A link to set a password has been sent to %(email)s.",
                       email=user.email))
