"""Form helpers shared by the feature forms: local date-times, choices, rule errors."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import TypeVar

from babel.support import Translations
from flask import abort
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField
from wtforms.i18n import messages_path

from eventhub import i18n
from eventhub.errors import NotPermitted, RuleViolation
from eventhub.extensions import db
from eventhub.organizations import regions

T = TypeVar("T")
LOCAL_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class Form(FlaskForm):
    """The base of eventhub's forms: a FlaskForm whose built-in WTForms messages ("This
    field is required.") come in the page's language from a catalogue read once per
    language; Flask-WTF would read it from disk again in every request."""

    class Meta:
        def get_translations(self, form):
            return _wtforms_translations(str(get_locale()))


@lru_cache(maxsize=8)
def _wtforms_translations(locale: str) -> Translations:
    return Translations.load(messages_path(), [locale], domain="wtforms")


class LocalDateTimeField(DateTimeLocalField):
    """A wall-clock date and time (naive); the form's time zone gives it meaning."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", LOCAL_DATETIME_FORMATS)
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a date and time like 2026-06-16 10:00.")) from None


def attach_error(form: FlaskForm, exc: RuleViolation) -> None:
    """Show a service's refusal at the field it concerns (or at the top of the form)."""
    # A plain str, not the lazy string: Jinja treats lazy strings as safe markup (they have
    # __html__), and messages can quote user input such as an agenda item's title.
    message = str(exc.message)
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, message] if isinstance(field.errors, list) \
            else [message]
    else:
        form.form_errors.append(message)


NOT_SAVED = object()


def submit(form: FlaskForm, action: Callable[[], T]) -> T | object:
    """Validate ``form``, run the service ``action``, commit once.

    Returns the action's result, or ``NOT_SAVED`` when the form was not submitted, was
    invalid, or a rule refused it (then the message is attached to its field). Actions
    that the actor may not perform end in 403.
    """
    if not form.validate_on_submit():
        return NOT_SAVED
    try:
        result = action()
    except RuleViolation as exc:
        db.session.rollback()
        attach_error(form, exc)
        return NOT_SAVED
    except NotPermitted:
        db.session.rollback()
        abort(403)
    db.session.commit()
    return result



def region_choices(blank: str | None = None) -> list[tuple[str, str]]:
    choices = regions.choices(i18n.current_language())
    return [("", blank), *choices] if blank is not None else choices


def first_error_field(form: FlaskForm) -> str | None:
    for field in form:
        if field.errors:
            return field.id
    return None


def is_naive(value: datetime | None) -> bool:
    return value is not None and value.tzinfo is None
