"""The forms of the account pages (``manage_views``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from eventhub.auth.forms import email_field
from eventhub.auth.models import Role
from eventhub.formtools import Form

ROLE_LABELS = {Role.ADMIN: _l("Admin (everything, every account)"),
               Role.COORDINATOR: _l("Coordinator (every centre, the organizers' accounts)"),
               Role.ORGANIZER: _l("Organizer (one centre's events)")}


class AccountForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)],
                       render_kw={"autocomplete": "off"})
    role = SelectField(_l("Account role"), validators=[DataRequired()])
    organization_id = SelectField(
        _l("Organization"),
        description=_l("Organizers manage the events of this organization only."))

    def set_choices(self, roles, organizations, blank: str) -> None:
        self.role.choices = [(r.value, str(ROLE_LABELS[r])) for r in roles]
        self.organization_id.choices = [("", blank)] + [
            (str(o.id), o.name) for o in organizations]


class InviteForm(AccountForm):
    email = email_field(_l("E-mail address"))


class ConfirmForm(Form):
    """A button that POSTs with a CSRF token."""
