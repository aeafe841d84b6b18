"""Erasure: a person's data deleted for real, at their request.

The registration is cancelled first (``lifecycle.cancel``: the event's lock, then the row;
a place given back goes to the waiting list), its unsent e-mails are dropped and the
address is blanked in those sent (``mail.forget_recipient``), and only region,
organization size and status stay, for the statistics. Old links stop working: the
token key is drawn anew.
"""
from __future__ import annotations

from datetime import datetime

from eventhub import mail
from eventhub.extensions import db
from eventhub.registration.lifecycle import cancel
from eventhub.registration.models import Registration, new_token_key


def erase(registration: Registration, now: datetime) -> None:
    """Delete the person's data for real; keep region, size and status for statistics."""
    cancel(registration, now)
    mail.forget_recipient(registration.id)
    for name in ("email", "first_name", "last_name", "organization_name", "job_role"):
        setattr(registration, name, None)
    registration.answers = []
    registration.token_key = new_token_key()
    registration.erased_at = now
    db.session.flush()
