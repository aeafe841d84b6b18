"""The report's filter: a GET form (no CSRF token), so every report has an address."""
from __future__ import annotations

import re
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectChoice, SelectField, ValidationError

from eventhub.formtools import Form
from eventhub.inputguard import MAX_ID

EVENT_ID = re.compile(r"[0-9]{1,10}")


class IsoDateField(DateField):
    """A date as 2026-11-21 (what <input type="date"> sends); absent: the default."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = datetime.strptime(valuelist[0].strip(), "%Y-%m-%d").date()
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a date like 2026-11-21.")) from None


class ReportForm(Form):
    class Meta:
        csrf = False

    start = IsoDateField(_l("From"))
    end = IsoDateField(_l("To"))
    event = SelectField(_l("Event"), validate_choice=False, default="")
    breakdown = SelectField(_l("Break the tables down by"), default="",
                            choices=[SelectChoice("", _l("nothing")),
                                     SelectChoice("size", _l("Organization size")),
                                     SelectChoice("role", _l("Role"))])
    measure = SelectField(_l("Count in cross-tables"), default="registered",
                          choices=[SelectChoice("registered", _l("Registered")),
                                   SelectChoice("attended", _l("Attended"))])
    shared = BooleanField(_l("Shareable view"))

    def validate_event(self, field) -> None:
        raw = (field.data or "").strip()
        if raw and not (EVENT_ID.fullmatch(raw) and int(raw) <= MAX_ID):
            raise ValidationError(_l("There is no such event among the events you may see."))

    @property
    def event_id(self) -> int | None:
        raw = (self.event.data or "").strip()
        return int(raw) if raw else None

    def set_events(self, choices: list[tuple[int, str, date]], all_label: str) -> None:
        self.event.choices = [("", all_label),
                              *((str(i), f"{title} ({day.isoformat()})")
                                for i, title, day in choices)]
