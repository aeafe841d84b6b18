"""Forms for the public event filter and the organizer's event, agenda and speaker pages."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
    widgets,
)
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from eventhub import timeutil
from eventhub.events.models import EventFormat
from eventhub.formtools import Form, LocalDateTimeField, WholeNumberField

FORMAT_LABELS = {
    EventFormat.ONLINE_TALK: _l("Online talk"),
    EventFormat.WEBINAR: _l("Webinar"),
    EventFormat.WORKSHOP: _l("Workshop"),
    EventFormat.HYBRID: _l("Hybrid (online and on site)"),
}


def format_choices() -> list[tuple[str, str]]:
    return [(f.value, label) for f, label in FORMAT_LABELS.items()]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


MONTH = re.compile(r"2[01]\d\d-(0[1-9]|1[0-2])\Z")  # Regexp uses match()


class EventFilterForm(Form):
    """The public list's filter: a GET form, so no CSRF token. Values are stripped: a
    value of only spaces or line breaks means "no filter", as an empty one does."""

    class Meta:
        csrf = False

    region = SelectField(_l("Region"), validators=[Optional()], filters=[_stripped])
    organization = SelectField(_l("Organizer"), validators=[Optional()], filters=[_stripped])
    format = SelectField(_l("Format"), validators=[Optional()], filters=[_stripped])
    # The months that have events (set by the view); a well-formed month without events
    # (an old link) is kept as a choice and finds nothing.
    month = SelectField(_l("Month"), filters=[_stripped], validate_choice=False, validators=[
        Optional(), Regexp(MONTH, message=_l("Choose a month from the list."))])


class EventForm(Form):
    organization_id = SelectField(_l("Organization"), coerce=int,
                                  validators=[InputRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Web address (optional)"), validators=[
        Optional(), Length(max=80),
        Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
               message=_l("Use lower-case letters, digits and hyphens only."))],
        description=_l("Part of the event's address; leave empty to derive it from the title."))
    format = SelectField(_l("Format"), validators=[DataRequired()])
    summary = TextAreaField(_l("Short description"), validators=[Optional(), Length(max=500)],
                            description=_l("One or two sentences for lists and calendars."))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    starts_local = LocalDateTimeField(_l("Start"), validators=[InputRequired()])
    ends_local = LocalDateTimeField(_l("End"), validators=[InputRequired()])
    timezone = SelectField(_l("Time zone"), validators=[DataRequired()],
                           default="Europe/Berlin")
    online_join_url = URLField(_l("Online join link"), validators=[
        Optional(), Length(max=1000),
        URL(require_tld=False, message=_l("Enter a full address starting with https://.")),
        Regexp(r"^https?://", flags=re.IGNORECASE,
               message=_l("Enter a full address starting with https://."))],
        description=_l("Only sent to confirmed participants; never shown publicly."))
    venue = StringField(_l("Venue (for hybrid events)"), validators=[Optional(),
                                                                     Length(max=500)])
    capacity = WholeNumberField(_l("Capacity"), validators=[
        Optional(), NumberRange(min=1, max=1_000_000,
                                message=_l("Enter a number from 1 to 1,000,000."))],
        description=_l("Leave empty for no limit."))
    registration_opens_local = LocalDateTimeField(_l("Registration opens"),
                                                  validators=[Optional()])
    registration_closes_local = LocalDateTimeField(_l("Registration closes"),
                                                   validators=[Optional()])
    double_opt_in = BooleanField(
        _l("Registrations must confirm their e-mail address (double opt-in)"), default=True,
        description=_l("Recommended: a registration holds its place only once the address "
                       "is confirmed through the link in the e-mail."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.format.choices = format_choices()
        self.timezone.choices = [(z, z) for z in timeutil.common_zones()]


class AgendaItemForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    starts_local = LocalDateTimeField(_l("Start"), validators=[InputRequired()])
    ends_local = LocalDateTimeField(_l("End"), validators=[InputRequired()])
    speaker_ids = MultiCheckboxField(_l("Speakers"), coerce=int, validators=[Optional()])


class SpeakerForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = StringField(_l("Role or job title"), validators=[Optional(), Length(max=200)])
    organization_name = StringField(_l("Organization"), validators=[Optional(),
                                                                    Length(max=200)])
    region_code = SelectField(_l("Region"), validators=[DataRequired()])
    bio = TextAreaField(_l("Short bio or statement"), validators=[Optional(),
                                                                 Length(max=3000)])


class DuplicateForm(Form):
    """The copy's title and start; the rest is copied (eventhub.events.copies)."""

    title = StringField(_l("Title of the copy"), validators=[DataRequired(), Length(max=200)])
    starts_local = LocalDateTimeField(
        _l("Start of the copy"), validators=[InputRequired()],
        description=_l("In the event's time zone. The end, the agenda and the registration "
                       "period move with the start."))


class ConfirmForm(Form):
    """An empty form: a button that POSTs with a CSRF token."""
