"""The API's blueprint (``/api/v1``) and what every API request passes through:

- authentication: a personal API token as ``Authorization: Bearer …`` (``tokens``); the
  API never acts on a login cookie. CSRF is exempt only where a token authenticates the
  request: an unsafe request that carries the login cookie but no token is checked as
  the web forms are (400 without a valid CSRF token); one with neither gets 401;
- the body: JSON only, refused with 400 when it cannot be parsed (nested too deep
  included) before SpecTree validates it;
- rate limits per token (or per address without one), with Flask-Limiter's ``limiter``;
- answers: an ETag on every JSON GET (``304`` for a matching ``If-None-Match``),
  CORS for the public GETs from the origins in ``API_CORS_ORIGINS``, ``no-store`` for
  anything a token was shown, and errors as problem documents (``problems``).
"""
from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, g, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from eventhub import i18n, timeutil
from eventhub.api import problems, tokens
from eventhub.api.problems import ApiProblem
from eventhub.auth.models import User
from eventhub.errors import NotPermitted, RuleViolation
from eventhub.events import queries
from eventhub.events.models import Event
from eventhub.extensions import csrf, db, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_ENDPOINTS = frozenset({"api.events", "api.event", "api.region_list", "api.centres",
                              "api.openapi", "api.docs"})


def not_found(detail: str = "Not found.") -> ApiProblem:
    return ApiProblem(404, detail)


def _bearer() -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise ApiProblem(401, "Send a personal API token as 'Authorization: Bearer <token>'.")
    return raw.strip()


def _rate_key() -> str:
    raw = request.headers.get("Authorization", "")
    return "api-token:" + hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()


def _token_limit() -> str:
    return current_app.config["RATELIMIT_API_TOKEN"]


def _anonymous_limit() -> str:
    return current_app.config["RATELIMIT_API_ANONYMOUS"]


limiter.limit(_token_limit, key_func=_rate_key,
              exempt_when=lambda: "Authorization" not in request.headers)(bp)
limiter.limit(_anonymous_limit,
              exempt_when=lambda: "Authorization" in request.headers)(bp)


def _check_body() -> None:
    if request.method in SAFE_METHODS or not request.get_data(cache=True):
        return
    if not request.is_json:
        raise ApiProblem(415, "Send the body as JSON (Content-Type: application/json).")
    try:
        parsed = request.get_json(silent=True)
    except RecursionError:
        parsed = None
    if parsed is None:
        raise ApiProblem(400, "The body is not valid JSON.")


def _has_login_cookie() -> bool:
    return current_app.config["SESSION_COOKIE_NAME"] in request.cookies


@bp.before_request
def _authenticate() -> None:
    g.api_token = None
    if request.endpoint != "api.docs":  # the page speaks the site's language
        i18n.follow_language("en")  # the services' messages, unless ?lang= asks otherwise
    raw = _bearer()
    if raw is None:
        if request.method not in SAFE_METHODS and _has_login_cookie() \
                and current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()  # a browser's login, no token: checked like a web form
    else:
        token = tokens.authenticate(raw, timeutil.utcnow())
        if token is None:
            raise ApiProblem(401, "The token is unknown, revoked or expired.")
        g.api_token = token
    _check_body()


def actor(*, write: bool = False) -> User:
    """The token's owner, for the views that need a token; ``write``: a read-write one."""
    token = g.get("api_token")
    if token is None:
        raise ApiProblem(401, "This operation needs a personal API token.")
    if write and not token.can_write:
        raise ApiProblem(403, "This token is read-only.")
    return token.user


def _cors(response) -> None:
    origins = current_app.config["API_CORS_ORIGINS"]
    origin = request.headers.get("Origin")
    if not origins or request.endpoint not in PUBLIC_ENDPOINTS:
        return
    response.vary.add("Origin")
    if origin and ("*" in origins or origin in origins):
        response.headers["Access-Control-Allow-Origin"] = "*" if "*" in origins else origin
        response.headers["Access-Control-Expose-Headers"] = "ETag"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD"
            response.headers["Access-Control-Allow-Headers"] = "If-None-Match"
            response.headers["Access-Control-Max-Age"] = "3600"


@bp.after_request
def _finish(response):
    _cors(response)
    if g.get("api_token") is not None or request.endpoint not in PUBLIC_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
    else:
        response.headers.setdefault("Cache-Control", "public, max-age=60")
    if request.method in ("GET", "HEAD") and response.status_code == 200 \
            and not response.is_streamed:
        response.add_etag()
        response.make_conditional(request)
    return response


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return problems.from_http_error(exc)


@bp.errorhandler(CSRFError)  # the app's handler for it would win otherwise (same code)
def _csrf_error(exc: CSRFError):
    return problems.problem(400, "CSRF check failed: send a personal API token instead of "
                                 "the login cookie.")


@bp.errorhandler(500)
def _server_error(exc):
    db.session.rollback()
    return problems.problem(500)


# --- for the views that need a token ---------------------------------------------------

# The services name the web form's fields; the API's documents name some of them otherwise.
API_FIELDS = {"starts_local": "starts_at", "ends_local": "ends_at",
              "registration_opens_local": "registration_opens_at",
              "registration_closes_local": "registration_closes_at",
              "region_code": "region"}


def refused(exc: RuleViolation) -> ApiProblem:
    """A rule's refusal: 422 naming the field, or 409 for the state of things."""
    if exc.field:
        field = API_FIELDS.get(exc.field, exc.field)
        if field.startswith("q_"):
            field = "answers." + field[2:]
        return ApiProblem(422, "The request has invalid fields.",
                          [problems.field_error(field, str(exc.message))])
    return ApiProblem(409, str(exc.message))


def managed_event(user: User, event_id: int) -> Event:
    """The event if ``user`` may manage it; 404 otherwise, as the web pages answer."""
    event = queries.managed_event(user, event_id)
    if event is None:
        raise not_found("There is no such event among the events you may manage.")
    return event


def committed(action):
    """Run a service call; commit once, or roll back and answer its refusal."""
    try:
        result = action()
    except RuleViolation as exc:
        db.session.rollback()
        raise refused(exc) from None
    except NotPermitted:
        db.session.rollback()
        raise ApiProblem(403, "You may not do this.") from None
    db.session.commit()
    return result
