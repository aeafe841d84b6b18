"""Cross-cutting web concerns: error pages, security headers, caching, login wiring."""
from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from eventhub import timeutil
from eventhub.auth import sessions
from eventhub.auth.models import User
from eventhub.extensions import db, login_manager
from eventhub.organizations import site

# Self-hosted everything: no third-party hosts may be contacted by our pages.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "object-src 'none'",
])

_HTTP_ERROR_TEMPLATES = {400, 403, 404, 405, 413, 429}

# Pages for organizers, and a participant's own pages (their token is the key): no cache may
# keep them, neither a proxy nor the browser's history on a shared computer. Public pages
# and feeds keep the caching they set themselves.
NO_STORE_BLUEPRINTS = frozenset({"manage", "auth", "accounts", "legal_admin", "admin",
                                 "centres", "twofactor"})
NO_STORE_ENDPOINTS = frozenset({
    "registration.confirm", "registration.personal", "registration.cancel",
    "registration.personal_data", "calendar.personal_ics"})


def _render_error(code: int, description: str | None = None):
    template = f"errors/{code}.html" if code in _HTTP_ERROR_TEMPLATES else "errors/500.html"
    return render_template(template, code=code, description=description), code


def _http_error(exc: HTTPException):
    if exc.code is None or exc.code < 400:
        return exc
    return _render_error(exc.code)


def _csrf_error(exc: CSRFError):
    return render_template("errors/csrf.html", reason=exc.description), 400


def _server_error(exc: Exception):
    db.session.rollback()
    return _render_error(500)


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    seconds = current_app.config["HSTS_SECONDS"]
    if seconds:  # only once the site is served over https only: browsers keep it that long
        response.headers.setdefault("Strict-Transport-Security",
                                    f"max-age={seconds}; includeSubDomains")
    return response


def _is_private() -> bool:
    if request.blueprint in NO_STORE_BLUEPRINTS or request.endpoint in NO_STORE_ENDPOINTS:
        return True
    # An unknown address below /verwaltung/ matches no endpoint (404); its page still shows
    # the organizer's navigation.
    return request.path.startswith(current_app.blueprints["manage"].url_prefix + "/")


def _no_store(response):
    if _is_private() and not response.cache_control.no_store:
        response.headers["Cache-Control"] = "no-store"
    return response


def _load_user(token: str) -> User | None:
    return sessions.load_user(token, timeutil.utcnow(), current_app.permanent_session_lifetime)


def _note_login_use() -> None:
    """Keep a login's last_seen_at (now and then). Here, before the view, because nothing
    else is in the transaction yet: the commit cannot take a view's half-done work along."""
    if request.endpoint == "static" or \
            current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return
    user = current_user._get_current_object()
    if user.is_authenticated and sessions.touch(user.login_session, timeutil.utcnow()):
        db.session.commit()


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    # Unhandled exceptions reach this as InternalServerError (Flask logs them first).
    app.register_error_handler(500, _server_error)
    app.after_request(_security_headers)
    app.after_request(_no_store)
    app.before_request(_note_login_use)
    app.add_template_global(site.operator, "site_operator")

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)
