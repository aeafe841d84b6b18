"""The small-numbers rule, the tables built from a report, and the SVG chart."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from eventhub.reports import charts, services, tables
from eventhub.reports.services import Figures
from eventhub.reports.tables import EXACT, Hidden, Percent, Suppression
from tests.reports.conftest import NOW, PERIOD

SVG = "{http://www.w3.org/2000/svg}"
HIDE = Suppression(3)


@pytest.mark.parametrize("count, shown", [(0, 0), (1, Hidden("<3")), (2, Hidden("<3")),
                                          (3, 3), (250, 250)])
def test_counts_from_one_to_two_are_hidden(count, shown):
    assert HIDE.count(count) == shown
    assert EXACT.count(count) == count


def test_the_threshold_is_configurable():
    assert Suppression(5).count(4) == Hidden("<5")
    assert Suppression(1).count(1) == 1


@pytest.mark.parametrize("expected, no_shows, shown", [
    (0, 0, None),
    (1, 0, Hidden("×", True)),  # 0 % would say that the one person came
    (5, 1, Hidden("×", True)),  # 20 % of 5: one no-show
    (5, 4, Hidden("×", True)),  # 80 % of 5: one came
    (6, 3, Percent(0.5)),
    (3, 0, Percent(0.0)),
    (3, 3, Percent(1.0)),
])
def test_rates_never_give_a_small_count_away(expected, no_shows, shown):
    assert HIDE.rate(Figures(expected=expected, no_shows=no_shows)) == shown


@pytest.mark.parametrize("attended, shown", [(0, 0), (2, Hidden("×", True)), (3, 140)])
def test_minutes_of_fewer_than_three_people_are_hidden(attended, shown):
    minutes = 0 if attended == 0 else 140
    assert HIDE.minutes(Figures(attended=attended, minutes=minutes)) == shown


def _report(world):
    return services.build(world.coordinator, PERIOD, NOW, "Europe/Berlin")


def _rows(table) -> dict[str, list]:
    return {row.cells[0]: row.cells[1:] for row in (*table.rows, table.total)}


def test_tables_exact_and_shared(app, world):
    report = _report(world)
    with app.test_request_context("/?lang=en"):
        exact = {t.key: t for t in tables.build(report, "en")}
        shared = {t.key: t for t in tables.build(report, "en", HIDE)}
    assert list(exact) == ["regions", "organizations", "formats", "months", "events",
                           "side_by_side"]
    assert exact["regions"].head == ["Region", "Registered", "Confirmed", "Attended",
                                     "of them walk-ins", "No-show rate (%)", "Minutes attended"]
    assert _rows(exact["regions"])["Brandenburg"] == [6, 6, 2, 0, Percent(1 / 3), 45]
    assert _rows(shared["regions"])["Brandenburg"] == [6, 6, Hidden("<3"), 0,
                                                       Hidden("×", True), Hidden("×", True)]
    assert _rows(shared["regions"])["Total"] == [23, 17, 10, Hidden("<3"), Percent(4 / 11),
                                                 372]
    assert list(_rows(exact["months"]))[:3] == ["January 2026", "February 2026", "March 2026"]
    assert _rows(exact["side_by_side"])["Saxony"] == [0, 6, 0, 6]
    assert exact["side_by_side"].head == ["Region", "ZZ BB", "ZZ SN", "ZZ TH", "Total"]


def test_events_table_links_rows_to_their_report(app, world):
    with app.test_request_context("/"):
        events = next(t for t in tables.build(_report(world), "de") if t.key == "events")
    assert [row.event_id for row in events.rows] == [world.e1.id, world.e2.id, world.e3.id,
                                                     world.e4.id]
    first = events.rows[0].cells
    assert first[:4] == ["Nachtgespräch KI", "ZZ BB", "Webinar", PERIOD.first.replace(month=3)]


def test_organizers_get_no_side_by_side_table(app, world):
    report = services.build(world.organizer_a, PERIOD, NOW, "Europe/Berlin")
    with app.test_request_context("/"):
        assert "side_by_side" not in [t.key for t in tables.build(report, "de")]


@pytest.mark.parametrize("value, language, shown", [
    (1234, "de", "1.234"), (1234, "en", "1,234"), (Percent(4 / 11), "de", "36,4"),
    (Percent(4 / 11), "en", "36.4"), (Hidden("<3"), "de", "<3"), (None, "de", "–")])
def test_cell_text(value, language, shown):
    assert tables.text(value, language) == shown


def test_cell_plain_for_csv():
    assert tables.plain(1234, "de") == "1234"
    assert tables.plain(Percent(0.125), "de") == "12,5"
    assert tables.plain(None, "de") == ""


# --- the chart ---------------------------------------------------------------------------

def _svg(app, world, hide):
    with app.test_request_context("/?lang=en"):
        bars = tables.attendance_bars(_report(world), hide, "en")
    markup = charts.bar_chart(bars, chart_id="c", title="Attended per region",
                              description="One bar per region.")
    return ET.fromstring(str(markup))


def test_chart_is_an_accessible_image_with_a_bar_per_region(app, world):
    svg = _svg(app, world, EXACT)
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "c-title c-desc"
    assert svg.find(f"{SVG}title").text == "Attended per region"
    assert svg.find(f"{SVG}desc").text == "One bar per region."
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    # only the regions with any figure (here 8 of 18), in the order of the Länder
    assert texts[:2] == ["Berlin", "0"] and len(texts) == 16
    assert "Bavaria" not in texts
    assert texts[texts.index("Saxony") + 1] == "6"
    widths = sorted(float(r.get("width")) for r in svg.iter(f"{SVG}rect"))
    assert widths == [pytest.approx(290 / 6 * n, abs=0.1) for n in (1, 1, 2, 6)]


def test_chart_draws_hidden_counts_as_long_as_the_threshold(app, world):
    svg = _svg(app, world, HIDE)
    dashed = [r for r in svg.iter(f"{SVG}rect") if r.get("stroke-dasharray")]
    assert len(dashed) == 3  # Brandenburg (2), abroad (1), not stated (1): all the same
    assert len({r.get("width") for r in dashed}) == 1
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert texts.count("<3") == 3 and "1" not in texts and "2" not in texts


def test_chart_escapes_labels():
    markup = str(charts.bar_chart([charts.Bar("<script>&", 3, "3")], chart_id="x",
                                  title="a < b", description="d"))
    assert "<script>" not in markup and "&lt;script&gt;&amp;" in markup
    ET.fromstring(markup)


def test_chart_without_any_attendance():
    svg = ET.fromstring(str(charts.bar_chart([charts.Bar("Berlin", 0, "0")], chart_id="x",
                                             title="t", description="d")))
    assert list(svg.iter(f"{SVG}rect")) == []
