"""The public registration form, with the organizer's custom questions added per event."""
from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from eventhub.events.forms import MultiCheckboxField
from eventhub.formtools import ChoiceField, Form, PrototypeFields
from eventhub.registration.models import OrganizationSize, Question, QuestionKind

SIZE_LABELS = {
    OrganizationSize.SOLO: _l("Solo self-employed"),
    OrganizationSize.MICRO: _l("1–9 employees"),
    OrganizationSize.SMALL: _l("10–49 employees"),
    OrganizationSize.MEDIUM: _l("50–249 employees"),
    OrganizationSize.LARGE: _l("250 or more employees"),
    OrganizationSize.UNSTATED: _l("not stated"),
}


def size_choices() -> list[tuple[str, str]]:
    """What people choose from; "not stated" is only for walk-ins recorded by organizers."""
    return [(size.value, label) for size, label in SIZE_LABELS.items()
            if size is not OrganizationSize.UNSTATED]


class RegistrationForm(Form):
    class Meta(PrototypeFields):
        """The busiest form of all when an event is announced."""

    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)],
                             render_kw={"autocomplete": "given-name"})
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=100)],
                            render_kw={"autocomplete": "family-name"})
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(), Length(max=254),
        Email(message=_l("Enter an e-mail address like name@example.org."))],
        render_kw={"autocomplete": "email"})
    organization_name = StringField(_l("Organization (optional)"),
                                    validators=[Optional(), Length(max=200)],
                                    render_kw={"autocomplete": "organization"})
    organization_size = ChoiceField(_l("Size of your organization"),
                                    validators=[DataRequired()])
    job_role = StringField(_l("Your role (optional)"), validators=[Optional(), Length(max=200)],
                           render_kw={"autocomplete": "organization-title"})
    region_code = ChoiceField(_l("Where are you based?"), validators=[DataRequired()])
    consent = BooleanField(_l("I have read the privacy notice and agree that my details are "
                              "processed to run this event."),
                           validators=[DataRequired(_l("Please agree to the privacy notice."))])
    # Bots fill every field; people never see this one.
    website = StringField(_l("Leave this field empty"), validators=[Optional()],
                          render_kw={"autocomplete": "off", "tabindex": "-1"})
    started = HiddenField()


class QuestionSpec(NamedTuple):
    """What a question's form field is made of: the key under which its class is cached."""

    id: int
    label: str
    help_text: str
    kind: QuestionKind
    required: bool
    options: tuple[str, ...]

    @classmethod
    def of(cls, question: Question) -> QuestionSpec:
        return cls(question.id, question.label, question.help_text, question.kind,
                   question.required, tuple(question.options))


def question_field(question: Question | QuestionSpec):
    label = question.label
    description = question.help_text
    validators = [InputRequired(_l("Please answer this question."))] if question.required \
        else [Optional()]
    kind = question.kind
    if kind is QuestionKind.SHORT_TEXT:
        return StringField(label, validators=[*validators, Length(max=300)],
                           description=description)
    if kind is QuestionKind.LONG_TEXT:
        return TextAreaField(label, validators=[*validators, Length(max=5000)],
                             description=description)
    choices = [SelectChoice(option) for option in question.options]
    if kind is QuestionKind.SINGLE_CHOICE:
        return RadioField(label, choices=choices, validators=validators,
                          description=description)
    if kind is QuestionKind.MULTIPLE_CHOICE:
        return MultiCheckboxField(label, choices=choices, validators=validators,
                                  description=description)
    required = [DataRequired(_l("Please tick this box."))] if question.required else []
    return BooleanField(label, validators=required or [Optional()], description=description)


def form_for(questions: list[Question], **kwargs) -> RegistrationForm:
    """A RegistrationForm with one field ``q_<id>`` per custom question."""
    return _form_class(tuple(QuestionSpec.of(q) for q in questions))(**kwargs)


@lru_cache(maxsize=512)
def _form_class(questions: tuple[QuestionSpec, ...]) -> type[RegistrationForm]:
    """One class per set of questions, made once: a class is only a template (each form
    binds its own fields), and an edited question is a new key."""
    if not questions:
        return RegistrationForm
    attrs = {f"q_{q.id}": question_field(q) for q in questions}
    return type("EventRegistrationForm", (RegistrationForm,), attrs)


def question_fields(form: RegistrationForm, questions: list[Question]) -> list:
    return [form[f"q_{q.id}"] for q in questions]


class ConfirmForm(Form):
    """A button that POSTs with a CSRF token."""


class EraseForm(Form):
    really = BooleanField(_l("Yes, delete my personal data for this event."),
                          validators=[DataRequired(_l("Please tick the box to confirm."))])
