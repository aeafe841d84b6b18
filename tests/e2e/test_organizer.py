"""An organizer's way in a real browser: log in, create an event with three agenda items and
a speaker, publish it, see a registration arrive, export the list."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from eventhub import demo, timeutil
from tests.e2e.helpers import FillClock

TITLE = "Werkstatt: Barrierefreie Formulare im Kleinbetrieb"
AGENDA = (("Ankommen und Einführung", "14:00", "14:20"),
          ("Praxisbeispiel aus Sachsen", "14:20", "15:10"),
          ("Fragen und Austausch", "15:10", "16:00"))
SPEAKER = "Dr. Lea Sommer"


def _flash(page: Page, text: str) -> None:
    expect(page.get_by_role("status")).to_contain_text(text)


def _log_in(page: Page) -> None:
    page.goto("/")
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Einloggen").click()
    page.get_by_label("E-Mail-Adresse").fill(demo.DEMO_EMAIL)
    page.get_by_label("Passwort").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Einloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Veranstaltungen")
    _flash(page, "Willkommen, Demo Organisatorin.")


def _create_event(page: Page, day: str) -> None:
    page.get_by_role("link", name="Neue Veranstaltung").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Neue Veranstaltung")
    page.locator("#title").fill(TITLE)
    page.locator("#format").select_option(label="Workshop")
    page.locator("#summary").fill("Formulare, die alle ausfüllen können.")
    page.locator("#starts_local").fill(f"{day}T14:00")
    page.locator("#ends_local").fill(f"{day}T16:00")
    page.locator("#online_join_url").fill("https://meet.example.org/werkstatt-formulare")
    page.locator("#capacity").fill("30")
    page.get_by_role("button", name="Als Entwurf speichern").click()
    _flash(page, "Die Veranstaltung wurde als Entwurf gespeichert.")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".page-header .badge")).to_have_text("Entwurf")


def _add_speaker(page: Page) -> None:
    page.get_by_role("link", name=re.compile(r"^Referierende \(0\)")).click()
    page.locator("#name").fill(SPEAKER)
    page.locator("#role").fill("Beraterin für digitale Barrierefreiheit")
    page.locator("#region_code").select_option(label="Sachsen")
    page.get_by_role("button", name="Referierende Person hinzufügen").click()
    _flash(page, "Die referierende Person wurde hinzugefügt.")
    expect(page.locator(".manage-list")).to_contain_text(SPEAKER)
    page.get_by_role("link", name="Zurück zur Veranstaltung").click()


def _add_agenda(page: Page, day: str) -> None:
    page.get_by_role("link", name=re.compile(r"^Programm \(0\)")).click()
    for position, (title, start, end) in enumerate(AGENDA):
        page.locator("#title").fill(title)
        # The start is suggested from the previous item's end.
        expect(page.locator("#starts_local")).to_have_value(f"{day}T{start}")
        page.locator("#ends_local").fill(f"{day}T{end}")
        if position == 1:
            page.get_by_label(SPEAKER).check()
        page.get_by_role("button", name="Punkt hinzufügen").click()
        _flash(page, "Der Programmpunkt wurde hinzugefügt.")
    expect(page.locator(".manage-list h2")).to_have_text([t for t, _, _ in AGENDA])
    page.get_by_role("link", name="Zurück zur Veranstaltung").first.click()


def _register_as_participant(context_factory, public_url: str, live) -> str:
    page = context_factory().new_page()
    email = "paula.publikum@example.org"
    page.goto(public_url)
    page.get_by_role("link", name="Jetzt anmelden").click()
    clock = FillClock(live.min_fill_seconds)
    page.get_by_label("Vorname").fill("Paula")
    page.get_by_label("Nachname").fill("Publikum")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Größe Ihrer Organisation").select_option(label="10–49 Beschäftigte")
    page.get_by_label("Wo ist Ihr Sitz?").select_option(label="Brandenburg")
    page.get_by_label("Ich habe die Datenschutzhinweise gelesen", exact=False).check()
    clock.wait()
    page.get_by_role("button", name="Jetzt anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vielen Dank für Ihre Anmeldung")
    page.context.close()
    return email


def test_organizer_creates_publishes_sees_a_registration_and_exports(open_context, live):
    page = open_context().new_page()
    day = (timeutil.to_local(timeutil.utcnow(), "Europe/Berlin") + timedelta(days=40)) \
        .strftime("%Y-%m-%d")
    _log_in(page)
    _create_event(page, day)
    _add_speaker(page)
    _add_agenda(page, day)
    expect(page.get_by_role("link", name="Öffentliche Seite")).to_have_count(0)  # a draft
    page.get_by_role("button", name="Veröffentlichen").click()
    _flash(page, "Die Veranstaltung ist veröffentlicht.")
    expect(page.locator(".page-header .badge")).to_have_text("Veröffentlicht")

    page.get_by_role("link", name="Öffentliche Seite").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".agenda-title")).to_have_text([t for t, _, _ in AGENDA])
    expect(page.locator(".speaker-name")).to_have_text([SPEAKER])
    public_url = page.url

    page.goto("/verwaltung/")
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("link", name="Anmeldungen").click()
    expect(page.get_by_text("Es hat sich noch niemand angemeldet.")).to_be_visible()
    email = _register_as_participant(open_context, public_url, live)
    page.reload()
    row = page.locator("tbody tr", has_text="Paula Publikum")
    expect(row).to_contain_text(email)
    expect(row).to_contain_text("Brandenburg")
    expect(page.locator("[data-count=held]")).to_contain_text("1 von 30")

    with page.expect_download() as download:
        page.get_by_role("link", name="Als CSV exportieren").click()
    assert download.value.suggested_filename.endswith(".csv")
    text = open(download.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:5] == ["Status", "Herkunft", "Vorname", "Nachname", "E-Mail-Adresse"]
    assert [r[1:5] for r in body] == [["Anmeldeformular", "Paula", "Publikum", email]]
