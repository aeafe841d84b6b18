"""When a reminder has lost its point, asked twice: by the reminder job when the reminder
is due (``dispatch``), and by the outbox just before the e-mail is handed to the server
(``mail.checks``). Between the two an e-mail may wait: for a retry, or for the lease of a
sender that died. A "1 hour before" reminder that would arrive after the start is skipped
then, not sent late; its delivery row says so."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Connection, bindparam, select, update

from eventhub.events.models import Event, EventStatus
from eventhub.extensions import db
from eventhub.mail import OutboxMessage, Verdict
from eventhub.reminders.models import DeliveryState, ReminderDelivery, ReminderKind, ReminderRule


def stale_reason(kind: ReminderKind, starts_at: datetime, ends_at: datetime,
                 due: datetime, now: datetime) -> str | None:
    """Why a reminder is pointless at ``now``, or None: the event has started (or, for
    'starting now', started a while ago), or a follow-up is long overdue."""
    config = current_app.config
    if kind is ReminderKind.BEFORE_START:
        return "the event has started" if now >= starts_at else None
    if kind is ReminderKind.STARTING_NOW:
        minutes = config["REMINDER_STARTING_NOW_GRACE_MINUTES"]
        if now >= ends_at:
            return "the event has ended"
        if now > starts_at + timedelta(minutes=minutes):
            return f"the event started more than {minutes} minutes ago"
        return None
    hours = config["REMINDER_FOLLOWUP_GRACE_HOURS"]
    if now > due + timedelta(hours=hours):
        return f"the follow-up is more than {hours} hours late"
    return None


# What the check needs per message: the event's status (it may have been cancelled since
# the reminder was queued), the rule's kind, the due time the reminder was queued for, and
# the event's times as they are now (moving the event moves the deadline).
_TIMES = (select(ReminderDelivery.outbox_message_id, Event.status, ReminderRule.kind,
                 Event.starts_at, Event.ends_at, ReminderDelivery.due_at)
          .join(ReminderRule, ReminderRule.id == ReminderDelivery.rule_id)
          .join(Event, Event.id == ReminderRule.event_id)
          .where(ReminderDelivery.outbox_message_id.in_(bindparam("ids", expanding=True))))


def load_verdicts(messages: Sequence[OutboxMessage]) -> Verdict:
    """The ``mail.checks`` loader: one query for the reminders of a claimed batch, in a
    short read-only session of its own (on SQLite a deferred one, which takes no write
    lock). A test message from the rules page has no delivery row: it is always sent."""
    with db.session.session_factory() as session:
        connection = session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        times = {row[0]: row[1:] for row in
                 connection.execute(_TIMES, {"ids": [m.id for m in messages]})}

    def verdict(message: OutboxMessage, now: datetime) -> str | None:
        if message.id not in times:
            return None
        status, *rest = times[message.id]
        if status is EventStatus.CANCELLED:
            return "the event has been cancelled"
        return stale_reason(*rest, now)
    return verdict


_deliveries = ReminderDelivery.__table__


def record_skip(connection: Connection, message: OutboxMessage, reason: str,
                now: datetime) -> None:
    """The ``mail.checks`` recorder: the delivery row of a reminder the outbox skipped, in
    the outbox's transaction."""
    connection.execute(update(_deliveries)
                       .where(_deliveries.c.outbox_message_id == message.id)
                       .values(state=DeliveryState.SKIPPED, last_error=reason[:1000],
                               updated_at=now))

