"""Publishing the legal pages, and which versions are current.

Every page of the site links the published pages (the footer) and every registration stores
the privacy policy's current version: both ask ``published()``, which a web process keeps for
``LEGAL_CACHE_SECONDS`` (another process's publishing shows after that long at most; this
process's at once).
"""
from __future__ import annotations

import time
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eventhub import audit
from eventhub.auth.models import Role, User
from eventhub.errors import NotPermitted, RuleViolation
from eventhub.extensions import db
from eventhub.legal.models import LegalKind, LegalText

MAX_LENGTH = 100_000  # characters of Markdown per language
_CACHE = "eventhub.legal.published"


def may_edit(actor: User) -> bool:
    return actor.is_authenticated and actor.active and actor.role is Role.ADMIN


def current(kind: LegalKind) -> LegalText | None:
    return db.session.scalar(select(LegalText).where(LegalText.kind == kind)
                             .order_by(LegalText.version.desc()).limit(1))


def version(kind: LegalKind, number: int) -> LegalText | None:
    return db.session.scalar(select(LegalText).where(LegalText.kind == kind,
                                                     LegalText.version == number))


def history(kind: LegalKind) -> list[LegalText]:
    return list(db.session.scalars(select(LegalText).where(LegalText.kind == kind)
                                   .order_by(LegalText.version.desc())))


def publish(actor: User, kind: LegalKind, *, body_de: str, body_en: str, now: datetime,
            placeholder: bool = False) -> LegalText | None:
    """A new version of the page; None if the text is the current one (nothing to publish:
    a consent's version must stand for a different text)."""
    if not may_edit(actor):
        raise NotPermitted
    text = _publish(kind, body_de=body_de, body_en=body_en, now=now,
                    placeholder=placeholder, published_by_id=actor.id)
    if text is not None:
        audit.record(actor, "legal.publish", now, target=("legal_text", text.id),
                     details={"kind": kind, "version": text.version})
    return text


def _publish(kind: LegalKind, *, body_de: str, body_en: str, now: datetime,
             placeholder: bool, published_by_id: int | None) -> LegalText | None:
    body_de, body_en = body_de.strip(), (body_en or "").strip()
    if not body_de:
        raise RuleViolation(_l("The German text is required."), "body_de")
    for field, body in (("body_de", body_de), ("body_en", body_en)):
        if len(body) > MAX_LENGTH:
            raise RuleViolation(_l("The text is too long (at most %(n)d characters).",
                                   n=MAX_LENGTH), field)
    latest = current(kind)
    if latest is not None and (latest.body_de, latest.body_en, latest.placeholder) == \
            (body_de, body_en, placeholder):
        return None
    number = (db.session.scalar(select(func.max(LegalText.version))
                                .where(LegalText.kind == kind)) or 0) + 1
    text = LegalText(kind=kind, version=number, body_de=body_de, body_en=body_en,
                     placeholder=placeholder, published_at=now,
                     published_by_id=published_by_id)
    db.session.add(text)
    db.session.flush()
    forget()
    return text


def publish_sample(kind: LegalKind, *, body_de: str, body_en: str,
                   now: datetime) -> LegalText | None:
    """The demo's placeholder text, unless the page has a text already."""
    if current(kind) is not None:
        return None
    return _publish(kind, body_de=body_de, body_en=body_en, now=now, placeholder=True,
                    published_by_id=None)


def published(session: Session | None = None) -> dict[LegalKind, int]:
    """The current version of each published page (kept per process, see above), read
    through ``session`` (default: ``db.session``)."""
    seconds = float(current_app.config["LEGAL_CACHE_SECONDS"])
    kept = current_app.extensions.get(_CACHE)
    if kept is not None and time.monotonic() - kept[0] < seconds:
        return kept[1]
    rows = (session or db.session).execute(
        select(LegalText.kind, func.max(LegalText.version)).group_by(LegalText.kind)).all()
    versions = {LegalKind(kind): number for kind, number in rows}
    if seconds > 0:
        current_app.extensions[_CACHE] = (time.monotonic(), versions)
    return versions


def privacy_version() -> str | None:
    """What a consent given now stores: the privacy policy's current version, or None
    while none is published."""
    number = published().get(LegalKind.PRIVACY)
    return None if number is None else str(number)


def forget() -> None:
    """Let the next ``published()`` read the database (after publishing, and in tests)."""
    current_app.extensions.pop(_CACHE, None)
