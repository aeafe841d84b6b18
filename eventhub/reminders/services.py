"""Reminder rules: defaults, and what organizers may change (DESIGN.md §3 rule 1)."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from eventhub import audit
from eventhub.errors import RuleViolation
from eventhub.events.models import Event
from eventhub.extensions import db
from eventhub.mail import MessageStatus, OutboxMessage
from eventhub.reminders.models import ReminderDelivery, ReminderKind, ReminderRule

DEFAULT_OFFSETS = (24 * 60, 60)  # 1 day and 1 hour before the start
MAX_OFFSET_MINUTES = 60 * 24 * 60  # 60 days


@dataclass
class RuleData:
    kind: ReminderKind
    offset_minutes: int = 0
    message: str = ""
    text_attended: str = ""
    text_not_attended: str = ""
    active: bool = True


def rules(event: Event) -> list[ReminderRule]:
    return list(db.session.scalars(select(ReminderRule).where(ReminderRule.event_id == event.id)
                                   .order_by(ReminderRule.id)))


def ensure_default_rules(event: Event) -> bool:
    """Give an event its default reminders once; never again after an organizer has
    deleted them (any rule, active or not, counts)."""
    exists = db.session.scalar(select(func.count(ReminderRule.id))
                               .where(ReminderRule.event_id == event.id))
    if exists:
        return False
    for minutes in DEFAULT_OFFSETS:
        db.session.add(ReminderRule(event_id=event.id, kind=ReminderKind.BEFORE_START,
                                    offset_minutes=minutes))
    db.session.flush()
    return True


def copy_rules(source: Event, target: Event) -> None:
    """``source``'s reminders for ``target``, a copy of it: the organizer's choices (kinds,
    offsets, texts, on or off, also having none at all) and nothing of what was sent."""
    for rule in rules(source):
        db.session.add(ReminderRule(
            event_id=target.id, kind=rule.kind, offset_minutes=rule.offset_minutes,
            message=rule.message, text_attended=rule.text_attended,
            text_not_attended=rule.text_not_attended, active=rule.active))
    db.session.flush()


def _check(event_id: int, data: RuleData, rule_id: int | None = None) -> None:
    if not 0 <= data.offset_minutes <= MAX_OFFSET_MINUTES:
        raise RuleViolation(_l("The offset must be between 0 minutes and 60 days."))
    if data.kind is ReminderKind.BEFORE_START and data.offset_minutes == 0:
        raise RuleViolation(_l("Use “starting now” for a reminder at the start."))
    if _same_rule_exists(event_id, data, rule_id):
        # Two equal rules would send everyone the same e-mail twice.
        raise RuleViolation(_l("This event has a reminder of this kind at this time already; "
                               "change that one instead."), "offset_minutes")


def _same_rule_exists(event_id: int, data: RuleData, rule_id: int | None) -> bool:
    offset = 0 if data.kind is ReminderKind.STARTING_NOW else data.offset_minutes
    query = select(ReminderRule.id).where(ReminderRule.event_id == event_id,
                                          ReminderRule.kind == data.kind,
                                          ReminderRule.offset_minutes == offset)
    if rule_id is not None:
        query = query.where(ReminderRule.id != rule_id)
    return db.session.scalar(query.limit(1)) is not None


def _apply(rule: ReminderRule, data: RuleData) -> None:
    rule.kind = data.kind
    rule.offset_minutes = 0 if data.kind is ReminderKind.STARTING_NOW else data.offset_minutes
    rule.message = data.message.strip()
    rule.text_attended = data.text_attended.strip()
    rule.text_not_attended = data.text_not_attended.strip()
    rule.active = data.active


# What the audit trail compares when a rule is edited.
_AUDITED = ("kind", "offset_minutes", "message", "text_attended", "text_not_attended",
            "active")


def add_rule(event: Event, data: RuleData, actor=None) -> ReminderRule:
    """``actor``: the account that adds it, for the audit trail (None: the system)."""
    _check(event.id, data)
    rule = ReminderRule(event_id=event.id)
    _apply(rule, data)
    db.session.add(rule)
    db.session.flush()
    audit.record(actor, "reminder.add", event=event, target=("reminder_rule", rule.id),
                 details=audit.snapshot(rule, _AUDITED))
    return rule


def update_rule(rule: ReminderRule, data: RuleData, actor=None) -> ReminderRule:
    """A changed rule has a new due time: those who got it already are not sent it again
    (one delivery per rule and person), those who have not get it when it is due."""
    _check(rule.event_id, data, rule.id)
    before = audit.snapshot(rule, _AUDITED)
    _apply(rule, data)
    rule.processed_due_at = None
    db.session.flush()
    audit.record(actor, "reminder.update", event=rule.event,
                 target=("reminder_rule", rule.id), details=audit.changes(before, rule))
    return rule


def delete_rule(rule: ReminderRule, actor=None) -> None:
    audit.record(actor, "reminder.delete", event=rule.event,
                 target=("reminder_rule", rule.id), details=audit.snapshot(rule, _AUDITED))
    db.session.delete(rule)
    db.session.flush()


def counts(event: Event) -> dict[int, dict[str, int]]:
    """Per rule: deliveries per state, with 'failed' taken from the outbox's verdict."""
    result: dict[int, dict[str, int]] = {}
    failed = (OutboxMessage.status == MessageStatus.FAILED)
    rows = db.session.execute(
        select(ReminderDelivery.rule_id, ReminderDelivery.state, failed, func.count())
        .join(ReminderRule, ReminderRule.id == ReminderDelivery.rule_id)
        .outerjoin(OutboxMessage, OutboxMessage.id == ReminderDelivery.outbox_message_id)
        .where(ReminderRule.event_id == event.id)
        .group_by(ReminderDelivery.rule_id, ReminderDelivery.state, failed))
    for rule_id, state, is_failed, n in rows:
        bucket = result.setdefault(rule_id, dict.fromkeys(
            ("scheduled", "sent", "failed", "skipped"), 0))
        bucket["failed" if is_failed else state.value] += n
    return result


def last_errors(event: Event) -> dict[int, str]:
    """Per rule: the most recent error, from the delivery record or from its message."""
    rows = db.session.execute(
        select(ReminderDelivery.rule_id,
               func.coalesce(OutboxMessage.last_error, ReminderDelivery.last_error))
        .join(ReminderRule, ReminderRule.id == ReminderDelivery.rule_id)
        .outerjoin(OutboxMessage, OutboxMessage.id == ReminderDelivery.outbox_message_id)
        .where(ReminderRule.event_id == event.id,
               func.coalesce(OutboxMessage.last_error, ReminderDelivery.last_error).is_not(None))
        .order_by(ReminderDelivery.updated_at))
    return {rule_id: error for rule_id, error in rows}
