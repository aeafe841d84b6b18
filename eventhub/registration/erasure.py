"""Erasure: a person's data deleted for real, at their request.

The registration is cancelled first (``lifecycle.cancel``: the event's lock, then the row;
a place given back goes to the waiting list), its unsent e-mails are dropped and the
address is blanked in those sent (``mail.forget_recipient``), and only region,
organization size and status stay, for the statistics. Old links stop working: the
token key is drawn anew.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from eventhub import mail
from eventhub.extensions import db
from eventhub.registration.lifecycle import cancel
from eventhub.registration.models import Registration, new_token_key

# What a registration says about the person; region, organization size, status, source and
# language stay for the statistics.
PERSONAL_FIELDS = ("email", "first_name", "last_name", "organization_name", "job_role")

# Called with the registrations about to be erased, before their data go: what the
# statistics keep of them is written down there (``attendance.people``, above this layer).
BeforeErase = Callable[[Iterable[Registration]], None]
_before_erase: list[BeforeErase] = []


def register_before_erase(hook: BeforeErase) -> None:
    if hook not in _before_erase:
        _before_erase.append(hook)


def before_erase(registrations: list[Registration]) -> None:
    """Let the statistics keep what they keep of these people; every way that erases
    (``erase``, the retention purge) calls this first."""
    for hook in _before_erase:
        hook(registrations)


def erase(registration: Registration, now: datetime) -> None:
    """Delete the person's data for real; keep region, size and status for statistics."""
    cancel(registration, now)
    before_erase([registration])
    mail.forget_recipient(registration.id)
    registration.answers = []
    blank(registration, now)
    db.session.flush()


def blank(registration: Registration, now: datetime) -> None:
    """The personal fields emptied, every link revoked, the erasure noted. The answers, the
    mail and ``before_erase`` are the caller's: ``erase`` takes one person's, the retention purge
    (``eventhub.retention``) an event's all at once, and cancels nobody (the event is over,
    and the statistics count the status)."""
    for name in PERSONAL_FIELDS:
        setattr(registration, name, None)
    registration.token_key = new_token_key()
    registration.erased_at = now
