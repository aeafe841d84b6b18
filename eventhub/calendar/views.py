"""Calendar downloads: the public file of an event, a participant's own file, and the
"Add to calendar" links for pages and e-mails."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from eventhub import i18n, timeutil
from eventhub.calendar import services
from eventhub.events import queries as event_queries
from eventhub.registration import tokens
from eventhub.registration.models import Registration

bp = Blueprint("calendar", __name__)

CONTENT_TYPE = "text/calendar; charset=utf-8"


def _ics(content: bytes, filename: str, cache: str) -> Response:
    response = Response(content, content_type=CONTENT_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = cache
    return response


@bp.get("/veranstaltungen/<slug>/kalender.ics")
def event_ics(slug: str):
    event = event_queries.public_event(slug)
    if event is None:
        abort(404)
    response = _ics(services.public_ics(event, i18n.current_language()), f"{event.slug}.ics",
                    "public, max-age=300")
    # The bytes depend only on the event (DTSTAMP is its last change): a strong ETag.
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/anmeldung/<token>/kalender.ics")
def personal_ics(token: str):
    """Only for a confirmed place: it carries the personal join link."""
    try:
        registration = tokens.load(token, tokens.MANAGE)
    except tokens.InvalidToken as exc:
        return render_template("registration/invalid_link.html", reason=exc.reason), 400
    if not services.may_download_personal(registration):
        abort(404)
    content = services.personal_ics(registration, timeutil.utcnow())
    response = _ics(content, f"{registration.event.slug}.ics", "private, no-store")
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.app_template_global("calendar_links")
def calendar_links(event, registration: Registration | None = None) -> dict[str, str]:
    """For templates: ``calendar_links(event)`` on public pages,
    ``calendar_links(event, registration)`` in a participant's page or e-mail."""
    return services.add_links(event, registration)
