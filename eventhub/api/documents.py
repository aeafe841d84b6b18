"""The application's rows as the API's documents (``schemas``). Times leave in the event's
own time zone, with its offset, so that a client needs no zone database to show them."""
from __future__ import annotations

from datetime import datetime

from flask import url_for

from eventhub import timeutil
from eventhub.api import schemas
from eventhub.events.models import Event
from eventhub.organizations.models import Organization


def local(value: datetime | None, tz_name: str) -> datetime | None:
    return None if value is None else timeutil.to_local(value, tz_name)


def centre(organization: Organization) -> schemas.Centre:
    return schemas.Centre(id=organization.id, slug=organization.slug, name=organization.name,
                          short_name=organization.short_name,
                          region=organization.region_code, website=organization.website)


def summary_fields(event: Event) -> dict:
    tz = event.timezone
    return {"id": event.id, "slug": event.slug, "title": event.title,
            "summary": event.summary, "format": event.format.value,
            "status": event.status.value, "starts_at": local(event.starts_at, tz),
            "ends_at": local(event.ends_at, tz), "timezone": tz,
            "centre": centre(event.organization),
            "url": url_for("events.detail", slug=event.slug, _external=True)}


def event_summary(event: Event) -> schemas.EventSummary:
    return schemas.EventSummary(**summary_fields(event))


def event_detail(event: Event) -> schemas.EventDetail:
    tz = event.timezone
    return schemas.EventDetail(
        **summary_fields(event), description=event.description, venue=event.venue,
        capacity=event.capacity,
        registration_opens_at=local(event.registration_opens_at, tz),
        registration_closes_at=local(event.registration_closes_at, tz),
        agenda=[schemas.AgendaItem(title=item.title, description=item.description,
                                   starts_at=local(item.starts_at, tz),
                                   ends_at=local(item.ends_at, tz),
                                   speaker_ids=[s.id for s in item.speakers])
                for item in event.agenda_items],
        speakers=[schemas.Speaker(id=s.id, name=s.name, role=s.role,
                                  organization=s.organization_name, region=s.region_code,
                                  bio=s.bio)
                  for s in event.speakers])


def paging(pagination) -> schemas.Paging:
    return schemas.Paging(page=pagination.page, per_page=pagination.per_page,
                          pages=pagination.pages, total=pagination.total or 0)
