"""Browser tests: Debian's Chromium, driven by Playwright, against a live eventhub.

One live server and one browser for the whole e2e run (package scope), a fresh browser
context per test. Every context is watched: a request to any host other than the live
server, a resource blocked by the Content Security Policy, a broken asset or a script error
fails the test that caused it.

Without Chromium (or without the playwright package) the whole folder is skipped with one
line; with EVENTHUB_REQUIRE_BROWSER=1 (CI) that is an error instead.
"""
from __future__ import annotations

import inspect
import os

import pytest

from tests.e2e.live import browser_missing

MISSING = browser_missing()
if MISSING and os.environ.get("EVENTHUB_REQUIRE_BROWSER"):
    raise RuntimeError(f"EVENTHUB_REQUIRE_BROWSER is set, but {MISSING}")
try:
    from playwright.sync_api import BrowserContext, sync_playwright
except ImportError:  # the test modules import it too: skip the folder as a whole
    pytest.skip(f"browser tests skipped: {MISSING}", allow_module_level=True)

from tests.e2e.helpers import RequestGuard, axe_violations  # noqa: E402
from tests.e2e.live import DESKTOP, LiveServer, launch  # noqa: E402

_SKIP_LINE = inspect.currentframe().f_lineno + 6  # the pytest.skip() below


@pytest.fixture(scope="package", autouse=True)
def _browser_available():
    if MISSING:
        pytest.skip(f"browser tests skipped: {MISSING}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Report every such skip at this one place, so that pytest's summary folds them into
    one line (it would list each test's own location otherwise)."""
    report = (yield).get_result()
    if MISSING and report.skipped and isinstance(report.longrepr, tuple):
        report.longrepr = (__file__, _SKIP_LINE, report.longrepr[2])


@pytest.fixture(scope="package")
def live(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("live")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="package")
def browser():
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture()
def open_context(browser, live):
    """``open_context(**options)``: a new browser context on the live server (German,
    1280 x 900 unless told otherwise) whose requests are checked when the test ends."""
    opened: list[tuple[BrowserContext, RequestGuard, bool]] = []

    def _open(**options) -> BrowserContext:
        options.setdefault("viewport", DESKTOP)
        options.setdefault("locale", "de-DE")
        options.setdefault("timezone_id", "Europe/Berlin")
        options.setdefault("accept_downloads", True)
        context = browser.new_context(base_url=live.base_url, **options)
        context.set_default_timeout(10_000)
        guard = RequestGuard(live.host)
        guard.watch(context)
        # axe needs scripts: a context without JavaScript is not checked at the end.
        opened.append((context, guard, options.get("java_script_enabled", True)))
        return context

    yield _open
    problems = []
    for context, guard, scripts in opened:
        if scripts:
            problems.extend(_axe_on_last_pages(context))
        context.close()
        problems.extend(guard.problems)
    assert not problems, "the browser went astray:\n" + "\n".join(problems)


def _axe_on_last_pages(context: BrowserContext) -> list[str]:
    """axe-core on the page each tab of the context ended on: every journey's last page is
    checked too, not only the pages test_pages.py opens one by one."""
    problems = []
    for tab in context.pages:
        if tab.is_closed() or tab.url == "about:blank" or not tab.evaluate(
                "() => document.contentType === 'text/html'"):
            continue
        problems += [f"{tab.url}: {p}" for p in axe_violations(tab)]
    return problems


@pytest.fixture()
def page(open_context):
    return open_context().new_page()
