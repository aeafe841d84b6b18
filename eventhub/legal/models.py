"""Every published text of a legal page is kept: a change is a new version, so that a
consent can name the privacy policy it was given to."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from eventhub.db import UTCDateTime, enum_column
from eventhub.extensions import db


class LegalKind(enum.StrEnum):
    IMPRINT = "imprint"  # Impressum (§ 5 DDG)
    PRIVACY = "privacy"  # Datenschutzerklärung (Art. 13 DSGVO)
    ACCESSIBILITY = "accessibility"  # Erklärung zur Barrierefreiheit (BITV 2.0)


class LegalText(db.Model):
    __tablename__ = "legal_texts"
    __table_args__ = (UniqueConstraint("kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LegalKind] = mapped_column(enum_column(LegalKind, "legal_kind"),
                                            nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # Markdown; rendered and sanitized when shown (legal.markdown). English may be empty:
    # the page then shows the German text, marked as German.
    body_de: Mapped[str] = mapped_column(Text, nullable=False)
    body_en: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Sample text (the demo's): the page says so above the text.
    placeholder: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    def body(self, language: str) -> str:
        return self.body_en if language == "en" and self.body_en.strip() else self.body_de

    def shown_language(self, language: str) -> str:
        return "en" if language == "en" and self.body_en.strip() else "de"

    def __repr__(self) -> str:
        return f"<LegalText {self.kind} v{self.version}>"
