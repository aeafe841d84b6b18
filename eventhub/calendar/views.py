"""Calendar downloads: the public file of an event, a participant's own file, the feeds
calendar apps subscribe to, and the "Add to calendar" and subscription links for pages and
e-mails."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request

from eventhub import i18n, timeutil
from eventhub.calendar import feeds, services
from eventhub.events import queries as event_queries
from eventhub.organizations.models import Organization, Region
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


@bp.get("/kalender/veranstaltungen.ics")
def all_feed():
    return _feed(feeds.all_events(), "veranstaltungen.ics")


@bp.get("/kalender/veranstalter/<slug>.ics")
def organization_feed(slug: str):
    return _feed(feeds.organization_scope(slug), f"{slug}.ics")


@bp.get("/kalender/region/<code>.ics")
def region_feed(code: str):
    return _feed(feeds.region_scope(code), f"region-{code.lower()}.ics")


def _feed(scope: feeds.Scope | None, filename: str) -> Response:
    """Polled by calendar apps: usually answered 304 without building anything."""
    if scope is None:
        abort(404)
    feed = feeds.current(scope, _feed_language(), timeutil.utcnow())
    response = Response(feed.body, content_type=CONTENT_TYPE)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(feed.etag)
    response.last_modified = feed.last_modified
    response.cache_control.public = True
    response.cache_control.max_age = int(current_app.config["CALENDAR_FEED_MAX_AGE_SECONDS"])
    return response.make_conditional(request)


def _feed_language() -> str:
    """From the address only (?lang=en), never from the session: a feed is public and
    cached, and calendar apps send no cookies."""
    language = request.args.get("lang")
    config = current_app.config
    return language if language in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


@bp.app_template_global("calendar_links")
def calendar_links(event, registration: Registration | None = None) -> dict[str, str]:
    """For templates: ``calendar_links(event)`` on public pages,
    ``calendar_links(event, registration)`` in a participant's page or e-mail."""
    return services.add_links(event, registration)


@bp.app_template_global("calendar_feeds")
def calendar_feeds(organization: Organization | str | None = None,
                   region: Region | str | None = None) -> list[services.FeedLink]:
    """For templates: subscription links for an organization's and a region's events (as
    objects, or as slug and code from a list's filter) and for all events."""
    if isinstance(organization, str):
        scope = feeds.organization_scope(organization)
        organization = scope.organization if scope else None
    if isinstance(region, str):
        scope = feeds.region_scope(region)
        region = scope.region if scope else None
    return services.feed_links(organization, region, i18n.current_language())
