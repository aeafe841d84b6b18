"""Login, logout and password change for organizer accounts."""
from __future__ import annotations

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
from flask_login import current_user, login_required, login_user, logout_user

from eventhub import i18n, timeutil
from eventhub.auth import accounts, forms, services, tokens, twofactor
from eventhub.errors import RuleViolation
from eventhub.extensions import db, limiter
from eventhub.formtools import attach_error
from eventhub.i18n import safe_next

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _reset_limit() -> str:
    return current_app.config["RATELIMIT_PASSWORD_RESET"]


def _reset_address_limit() -> str:
    return current_app.config["RATELIMIT_PASSWORD_RESET_ADDRESS"]


def _address_asked_for() -> str:
    # Per address, whoever asks: nobody floods one person's inbox from many addresses.
    return "reset:" + services.normalize_email(request.form.get("email", ""))[:254]


def _user_agent() -> str:
    return request.user_agent.string


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("manage.dashboard"))
    form = forms.LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        now = timeutil.utcnow()
        user = services.authenticate(form.email.data, form.password.data, now)
        if user is not None and twofactor.enabled(user):
            # The password was right; the login starts once the code is (twofactor_views).
            session[twofactor.PENDING] = {"user": user.id, "at": now.timestamp(),
                                          "next": form.next.data or "", "tries": 0}
            db.session.commit()
            return redirect(url_for("twofactor.code", **i18n.url_language()))
        if user is not None:
            services.start_login(user, now=now, user_agent=_user_agent(),
                                 max_age=current_app.permanent_session_lifetime)
            db.session.commit()
            login_user(user)
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(safe_next(form.next.data, url_for("manage.dashboard")))
        db.session.commit()  # the failed attempt's audit entry
        form.form_errors.append(_("E-mail address or password is not correct."))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 422


@bp.post("/logout")
def logout():
    # A form POST with a CSRF token, so that no third-party page can log people out.
    if current_user.is_authenticated:
        services.log_out(current_user._get_current_object(), timeutil.utcnow())
        db.session.commit()
    logout_user()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("events.index"))


@bp.post("/account/logout-everywhere")
@login_required
def logout_everywhere():
    services.log_out_everywhere(current_user._get_current_object(), timeutil.utcnow())
    db.session.commit()
    logout_user()
    flash(_("You have been logged out on all devices."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = forms.PasswordChangeForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            services.change_password(user, form.current_password.data,
                                     form.new_password.data, now=timeutil.utcnow(),
                                     user_agent=_user_agent())
        except RuleViolation as exc:
            attach_error(form, exc)
        else:
            db.session.commit()
            login_user(user)  # the cookie gets the new login's token
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("manage.dashboard"))
    return render_template("auth/password.html", form=form), 200 if not form.errors else 422


@bp.route("/passwort-vergessen", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
@limiter.limit(_reset_address_limit, methods=["POST"], key_func=_address_asked_for)
def forgot_password():
    """The same answer whether or not an account has the address."""
    form = forms.ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_reset(form.email.data, language=i18n.current_language(),
                               now=timeutil.utcnow())
        db.session.commit()
        return render_template("auth/forgot_sent.html")
    return render_template("auth/forgot.html", form=form), 200 if not form.errors else 422


def _link_refused(reason: str):
    return render_template("auth/link_invalid.html", reason=reason), 410 \
        if reason == "expired" else 404


def _set_password_page(purpose: str, token: str, action):
    try:
        user = tokens.load(token, purpose)
    except tokens.InvalidToken as exc:
        return _link_refused(exc.reason)
    form = forms.SetPasswordForm()
    if form.validate_on_submit():
        try:
            action(form.new_password.data)
        except RuleViolation as exc:
            db.session.rollback()
            attach_error(form, RuleViolation(exc.message, "new_password"))
        except tokens.InvalidToken as exc:  # used meanwhile, in another tab
            db.session.rollback()
            return _link_refused(exc.reason)
        else:
            db.session.commit()
            flash(_("Your password has been set. Please log in.") if purpose == tokens.INVITE
                  else _("Your password has been changed. Please log in."), "success")
            return redirect(url_for("auth.login", **i18n.url_language()))
    return render_template("auth/set_password.html", form=form, user=user, purpose=purpose,
                           token=token), 200 if not form.errors else 422


@bp.route("/konto/einladung/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def accept_invitation(token: str):
    return _set_password_page(tokens.INVITE, token, lambda password: accounts.accept_invitation(
        token, password))


@bp.route("/konto/neues-passwort/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def reset_password(token: str):
    return _set_password_page(tokens.RESET, token,
                              lambda password: accounts.reset_password(token, password))
