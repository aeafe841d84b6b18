"""The registration form's fields are rendered once per empty form and reused
(registration.views._fields_markup): reused only where nothing could differ, and never
with what someone submitted."""
from __future__ import annotations

import re

import pytest
from flask import template_rendered

from eventhub.registration.models import Question, QuestionKind
from tests.registration.test_registration_views import _form_data

HIDDEN_VALUES = re.compile(r'(name="(?:csrf_token|started)" type="hidden" value=)"[^"]*"')


@pytest.fixture()
def event(make, db_session):
    event = make.event(title="Digitaltag")
    db_session.commit()
    return event


def _url(event) -> str:
    return f"/veranstaltungen/{event.slug}/anmeldung"


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return HIDDEN_VALUES.sub(r'\1"…"', response.get_data(as_text=True))


@pytest.fixture()
def fields_rendered(app):
    """How often registration/_fields.html has been rendered."""
    count = [0]

    def seen(sender, template, context, **extra):
        count[0] += template.name == "registration/_fields.html"

    template_rendered.connect(seen, app)
    yield count
    template_rendered.disconnect(seen, app)


def test_an_empty_form_is_rendered_once_and_reads_as_a_fresh_one(app, client, event,
                                                                   fields_rendered,
                                                                   monkeypatch):
    first = _page(client, _url(event))
    assert fields_rendered[0] in (0, 1)  # 0: another test had the same form and organizer
    again = _page(client, _url(event))
    monkeypatch.setattr(app.jinja_env, "auto_reload", True)  # development: never reused
    before = fields_rendered[0]
    fresh = _page(client, _url(event))
    assert fields_rendered[0] == before + 1
    assert first == again == fresh
    assert 'name="first_name"' in first and 'name="consent"' in first


def test_each_page_has_its_own_hidden_fields(app, client, event, monkeypatch):
    """Two visitors (two sessions): each gets a token of their own and a stamp of when
    their form was shown."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    pages = [visitor.get(_url(event)).get_data(as_text=True)
             for visitor in (client, app.test_client())]  # client: isolated, see conftest
    hidden = [dict(re.findall(r'name="(csrf_token|started)" type="hidden" value="([^"]*)"',
                              page)) for page in pages]
    assert all(fields.keys() == {"csrf_token", "started"} for fields in hidden)
    assert hidden[0]["csrf_token"] != hidden[1]["csrf_token"]
    assert hidden[0]["started"] != hidden[1]["started"]


def test_each_language_has_its_own(client, event):
    german = _page(client, _url(event))
    english = _page(client, _url(event) + "?lang=en")
    assert "Vorname" in german and "First name" not in german
    assert "First name" in english and "Vorname" not in english
    assert "Vorname" in _page(client, _url(event) + "?lang=de")


def test_an_edited_question_and_a_renamed_organizer_show_at_once(client, event, db_session):
    before = _page(client, _url(event))
    question = Question(event_id=event.id, label="Ihre Branche?", kind=QuestionKind.SHORT_TEXT)
    db_session.add(question)
    db_session.commit()
    assert "Ihre Branche?" in _page(client, _url(event)) and "Ihre Branche?" not in before
    question.label = "In welcher Branche arbeiten Sie?"
    db_session.commit()
    page = _page(client, _url(event))
    assert "In welcher Branche arbeiten Sie?" in page and "Ihre Branche?" not in page
    event.organization.name = "Zentrum Thüringen Ost"
    db_session.commit()
    assert "Zentrum Thüringen Ost" not in _privacy_notice(page)
    assert "Zentrum Thüringen Ost" in _privacy_notice(_page(client, _url(event)))


def _privacy_notice(page: str) -> str:
    return re.search(r'<section aria-labelledby="privacy-title".*?</section>', page,
                     re.DOTALL).group(0)


def test_a_submitted_form_shows_its_own_values_and_is_never_reused(client, event, db_session):
    response = client.post(_url(event), data=_form_data(first_name="Zacharias",
                                                        email="kein-e-mail"))
    assert response.status_code == 422
    refused = response.get_data(as_text=True)
    assert 'value="Zacharias"' in refused and 'aria-invalid="true"' in refused
    page = _page(client, _url(event))
    assert "Zacharias" not in page and "kein-e-mail" not in page
    assert "aria-invalid" not in page
