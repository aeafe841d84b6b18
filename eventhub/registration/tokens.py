"""Signed, expiring links for participants: no login, nothing guessable.

A token names the registration and carries its ``token_key``; replacing the key (after
erasure, say) revokes every link sent so far. Each purpose has its own salt, so a
personal-page link cannot be used as a confirmation link.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from eventhub import timeutil
from eventhub.extensions import db
from eventhub.inputguard import MAX_ID
from eventhub.registration.models import Registration

CONFIRM = "confirm"
MANAGE = "manage"
JOIN = "join"  # the personal join link /j/<token> (``eventhub.attendance.tokens``)


class InvalidToken(Exception):
    def __init__(self, reason: str) -> None:  # "expired" or "invalid"
        super().__init__(reason)
        self.reason = reason


class _Signer(TimestampSigner):
    """Time stamps from the app's clock (``timeutil``), like every other time, both when
    signing and when checking a link's age; or a given one (``at``, see ``make``)."""

    def __init__(self, *args, at: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._at = at

    def get_timestamp(self) -> int:
        return self._at if self._at is not None else int(timeutil.utcnow().timestamp())


def _serializer(purpose: str, issued_at: datetime | None = None) -> URLSafeTimedSerializer:
    at = None if issued_at is None else int(issued_at.timestamp())
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"],
                                  salt=f"eventhub.registration.{purpose}", signer=_Signer,
                                  signer_kwargs={"at": at})


def _max_age(purpose: str) -> int:
    if purpose == CONFIRM:
        return int(current_app.config["REGISTRATION_CONFIRM_HOURS"]) * 3600
    return int(current_app.config["PERSONAL_LINK_MAX_AGE_DAYS"]) * 86400


def make(registration: Registration, purpose: str, *,
         issued_at: datetime | None = None) -> str:
    """``issued_at``: the link's time stamp (its age counts from it) instead of now; the
    same instant gives the same link, as a stored message sent again must carry."""
    return _serializer(purpose, issued_at).dumps([registration.id, registration.token_key])


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
