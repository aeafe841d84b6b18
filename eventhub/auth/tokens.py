"""Signed, expiring, single-use links for accounts: the invitation and the password reset.

A link names the account and carries a fingerprint of its current password hash. Setting a
password changes the hash, so a link works once: the second use finds another fingerprint
(and so does every older link, such as a reset link sent before a later one was used).
Each purpose has its own salt: an invitation link is no reset link.
"""
from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from eventhub import timeutil
from eventhub.auth.models import User
from eventhub.extensions import db
from eventhub.inputguard import MAX_ID

INVITE = "invite"
RESET = "reset"


class InvalidToken(Exception):
    def __init__(self, reason: str) -> None:  # "expired" or "invalid" (also: used)
        super().__init__(reason)
        self.reason = reason


class _Signer(TimestampSigner):
    """Time stamps from the app's clock (``timeutil``), for signing and for the age."""

    def get_timestamp(self) -> int:
        return int(timeutil.utcnow().timestamp())


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"],
                                  salt=f"eventhub.auth.{purpose}", signer=_Signer)


def max_age_seconds(purpose: str) -> int:
    if purpose == INVITE:
        return int(current_app.config["ACCOUNT_INVITATION_DAYS"]) * 86400
    return int(current_app.config["PASSWORD_RESET_MINUTES"]) * 60


def _fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.id}:{user.password_hash}".encode()).hexdigest()[:32]


def make(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps([user.id, _fingerprint(user)])


def load(token: str, purpose: str) -> User:
    """The account the link names; InvalidToken if forged, expired, used or the account is
    deactivated (or, for an invitation, already activated)."""
    try:
        user_id, fingerprint = _serializer(purpose).loads(token,
                                                          max_age=max_age_seconds(purpose))
    except SignatureExpired:
        raise InvalidToken("expired") from None
    except (BadSignature, ValueError, TypeError):
        raise InvalidToken("invalid") from None
    if type(user_id) is not int or not 0 < user_id <= MAX_ID or \
            not isinstance(fingerprint, str):
        raise InvalidToken("invalid")
    user = db.session.scalar(select(User).where(User.id == user_id))
    if user is None or not user.active or _fingerprint(user) != fingerprint:
        raise InvalidToken("invalid")
    if (purpose == INVITE) != user.invitation_pending:
        raise InvalidToken("invalid")
    return user
