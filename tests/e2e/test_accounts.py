"""An admin invites an organizer in a real browser; the invitation arrives at a real SMTP
server; its link sets the password; the organizer logs in and sees only their centre. A used,
expired or altered link shows a page that says so."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from eventhub import demo
from tests.e2e.live import link_in

NEW_PASSWORD = "werkstatt-im-erzgebirge"


def _log_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Einloggen").click()


def test_admin_invites_an_organizer_who_sets_a_password_and_sees_only_their_centre(
        open_context, live):
    admin = open_context().new_page()
    _log_in(admin, demo.ADMIN_EMAIL, demo.DEMO_PASSWORD)
    admin.get_by_role("link", name="Konten").click()
    admin.get_by_role("link", name="Jemanden einladen").click()
    admin.get_by_label("E-Mail-Adresse").fill("neu.sachsen@example.org")
    admin.get_by_label("Name").fill("Nele Neumann")
    admin.get_by_label("Rolle").select_option(
        label="Organisator/in (Veranstaltungen eines Zentrums)")
    admin.get_by_label("Organisation", exact=True).select_option(
        label="Zukunftszentrum Sachsen")
    admin.get_by_role("button", name="Einladung senden").click()
    expect(admin.get_by_role("status")).to_contain_text(
        "Die Einladung wurde an neu.sachsen@example.org gesendet.")
    expect(admin.get_by_role("row", name="Nele Neumann")).to_contain_text("Einladung offen")

    message = live.mailbox.wait_for("neu.sachsen@example.org")
    assert message["Subject"] == "Ihre Einladung zu eventhub"
    link = link_in(message, "/konto/einladung/")

    newcomer = open_context().new_page()
    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Willkommen bei eventhub")
    newcomer.locator("#new_password").fill(NEW_PASSWORD)
    newcomer.locator("#confirm").fill(NEW_PASSWORD)
    newcomer.get_by_role("button", name="Passwort speichern").click()
    expect(newcomer.get_by_role("status")).to_contain_text("Ihr Passwort ist festgelegt.")

    _log_in(newcomer, "neu.sachsen@example.org", NEW_PASSWORD)
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Ihre Veranstaltungen")
    table = newcomer.get_by_role("table")
    expect(table).to_contain_text("ZZ Sachsen")
    for other in ("ZZ Brandenburg", "ZZ Thüringen", "ZdA"):
        expect(table).not_to_contain_text(other)

    # The link has been used: a clear page, not the form.
    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", level=1)).to_have_text(
        "Dieser Link funktioniert nicht")
    expect(newcomer.get_by_role("main")).to_contain_text("schon benutzt")


def test_an_altered_invitation_link_shows_a_clear_page(open_context, live):
    page = open_context().new_page()
    page.goto("/konto/einladung/eyJhbGciOiJub25lIn0.verfaelscht.xx")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dieser Link funktioniert nicht")
    expect(page.get_by_role("link", name="Passwort vergessen?").first).to_be_visible()
