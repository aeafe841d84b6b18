"""Registration exports as CSV and XLSX: rows from registrations, and the file formats.

CSV is written for German Excel, which most organizers open it with: UTF-8 with a byte
order mark (or umlauts break), ``;`` as the separator (Excel's German list separator, so a
double click opens it in columns) and CRLF line ends. Any cell that a spreadsheet could
take for a formula (it starts with = + - @, a tab or a carriage return) gets a leading
single quote. XLSX cells are typed: text is stored as text, never as a formula, and
times are real date cells in the event's local time.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import datetime

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from eventhub import timeutil
from eventhub.events.models import Event
from eventhub.registration.forms import SIZE_LABELS
from eventhub.registration.manage_forms import DELETED_LABEL, SOURCE_LABELS, STATUS_LABELS
from eventhub.registration.models import Question, QuestionKind, Registration

Cell = str | datetime | None

CSV_DELIMITER = ";"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "%Y-%m-%d %H:%M"
XLSX_DATE_FORMAT = "yyyy-mm-dd hh:mm"


def neutralize(text: str) -> str:
    """Make a CSV cell inert: a formula-like start is prefixed with a single quote."""
    if text.startswith(FORMULA_STARTS) or text.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def answer_text(question: Question, value: str | None) -> str:
    """A stored answer as people read it: choices joined with "; ", a ticked box as yes."""
    if not value:
        return ""
    if question.kind is QuestionKind.CHECKBOX:
        return _("yes") if value == "yes" else value
    if question.kind is QuestionKind.MULTIPLE_CHOICE:
        try:
            chosen = json.loads(value)
        except ValueError:
            return value
        if isinstance(chosen, list):
            return "; ".join(str(c) for c in chosen)
    return value


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
    answers = {a.question_id: a.value for a in r.answers}
    return [status_label(r), source_label(r), r.first_name, r.last_name, r.email,
            r.organization_name, str(SIZE_LABELS[r.organization_size]), r.job_role,
            r.region.name(language), r.language, _local(r.created_at, tz_name),
            _local(r.confirmed_at, tz_name), r.consent_version,
            *(answer_text(q, answers.get(q.id)) for q in questions)]


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


def _xlsx_cell(sheet, value: Cell, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = XLSX_DATE_FORMAT
        return cell
    # XML cannot hold most control characters; openpyxl would refuse the whole file.
    text = ILLEGAL_CHARACTERS_RE.sub("", value or "")
    cell = WriteOnlyCell(sheet, value=text or None)
    if text:
        cell.data_type = "s"  # text, even when it starts with "=": never a formula
    if bold:
        cell.font = Font(bold=True)
    return cell


def to_xlsx(head: list[str], rows: Iterable[list[Cell]], sheet_title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.freeze_panes = "A2"
    sheet.append([_xlsx_cell(sheet, h, bold=True) for h in head])
    for values in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(event: Event, now: datetime, extension: str) -> str:
    """E.g. ``anmeldungen-digitaltag-2027-2027-06-01.csv`` (export date, event's zone)."""
    day = timeutil.to_local(now, event.timezone).date().isoformat()
    return f"anmeldungen-{event.slug}-{day}.{extension}"
