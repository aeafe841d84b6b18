"""The JSON API v1 (``/api/v1``): public reads, and with a personal API token what an
organizer may do in the web UI; its OpenAPI document and documentation page; the pages
on which people manage their tokens and their centre's webhooks.

The top layer: it calls the features' services and queries (never repeating their rules)
and nothing imports it but ``create_app``, through ``init_app``."""
from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import HTTPException


def _route_errors_under_the_api(app: Flask) -> None:
    """An address under /api/v1 that matches no route (404) or not with this method
    (405) has no blueprint, so the app's HTML error page would answer: a problem
    document answers instead. Other addresses keep the app's handler."""
    from eventhub.api import problems
    from eventhub.api.blueprint import bp

    pages = app.error_handler_spec[None][None][HTTPException]
    prefix = bp.url_prefix + "/"

    def handle(exc: HTTPException):
        if request.path.startswith(prefix):
            return problems.from_http_error(exc)
        return pages(exc)

    for code in (404, 405):
        app.register_error_handler(code, handle)


def init_app(app: Flask) -> None:
    from eventhub.api import (  # noqa: F401  (routes on bp)
        attendance_views,
        docs_views,
        event_views,
        public_views,
        registration_views,
        report_views,
    )
    from eventhub.api.blueprint import bp
    from eventhub.api.spec import init_app as init_spec
    from eventhub.api.token_views import bp as account_bp
    from eventhub.api.webhook_views import bp as webhooks_bp
    from eventhub.extensions import csrf

    csrf.exempt(bp)  # checked in blueprint._authenticate unless a token authenticates
    app.register_blueprint(bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(webhooks_bp)
    init_spec(app)
    _route_errors_under_the_api(app)
