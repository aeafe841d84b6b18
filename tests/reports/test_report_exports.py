"""CSV and XLSX downloads: the same tables, small numbers always hidden, nothing of other
centres for organizers, formula-like text made inert."""
from __future__ import annotations

import pytest

from tests.reports.helpers import PERIOD_ARGS, URL, by_label, csv_sections, workbook

pytestmark = pytest.mark.usefixtures("frozen_now")


def download(client, file_format, **args):
    response = client.get(f"{URL}/export.{file_format}",
                          query_string={**PERIOD_ARGS, "lang": "en", **args})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.headers["Cache-Control"] == "no-store"
    return response


def test_csv_for_coordinators(client, login, world):
    login(world.coordinator)
    response = download(client, "csv")
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="bericht-2026-01-01-bis-2026-06-30.csv"'
    facts, tables = csv_sections(response.data)
    assert facts[:4] == [["Report", "Registrations and attendance"],
                         ["Period", "2026-01-01 – 2026-06-30"], ["Time zone", "Europe/Berlin"],
                         ["Organizations", "all"]]
    assert facts[4] == ["Created", "2026-05-25 12:00"]
    assert facts[5][0] == "Small numbers" and "“<3”" in facts[5][1]
    assert facts[6][0] == "Rounding" and "multiples of 5" in facts[6][1]
    assert list(tables) == ["Per region", "Per organization", "Per format", "Per month",
                            "Per event", "Attended per region and organization",
                            "Per organization size", "Per role",
                            "Per region and organization size: Registered",
                            "Small companies and solo self-employed",
                            "New and returning participants per organization",
                            "New and returning participants per month",
                            "Registered per month and organization",
                            "Attended per month and organization"]
    regions = tables["Per region"]
    assert regions[0] == ["Region", "Registered", "Confirmed", "Attended", "of them walk-ins",
                          "No-show rate (%)", "Minutes attended"]
    rows = by_label(regions)
    assert len(rows) == 19
    assert rows["Berlin"] == ["<3", "<3", "0", "0", "×", "0"]
    assert rows["Brandenburg"] == ["5", "5", "<3", "0", "×", "×"]
    assert rows["Saxony"] == ["10", "5", "5", "<3", "×", "180"]
    assert rows["outside Germany"] == ["<3", "<3", "<3", "0", "×", "×"]
    assert rows["not stated"] == ["0", "0", "<3", "<3", "", "×"]
    assert rows["Bavaria"] == ["0", "0", "0", "0", "", "0"]
    assert rows["Total"] == ["25", "15", "10", "<3", "50.0", "360"]
    months = by_label(tables["Per month"])
    assert months["February 2026"][0] == "0" and months["March 2026"][:3] == ["10", "10", "5"]
    formats = by_label(tables["Per format"])
    assert formats["Online talk"] == ["5", "<3", "0", "0", "", "0"]


def test_csv_neutralizes_formulas_and_hides_exact_numbers_even_without_the_toggle(
        client, login, world):
    login(world.coordinator)
    _, tables = csv_sections(download(client, "csv").data)
    events = by_label(tables["Per event"])
    assert events["'=Werkstatt"] == ["ZZ BB", "Workshop", "2026-03-15", "5", "5", "0", "0",
                                     "", "0"]
    assert events["Ausblick"][3:5] == ["5", "<3"]


def test_csv_in_german_uses_a_decimal_comma(client, login, world):
    login(world.coordinator)
    _, tables = csv_sections(download(client, "csv", lang="de").data)
    regions = by_label(next(iter(tables.values())))
    assert regions["Insgesamt"][4] == "50,0"


def test_csv_of_an_organizer_holds_only_their_centre(client, login, world):
    login(world.organizer_a)
    data = download(client, "csv").data
    text = data.decode("utf-8-sig")
    for foreign in ("Zukunftszentrum Sachsen", "Zukunftszentrum Thüringen",
                    "Digitaltag Sachsen", "Ausblick", "ZZ SN"):
        assert foreign not in text
    facts, tables = csv_sections(data)
    assert ["Organizations", "Zukunftszentrum Brandenburg"] in facts
    assert "Attended per region and organization" not in tables
    regions = by_label(tables["Per region"])
    assert regions["Saxony"] == ["<3", "0", "0", "0", "", "0"]  # E1's waitlisted person only
    assert regions["Total"] == ["10", "10", "5", "<3", "×", "60"]


def test_an_organizer_cannot_export_another_centres_event(client, login, world):
    login(world.organizer_a)
    for file_format in ("csv", "xlsx"):
        response = client.get(f"{URL}/export.{file_format}",
                              query_string={**PERIOD_ARGS, "event": world.e3.id, "lang": "en"})
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert "There is no such event" in page and "Digitaltag Sachsen" not in page


def test_csv_of_one_event(client, login, world):
    login(world.organizer_b)
    response = download(client, "csv", event=world.e3.id)
    assert 'filename="bericht-' in response.headers["Content-Disposition"]
    assert world.e3.slug in response.headers["Content-Disposition"]
    facts, tables = csv_sections(response.data)
    assert ["Event", "Digitaltag Sachsen"] in facts
    # 2 of 7 did not come: a rate that would reveal a count below 3
    assert by_label(tables["Per region"])["Total"] == ["10", "5", "5", "<3", "×", "300"]


def test_the_threshold_is_a_setting(app, client, login, world, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_SMALL_NUMBER_THRESHOLD", 5)
    login(world.coordinator)
    _, tables = csv_sections(download(client, "csv").data)
    assert by_label(tables["Per format"])["Workshop"][:2] == ["5", "<5"]


def test_xlsx(client, login, world):
    login(world.coordinator)
    response = download(client, "xlsx")
    assert response.content_type == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = workbook(response.data)
    assert book.sheetnames[:7] == ["Report", "Per region", "Per organization", "Per format",
                                   "Per month", "Per event", "Attended per region and orga"]
    assert book["Report"]["A2"].value == "Period"
    regions = {row[0]: row[1:] for row in book["Per region"].iter_rows(values_only=True)}
    assert regions["Region"][0] == "Registered"
    assert regions["Saxony"] == (10, 5, 5, "<3", "×", 180)
    assert regions["Bavaria"] == (0, 0, 0, 0, None, 0)
    total = book["Per region"]["A20"]
    assert total.value == "Total" and total.font.bold
    rate = book["Per region"]["F20"]
    assert rate.value == pytest.approx(5 / 10) and rate.number_format == "0.0%"
    events = list(book["Per event"].iter_rows(min_row=2, values_only=True))
    assert events[1][0] == "=Werkstatt" and book["Per event"]["A3"].data_type == "s"
    assert events[1][3].date().isoformat() == "2026-03-15"


def test_xlsx_of_an_organizer(client, login, world):
    login(world.organizer_a)
    book = workbook(download(client, "xlsx").data)
    values = [str(v) for sheet in book for row in sheet.iter_rows(values_only=True)
              for v in row if v is not None]
    assert not [v for v in values if "Zukunftszentrum Sachsen" in v or "ZZ SN" in v
                or "Digitaltag Sachsen" in v or "Ausblick" in v]
    assert "Attended per region and orga" not in book.sheetnames
