"""Which events issue certificates, and the certificates issued (their codes)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from eventhub.db import UTCDateTime
from eventhub.extensions import db


class CertificateSetting(db.Model):
    """A row: the event issues certificates to those who attended."""
    __tablename__ = "certificate_settings"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          primary_key=True)
    enabled_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    enabled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))


class Certificate(db.Model):
    """One person's certificate: the code printed on it, drawn when first issued, so that
    every download of it shows the same code."""
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), unique=True, nullable=False)
    code: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
