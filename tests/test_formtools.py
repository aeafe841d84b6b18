"""formtools: the forms' CSRF token (signed only when shown, checked as Flask-WTF does),
the registration form's quick choice check and its fields copied from a first binding."""
from __future__ import annotations

import pytest
from flask import g, session
from flask_wtf.csrf import generate_csrf
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from eventhub import formtools


class _Choice(formtools.Form):
    size = formtools.ChoiceField("Size", validators=[DataRequired()])


class _WTFormsChoice(formtools.Form):
    size = SelectField("Size", validators=[DataRequired()])


@pytest.fixture()
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def test_the_token_is_signed_only_when_the_form_is_shown(app, csrf_on):
    with app.test_request_context("/", method="POST", data={"size": "s"}):
        form = _Choice()
        form.size.choices = [("s", "small")]
        form.validate()
        assert "csrf_token" not in g  # nothing signed for a POST that is not shown again
        html = str(form.csrf_token())
        assert f'value="{generate_csrf()}"' in html


@pytest.mark.parametrize("token, valid", [("forged", False), (None, True)])
def test_the_form_checks_the_token_where_csrf_protect_did_not(app, csrf_on, token, valid):
    with app.test_request_context("/"):
        real = generate_csrf()
        raw = dict(session)
    with app.test_request_context("/", method="POST",
                                  data={"size": "s", "csrf_token": token or real}):
        session.update(raw)
        form = _Choice()
        form.size.choices = [("s", "small")]
        assert not g.get("csrf_valid")  # no CSRFProtect in a bare request context
        assert form.validate() is valid
        assert bool(form.csrf_token.errors) is not valid


@pytest.mark.parametrize("choices", [[("s", "small"), ("l", "large")],
                                     [SelectChoice("s", "small"), SelectChoice("l", "large")]])
@pytest.mark.parametrize("answer, valid", [("s", True), ("l", True), ("xl", False), ("", False)])
def test_a_choice_is_judged_as_wtforms_judges_it(app, choices, answer, valid):
    with app.test_request_context("/", method="POST", data={"size": answer}):
        ours, theirs = _Choice(meta={"csrf": False}), _WTFormsChoice(meta={"csrf": False})
        ours.size.choices = theirs.size.choices = choices
        assert ours.validate() is theirs.validate() is valid
        assert ours.size.errors == theirs.size.errors


class _Fresh(formtools.Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=5)],
                       render_kw={"autocomplete": "name"})
    email = StringField("E-mail", validators=[DataRequired(), Email()])
    size = formtools.ChoiceField("Size", validators=[DataRequired()])
    consent = BooleanField("Consent", validators=[DataRequired()])


class _Copied(_Fresh):
    class Meta(formtools.PrototypeFields):
        pass


SUBMISSIONS = [
    {"name": "Anna", "email": "anna@example.org", "size": "s", "consent": "y"},
    {"name": "Bartholomäus", "email": "kein-e-mail", "size": "xl"},
    {},
    {"name": "<b>Eva</b>", "email": "eva@example.org", "size": "l", "consent": "y"},
]


@pytest.mark.parametrize("language", ["de", "en"])
def test_copied_fields_judge_and_render_as_fresh_ones(app, language):
    """Form after form, in both languages: the same data, errors and HTML as fields bound
    the usual way, and nothing of one form's fields shows in the next one's."""
    for data in [*SUBMISSIONS, *SUBMISSIONS]:
        with app.test_request_context(f"/?lang={language}", method="POST", data=data):
            forms = _Fresh(meta={"csrf": False}), _Copied(meta={"csrf": False})
            for form in forms:
                form.size.choices = [("s", "small"), ("l", "large")]
            fresh, copied = (form.validate() for form in forms)
            assert fresh is copied
            for name in ("name", "email", "size", "consent"):
                ours, theirs = forms[1][name], forms[0][name]
                assert (ours.data, ours.errors, str(ours()), str(ours.label)) == \
                    (theirs.data, theirs.errors, str(theirs()), str(theirs.label)), name


def test_copied_fields_belong_to_their_own_form(app):
    with app.test_request_context("/", method="POST", data={"name": "Anna"}):
        first, second = _Copied(meta={"csrf": False}), _Copied(meta={"csrf": False})
        first.size.choices = [("s", "small")]
        first.name.render_kw["placeholder"] = "only here"
        second.size.choices = [("l", "large")]
        first.validate()
        assert second.name is not first.name and second.name._form is second
        assert second.name.meta is second.meta
        assert "placeholder" not in str(second.name())
        assert first.size.choices == [("s", "small")]
        assert first.name.errors == [] and second.email.errors == ()
