"""Signed, expiring links for participants: no login, nothing guessable.

A token names the registration and carries its ``token_key``; replacing the key (after
erasure, say) revokes every link sent so far. Each purpose has its own salt, so a
personal-page link cannot be used as a confirmation link.
"""
from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from eventhub.extensions import db
from eventhub.inputguard import MAX_ID
from eventhub.registration.models import Registration

CONFIRM = "confirm"
MANAGE = "manage"


class InvalidToken(Exception):
    def __init__(self, reason: str) -> None:  # "expired" or "invalid"
        super().__init__(reason)
        self.reason = reason


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"],
                                  salt=f"eventhub.registration.{purpose}")


def _max_age(purpose: str) -> int:
    if purpose == CONFIRM:
        return int(current_app.config["REGISTRATION_CONFIRM_HOURS"]) * 3600
    return int(current_app.config["PERSONAL_LINK_MAX_AGE_DAYS"]) * 86400


def make(registration: Registration, purpose: str) -> str:
    return _serializer(purpose).dumps([registration.id, registration.token_key])


def load(token: str, purpose: str) -> Registration:
    """The registration the token names; InvalidToken if forged, expired or revoked."""
    try:
        registration_id, key = _serializer(purpose).loads(token, max_age=_max_age(purpose))
    except SignatureExpired:
        raise InvalidToken("expired") from None
    except (BadSignature, ValueError, TypeError):
        raise InvalidToken("invalid") from None
    # A correctly signed token may still carry anything JSON can (a key leaked, a token
    # of another version): only an id the database can hold is looked up.
    if type(registration_id) is not int or not 0 < registration_id <= MAX_ID or \
            not isinstance(key, str):
        raise InvalidToken("invalid")
    registration = db.session.scalar(select(Registration)
                                     .where(Registration.id == registration_id))
    if registration is None or registration.token_key != key or \
            registration.erased_at is not None:
        raise InvalidToken("invalid")
    return registration
