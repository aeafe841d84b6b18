"""The report's tables as CSV and XLSX files, meant for sharing (small numbers hidden).

CSV follows the registration export (``eventhub.registration.exports``): UTF-8 with a byte
order mark, ``;``, CRLF, and formula-like text made inert. One file holds every table: a
block of facts about the report, then each table under its title, separated by an empty
line. XLSX has a sheet per table; counts and minutes are numbers, rates are percentages,
dates are dates, and hidden values are text.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import TYPE_CHECKING

from eventhub.registration.exports import CSV_DELIMITER, CSV_TYPE, XLSX_TYPE, neutralize
from eventhub.reports import tables
from eventhub.reports.tables import Hidden, Percent, Table, Value

if TYPE_CHECKING:
    from openpyxl.cell import WriteOnlyCell

__all__ = ["CSV_TYPE", "XLSX_TYPE", "to_csv", "to_xlsx", "filename"]

SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _csv_cell(value: Value, language: str) -> str:
    return neutralize(value) if isinstance(value, str) else tables.plain(value, language)


def to_csv(facts: list[tuple[str, str]], report_tables: list[Table], language: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    for label, value in facts:
        writer.writerow([neutralize(label), neutralize(value)])
    for table in report_tables:
        writer.writerow([])
        writer.writerow([neutralize(table.title)])
        writer.writerow([neutralize(h) for h in table.head])
        for row in (*table.all_rows, table.total):
            writer.writerow([_csv_cell(v, language) for v in row.cells])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_cell(sheet, value: Value, bold: bool = False) -> WriteOnlyCell:
    from openpyxl.cell import WriteOnlyCell  # with the first spreadsheet (see to_xlsx)
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    if isinstance(value, Hidden):
        value = value.text
    if isinstance(value, Percent):
        cell = WriteOnlyCell(sheet, value=value.fraction)
        cell.number_format = "0.0%"
    elif isinstance(value, int | date):
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, date):
            cell.number_format = "yyyy-mm-dd"
    else:
        # XML cannot hold most control characters; openpyxl would refuse the whole file.
        text = ILLEGAL_CHARACTERS_RE.sub("", value or "")
        cell = WriteOnlyCell(sheet, value=text or None)
        if text:
            cell.data_type = "s"  # text, even when it starts with "=": never a formula
    if bold:
        cell.font = Font(bold=True)
    return cell


def _sheet_title(title: str, taken: set[str]) -> str:
    base = SHEET_NAME_FORBIDDEN.sub(" ", title).strip()[:28] or "Sheet"
    name, number = base, 2
    while name.lower() in taken:
        name, number = f"{base} {number}", number + 1
    taken.add(name.lower())
    return name


def to_xlsx(facts: list[tuple[str, str]], report_tables: list[Table],
            facts_title: str) -> bytes:
    # openpyxl (about 8 MB) is imported with the first spreadsheet, not by every worker.
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    sheet = workbook.create_sheet(title=_sheet_title(facts_title, taken))
    for label, value in facts:
        sheet.append([_xlsx_cell(sheet, label, bold=True), _xlsx_cell(sheet, value)])
    for table in report_tables:
        sheet = workbook.create_sheet(title=_sheet_title(table.title, taken))
        sheet.freeze_panes = "B2"
        sheet.append([_xlsx_cell(sheet, h, bold=True) for h in table.head])
        for row in table.all_rows:
            sheet.append([_xlsx_cell(sheet, v) for v in row.cells])
        sheet.append([_xlsx_cell(sheet, v, bold=True) for v in table.total.cells])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(first: date, last: date, extension: str, event_slug: str | None = None) -> str:
    """E.g. ``bericht-2025-12-01-bis-2026-11-30.csv``, with the event's slug if chosen."""
    middle = f"-{event_slug}" if event_slug else ""
    return f"bericht{middle}-{first.isoformat()}-bis-{last.isoformat()}.{extension}"
