"""An uploaded attendance file as rows of cells, whatever it was saved as: CSV or tab-
separated text (UTF-8 or UTF-16, as Zoom, Teams and Excel write them) or an Excel workbook
(.xlsx, its first sheet with data).

What is not a table is refused here with the reason, before any format is guessed: a PDF,
an image or other binary data, an old .xls workbook, a workbook that would unpack to far
more than its size (a zip bomb), a file cut off in the middle of a quoted cell."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l

from eventhub.attendance.importtext import ParseError, decode

Rows = list[tuple[int, list[str]]]
MAX_ROWS = 100_000
MAX_COLUMNS = 200
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # an honest sheet of 100,000 rows stays far below
MAX_PACKING_RATIO = 100  # XML compresses about 10:1; a bomb by orders of magnitude more
_XLSX, _XLS = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
# Signatures of files people upload by mistake: PDF, PNG, JPEG, GIF, gzip, 7z, RAR.
_OTHER_BINARIES = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"7z\xbc\xaf",
                   b"Rar!")
_DELIMITERS = ("\t", ";", ",")


@dataclass(frozen=True)
class Table:
    rows: Rows  # (line or row number as the organizer sees it, stripped cells); [] if blank
    encoding: str  # "UTF-8", "UTF-16" or "Excel workbook"
    sheets: tuple[str, ...] = ()  # a workbook's sheet names
    sheet: int | None = None  # the one read


def read(data: bytes, sheet: int | None = None) -> Table:
    """The file's rows; of a workbook, sheet number ``sheet`` (0-based) or else the first
    sheet with data."""
    if data.startswith(_XLSX):
        return _workbook(data, sheet)
    if data.startswith(_XLS):
        raise ParseError(1, _l("This is a workbook in the old Excel format (.xls). Save it "
                               "as .xlsx or as “CSV UTF-8” and upload that file."))
    if data.startswith(_OTHER_BINARIES) or _looks_binary(data):
        raise ParseError(1, _l("This is not a table file: upload the CSV or Excel file that "
                               "Zoom or Teams exports, or a list saved as CSV or .xlsx."))
    text, encoding = decode(data)
    return Table(text_rows(text, sniff_delimiter(text)), encoding)


def _looks_binary(data: bytes) -> bool:
    """Control bytes that no text export contains (UTF-16 is recognised by decode)."""
    head = data[:4096]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or head[1::2].count(0) > len(head) * 0.4 or \
            head[0::2].count(0) > len(head) * 0.4:
        return False
    return sum(byte < 9 or 13 < byte < 32 for byte in head) > len(head) // 100 + 1


def sniff_delimiter(text: str) -> str:
    """Tab, semicolon or comma: whichever occurs most often outside quotes in the first
    lines (the dates of English Teams reports contain commas, their rows more tabs)."""
    head = re.sub(r'"[^"]*"', "", "\n".join(text.splitlines()[:60]))
    counts = {d: head.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def text_rows(text: str, delimiter: str) -> Rows:
    """(line number, stripped cells) for every row; a blank line gives an empty list."""
    try:
        return _csv_rows(text, delimiter, strict=True)
    except _CutOff as exc:
        raise ParseError(exc.line, _l(
            "The file ends in the middle of this line (a quoted cell is never closed): it "
            "was cut off. Download or export it again.")) from None
    except csv.Error:  # a stray quote inside a cell, which the lenient reader accepts
        return _csv_rows(text, delimiter, strict=False)


class _CutOff(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


def _csv_rows(text: str, delimiter: str, *, strict: bool) -> Rows:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
    rows: Rows = []
    start = 1
    try:
        for cells in reader:
            rows.append((start, _cleaned(cells)))
            start = reader.line_num + 1
            _check_size(len(rows), len(cells), start - 1)
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise _CutOff(start) from None
        if strict:
            raise
        raise ParseError(reader.line_num or start, _l(
            "This line cannot be read as CSV (%(problem)s).", problem=str(exc))) from None
    return rows


def _cleaned(cells: list[str]) -> list[str]:
    cells = [c.replace("\u00a0", " ").strip().strip("\ufeff").strip() for c in cells]
    return cells if any(cells) else []


def _check_size(rows: int, columns: int, line: int) -> None:
    if rows > MAX_ROWS:
        raise ParseError(line, _l("The file has more than %(n)d rows; split it into smaller "
                                  "files.", n=MAX_ROWS))
    if columns > MAX_COLUMNS:
        raise ParseError(line, _l("This row has more than %(n)d columns: this is not an "
                                  "attendance list.", n=MAX_COLUMNS))


# --- Excel ---------------------------------------------------------------------------------

def _workbook(data: bytes, wanted: int | None) -> Table:
    """A sheet read with openpyxl in read-only mode, after checking what the archive would
    unpack to."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    _check_archive(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ParseError(1, _l("This workbook cannot be read. Open it in Excel, save it as "
                               ".xlsx again (or as “CSV UTF-8”) and upload that file.")) from None
    try:
        names = tuple(workbook.sheetnames)
        if wanted is not None and not 0 <= wanted < len(names):
            raise ParseError(1, _l("The workbook has no sheet number %(n)d.", n=wanted + 1))
        for index in [wanted] if wanted is not None else range(len(names)):
            rows = _sheet_rows(workbook.worksheets[index])
            if any(cells for _, cells in rows):
                return Table(rows, "Excel workbook", names, index)
    finally:
        workbook.close()
    raise ParseError(1, _l("The file is empty."))


def _check_archive(data: bytes) -> None:
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile:
        raise ParseError(1, _l("This is a damaged or incomplete Excel file (it may have been "
                               "cut off). Download or save it again.")) from None
    unpacked = sum(entry.file_size for entry in entries)
    if not any(e.filename == "xl/workbook.xml" for e in entries):
        raise ParseError(1, _l("This is a ZIP archive, not an Excel workbook: unpack it and "
                               "upload the attendance file inside."))
    if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_PACKING_RATIO * max(len(data), 1):
        raise ParseError(1, _l("This workbook would unpack to %(size)d MB: far more than an "
                               "attendance list. Save the list alone as .xlsx or CSV.",
                               size=unpacked // (1024 * 1024)))


def _sheet_rows(sheet) -> Rows:
    rows: Rows = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        _check_size(number, len(values), number)
        rows.append((number, _cleaned([_cell_text(v) for v in values])))
    return rows


def _cell_text(value) -> str:
    """A cell as the exporting program would have written it in a CSV file."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, timedelta):
        seconds = int(value.total_seconds())
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    if isinstance(value, float):
        return f"{value:.15g}"
    return str(value)
