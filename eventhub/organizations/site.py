"""Who runs the site, as every page's footer names it: the coordinating centre."""
from __future__ import annotations

from flask import g
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from eventhub.extensions import db
from eventhub.organizations.models import Organization, OrganizationKind


def operator() -> Organization | None:
    """The coordinating centre (the first, if there were several), once per request. An
    error page must render even when the database cannot answer: then nobody is named."""
    if "site_operator" not in g:
        try:
            g.site_operator = db.session.scalar(
                select(Organization).where(Organization.kind == OrganizationKind.COORDINATION)
                .order_by(Organization.id).limit(1))
        except SQLAlchemyError:
            db.session.rollback()
            g.site_operator = None
    return g.site_operator
