"""The regions people choose from, read once per process.

Regions are reference data that only the migrations write (``organizations.models.REGIONS``),
so the forms and checks that need them on every request ask this cache instead of the
database.
"""
from __future__ import annotations

from typing import NamedTuple

from flask import current_app
from sqlalchemy import select

from eventhub.extensions import db
from eventhub.organizations.models import Region

_KEY = "eventhub.regions"


class RegionName(NamedTuple):
    code: str
    name_de: str
    name_en: str

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_de


def all_regions() -> tuple[RegionName, ...]:
    """Every region in display order. An empty table (before the migrations ran) is not
    cached, so the next request looks again."""
    cached = current_app.extensions.get(_KEY)
    if cached is None:
        rows = db.session.execute(select(Region.code, Region.name_de, Region.name_en)
                                  .order_by(Region.position, Region.code)).all()
        cached = tuple(RegionName(*row) for row in rows)
        if cached:
            current_app.extensions[_KEY] = cached
    return cached


def exists(code: str | None) -> bool:
    return any(region.code == code for region in all_regions())


def choices(language: str) -> list[tuple[str, str]]:
    return [(region.code, region.name(language)) for region in all_regions()]
