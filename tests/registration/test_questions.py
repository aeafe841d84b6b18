"""Custom question rules on the service directly (eventhub/registration/questions.py)."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from eventhub.auth.models import Role
from eventhub.errors import NotPermitted, RuleViolation
from eventhub.registration import questions
from eventhub.registration.models import Answer, Question, QuestionKind, Registration
from eventhub.registration.models import OrganizationSize as Size
from eventhub.registration.models import RegistrationStatus as S
from eventhub.registration.questions import QuestionData

K = QuestionKind


@pytest.fixture()
def event(make):
    return make.event()


@pytest.fixture()
def organizer(make, event):
    return make.user(organization=event.organization)


def data(**kw) -> QuestionData:
    kw.setdefault("label", "Was erwarten Sie?")
    kw.setdefault("kind", K.SHORT_TEXT)
    return QuestionData(**kw)


def stored(db_session, event) -> list[tuple[str, int, QuestionKind, list[str]]]:
    db_session.expire_all()
    return [(q.label, q.position, q.kind, q.options) for q in db_session.scalars(
        select(Question).where(Question.event_id == event.id).order_by(Question.position))]


def answered(db_session, event, question, *values) -> None:
    """One registration per value, each answering ``question`` with it."""
    for n, value in enumerate(values):
        db_session.add(Registration(
            event_id=event.id, status=S.CONFIRMED, email=f"a{question.id}-{n}@example.org",
            first_name="Erika", last_name="Muster", organization_size=Size.SOLO,
            region_code="DE-SN", answers=[Answer(question_id=question.id, value=value)]))
    db_session.flush()


def answer_total(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Answer))


# --- adding ----------------------------------------------------------------------------

def test_questions_are_added_in_order_with_clean_values(db_session, event, organizer):
    questions.add_question(organizer, event, data(label="  Erwartungen? ", help_text=" kurz "))
    questions.add_question(organizer, event, data(
        label="Themen", kind=K.MULTIPLE_CHOICE, options=["KI", "Recht"], required=True))
    assert stored(db_session, event) == [
        ("Erwartungen?", 0, K.SHORT_TEXT, []),
        ("Themen", 1, K.MULTIPLE_CHOICE, ["KI", "Recht"])]
    first = db_session.scalars(select(Question).where(Question.event_id == event.id)
                               .order_by(Question.position)).first()
    assert (first.help_text, first.required) == ("kurz", False)


def test_parse_options_takes_one_per_line_without_blanks():
    assert questions.parse_options(" KI \r\n\n  Recht\n \nArbeit 4.0 ") == [
        "KI", "Recht", "Arbeit 4.0"]
    assert questions.parse_options(None) == []


@pytest.mark.parametrize("kind, options, message", [
    (K.SINGLE_CHOICE, [], "at least one option"),
    (K.MULTIPLE_CHOICE, [], "at least one option"),
    (K.SHORT_TEXT, ["Ja"], "Only choice questions have options"),
    (K.LONG_TEXT, ["Ja"], "Only choice questions have options"),
    (K.CHECKBOX, ["Ja", "Nein"], "Only choice questions have options"),
    (K.SINGLE_CHOICE, [f"Option {n}" for n in range(51)], "at most 50 options"),
    (K.SINGLE_CHOICE, ["x" * 201], "at most 200 characters"),
    (K.MULTIPLE_CHOICE, ["KI", "Recht", "ki"], "only once"),
])
def test_option_rules(db_session, event, organizer, kind, options, message):
    with pytest.raises(RuleViolation) as refused:
        questions.add_question(organizer, event, data(kind=kind, options=options))
    assert refused.value.field == "options"
    with force_locale("en"):
        assert message in str(refused.value.message)
    assert stored(db_session, event) == []


def test_fifty_options_of_two_hundred_characters_are_fine(db_session, event, organizer):
    options = [f"{n:03d}" + "x" * 197 for n in range(50)]
    questions.add_question(organizer, event, data(kind=K.SINGLE_CHOICE, options=options))
    assert stored(db_session, event)[0][3] == options


@pytest.mark.parametrize("changes, field", [
    ({"label": "   "}, "label"),
    ({"label": "x" * 301}, "label"),
    ({"help_text": "x" * 501}, "help_text"),
])
def test_label_and_help_text_rules(db_session, event, organizer, changes, field):
    with pytest.raises(RuleViolation) as refused:
        questions.add_question(organizer, event, data(**changes))
    assert refused.value.field == field
    assert stored(db_session, event) == []


def test_only_managers_of_the_event_may_change_questions(make, db_session, event, organizer):
    question = questions.add_question(organizer, event, data())
    stranger = make.user()  # organizer of another centre
    for action in (lambda: questions.add_question(stranger, event, data(label="Fremd")),
                   lambda: questions.update_question(stranger, event, question,
                                                     data(label="Fremd")),
                   lambda: questions.delete_question(stranger, event, question),
                   lambda: questions.move_question(stranger, event, question, 1)):
        with pytest.raises(NotPermitted):
            action()
    assert stored(db_session, event) == [("Was erwarten Sie?", 0, K.SHORT_TEXT, [])]
    coordinator = make.user(role=Role.COORDINATOR)
    questions.add_question(coordinator, event, data(label="Vom Zentrum"))
    assert len(stored(db_session, event)) == 2


# --- changing, deleting, reordering ------------------------------------------------------

def test_update_changes_wording_and_drops_options_for_text(db_session, event, organizer):
    question = questions.add_question(organizer, event, data(kind=K.SINGLE_CHOICE,
                                                             options=["Ja", "Nein"]))
    questions.update_question(organizer, event, question,
                              data(label="Neu", kind=K.LONG_TEXT, required=True))
    assert stored(db_session, event) == [("Neu", 0, K.LONG_TEXT, [])]


def test_answered_question_can_change_wording_and_options_but_not_kind(db_session, event,
                                                                      organizer):
    question = questions.add_question(organizer, event, data(kind=K.SINGLE_CHOICE,
                                                             options=["Ja", "Nein"]))
    answered(db_session, event, question, "Ja", "Nein")
    assert questions.answer_count(question) == 2
    questions.update_question(organizer, event, question, data(
        label="Neu?", kind=K.SINGLE_CHOICE, options=["Ja", "Vielleicht"]))
    assert stored(db_session, event) == [("Neu?", 0, K.SINGLE_CHOICE, ["Ja", "Vielleicht"])]
    assert sorted(db_session.scalars(select(Answer.value))) == ["Ja", "Nein"]  # kept as given
    with pytest.raises(RuleViolation) as refused:
        questions.update_question(organizer, event, question, data(kind=K.SHORT_TEXT))
    assert refused.value.field == "kind"


def test_delete_removes_the_answers_and_says_how_many(db_session, event, organizer):
    keep = questions.add_question(organizer, event, data(label="Bleibt"))
    gone = questions.add_question(organizer, event, data(label="Geht"))
    answered(db_session, event, gone, "a", "b", "c")
    answered(db_session, event, keep, "d")
    assert questions.answer_counts(event) == {keep.id: 1, gone.id: 3}
    assert questions.delete_question(organizer, event, gone) == 3
    assert stored(db_session, event) == [("Bleibt", 0, K.SHORT_TEXT, [])]
    assert answer_total(db_session) == 1
    assert db_session.scalar(select(func.count()).select_from(Registration)) == 4


def test_delete_renumbers_the_rest(db_session, event, organizer):
    made = [questions.add_question(organizer, event, data(label=label)) for label in "ABC"]
    assert questions.delete_question(organizer, event, made[0]) == 0
    assert [(label, pos) for label, pos, _, _ in stored(db_session, event)] == [
        ("B", 0), ("C", 1)]


def test_move_swaps_with_the_neighbour_and_stops_at_the_ends(db_session, event, organizer):
    a, b, c = (questions.add_question(organizer, event, data(label=label)) for label in "ABC")
    # Several moves in one session: the loaded list keeps its order, positions change.
    assert questions.move_question(organizer, event, c, -1)
    assert questions.move_question(organizer, event, c, -1)
    assert not questions.move_question(organizer, event, c, -1)
    assert questions.move_question(organizer, event, a, 1)
    assert not questions.move_question(organizer, event, a, 1)
    questions.add_question(organizer, event, data(label="D"))
    assert [(s[0], s[1]) for s in stored(db_session, event)] == [
        ("C", 0), ("B", 1), ("A", 2), ("D", 3)]


def test_get_question_finds_only_the_events_own(make, event, organizer):
    question = questions.add_question(organizer, event, data())
    other = make.event()
    assert questions.get_question(event, question.id) is question
    assert questions.get_question(other, question.id) is None


# --- the registration form's class -------------------------------------------------------

def test_the_form_class_is_made_once_per_set_of_questions_and_follows_edits(
        app, db_session, event, organizer):
    from eventhub.registration import forms

    questions.add_question(organizer, event, data(label="Erwartungen?"))
    db_session.expire_all()
    with app.test_request_context(method="POST"):
        first, again = forms.form_for(event.questions), forms.form_for(event.questions)
        assert type(first) is type(again)
        assert first[f"q_{event.questions[0].id}"].label.text == "Erwartungen?"
        event.questions[0].label = "Was erwarten Sie?"
        edited = forms.form_for(event.questions)
        assert type(edited) is not type(first)
        assert edited[f"q_{event.questions[0].id}"].label.text == "Was erwarten Sie?"
        assert type(forms.form_for([])) is forms.RegistrationForm
