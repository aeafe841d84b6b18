"""A participant's way through eventhub in a real browser: find the Digitaltag dialogue,
register, confirm through the link in the e-mail that a real SMTP server received, get
the calendar file, cancel — with mouse, with a phone's touch screen, with the keyboard only.
"""
from __future__ import annotations

import icalendar
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import (
    DIGITALTAG_SLUG,
    DIGITALTAG_TITLE,
    FillClock,
    active,
    assert_fits_phone,
    by_id,
    by_text,
    tab_to,
)
from tests.e2e.live import PHONE, link_in

EVENT_PATH = f"/veranstaltungen/{DIGITALTAG_SLUG}"


def _check_calendar_file(page: Page, live) -> None:
    """The personal page offers the event as a calendar file: this event, at its time,
    with the participant's own join link."""
    from eventhub.events.queries import public_event

    link = page.locator("main a[href$='.ics']")
    expect(link).to_have_count(1)
    with page.expect_download() as download:
        link.click()
    data = open(download.value.path(), "rb").read()
    events = list(icalendar.Calendar.from_ical(data).walk("VEVENT"))
    assert len(events) == 1, data[:400]
    with live.app.app_context():
        starts_at = public_event(DIGITALTAG_SLUG).starts_at
    assert str(events[0]["SUMMARY"]) == DIGITALTAG_TITLE
    assert events[0].decoded("DTSTART") == starts_at
    # The participant's own join link (it records attendance), not the meeting's address.
    unfolded = data.decode().replace("\r\n ", "")
    assert f"{live.base_url}/j/" in unfolded and "meet.example.org" not in unfolded


class Participant:
    """Walks the pages by mouse (desktop) or by touch (phone), checking each page fits."""

    def __init__(self, page: Page, live, email: str, phone: bool = False) -> None:
        self.page, self.live, self.email, self.phone = page, live, email, phone

    def press(self, locator) -> None:
        locator.tap() if self.phone else locator.click()

    def arrived(self, heading: str) -> None:
        expect(self.page.get_by_role("heading", level=1)).to_have_text(heading)
        if self.phone:
            assert_fits_phone(self.page)

    def find_event(self) -> None:
        self.page.goto("/")
        self.arrived("Kommende Veranstaltungen")
        self.press(self.page.get_by_role("link", name=DIGITALTAG_TITLE))
        self.arrived(DIGITALTAG_TITLE)
        expect(self.page.get_by_role("heading", name="Programm")).to_be_visible()

    def register(self) -> None:
        page = self.page
        self.press(page.get_by_role("link", name="Jetzt anmelden"))
        self.arrived("Anmelden")
        clock = FillClock(self.live.min_fill_seconds)
        page.get_by_label("Vorname").fill("Erika")
        page.get_by_label("Nachname").fill("Mustermann")
        page.get_by_label("E-Mail-Adresse").fill(self.email)
        page.get_by_label("Organisation (optional)").fill("Tischlerei Mustermann")
        page.get_by_label("Größe Ihrer Organisation").select_option(label="1–9 Beschäftigte")
        page.get_by_label("Wo ist Ihr Sitz?").select_option(label="Sachsen")
        self.press(page.get_by_label("Ich habe die Datenschutzhinweise gelesen", exact=False))
        clock.wait()
        self.press(page.get_by_role("button", name="Jetzt anmelden"))
        self.arrived("Vielen Dank für Ihre Anmeldung")

    def confirm_from_mail(self) -> None:
        page = self.page
        message = self.live.mailbox.wait_for(self.email)
        assert DIGITALTAG_TITLE in message["Subject"]
        page.goto(link_in(message, "/anmeldung/bestaetigen/"))
        self.arrived("Anmeldung bestätigen")
        expect(page.get_by_text(self.email)).to_be_visible()
        self.press(page.get_by_role("button", name="Anmeldung bestätigen"))
        self.arrived("Ihre Anmeldung")
        expect(page.get_by_role("status")).to_contain_text("Ihre Anmeldung ist bestätigt")
        expect(page.locator(".facts")).to_contain_text("Bestätigt")
        expect(page.get_by_role("link", name="Zur Veranstaltung")).to_be_visible()
        confirmed = self.live.mailbox.wait_for(self.email, count=2)
        assert confirmed["Subject"].startswith("Anmeldung bestätigt")
        assert page.url.startswith(self.live.url("/anmeldung/"))

    def cancel(self) -> None:
        page = self.page
        self.press(page.get_by_role("link", name="Meine Anmeldung stornieren"))
        self.arrived("Anmeldung stornieren")
        self.press(page.get_by_role("button", name="Ja, meine Anmeldung stornieren"))
        self.arrived("Ihre Anmeldung")
        expect(page.get_by_role("status")).to_contain_text("Ihre Anmeldung wurde storniert.")
        expect(page.get_by_role("link", name="Meine Anmeldung stornieren")).to_have_count(0)
        cancelled = self.live.mailbox.wait_for(self.email, count=3)
        assert cancelled["Subject"].startswith("Anmeldung storniert")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_participant_registers_confirms_gets_the_calendar_file_and_cancels(
        open_context, live, device):
    phone = device == "phone"
    context = open_context(viewport=PHONE, is_mobile=True, has_touch=True) if phone \
        else open_context()
    person = Participant(context.new_page(), live, f"erika.{device}@example.org", phone)
    person.find_event()
    person.register()
    person.confirm_from_mail()
    _check_calendar_file(person.page, live)
    person.cancel()


def test_participant_uses_only_the_keyboard(open_context, live):
    page = open_context().new_page()
    email = "erika.tastatur@example.org"
    page.goto("/")
    # The first Tab reaches the skip link, visibly; Enter moves on to the main content.
    skip = tab_to(page, lambda f: f["href"] == "#main", max_tabs=1)
    assert skip["text"] == "Zum Inhalt springen"
    box = page.locator("a.skip-link").bounding_box()
    assert box and box["y"] >= 0 and box["height"] > 0, "the focused skip link is off screen"
    page.keyboard.press("Enter")
    assert active(page)["id"] == "main"

    tab_to(page, by_text(DIGITALTAG_TITLE))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(DIGITALTAG_TITLE)
    tab_to(page, by_text("Jetzt anmelden"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")

    clock = FillClock(live.min_fill_seconds)
    for field_id, text in (("first_name", "Erika"), ("last_name", "Tastatur"),
                           ("email", email)):
        tab_to(page, by_id(field_id))
        page.keyboard.type(text)
    tab_to(page, by_id("organization_size"))
    page.keyboard.type("1")  # a closed select picks the first option starting with "1"
    tab_to(page, by_id("region_code"))
    page.keyboard.type("Sachsen")
    assert page.eval_on_selector("#organization_size", "el => el.value") == "1-9"
    assert page.eval_on_selector("#region_code", "el => el.value") == "DE-SN"
    tab_to(page, by_id("consent"))
    page.keyboard.press("Space")
    assert page.is_checked("#consent")
    clock.wait()
    tab_to(page, by_text("Jetzt anmelden"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vielen Dank für Ihre Anmeldung")

    page.goto(link_in(live.mailbox.wait_for(email), "/anmeldung/bestaetigen/"))
    tab_to(page, by_text("Anmeldung bestätigen"))
    page.keyboard.press("Space")  # buttons work with Space as well as Enter
    expect(page.get_by_role("status")).to_contain_text("Ihre Anmeldung ist bestätigt")

    tab_to(page, lambda f: f["href"].endswith(".ics"))
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert b"BEGIN:VCALENDAR" in open(download.value.path(), "rb").read()

    tab_to(page, by_text("Meine Anmeldung stornieren"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmeldung stornieren")
    tab_to(page, by_text("Ja, meine Anmeldung stornieren"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Ihre Anmeldung wurde storniert.")
    assert live.mailbox.wait_for(email, count=3)["Subject"].startswith("Anmeldung storniert")


def test_registration_works_without_javascript(open_context, live):
    page = open_context(java_script_enabled=False).new_page()
    email = "erika.ohne-js@example.org"
    page.goto(EVENT_PATH + "/anmeldung")
    clock = FillClock(live.min_fill_seconds)
    page.get_by_label("Vorname").fill("Erika")
    page.get_by_label("Nachname").fill("Ohne Skript")
    page.get_by_label("E-Mail-Adresse").fill("nicht-gueltig")
    clock.wait()
    page.get_by_role("button", name="Jetzt anmelden").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.get_by_label("E-Mail-Adresse")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Größe Ihrer Organisation").select_option(label="Solo-selbstständig")
    page.get_by_label("Wo ist Ihr Sitz?").select_option(label="Thüringen")
    page.get_by_label("Ich habe die Datenschutzhinweise gelesen", exact=False).check()
    page.get_by_role("button", name="Jetzt anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vielen Dank für Ihre Anmeldung")
    assert link_in(live.mailbox.wait_for(email), "/anmeldung/bestaetigen/").startswith(
        live.base_url)
