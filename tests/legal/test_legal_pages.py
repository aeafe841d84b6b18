"""The legal pages: publishing (admins), versions, sanitized Markdown, the footer links of
every page and e-mail, the privacy policy's version in every consent."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from eventhub import demo, mail, timeutil
from eventhub.auth.models import Role
from eventhub.errors import NotPermitted, RuleViolation
from eventhub.legal import markdown, services
from eventhub.legal.models import LegalKind, LegalText
from eventhub.mail import OutboxMessage
from eventhub.registration import antibot
from eventhub.registration.models import Registration

PATHS = {LegalKind.IMPRINT: "/impressum", LegalKind.PRIVACY: "/datenschutz",
         LegalKind.ACCESSIBILITY: "/barrierefreiheit"}


@pytest.fixture()
def admin(make):
    return make.user(role=Role.ADMIN)


def _publish(admin, kind=LegalKind.IMPRINT, de="## Anbieter\n\nMuster GmbH", en=""):
    return services.publish(admin, kind, body_de=de, body_en=en, now=timeutil.utcnow())


def test_pages_answer_404_until_published_then_show_the_text(client, admin):
    for path in PATHS.values():
        assert client.get(path).status_code == 404
    for kind in LegalKind:
        _publish(admin, kind, de=f"Text {kind.value} auf Deutsch",
                 en=f"Text {kind.value} in English")
    for kind, path in PATHS.items():
        german = client.get(path).get_data(as_text=True)
        assert f"Text {kind.value} auf Deutsch" in german
        english = client.get(path + "?lang=en").get_data(as_text=True)
        assert f"Text {kind.value} in English" in english
    assert "Impressum" in client.get("/impressum").get_data(as_text=True)
    assert "Accessibility statement" in \
        client.get("/barrierefreiheit?lang=en").get_data(as_text=True)


def test_english_pages_show_the_german_text_marked_as_german(client, admin):
    _publish(admin, de="Nur auf Deutsch.")
    page = client.get("/impressum?lang=en").get_data(as_text=True)
    assert '<article class="legal-text" lang="de">' in page
    assert "This text is available in German only." in page


@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    '<img src="x" onerror="alert(1)">',
    '<a href="https://example.org" onclick="alert(1)">x</a>',
    "![x](javascript:alert(1))",
    '<svg onload="alert(1)"></svg>',
    "<iframe src=https://evil.example></iframe>",
])
def test_markdown_renders_hostile_input_harmless(source):
    html = str(markdown.render(f"Text\n\n{source}\n\n[ok](https://example.org)"))
    assert "<script" not in html and "<img" not in html and "<svg" not in html
    assert "<iframe" not in html
    assert not re.search(r"<[^>]+\son\w+=", html), html  # no event handler attribute
    assert not re.search(r'href="\s*javascript:', html, re.IGNORECASE), html
    assert '<a href="https://example.org"' in html


def test_a_hostile_text_published_reaches_the_page_escaped(client, admin):
    _publish(admin, de="Hallo <script>alert('x')</script> [a](javascript:alert(1))")
    page = client.get("/impressum").get_data(as_text=True)
    body = page[page.index("<article"):page.index("</article>")]
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert "javascript:" not in body.split("[a]")[0] or 'href="javascript' not in body


def test_publishing_makes_versions_and_skips_an_unchanged_text(admin, db_session):
    first = _publish(admin, LegalKind.PRIVACY, de="Fassung eins")
    assert first.version == 1
    assert _publish(admin, LegalKind.PRIVACY, de="Fassung eins") is None
    second = _publish(admin, LegalKind.PRIVACY, de="Fassung zwei")
    assert second.version == 2
    assert services.privacy_version() == "2"
    assert [t.version for t in services.history(LegalKind.PRIVACY)] == [2, 1]
    assert services.current(LegalKind.IMPRINT) is None


def test_publishing_needs_an_admin_and_a_german_text(make, admin):
    with pytest.raises(NotPermitted):
        _publish(make.user(role=Role.COORDINATOR))
    with pytest.raises(RuleViolation) as empty:
        _publish(admin, de="   ")
    assert empty.value.field == "body_de"


def test_earlier_privacy_versions_stay_readable(client, admin):
    _publish(admin, LegalKind.PRIVACY, de="Die erste Fassung")
    _publish(admin, LegalKind.PRIVACY, de="Die zweite Fassung")
    old = client.get("/datenschutz/version/1").get_data(as_text=True)
    assert "Die erste Fassung" in old and "Version 1" in old
    assert client.get("/datenschutz/version/3").status_code == 404
    assert client.get("/datenschutz/version/99999999999999999999").status_code == 404


@pytest.mark.parametrize("who, expected", [
    ("anonymous", 302), ("organizer", 403), ("coordinator", 403), ("admin", 200)])
def test_only_admins_reach_the_editing_pages(client, login, make, admin, who, expected):
    if who != "anonymous":
        login({"organizer": make.user(), "coordinator": make.user(role=Role.COORDINATOR),
               "admin": admin}[who])
    assert client.get("/verwaltung/rechtliches/").status_code == expected
    assert client.get("/verwaltung/rechtliches/privacy").status_code == expected
    posted = client.post("/verwaltung/rechtliches/privacy", data={"body_de": "Neu"})
    assert posted.status_code == (302 if who == "admin" else expected)
    assert (services.current(LegalKind.PRIVACY) is not None) == (who == "admin")


def test_an_admin_publishes_in_the_browser(login, admin):
    client = login(admin)
    assert client.get("/verwaltung/rechtliches/unknown").status_code == 404
    response = client.post("/verwaltung/rechtliches/accessibility?lang=en",
                           data={"body_de": "Barrierefrei", "body_en": "Accessible"},
                           follow_redirects=True)
    assert "Version 1 has been published." in response.get_data(as_text=True)
    empty = client.post("/verwaltung/rechtliches/accessibility", data={"body_de": ""})
    assert empty.status_code == 422
    assert services.current(LegalKind.ACCESSIBILITY).body_en == "Accessible"


def test_every_page_links_the_published_pages_in_its_language(client, admin):
    assert "/impressum" not in client.get("/").get_data(as_text=True)
    _publish(admin, LegalKind.IMPRINT)
    _publish(admin, LegalKind.PRIVACY)
    german = client.get("/").get_data(as_text=True)
    footer = german[german.index('<footer'):]
    assert 'href="/impressum"' in footer and 'href="/datenschutz"' in footer
    assert "Datenschutzerklärung" in footer and "/barrierefreiheit" not in footer
    english = client.get("/?lang=en").get_data(as_text=True)
    footer = english[english.index('<footer'):]
    assert 'href="/datenschutz?lang=en"' in footer and "Privacy policy" in footer


def test_every_e_mail_links_the_published_pages(app, make, admin, db_session):
    from eventhub.registration import services as registration
    from tests.registration.helpers import applicant
    _publish(admin, LegalKind.IMPRINT)
    _publish(admin, LegalKind.PRIVACY)
    event = make.event(double_opt_in=False)
    registration.register(event.id, applicant(language="en"), timeutil.utcnow())
    db_session.flush()
    message = db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())
                                 ).first()
    if message.unrendered:
        mail.render_unrendered(message, db_session)
    base = app.config["BASE_URL"]
    assert f"{base}/impressum?lang=en" in message.body_text
    assert "Privacy policy" in message.body_text
    assert f'href="{base}/datenschutz?lang=en"' in message.body_html


def test_the_registration_form_links_the_policy_and_the_consent_stores_its_version(
        client, make, admin, db_session):
    _publish(admin, LegalKind.PRIVACY, de="Erste Fassung")
    _publish(admin, LegalKind.PRIVACY, de="Zweite Fassung")
    event = make.event()
    page = client.get(f"/veranstaltungen/{event.slug}/anmeldung").get_data(as_text=True)
    assert 'href="/datenschutz"' in page and "(Version 2)" in page
    response = client.post(f"/veranstaltungen/{event.slug}/anmeldung", data={
        "first_name": "Erika", "last_name": "Muster", "email": "erika@example.org",
        "organization_size": "1-9", "region_code": "DE-SN", "consent": "y",
        "started": antibot.stamp(timeutil.utcnow() - timedelta(seconds=30))})
    assert response.status_code == 302
    stored = db_session.scalar(select(Registration.consent_version)
                               .where(Registration.email == "erika@example.org"))
    assert stored == "2"


def test_the_demo_fills_every_page_with_a_marked_placeholder(client, db_session):
    demo.load(timeutil.utcnow())
    assert demo.load(timeutil.utcnow()).created == []  # idempotent
    for kind, path in PATHS.items():
        text = services.current(kind)
        assert text.placeholder and text.version == 1
        page = client.get(path).get_data(as_text=True)
        assert "Platzhalter" in page
    english = client.get("/datenschutz?lang=en").get_data(as_text=True)
    assert "Placeholder" in english


def test_publishing_shows_at_once_in_this_process_despite_the_cache(app, admin,
                                                                   monkeypatch):
    monkeypatch.setitem(app.config, "LEGAL_CACHE_SECONDS", 60)
    services.forget()
    try:
        assert services.privacy_version() is None
        _publish(admin, LegalKind.PRIVACY)
        assert services.privacy_version() == "1"
        # Another process's change (here: a row written behind the service's back) waits
        # for the cache to expire.
        text = LegalText(kind=LegalKind.PRIVACY, version=2, body_de="x",
                         published_at=timeutil.utcnow())
        services.db.session.add(text)
        services.db.session.flush()
        assert services.privacy_version() == "1"
    finally:
        services.forget()
