"""Microsoft Teams attendance reports (meetings and webinars), downloaded with the English
or the German interface: UTF-16 with BOM, tab-separated, in numbered sections —
"1. Summary" (title, "Attended participants", start and end …), "2. Participants" (one row
per person: Name, First Join, Last Leave, In-Meeting Duration, Email, Participant ID (UPN),
Role) and "3. In-Meeting Activities" (one row per join). Dates and durations follow the
downloader's locale ("11/21/26, 9:50:12 AM", "21.11.26, 09:50:12"; "1h 2m 3s",
"1 Std. 2 Min. 3 Sek.").

The organizer and co-organizers ran the meeting and do not count; presenters do (in a
meeting with default settings everyone is a presenter). The summary's participant count
includes the organizers and is checked against the rows of section 2."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from eventhub.attendance.imports import (
    Parsed,
    Rows,
    Session,
    check_width,
    count_check,
    mapping_step,
    session,
    table_body,
)
from eventhub.attendance.importtext import (
    ParseError,
    TimeReader,
    cell,
    duration_seconds,
    find_columns,
    key,
)
from eventhub.attendance.mapping import roles

_SECTION = re.compile(r"^(\d)\.\s*(\S.*)$")
COLUMN_LABELS = {"name": "Name", "first_join": "First Join", "last_leave": "Last Leave",
                 "in_meeting": "In-Meeting Duration", "email": "Email"}
COLUMNS = {
    "name": ("Name", "Full Name", "Vollständiger Name"),
    "first_join": ("First Join", "First join time", "Erster Beitritt", "Erste Teilnahme",
                   "Erste Beitrittszeit"),
    "last_leave": ("Last Leave", "Last leave time", "Letztes Verlassen", "Letzte Abmeldung",
                   "Letzte Verlassenszeit"),
    "in_meeting": ("In-Meeting Duration", "Duration", "Dauer in der Besprechung",
                   "Dauer der Besprechung", "Besprechungsdauer", "Dauer"),
    "email": ("Email", "E-Mail", "E-Mail-Adresse"),
    "upn": ("Participant ID (UPN)", "Teilnehmer-ID (UPN)"),
    "role": ("Role", "Rolle"),
}
NOT_COUNTED = roles(("Organizer", "Organiser", "Co-organizer", "Co-organiser", "Organisator",
                     "Organisatorin", "Mitorganisator", "Mitorganisatorin"))
# Summary labels (as key()) -> the label shown beside our figures.
_SUMMARY = {"meetingtitle": "Meeting title", "besprechungstitel": "Meeting title",
            "attendedparticipants": "Attended participants",
            "teilnehmendepersonen": "Attended participants",
            "teilnehmer": "Attended participants", "starttime": "Start time",
            "startzeit": "Start time", "endtime": "End time", "endzeit": "End time"}


def parse(rows: Rows, tz_name: str) -> Parsed:
    summary = _summary(rows)
    header_index, body = _participants(rows)
    header_line, header = rows[header_index]
    try:
        columns = find_columns(header, header_line, COLUMNS,
                               ("name", "first_join", "last_leave", "in_meeting"),
                               COLUMN_LABELS)
        if "email" not in columns and "upn" not in columns:
            find_columns(header, header_line, COLUMNS, ("email",), COLUMN_LABELS)
    except ParseError:  # headers in a language or version not known yet
        raise mapping_step(rows, header_line) from None
    times = TimeReader(tz_name, [cell(c, columns, n) for _, c in body
                                 for n in ("first_join", "last_leave")])
    last = rows[-1][0]
    sessions = [_session(line, cells, columns, times, last) for line, cells in body]
    count_check(dict(summary).get("Attended participants"), len(sessions),
                body[-1][0] if body else header_line, _l("Attended participants"))
    return Parsed(sessions, summary)


def _sections(rows: Rows):
    for index, (_, cells) in enumerate(rows):
        match = _SECTION.match(cells[0]) if cells else None
        if match and len([c for c in cells if c]) == 1:
            yield match.group(1), index


def _summary(rows: Rows) -> tuple[tuple[str, str], ...]:
    start = next((index for number, index in _sections(rows) if number == "1"), None)
    if start is None:
        return ()
    pairs = []
    for _, cells in rows[start + 1:]:
        if not cells or _SECTION.match(cells[0]):
            break
        label = _SUMMARY.get(key(cells[0]))
        if label and len(cells) > 1 and cells[1]:
            pairs.append((label, cells[1]))
    return tuple(pairs)


def _participants(rows: Rows) -> tuple[int, Rows]:
    """Section 2: the index of its header row and its data rows."""
    for number, index in _sections(rows):
        if number != "2":
            continue
        start = next((i for i in range(index + 1, len(rows)) if rows[i][1]), None)
        if start is None:
            break
        body, _ = table_body(rows, start + 1)
        return start, body
    raise ParseError(1, _l("The section “2. Participants” is missing: this does not look like "
                           "a complete Teams attendance list."))


def _session(line: int, cells: list[str], columns: dict[str, int], times: TimeReader,
             last: int) -> Session:
    check_width(cells, columns, line, last)
    email = cell(cells, columns, "email") or cell(cells, columns, "upn")
    duration = cell(cells, columns, "in_meeting")
    role = cell(cells, columns, "role")
    return session(line, cell(cells, columns, "name"), email,
                   times(cell(cells, columns, "first_join"), line),
                   times(cell(cells, columns, "last_leave"), line),
                   duration_seconds(duration, line) if duration else None,
                   role=role, excluded=role.casefold() in NOT_COUNTED)
