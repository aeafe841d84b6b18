"""Centres in the browser: who edits which, and the edit itself (audited).

Organizers and coordinators edit their own centre; admins every centre. Actors are
duck-typed (``id``, ``name``, ``role``, ``organization_id``): accounts live above this
package (auth).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from eventhub import audit
from eventhub.errors import NotPermitted, RuleViolation
from eventhub.extensions import db
from eventhub.organizations import logos, regions
from eventhub.organizations.models import Organization, is_colour

ADMIN = "admin"  # auth.models.Role.ADMIN's value
_AUDITED = ("name", "short_name", "region_code", "email", "website", "address",
            "sender_name", "colour", "retention_days")


def can_edit(actor, organization: Organization) -> bool:
    if not (getattr(actor, "is_authenticated", False) and getattr(actor, "active", False)):
        return False
    return actor.role == ADMIN or actor.organization_id == organization.id


def editable(actor) -> list[Organization]:
    query = select(Organization).order_by(Organization.name)
    if actor.role != ADMIN:
        query = query.where(Organization.id == actor.organization_id)
    return list(db.session.scalars(query))


def get_editable(actor, organization_id: int) -> Organization | None:
    organization = db.session.get(Organization, organization_id)
    return organization if organization is not None and can_edit(actor, organization) \
        else None


@dataclass(frozen=True)
class CentreData:
    name: str
    short_name: str
    region_code: str
    email: str = ""
    website: str = ""
    address: str = ""
    sender_name: str = ""
    colour: str = ""
    # None: the installation's RETENTION_DAYS. Only an admin's change is applied.
    retention_days: int | None = None


SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def create(actor, data: CentreData, slug: str, now: datetime) -> Organization:
    """A new centre (admins only); its address part ``slug`` never changes afterwards."""
    if getattr(actor, "role", None) != ADMIN or not getattr(actor, "active", False):
        raise NotPermitted
    slug = slug.strip().lower()
    if not SLUG.fullmatch(slug) or len(slug) > 80:
        raise RuleViolation(_l("Use lower-case letters, digits and hyphens only."), "slug")
    if db.session.scalar(select(Organization.id).where(Organization.slug == slug)):
        raise RuleViolation(_l("Another centre has this address already."), "slug")
    organization = Organization(slug=slug, name="", short_name="",
                                region_code=data.region_code)
    db.session.add(organization)
    _apply(organization, data)
    organization.retention_days = data.retention_days
    db.session.flush()
    audit.record(actor, "organization.create", now, organization_id=organization.id,
                 target=("organization", organization.id),
                 details={"name": organization.name, "slug": slug})
    return organization


def _apply(organization: Organization, data: CentreData) -> None:
    if not regions.exists(data.region_code):
        raise RuleViolation(_l("Choose a region from the list."), "region_code")
    if data.colour and not is_colour(data.colour):
        raise RuleViolation(_l("Enter a colour like #0b5a8a."), "colour")
    organization.name, organization.short_name = data.name.strip(), data.short_name.strip()
    organization.region_code = data.region_code
    organization.email = data.email.strip() or None
    organization.website = data.website.strip() or None
    organization.address = data.address.strip()
    organization.sender_name = data.sender_name.strip()
    organization.colour = data.colour.lower() or None


def update(actor, organization: Organization, data: CentreData, now: datetime) -> dict:
    """Save the details; returns the changed fields (old, new), also written to the log."""
    if not can_edit(actor, organization):
        raise NotPermitted
    before = audit.snapshot(organization, _AUDITED)
    _apply(organization, data)
    if actor.role == ADMIN:  # how long people are kept is the installation's decision
        organization.retention_days = data.retention_days
    db.session.flush()
    changed = audit.changes(before, organization)
    if changed:
        audit.record(actor, "organization.update", now, organization_id=organization.id,
                     target=("organization", organization.id), details=changed)
    return changed


def set_logo(actor, organization: Organization, data: bytes, *, max_bytes: int,
             now: datetime) -> None:
    if not can_edit(actor, organization):
        raise NotPermitted
    organization.logo_png = logos.reencode(data, max_bytes)
    organization.logo_updated_at = now
    db.session.flush()
    audit.record(actor, "organization.logo", now, organization_id=organization.id,
                 target=("organization", organization.id), details={"logo": "new"})


def remove_logo(actor, organization: Organization, now: datetime) -> None:
    if not can_edit(actor, organization):
        raise NotPermitted
    organization.logo_png = organization.logo_updated_at = None
    db.session.flush()
    audit.record(actor, "organization.logo", now, organization_id=organization.id,
                 target=("organization", organization.id), details={"logo": "removed"})


def logo_of(slug: str) -> tuple[bytes, datetime] | None:
    row = db.session.execute(select(Organization.logo_png, Organization.logo_updated_at)
                             .where(Organization.slug == slug)).first()
    if row is None or row[0] is None:
        return None
    return row[0], row[1]
