"""The JSON API v1 (``/api/v1``): public reads, and with a personal API token what an
organizer may do in the web UI; its OpenAPI document and documentation page; the pages
on which people manage their tokens and their centre's webhooks.

The top layer: it calls the features' services and queries (never repeating their rules)
and nothing imports it but ``create_app``, through ``init_app``."""
from __future__ import annotations

from flask import Flask


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
