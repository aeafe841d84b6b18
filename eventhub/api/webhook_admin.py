"""Rules for a centre's webhook endpoints: who may manage them (as events: organizers
their own centre, coordinators and admins every centre), which addresses are allowed,
the recent deliveries, and sending one again."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from eventhub.auth.models import User
from eventhub.errors import NotPermitted, RuleViolation
from eventhub.events import policy
from eventhub.extensions import db
from eventhub.organizations.models import Organization
from eventhub.webhooks import delivery, signing, targets
from eventhub.webhooks.models import WebhookDelivery, WebhookEndpoint

MAX_ENDPOINTS = 10  # per centre
RECENT = 50


@dataclass(frozen=True)
class Rules:
    require_https: bool
    allow_loopback: bool


@dataclass(frozen=True)
class NewEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown once


def centres(actor: User) -> list[Organization]:
    query = select(Organization).order_by(Organization.name)
    if not actor.sees_all_organizations:
        query = query.where(Organization.id == actor.organization_id)
    return list(db.session.scalars(query))


def endpoints(actor: User) -> list[WebhookEndpoint]:
    query = select(WebhookEndpoint).order_by(WebhookEndpoint.organization_id,
                                             WebhookEndpoint.id)
    if not actor.sees_all_organizations:
        query = query.where(WebhookEndpoint.organization_id == actor.organization_id)
    return list(db.session.scalars(query))


def create(actor: User, organization_id: int, url: str, rules: Rules,
           now: datetime) -> NewEndpoint:
    if db.session.get(Organization, organization_id) is None:
        raise RuleViolation(_l("Choose a centre from the list."), "organization_id")
    if not policy.can_manage_organization(actor, organization_id):
        raise NotPermitted()
    url = url.strip()
    try:
        targets.check(url, require_https=rules.require_https,
                      allow_loopback=rules.allow_loopback)
    except targets.UnsafeTarget:
        raise RuleViolation(_l("This address cannot receive webhooks: it must start with "
                               "https:// and lead to a public server on the internet, "
                               "not into a private network."), "url") from None
    count = len([e for e in endpoints(actor) if e.organization_id == organization_id])
    if count >= MAX_ENDPOINTS:
        raise RuleViolation(_l("A centre can have at most %(max)d addresses.",
                               max=MAX_ENDPOINTS), "url")
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(organization_id=organization_id, url=url, secret=secret,
                               active=True, created_at=now, created_by_id=actor.id)
    db.session.add(endpoint)
    db.session.flush()
    return NewEndpoint(endpoint, secret)


def _endpoint(actor: User, endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or not policy.can_manage_organization(actor, endpoint.organization_id):
        raise NotPermitted()
    return endpoint


def remove(actor: User, endpoint_id: int) -> None:
    """Delete an endpoint with its deliveries: nothing more is sent to it."""
    db.session.delete(_endpoint(actor, endpoint_id))
    db.session.flush()


def recent_deliveries(actor: User, limit: int = RECENT) -> list[WebhookDelivery]:
    ids = [e.id for e in endpoints(actor)]
    if not ids:
        return []
    return list(db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.endpoint_id.in_(ids))
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()).limit(limit)))


def resend(actor: User, delivery_id: int, now: datetime) -> WebhookDelivery:
    found = db.session.get(WebhookDelivery, delivery_id)
    if found is None:
        raise NotPermitted()
    _endpoint(actor, found.endpoint_id)
    delivery.resend(found, now)
    db.session.flush()
    return found
