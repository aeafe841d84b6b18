"""The message form (organizers): texts in German and optionally English, the selection."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from eventhub.events.forms import MultiCheckboxField
from eventhub.formtools import Form, region_choices
from eventhub.messages.services import Draft, Selection
from eventhub.registration.models import RegistrationStatus as S

STATUS_LABELS = {S.CONFIRMED: _l("confirmed"), S.PENDING: _l("pending"),
                 S.WAITLISTED: _l("waiting list")}
ATTENDANCE_LABELS = {"any": _l("whether they attended or not"), "attended": _l("attended"),
                     "not_attended": _l("did not attend")}
PLACEHOLDER_HELP = _l("Placeholders: {first_name}, {event_title}, {event_date} (date and "
                      "time in the event's time zone), {personal_link}, {join_link}.")


class MessageForm(Form):
    subject_de = StringField(_l("Subject (German)"),
                             validators=[DataRequired(), Length(max=200)])
    body_de = TextAreaField(_l("Text (German)"), description=PLACEHOLDER_HELP,
                            validators=[DataRequired(), Length(max=20000)])
    subject_en = StringField(_l("Subject (English, optional)"),
                             validators=[Optional(), Length(max=200)])
    body_en = TextAreaField(_l("Text (English, optional)"),
                            description=_l("People who registered in English get this text; "
                                           "without it, everyone gets the German one."),
                            validators=[Optional(), Length(max=20000)])
    statuses = MultiCheckboxField(_l("Registrations"), default=[S.CONFIRMED.value],
                                  validators=[DataRequired(_l("Choose at least one."))])
    attendance = RadioField(_l("Attendance"), default="any",
                            description=_l("Can be chosen once the event is over."))
    regions = MultiCheckboxField(_l("Regions"),
                                 description=_l("None chosen: every region."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.statuses.choices = [(s.value, label) for s, label in STATUS_LABELS.items()]
        self.attendance.choices = list(ATTENDANCE_LABELS.items())
        self.regions.choices = region_choices()

    def draft(self) -> Draft:
        return Draft(subject_de=self.subject_de.data, body_de=self.body_de.data,
                     subject_en=self.subject_en.data or "", body_en=self.body_en.data or "",
                     selection=Selection(statuses=tuple(self.statuses.data or ()),
                                         attendance=self.attendance.data or "any",
                                         regions=tuple(self.regions.data or ())))
