"""The personal join link ``/j/<token>``.

Signed like every other participant link (``eventhub.registration.tokens``): the token names
the registration and carries its ``token_key``, so re-registering or erasing revokes it, and
the purpose "join" has its own salt, so a join link is no personal-page link and vice versa.
"""
from __future__ import annotations

from eventhub import links
from eventhub.registration import tokens
from eventhub.registration.models import Registration

JOIN = tokens.JOIN
InvalidToken = tokens.InvalidToken


def make(registration: Registration) -> str:
    return tokens.make(registration, JOIN)


def load(token: str) -> Registration:
    """The registration; InvalidToken("invalid"/"expired") if forged, expired or revoked."""
    return tokens.load(token, JOIN)


def join_url(registration: Registration) -> str:
    """The absolute personal join link, for invitations, reminders and calendar files."""
    return links.external_url("attendance.join", token=make(registration))
