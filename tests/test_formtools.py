"""formtools: the forms' CSRF token (signed only when shown, checked as Flask-WTF does)
and the registration form's quick choice check."""
from __future__ import annotations

import pytest
from flask import g, session
from flask_wtf.csrf import generate_csrf
from wtforms import SelectChoice, SelectField
from wtforms.validators import DataRequired

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
