"""Personal API tokens: made, revoked, and checked on each API request.

A token is ``eh_`` and 43 characters of ``secrets.token_urlsafe(32)`` (256 bits). It is
looked up by its SHA-256, which is enough for a secret that cannot be guessed (no slow
hash needed, as for passwords), and compared once more in constant time."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from eventhub.api.models import ApiToken
from eventhub.auth.models import User
from eventhub.errors import NotPermitted, RuleViolation
from eventhub.extensions import db

PREFIX = "eh_"
MAX_TOKENS = 20  # per account: enough for every script, few enough to keep an eye on
MAX_DAYS = 3650
LAST_USED_EVERY = timedelta(minutes=1)  # the time of use is written at most this often


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once


def create(actor: User, name: str, can_write: bool, expires_in_days: int | None,
           now: datetime) -> NewToken:
    name = name.strip()
    if not name:
        raise RuleViolation(_l("Give the token a name."), "name")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_DAYS:
        raise RuleViolation(_l("Enter a number of days from 1 to %(max)d, or nothing.",
                               max=MAX_DAYS), "expires_in_days")
    if len(tokens_of(actor, now)) >= MAX_TOKENS:
        raise RuleViolation(_l("You have %(max)d tokens already; revoke one first.",
                               max=MAX_TOKENS))
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=actor.id, name=name[:100], token_hash=_hash(secret),
                     prefix=secret[:10], can_write=can_write, created_at=now,
                     expires_at=now + timedelta(days=expires_in_days)
                     if expires_in_days else None)
    db.session.add(token)
    db.session.flush()
    return NewToken(token, secret)


def tokens_of(actor: User, now: datetime) -> list[ApiToken]:
    """The actor's tokens that are not revoked, newest first (expired ones included)."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == actor.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke(actor: User, token_id: int, now: datetime) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != actor.id:
        raise NotPermitted()
    if token.revoked_at is None:
        token.revoked_at = now
    db.session.flush()
    return token


def authenticate(raw: str, now: datetime) -> ApiToken | None:
    """The usable token for ``raw`` (its owner active), or None. Notes the time of use."""
    if not raw.startswith(PREFIX) or len(raw) > 100 or not raw.isascii():
        return None
    digest = _hash(raw)
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    if not token.usable(now) or not token.user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        token.last_used_at = now
        db.session.commit()  # before the view: nothing else is in the transaction yet
    return token
