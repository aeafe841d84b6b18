"""What is stored about a person for one registration, as plain data (``export``).

Read by the registration's id only, table by table: the registration and its answers, the
attendance recorded, the reminders recorded for them, the e-mails sent or queued to them
(as sent: subject, text, time, outcome), the organizers' messages they were among, and
their certificate's code. Nothing of anybody else: no other registration, no organizer
account, no other person's mail. The link key (part of every signed link, not about the
person) and calendar invitations (the e-mails carry the same) are left out.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from eventhub.attendance.models import Attendance
from eventhub.certificates.models import Certificate
from eventhub.extensions import db
from eventhub.mail import OutboxMessage
from eventhub.messages.models import MessageRecipient, ParticipantMessage
from eventhub.registration.models import Registration
from eventhub.reminders.models import ReminderDelivery, ReminderRule

_FIELDS = ("status", "email", "first_name", "last_name", "organization_name",
           "organization_size", "job_role", "region_code", "language", "source",
           "consent_version", "consented_at", "email_verified_at", "pending_expires_at",
           "confirmed_at", "waitlisted_at", "waitlist_number", "cancelled_at", "created_at",
           "updated_at")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "value"):  # an enum
        return value.value
    return value


def export(registration: Registration, now: datetime) -> dict[str, Any]:
    event = registration.event
    return {
        "exported_at": now.isoformat(),
        "controller": event.organization.name,
        "event": {"title": event.title, "starts_at": event.starts_at.isoformat(),
                  "ends_at": event.ends_at.isoformat(), "timezone": event.timezone},
        "registration": {name: _plain(getattr(registration, name)) for name in _FIELDS},
        "answers": [{"question": answer.question.label, "answer": answer.value}
                    for answer in registration.answers],
        "attendance": _attendance(registration.id),
        "reminders": _reminders(registration.id),
        "emails": _emails(registration.id),
        "messages_from_organizers": _messages(registration.id),
        "certificate": _certificate(registration.id),
    }


def _attendance(registration_id: int) -> dict[str, Any] | None:
    row = db.session.get(Attendance, registration_id)
    if row is None:
        return None
    return {name: _plain(getattr(row, name)) for name in
            ("attended", "minutes", "first_seen_at", "last_seen_at", "source", "updated_at")}


def _reminders(registration_id: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(ReminderRule.kind, ReminderDelivery.due_at, ReminderDelivery.state)
        .join(ReminderRule, ReminderRule.id == ReminderDelivery.rule_id)
        .where(ReminderDelivery.registration_id == registration_id)
        .order_by(ReminderDelivery.due_at)).all()
    return [{"kind": _plain(kind), "due_at": _plain(due), "state": _plain(state)}
            for kind, due, state in rows]


def _emails(registration_id: int) -> list[dict[str, Any]]:
    messages = db.session.scalars(select(OutboxMessage)
                                  .where(OutboxMessage.registration_id == registration_id)
                                  .order_by(OutboxMessage.created_at, OutboxMessage.id))
    return [{"to": m.to_address, "kind": m.kind, "subject": m.subject, "text": m.body_text,
             "language": m.language, "status": _plain(m.status),
             "queued_at": _plain(m.created_at), "sent_at": _plain(m.sent_at)}
            for m in messages]


def _messages(registration_id: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(ParticipantMessage.sent_at, ParticipantMessage.subject_de)
        .join(MessageRecipient, MessageRecipient.message_id == ParticipantMessage.id)
        .where(MessageRecipient.registration_id == registration_id)
        .order_by(ParticipantMessage.sent_at)).all()
    return [{"sent_at": _plain(sent_at), "subject": subject} for sent_at, subject in rows]


def _certificate(registration_id: int) -> dict[str, Any] | None:
    row = db.session.scalar(select(Certificate)
                            .where(Certificate.registration_id == registration_id))
    return None if row is None else {"code": row.code, "issued_at": _plain(row.issued_at)}
