"""The rules of organizers' messages: who gets one, what the placeholders become, sending.

Recipients are chosen by status (confirmed, pending, waiting list), by attendance (after
the event) and by region; walk-ins and erased registrations never are, whatever the
selection. The organizer's text is data, never a template: placeholders are replaced by
plain values (``fill``), which the e-mail templates escape like any other value; a line
break in a value becomes a space, so no value can add a header or a line of its own to a
subject.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, insert, select

from eventhub import i18n, mail
from eventhub.attendance.models import WALK_IN, Attendance
from eventhub.auth.models import User
from eventhub.errors import RuleViolation
from eventhub.events.models import Event
from eventhub.extensions import db
from eventhub.mail import MessageStatus, OutboxMessage
from eventhub.messages.models import KIND, MessageRecipient, ParticipantMessage
from eventhub.registration import personal_links
from eventhub.registration.models import Registration, RegistrationStatus

STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING,
            RegistrationStatus.WAITLISTED)
ATTENDANCE = ("any", "attended", "not_attended")
PLACEHOLDERS = ("first_name", "event_title", "event_date", "personal_link", "join_link")
_PLACEHOLDER = re.compile(r"\{([^{}\s]{1,40})\}")
_BREAKS = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


@dataclass(frozen=True)
class Selection:
    statuses: tuple[str, ...] = (RegistrationStatus.CONFIRMED.value,)
    attendance: str = "any"
    regions: tuple[str, ...] = ()  # none: every region

    def to_json(self) -> dict:
        return {"statuses": list(self.statuses), "attendance": self.attendance,
                "regions": list(self.regions)}


@dataclass(frozen=True)
class Draft:
    subject_de: str
    body_de: str
    subject_en: str = ""
    body_en: str = ""
    selection: Selection = field(default_factory=Selection)


def check(event: Event, draft: Draft, now: datetime) -> None:
    """Refuse what cannot be sent: unknown placeholders, half an English text, an
    attendance filter before the event is over."""
    for name in ("subject_de", "body_de", "subject_en", "body_en"):
        unknown = sorted({m for m in _PLACEHOLDER.findall(getattr(draft, name))
                          if m not in PLACEHOLDERS})
        if unknown:
            raise RuleViolation(_l("Unknown placeholder: %(names)s. Use %(known)s.",
                                   names=", ".join(f"{{{n}}}" for n in unknown),
                                   known=", ".join(f"{{{n}}}" for n in PLACEHOLDERS)), name)
    if bool(draft.subject_en.strip()) != bool(draft.body_en.strip()):
        raise RuleViolation(_l("Give the English subject and text both, or neither."),
                            "body_en" if draft.subject_en.strip() else "subject_en")
    if draft.selection.attendance != "any" and event.ends_at > now:
        raise RuleViolation(_l("Attendance can be chosen once the event is over."),
                            "attendance")


def recipients(event: Event, selection: Selection) -> Select:
    """The registrations a message with ``selection`` goes to, in order."""
    query = select(Registration).where(
        Registration.event_id == event.id,
        Registration.status.in_([RegistrationStatus(s) for s in selection.statuses]),
        Registration.source != WALK_IN, Registration.erased_at.is_(None),
        Registration.email.is_not(None))
    if selection.regions:
        query = query.where(Registration.region_code.in_(selection.regions))
    if selection.attendance != "any":
        attended = select(Attendance.registration_id).where(
            Attendance.registration_id == Registration.id, Attendance.attended.is_(True))
        query = query.where(attended.exists() if selection.attendance == "attended"
                            else ~attended.exists())
    return query.order_by(Registration.id)


def count(event: Event, selection: Selection) -> int:
    return db.session.scalar(select(func.count()).select_from(
        recipients(event, selection).subquery()))


def first_recipient(event: Event, selection: Selection) -> Registration | None:
    return db.session.scalars(recipients(event, selection).limit(1)).first()


def _clean(value: str) -> str:
    return " ".join(_BREAKS.sub(" ", value).split())


def values(registration: Registration, event: Event, *, preview: bool = False) -> dict:
    """What each placeholder becomes for ``registration``, in its language. In a preview
    the links are shown as what they are, not as working links."""
    with force_locale(registration.language):
        date = i18n.localtime(event.starts_at, event.timezone, "datetime")
    join = personal_links.join_url(registration) if event.join_url else ""
    manage = personal_links.manage_url(registration)
    if preview:
        join, manage = ("…/j/…" if join else ""), "…/anmeldung/…"
    return {"first_name": _clean(registration.first_name or ""),
            "event_title": _clean(event.title), "event_date": _clean(date),
            "personal_link": manage, "join_link": join}


def fill(text: str, placeholders: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: placeholders.get(m.group(1), m.group(0)), text)


def texts(message: ParticipantMessage | Draft, language: str) -> tuple[str, str]:
    """Subject and text in ``language``: English where given, German otherwise."""
    if language == "en" and message.subject_en.strip():
        return message.subject_en, message.body_en
    return message.subject_de, message.body_de


def context(message: ParticipantMessage | Draft, event: Event, registration: Registration,
            *, preview: bool = False) -> dict:
    """The e-mail templates' context for one person."""
    subject, body = texts(message, registration.language)
    placeholders = values(registration, event, preview=preview)
    return {"event": event, "registration": registration,
            "subject": _clean(fill(subject, placeholders)), "body": fill(body, placeholders),
            "manage_url": placeholders["personal_link"]}


def send(event: Event, draft: Draft, actor: User, now: datetime) -> ParticipantMessage:
    """Store the message and queue one e-mail per recipient in this transaction (the
    outbox sends them after the commit); each is rendered by the sender, in the person's
    language."""
    check(event, draft, now)
    people = db.session.execute(
        recipients(event, draft.selection).with_only_columns(
            Registration.id, Registration.email, Registration.language)).all()
    if not people:
        raise RuleViolation(_l("Nobody matches this selection."), "statuses")
    message = ParticipantMessage(
        event_id=event.id, subject_de=draft.subject_de, body_de=draft.body_de,
        subject_en=draft.subject_en, body_en=draft.body_en,
        selection=draft.selection.to_json(), sent_at=now, sent_by_id=actor.id,
        recipient_count=len(people))
    db.session.add(message)
    db.session.flush()
    rows = mail.unrendered_rows((mail.Unrendered(to=email, kind=KIND, language=language,
                                                 registration_id=rid)
                                 for rid, email, language in people), now)
    queued = db.session.execute(insert(OutboxMessage.__table__).returning(
        OutboxMessage.__table__.c.id, OutboxMessage.__table__.c.registration_id), rows).all()
    db.session.execute(insert(MessageRecipient.__table__), [
        {"message_id": message.id, "registration_id": rid, "outbox_message_id": oid}
        for oid, rid in queued])
    return message


def sample(event: Event, actor: User, language: str) -> Registration:
    """An unsaved stand-in for the test to oneself: its links lead nowhere."""
    return Registration(id=0, event=event, event_id=event.id, email=actor.email,
                        first_name=actor.name, last_name="", language=language,
                        token_key="preview", region_code="UNSTATED")


def send_test(event: Event, draft: Draft, actor: User, language: str,
              now: datetime) -> OutboxMessage:
    check(event, draft, now)
    return mail.queue(actor.email, KIND, context(draft, event, sample(event, actor, language)),
                      language=language, now=now)


def sent(event: Event) -> list[tuple[ParticipantMessage, dict[str, int]]]:
    """The event's messages, newest first, with delivered / pending / failed counts (an
    e-mail deleted since, by erasure or the retention purge, counts as none of them)."""
    messages = db.session.scalars(select(ParticipantMessage)
                                  .where(ParticipantMessage.event_id == event.id)
                                  .order_by(ParticipantMessage.sent_at.desc(),
                                            ParticipantMessage.id.desc())).all()
    rows = db.session.execute(
        select(MessageRecipient.message_id, OutboxMessage.status, func.count())
        .join(OutboxMessage, and_(OutboxMessage.id == MessageRecipient.outbox_message_id))
        .where(MessageRecipient.message_id.in_([m.id for m in messages]))
        .group_by(MessageRecipient.message_id, OutboxMessage.status)).all()
    counts = {m.id: {"delivered": 0, "pending": 0, "failed": 0} for m in messages}
    for message_id, status, n in rows:
        counts[message_id][_BUCKET[status]] += n
    return [(m, counts[m.id]) for m in messages]


_BUCKET = {MessageStatus.SENT: "delivered", MessageStatus.QUEUED: "pending",
           MessageStatus.SENDING: "pending", MessageStatus.FAILED: "failed",
           MessageStatus.SKIPPED: "failed"}
