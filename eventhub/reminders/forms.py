"""The reminder rule form (organizers)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from eventhub.formtools import Form, WholeNumberField
from eventhub.reminders.models import ReminderKind
from eventhub.reminders.services import MAX_OFFSET_MINUTES, RuleData

KIND_LABELS = {
    ReminderKind.BEFORE_START: _l("Before the start"),
    ReminderKind.STARTING_NOW: _l("Starting now"),
    ReminderKind.AFTER_END: _l("Follow-up after the end"),
}


def offset_text(minutes: int) -> str:
    """An offset as people say it, in the page's language: 1440 is "1 Tag", 1560 "1 Tag
    2 Stunden", 30 "30 Minuten" (never "1440 Minuten")."""
    days, rest = divmod(minutes, 24 * 60)
    hours, rest = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(num)d day", "%(num)d days", days))
    if hours:
        parts.append(ngettext("%(num)d hour", "%(num)d hours", hours))
    if rest or not parts:
        parts.append(ngettext("%(num)d minute", "%(num)d minutes", rest))
    return " ".join(parts)


class RuleForm(Form):
    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    offset_minutes = WholeNumberField(
        _l("Minutes before the start or after the end"), default=60,
        validators=[Optional(), NumberRange(min=0, max=MAX_OFFSET_MINUTES)],
        description=_l("1440 minutes are one day. Ignored for “starting now”."))
    message = TextAreaField(_l("Additional text (optional)"),
                            validators=[Optional(), Length(max=5000)],
                            description=_l("For example a link to the slides or the recording."))
    text_attended = TextAreaField(_l("Follow-up text for those who attended (optional)"),
                                  validators=[Optional(), Length(max=5000)])
    text_not_attended = TextAreaField(
        _l("Follow-up text for those who did not attend (optional)"),
        validators=[Optional(), Length(max=5000)])
    active = BooleanField(_l("Active"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, label) for k, label in KIND_LABELS.items()]

    def data_for_service(self) -> RuleData:
        return RuleData(kind=ReminderKind(self.kind.data),
                        offset_minutes=self.offset_minutes.data or 0,
                        message=self.message.data or "",
                        text_attended=self.text_attended.data or "",
                        text_not_attended=self.text_not_attended.data or "",
                        active=bool(self.active.data))
