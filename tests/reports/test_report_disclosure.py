"""No hidden count can be recomputed from what is shared: not from a total minus its
parts, not from the difference between two periods' downloads, not in any table of the
files or of the shareable view."""
from __future__ import annotations

import pytest

from tests.reports.helpers import PERIOD_ARGS, URL, by_label, csv_sections, page_table
from tests.reports.test_report_exports import download
from tests.reports.test_report_views import get

pytestmark = pytest.mark.usefixtures("frozen_now")
BASE, HIDDEN = 5, "<3"


def _kind(head: str) -> str:
    if "(%)" in head:
        return "rate"
    return "minutes" if head.startswith("Minutes") else "count"


def _numbers(tables):
    """(table, column, {row: cell}) for every count column of every table."""
    for title, rows in tables.items():
        head, body = rows[0], by_label(rows)
        first = next(i for i, h in enumerate(head[1:], start=1)
                     if any(r[i - 1] in ("0", HIDDEN) or r[i - 1].isdigit()
                            for r in body.values()))
        for column in range(first, len(head)):
            if _kind(head[column]) == "count":
                yield title, head[column], {label: r[column - 1] for label, r in body.items()}


def test_every_shared_count_is_hidden_zero_or_a_multiple_of_the_base(client, login, world):
    login(world.coordinator)
    _, tables = csv_sections(download(client, "csv").data)
    seen = 0
    for title, column, cells in _numbers(tables):
        for label, value in cells.items():
            seen += 1
            assert value in ("0", HIDDEN) or (value.isdigit() and int(value) % BASE == 0), \
                (title, column, label, value)
    assert seen > 300
    for rows in tables.values():
        for head_index, head in enumerate(rows[0]):
            if _kind(head) == "minutes":
                for row in rows[1:]:
                    assert row[head_index] in ("0", "×") or int(row[head_index]) % 60 == 0


def test_a_total_minus_its_parts_never_gives_a_hidden_count(client, login, world):
    login(world.coordinator)
    _, tables = csv_sections(download(client, "csv").data)
    checked = 0
    for title, column, cells in _numbers(tables):
        total = cells.pop("Total", None)
        hidden = [label for label, value in cells.items() if value == HIDDEN]
        if total in (None, HIDDEN) or not hidden:
            continue
        rest = int(total) - sum(int(v) for v in cells.values() if v != HIDDEN)
        checked += 1
        # the hidden cells hold 1 or 2 each; what is left over is a multiple of 5
        assert rest % BASE == 0 and rest not in (1, 2), (title, column, rest)
    assert checked > 10


def test_neighbouring_periods_do_not_give_away_the_days_between(client, login, world):
    """June adds E4 alone: Saxony's 3 registrations and Thuringia's 1."""
    login(world.coordinator)
    _, june = csv_sections(download(client, "csv").data)  # January to June
    _, may = csv_sections(download(client, "csv", end="2026-05-31").data)
    with_june, without = by_label(june["Per region"]), by_label(may["Per region"])
    assert (with_june["Saxony"][0], without["Saxony"][0]) == ("10", "5")  # true: 10 and 7
    assert (with_june["Thuringia"][0], without["Thuringia"][0]) == (HIDDEN, "0")
    for table in june:
        later, earlier = by_label(june[table]), by_label(may.get(table, [[]]))
        for label, row in later.items():
            for index, value in enumerate(row):
                other = earlier.get(label, [None] * len(row))[index]
                if value.isdigit() and other is not None and other.isdigit():
                    assert (int(value) - int(other)) % BASE == 0, (table, label)


def test_the_shareable_view_follows_the_same_rules(client, login, world):
    login(world.coordinator)
    page = get(client, shared="y")
    counts = {"regions": range(4), "per_size": range(4), "region_size": range(7),
              "shares": (0, 1, 3), "visits_months": range(3), "trend_registered": range(4)}
    for key, columns in counts.items():
        for label, cells in page_table(page, key).items():
            for index in columns:
                value = cells[index].replace(",", "")
                assert value in ("0", HIDDEN) or int(value) % BASE == 0, (key, label, value)
    assert page_table(page, "regions")["Total"][:3] == ["25", "15", "10"]


def test_the_page_for_its_own_users_shows_exact_counts(client, login, world):
    login(world.coordinator)
    assert page_table(get(client), "regions")["Total"][:3] == ["23", "17", "10"]
    response = client.get(URL, query_string={**PERIOD_ARGS, "lang": "en", "shared": "y"})
    assert response.status_code == 200
