"""The organizer pages' blueprint (``manage``, under /verwaltung): every page needs a
logged-in account. The pages of each feature (``*.manage_views``, ``agenda_views``, the
reports) add their routes to it; they share ``load_event`` from here, so that no module
imports another's views."""
from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required

from eventhub.events import queries
from eventhub.events.models import Event

bp = Blueprint("manage", __name__, url_prefix="/verwaltung")


@bp.before_request
@login_required
def _require_login():
    """Every organizer page needs a logged-in account."""


def load_event(event_id: int) -> Event:
    """The event if the current user may manage it; 404 otherwise (no hint it exists)."""
    event = queries.managed_event(current_user, event_id)
    if event is None:
        abort(404)
    return event
