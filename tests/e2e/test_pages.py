"""Every public, participant and organizer page in a real browser, at 1280 px and at 360 px:
axe-core finds no serious or critical accessibility violation, the page has its language,
one h1, one main landmark and a skip link to it, loads nothing from other hosts (the
RequestGuard), and does not scroll sideways on a phone.

The check-in, attendance-import and regional-report pages are scanned as soon as the app has
them (they are being added in parallel); until then those three tests are skipped.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import flask
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import (
    DIGITALTAG_SLUG,
    RequestGuard,
    axe_violations,
    demo_organizer,
    horizontal_overflow,
    log_in,
    structure_problems,
    wider_elements,
)
from tests.e2e.live import DESKTOP, PHONE

EVENT = f"/veranstaltungen/{DIGITALTAG_SLUG}"
PAST_EVENT = "/veranstaltungen/e-rechnung-pflicht"


@dataclass(frozen=True)
class Spec:
    who: str  # public | participant | organizer
    path: str | Callable[[dict], str | None]  # a path, or made from the site's ids
    status: int = 200
    action: Callable[[Page], None] | None = None  # what the person does on the page first

    def url(self, site: dict) -> str | None:
        return self.path(site) if callable(self.path) else self.path


def _submit(button: str):
    def act(page: Page) -> None:
        page.get_by_role("button", name=button).click()
        expect(page.locator("[data-error-summary]").first).to_be_visible()
    return act


def _wrong_password(page: Page) -> None:
    page.get_by_label("E-Mail-Adresse").fill("organisation@demo.eventhub.invalid")
    page.get_by_label("Passwort").fill("falsch-falsch-falsch")
    page.get_by_role("button", name="Einloggen").click()
    expect(page.get_by_role("alert")).to_be_visible()


def _erase(page: Page) -> None:
    page.get_by_label("Ja, ", exact=False).check()
    page.get_by_role("button", name="Meine Daten löschen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Daten wurden gelöscht")


def _manage(path: str = ""):
    return lambda site: f"/verwaltung/veranstaltungen/{site['event']}{path}"


PAGES: dict[str, Spec] = {
    # public
    "home": Spec("public", "/"),
    "home-filtered": Spec("public", "/?region=DE-SN&format=webinar"),
    "home-no-match": Spec("public", "/?month=2001-01"),
    "home-bad-filter": Spec("public", "/?month=Juni"),
    "archive": Spec("public", "/archiv"),
    "event": Spec("public", EVENT),
    "event-past": Spec("public", PAST_EVENT),
    "registration-form": Spec("public", EVENT + "/anmeldung"),
    "registration-form-errors": Spec("public", EVENT + "/anmeldung",
                                     action=_submit("Jetzt anmelden")),
    "registration-closed": Spec("public", PAST_EVENT + "/anmeldung"),
    "registration-thanks": Spec("public", EVENT + "/anmeldung/danke"),
    "login": Spec("public", "/login"),
    "login-error": Spec("public", "/login", action=_wrong_password),
    "not-found": Spec("public", "/veranstaltungen/gibt-es-nicht", status=404),
    # participant (personal links from the e-mails)
    "confirm": Spec("participant", lambda s: s["pending"]["confirm"]),
    "personal-pending": Spec("participant", lambda s: s["pending"]["manage"]),
    "personal-confirmed": Spec("participant", lambda s: s["confirmed"]["manage"]),
    "personal-cancelled": Spec("participant", lambda s: s["cancelled"]["manage"]),
    "cancel": Spec("participant", lambda s: s["confirmed"]["manage"] + "/absagen"),
    "personal-data": Spec("participant", lambda s: s["confirmed"]["manage"] + "/daten"),
    "personal-data-errors": Spec("participant", lambda s: s["confirmed"]["manage"] + "/daten",
                                 action=_submit("Meine Daten löschen")),
    "personal-data-erased": Spec("participant", lambda s: s["erasable"]["manage"] + "/daten",
                                 action=_erase),
    "invalid-link": Spec("participant", "/anmeldung/kein-gueltiger-link", status=400),
    # organizer
    "dashboard": Spec("organizer", "/verwaltung/"),
    "dashboard-drafts": Spec("organizer", "/verwaltung/?status=draft"),
    "event-manage": Spec("organizer", _manage()),
    "event-new": Spec("organizer", "/verwaltung/veranstaltungen/neu"),
    "event-new-errors": Spec("organizer", "/verwaltung/veranstaltungen/neu",
                             action=_submit("Als Entwurf speichern")),
    "event-edit": Spec("organizer", _manage("/bearbeiten")),
    "event-cancel": Spec("organizer", _manage("/absagen")),
    "agenda": Spec("organizer", _manage("/programm")),
    "agenda-errors": Spec("organizer", _manage("/programm"),
                          action=_submit("Punkt hinzufügen")),
    "agenda-item": Spec("organizer", lambda s: _manage(f"/programm/{s['item']}")(s)),
    "speakers": Spec("organizer", _manage("/referierende")),
    "speaker": Spec("organizer", lambda s: _manage(f"/referierende/{s['speaker']}")(s)),
    "registrations": Spec("organizer", _manage("/anmeldungen")),
    "registrations-pending": Spec("organizer", _manage("/anmeldungen?status=pending")),
    "registration-add": Spec("organizer", _manage("/anmeldungen/neu")),
    "registration-cancel": Spec("organizer", lambda s: _manage(
        f"/anmeldungen/{s['confirmed']['id']}/absagen")(s)),
    "questions": Spec("organizer", _manage("/anmeldungen/fragen")),
    "question": Spec("organizer", lambda s: _manage(
        f"/anmeldungen/fragen/{s['question']}")(s)),
    "password": Spec("organizer", "/account/password"),
    # Arriving with the attendance and report work; scanned as soon as the app has them.
    "check-in": Spec("organizer", lambda s: s["url_for"]("manage.attendance_page",
                                                         event_id=s["event"])),
    "attendance-import": Spec("organizer", lambda s: s["url_for"]("manage.import_upload",
                                                                  event_id=s["event"])),
    "regional-report": Spec("organizer", lambda s: s["url_for"]("manage.reports")),
}


@pytest.fixture(scope="package")
def site(live) -> dict:
    """Registrations in every state, a custom question, and the ids the pages need."""
    from eventhub.events.queries import public_event
    from eventhub.extensions import db
    from eventhub.registration import questions
    from eventhub.registration.models import QuestionKind

    ids = {
        "pending": live.register(DIGITALTAG_SLUG, "scan.offen@example.org"),
        "confirmed": live.register(DIGITALTAG_SLUG, "scan.bestaetigt@example.org",
                                   confirm=True),
        "cancelled": live.register(DIGITALTAG_SLUG, "scan.storniert@example.org",
                                   confirm=True, cancel=True),
        "erasable": live.register(DIGITALTAG_SLUG, "scan.loeschen@example.org"),
    }
    with live.app.app_context():
        event = public_event(DIGITALTAG_SLUG)
        organizer = demo_organizer()
        question = questions.add_question(organizer, event, questions.QuestionData(
            label="Welche Themen interessieren Sie besonders?",
            kind=QuestionKind.MULTIPLE_CHOICE, help_text="Mehrere Antworten möglich.",
            options=["Künstliche Intelligenz", "Datenschutz", "Weiterbildung"]))
        db.session.commit()
        ids.update(event=event.id, item=event.agenda_items[0].id,
                   speaker=event.speakers[0].id, question=question.id)

    def url_for(endpoint: str, **values) -> str | None:
        if endpoint not in live.app.view_functions:
            return None
        with live.app.test_request_context():
            return flask.url_for(endpoint, **values)

    ids["url_for"] = url_for
    return ids


class Scanner:
    """One page per kind of visitor (anonymous, logged-in organizer), reused from test to
    test: opening a fresh browser page costs more than checking one. Each test starts
    with a clean record of requests."""

    def __init__(self, browser, live) -> None:
        self.browser, self.live = browser, live
        self._pages: dict[str, tuple[Page, RequestGuard]] = {}

    def page(self, who: str) -> tuple[Page, RequestGuard]:
        key = "organizer" if who == "organizer" else "anonymous"
        if key not in self._pages:
            context = self.browser.new_context(base_url=self.live.base_url, viewport=DESKTOP,
                                               locale="de-DE")
            guard = RequestGuard(self.live.host)
            guard.watch(context)
            page = context.new_page()
            if key == "organizer":
                log_in(page)
            self._pages[key] = page, guard
        page, guard = self._pages[key]
        page.set_viewport_size(DESKTOP)
        guard.problems.clear()
        return page, guard

    def close(self) -> None:
        for page, _ in self._pages.values():
            page.context.close()


@pytest.fixture(scope="module")
def scanner(browser, live):
    scanner = Scanner(browser, live)
    yield scanner
    scanner.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_page_is_accessible_and_self_contained(name, scanner, site):
    spec = PAGES[name]
    url = spec.url(site)
    if url is None:
        pytest.skip(f"{name}: the page is not in this app yet")
    page, guard = scanner.page(spec.who)
    response = page.goto(url)
    assert response.status == spec.status, f"{page.url}: HTTP {response.status}"
    if spec.action:
        spec.action(page)
    problems = structure_problems(page) + axe_violations(page)
    overflow = horizontal_overflow(page)
    if overflow > 0:
        problems.append(f"at 1280 px the page scrolls sideways by {overflow}px: "
                        f"{wider_elements(page)}")
    page.set_viewport_size(PHONE)  # the media queries apply at once; no reload needed
    overflow = horizontal_overflow(page)
    if overflow > 0:
        problems.append(f"at 360 px the page scrolls sideways by {overflow}px: "
                        f"{wider_elements(page)}")
    problems += [f"at 360 px: {p}" for p in axe_violations(page)]
    problems += guard.problems
    assert not problems, f"{name} ({page.url}):\n" + "\n".join(problems)


# The language comes from one place (base.html); a page of each kind is enough to see it.
ENGLISH = ["home", "event", "registration-form", "personal-confirmed", "invalid-link",
           "dashboard", "registrations", "agenda"]


@pytest.mark.parametrize("name", ENGLISH)
def test_page_speaks_english_on_request(name, scanner, site):
    spec = PAGES[name]
    page, guard = scanner.page(spec.who)
    url = spec.url(site)
    response = page.goto(url + ("&" if "?" in url else "?") + "lang=en")
    assert response.status == spec.status
    expect(page.locator("a.skip-link")).to_have_text("Skip to main content")
    assert structure_problems(page, lang="en") == []
    assert guard.problems == []


TAB_STOP_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const seen = el.dataset.e2eTabStop === '1';
  el.dataset.e2eTabStop = '1';
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  const text = el.innerText || el.value || el.getAttribute('aria-label') || '';
  return {name: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' '
                + text.trim().slice(0, 40),
          seen, visible: el.matches(':focus-visible') && rect.width > 0 && rect.height > 0,
          ring: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2)
                || style.boxShadow !== 'none',
          onScreen: rect.bottom > 0 && rect.top < innerHeight
                    && rect.right > 0 && rect.left < innerWidth};
}"""


@pytest.mark.parametrize("name", ["home", "event", "registration-form", "personal-confirmed",
                                  "dashboard", "registrations", "agenda"])
def test_every_tab_stop_shows_the_focus(name, scanner, site):
    """Tab through the whole page: each stop is on screen with a visible focus ring."""
    spec = PAGES[name]
    page, guard = scanner.page(spec.who)
    page.goto(spec.url(site))
    stops, problems = 0, []
    for _ in range(200):
        page.keyboard.press("Tab")
        stop = page.evaluate(TAB_STOP_JS)
        if stop is None or stop["seen"]:
            break
        stops += 1
        if not (stop["visible"] and stop["ring"] and stop["onScreen"]):
            problems.append(stop)
    else:
        problems.append("more than 200 tab stops")
    assert stops >= 5, f"only {stops} tab stops"
    assert not problems, problems
    assert guard.problems == []


def test_registration_form_is_comfortable_on_a_phone(open_context):
    """At 360 px: every control fits the screen, is big enough to hit with a finger, and
    has text large enough that phones do not zoom in when it gets the focus."""
    page = open_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto(EVENT + "/anmeldung")
    controls = page.eval_on_selector_all(
        "main input:not([type=hidden]), main select, main textarea, main button",
        """els => els.filter(el => !el.closest('.honeypot')).map(el => {
             const r = el.getBoundingClientRect();
             return {name: el.id || el.innerText, type: el.type, left: r.left, right: r.right,
                     width: r.width, height: r.height,
                     font: parseFloat(getComputedStyle(el).fontSize)};
           })""")
    assert len(controls) >= 9
    problems = []
    for c in controls:
        small = 24 if c["type"] in ("checkbox", "radio") else 44
        if c["left"] < 0 or c["right"] > PHONE["width"]:
            problems.append(f"{c['name']} sticks out ({c['left']:.0f}–{c['right']:.0f}px)")
        if c["height"] < small or c["width"] < small:
            problems.append(f"{c['name']} is {c['width']:.0f}x{c['height']:.0f}px")
        if c["type"] not in ("checkbox", "radio") and c["font"] < 16:
            problems.append(f"{c['name']} has {c['font']}px text (phones zoom in)")
    assert not problems, problems
