"""Who runs the site, as every page's footer names it: the coordinating centre.

Every page shows it, so a process keeps it for SITE_OPERATOR_SECONDS (config) instead of
asking the database on every request (on a form page, that query was the only one and
cost more than the rest of the page). A change to an organization flushed in this process
clears it at once (and again when its transaction ends); other processes show it within
those seconds.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from eventhub.db import forget_on_change
from eventhub.extensions import db
from eventhub.organizations.models import Organization, OrganizationKind

_STORE = "eventhub.site_operator"
# The coordinating centre (the first, if there were several): what the footer shows.
_QUERY = (select(Organization.name, Organization.email, Organization.website)
          .where(Organization.kind == OrganizationKind.COORDINATION)
          .order_by(Organization.id).limit(1))


@dataclass(frozen=True)
class Operator:
    name: str
    email: str | None
    website: str | None


def operator() -> Operator | None:
    """The coordinating centre, or None. An error page must render even when the
    database cannot answer: then nobody is named (and nothing is kept)."""
    kept = current_app.extensions.get(_STORE)
    if kept is not None and kept[0] > time.monotonic():
        return kept[1]
    try:
        row = db.session.execute(_QUERY).first()
    except SQLAlchemyError:
        db.session.rollback()
        return None
    found = Operator(*row) if row is not None else None
    seconds = current_app.config["SITE_OPERATOR_SECONDS"]
    if seconds > 0:
        current_app.extensions[_STORE] = (time.monotonic() + seconds, found)
    return found


def forget() -> None:
    """Read the coordinating centre afresh on the next page of this app."""
    current_app.extensions.pop(_STORE, None)


forget_on_change(db.session, (Organization,), forget)
