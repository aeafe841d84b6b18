"""Events with a token: the actor's events, one of them, create, edit, publish, cancel
(``events.services``, as on the organizer pages)."""
from __future__ import annotations

from spectree import Response

from eventhub import timeutil
from eventhub.api import documents
from eventhub.api import manage_schemas as ms
from eventhub.api.blueprint import actor, bp, committed, managed_event
from eventhub.api.schemas import Problem
from eventhub.api.spec import TOKEN, api_spec
from eventhub.events import queries, services
from eventhub.events.models import Event, EventFormat, EventStatus

TAGS = ["events"]
PER_PAGE = 25


def managed(event: Event) -> ms.ManagedEvent:
    tz = event.timezone
    return ms.ManagedEvent(
        **documents.summary_fields(event), organization_id=event.organization_id,
        description=event.description, venue=event.venue, capacity=event.capacity,
        double_opt_in=event.double_opt_in,
        registration_opens_at=documents.local(event.registration_opens_at, tz),
        registration_closes_at=documents.local(event.registration_closes_at, tz),
        published_at=documents.local(event.published_at, tz),
        cancelled_at=documents.local(event.cancelled_at, tz))


def _data(body: ms.EventInput) -> services.EventData:
    return services.EventData(
        organization_id=body.organization_id, title=body.title,
        format=EventFormat(body.format), starts_local=body.starts_at, ends_local=body.ends_at,
        timezone=body.timezone, summary=body.summary, description=body.description,
        online_join_url=body.online_join_url, venue=body.venue, capacity=body.capacity,
        registration_opens_local=body.registration_opens_at,
        registration_closes_local=body.registration_closes_at, slug=body.slug,
        double_opt_in=body.double_opt_in)


ONE = Response(HTTP_200=ms.ManagedEvent, HTTP_404=Problem, HTTP_409=Problem,
               HTTP_422=Problem)


@bp.get("/manage/events")
@api_spec.validate(query=ms.ManagedEventQuery, tags=TAGS, security=TOKEN, resp=Response(
    HTTP_200=ms.ManagedEventList, HTTP_422=Problem))
def managed_events(query: ms.ManagedEventQuery):
    """The events the token's owner may manage, latest first."""
    status = EventStatus(query.status) if query.status else None
    pagination = queries.managed_events(actor(), status=status, page=query.page,
                                        per_page=PER_PAGE)
    return ms.ManagedEventList(items=[managed(e) for e in pagination.items],
                               paging=documents.paging(pagination))


@bp.post("/manage/events")
@api_spec.validate(json=ms.EventInput, tags=TAGS, security=TOKEN, resp=Response(
    HTTP_201=ms.ManagedEvent, HTTP_409=Problem, HTTP_422=Problem))
def create_event(json: ms.EventInput):
    """Create a draft, as the organizer page does."""
    user = actor(write=True)
    event = committed(lambda: services.create_event(user, _data(json)))
    return managed(event), 201


@bp.get("/manage/events/<int:event_id>")
@api_spec.validate(tags=TAGS, security=TOKEN, resp=ONE)
def managed_event_detail(event_id: int):
    """One of the owner's events, drafts included."""
    return managed(managed_event(actor(), event_id))


@bp.put("/manage/events/<int:event_id>")
@api_spec.validate(json=ms.EventInput, tags=TAGS, security=TOKEN, resp=ONE)
def update_event(event_id: int, json: ms.EventInput):
    """Change an event: all its fields, as the edit page sends them."""
    user = actor(write=True)
    event = managed_event(user, event_id)
    committed(lambda: services.update_event(user, event, _data(json),
                                            now=timeutil.utcnow()))
    return managed(event)


@bp.post("/manage/events/<int:event_id>/publish")
@api_spec.validate(tags=TAGS, security=TOKEN, resp=ONE)
def publish_event(event_id: int):
    """Publish a draft."""
    return _transition(event_id, services.publish_event)


@bp.post("/manage/events/<int:event_id>/cancel")
@api_spec.validate(tags=TAGS, security=TOKEN, resp=ONE)
def cancel_event(event_id: int):
    """Cancel an event; the registered are told by e-mail, as from the organizer page."""
    return _transition(event_id, services.cancel_event)


def _transition(event_id: int, action) -> ms.ManagedEvent:
    user = actor(write=True)
    event = managed_event(user, event_id)
    return managed(committed(lambda: action(user, event, timeutil.utcnow())))
