from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, FileField, SelectField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, Regexp

from eventhub.formtools import Form, WholeNumberField


class CentreForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    short_name = StringField(_l("Short name"), validators=[DataRequired(), Length(max=80)],
                             description=_l("Shown in lists, e.g. “ZZ Sachsen”."))
    region_code = SelectField(_l("Region"), validators=[DataRequired()])
    email = EmailField(_l("Contact e-mail address"), validators=[
        Optional(), Length(max=254),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
               message=_l("Enter an e-mail address like name@example.org."))])
    website = StringField(_l("Website"), validators=[
        Optional(), Length(max=500),
        Regexp(r"^https?://", message=_l("Enter an address like https://example.org.")),
        URL(require_tld=True, message=_l("Enter an address like https://example.org."))])
    address = TextAreaField(_l("Postal address"), validators=[Length(max=1000)],
                            render_kw={"rows": 4})
    sender_name = StringField(
        _l("Sender name of the e-mails"), validators=[Length(max=100)],
        description=_l("Signs the e-mails to the participants of this centre's events; "
                       "empty: the name above."))
    colour = StringField(
        _l("Colour"), validators=[Optional(), Regexp(
            r"^#[0-9a-fA-F]{6}$", message=_l("Enter a colour like #0b5a8a."))],
        description=_l("Shown as an accent beside the centre's name."),
        render_kw={"type": "color"})
    # Admins only (the view removes it for everyone else): the centre's own retention period.
    retention_days = WholeNumberField(
        _l("Retention period (days)"), validators=[Optional(), NumberRange(min=1, max=3650)],
        description=_l("Days after an event's end until its participants' personal data is "
                       "deleted. Leave empty for the installation's default."))
    logo = FileField(_l("Logo"))  # its description names the size limit (views)
    remove_logo = BooleanField(_l("Remove the logo"))


class NewCentreForm(CentreForm):
    slug = StringField(_l("Address part"), validators=[DataRequired(), Length(max=80)],
                       description=_l("Lower-case letters, digits and hyphens, e.g. "
                                      "“zz-sachsen”. It cannot be changed later."))
