"""Form helpers shared by the feature forms: local date-times, choices, rule errors."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from babel.support import Translations
from flask import abort, g
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.csrf.core import CSRF, CSRFTokenField
from wtforms.fields.core import UnboundField
from wtforms.i18n import messages_path

from eventhub import i18n, timeutil
from eventhub.errors import NotPermitted, RuleViolation
from eventhub.extensions import db
from eventhub.organizations import regions

T = TypeVar("T")
LOCAL_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
# Highest page number a list accepts: beyond it every list is empty anyway, and the
# offset it gives stays inside a 64-bit integer.
MAX_PAGE = 100_000
# No text field takes control characters (NUL is refused by PostgreSQL, the others by
# e-mail headers and calendar files); multi-line fields keep tab and line breaks.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_OR_BREAK = re.compile(r"[\x00-\x1f\x7f]")


class _CSRF(CSRF):
    """Flask-WTF's CSRF field, except that the token is signed only when the form is
    shown: Flask-WTF signs one whenever a form is made, also for every POST that then
    redirects. The check is Flask-WTF's: ``CSRFProtect`` checks every POST before the
    view, and the form checks again only where that did not happen."""

    def setup_form(self, form):
        self.meta = form.meta
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field) -> _SignedWhenShown:
        return _SignedWhenShown(self.meta.csrf_secret, self.meta.csrf_field_name)

    def validate_csrf_token(self, form, field) -> None:
        if g.get("csrf_valid", False):  # checked by CSRFProtect in this request
            return
        validate_csrf(field.data, self.meta.csrf_secret, self.meta.csrf_time_limit,
                      self.meta.csrf_field_name)


class _SignedWhenShown:
    def __init__(self, secret: str | None, field_name: str | None) -> None:
        self._secret, self._field_name = secret, field_name

    def __str__(self) -> str:
        return generate_csrf(secret_key=self._secret, token_key=self._field_name)


class Form(FlaskForm):
    """The base of eventhub's forms: a FlaskForm whose built-in WTForms messages ("This
    field is required.") come in the page's language from a catalogue read once per
    language (Flask-WTF would read it from disk again in every request), and whose CSRF
    token is signed only when the form is shown."""

    class Meta:
        csrf_class = _CSRF

        def get_translations(self, form):
            return _wtforms_translations(str(get_locale()))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if _has_control_characters(field):
                field.errors = [*field.errors, str(_l(
                    "Remove the control characters (such as line breaks or invisible "
                    "characters) from this field."))]
                valid = False
        return valid


def _has_control_characters(field) -> bool:
    if not isinstance(field, StringField) or not field.raw_data:
        return False
    pattern = _CONTROL if isinstance(field, TextAreaField) else _CONTROL_OR_BREAK
    return any(isinstance(value, str) and pattern.search(value) for value in field.raw_data)


class PrototypeFields:
    """A form Meta mixin for busy public forms: each field is bound the usual way once,
    and from then on copied from that first binding (a new field object with the same
    attributes) instead of being built again from its declaration, which costs WTForms a
    label, flags and validator checks per field and request.

    What a binding takes from its form (the form, its meta, the language's messages) is
    set on every copy, and each copy has its own ``render_kw``. What the form's processing
    and validation change (data, errors) is set on the copy. The label, flags, validators
    and declared choices are shared: a view that changes them for one form assigns new
    ones (``form.size.choices = [...]``), never changes them in place. The CSRF field,
    declared anew for every form, is bound the usual way."""

    def bind_field(self, form, unbound_field: UnboundField, options: dict[str, Any]):
        if issubclass(unbound_field.field_class, CSRFTokenField):
            return super().bind_field(form, unbound_field, options)
        where = (options["name"], options.get("prefix", ""))
        first = _FIRST_BINDINGS.get(unbound_field)
        if first is None or first[0] != where:
            field = super().bind_field(form, unbound_field, options)
            _FIRST_BINDINGS[unbound_field] = (where, {
                name: value for name, value in vars(field).items()
                if name not in _OF_THE_FORM})
            return field
        field = object.__new__(unbound_field.field_class)  # Field.__new__ would not bind
        field.__dict__.update(first[1])
        field._form, field.meta = form, form.meta
        if options.get("translations") is not None:
            field._translations = options["translations"]
        if field.render_kw is not None:
            field.render_kw = dict(field.render_kw)  # a view may change it for one page
        return field


_OF_THE_FORM = frozenset({"_form", "meta", "_translations"})
_FIRST_BINDINGS: WeakKeyDictionary[UnboundField, tuple[tuple[str, str], dict[str, Any]]] = \
    WeakKeyDictionary()


@lru_cache(maxsize=8)
def _wtforms_translations(locale: str) -> Translations:
    return Translations.load(messages_path(), [locale], domain="wtforms")


class ChoiceField(SelectField):
    """A SelectField for the public registration form that accepts a valid answer after
    one set lookup (WTForms builds an option object from every choice on every check);
    anything else is checked, and refused, by WTForms itself."""

    def pre_validate(self, form):
        if not self.process_errors and isinstance(self.choices, list | tuple) and \
                self.data in {self.coerce(c.value if isinstance(c, SelectChoice) else c[0])
                              for c in self.choices}:
            return
        super().pre_validate(form)


class WholeNumberField(IntegerField):
    """An IntegerField that refuses numbers beyond any sensible range before its
    validators see them: WTForms' NumberRange converts to float, which overflows."""

    LIMIT = 10**12

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and abs(self.data) > self.LIMIT:
            self.data = None
            raise ValueError(_l("This number is too large."))


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
        if self.data is not None and not timeutil.in_supported_years(self.data):
            self.data = None
            raise ValueError(_l("Enter a date between the years %(first)d and %(last)d.",
                                first=timeutil.FIRST_YEAR, last=timeutil.LAST_YEAR))


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



def page_number(args) -> int:
    """The ``page`` query parameter: 1 when missing or not a number, at most MAX_PAGE."""
    page = args.get("page", 1, type=int)
    return min(page, MAX_PAGE) if page and page > 0 else 1


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
