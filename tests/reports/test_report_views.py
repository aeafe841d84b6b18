"""The report page: who sees what, the filter, bad input, the shareable view."""
from __future__ import annotations

import pytest

from eventhub.auth.models import Role
from tests.reports.helpers import PERIOD_ARGS, URL, page_table

pytestmark = pytest.mark.usefixtures("frozen_now")


def get(client, status=200, **args):
    response = client.get(URL, query_string={**PERIOD_ARGS, "lang": "en", **args})
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_the_login(client, world):
    for path in (URL, URL + "/export.csv", URL + "/export.xlsx"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_coordinators_see_every_centre_side_by_side(client, login, world):
    login(world.coordinator)
    page = get(client)
    organizations = page_table(page, "organizations")
    assert organizations["Zukunftszentrum Brandenburg"][:3] == ["11", "8", "3"]
    assert organizations["Zukunftszentrum Sachsen"][:3] == ["12", "9", "7"]
    assert organizations["Zukunftszentrum Thüringen"][:3] == ["0", "0", "0"]
    side_by_side = page_table(page, "side_by_side")
    assert side_by_side["Saxony"] == ["0", "6", "0", "6"]
    assert side_by_side["Total"] == ["3", "7", "0", "10"]
    regions = page_table(page, "regions")
    assert regions["Brandenburg"] == ["6", "6", "2", "0", "33.3", "45"]
    assert regions["Berlin"] == ["2", "1", "0", "0", "100.0", "0"]
    assert regions["Total"] == ["23", "17", "10", "2", "36.4", "372"]
    assert 'role="img"' in page and "<title id=\"regions-chart-title\">" in page


def test_admins_see_everything_too(client, login, world):
    login(world.admin)
    assert page_table(get(client), "regions")["Total"][0] == "23"


def test_an_organizer_sees_only_their_centre(client, login, world):
    login(world.organizer_a)
    page = get(client)
    assert page_table(page, "regions")["Total"] == ["11", "8", "3", "1", "50.0", "75"]
    assert list(page_table(page, "organizations")) == ["Zukunftszentrum Brandenburg", "Total"]
    assert "table-side_by_side" not in page
    for foreign in ("Zukunftszentrum Sachsen", "Digitaltag Sachsen", "Ausblick", "ZZ SN"):
        assert foreign not in page


def test_an_organizer_cannot_ask_for_another_centres_event(client, login, world):
    login(world.organizer_a)
    page = get(client, 422, event=world.e3.id)
    assert "There is no such event among the events you may see." in page
    assert "table-regions" not in page and "Digitaltag Sachsen" not in page


def test_one_event(client, login, world):
    login(world.organizer_b)
    page = get(client, event=world.e3.id)
    assert page_table(page, "regions")["Total"] == ["8", "7", "7", "1", "28.6", "297"]
    assert list(page_table(page, "events")) == ["Digitaltag Sachsen", "Total"]
    assert f'<option selected value="{world.e3.id}">Digitaltag Sachsen (2026-05-20)' in page


def test_event_rows_link_to_the_events_report(client, login, world):
    login(world.coordinator)
    page = get(client)
    assert (f'href="{URL}?start=2026-01-01&amp;end=2026-06-30&amp;event={world.e1.id}"'
            in page)


def test_the_shareable_view_hides_small_counts(client, login, world):
    login(world.coordinator)
    page = get(client, shared="y")
    assert page_table(page, "regions")["Berlin"] == ["<3", "<3", "0", "0", "×", "0"]
    assert page_table(page, "regions")["Brandenburg"] == ["5", "5", "<3", "0", "×", "×"]
    assert "Shareable view: counts from 1 to 2" in page
    assert "rounded to multiples of 5" in page
    assert "export.csv?start=2026-01-01&amp;end=2026-06-30&amp;shared=y" in page


def test_the_default_period_is_the_last_twelve_months(client, login, world):
    login(world.coordinator)
    response = client.get(URL, query_string={"lang": "en"})
    page = response.get_data(as_text=True)
    assert 'value="2025-06-01"' in page and 'value="2026-05-31"' in page
    assert "Events starting from Jun 1, 2025 to May 31, 2026 (Europe/Berlin)" in page
    assert page_table(page, "regions")["Total"][0] == "21"  # E5 (2) and E1–E3, not E4


def test_an_empty_period(client, login, world):
    login(world.coordinator)
    page = get(client, start="2024-01-01", end="2024-12-31")
    assert "No published event starts in this period." in page
    assert "table-regions" not in page


@pytest.mark.parametrize("args, message", [
    ({"start": "2026-13-01"}, "Enter a date like 2026-11-21."),
    ({"end": "30.06.2026"}, "Enter a date like 2026-11-21."),
    ({"start": ""}, "Enter a date like 2026-11-21."),
    ({"start": "2026-07-01"}, "The end must not be before the start."),
    ({"start": "0001-01-01"}, "Enter a date between 2000 and 2099."),
    ({"start": "2000-01-01", "end": "2099-12-31"}, "Choose a period of at most 10 years."),
    ({"event": "abc"}, "There is no such event among the events you may see."),
    ({"event": "99999999999999999999"}, "There is no such event among the events you may see."),
    ({"event": "987654"}, "There is no such event among the events you may see."),
])
def test_bad_input_is_explained_at_the_form(client, login, world, args, message):
    login(world.coordinator)
    page = get(client, 422, **args)
    assert message in page and 'class="error-summary"' in page
    assert "table-regions" not in page


@pytest.mark.parametrize("which, message", [
    ("e5", "This event does not start within the chosen period."),
    ("e6", "Reports cover published events only."),
])
def test_events_outside_the_report(client, login, world, which, message):
    login(world.coordinator)
    page = get(client, 422, event=getattr(world, which).id)
    assert message in page
    assert "Nachtgespräch KI (2026-03-01)" in page  # the events of the period to choose from


def test_bad_input_to_an_export_gives_the_page_not_a_file(client, login, world):
    login(world.coordinator)
    response = client.get(URL + "/export.xlsx", query_string={"start": "2026-02-30",
                                                              "lang": "en"})
    assert response.status_code == 422
    assert response.content_type.startswith("text/html")
    assert "Enter a date like 2026-11-21." in response.get_data(as_text=True)


def test_the_page_in_german(client, login, world):
    login(world.coordinator)
    response = client.get(URL, query_string=PERIOD_ARGS)
    page = response.get_data(as_text=True)
    assert "<h1>Berichte</h1>" in page
    assert page_table(page, "regions")["Insgesamt"] == ["23", "17", "10", "2", "36,4", "372"]
    assert "Nach Region" in page and "Anteil nicht erschienen (%)" in page


def test_the_dashboard_links_to_the_reports(client, login, world):
    login(world.organizer_a)
    assert f'href="{URL}"' in client.get("/verwaltung/").get_data(as_text=True)


def test_an_organizer_without_organization(client, login, world, make):
    login(make.user(role=Role.ORGANIZER, organization=None))
    assert "No published event starts in this period." in get(client)
