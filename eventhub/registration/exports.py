"""Registration exports as CSV and XLSX: rows from registrations, and the file formats.

CSV is written for German Excel, which most organizers open it with: UTF-8 with a byte
order mark (or umlauts break), ``;`` as the separator (Excel's German list separator, so a
double click opens it in columns) and CRLF line ends. Any cell that a spreadsheet could
take for a formula (it starts with = + - @, a tab or a carriage return) gets a leading
single quote. XLSX cells are typed: text is stored as text, never as a formula, and
times are real date cells in the event's local time, shown as the reader's language writes
them; the sheet opens ready to work with: columns as wide as their contents, the header
row frozen, a filter on every column.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import datetime
from itertools import chain, islice
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from eventhub import timeutil
from eventhub.events.models import Event
from eventhub.registration.forms import SIZE_LABELS
from eventhub.registration.manage_forms import DELETED_LABEL, SOURCE_LABELS, STATUS_LABELS
from eventhub.registration.models import Question, QuestionKind, Registration

if TYPE_CHECKING:
    from openpyxl.cell import WriteOnlyCell

Cell = str | datetime | None

CSV_DELIMITER = ";"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "%Y-%m-%d %H:%M"
XLSX_DATE_FORMATS = {"de": "DD.MM.YYYY HH:MM", "en": "YYYY-MM-DD HH:MM"}
XLSX_DATE_FORMAT = XLSX_DATE_FORMATS["en"]
# Column widths (in characters) come from the header and the first rows: the rest is
# streamed, and a sample shows what a column holds well enough.
WIDTH_SAMPLE_ROWS = 200
MIN_WIDTH, MAX_WIDTH, DATE_WIDTH = 8, 60, 17


def neutralize(text: str) -> str:
    """Make a CSV cell inert: a formula-like start is prefixed with a single quote."""
    if text.startswith(FORMULA_STARTS) or text.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def answer_text(question: Question, value: str | None) -> str:
    """A stored answer as people read it: choices joined with "; ", a box as yes or no
    (an unticked box stores no answer)."""
    if question.kind is QuestionKind.CHECKBOX:
        return _("yes") if value == "yes" else (value or _("no"))
    if not value:
        return ""
    if question.kind is QuestionKind.MULTIPLE_CHOICE:
        try:
            chosen = json.loads(value)
        except ValueError:
            return value
        if isinstance(chosen, list):
            return "; ".join(str(c) for c in chosen)
    return value


def answers_of(registration: Registration, questions: list[Question]) -> list[str]:
    """The registration's answers as people read them, one per question; blank once its
    personal data has been erased (a box is then neither yes nor no)."""
    if registration.erased_at is not None:
        return [""] * len(questions)
    given = {a.question_id: a.value for a in registration.answers}
    return [answer_text(q, given.get(q.id)) for q in questions]


def status_label(registration: Registration) -> str:
    if registration.erased_at is not None:
        return str(DELETED_LABEL)
    return str(STATUS_LABELS[registration.status])


def source_label(registration: Registration) -> str:
    return str(SOURCE_LABELS.get(registration.source, registration.source))


def header(questions: list[Question]) -> list[str]:
    return [_("Status"), _("Source"), _("First name"), _("Last name"), _("E-mail address"),
            _("Organization"), _("Size of the organization"), _("Role"), _("Region"),
            _("Language"), _("Registered at"), _("Confirmed at"), _("Privacy notice version"),
            *(q.label for q in questions)]


def _local(value: datetime | None, tz_name: str) -> datetime | None:
    return timeutil.local_naive(value, tz_name) if value else None


def row(registration: Registration, questions: list[Question], tz_name: str,
        language: str) -> list[Cell]:
    """One export row; times are naive wall-clock times in ``tz_name``."""
    r = registration
    return [status_label(r), source_label(r), r.first_name, r.last_name, r.email,
            r.organization_name, str(SIZE_LABELS[r.organization_size]), r.job_role,
            r.region.name(language), r.language, _local(r.created_at, tz_name),
            _local(r.confirmed_at, tz_name), r.consent_version,
            *answers_of(r, questions)]


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(DATE_FORMAT)
    return neutralize(value)


def to_csv(head: list[str], rows: Iterable[list[Cell]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([_csv_text(h) for h in head])
    for values in rows:
        writer.writerow([_csv_text(v) for v in values])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_cell(sheet, value: Cell, bold: bool = False,
               date_format: str = XLSX_DATE_FORMAT) -> WriteOnlyCell:
    from openpyxl.cell import WriteOnlyCell  # with the first spreadsheet (see to_xlsx)
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = date_format
        return cell
    # XML cannot hold most control characters; openpyxl would refuse the whole file.
    text = ILLEGAL_CHARACTERS_RE.sub("", value or "")
    cell = WriteOnlyCell(sheet, value=text or None)
    if text:
        cell.data_type = "s"  # text, even when it starts with "=": never a formula
    if bold:
        cell.font = Font(bold=True)
    return cell


def to_xlsx(head: list[str], rows: Iterable[list[Cell]], sheet_title: str,
            language: str = "en") -> bytes:
    """``language``: how dates are shown (German: 01.06.2027 09:30)."""
    # openpyxl (about 8 MB) is imported with the first spreadsheet, not by every worker.
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    date_format = XLSX_DATE_FORMATS.get(language, XLSX_DATE_FORMAT)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    rows = iter(rows)
    sample = list(islice(rows, WIDTH_SAMPLE_ROWS))
    # A write-only sheet writes its columns, panes and filter around the rows it streams:
    # widths and the frozen header before the first row, the filter's range after the last.
    for index, width in enumerate(_widths(head, sample), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_xlsx_cell(sheet, h, bold=True) for h in head])
    last_row = 1
    for values in chain(sample, rows):
        sheet.append([_xlsx_cell(sheet, v, date_format=date_format) for v in values])
        last_row += 1
    if head:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(head))}{last_row}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _widths(head: list[str], sample: list[list[Cell]]) -> list[float]:
    """Each column as wide as its longest line among header and sample, within bounds;
    the header gets room for the filter's button."""
    widths = []
    for index, title in enumerate(head):
        longest = max([len(title) + 3, *(_width_of(row[index]) for row in sample
                                          if index < len(row))])
        widths.append(float(min(max(longest + 1, MIN_WIDTH), MAX_WIDTH)))
    return widths


def _width_of(value: Cell) -> int:
    if isinstance(value, datetime):
        return DATE_WIDTH
    return max((len(line) for line in (value or "").splitlines()), default=0)


def filename(event: Event, now: datetime, extension: str) -> str:
    """E.g. ``anmeldungen-digitaltag-2027-2027-06-01.csv`` (export date, event's zone)."""
    day = timeutil.to_local(now, event.timezone).date().isoformat()
    return f"anmeldungen-{event.slug}-{day}.{extension}"
