"""Regions (German Länder and two special values) and organizations (centres)."""
from __future__ import annotations

import enum
import re
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.db import TimestampMixin, UTCDateTime, enum_column
from eventhub.extensions import db

ABROAD = "ABROAD"
DEFAULT_COLOUR = "#0b5a8a"
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
NOT_STATED = "UNSTATED"

# (code, German name, English name); order is the order shown in forms and reports.
REGIONS: tuple[tuple[str, str, str], ...] = (
    ("DE-BW", "Baden-Württemberg", "Baden-Württemberg"),
    ("DE-BY", "Bayern", "Bavaria"),
    ("DE-BE", "Berlin", "Berlin"),
    ("DE-BB", "Brandenburg", "Brandenburg"),
    ("DE-HB", "Bremen", "Bremen"),
    ("DE-HH", "Hamburg", "Hamburg"),
    ("DE-HE", "Hessen", "Hesse"),
    ("DE-MV", "Mecklenburg-Vorpommern", "Mecklenburg-Western Pomerania"),
    ("DE-NI", "Niedersachsen", "Lower Saxony"),
    ("DE-NW", "Nordrhein-Westfalen", "North Rhine-Westphalia"),
    ("DE-RP", "Rheinland-Pfalz", "Rhineland-Palatinate"),
    ("DE-SL", "Saarland", "Saarland"),
    ("DE-SN", "Sachsen", "Saxony"),
    ("DE-ST", "Sachsen-Anhalt", "Saxony-Anhalt"),
    ("DE-SH", "Schleswig-Holstein", "Schleswig-Holstein"),
    ("DE-TH", "Thüringen", "Thuringia"),
    (ABROAD, "außerhalb Deutschlands", "outside Germany"),
    (NOT_STATED, "keine Angabe", "not stated"),
)


class Region(db.Model):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_de: Mapped[str] = mapped_column(String(80), nullable=False)
    name_en: Mapped[str] = mapped_column(String(80), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    is_land: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    def name(self, locale: str = "de") -> str:
        return self.name_en if locale == "en" else self.name_de

    def __repr__(self) -> str:
        return f"<Region {self.code}>"


def is_colour(value: str | None) -> bool:
    """A colour as the browser's colour picker gives it: '#' and six hex digits."""
    return bool(value) and _COLOUR.fullmatch(value) is not None


class OrganizationKind(enum.StrEnum):
    CENTRE = "centre"
    COORDINATION = "coordination"


class Organization(TimestampMixin, db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    short_name: Mapped[str] = mapped_column(String(80), nullable=False)
    kind: Mapped[OrganizationKind] = mapped_column(
        enum_column(OrganizationKind, "organization_kind"), nullable=False,
        default=OrganizationKind.CENTRE)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(500))
    # The centre's colour (#rrggbb), shown as an accent beside its name on public pages;
    # never behind text, so any colour keeps the text readable.
    colour: Mapped[str | None] = mapped_column(String(7))
    # Days after an event's end until its participants' personal data is deleted
    # (eventhub.retention); None: RETENTION_DAYS from the configuration.
    retention_days: Mapped[int | None] = mapped_column(Integer)
    # Postal contact address (several lines), and the name that signs the centre's e-mails
    # to participants (empty: the centre's name).
    address: Mapped[str] = mapped_column(Text, nullable=False, default="",
                                         server_default="")
    sender_name: Mapped[str] = mapped_column(String(100), nullable=False, default="",
                                             server_default="")
    # The logo as PNG, re-encoded from the upload (organizations.logos): pixels only.
    logo_png: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    region: Mapped[Region] = relationship(lazy="joined")

    @property
    def accent(self) -> str:
        """The colour to show for this centre: its own when valid, else the site's."""
        return self.colour if is_colour(self.colour) else DEFAULT_COLOUR

    def __repr__(self) -> str:
        return f"<Organization {self.slug}>"
