"""The public read API: events (the public list's filters, paged), one event with its
agenda and speakers, regions, centres. No token needed; answers carry an ETag (``web``)."""
from __future__ import annotations

from flask import current_app
from spectree import Response

from eventhub import timeutil
from eventhub.api import documents, public_cache, schemas
from eventhub.api.blueprint import bp, not_found
from eventhub.api.spec import api_spec
from eventhub.events import queries
from eventhub.events.models import EventFormat
from eventhub.organizations import regions

PUBLIC = ["public"]
NOT_MODIFIED = {"HTTP_304": None}


def _filters(query: schemas.EventListQuery) -> queries.EventFilter:
    month = tuple(int(part) for part in query.month.split("-")) if query.month else None
    return queries.EventFilter(region=query.region or None,
                               organization=query.centre or None,
                               format=EventFormat(query.format) if query.format else None,
                               month=month)


@bp.get("/events")
@api_spec.validate(query=schemas.EventListQuery, tags=PUBLIC, resp=Response(
    **NOT_MODIFIED, HTTP_200=schemas.EventList, HTTP_422=schemas.Problem))
def events(query: schemas.EventListQuery):
    """Published events, upcoming (soonest first) or past (latest first).

    The filters of the public list: the centre's region, the centre, the format, and a
    month in the site's time zone (an event counts in every month it touches)."""
    return public_cache.cached(("events", *query.model_dump().values()),
                               lambda: _event_list(query))


def _event_list(query: schemas.EventListQuery) -> schemas.EventList:
    list_query = queries.past if query.when == "past" else queries.upcoming
    pagination = list_query(_filters(query), timeutil.utcnow(), query.page, query.per_page,
                            current_app.config["DEFAULT_TIMEZONE"])
    return schemas.EventList(items=[documents.event_summary(e) for e in pagination.items],
                             paging=documents.paging(pagination))


@bp.get("/events/<slug>")
@api_spec.validate(tags=PUBLIC, resp=Response(
    **NOT_MODIFIED, HTTP_200=schemas.EventDetail, HTTP_404=schemas.Problem))
def event(slug: str):
    """One published (or cancelled) event with its agenda and speakers."""
    detail = public_cache.cached(("event", slug[:200]), lambda: _event_detail(slug[:200]))
    if detail is None:
        raise not_found()
    return detail


def _event_detail(slug: str) -> schemas.EventDetail | None:
    found = queries.public_event(slug)
    return None if found is None else documents.event_detail(found)


@bp.get("/regions")
@api_spec.validate(tags=PUBLIC, resp=Response(**NOT_MODIFIED, HTTP_200=schemas.RegionList))
def region_list():
    """The 16 German Länder (ISO 3166-2), "outside Germany" and "not stated"."""
    return schemas.RegionList(items=[
        schemas.Region(code=r.code, name_de=r.name_de, name_en=r.name_en,
                       is_land=r.code.startswith("DE-"))
        for r in regions.all_regions()])


@bp.get("/centres")
@api_spec.validate(tags=PUBLIC, resp=Response(**NOT_MODIFIED, HTTP_200=schemas.CentreList))
def centres():
    """The organizations that run events."""
    return schemas.CentreList(items=[documents.centre(o) for o in queries.organizations()])

