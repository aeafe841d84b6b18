"""Forms and labels for the organizer's registration list and question pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from eventhub.formtools import Form
from eventhub.registration.models import QuestionKind, RegistrationStatus, Source

STATUS_LABELS = {
    RegistrationStatus.CONFIRMED: _l("confirmed"),
    RegistrationStatus.PENDING: _l("pending"),
    RegistrationStatus.WAITLISTED: _l("waiting list"),
    RegistrationStatus.CANCELLED: _l("cancelled"),
    RegistrationStatus.EXPIRED: _l("expired"),
}
DELETED_LABEL = _l("deleted")
# How a registration came about; walk-ins must stand out: they get no e-mails.
SOURCE_LABELS = {
    Source.FORM: _l("registration form"),
    Source.ORGANIZER: _l("added by the organizers"),
    Source.WALK_IN: _l("walk-in"),
}

KIND_LABELS = {
    QuestionKind.SHORT_TEXT: _l("Short text"),
    QuestionKind.LONG_TEXT: _l("Long text"),
    QuestionKind.SINGLE_CHOICE: _l("Single choice"),
    QuestionKind.MULTIPLE_CHOICE: _l("Multiple choice"),
    QuestionKind.CHECKBOX: _l("Checkbox (yes or no)"),
}

LANGUAGE_LABELS = {"de": _l("German"), "en": _l("English")}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class RegistrationFilterForm(Form):
    """The list's search and status filter: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)],
                    description=_l("Name, e-mail address or organization"))
    status = SelectField(_l("Status"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [("", _l("All")),
                               *((s.value, label) for s, label in STATUS_LABELS.items())]


class AddParticipantForm(Form):
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)],
                             filters=[_strip])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=100)],
                            filters=[_strip])
    email = EmailField(_l("E-mail address"), filters=[_strip], validators=[
        DataRequired(), Length(max=254),
        Email(message=_l("Enter an e-mail address like name@example.org."))])
    organization_name = StringField(_l("Organization (optional)"),
                                    validators=[Optional(), Length(max=200)])
    organization_size = SelectField(_l("Size of the organization"),
                                    validators=[DataRequired()])
    job_role = StringField(_l("Role (optional)"), validators=[Optional(), Length(max=200)])
    region_code = SelectField(_l("Region"), validators=[DataRequired()])
    language = SelectField(_l("Language of the e-mails"), validators=[DataRequired()],
                           default="de")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = list(LANGUAGE_LABELS.items())


class QuestionForm(Form):
    label = StringField(_l("Question"), validators=[DataRequired(), Length(max=300)])
    help_text = StringField(_l("Help text (optional)"),
                            validators=[Optional(), Length(max=500)],
                            description=_l("Shown below the question."))
    kind = SelectField(_l("Kind of answer"), validators=[DataRequired()])
    required = BooleanField(_l("An answer is required"))
    options = TextAreaField(_l("Options"), validators=[Optional(), Length(max=12000)],
                            description=_l("For choice questions only: one option per line, "
                                           "at most 50, each up to 200 characters."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, label) for k, label in KIND_LABELS.items()]
