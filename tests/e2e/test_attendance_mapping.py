"""The mapping step in a real browser, by keyboard: an attendance list whose columns are not
recognised is mapped on the page (a role that does not count included), previewed and
stored; the next list with the same columns is read with the remembered mapping."""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from eventhub import demo, timeutil
from eventhub.events.models import Event, EventFormat, EventStatus
from eventhub.extensions import db
from eventhub.organizations.models import Organization
from eventhub.registration.models import OrganizationSize, Registration, RegistrationStatus
from tests.e2e.helpers import active, axe_violations, by_id, by_text, log_in, tab_to

SLUG = "e2e-spaltenzuordnung"
TITLE = "Werkstatt: Teilnahme nach Spalten"
HEADER = "Teilnehmer;Adresse;Minuten;Funktion"
FIRST = (f"{HEADER}\nErika Zuordnung;erika.zuordnung@example.org;95;Teilnahme\n"
         "Mia Moderation;mia.moderation@example.org;120;Moderation\n"
         "Udo Unbekannt;udo.unbekannt@example.org;30;Teilnahme\n").encode()
SECOND = (f"{HEADER}\nPaul Zuordnung;paul.zuordnung@example.org;64;Teilnahme\n"
          "Mia Moderation;mia.moderation@example.org;118;Moderation\n").encode()


def _webinar(live) -> int:
    """A webinar of the demo organizer's centre, held yesterday, with two registrations."""
    with live.app.app_context():
        start = timeutil.utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
        organization = db.session.scalar(select(Organization).where(
            Organization.slug == "zentrum-digitale-arbeit"))
        event = Event(slug=SLUG, title=TITLE, format=EventFormat.WEBINAR,
                      organization=organization, starts_at=start,
                      ends_at=start + timedelta(hours=2), status=EventStatus.PUBLISHED,
                      published_at=start - timedelta(days=20),
                      online_join_url="https://meet.example.org/spalten")
        db.session.add(event)
        db.session.flush()
        db.session.add_all([Registration(
            event_id=event.id, status=RegistrationStatus.CONFIRMED, email=email,
            first_name=first, last_name="Zuordnung", organization_size=OrganizationSize.SOLO,
            region_code="DE-BE") for first, email in (
                ("Erika", "erika.zuordnung@example.org"), ("Paul", "paul.zuordnung@example.org"))])
        db.session.commit()
        return event.id


def _upload(page: Page, event_id: int, name: str, data: bytes) -> None:
    page.goto(f"/verwaltung/veranstaltungen/{event_id}/teilnahme/import")
    page.get_by_label("Teilnahmedatei").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}])
    page.get_by_role("button", name="Hochladen und Vorschau zeigen").click()


def _choose(page: Page, field: str, letter: str) -> None:
    """Move to the field with Tab and pick a column by typing its letter."""
    tab_to(page, by_id(field))
    page.keyboard.type(letter)
    expect(page.locator(f"#{field}")).to_have_value(str(ord(letter) - ord("A")))


def _map_by_keyboard(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Welche Spalte enthält was?")
    expect(page.locator("#sample thead th")).to_have_text(
        ["A: Teilnehmer", "B: Adresse", "C: Minuten", "D: Funktion"])
    # Name and minutes are recognised by their headings; the e-mail column is not.
    expect(page.locator("#name")).to_have_value("0")
    expect(page.locator("#duration")).to_have_value("2")
    tab_to(page, by_text("Datei mit diesen Spalten lesen"))
    page.keyboard.press("Enter")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("Wählen Sie die Spalte mit den E-Mail-Adressen")
    expect(summary).to_be_focused()  # a screen reader starts there (the script moves focus)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the summary's link leads to the field
    assert active(page)["id"] == "email"
    page.keyboard.type("B")
    expect(page.locator("#email")).to_have_value("1")
    _choose(page, "role", "D")
    tab_to(page, by_id("excluded_roles"))
    page.keyboard.type("Moderation")
    tab_to(page, by_text("Datei mit diesen Spalten lesen"))
    page.keyboard.press("Enter")


def test_a_list_is_mapped_by_keyboard_and_the_mapping_is_remembered(open_context, live):
    event_id = _webinar(live)
    page = open_context().new_page()
    log_in(page, demo.DEMO_EMAIL)
    _upload(page, event_id, "teilnahme.csv", FIRST)
    expect(page).to_have_url(re.compile(rf"/veranstaltungen/{event_id}/teilnahme/import/"
                                        r"\d+/spalten$"))
    assert axe_violations(page) == []
    _map_by_keyboard(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Vorschau des Imports")
    expect(page.locator("#mapping-note")).to_contain_text("Spaltenzuordnung gelesen")
    expect(page.locator("#matched tbody tr")).to_have_count(1)
    expect(page.locator("#matched")).to_contain_text("Erika Zuordnung")
    expect(page.locator("#unmatched")).to_contain_text("Udo Unbekannt")
    expect(page.locator("#excluded")).to_contain_text("Mia Moderation")
    expect(page.locator("#excluded")).to_contain_text("Moderation")
    assert axe_violations(page) == []
    tab_to(page, by_text("Teilnahme speichern"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Importierter Webinar-Bericht")
    expect(page.locator("#excluded")).to_contain_text("Mia Moderation")
    expect(page.locator("#unmatched")).to_contain_text("Udo Unbekannt")

    _upload(page, event_id, "teilnahme-2.csv", SECOND)
    expect(page.get_by_role("heading", level=1)).to_have_text("Vorschau des Imports")
    assert "/spalten" not in page.url  # no mapping page this time
    expect(page.locator("#mapping-note")).to_contain_text(
        "Diese Datei wurde mit der Spaltenzuordnung gelesen, die am")
    expect(page.locator("#matched")).to_contain_text("Paul Zuordnung")
    expect(page.locator("#excluded")).to_contain_text("Mia Moderation")
    expect(page.get_by_role("link", name="Spaltenzuordnung ändern")).to_be_visible()

