"""Reading what the report pages and files show."""
from __future__ import annotations

import csv
import html
import io
import re

from openpyxl import load_workbook

URL = "/verwaltung/berichte"
PERIOD_ARGS = {"start": "2026-01-01", "end": "2026-06-30"}


def page_table(page: str, key: str) -> dict[str, list[str]]:
    """The rows of the page's table ``key`` by their first cell, as shown (tags removed)."""
    match = re.search(rf'<section aria-labelledby="table-{key}">(.*?)</section>', page, re.S)
    assert match, f"no table {key}"
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S)[1:]:
        cells = [html.unescape(re.sub(r'<span class="visually-hidden">.*?</span>|<[^>]+>', "",
                                      c)).strip()
                 for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


def csv_sections(data: bytes) -> tuple[list[list[str]], dict[str, list[list[str]]]]:
    """The facts block and each table (heading row first) of a report CSV."""
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 byte order mark for Excel"
    text = data[3:].decode("utf-8")
    assert "\r\n" in text
    blocks = text.split("\r\n\r\n")
    parse = lambda block: list(csv.reader(io.StringIO(block, newline=""), delimiter=";"))  # noqa: E731
    facts, tables = parse(blocks[0]), {}
    for block in blocks[1:]:
        rows = [r for r in parse(block) if r]
        tables[rows[0][0]] = rows[1:]
    return facts, tables


def by_label(rows: list[list[str]]) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in rows[1:]}


def workbook(data: bytes):
    return load_workbook(io.BytesIO(data))
