"""Checks shared by the browser tests: third-party requests, axe-core, page structure,
phones, keyboard focus."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

from axe_playwright_python.base import AXE_SCRIPT  # axe-core, shipped with the package
from playwright.sync_api import BrowserContext, Page

DIGITALTAG_SLUG = "digitaltag-regionale-impulse"
DIGITALTAG_TITLE = "Regionale Impulse für die digitale Arbeitswelt von morgen"


class RequestGuard:
    """Records what a browser context loads; anything not from the app itself is a problem:
    requests to other hosts, loads the Content Security Policy blocked (browsers need not
    report those as requests), broken assets and script errors."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.problems: list[str] = []

    def watch(self, context: BrowserContext) -> None:
        context.on("request", self._request)
        context.on("response", self._response)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.problems.append(
            f"script error: {error.error}"))

    def _request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob"):
            return
        if parts.scheme not in ("http", "https", "ws", "wss") or parts.netloc != self.host:
            self.problems.append(f"third-party request from {request.frame.url}: "
                                 f"{request.url}")

    def _response(self, response) -> None:
        # Pages may answer 4xx on purpose (a form with mistakes: 422); their assets may not.
        if response.request.resource_type != "document" and response.status >= 400:
            self.problems.append(f"{response.status} for {response.url}")

    def _console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or text.startswith("Refused to"):
            self.problems.append(f"blocked by the Content Security Policy: {text}")


def axe_violations(page: Page, impacts=("serious", "critical")) -> list[str]:
    """axe-core's findings of the given impacts, one readable line each."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)  # once per loaded page (about 500 kB of script)
    results = page.evaluate("() => axe.run({resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} – "
            + "; ".join(" ".join(map(str, node["target"])) for node in v["nodes"][:5])
            for v in results["violations"] if v["impact"] in impacts]


STRUCTURE_JS = """() => {
  const visible = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const skip = document.querySelector('a.skip-link');
  const target = skip && document.querySelector(skip.getAttribute('href'));
  const viewport = document.querySelector('meta[name=viewport]');
  return {
    lang: document.documentElement.lang,
    title: document.title,
    h1: [...document.querySelectorAll('h1')].filter(visible).length,
    mains: document.querySelectorAll('main').length,
    firstFocusable: skip === document.querySelector(
      'a[href], button, input:not([type=hidden]), select, textarea'),
    skipTarget: target ? target.tagName.toLowerCase() : null,
    viewport: viewport ? viewport.content : null,
  };
}"""


def structure_problems(page: Page, lang: str = "de") -> list[str]:
    """Language, one visible h1, one main landmark, a working skip link, a phone viewport."""
    info = page.evaluate(STRUCTURE_JS)
    problems = []
    if info["lang"] != lang:
        problems.append(f'<html lang="{info["lang"]}">, expected "{lang}"')
    if not info["title"].strip():
        problems.append("empty <title>")
    if info["h1"] != 1:
        problems.append(f"{info['h1']} visible h1 elements, expected exactly one")
    if info["mains"] != 1:
        problems.append(f"{info['mains']} <main> elements")
    if not info["firstFocusable"] or info["skipTarget"] != "main":
        problems.append("the skip link is not the first focusable element or does not lead "
                        "to <main>")
    if not info["viewport"] or "width=device-width" not in info["viewport"]:
        problems.append("no responsive viewport meta tag")
    return problems


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (0: no sideways scrolling)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - window.innerWidth")


def wider_elements(page: Page) -> list[str]:
    """The elements that stick out on the right, to say what to fix."""
    return page.evaluate("""() => {
      const width = document.documentElement.clientWidth;
      return [...document.querySelectorAll('body *')]
        .filter(el => el.getBoundingClientRect().right > width + 1)
        .slice(0, 8)
        .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
             + (typeof el.className === 'string' && el.className.trim()
                ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
             + ' ' + Math.round(el.getBoundingClientRect().right) + 'px');
    }""")


def assert_fits_phone(page: Page) -> None:
    overflow = horizontal_overflow(page)
    assert overflow <= 0, (f"{page.url} scrolls sideways by {overflow}px at "
                           f"{page.viewport_size['width']}px: {wider_elements(page)}")


def active(page: Page) -> dict:
    """What has the keyboard focus: tag, id, text, and whether its focus is visible."""
    return page.evaluate("""() => {
      const el = document.activeElement;
      const style = getComputedStyle(el);
      return {tag: el.tagName.toLowerCase(), id: el.id,
              text: (el.innerText || el.value || '').trim(),
              href: el.getAttribute('href') || '', type: el.type || '',
              focusVisible: el.matches(':focus-visible'),
              outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
    }""")


def tab_to(page: Page, matches, *, max_tabs: int = 60) -> dict:
    """Press Tab until ``matches(active(page))`` holds; the focus must be visible there."""
    # After a link or a form took us to a new page, its DOM can be there before its
    # stylesheet (a revalidation of the cached one): judge the focus with the styles on.
    page.wait_for_load_state("load")
    seen = []
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        focused = active(page)
        if matches(focused):
            assert focused["focusVisible"] and focused["outline"], \
                f"the keyboard focus on {focused} is not visible"
            return focused
        seen.append(focused["id"] or focused["text"][:30] or focused["tag"])
    raise AssertionError(f"not reached with {max_tabs} Tab presses; focus went: {seen}")


def by_id(element_id: str):
    return lambda focused: focused["id"] == element_id


def by_text(text: str):
    return lambda focused: focused["text"] == text


class FillClock:
    """The registration form refuses submissions faster than REGISTRATION_MIN_FILL_SECONDS
    (a bot check); people take longer, and so must the tests."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = time.monotonic()

    def wait(self) -> None:
        left = self.seconds + 0.3 - (time.monotonic() - self.started)
        if left > 0:
            time.sleep(left)


def demo_organizer():
    """The demo organizer's account (inside the live app's context)."""
    from eventhub import demo
    from eventhub.auth.models import User
    from eventhub.extensions import db
    return db.session.scalar(db.select(User).where(User.email == demo.DEMO_EMAIL))


def log_in(page: Page, email: str | None = None, password: str | None = None) -> None:
    """Log in through the form (the demo organizer unless told otherwise)."""
    from eventhub import demo

    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill(email or demo.DEMO_EMAIL)
    page.get_by_label("Passwort").fill(password or demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Einloggen").click()
    page.wait_for_url("**/verwaltung/")
