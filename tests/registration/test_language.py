"""The language a person used stays with them (issue 22, 5): the form at ``…/anmeldung?lang=en``
was English, but its action dropped the language, so the thanks page, the stored
registration and every e-mail were German. Now the form, the redirects and the participant's
pages keep ``?lang=``, the registration stores it, and the links in e-mails carry it."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from eventhub import timeutil
from eventhub.registration import antibot, services, tokens
from eventhub.registration.models import Registration, RegistrationStatus
from tests.mail.conftest import applicant, joins_as, personal_join_links, rendered

FORM = {"first_name": "Anna", "last_name": "Smith", "email": "anna@example.org",
        "organization_size": "1-9", "region_code": "DE-SN", "consent": "y"}


@pytest.fixture()
def event(make, clock):
    clock.set(make.event().created_at)
    return make.event(double_opt_in=True, online_join_url="https://meet.example.org/room",
                      starts_at=clock() + timedelta(days=10))


def _form_action(page: str) -> str:
    [action] = re.findall(r'<form method="post" action="([^"]+)"', page)
    return unescape(action)


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def _registered(db_session, event) -> Registration:
    db_session.expire_all()
    return db_session.scalar(select(Registration).where(Registration.event_id == event.id))


def _submit(client, action: str) -> str:
    data = {**FORM, "started": antibot.stamp(timeutil.utcnow() - timedelta(seconds=30))}
    response = client.post(action, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"]


def test_the_english_form_registers_in_english_from_the_form_to_the_mail(client, event,
                                                                         db_session):
    page = client.get(f"/veranstaltungen/{event.slug}/anmeldung?lang=en").get_data(
        as_text=True)
    assert '<html lang="en">' in page
    action = _form_action(page)
    assert _query(action) == {"lang": ["en"]}  # the form keeps the page's language

    thanks = _submit(client, action)

    assert _query(thanks) == {"lang": ["en"]}
    thanks_page = client.get(thanks).get_data(as_text=True)
    assert '<html lang="en">' in thanks_page and "Thank you for registering" in thanks_page
    registration = _registered(db_session, event)
    assert registration.language == "en"
    [message] = [m for m in rendered(db_session) if m.registration_id == registration.id]
    assert message.language == "en"
    assert message.subject.startswith("Please confirm your registration")
    for url in re.findall(r"https?://\S+", message.body_text):
        if "/anmeldung/" in url or "/veranstaltungen/" in url:
            assert _query(url)["lang"] == ["en"], url  # every link opens English pages


def test_the_german_form_stays_german(client, event, db_session):
    page = client.get(f"/veranstaltungen/{event.slug}/anmeldung").get_data(as_text=True)
    action = _form_action(page)
    assert "lang" not in _query(action)
    client.get(_submit(client, action))
    registration = _registered(db_session, event)
    assert registration.language == "de"
    [message] = [m for m in rendered(db_session) if m.registration_id == registration.id]
    assert message.subject.startswith("Bitte bestätigen Sie Ihre Anmeldung")
    assert "?lang=de" in message.body_text  # German on purpose, whatever the browser says


def _person(event, db_session, language: str) -> Registration:
    registration = services.register(event.id, applicant(language=language),
                                     timeutil.utcnow()).registration
    services.confirm(registration, timeutil.utcnow())
    db_session.commit()
    return registration


def _english_page(html: str) -> bool:
    return '<html lang="en">' in html


def test_every_confirmed_mail_link_carries_the_language(event, db_session):
    person = _person(event, db_session, "en")
    [confirmed] = [m for m in rendered(db_session)
                   if m.registration_id == person.id and m.kind == "registration_confirmed"]
    [join] = personal_join_links(confirmed.body_text)
    assert joins_as(join) == person.id and join.endswith("?lang=en")
    manage = re.search(r"https?://\S+/anmeldung/\S+", confirmed.body_text).group(0)
    assert _query(manage)["lang"] == ["en"]
    assert "Your registration for" in confirmed.body_text


def test_the_personal_pages_speak_the_registrations_language(client, event, db_session):
    person = _person(event, db_session, "en")
    token = tokens.make(person, tokens.MANAGE)

    # A link without ?lang= (as older mails have them): the registration's language.
    page = client.get(f"/anmeldung/{token}").get_data(as_text=True)
    assert _english_page(page) and "Your registration" in page
    # The address, or the person's own choice with the language switch, still wins.
    assert not _english_page(client.get(f"/anmeldung/{token}?lang=de").get_data(as_text=True))
    client.get("/lang/de")
    assert not _english_page(client.get(f"/anmeldung/{token}").get_data(as_text=True))


def test_the_participants_pages_keep_the_address_language_through_their_forms(
        client, event, db_session):
    person = _person(event, db_session, "de")  # German registration, read in English
    token = tokens.make(person, tokens.MANAGE)
    personal = client.get(f"/anmeldung/{token}?lang=en").get_data(as_text=True)
    assert _english_page(personal)
    links = [unescape(h) for h in re.findall(r'href="(/anmeldung/[^"]+)"', personal)]
    assert links and all(_query(link) == {"lang": ["en"]} for link in links), links

    cancel_page = client.get(f"/anmeldung/{token}/absagen?lang=en").get_data(as_text=True)
    action = _form_action(cancel_page)
    assert _query(action) == {"lang": ["en"]}
    response = client.post(action)
    assert _query(response.headers["Location"]) == {"lang": ["en"]}
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your registration has been cancelled." in done

    data_page = client.get(f"/anmeldung/{token}/daten?lang=en").get_data(as_text=True)
    assert _query(_form_action(data_page)) == {"lang": ["en"]}


def test_confirming_keeps_the_language_of_the_link(client, event, db_session):
    registration = services.register(event.id, applicant(language="en"),
                                     timeutil.utcnow()).registration
    db_session.commit()
    [pending] = [m for m in rendered(db_session) if m.registration_id == registration.id]
    confirm = re.search(r"https?://\S+/anmeldung/bestaetigen/\S+", pending.body_text).group(0)
    path = urlsplit(confirm).path + "?" + urlsplit(confirm).query
    page = client.get(path).get_data(as_text=True)
    assert _english_page(page) and _query(_form_action(page)) == {"lang": ["en"]}

    response = client.post(_form_action(page))

    assert _query(response.headers["Location"]) == {"lang": ["en"]}
    personal = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you: your registration is confirmed." in personal
    db_session.expire_all()
    assert db_session.get(Registration, registration.id).status is RegistrationStatus.CONFIRMED
    assert any(m.language == "en" and m.kind == "registration_confirmed"
               for m in rendered(db_session))
