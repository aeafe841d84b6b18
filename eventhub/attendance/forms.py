"""Forms for the check-in list, walk-ins and the import of webinar reports."""
from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from eventhub.formtools import Form
from eventhub.organizations.models import NOT_STATED

ATTENDED, ABSENT = "attended", "absent"
MAX_SELECTED = 5000


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class SearchForm(Form):
    """The check-in list's name search: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    q = StringField(_l("Search by name"), validators=[Optional(), Length(max=200)])


class WalkInForm(Form):
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)],
                             filters=[_strip])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=100)],
                            filters=[_strip])
    email = EmailField(_l("E-mail address (optional)"), filters=[_strip], validators=[
        Optional(), Length(max=254),
        Email(message=_l("Enter an e-mail address like name@example.org."))])
    region_code = SelectField(_l("Region"), validators=[DataRequired()], default=NOT_STATED)


class UploadForm(Form):
    file = FileField(_l("Attendance file"), validators=[
        FileRequired(_l("Choose the file to import."))],
        description=_l("A Zoom webinar attendee report, a Microsoft Teams attendance list or "
                       "a CSV file with the columns name, e-mail and either join and leave "
                       "time or duration (separated by commas or semicolons)."))


def marks_from(form: Mapping) -> tuple[list[int], bool] | None:
    """(registration ids, attended) from the check-in form: one row's button
    (``mark=attended:12``) or a bulk button (``bulk=absent``) with the ticked rows."""
    one = form.get("mark", "")
    if one:
        state, _, registration_id = one.partition(":")
        if state in (ATTENDED, ABSENT) and registration_id.isdigit():
            return [int(registration_id)], state == ATTENDED
        return None
    state = form.get("bulk", "")
    if state not in (ATTENDED, ABSENT):
        return None
    return ids_from(form.getlist("selected")), state == ATTENDED


def ids_from(values: list[str]) -> list[int]:
    return [int(v) for v in values[:MAX_SELECTED] if v.isdigit() and len(v) < 12]
