"""The mapping step of an import: a file whose columns were not recognised is read with the
columns the organizer chooses, and their choice is remembered for the organization, so
that the next file with the same header is read the same way without asking again.

A remembered mapping is found by the signature of the file's header (mapping.signature).
People are still matched to registrations by e-mail address only.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from eventhub.attendance import imports, queries
from eventhub.attendance.mapping import FIELDS, ColumnMapping, NeedsMapping
from eventhub.attendance.models import AttendanceImport, AttendanceMapping, ImportStatus
from eventhub.auth.models import User
from eventhub.db import for_update
from eventhub.errors import RuleViolation
from eventhub.events.models import Event
from eventhub.extensions import db

# What each field of a mapping means, as the mapping page names it.
FIELD_LABELS = {
    "email": _l("E-mail address"),
    "name": _l("Name (in one column)"),
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "join": _l("Join time"),
    "leave": _l("Leave time"),
    "duration": _l("Time in the session"),
    "role": _l("Role in the meeting"),
}
_PROBLEMS = {
    "email": ("email", _l("Choose the column with the e-mail addresses: people are matched "
                          "to registrations by them.")),
    "duration": ("duration", _l("Choose the column with the time in the session, or both "
                                "the join and the leave time.")),
}
GUESS, REMEMBERED, CURRENT = "guess", "remembered", "current"


@dataclass(frozen=True)
class Step:
    """What the mapping page shows: the file's header and first rows, and the mapping the
    form starts from (``source``: the upload's own, the remembered one, or the guess)."""

    header_line: int
    header: list[str]
    rows: list[list[str]]
    reason: LazyString | str
    signature: str
    initial: ColumnMapping
    source: str
    chosen_at: datetime | None = None  # when the initial mapping was chosen
    problem: LazyString | None = None  # why the remembered mapping does not fit this file
    sheet: int | None = None  # of a workbook: the sheet shown (0-based)
    sheets: tuple[str, ...] = ()  # of a workbook: the names of its sheets
    lines: tuple[int, ...] = ()  # the first lines with content: where the header may be

    @property
    def choices(self) -> list[tuple[str, str]]:
        """(column index, "B: heading") for each column of the header."""
        return [(str(i), f"{column_letter(i)}: {cell or '–'}")
                for i, cell in enumerate(self.header)]


def column_letter(index: int) -> str:
    """A, B, …, Z, AA, AB, …: how spreadsheet programs name the column (0-based index)."""
    letters, index = "", index + 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# --- remembered mappings -----------------------------------------------------------------

def find(organization_id: int, signature: str, *, lock: bool = False
         ) -> AttendanceMapping | None:
    query = select(AttendanceMapping).where(AttendanceMapping.organization_id == organization_id,
                                            AttendanceMapping.signature == signature)
    return db.session.scalar(for_update(query, db.session) if lock else query)


def remember(organization_id: int, signature: str, mapping: ColumnMapping, actor: User,
             now: datetime) -> AttendanceMapping:
    """Keep ``mapping`` for the organization's files with this header (the last choice
    wins)."""
    row = find(organization_id, signature, lock=True)
    if row is None:
        row = AttendanceMapping(organization_id=organization_id, signature=signature,
                                mapping=mapping.to_json(), created_by_id=actor.id,
                                created_at=now, updated_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(row)
            return row
        except IntegrityError:  # another organizer chose one a moment ago: this one wins
            row = find(organization_id, signature, lock=True)
    row.mapping, row.updated_at = mapping.to_json(), now
    return row


def read_remembered(data: bytes, event: Event, need: NeedsMapping
                    ) -> tuple[imports.Report, dict] | None:
    """The file read with the organization's remembered mapping for its header, and the
    mapping as the import stores it; None if there is none, or it does not fit this file
    (then the mapping page starts from it and says why)."""
    remembered = find(event.organization_id, need.signature)
    if remembered is None:
        return None
    mapping = _fitted(ColumnMapping.from_json(remembered.mapping), need)
    report, _problem = _read(data, event, mapping)
    return (report, stored(mapping, need.signature, remembered.updated_at)) if report else None


def _fitted(mapping: ColumnMapping, need: NeedsMapping) -> ColumnMapping:
    """``mapping`` for this file: its header line (a title above it may differ in
    length) and sheet, and only columns its header has."""
    columns = {name: index for name, index in mapping.columns.items()
               if index < len(need.header)}
    return ColumnMapping(need.header_line, columns, mapping.excluded_roles, need.guess.sheet)


# --- the mapping of one import -----------------------------------------------------------

def stored(mapping: ColumnMapping, signature: str, chosen_at: datetime) -> dict:
    """The mapping as an import keeps it: with its header's signature and when it was
    chosen (the preview says so)."""
    return {**mapping.to_json(), "signature": signature, "chosen_at": chosen_at.isoformat()}


def of_import(record: AttendanceImport) -> ColumnMapping | None:
    return ColumnMapping.from_json(record.mapping) if record.mapping else None


def chosen_at(record: AttendanceImport) -> datetime | None:
    value = (record.mapping or {}).get("chosen_at")
    return datetime.fromisoformat(value) if value else None


def problems(mapping: ColumnMapping) -> list[tuple[str | None, str]]:
    """What keeps ``mapping`` from reading attendance: (field, message) pairs."""
    found = [_PROBLEMS.get(p, (None, _l("These columns cannot be read (%(problem)s).",
                                        problem=p)))
             for p in mapping.problems() if p != "distinct"]
    first: dict[int, str] = {}
    for name in FIELDS:
        index = mapping.columns.get(name)
        if index is not None and index in first:
            found.append((name, _l("This column is chosen for “%(other)s” already.",
                                   other=FIELD_LABELS[first[index]])))
        elif index is not None:
            first[index] = name
    return found


def step(record: AttendanceImport, event: Event, *, sheet: int | None = None,
         header_line: int | None = None) -> Step | None:
    """The mapping page of an upload; None unless it is a preview whose file's columns
    are not recognised (a known layout, or stored already, or the file is gone). The
    organizer may ask for another ``sheet`` of a workbook or another ``header_line``."""
    if record.status is not ImportStatus.PREVIEW:
        return None
    content = queries.import_content(record.id)
    if content is None:
        return None
    try:
        imports.parse(content, event.timezone)
    except NeedsMapping as need:
        return _step(record, event, _chosen_part(content, need, sheet, header_line), content)
    except imports.ParseError:
        pass  # not a matter of columns: the preview says what is wrong
    return None


def _chosen_part(content: bytes, need: NeedsMapping, sheet: int | None,
                 header_line: int | None) -> NeedsMapping:
    if sheet is None and header_line is None:
        return need
    try:
        return imports.layout(content, sheet if sheet is not None else need.guess.sheet,
                              header_line)
    except imports.ParseError:  # a sheet the workbook does not have: show the first one
        return need


def _step(record: AttendanceImport, event: Event, need: NeedsMapping, content: bytes) -> Step:
    base = dict(header_line=need.header_line, header=list(need.header),
                rows=[list(row) for row in need.rows], reason=need.reason,
                signature=need.signature, sheet=need.guess.sheet,
                sheets=tuple(need.sheets), lines=tuple(need.lines))
    if record.mapping:
        return Step(**base, initial=_fitted(of_import(record), need), source=CURRENT,
                    chosen_at=chosen_at(record))
    remembered = find(event.organization_id, need.signature)
    if remembered is None:
        return Step(**base, initial=need.guess, source=GUESS)
    initial = _fitted(ColumnMapping.from_json(remembered.mapping), need)
    return Step(**base, initial=initial, source=REMEMBERED, chosen_at=remembered.updated_at,
                problem=_read(content, event, initial)[1])


def _read(content: bytes, event: Event, mapping: ColumnMapping
          ) -> tuple[imports.Report | None, LazyString | None]:
    """The file read with ``mapping``, or why it cannot be (the line and the problem)."""
    try:
        return imports.parse(content, event.timezone, mapping), None
    except imports.ParseError as exc:
        line, problem = exc.line, exc.message
    except NeedsMapping as exc:
        line, problem = exc.header_line, exc.reason
    return None, _l("Line %(line)d: %(problem)s", line=line, problem=problem)


def choose(record: AttendanceImport, event: Event, step: Step, mapping: ColumnMapping,
           actor: User, now: datetime) -> AttendanceImport:
    """Read the upload with ``mapping`` (its columns and roles; the header line and sheet
    are the step's) and remember the mapping for the organization. Nothing else changes:
    the preview follows."""
    record = queries.locked_import(record.id)
    if record.status is not ImportStatus.PREVIEW:
        raise RuleViolation(_l("This import has been stored; its columns can no longer be "
                               "changed."))
    mapping = ColumnMapping(step.header_line, dict(mapping.columns), mapping.excluded_roles,
                            step.sheet)
    found = problems(mapping)
    if found:
        raise RuleViolation(found[0][1], found[0][0])
    report, problem = _read(queries.import_content(record.id) or b"", event, mapping)
    if report is None:
        raise RuleViolation(_l("%(problem)s Choose other columns, or check the file.",
                               problem=problem))
    record.mapping = stored(mapping, step.signature, now)
    record.file_format, record.attendee_count = report.file_format, len(report.attendees)
    remember(event.organization_id, step.signature, mapping, actor, now)
    db.session.flush()
    return record
