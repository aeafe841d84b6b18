"""Issue 22 in a real browser: someone who opens the registration form in English stays in
English (the thanks page, the stored registration, the e-mails and every page their links
open), and the personal page's join button is their own link, ``/j/<token>``, which
records attendance, never the meeting's shared address."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect
from sqlalchemy import select

from eventhub.extensions import db
from eventhub.registration.models import Registration
from tests.e2e.helpers import DIGITALTAG_SLUG, DIGITALTAG_TITLE, FillClock
from tests.e2e.live import link_in, text_body

FORM_PATH = f"/veranstaltungen/{DIGITALTAG_SLUG}/anmeldung?lang=en"


def _lang(url: str) -> list[str]:
    return parse_qs(urlsplit(url).query).get("lang", [])


def test_an_english_registration_stays_english_and_joins_by_its_own_link(open_context, live):
    page = open_context().new_page()  # a German browser (de-DE): the link decides
    email = "anna.english@example.org"

    page.goto(FORM_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text("Register")
    clock = FillClock(live.min_fill_seconds)
    page.get_by_label("First name").fill("Anna")
    page.get_by_label("Last name").fill("English")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Size of your organization").select_option(label="1–9 employees")
    page.get_by_label("Where are you based?").select_option(label="Saxony")
    page.get_by_label("I have read the privacy notice", exact=False).check()
    clock.wait()
    page.get_by_role("button", name="Register now").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for registering")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert _lang(page.url) == ["en"]

    pending = live.mailbox.wait_for(email)
    assert pending["Subject"] == f"Please confirm your registration: {DIGITALTAG_TITLE}"
    assert pending["Content-Language"] == "en"
    confirm = link_in(pending, "/anmeldung/bestaetigen/")
    assert _lang(confirm) == ["en"] and _lang(link_in(pending, "/anmeldung/")) == ["en"]

    page.goto(confirm)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your registration")
    page.get_by_role("button", name="Confirm registration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your registration")
    expect(page.get_by_role("status")).to_contain_text("your registration is confirmed")
    assert page.evaluate("document.documentElement.lang") == "en"

    join = page.get_by_role("link", name="Join the event")
    href = join.get_attribute("href")
    assert re.fullmatch(re.escape(live.base_url) + r"/j/[A-Za-z0-9_.\-]+\?lang=en", href), href
    assert "meet.example.org" not in page.content()

    confirmed = live.mailbox.wait_for(email, count=2)
    assert confirmed["Subject"].startswith("Registration confirmed")
    text = text_body(confirmed)
    assert f"{live.base_url}/j/" in text and "meet.example.org" not in text

    with live.app.app_context():
        assert db.session.scalar(select(Registration.language)
                                 .where(Registration.email == email)) == "en"
