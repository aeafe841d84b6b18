"""Who may register, and with what: the checks of registering, the same on every path.

Both ways of writing a turn (the general path, ``services.register_all``, and its
pipelined variant on PostgreSQL, ``services._register_new``) apply these rules, in
Python, to the event as they read it: the ORM's ``Event`` on the general path, the plain
``pipelined.EventRow`` on the other. Nothing here reads or writes the database, so a rule
cannot differ between the two paths.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l

from eventhub.errors import RuleViolation
from eventhub.events.models import Event, EventStatus
from eventhub.organizations import regions
from eventhub.registration import pipelined
from eventhub.registration.models import Answer, OrganizationSize, Question, QuestionKind

# Organizers may add people before registration opens or after it has closed.
ORGANIZER_MAY_OVERRIDE = ("not_yet", "closed")


class RegistrationClosed(Exception):
    """Registration is not possible; ``reason`` says why (for the message shown)."""

    def __init__(self, reason: str) -> None:  # not_found, cancelled, past, not_yet, closed
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Applicant:
    email: str
    first_name: str
    last_name: str
    organization_size: OrganizationSize
    region_code: str
    organization_name: str = ""
    job_role: str = ""
    language: str = "de"
    consent: bool = False
    consent_version: str | None = None  # the privacy policy's version when consenting
    answers: dict[int, str | list[str] | bool] = field(default_factory=dict)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def closed_reason(event: Event, now: datetime) -> str | None:
    """Why nobody can register now, or None if registration is open."""
    if event.status is EventStatus.DRAFT:
        return "not_found"
    if event.status is EventStatus.CANCELLED:
        return "cancelled"
    if event.ends_at <= now:
        return "past"
    if event.registration_opens_at and now < event.registration_opens_at:
        return "not_yet"
    if event.registration_closes_at and now >= event.registration_closes_at:
        return "closed"
    return None


def refused_if_closed(event: Event | pipelined.EventRow | None, now: datetime, source: str,
                      count: int) -> list[RegistrationClosed] | None:
    """If nobody can register now, a RegistrationClosed for each of ``count`` applicants
    (one each: each may be raised in its own thread); None if registration is open."""
    reason = "not_found" if event is None else closed_reason(event, now)
    if reason is None or source == "organizer" and reason in ORGANIZER_MAY_OVERRIDE:
        return None
    return [RegistrationClosed(reason) for _ in range(count)]


def check_applicant(event: Event | pipelined.EventRow, applicant: Applicant,
                    source: str) -> list[Answer]:
    """The applicant's answers, checked; raises the RuleViolation that refuses them."""
    if not regions.exists(applicant.region_code):
        raise RuleViolation(_l("Choose a region from the list."), "region_code")
    if source == "form" and not applicant.consent:
        raise RuleViolation(_l("Please agree to the privacy notice."), "consent")
    return _answers(event, applicant.answers)


def _answers(event: Event | pipelined.EventRow,
             given: dict[int, str | list[str] | bool]) -> list[Answer]:
    answers = []
    for question in event.questions:
        value = _answer_value(question, given.get(question.id))
        if value:
            answers.append(Answer(question_id=question.id, value=value))
        elif question.required:
            raise RuleViolation(_l("Please answer this question."), f"q_{question.id}")
    return answers


def _answer_value(question: Question, raw) -> str:
    field_name = f"q_{question.id}"
    if question.kind is QuestionKind.CHECKBOX:
        return "yes" if raw is True or raw in ("y", "yes", "on", "1") else ""
    if question.kind is QuestionKind.MULTIPLE_CHOICE:
        chosen = [raw] if isinstance(raw, str) else list(raw or [])
        if any(c not in question.options for c in chosen):
            raise RuleViolation(_l("Choose from the options given."), field_name)
        return json.dumps(chosen, ensure_ascii=False) if chosen else ""
    text = (raw or "").strip() if isinstance(raw, str) else ""
    if question.kind is QuestionKind.SINGLE_CHOICE and text and text not in question.options:
        raise RuleViolation(_l("Choose from the options given."), field_name)
    limit = 5000 if question.kind is QuestionKind.LONG_TEXT else 300
    if len(text) > limit:
        raise RuleViolation(_l("Please shorten your answer to %(n)d characters.", n=limit),
                            field_name)
    return text
