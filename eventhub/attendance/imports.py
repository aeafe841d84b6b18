"""Parsers for the attendance files that webinar platforms export.

``parse(data, tz_name)`` turns the bytes of a Zoom webinar attendee report, a Microsoft
Teams attendance list or a generic CSV file into one ``Attendee`` per person (rejoins
summed) or raises ``ParseError(line, message)``. Pure: no database, no request. Times in
the files are wall-clock times of the meeting, read in the event's zone ``tz_name``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from eventhub.attendance.importtext import (
    ParseError,
    TimeReader,
    cell,
    decode,
    duration_seconds,
    email_of,
    find_columns,
    first_line,
    key,
    read_rows,
    sniff_delimiter,
)

__all__ = ["Attendee", "ParseError", "Report", "parse"]
ZOOM, TEAMS, CSV = "zoom", "teams", "csv"
Rows = list[tuple[int, list[str]]]


@dataclass(frozen=True)
class Session:
    """One row of a report: one join of one person."""
    line: int
    name: str
    email: str
    joined: datetime | None
    left: datetime | None
    seconds: int | None = None  # a stated duration; else the time between join and leave


@dataclass(frozen=True)
class Attendee:
    """One person, with all their joins summed."""
    line: int  # where they first appear in the file
    name: str
    email: str  # lower case; "" if the file has none
    joins: int
    first_join: datetime | None
    last_leave: datetime | None
    seconds: int

    @property
    def minutes(self) -> int:
        return self.seconds // 60


@dataclass(frozen=True)
class Report:
    file_format: str
    encoding: str
    attendees: tuple[Attendee, ...]
    sessions: int


def parse(data: bytes, tz_name: str) -> Report:
    text, encoding = decode(data)
    file_format = detect(text)
    parser = {ZOOM: _parse_zoom, TEAMS: _parse_teams, CSV: _parse_generic}[file_format]
    sessions = parser(text, tz_name)
    if not sessions:
        raise ParseError(len(text.splitlines()) or 1,
                         _l("The file contains no attendees."))
    return Report(file_format, encoding, summarize(sessions), len(sessions))


def detect(text: str) -> str:
    head = text.splitlines()[:80]
    if any(_TEAMS_SECTION.match(line.strip("\ufeff \t\"")) for line in head):
        return TEAMS
    keys = {key(part) for line in head for part in re.split(r"[,;\t]", line)}
    if {"attended", "jointime"} <= keys or {"attendeereport", "attendeedetails"} & keys \
            or {"teilgenommen", "beitrittszeit"} <= keys:
        return ZOOM
    return CSV


# --- summing rejoins ---------------------------------------------------------------------

def summarize(sessions: Iterable[Session]) -> tuple[Attendee, ...]:
    """One attendee per e-mail address (or per name, for people without one)."""
    groups: dict[str, list[Session]] = {}
    for session in sessions:
        name = session.name.casefold()
        group = session.email or (f"name:{name}" if name else f"line:{session.line}")
        groups.setdefault(group, []).append(session)
    attendees = [_attendee(group) for group in groups.values()]
    return tuple(sorted(attendees, key=lambda a: (a.name.casefold(), a.email, a.line)))


def _attendee(sessions: list[Session]) -> Attendee:
    joined = [s.joined for s in sessions if s.joined]
    left = [s.left for s in sessions if s.left]
    stated = sum(s.seconds for s in sessions if s.seconds is not None)
    intervals = [(s.joined, s.left) for s in sessions
                 if s.seconds is None and s.joined and s.left]
    first = sessions[0]
    return Attendee(line=first.line, name=next((s.name for s in sessions if s.name), ""),
                    email=first.email, joins=len(sessions), first_join=min(joined, default=None),
                    last_leave=max(left, default=None),
                    seconds=stated + _union_seconds(intervals))


def _union_seconds(intervals: list[tuple[datetime, datetime]]) -> int:
    """Seconds covered by the intervals; overlaps (two devices at once) count once."""
    total, end = 0.0, None
    for start, stop in sorted(intervals):
        if end is not None and start < end:
            start = end
        if stop > start:
            total += (stop - start).total_seconds()
        end = stop if end is None else max(end, stop)
    return int(total)


def _session(line: int, name: str, email: str, joined, left, seconds=None) -> Session:
    if joined and left and left < joined:
        raise ParseError(line, _l("The leave time is before the join time."))
    return Session(line, name.strip(), email_of(email), joined, left, seconds)


def _name(cells: list[str], columns: dict[str, int]) -> str:
    full = " ".join(p for p in (cell(cells, columns, "first_name"),
                                cell(cells, columns, "last_name")) if p)
    return full or cell(cells, columns, "name")


def _short_row(cells: list[str], columns: dict[str, int], line: int) -> None:
    needed = max(columns.values()) + 1
    if len(cells) < needed:
        raise ParseError(line, _l("This row has %(found)d columns; the header has at least "
                                  "%(needed)d.", found=len(cells), needed=needed))


def _times(rows: Rows, columns: dict[str, int], tz_name: str) -> TimeReader:
    samples = [cell(cells, columns, name) for _, cells in rows
               for name in ("join", "leave") if name in columns]
    return TimeReader(tz_name, samples)


# --- Zoom --------------------------------------------------------------------------------

COLUMN_LABELS = {"name": "Name", "email": "Email", "join": "Join Time",
                 "leave": "Leave Time", "duration": "Duration",
                 "first_join": "First Join", "last_leave": "Last Leave",
                 "in_meeting": "In-Meeting Duration"}
_ZOOM_COLUMNS = {
    "name": ("User Name (Original Name)", "User Name", "Name (Original Name)", "Name",
             "Benutzername (ursprünglicher Name)", "Benutzername", "Name (ursprünglicher Name)"),
    "first_name": ("First Name", "Vorname"),
    "last_name": ("Last Name", "Nachname"),
    "email": ("Email", "User Email", "E-Mail", "E-Mail-Adresse", "Benutzer-E-Mail"),
    "attended": ("Attended", "Teilgenommen"),
    "join": ("Join Time", "Beitrittszeit"),
    "leave": ("Leave Time", "Zeit des Verlassens", "Austrittszeit"),
    "duration": ("Time in Session (minutes)", "Duration (Minutes)",
                 "Zeit in der Sitzung (Minuten)", "Dauer (Minuten)"),
}
_NOT_ATTENDED = {"no", "nein"}


def _parse_zoom(text: str, tz_name: str) -> list[Session]:
    sessions: list[Session] = []
    for title, header_line, header, rows in _zoom_tables(read_rows(text, ",")):
        if key(title).startswith(("host", "gastgeber")):
            continue  # the host ran the meeting; they did not attend it
        columns = find_columns(header, header_line, _ZOOM_COLUMNS, ("email", "join", "leave"),
                               COLUMN_LABELS)
        if "name" not in columns and "last_name" not in columns:
            find_columns(header, header_line, _ZOOM_COLUMNS, ("name",), COLUMN_LABELS)
        times = _times(rows, columns, tz_name)
        sessions += [s for line, cells in rows
                     if (s := _zoom_session(line, cells, columns, times))]
    return sessions


def _zoom_tables(rows: Rows):
    """(section title, header line, header, data rows) for each table with join times."""
    title, index = "", 0
    while index < len(rows):
        line, cells = rows[index]
        keys = {key(c) for c in cells}
        if keys & {"jointime", "beitrittszeit"}:
            data, index = _table_body(rows, index + 1)
            yield title, line, cells, data
            continue
        if len([c for c in cells if c]) == 1:
            title = next(c for c in cells if c)
        index += 1


def _table_body(rows: Rows, index: int) -> tuple[Rows, int]:
    """Data rows up to a blank line or a section title (a row with one filled cell)."""
    body: Rows = []
    while index < len(rows) and len([c for c in rows[index][1] if c]) > 1:
        body.append(rows[index])
        index += 1
    return body, index


def _zoom_session(line: int, cells: list[str], columns: dict[str, int],
                  times: TimeReader) -> Session | None:
    _short_row(cells, columns, line)
    if cell(cells, columns, "attended").casefold() in _NOT_ATTENDED:
        return None  # registered, never joined
    joined = times(cell(cells, columns, "join"), line)
    left = times(cell(cells, columns, "leave"), line)
    stated = cell(cells, columns, "duration")
    seconds = None
    if not (joined and left):
        if not stated:
            return None
        seconds = duration_seconds(stated, line)
    return _session(line, _name(cells, columns), cell(cells, columns, "email"),
                    joined, left, seconds)


# --- Microsoft Teams ---------------------------------------------------------------------

_TEAMS_SECTION = re.compile(r"^(\d)\.\s*(\S.*)$")
_TEAMS_COLUMNS = {
    "name": ("Name", "Full Name", "Vollständiger Name"),
    "first_join": ("First Join", "First join time", "Erster Beitritt", "Erste Teilnahme"),
    "last_leave": ("Last Leave", "Last leave time", "Letztes Verlassen", "Letzte Abmeldung"),
    "in_meeting": ("In-Meeting Duration", "Duration", "Dauer in der Besprechung",
                   "Besprechungsdauer", "Dauer"),
    "email": ("Email", "E-Mail", "E-Mail-Adresse"),
    "upn": ("Participant ID (UPN)", "Teilnehmer-ID (UPN)"),
}


def _parse_teams(text: str, tz_name: str) -> list[Session]:
    rows = read_rows(text, sniff_delimiter(_teams_header_line(text)))
    header_line, header, body = _teams_participants(rows)
    columns = find_columns(header, header_line, _TEAMS_COLUMNS,
                           ("name", "first_join", "last_leave", "in_meeting"), COLUMN_LABELS)
    if "email" not in columns and "upn" not in columns:
        find_columns(header, header_line, _TEAMS_COLUMNS, ("email",), COLUMN_LABELS)
    times = TimeReader(tz_name, [cell(c, columns, n) for _, c in body
                                 for n in ("first_join", "last_leave")])
    return [_teams_session(line, cells, columns, times) for line, cells in body]


def _teams_header_line(text: str) -> str:
    lines = text.splitlines()
    for index, line in enumerate(lines):
        match = _TEAMS_SECTION.match(line.strip("\ufeff \t\""))
        if match and match.group(1) == "2":
            return next((ln for ln in lines[index + 1:] if ln.strip()), "")
    return first_line(text)


def _teams_participants(rows: Rows) -> tuple[int, list[str], Rows]:
    """Section 2 ("Participants"): its header and rows, up to the next section."""
    for index, (_, cells) in enumerate(rows):
        match = _TEAMS_SECTION.match(cells[0]) if cells else None
        if match and match.group(1) == "2":
            start = next((i for i in range(index + 1, len(rows)) if rows[i][1]), None)
            if start is None:
                break
            body, _ = _table_body(rows, start + 1)
            return rows[start][0], rows[start][1], body
    raise ParseError(1, _l("The section “2. Participants” is missing: this does not look like "
                           "a complete Teams attendance list."))


def _teams_session(line: int, cells: list[str], columns: dict[str, int],
                   times: TimeReader) -> Session:
    _short_row(cells, columns, line)
    email = cell(cells, columns, "email") or cell(cells, columns, "upn")
    duration = cell(cells, columns, "in_meeting")
    return _session(line, cell(cells, columns, "name"), email,
                    times(cell(cells, columns, "first_join"), line),
                    times(cell(cells, columns, "last_leave"), line),
                    duration_seconds(duration, line) if duration else None)


# --- generic CSV -------------------------------------------------------------------------

_GENERIC_COLUMNS = {
    "name": ("Name", "Full Name", "Display Name", "Participant", "Attendee",
             "Name (Original Name)", "User Name (Original Name)", "User Name", "Teilnehmer",
             "Teilnehmerin", "Teilnehmende", "Anzeigename", "Name (ursprünglicher Name)"),
    "first_name": ("First Name", "Given Name", "Vorname"),
    "last_name": ("Last Name", "Surname", "Family Name", "Nachname"),
    "email": ("Email", "E-Mail", "Email Address", "E-Mail-Adresse", "Mail", "User Email",
              "Benutzer-E-Mail"),
    "join": ("Join", "Join Time", "Joined", "Start", "Beitritt", "Beitrittszeit", "Beginn"),
    "leave": ("Leave", "Leave Time", "Left", "End", "Verlassen", "Austritt", "Ende"),
    "duration": ("Duration (minutes)", "Duration", "Minutes", "Time in Session (minutes)",
                 "Dauer (Minuten)", "Dauer", "Minuten"),
}


def _parse_generic(text: str, tz_name: str) -> list[Session]:
    rows = [r for r in read_rows(text, sniff_delimiter(_generic_header_line(text))) if r[1]]
    if not rows:
        raise ParseError(1, _l("The file is empty."))
    rows = rows[_generic_header_index(rows):]
    header_line, header = rows[0]
    columns = find_columns(header, header_line, _GENERIC_COLUMNS, ("email",), COLUMN_LABELS)
    if "name" not in columns and "last_name" not in columns:
        find_columns(header, header_line, _GENERIC_COLUMNS, ("name",), COLUMN_LABELS)
    if "duration" not in columns and not {"join", "leave"} <= columns.keys():
        raise ParseError(header_line, _l(
            "The file needs either a join and a leave column or a duration column. Columns "
            "found: %(found)s.", found=", ".join(c for c in header if c)))
    times = _times(rows[1:], columns, tz_name)
    return [_generic_session(line, cells, columns, times) for line, cells in rows[1:]]


def _generic_header_line(text: str) -> str:
    """The header: the first line that mentions e-mail (exports may start with a title)."""
    lines = text.splitlines()[:20]
    return next((ln for ln in lines if "mail" in ln.casefold()), first_line(text))


def _generic_header_index(rows: Rows) -> int:
    emails = {key(n) for n in _GENERIC_COLUMNS["email"]}
    return next((i for i, (_, cells) in enumerate(rows[:20])
                 if emails & {key(c) for c in cells}), 0)


def _generic_session(line: int, cells: list[str], columns: dict[str, int],
                     times: TimeReader) -> Session:
    _short_row(cells, columns, line)
    joined = times(cell(cells, columns, "join"), line) if "join" in columns else None
    left = times(cell(cells, columns, "leave"), line) if "leave" in columns else None
    stated = cell(cells, columns, "duration")
    if not stated and not (joined and left):
        raise ParseError(line, _l("This row has neither a duration nor both a join and a "
                                  "leave time."))
    seconds = duration_seconds(stated, line) if stated else None
    return _session(line, _name(cells, columns), cell(cells, columns, "email"), joined, left,
                    seconds)
