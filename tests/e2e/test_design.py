"""The design of issue 22 in a real browser, at 1280 px and at 360 px: the event page puts
date, registration and description first on a phone; the header stays small and the footer
stays at the bottom; the organizer's registrations table fits a 1280 px screen with its
actions in a menu per row, walk-ins marked and e-mail addresses whole; and the month filter
offers the months that have events."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from eventhub import timeutil
from tests.e2e.helpers import (
    DIGITALTAG_SLUG,
    assert_fits_phone,
    axe_violations,
    demo_organizer,
    horizontal_overflow,
    log_in,
)
from tests.e2e.live import DESKTOP, PHONE

EVENT = f"/veranstaltungen/{DIGITALTAG_SLUG}"
LONG_EMAIL = "dr.maximiliane.mustermann-schulze@tischlerei-mustermann-und-soehne.example.org"


@pytest.fixture(scope="module")
def crowded_event(live) -> dict:
    """The Digitaltag with what makes a registrations table wide: two questions with
    answers, a very long e-mail address, a walk-in."""
    from eventhub.attendance import services as attendance
    from eventhub.events.queries import public_event
    from eventhub.extensions import db
    from eventhub.registration import questions
    from eventhub.registration import services as registration
    from eventhub.registration.models import OrganizationSize, QuestionKind

    with live.app.app_context():
        event = public_event(DIGITALTAG_SLUG)
        organizer = demo_organizer()
        topics = questions.add_question(organizer, event, questions.QuestionData(
            label="Welche Erwartungen haben Sie an den Digitaltag?",
            kind=QuestionKind.LONG_TEXT))
        newsletter = questions.add_question(organizer, event, questions.QuestionData(
            label="Möchten Sie unseren Newsletter erhalten?", kind=QuestionKind.CHECKBOX))
        db.session.commit()
        now = timeutil.utcnow()
        registration.register(event.id, registration.Applicant(
            email=LONG_EMAIL, first_name="Maximiliane", last_name="Mustermann-Schulze",
            organization_name="Tischlerei Mustermann und Söhne Gesellschaft mit beschränkter "
                              "Haftung", job_role="Geschäftsführende Gesellschafterin",
            organization_size=OrganizationSize.SMALL, region_code="DE-ST", consent=True,
            answers={topics.id: "Praxisbeispiele aus Handwerksbetrieben, Fördermöglichkeiten "
                                "und ein Austausch mit anderen Betrieben aus der Region.",
                     newsletter.id: True}), now)
        walk_in = attendance.add_walk_in(event, attendance.WalkIn(
            first_name="Ödön", last_name="Ärger", email="oedoen.aerger@example.org"), now)
        db.session.commit()
        return {"event": event.id, "walk_in": walk_in.id}


def _registrations_page(page: Page, crowded_event: dict) -> None:
    log_in(page)
    page.goto(f"/verwaltung/veranstaltungen/{crowded_event['event']}/anmeldungen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmeldungen")


def test_the_registrations_table_fits_1280_px(open_context, crowded_event):
    page = open_context(viewport=DESKTOP).new_page()
    _registrations_page(page, crowded_event)

    table_box = page.locator(".table-wrap").filter(has=page.locator("#registrations-caption"))
    sideways = table_box.evaluate("box => box.scrollWidth - box.clientWidth")
    assert sideways <= 0, f"the table scrolls sideways by {sideways}px at 1280 px"
    assert horizontal_overflow(page) <= 0

    # The long address stays whole on its line after the @, the walk-in is marked.
    address = page.locator(".email", has_text="tischlerei-mustermann-und-soehne")
    lines = address.evaluate("el => Math.round(el.getBoundingClientRect().height / "
                             "parseFloat(getComputedStyle(el).lineHeight))")
    assert lines <= 2, "the e-mail address breaks inside a word"
    walk_in = page.locator(f"#registration-{crowded_event['walk_in']}")
    expect(walk_in.locator(".badge-walk-in")).to_have_text("ohne Anmeldung")
    assert axe_violations(page) == []


def test_a_rows_actions_and_answers_open_with_the_keyboard(open_context, crowded_event):
    page = open_context(viewport=DESKTOP).new_page()
    _registrations_page(page, crowded_event)
    row = page.locator("tr", has_text="Mustermann-Schulze")
    cancel = row.get_by_role("link", name="Anmeldung stornieren: Maximiliane Mustermann-Schulze")
    expect(cancel).to_be_hidden()

    menu = row.locator("summary", has_text="Aktionen")
    menu.focus()
    page.keyboard.press("Enter")
    expect(cancel).to_be_visible()

    answers = row.locator("summary", has_text="2 Antworten")
    answers.focus()
    page.keyboard.press("Space")
    expect(row.locator("dd", has_text="Fördermöglichkeiten")).to_be_visible()
    expect(row.locator("dd", has_text="ja")).to_be_visible()
    assert axe_violations(page) == []


def test_the_registrations_page_fits_a_phone(open_context, crowded_event):
    page = open_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    _registrations_page(page, crowded_event)
    assert_fits_phone(page)
    assert axe_violations(page) == []


def test_on_a_phone_the_event_page_starts_with_date_registration_and_description(page: Page):
    page.set_viewport_size(PHONE)
    page.goto(EVENT)

    def top(locator) -> float:
        return locator.evaluate("el => el.getBoundingClientRect().top + window.scrollY")

    description = top(page.get_by_role("heading", name="Über die Veranstaltung"))
    assert description <= 1.5 * PHONE["height"], (
        f"the description starts at {description:.0f}px, more than 1.5 screens down")
    # Date first, then the button; the calendar control is one line until opened.
    when = top(page.get_by_text("Termin", exact=True))
    register = top(page.get_by_role("link", name="Jetzt anmelden"))
    assert when < register < description
    feeds = page.locator(".calendar-menu").get_by_role("link", name="Alle Veranstaltungen")
    expect(feeds).to_be_hidden()
    page.get_by_text("In den Kalender eintragen oder abonnieren").click()
    expect(feeds).to_be_visible()
    assert_fits_phone(page)
    assert axe_violations(page) == []


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280px", "360px"])
def test_the_header_is_small_and_the_footer_stays_at_the_bottom(page: Page, size):
    page.set_viewport_size(size)
    page.goto("/login")  # a short page
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= (110 if size is PHONE else 80), header
    footer = page.locator(".site-footer")
    bottom = footer.evaluate("el => el.getBoundingClientRect().bottom + window.scrollY")
    page_height = page.evaluate("document.documentElement.scrollHeight")
    assert bottom >= page_height - 1 and page_height >= size["height"]
    # The footer names the coordinating centre, links the feed and both languages.
    expect(footer).to_contain_text("Koordination: Zentrum digitale Arbeit")
    expect(footer.get_by_role("link", name="English")).to_be_visible()
    expect(footer.get_by_role("link", name="Alle Veranstaltungen im Kalender abonnieren")) \
        .to_have_attribute("href", f"webcal://{page.url.split('://', 1)[1].split('/')[0]}"
                                   "/kalender/veranstaltungen.ics")


def test_the_month_filter_offers_the_months_with_events(page: Page):
    page.goto("/")
    months = page.get_by_label("Monat")
    options = months.locator("option").all_inner_texts()
    assert options[0] == "Alle Monate" and len(options) >= 2
    assert all(label.split()[-1].isdigit() for label in options[1:]), options
    months.select_option(index=1)
    page.get_by_role("button", name="Veranstaltungen anzeigen").click()
    assert "month=" in page.url
    expect(page.locator(".event-card").first).to_be_visible()
