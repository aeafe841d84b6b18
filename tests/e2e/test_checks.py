"""The checks of the browser tests must be able to fail: a page that loads something from
another host, breaks an accessibility rule, has two h1 or the wrong language, or is too
wide for a phone is caught."""
from __future__ import annotations

from playwright.sync_api import Page

from tests.e2e.helpers import (
    RequestGuard,
    axe_violations,
    horizontal_overflow,
    structure_problems,
)
from tests.e2e.live import PHONE

IMAGE = """url => { const img = document.createElement('img'); img.src = url;
                    document.body.append(img); }"""
ELSEWHERE = "https://fonts.example.net/logo.png"


def test_a_load_blocked_by_the_content_security_policy_is_caught(browser, live):
    context = browser.new_context(base_url=live.base_url)
    guard = RequestGuard(live.host)
    guard.watch(context)
    page = context.new_page()
    page.goto("/")
    assert guard.problems == []
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate(IMAGE, ELSEWHERE)
    context.close()
    assert any(p.startswith("blocked by the Content Security Policy") and ELSEWHERE in p
               for p in guard.problems), guard.problems


def test_a_request_to_another_host_is_caught(browser, live):
    # Without the policy the browser would really ask; the route stops it on this machine.
    context = browser.new_context(base_url=live.base_url, bypass_csp=True)
    context.route(lambda url: not url.startswith(live.base_url), lambda route: route.abort())
    guard = RequestGuard(live.host)
    guard.watch(context)
    page = context.new_page()
    page.goto("/")
    with page.expect_request(ELSEWHERE):
        page.evaluate(IMAGE, ELSEWHERE)
    context.close()
    assert [p for p in guard.problems if p.startswith("third-party request")] == [
        f"third-party request from {live.url('/')}: {ELSEWHERE}"]


def test_broken_pages_are_caught(page: Page):
    page.goto("/")
    assert structure_problems(page) == [] and axe_violations(page) == []
    page.evaluate("""() => {  // styles through the DOM: the policy forbids style attributes
      document.documentElement.lang = 'en';
      const main = document.querySelector('main');
      main.insertAdjacentHTML('beforeend', '<h1>Noch eine Überschrift</h1><input type="text">'
                                           + '<p id="pale">kaum lesbar</p><div id="wide">x</div>');
      document.getElementById('pale').style.color = '#bbb';
      document.getElementById('wide').style.width = '900px';
    }""")
    assert structure_problems(page) == ['<html lang="en">, expected "de"',
                                        "2 visible h1 elements, expected exactly one"]
    found = {line.split(" ")[0] for line in axe_violations(page)}
    assert {"label", "color-contrast"} <= found, found
    page.set_viewport_size(PHONE)
    assert horizontal_overflow(page) > 0
    page.goto("about:blank")  # the broken page is this test's own; the end-of-test check skips it
