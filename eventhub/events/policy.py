"""Who may manage what. Organizers: their own organization; coordinators, admins: all."""
from __future__ import annotations

from sqlalchemy import Select

from eventhub.auth.models import User
from eventhub.events.models import Event


def can_manage_organization(actor: User, organization_id: int) -> bool:
    return actor.is_authenticated and actor.active and (
        actor.sees_all_organizations or actor.organization_id == organization_id)


def can_manage_event(actor: User, event: Event) -> bool:
    return can_manage_organization(actor, event.organization_id)


def restrict_events(query: Select, actor: User) -> Select:
    """Limit an Event query to what ``actor`` may manage."""
    if actor.sees_all_organizations:
        return query
    return query.where(Event.organization_id == actor.organization_id)
