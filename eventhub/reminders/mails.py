"""The reminder e-mail: personal join link, the event's time in its zone, the current
calendar invitation; in the language the person registered in."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from eventhub import links, mail
from eventhub.attendance import tokens as join_tokens
from eventhub.attendance.models import Attendance
from eventhub.calendar import invites
from eventhub.certificates import services as certificates
from eventhub.extensions import db
from eventhub.registration import tokens
from eventhub.registration.models import Registration
from eventhub.reminders import freshness
from eventhub.reminders.models import ReminderKind, ReminderRule

TEMPLATE = "reminder"


def _follow_up_text(rule: ReminderRule, registration: Registration) -> str:
    if rule.kind is not ReminderKind.AFTER_END or registration.id is None:
        return ""
    attended = db.session.scalar(select(Attendance.attended)
                                 .where(Attendance.registration_id == registration.id))
    if attended is True:
        return rule.text_attended
    if attended is False:
        return rule.text_not_attended
    return ""  # attendance not known (yet): the general text only


def context(rule: ReminderRule, registration: Registration) -> dict:
    event = rule.event
    return {
        "rule": rule, "event": event, "registration": registration,
        "kinds": ReminderKind,
        "join_url": join_tokens.join_url(registration) if event.join_url else None,
        "manage_url": links.external_url("registration.personal",
                                         token=tokens.make(registration, tokens.MANAGE)),
        "event_url": links.external_url("events.detail", slug=event.slug),
        "follow_up_text": _follow_up_text(rule, registration),
        "certificate_url": _certificate_url(rule, registration),
    }


def _certificate_url(rule: ReminderRule, registration: Registration) -> str | None:
    """The follow-up for attendees links their certificate, where the event issues them."""
    if rule.kind is not ReminderKind.AFTER_END or not registration.id or \
            not certificates.eligible(registration):
        return None
    return links.external_url("certificates.download",
                              token=tokens.make(registration, tokens.MANAGE),
                              lang=registration.language)


def queue(rule: ReminderRule, registration: Registration, now: datetime,
          batch: invites.InviteBatch | None = None) -> mail.OutboxMessage:
    """``batch``: the invitations of the reminders queued in the same transaction."""
    message = mail.queue(registration.email, TEMPLATE, context(rule, registration),
                         language=registration.language, now=now,
                         registration_id=registration.id)
    if rule.kind is not ReminderKind.AFTER_END:  # after the end, no calendar entry to update
        invites.attach(message, registration, now, batch)
    return message


def sample_registration(rule: ReminderRule, name: str, email: str,
                        language: str) -> Registration:
    """An unsaved stand-in for previews and tests: its links lead nowhere."""
    return Registration(id=0, event_id=rule.event_id, email=email,
                        first_name=name, last_name="", language=language,
                        token_key="preview", region_code="DE-SN")


def queue_test(rule: ReminderRule, to: str, name: str, language: str,
               now: datetime) -> mail.OutboxMessage:
    registration = sample_registration(rule, name, to, language)
    return mail.queue(to, TEMPLATE, context(rule, registration), language=language, now=now)


# Checked again just before sending: a reminder that waited too long is skipped.
mail.register_send_check(TEMPLATE, freshness.load_verdicts, freshness.record_skip)
