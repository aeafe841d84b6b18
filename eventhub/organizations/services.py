"""Centres in the browser: who edits which, and the edit itself (audited).

Organizers and coordinators edit their own centre; admins every centre. Actors are
duck-typed (``id``, ``name``, ``role``, ``organization_id``): accounts live above this
package (auth).
"""
from __future__ import annotations

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
            "sender_name", "colour")


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


def update(actor, organization: Organization, data: CentreData, now: datetime) -> dict:
    """Save the details; returns the changed fields (old, new), also written to the log."""
    if not can_edit(actor, organization):
        raise NotPermitted
    if not regions.exists(data.region_code):
        raise RuleViolation(_l("Choose a region from the list."), "region_code")
    if data.colour and not is_colour(data.colour):
        raise RuleViolation(_l("Enter a colour like #0b5a8a."), "colour")
    before = audit.snapshot(organization, _AUDITED)
    organization.name, organization.short_name = data.name.strip(), data.short_name.strip()
    organization.region_code = data.region_code
    organization.email = data.email.strip() or None
    organization.website = data.website.strip() or None
    organization.address = data.address.strip()
    organization.sender_name = data.sender_name.strip()
    organization.colour = data.colour.lower() or None
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
