"""The coordinator's first look at the report in a real browser (issue 22, issue 27): the
demo's past year fills it, every table fits at 1280 px without a column cut off, charts are
images with their numbers beside them, and the page passes axe at desktop and phone size."""
from __future__ import annotations

from playwright.sync_api import Page

from eventhub import demo
from tests.e2e.helpers import assert_fits_phone, axe_violations, log_in
from tests.e2e.live import DESKTOP, PHONE

OVERFLOWING_TABLES = """() => [...document.querySelectorAll('.table-wrap')]
  .filter(w => w.scrollWidth > w.clientWidth + 1)
  .map(w => w.getAttribute('aria-labelledby') + ' ' + (w.scrollWidth - w.clientWidth) + 'px')"""


def _report(open_context, viewport, query: str = "") -> Page:
    page = open_context(viewport=viewport).new_page()
    log_in(page, demo.COORDINATOR_EMAIL)
    page.goto("/verwaltung/berichte" + query)
    return page


def test_every_table_fits_at_desktop_width_and_the_report_shows_the_year(open_context):
    for query in ("", "?breakdown=size", "?breakdown=role&measure=attended&shared=y"):
        page = _report(open_context, DESKTOP, query)
        assert page.evaluate(OVERFLOWING_TABLES) == [], query
        assert axe_violations(page) == [], query
    for chart in ("regions-chart", "funnel-chart", "trend-chart", "sizes-chart"):
        assert page.locator(f'svg[aria-labelledby^="{chart}-title"]').count() == 1
    total = page.locator('section[aria-labelledby="table-organizations"] tfoot td').last
    assert total.inner_text() not in ("0", "")


def test_the_report_on_a_phone_scrolls_only_inside_its_tables(open_context):
    page = _report(open_context, PHONE)
    assert_fits_phone(page)
    assert axe_violations(page) == []
