"""Wrong input in a real browser: every field error is tied to its field (aria-invalid,
aria-describedby pointing at the visible message), a summary announces them (role=alert),
and the focus moves there — so that keyboard and screen-reader users start with the
mistakes, on a desktop as on a phone."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import DIGITALTAG_SLUG, active, log_in
from tests.e2e.live import DESKTOP, PHONE

FORM = f"/veranstaltungen/{DIGITALTAG_SLUG}/anmeldung"


def _check_field_errors(page: Page, field_ids: list[str]) -> None:
    """The summary lists the fields in order; each field points at its visible message."""
    summary = page.locator("#error-summary")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary.get_by_role("link")).to_have_count(len(field_ids))
    hrefs = summary.get_by_role("link").evaluate_all("links => links.map(a => a.hash)")
    assert [h.removeprefix("#").removesuffix("-0") for h in hrefs] == field_ids
    for field_id in field_ids:
        field = page.locator(f"#{field_id}")
        controls = field.locator("input") if field.evaluate(
            "el => el.tagName") == "FIELDSET" else field
        for i in range(controls.count()):
            expect(controls.nth(i)).to_have_attribute("aria-invalid", "true")
        described_by = (field.get_attribute("aria-describedby") or "").split()
        assert f"{field_id}-error" in described_by, (field_id, described_by)
        for ref in described_by:  # every reference leads to something there
            expect(page.locator(f"#{ref}")).to_have_count(1)
        message = page.locator(f"#{field_id}-error")
        expect(message).to_be_visible()
        assert message.inner_text().strip()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "360px"])
def test_registration_errors_are_announced_and_get_the_focus(open_context, viewport):
    page = open_context(viewport=viewport).new_page()
    page.goto(FORM)
    page.get_by_label("E-Mail-Adresse").fill("erika@")
    page.get_by_label("E-Mail-Adresse").press("Enter")  # sent from a field, by keyboard
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    expect(page.locator("#error-summary")).to_be_focused()
    _check_field_errors(page, ["first_name", "last_name", "email", "organization_size",
                               "region_code", "consent"])
    expect(page.locator("#email-error")).to_contain_text(
        "Geben Sie eine E-Mail-Adresse wie name@example.org ein.")
    expect(page.get_by_label("E-Mail-Adresse")).to_have_value("erika@")  # input is kept

    # From the summary, the keyboard reaches the first link; it leads to the field, and
    # the field's label is on screen with it.
    page.keyboard.press("Tab")
    assert active(page)["href"] == "#first_name"
    page.keyboard.press("Enter")
    expect(page.locator("#first_name")).to_be_focused()
    expect(page.locator("label[for=first_name]")).to_be_in_viewport()
    page.locator("#error-summary").get_by_role("link").nth(5).click()
    expect(page.locator("#consent")).to_be_focused()


def test_wrong_login_is_announced_and_gets_the_focus(open_context):
    page = open_context().new_page()
    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill("organisation@demo.eventhub.invalid")
    page.get_by_label("Passwort").fill("nicht-das-passwort")
    page.get_by_label("Passwort").press("Enter")
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("E-Mail-Adresse oder Passwort ist nicht korrekt.")
    expect(alert).to_be_focused()
    expect(page.get_by_label("Passwort")).to_have_value("")  # never sent back


def test_event_form_errors_are_announced_and_get_the_focus(open_context):
    page = open_context().new_page()
    log_in(page)
    page.goto("/verwaltung/veranstaltungen/neu")
    page.locator("#capacity").fill("0")
    page.locator("#online_join_url").fill("meet.example.org/ohne-https")
    page.get_by_role("button", name="Als Entwurf speichern").click()
    expect(page.locator("#error-summary")).to_be_focused()
    _check_field_errors(page, ["title", "starts_local", "ends_local", "online_join_url",
                               "capacity"])
    # A field with a hint keeps it: the error is read first, then the hint.
    assert page.get_attribute("#capacity", "aria-describedby") == \
        "capacity-description capacity-error"
