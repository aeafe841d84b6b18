"""The audit log's filter: a GET form (no CSRF token), so every view of the log has an
address."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, ValidationError

from eventhub import timeutil
from eventhub.formtools import Form
from eventhub.reports.forms import IsoDateField


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    category = SelectField(_l("Kind of entry"), default="")
    organization = SelectField(_l("Organization"), default="")
    since = IsoDateField(_l("From"))
    until = IsoDateField(_l("To (inclusive)"))

    def validate_since(self, field) -> None:
        _check_year(field)

    def validate_until(self, field) -> None:
        _check_year(field)
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end is before the start."))

    def set_choices(self, categories, organizations, all_label: str) -> None:
        self.category.choices = [("", all_label), *categories]
        self.organization.choices = [("", all_label), *organizations]


def _check_year(field) -> None:
    if field.data and not timeutil.FIRST_YEAR <= field.data.year <= timeutil.LAST_YEAR:
        raise ValidationError(_l("Enter a date between the years %(first)d and %(last)d.",
                                 first=timeutil.FIRST_YEAR, last=timeutil.LAST_YEAR))
