"""Reminder test helpers: an event starting at a fixed time, confirmed participants, and
the real SMTP server of the mail tests."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from eventhub.mail import OutboxMessage
from eventhub.registration import services
from eventhub.reminders import services as reminder_services
from eventhub.reminders.models import ReminderDelivery
from tests.mail.conftest import applicant, mail_config, smtp  # noqa: F401  (fixtures)


@pytest.fixture()
def start() -> datetime:
    """The event's start; tests move the injected clock around it."""
    return datetime(2031, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture()
def event(make, start):
    event = make.event(starts_at=start, double_opt_in=False,
                       online_join_url="https://meet.example.org/room-7")
    reminder_services.ensure_default_rules(event)
    return event


@pytest.fixture()
def join(db_session):
    """Register and confirm at ``at`` (the injected clock), as the registration rules do."""
    def _join(event, at: datetime, **kw):
        return services.register(event.id, applicant(**kw), at).registration
    return _join


def reminders(session, to: str | None = None) -> list[OutboxMessage]:
    session.expire_all()
    query = select(OutboxMessage).where(OutboxMessage.kind == "reminder")
    if to is not None:
        query = query.where(OutboxMessage.to_address == to)
    return list(session.scalars(query.order_by(OutboxMessage.id)))


def deliveries(session) -> list[ReminderDelivery]:
    session.expire_all()
    return list(session.scalars(select(ReminderDelivery).order_by(ReminderDelivery.id)))


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
