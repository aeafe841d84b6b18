"""Forms for the check-in list, walk-ins, the import of webinar reports and its column
mapping."""
from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from eventhub.attendance import mappings
from eventhub.attendance.mapping import FIELDS, ColumnMapping, roles
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
        description=_l("A Zoom webinar attendee report or meeting participants export, a "
                       "Microsoft Teams attendance report, or a list (CSV or Excel) with "
                       "e-mail addresses and either the time in the session or join and "
                       "leave times."))


_FIELD_HELP = {
    "email": _l("Required: people are matched to registrations by e-mail address only."),
    "name": _l("Or first and last name in two columns."),
    "duration": _l("Minutes, or a time such as 1:05:30 or 1h 5m. Or choose join and leave "
                   "time."),
    "role": _l("A column that says who hosted, presented or attended."),
}


def _column(name: str) -> SelectField:
    return SelectField(mappings.FIELD_LABELS[name], description=_FIELD_HELP.get(name),
                       validate_choice=True, default="")


class MappingForm(Form):
    """Which column holds what: a choice of the file's columns per field. The view sets the
    choices (``with_columns``); anything not offered is refused."""

    email = _column("email")
    name = _column("name")
    first_name = _column("first_name")
    last_name = _column("last_name")
    join = _column("join")
    leave = _column("leave")
    duration = _column("duration")
    role = _column("role")
    excluded_roles = StringField(
        _l("Roles that do not count"), validators=[Optional(), Length(max=1000)],
        filters=[_strip],
        description=_l("Separated by commas, e.g. Host, Organizer. People whose role is one "
                       "of these are listed apart and not counted as participants."))

    def with_columns(self, choices: list[tuple[str, str]]) -> MappingForm:
        for name in FIELDS:
            self[name].choices = [("", _l("— not in the file —")), *choices]
        return self

    def show(self, mapping: ColumnMapping) -> None:
        """Start from ``mapping`` (a page shown, not a form sent)."""
        for name in FIELDS:
            index = mapping.columns.get(name)
            self[name].data = "" if index is None else str(index)
        self.excluded_roles.data = ", ".join(sorted(mapping.excluded_roles))

    def mapping(self, header_line: int) -> ColumnMapping:
        columns = {name: int(self[name].data) for name in FIELDS
                   if (self[name].data or "").isdigit()}
        return ColumnMapping(header_line, columns,
                             roles((self.excluded_roles.data or "").split(",")))

    def validate(self, extra_validators=None) -> bool:
        """The choices, and then whether they can read attendance (each problem at its
        field: all of them at once, not one per attempt)."""
        if not super().validate(extra_validators):
            return False
        found = mappings.problems(self.mapping(1))
        for name, message in found:
            target = self[name] if name else None
            if target is None:
                self.form_errors.append(str(message))
            else:
                target.errors = [*target.errors, str(message)]
        return not found


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
