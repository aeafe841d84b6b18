"""Two-factor login pages: the code after the password (/login/code), and the account's
own page to turn it on or off (/konto/zwei-faktor). Where it is required (REQUIRE_2FA,
admins and coordinators), an account without it sees nothing but that page."""
from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from eventhub import i18n, timeutil
from eventhub.auth import forms, services, twofactor
from eventhub.auth.models import User
from eventhub.errors import RuleViolation
from eventhub.extensions import db, limiter
from eventhub.formtools import attach_error
from eventhub.i18n import safe_next

bp = Blueprint("twofactor", __name__)
# What an account that must enrol may still open.
_ALLOWED = frozenset({"twofactor.setup", "auth.logout", "static", "i18n.switch"})


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _required(user) -> bool:
    return twofactor.required(user, bool(current_app.config["REQUIRE_2FA"]))


@bp.before_app_request
def _enrol_first():
    user = current_user
    if user.is_authenticated and request.endpoint not in _ALLOWED and \
            _required(user) and not twofactor.enabled(user):
        flash(_("Your account needs two-factor login. Please set it up first."), "info")
        return redirect(url_for("twofactor.setup"))
    return None


def _pending(now: datetime) -> tuple[User, dict] | None:
    pending = session.get(twofactor.PENDING)
    if not isinstance(pending, dict):
        return None
    age = now.timestamp() - float(pending.get("at", 0))
    user = db.session.get(User, int(pending.get("user", 0)))
    if age > current_app.config["TWO_FACTOR_PENDING_SECONDS"] or user is None or \
            not user.active or not twofactor.enabled(user):
        session.pop(twofactor.PENDING, None)
        return None
    return user, pending


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def code():
    now = timeutil.utcnow()
    found = _pending(now)
    if found is None:
        flash(_("Please log in again."), "info")
        return redirect(url_for("auth.login", **i18n.url_language()))
    user, pending = found
    form = forms.CodeForm()
    if form.validate_on_submit():
        if twofactor.verify(user, form.code.data, now):
            session.pop(twofactor.PENDING, None)
            services.start_login(user, now=now, user_agent=request.user_agent.string,
                                 max_age=current_app.permanent_session_lifetime)
            db.session.commit()
            login_user(user)
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(safe_next(pending.get("next", ""), url_for("manage.dashboard")))
        db.session.commit()  # the failed attempt's audit entry
        pending["tries"] = int(pending.get("tries", 0)) + 1
        if pending["tries"] >= twofactor.MAX_TRIES:
            session.pop(twofactor.PENDING, None)
            flash(_("Too many wrong codes. Please log in again."), "error")
            return redirect(url_for("auth.login", **i18n.url_language()))
        session[twofactor.PENDING] = pending
        form.code.errors = [_("This code is not correct, or it has been used already.")]
    return render_template("auth/code.html", form=form), 200 if not form.errors else 422


@bp.route("/konto/zwei-faktor", methods=["GET", "POST"])
@login_required
def setup():
    user = current_user._get_current_object()
    now = timeutil.utcnow()
    if twofactor.enabled(user):
        return _enabled_page(user, now)
    if user.totp_secret is None:
        twofactor.start_enrolment(user)
        db.session.commit()
    form = forms.CodeForm()
    if form.validate_on_submit():
        try:
            codes = twofactor.confirm_enrolment(user, form.code.data, now)
        except RuleViolation as exc:
            db.session.rollback()
            attach_error(form, RuleViolation(exc.message, "code"))
        else:
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes)
    uri = twofactor.provisioning_uri(user)
    return render_template("auth/two_factor_setup.html", form=form, qr=twofactor.qr_svg(uri),
                           secret=user.totp_secret), 200 if not form.errors else 422


def _enabled_page(user: User, now: datetime):
    form = forms.DisableTwoFactorForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            twofactor.disable(user, form.password.data, now,
                              require_setting=bool(current_app.config["REQUIRE_2FA"]))
        except RuleViolation as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            flash(_("Two-factor login is off."), "success")
            return redirect(url_for("twofactor.setup"))
    return render_template("auth/two_factor_on.html", form=form, required=_required(user),
                           left=twofactor.recovery_codes_left(user)), \
        200 if not form.errors else 422
