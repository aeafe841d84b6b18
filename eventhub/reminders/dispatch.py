"""The reminder job: record who gets each due reminder, then queue the e-mails.

Each rule is handled in short transactions: one records a delivery row per eligible person
(INSERT … ON CONFLICT DO NOTHING on the unique (rule, registration): recording twice is
harmless), then batches claim scheduled rows (FOR UPDATE SKIP LOCKED on PostgreSQL, and an
UPDATE that repeats ``state = 'scheduled'`` everywhere) and queue their e-mails in the outbox
in the same transaction. A row is 'sent' exactly when its message is in the outbox, so a
crash loses nothing and queues nothing twice; the outbox then delivers with retries, and
skips an e-mail that has lost its point by the time it would go out (``freshness``).

Timing: a reminder is queued at most SCHEDULER_REMINDER_SECONDS after it is due, and the
outbox sends it right after the commit (or at the latest SCHEDULER_MAIL_SECONDS later).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import String, func, literal, select, update

from eventhub.calendar import invites
from eventhub.db import UTCDateTime, for_update, insert_unless_exists
from eventhub.events.models import Event, EventStatus
from eventhub.extensions import db
from eventhub.mail import describe_error
from eventhub.registration import notify
from eventhub.registration.models import Registration, RegistrationStatus
from eventhub.reminders import freshness, mails
from eventhub.reminders.models import DeliveryState, ReminderDelivery, ReminderRule

log = logging.getLogger(__name__)
LOOKBACK = timedelta(days=90)  # rules of events that ended earlier are never looked at


@dataclass
class RunReport:
    queued: int = 0
    skipped: int = 0
    failed: int = 0

    def __bool__(self) -> bool:
        return bool(self.queued or self.skipped or self.failed)


def run(now: datetime) -> RunReport:
    """Handle every due rule; commits as it goes. ``now`` is the injected clock."""
    report = RunReport()
    for rule_id, due in due_rules(now):
        _process(rule_id, due, now, report)
    return report


def due_rules(now: datetime) -> list[tuple[int, datetime]]:
    """(rule id, due time) of active rules of published events that are due and not yet
    processed for that due time. Due times are computed from the event, never stored."""
    rows = db.session.execute(
        select(ReminderRule, Event).join(Event, Event.id == ReminderRule.event_id)
        .where(ReminderRule.active.is_(True), Event.status == EventStatus.PUBLISHED,
               Event.ends_at >= now - LOOKBACK)).all()
    due = [(rule.id, rule.due_at(event)) for rule, event in rows]
    processed = {rule.id: rule.processed_due_at for rule, _ in rows}
    db.session.commit()  # end the read transaction: no snapshot kept across the run
    return [(rule_id, at) for rule_id, at in due if at <= now and processed[rule_id] != at]


def is_stale(rule: ReminderRule, event: Event, due: datetime, now: datetime) -> bool:
    """Pointless by now (``freshness.stale_reason``, which the outbox asks again when it is
    about to send the e-mail)."""
    return freshness.stale_reason(rule.kind, event.starts_at, event.ends_at, due,
                                  now) is not None


def _process(rule_id: int, due: datetime, now: datetime, report: RunReport) -> None:
    rule = db.session.get(ReminderRule, rule_id)
    event = rule.event if rule else None
    if rule is None or event.status is not EventStatus.PUBLISHED or rule.due_at(event) != due:
        db.session.commit()
        return  # changed since we looked: the next run sees it as it is now
    stale = is_stale(rule, event, due, now)
    recorded = _record(rule, event, due, now,
                       DeliveryState.SKIPPED if stale else DeliveryState.SCHEDULED)
    if stale:
        skipped = recorded + _skip_leftovers(rule, now)
        report.skipped += skipped
        log.warning("reminder %s of event %s (due %s) skipped at %s: the event has %s; "
                    "%d deliveries marked skipped", rule.id, event.id, due.isoformat(),
                    now.isoformat(), "ended" if now >= event.ends_at else "started", skipped)
    db.session.commit()
    if not stale:
        batch_size = current_app.config["REMINDER_BATCH_SIZE"]
        while _queue_batch(rule_id, now, batch_size, report) == batch_size:
            pass
    db.session.execute(update(ReminderRule).where(ReminderRule.id == rule_id)
                       .values(processed_due_at=due))
    db.session.commit()


def _record(rule: ReminderRule, event: Event, due: datetime, now: datetime,
            state: DeliveryState) -> int:
    """One row per confirmed participant who was confirmed by the due time (a later
    registration does not get a reminder that was due before it existed)."""
    eligible = select(
        literal(rule.id), Registration.id, literal(state.value, String),
        literal(due, UTCDateTime), literal(now, UTCDateTime),
    ).where(Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            notify.RECEIVES_MAIL,  # walk-ins get no mail, as everywhere
            func.coalesce(Registration.confirmed_at, Registration.created_at) <= due)
    return len(db.session.execute(
        insert_unless_exists(ReminderDelivery, db.session, "rule_id", "registration_id")
        .from_select(["rule_id", "registration_id", "state", "due_at", "updated_at"], eligible)
        .returning(ReminderDelivery.id)).all())


def _skip_leftovers(rule: ReminderRule, now: datetime) -> int:
    result = db.session.execute(
        update(ReminderDelivery)
        .where(ReminderDelivery.rule_id == rule.id,
               ReminderDelivery.state == DeliveryState.SCHEDULED)
        .values(state=DeliveryState.SKIPPED, updated_at=now, last_error="event already started")
        .execution_options(synchronize_session=False))
    return result.rowcount


def _claim(rule_id: int, now: datetime, limit: int) -> list[tuple[int, int]]:
    """(delivery id, registration id) of up to ``limit`` scheduled rows, now ours."""
    candidates = (select(ReminderDelivery.id)
                  .where(ReminderDelivery.rule_id == rule_id,
                         ReminderDelivery.state == DeliveryState.SCHEDULED)
                  .order_by(ReminderDelivery.id).limit(limit))
    ids = db.session.scalars(for_update(candidates, db.session, skip_locked=True)).all()
    if not ids:
        return []
    # Repeats the state condition: a row is ours only if it was still scheduled when written.
    return list(db.session.execute(
        update(ReminderDelivery)
        .where(ReminderDelivery.id.in_(ids), ReminderDelivery.state == DeliveryState.SCHEDULED)
        .values(state=DeliveryState.SENT, updated_at=now)
        .returning(ReminderDelivery.id, ReminderDelivery.registration_id)
        .execution_options(synchronize_session=False)).all())


def _queue_batch(rule_id: int, now: datetime, limit: int, report: RunReport) -> int:
    """Claim a batch and queue its e-mails in the same transaction; returns rows claimed."""
    try:
        claimed = _claim(rule_id, now, limit)
        if not claimed:
            db.session.commit()
            return 0
        rule = db.session.get(ReminderRule, rule_id)
        people = {r.id: r for r in db.session.scalars(
            select(Registration).where(Registration.id.in_([r for _, r in claimed])))}
        batch = invites.InviteBatch(people.values())
        outcomes = [_queue_one(rule, people.get(reg_id), delivery_id, now, report, batch)
                    for delivery_id, reg_id in claimed]
        batch.write()
        db.session.execute(update(ReminderDelivery), outcomes)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return len(claimed)


def _queue_one(rule: ReminderRule, registration: Registration | None, delivery_id: int,
               now: datetime, report: RunReport, batch: invites.InviteBatch) -> dict:
    if registration is None or registration.status is not RegistrationStatus.CONFIRMED \
            or registration.email is None:
        report.skipped += 1
        return {"id": delivery_id, "state": DeliveryState.SKIPPED,
                "last_error": "registration no longer confirmed"}
    try:
        message = mails.queue(rule, registration, now, batch)
    except Exception as exc:  # a template or data problem: recorded, the rest goes on
        log.exception("reminder %s for registration %s failed", rule.id, registration.id)
        report.failed += 1
        return {"id": delivery_id, "state": DeliveryState.FAILED,
                "last_error": describe_error(exc)[:1000]}
    report.queued += 1
    return {"id": delivery_id, "outbox_message_id": message.id}
