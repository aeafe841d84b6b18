"""Rules for an event's custom registration questions (defined by its organizers).

Questions that already have answers may still be changed or deleted; the pages warn how
many answers are affected, and deleting a question deletes its answers. Only the kind
cannot change once answers exist: stored answers are kept in the kind's format (a JSON
list for multiple choice, "yes" for a checkbox) and would no longer fit.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from eventhub import audit
from eventhub.auth.models import User
from eventhub.errors import RuleViolation
from eventhub.events.models import Event
from eventhub.events.services import ensure_can_manage
from eventhub.extensions import db
from eventhub.registration.models import Answer, Question, QuestionKind

CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
MAX_LABEL = 300
MAX_HELP_TEXT = 500
MAX_OPTIONS = 50
MAX_OPTION_LENGTH = 200


@dataclass(frozen=True)
class QuestionData:
    label: str
    kind: QuestionKind
    help_text: str = ""
    required: bool = False
    options: list[str] = field(default_factory=list)


def parse_options(text: str | None) -> list[str]:
    """One option per line; surrounding blanks and empty lines are dropped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _check_options(kind: QuestionKind, options: list[str]) -> None:
    if kind not in CHOICE_KINDS:
        if options:
            raise RuleViolation(_l("Only choice questions have options; leave this empty."),
                                "options")
        return
    if not options:
        raise RuleViolation(_l("Enter at least one option, one per line."), "options")
    if len(options) > MAX_OPTIONS:
        raise RuleViolation(_l("Enter at most %(n)d options.", n=MAX_OPTIONS), "options")
    if any(len(option) > MAX_OPTION_LENGTH for option in options):
        raise RuleViolation(_l("Each option may have at most %(n)d characters.",
                               n=MAX_OPTION_LENGTH), "options")
    folded = [option.casefold() for option in options]
    if len(set(folded)) != len(folded):
        raise RuleViolation(_l("Each option may appear only once."), "options")


def _check(data: QuestionData) -> None:
    if not data.label.strip():
        raise RuleViolation(_l("Enter the question."), "label")
    if len(data.label.strip()) > MAX_LABEL:
        raise RuleViolation(_l("Use at most %(n)d characters.", n=MAX_LABEL), "label")
    if len(data.help_text.strip()) > MAX_HELP_TEXT:
        raise RuleViolation(_l("Use at most %(n)d characters.", n=MAX_HELP_TEXT), "help_text")
    _check_options(data.kind, data.options)


def _apply(question: Question, data: QuestionData) -> None:
    question.label = data.label.strip()
    question.help_text = data.help_text.strip()
    question.kind = data.kind
    question.required = data.required
    question.options = list(data.options) if data.kind in CHOICE_KINDS else []


def _ordered(event: Event) -> list[Question]:
    # By position, not list order: the loaded list is not re-sorted after a move.
    return sorted(event.questions, key=lambda q: (q.position, q.id or 0))


def _renumber(questions: list[Question]) -> None:
    for position, question in enumerate(questions):
        question.position = position


def get_question(event: Event, question_id: int) -> Question | None:
    """The question if it belongs to ``event`` (another event's question is not found)."""
    return next((q for q in event.questions if q.id == question_id), None)


def answer_count(question: Question) -> int:
    return db.session.scalar(select(func.count()).select_from(Answer)
                             .where(Answer.question_id == question.id)) or 0


def answer_counts(event: Event) -> dict[int, int]:
    """Number of stored answers per question id of ``event``."""
    rows = db.session.execute(
        select(Answer.question_id, func.count()).join(Question)
        .where(Question.event_id == event.id).group_by(Answer.question_id))
    return {question_id: n for question_id, n in rows}


def add_question(actor: User, event: Event, data: QuestionData) -> Question:
    ensure_can_manage(actor, event)
    _check(data)
    question = Question(position=len(event.questions))
    _apply(question, data)
    event.questions.append(question)
    _renumber(_ordered(event))
    db.session.flush()
    audit.record(actor, "question.add", event=event, target=("question", question.id),
                 details={"label": question.label})
    return question


def update_question(actor: User, event: Event, question: Question,
                    data: QuestionData) -> Question:
    ensure_can_manage(actor, event)
    _check(data)
    if data.kind is not question.kind and answer_count(question):
        raise RuleViolation(_l("This question has answers already, so its kind cannot "
                               "change. Add a new question instead."), "kind")
    before = audit.snapshot(question, _AUDITED)
    _apply(question, data)
    db.session.flush()
    audit.record(actor, "question.update", event=event, target=("question", question.id),
                 details=audit.changes(before, question))
    return question


_AUDITED = ("label", "help_text", "kind", "required", "options")


def delete_question(actor: User, event: Event, question: Question) -> int:
    """Delete the question and its answers; returns the number of answers deleted."""
    ensure_can_manage(actor, event)
    removed = db.session.execute(
        delete(Answer).where(Answer.question_id == question.id)
        .execution_options(synchronize_session="fetch")).rowcount
    audit.record(actor, "question.delete", event=event, target=("question", question.id),
                 details={"label": question.label, "answers_deleted": removed})
    event.questions.remove(question)
    _renumber(_ordered(event))
    db.session.flush()
    return removed


def move_question(actor: User, event: Event, question: Question, direction: int) -> bool:
    """Swap with the neighbour above (direction < 0) or below; False at either end."""
    ensure_can_manage(actor, event)
    questions = _ordered(event)
    index = questions.index(question)
    other = index + (-1 if direction < 0 else 1)
    if not 0 <= other < len(questions):
        return False
    questions[index], questions[other] = questions[other], questions[index]
    _renumber(questions)
    db.session.flush()
    audit.record(actor, "question.move", event=event, target=("question", question.id),
                 details={"direction": "up" if direction < 0 else "down"})
    return True
