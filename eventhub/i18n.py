"""Language selection (German by default, English on request) and local-time display."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from urllib.parse import urlsplit

from babel.dates import format_date, format_datetime, format_time
from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, refresh

from eventhub import timeutil

bp = Blueprint("i18n", __name__)

_FORMATS = {
    "date": lambda dt, loc: format_date(dt, "full", locale=loc),
    "short_date": lambda dt, loc: format_date(dt, "medium", locale=loc),
    "time": lambda dt, loc: format_time(dt, "HH:mm", locale=loc),
    "datetime": lambda dt, loc: (f"{format_date(dt, 'medium', locale=loc)}, "
                                 f"{format_time(dt, 'HH:mm', locale=loc)}"),
    "zone": lambda dt, loc: format_datetime(dt, "zzzz", locale=loc),
    "zone_short": lambda dt, loc: _zone_abbreviation(dt, loc),
    "iso_local": lambda dt, loc: dt.replace(tzinfo=None).isoformat(timespec="minutes"),
}


def _zone_abbreviation(local: datetime, locale: str) -> str:
    """MESZ/MEZ in German; CLDR has no English short name for most zones, where it
    would print "+0200", so English falls back to the tz database's CEST/CET."""
    name = format_datetime(local, "z", locale=locale)
    if name[:1] in "+-" or name.startswith(("GMT", "UTC")):
        return local.tzname() or name
    return name


def select_locale() -> str:
    """The address's ?lang=, else the language chosen with the switch (session), else the
    page's own (``follow_language``), else German."""
    if not has_request_context():  # CLI commands, jobs: no ?lang= and no session
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang") or session.get("lang") or g.get("page_language")
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def follow_language(language: str) -> None:
    """Speak ``language`` on this page unless the address or the person's own choice says
    otherwise: a participant's pages speak the language they registered in, also where
    they arrive by a link without ?lang= (or by a form posted to one)."""
    if language in current_app.config["LANGUAGES"] and g.get("page_language") != language:
        g.page_language = language
        refresh()  # a locale already looked up in this request would stay otherwise


def url_language() -> dict[str, str]:
    """``{"lang": …}`` if this page's address chose the language, else ``{}``: for the
    links, form actions and redirects of pages that must go on speaking it. A form whose
    action drops ?lang= would answer, and store, in another language than it was filled
    in (issue 22, 5)."""
    if not has_request_context():
        return {}
    chosen = request.args.get("lang")
    return {"lang": chosen} if chosen in current_app.config["LANGUAGES"] else {}


def current_language() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def localtime(value: datetime | None, tz_name: str, kind: str = "datetime") -> str:
    """Jinja filter: show a stored UTC datetime in the event's zone."""
    if value is None:
        return ""
    return _format_local(value, tz_name, kind, current_language())


@lru_cache(maxsize=4096)
def _format_local(value: datetime, tz_name: str, kind: str, language: str) -> str:
    """Babel's formatting costs tens of microseconds a call, and the same few event times
    are shown over and over (every page and e-mail of an event): format each once."""
    return _FORMATS[kind](timeutil.to_local(value, tz_name), language)


def safe_next(target: str | None, fallback: str) -> str:
    """Only follow redirect targets on this site (no open redirects)."""
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and target.startswith("/") \
            and not target.startswith("//") and "\\" not in target:
        return target
    return fallback


@bp.get("/lang/<code>")
def switch(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next"), url_for("events.index")))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["url_language"] = url_language
    app.register_blueprint(bp)
