"""eventhub: event and webinar management for online dialogues."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import config
from eventhub.extensions import babel, csrf, db, limiter, login_manager, migrate

MIGRATIONS_DIR = Path(config.PROJECT_ROOT) / "migrations"


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__,
                template_folder=str(config.PROJECT_ROOT / "templates"),
                static_folder=str(config.PROJECT_ROOT / "static"),
                instance_path=str(config.PROJECT_ROOT / "instance"))
    app.config.update(config.load(overrides))
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = \
            f"sqlite:///{Path(app.instance_path) / 'eventhub.sqlite3'}"

    _trust_proxies(app)
    _init_extensions(app)
    _register_blueprints(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, the client's address (rate limits, session
    protection) and scheme come from their X-Forwarded-For and -Proto. X-Forwarded-Host and
    -Prefix stay ignored: the proxy passes Host itself, and nginx forwards a client's own
    X-Forwarded-Host untouched unless told otherwise."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0,
                                x_port=0, x_prefix=0)


def _init_extensions(app: Flask) -> None:
    from eventhub import i18n, inputguard, web
    from eventhub.db import engine_options

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    login_manager.init_app(app)
    i18n.init_app(app)
    web.init_app(app)
    inputguard.init_app(app)


def _register_blueprints(app: Flask) -> None:
    # The events' organizer pages add their routes to manage_bp before the other features'.
    from eventhub.events import manage_views as _events  # noqa: F401  (manage_bp routes)

    # isort: split
    from eventhub import api, cli, mail  # noqa: F401  (mail: the outbox model)
    from eventhub.admin.views import bp as admin_bp
    from eventhub.attendance import manage_views as _attendance  # noqa: F401  (manage_bp routes)
    from eventhub.attendance import people  # noqa: F401  (person keys; erasure's hook)
    from eventhub.attendance.views import bp as attendance_bp
    from eventhub.auth.manage_views import bp as accounts_bp
    from eventhub.auth.twofactor_views import bp as twofactor_bp
    from eventhub.auth.views import bp as auth_bp
    from eventhub.calendar.views import bp as calendar_bp
    from eventhub.certificates import manage_views as _certificates  # noqa: F401  (manage_bp)
    from eventhub.certificates.views import bp as certificates_bp
    from eventhub.events import agenda_views  # noqa: F401  (adds routes to manage_bp)
    from eventhub.events.manage_blueprint import bp as manage_bp
    from eventhub.events.views import bp as events_bp
    from eventhub.legal.views import admin_bp as legal_admin_bp
    from eventhub.legal.views import bp as legal_bp
    from eventhub.messages import manage_views as _messages  # noqa: F401  (manage_bp routes)
    from eventhub.organizations.views import bp as centres_bp
    from eventhub.organizations.views import logos_bp
    from eventhub.privacy.views import bp as privacy_bp
    from eventhub.registration import manage_views  # noqa: F401  (adds routes to manage_bp)
    from eventhub.registration import models as registration_models  # noqa: F401
    from eventhub.registration.views import bp as registration_bp
    from eventhub.reminders import manage_views as _reminders  # noqa: F401  (manage_bp routes)
    from eventhub.reports import views as _reports  # noqa: F401  (adds routes to manage_bp)
    from eventhub.retention import manage_views as _retention  # noqa: F401  (manage_bp routes)

    app.register_blueprint(events_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(twofactor_bp)
    app.register_blueprint(manage_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(attendance_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(legal_bp)
    app.register_blueprint(legal_admin_bp)
    app.register_blueprint(admin_bp)
    api.init_app(app)
    app.register_blueprint(centres_bp)
    app.register_blueprint(logos_bp)
    app.cli.add_command(cli.group)
