"""Forms of the token and webhook pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, URLField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from eventhub.formtools import Form, WholeNumberField

ACCESS_CHOICES = [("read", _l("Read only")), ("write", _l("Read and write"))]


class TokenForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)],
                       description=_l("What the token is for, e.g. “newsletter sync”."))
    access = SelectField(_l("Access"), choices=ACCESS_CHOICES, default="read")
    expires_in_days = WholeNumberField(
        _l("Valid for (days)"), validators=[
            Optional(), NumberRange(min=1, max=3650,
                                    message=_l("Enter a number from 1 to 3650."))],
        description=_l("Leave empty for a token without expiry."))


class WebhookForm(Form):
    organization_id = SelectField(_l("Centre"), coerce=int)
    url = URLField(_l("Address (URL)"), validators=[DataRequired(), Length(max=500)],
                   description=_l("Where eventhub sends the events, e.g. "
                                  "https://crm.example.org/hooks/eventhub."))
