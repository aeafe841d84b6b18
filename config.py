"""Configuration for eventhub, in one place.

Order of precedence (DESIGN.md §3 rule 6): the defaults below, then the environment
(``EVENTHUB_*`` variables and ``DATABASE_URL``), then the ``overrides`` passed to
``create_app``. This module lives beside the package and is installed as a top-level
module (see ``py-modules`` in pyproject.toml), so ``import config`` works everywhere.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent
DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"
MIN_SECRET_KEY_LENGTH = 32
MIN_SECRET_KEY_DISTINCT = 10  # token_urlsafe(32) has about 30


class ConfigError(RuntimeError):
    """The configuration cannot run safely."""


DEFAULTS: dict[str, Any] = {
    "ENV": "development",  # development | production | testing
    "SECRET_KEY": DEV_SECRET_KEY,
    "SQLALCHEMY_DATABASE_URI": None,  # None: SQLite file in the instance folder
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # PostgreSQL is reached through PgBouncer in transaction mode: no server-side prepared
    # statements (see eventhub.db.engine_options, and the README's production section).
    "DATABASE_PGBOUNCER": False,
    "BASE_URL": "http://127.0.0.1:5000",  # `make run` passes http://HOST:PORT (Makefile)
    "DEFAULT_TIMEZONE": "Europe/Berlin",
    "BABEL_DEFAULT_LOCALE": "de",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
    "LANGUAGES": ("de", "en"),
    "EVENTS_PER_PAGE": 12,
    "MAIL_SERVER": "",  # empty: development mail goes to files in the instance folder
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_DEFAULT_SENDER": "eventhub <noreply@eventhub.invalid>",
    "MAIL_MESSAGE_ID_DOMAIN": "eventhub.invalid",
    "MAIL_MAX_ATTEMPTS": 12,  # with backoff doubling from 30 s (capped at 1 h): about 9 hours
    "MAIL_RETRY_BASE_SECONDS": 30,
    "MAIL_RETRY_MAX_SECONDS": 3600,
    "MAIL_DISPATCH": "thread",  # thread: a sender thread per web process; none: CLI/scheduler
    "MAIL_USE_SSL": False,  # implicit TLS (port 465); MAIL_USE_TLS is STARTTLS
    "MAIL_TIMEOUT_SECONDS": 20,  # per SMTP step
    # A claimed batch is renewed every third of this while its sender works on it; a dead
    # sender's messages are taken over this long after its last renewal.
    "MAIL_LEASE_SECONDS": 30,
    "MAIL_POLL_SECONDS": 30,  # the sender thread and `send-mail --loop` look for retries
    "MAIL_BATCH_SIZE": 100,  # messages claimed at once (one SMTP connection)
    "MAIL_FILE_DIR": "",  # without MAIL_SERVER: .eml files here; empty: instance/mail
    "CALENDAR_ALARM_MINUTES": 15,  # reminder (VALARM) in calendar files; 0: none
    "CALENDAR_ORGANIZER_EMAIL": "",  # ORGANIZER of calendar files; empty: the sender's address
    # Feeds (subscriptions): past events stay this long after their end, cancelled ones this
    # long after cancelling; clients are asked to refetch every REFRESH minutes, proxies may
    # keep an answer MAX_AGE seconds.
    "CALENDAR_FEED_PAST_DAYS": 90,
    "CALENDAR_FEED_CANCELLED_DAYS": 30,
    "CALENDAR_FEED_REFRESH_MINUTES": 60,
    "CALENDAR_FEED_MAX_AGE_SECONDS": 300,
    # The published legal pages (footer links, the privacy policy's version) are kept this
    # long per process; publishing shows in other processes after this at most.
    "LEGAL_CACHE_SECONDS": 5.0,
    "SCHEDULER_MAIL_SECONDS": 15,
    "SCHEDULER_EXPIRY_SECONDS": 60,
    # Reminders are queued by a job every REMINDER seconds and sent by the mail job (above),
    # so one goes out at most REMINDER + MAIL seconds (plus the send) after its due time.
    "SCHEDULER_REMINDER_SECONDS": 30,
    "REMINDER_BATCH_SIZE": 500,
    "REMINDER_STARTING_NOW_GRACE_MINUTES": 15,  # "starting now" later than this: skipped
    "REMINDER_FOLLOWUP_GRACE_HOURS": 48,  # a follow-up later than this: skipped
    "REGISTRATION_CONFIRM_HOURS": 48,  # pending registrations expire after this
    "REGISTRATION_MIN_FILL_SECONDS": 3,  # faster submissions are treated as bots
    "BOOKABLE_EVENT_SECONDS": 2.0,  # registration pages reuse a loaded event this long
    "SITE_OPERATOR_SECONDS": 60.0,  # the footer's coordinating centre, kept per process
    "PERSONAL_LINK_MAX_AGE_DAYS": 400,
    "RATELIMIT_REGISTRATION": "20 per minute;200 per hour",
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_LOGIN": "10 per minute",
    # "Forgot password": per client, and per address asked for (no mail flood to one person).
    "RATELIMIT_PASSWORD_RESET": "5 per 15 minutes",
    "RATELIMIT_PASSWORD_RESET_ADDRESS": "3 per hour",
    "ACCOUNT_INVITATION_DAYS": 7,  # an invitation link works this long
    "PASSWORD_RESET_MINUTES": 120,  # a password-reset link works this long
    # Two-factor login is optional per account; with this, admins and coordinators must.
    "REQUIRE_2FA": False,
    "TWO_FACTOR_PENDING_SECONDS": 300,  # between the password and the code
    "RATELIMIT_HEADERS_ENABLED": True,
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    # Reverse proxies in front of the app whose X-Forwarded-For and -Proto are believed
    # (ProxyFix). 0: none, the headers are ignored, because anyone can send them.
    "TRUSTED_PROXIES": 0,
    # Strict-Transport-Security max-age; 0: no header (production behind https: e.g. a year).
    "HSTS_SECONDS": 0,
    # Attendance: the join link records use from this long before the start to this long
    # after the end; imported webinar reports count from this many minutes in the session.
    "ATTENDANCE_WINDOW_BEFORE_START_MINUTES": 30,
    "ATTENDANCE_WINDOW_AFTER_END_MINUTES": 0,
    "ATTENDANCE_MIN_MINUTES": 10,
    "ATTENDANCE_IMPORT_MAX_BYTES": 5 * 1024 * 1024,
    "ATTENDANCE_IMPORT_RETENTION_DAYS": 365,  # uploaded files kept for audit
    "ATTENDANCE_PREVIEW_HOURS": 24,  # an upload nobody confirmed is deleted after this
    # Reports: in exports and the shareable view, counts from 1 to this minus one show as
    # "<3" (with the default), so that nobody can be singled out; 0 stays 0.
    "REPORT_SMALL_NUMBER_THRESHOLD": 3,
    # Shared figures (downloads, shareable view) of 3 and more are rounded to this base, so
    # that no sum or difference of them can equal a hidden count (README, "Reports").
    "REPORT_ROUNDING_BASE": 5,
    # Keys the HMAC that recognises returning participants; empty: SECRET_KEY.
    "PERSON_KEY_SECRET": "",
    "REPORT_DEFAULT_MONTHS": 12,  # the default period: this month and the 11 before
    # Retention (DSGVO Art. 5(1)(e)): participants' personal data is deleted this many days
    # after the event's end (a centre may set its own period: Organization.retention_days);
    # registrations never confirmed, this many days after they expired.
    "RETENTION_DAYS": 180,
    "RETENTION_EXPIRED_DAYS": 7,
    "SCHEDULER_RETENTION_SECONDS": 3600,
    # The audit trail keeps entries this long; the scheduler deletes older ones (hourly).
    "AUDIT_RETENTION_DAYS": 730,
    # The JSON API (eventhub.api): origins whose pages may read the public GETs (CORS);
    # empty: none, "*": any. Rate limits per token, and per address without one.
    "API_CORS_ORIGINS": (),
    "RATELIMIT_API_TOKEN": "120 per minute;3000 per hour",
    "RATELIMIT_API_ANONYMOUS": "60 per minute",
    "API_PUBLIC_CACHE_SECONDS": 2.0,  # public answers kept per process (api.public_cache)
    # Webhooks (eventhub.webhooks): sent by the scheduler every SCHEDULER_WEBHOOK_SECONDS,
    # retried with backoff doubling from RETRY_BASE (capped at RETRY_MAX) up to
    # MAX_ATTEMPTS (about a day with the defaults). Addresses must be https in production
    # and public; ALLOW_LOOPBACK lets 127.0.0.1 through for tests and development.
    "SCHEDULER_WEBHOOK_SECONDS": 10,
    "WEBHOOK_BATCH_SIZE": 20,
    "WEBHOOK_TIMEOUT_SECONDS": 10,
    "WEBHOOK_LEASE_SECONDS": 300,  # more than a batch's timeouts: 20 × 10 s
    "WEBHOOK_RETRY_BASE_SECONDS": 30,
    "WEBHOOK_RETRY_MAX_SECONDS": 3 * 3600,
    "WEBHOOK_MAX_ATTEMPTS": 15,
    "WEBHOOK_ALLOW_LOOPBACK": False,
    "ORGANIZATION_LOGO_MAX_BYTES": 512 * 1024,  # an uploaded logo, before re-encoding
}

def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _origins(value: str) -> tuple[str, ...]:
    """Comma-separated origins (https://example.org) or "*"."""
    return tuple(part.strip().rstrip("/") for part in value.split(",") if part.strip())


# Environment variable -> (config key, converter)
_ENV: dict[str, tuple[str, Any]] = {
    "EVENTHUB_ENV": ("ENV", str),
    "EVENTHUB_SECRET_KEY": ("SECRET_KEY", str),
    "SECRET_KEY": ("SECRET_KEY", str),
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "EVENTHUB_DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "EVENTHUB_DATABASE_PGBOUNCER": ("DATABASE_PGBOUNCER", _flag),
    "EVENTHUB_BASE_URL": ("BASE_URL", str),
    "EVENTHUB_DEFAULT_TIMEZONE": ("DEFAULT_TIMEZONE", str),
    "EVENTHUB_MAIL_SERVER": ("MAIL_SERVER", str),
    "EVENTHUB_MAIL_PORT": ("MAIL_PORT", int),
    "EVENTHUB_MAIL_USE_TLS": ("MAIL_USE_TLS", _flag),
    "EVENTHUB_MAIL_USERNAME": ("MAIL_USERNAME", str),
    "EVENTHUB_MAIL_PASSWORD": ("MAIL_PASSWORD", str),
    "EVENTHUB_MAIL_SENDER": ("MAIL_DEFAULT_SENDER", str),
    "EVENTHUB_RATELIMIT_STORAGE_URI": ("RATELIMIT_STORAGE_URI", str),
    "EVENTHUB_MAIL_DISPATCH": ("MAIL_DISPATCH", str),
    "EVENTHUB_RATELIMIT_ENABLED": ("RATELIMIT_ENABLED", _flag),
    "EVENTHUB_REGISTRATION_MIN_FILL_SECONDS": ("REGISTRATION_MIN_FILL_SECONDS", float),
    "EVENTHUB_BOOKABLE_EVENT_SECONDS": ("BOOKABLE_EVENT_SECONDS", float),
    "EVENTHUB_SITE_OPERATOR_SECONDS": ("SITE_OPERATOR_SECONDS", float),
    "EVENTHUB_REPORT_SMALL_NUMBER_THRESHOLD": ("REPORT_SMALL_NUMBER_THRESHOLD", int),
    "EVENTHUB_REQUIRE_2FA": ("REQUIRE_2FA", _flag),
    "EVENTHUB_RETENTION_DAYS": ("RETENTION_DAYS", int),
    "EVENTHUB_REPORT_ROUNDING_BASE": ("REPORT_ROUNDING_BASE", int),
    "EVENTHUB_PERSON_KEY_SECRET": ("PERSON_KEY_SECRET", str),
    "EVENTHUB_API_CORS_ORIGINS": ("API_CORS_ORIGINS", _origins),
    "EVENTHUB_RATELIMIT_API_TOKEN": ("RATELIMIT_API_TOKEN", str),
    "EVENTHUB_RATELIMIT_API_ANONYMOUS": ("RATELIMIT_API_ANONYMOUS", str),
    "EVENTHUB_WEBHOOK_ALLOW_LOOPBACK": ("WEBHOOK_ALLOW_LOOPBACK", _flag),
    # Checked in load() (a ConfigError naming the setting, not a bare ValueError).
    "EVENTHUB_TRUSTED_PROXIES": ("TRUSTED_PROXIES", str),
    "EVENTHUB_HSTS_SECONDS": ("HSTS_SECONDS", str),
}

_COUNTS = ("TRUSTED_PROXIES", "HSTS_SECONDS")  # whole numbers >= 0


def normalize_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs given in the common short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load(overrides: Mapping[str, Any] | None = None,
         environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the effective configuration; raise ConfigError if it is unsafe."""
    environ = os.environ if environ is None else environ
    settings = dict(DEFAULTS)
    for var, (key, convert) in _ENV.items():
        if environ.get(var):
            settings[key] = convert(environ[var])
    settings.update(overrides or {})
    for key in _COUNTS:
        settings[key] = _count(key, settings[key])
    if settings["SQLALCHEMY_DATABASE_URI"]:
        settings["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(
            settings["SQLALCHEMY_DATABASE_URI"])
        if settings["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            # Per process: a connection for each of gunicorn's 16 threads and the sender.
            settings["SQLALCHEMY_ENGINE_OPTIONS"] = {
                "pool_size": 10, "max_overflow": 10, **settings["SQLALCHEMY_ENGINE_OPTIONS"]}
    if settings["ENV"] == "production":
        _check_production(settings)
        if "SESSION_COOKIE_SECURE" not in (overrides or {}):
            settings["SESSION_COOKIE_SECURE"] = settings["REMEMBER_COOKIE_SECURE"] = True
    return settings


def _count(key: str, value: Any) -> int:
    """A whole number >= 0, also from the environment's text; anything else stops the app
    instead of being guessed at (a proxy count taken as 0 would be silently wrong)."""
    text = str(value).strip()
    if isinstance(value, bool) or not (isinstance(value, int) or text.isdigit()):
        raise ConfigError(f"{key} must be a whole number of at least 0, not {value!r}")
    number = int(text)
    if number < 0:
        raise ConfigError(f"{key} must be a whole number of at least 0, not {value!r}")
    return number


def weak_secret_reason(key: str) -> str | None:
    """Why ``key`` is no secret, or None. Length alone lets "x" * 32 or a typed phrase
    pass; a random key (token_urlsafe) has dozens of distinct characters and no period."""
    if key == DEV_SECRET_KEY:
        return "it is the development key"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"it is shorter than {MIN_SECRET_KEY_LENGTH} characters"
    if len(set(key)) < MIN_SECRET_KEY_DISTINCT:
        return f"it has fewer than {MIN_SECRET_KEY_DISTINCT} different characters"
    if key in (key + key)[1:-1]:  # found inside itself doubled: a repeated shorter part
        return "it repeats a shorter part"
    return None


def _check_production(settings: Mapping[str, Any]) -> None:
    reason = weak_secret_reason(settings.get("SECRET_KEY") or "")
    if reason:
        raise ConfigError(
            f"EVENTHUB_ENV=production needs a real secret ({reason}): set "
            "EVENTHUB_SECRET_KEY to a random string of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'")
