"""``make screenshots``: the main pages at desktop (1280 x 900) and phone (360 x 740) size,
as PNG files, so anyone can look at eventhub without running it by hand.

Runs the same live server as the browser tests (a temporary SQLite database with the demo
data, a real SMTP server), walks through a registration and an organizer login in Debian's
Chromium, and writes ``<number>-<page>-<desktop|phone>.png`` into the output folder
(``screenshots/`` by default, which git ignores). Nothing is fetched from other hosts.

    .venv/bin/python -m tests.e2e.screenshots [--out screenshots]

The regional report (as the coordinating centre sees it) joins the set as soon as the app
has that page.
"""
from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

from flask import url_for

from tests.e2e.helpers import DIGITALTAG_SLUG, FillClock, log_in
from tests.e2e.live import DESKTOP, PHONE, LiveServer, browser_missing, launch, link_in

EVENT = f"/veranstaltungen/{DIGITALTAG_SLUG}"
SIZES = {"desktop": {"viewport": DESKTOP},
         "phone": {"viewport": PHONE, "is_mobile": True, "has_touch": True,
                   "device_scale_factor": 2}}
PEOPLE = (("Katrin", "Albrecht", True), ("Jonas", "Becker", True), ("Aylin", "Demir", False),
          ("Thomas", "Fischer", True), ("Marie", "Hoffmann", True))


def _shoot(page, out: Path, name: str, size: str) -> Path:
    path = out / f"{name}-{size}.png"
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.screenshot(path=str(path), full_page=True)
    return path


def _participant(page, live, out: Path, size: str) -> list[Path]:
    """Home, event, form, thanks, confirmation, personal page — as a participant sees them."""
    shots = []
    page.goto("/")
    shots.append(_shoot(page, out, "01-home", size))
    page.goto(EVENT)
    shots.append(_shoot(page, out, "02-event", size))
    page.goto(EVENT + "/anmeldung")
    clock = FillClock(live.min_fill_seconds)
    page.get_by_label("Vorname").fill("Erika")
    page.get_by_label("Nachname").fill("Mustermann")
    email = f"erika.{size}@example.org"
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Organisation (optional)").fill("Tischlerei Mustermann")
    page.get_by_label("Größe Ihrer Organisation").select_option(label="1–9 Beschäftigte")
    page.get_by_label("Wo ist Ihr Sitz?").select_option(label="Sachsen")
    page.evaluate("window.scrollTo(0, 0)")
    shots.append(_shoot(page, out, "03-registration-form", size))
    page.get_by_label("Ich habe die Datenschutzhinweise gelesen", exact=False).check()
    clock.wait()
    page.get_by_role("button", name="Jetzt anmelden").click()
    page.get_by_role("heading", name="Vielen Dank für Ihre Anmeldung").wait_for()
    shots.append(_shoot(page, out, "04-registration-thanks", size))
    page.goto(link_in(live.mailbox.wait_for(email), "/anmeldung/bestaetigen/"))
    shots.append(_shoot(page, out, "05-confirmation", size))
    page.get_by_role("button", name="Anmeldung bestätigen").click()
    page.get_by_role("heading", name="Ihre Anmeldung").wait_for()
    shots.append(_shoot(page, out, "06-personal-page", size))
    return shots


def _organizer(page, live, out: Path, size: str) -> list[Path]:
    log_in(page)
    shots = [_shoot(page, out, "07-organizer-dashboard", size)]
    page.get_by_role("link", name="Regionale Impulse für die digitale Arbeitswelt von morgen") \
        .first.click()
    page.get_by_role("link", name="Anmeldungen").click()
    page.get_by_role("heading", name="Anmeldungen", level=1).wait_for()
    shots.append(_shoot(page, out, "08-registration-list", size))
    return shots


def _report(page, live, out: Path, size: str) -> list[Path]:
    """The regional report, as the coordinating centre sees it (once the app has it)."""
    from eventhub import demo

    if "manage.reports" not in live.app.view_functions:
        return []
    log_in(page, demo.COORDINATOR_EMAIL)
    with live.app.test_request_context():
        page.goto(url_for("manage.reports"))
    return [_shoot(page, out, "09-regional-report", size)]


def render(out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        live = LiveServer(Path(tmp)).start()
        try:
            for first, last, confirm in PEOPLE:
                live.register(DIGITALTAG_SLUG, f"{first.lower()}.{last.lower()}@example.org",
                              first_name=first, last_name=last, confirm=confirm)
            with sync_playwright() as playwright:
                browser = launch(playwright)
                shots = []
                for size, options in SIZES.items():
                    for walk in (_participant, _organizer, _report):
                        context = browser.new_context(base_url=live.base_url,
                                                      locale="de-DE", **options)
                        shots += walk(context.new_page(), live, out, size)
                        context.close()
                browser.close()
        finally:
            live.stop()
    return sorted(shots)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("screenshots"),
                        help="folder for the PNG files (emptied of PNG files first)")
    args = parser.parse_args(argv)
    missing = browser_missing()
    if missing:
        print(f"cannot take screenshots: {missing}", file=sys.stderr)
        return 1
    logging.disable(logging.INFO)  # the server's request log and the migrations' progress
    for path in render(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
