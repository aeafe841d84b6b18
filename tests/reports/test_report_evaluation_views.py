"""The evaluation on the page: breakdowns, the funnel and trend charts with their tables,
regions without data collapsed, bad choices refused with a message."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from tests.reports.helpers import URL, page_table
from tests.reports.test_report_views import get

pytestmark = pytest.mark.usefixtures("frozen_now")


def _svg(page: str, chart_id: str) -> ET.Element:
    match = re.search(rf'<svg[^>]*aria-labelledby="{chart_id}-title[^"]*".*?</svg>', page, re.S)
    assert match, chart_id
    return ET.fromstring(match.group(0))


def test_regions_with_data_come_first_and_the_rest_is_collapsed(client, login, world):
    login(world.coordinator)
    page = get(client)
    regions = page_table(page, "regions")
    assert list(regions)[:3] == ["Berlin", "Brandenburg", "Mecklenburg-Western Pomerania"]
    assert "Bavaria" not in regions and len(regions) == 9  # 8 with data, and the total
    details = re.search(r'<details class="report-empty">(.*?)</details>', page, re.S).group(1)
    assert "10 regions without registrations or attendance" in details
    assert "Bavaria" in details and "Thuringia" not in details


def test_funnel_and_trend_are_accessible_charts_beside_their_tables(client, login, world):
    login(world.coordinator)
    page = get(client)
    for chart in ("funnel-chart", "trend-chart", "sizes-chart"):
        svg = _svg(page, chart)
        assert svg.get("role") == "img"
        assert svg.find("{http://www.w3.org/2000/svg}title").text
        assert svg.find("{http://www.w3.org/2000/svg}desc").text
    funnel = [t.text for t in _svg(page, "funnel-chart").iter("{http://www.w3.org/2000/svg}text")]
    assert funnel[:7] == ["ZZ BB", "Registered", "11", "Confirmed", "8", "Attended", "3"]
    trend = page_table(page, "trend_registered")
    assert trend["March 2026"] == ["11", "0", "0", "11"]
    assert trend["May 2026"] == ["0", "8", "0", "8"]
    assert page_table(page, "trend_attended")["Total"] == ["3", "7", "0", "10"]


def test_organizers_get_no_trend_of_other_centres(client, login, world):
    login(world.organizer_a)
    page = get(client)
    assert "trend-chart" not in page and "ZZ SN" not in page
    assert list(page_table(page, "visits_organizations")) == ["Zukunftszentrum Brandenburg",
                                                               "Total"]


def test_every_table_broken_down_by_size(client, login, world):
    login(world.coordinator)
    page = get(client, breakdown="size", measure="attended")
    regions = page_table(page, "regions")
    head = re.search(r'<section aria-labelledby="table-regions">.*?<thead>(.*?)</thead>',
                     page, re.S).group(1)
    assert "Solo self-employed" in head and "250 or more employees" in head
    # every world registration is 1–9: Saxony's six attended, the walk-in "not stated"
    assert regions["Saxony"] == ["0", "6", "0", "0", "0", "0", "6"]
    for key in ("organizations", "formats", "months", "events"):
        assert page_table(page, key)["Total"][-1] == "10", key


def test_broken_down_by_role(client, login, world):
    login(world.coordinator)
    page = get(client, breakdown="role")
    total = page_table(page, "organizations")["Total"]
    assert total[-1] == "23" and total[-2] == "23"  # nobody stated a role: all "not stated"


@pytest.mark.parametrize("args", [{"breakdown": "age"}, {"measure": "minutes"},
                                  {"breakdown": "x" * 5000}, {"measure": "\u202e"}])
def test_bad_choices_are_explained_not_errors(client, login, world, args):
    login(world.coordinator)
    page = get(client, 422, **args)
    assert "Not a valid choice" in page or "choice" in page.lower()
    for fmt in ("csv", "xlsx"):
        response = client.get(f"{URL}/export.{fmt}", query_string={"lang": "en", **args})
        assert response.status_code == 422


def test_the_keys_a_report_writes_are_kept_for_the_next(client, login, world, db_session):
    from sqlalchemy import func, select

    from eventhub.attendance.people import PersonKey
    from eventhub.registration.models import Registration
    login(world.coordinator)
    get(client)  # a request that did not commit would leave nothing (IsolatedClient)
    registrations = db_session.scalar(select(func.count()).select_from(Registration))
    assert registrations > 20
    assert db_session.scalar(select(func.count()).select_from(PersonKey)) == registrations
