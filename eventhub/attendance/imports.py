"""Parsers for the attendance files that webinar platforms export.

``parse(data, tz_name)`` turns the bytes of a Zoom webinar attendee report, a Zoom meeting
participants export, a Microsoft Teams attendance report (English or German interface), or
a CSV or Excel list into one ``Attendee`` per person (rejoins summed) or raises
``ParseError(line, message)``; a list whose columns are not recognised raises
``NeedsMapping`` for the organizer to say which column is which. Hosts, panelists and
meeting organizers are kept apart (``Report.excluded``): they ran the event. Where the file
states its own number of participants, fewer people read than stated means the file was
cut off, and it is refused. Pure: no database, no request. Times in the files are
wall-clock times of the meeting, read in the event's zone ``tz_name``.

The formats are described, with their sources and what is not confirmed, in
tests/attendance/samples/FORMATS.md.
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from eventhub.attendance import tables
from eventhub.attendance.importtext import (
    ParseError,
    TimeReader,
    cell,
    duration_seconds,
    email_of,
    key,
    match_columns,
)
from eventhub.attendance.mapping import ColumnMapping, NeedsMapping, roles

__all__ = ["Attendee", "ColumnMapping", "NeedsMapping", "ParseError", "Report", "parse"]
ZOOM, ZOOM_MEETING, TEAMS, CSV, XLSX = "zoom", "zoom_meeting", "teams", "csv", "xlsx"
# The labels of the files' own figures (Report.summary), for the pages in their language.
SUMMARY_LABELS = {"Topic": _l("Topic"), "Actual Start Time": _l("Start"),
                  "Start Time": _l("Start"), "Start time": _l("Start"),
                  "End time": _l("End"), "Meeting title": _l("Title"), "Host": _l("Host"),
                  "# Registered": _l("Registered"), "Unique Viewers": _l("Unique Viewers"),
                  "Total Users": _l("Total Users"), "Participants": _l("Participants"),
                  "Attended participants": _l("Attended participants")}
Rows = tables.Rows


@dataclass(frozen=True)
class Session:
    """One row of a report: one join of one person."""
    line: int
    name: str
    email: str
    joined: datetime | None
    left: datetime | None
    seconds: int | None = None  # a stated duration; else the time between join and leave
    role: str = ""
    excluded: bool = False  # a host, panelist or organizer: not a participant


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
    role: str = ""  # as the file states it (host, panelist, organizer, attendee), or ""

    @property
    def minutes(self) -> int:
        return self.seconds // 60


@dataclass(frozen=True)
class Report:
    file_format: str
    encoding: str
    attendees: tuple[Attendee, ...]  # the people who count as participants
    sessions: int
    # Hosts, co-hosts, panelists, organizers: in the file, but not participants.
    excluded: tuple[Attendee, ...] = ()
    # The file's own figures, as it states them (label, value): "Attended participants" …
    summary: tuple[tuple[str, str], ...] = ()
    mapping: ColumnMapping | None = None  # the organizer's mapping it was read with


@dataclass(frozen=True)
class Parsed:
    """What a format's parser gives back."""
    sessions: list[Session]
    summary: tuple[tuple[str, str], ...] = ()


def parse(data: bytes, tz_name: str, mapping: ColumnMapping | None = None) -> Report:
    """The people in the file. ``mapping``: the organizer's choice of columns, for a file
    whose columns were not recognised (NeedsMapping) or whose guess they corrected."""
    from eventhub.attendance import teams, zoom

    table = tables.read(data, mapping.sheet if mapping is not None else None)
    rows = table.rows
    if not any(cells for _, cells in rows):
        raise ParseError(1, _l("The file is empty."))
    file_format = CSV if mapping is not None else detect(rows)
    parsers = {ZOOM: zoom.parse_webinar, ZOOM_MEETING: zoom.parse_meeting,
               TEAMS: teams.parse, CSV: lambda r, tz: parse_list(r, tz, mapping, table)}
    parsed = parsers[file_format](rows, tz_name)
    counted = [s for s in parsed.sessions if not s.excluded]
    if not counted:
        raise ParseError(rows[-1][0], _l("The file contains no attendees."))
    if file_format == CSV and table.sheets:
        file_format = XLSX
    return Report(file_format, table.encoding, summarize(counted), len(parsed.sessions),
                  excluded=summarize(s for s in parsed.sessions if s.excluded),
                  summary=parsed.summary, mapping=mapping)


def detect(rows: Rows) -> str:
    head = [cells for _, cells in rows[:80] if cells]
    if any(re.match(r"^[123]\.\s*\S", cells[0]) for cells in head):
        return TEAMS
    keys = {key(c) for cells in head for c in cells}
    if {"attended", "jointime"} <= keys or {"teilgenommen", "beitrittszeit"} <= keys or \
            keys & {"attendeereport", "attendeedetails", "teilnehmerbericht",
                    "teilnehmerdetails"}:
        return ZOOM
    if "meetingid" in keys or keys & {"nameoriginalname",
                                                     "nameursprünglichername"}:
        return ZOOM_MEETING
    return CSV


def count_check(stated: str | None, read: int, line: int, label) -> None:
    """Refuse a file that holds fewer people than it says it does: it was cut off."""
    match = re.fullmatch(r"\d{1,7}", (stated or "").strip())
    if match and read < int(match.group()):
        raise ParseError(line, _l(
            "The file says “%(label)s: %(stated)s”, but holds only %(read)d: it is "
            "incomplete (cut off while downloading or copying). Download it again.",
            label=label, stated=stated, read=read))


def people(sessions: Iterable[Session]) -> int:
    return len(_groups(sessions))


# --- summing rejoins ---------------------------------------------------------------------

def summarize(sessions: Iterable[Session]) -> tuple[Attendee, ...]:
    """One attendee per e-mail address (or per name, for people without one)."""
    attendees = [_attendee(group) for group in _groups(sessions).values()]
    return tuple(sorted(attendees, key=lambda a: (a.name.casefold(), a.email, a.line)))


def _groups(sessions: Iterable[Session]) -> dict[str, list[Session]]:
    groups: dict[str, list[Session]] = {}
    for session in sessions:
        name = session.name.casefold()
        group = session.email or (f"name:{name}" if name else f"line:{session.line}")
        groups.setdefault(group, []).append(session)
    return groups


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
                    seconds=stated + _union_seconds(intervals),
                    role=next((s.role for s in sessions if s.role), ""))


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


# --- rows -------------------------------------------------------------------------------

def session(line: int, name: str, email: str, joined, left, seconds=None, *,
            role: str = "", excluded: bool = False) -> Session:
    if joined and left and left < joined:
        raise ParseError(line, _l("The leave time is before the join time."))
    return Session(line, name.strip(), email_of(email), joined, left, seconds, role.strip(),
                   excluded)


def name_of(cells: list[str], columns: dict[str, int]) -> str:
    full = " ".join(p for p in (cell(cells, columns, "first_name"),
                                cell(cells, columns, "last_name")) if p)
    return full or cell(cells, columns, "name")


def check_width(cells: list[str], columns: dict[str, int], line: int, last: int) -> None:
    needed = max(columns.values()) + 1
    if len(cells) >= needed:
        return
    if line == last:
        raise ParseError(line, _l(
            "The file ends in the middle of this row (%(found)d of %(needed)d columns): it "
            "was cut off. Download or export it again.", found=len(cells), needed=needed))
    raise ParseError(line, _l("This row has %(found)d columns; the header has at least "
                              "%(needed)d.", found=len(cells), needed=needed))


def time_reader(rows: Rows, columns: dict[str, int], tz_name: str,
                names: tuple[str, ...] = ("join", "leave")) -> TimeReader:
    samples = [cell(cells, columns, name) for _, cells in rows
               for name in names if name in columns]
    return TimeReader(tz_name, samples)


def table_body(rows: Rows, index: int) -> tuple[Rows, int]:
    """Data rows up to a blank line or a section title (a row with one filled cell)."""
    body: Rows = []
    while index < len(rows) and len([c for c in rows[index][1] if c]) > 1:
        body.append(rows[index])
        index += 1
    return body, index


def block(rows: Rows, index: int, labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """A header row at ``index`` and the values under it, as (label, value) pairs for the
    header cells in ``labels`` (key -> what to call it)."""
    if index + 1 >= len(rows):
        return ()
    header, values = rows[index][1], rows[index + 1][1]
    return tuple((labels[key(name)], values[i]) for i, name in enumerate(header)
                 if key(name) in labels and i < len(values) and values[i])


# --- CSV and Excel lists -----------------------------------------------------------------

LIST_COLUMNS = {
    "name": ("Name", "Full Name", "Display Name", "Participant", "Attendee",
             "Name (Original Name)", "User Name (Original Name)", "User Name", "Teilnehmer",
             "Teilnehmerin", "Teilnehmende", "Anzeigename", "Name (ursprünglicher Name)"),
    "first_name": ("First Name", "Given Name", "Vorname"),
    "last_name": ("Last Name", "Surname", "Family Name", "Nachname"),
    "email": ("Email", "E-Mail", "Email Address", "E-Mail-Adresse", "Mail", "User Email",
              "Benutzer-E-Mail"),
    "join": ("Join", "Join Time", "Joined", "Start", "Beitritt", "Beitrittszeit", "Beginn"),
    "leave": ("Leave", "Leave Time", "Left", "End", "Verlassen", "Austritt", "Ende",
              "Verlassenszeit"),
    "duration": ("Duration (minutes)", "Duration", "Minutes", "Time in Session (minutes)",
                 "Dauer (Minuten)", "Dauer", "Minuten"),
    "role": ("Role", "Rolle", "Teilnehmerrolle", "Participant role"),
}
# Role values of people who ran the meeting rather than attended it, in English and German
# (Teams, Zoom): not counted in a list with a role column unless the organizer says so.
NOT_PARTICIPANTS = ("Organizer", "Organiser", "Co-organizer", "Co-organiser", "Host",
                    "Co-host", "Organisator", "Organisatorin", "Mitorganisator",
                    "Mitorganisatorin", "Gastgeber", "Gastgeberin", "Co-Gastgeber",
                    "Panelist", "Diskussionsteilnehmer")


def parse_list(rows: Rows, tz_name: str, mapping: ColumnMapping | None,
               table: tables.Table) -> Parsed:
    rows = [r for r in rows if r[1]]
    if mapping is None:
        need = _layout(rows, table)
        if need.guess.problems():
            raise need
        mapping = need.guess
    index = next((i for i, (line, _) in enumerate(rows) if line == mapping.header_line), None)
    if index is None:
        raise ParseError(mapping.header_line, _l("This line holds no column headers."))
    body = list(itertools.takewhile(lambda row: not _numbered_section(row[1]),
                                    rows[index + 1:]))
    times = time_reader(body, mapping.columns, tz_name)
    last = body[-1][0] if body else 0
    return Parsed([_list_session(line, cells, mapping, times, last) for line, cells in body])


def layout(data: bytes, sheet: int | None = None,
           header_line: int | None = None) -> NeedsMapping:
    """What the mapping step shows of a list: the header on ``header_line`` (default: the
    first line that names an e-mail column, else the first line) of sheet ``sheet`` (of a
    workbook; default: the first with data), its first rows, and the columns recognised."""
    table = tables.read(data, sheet)
    rows = [r for r in table.rows if r[1]]
    if not rows:
        raise ParseError(1, _l("The file is empty."))
    return _layout(rows, table, header_line)


def _numbered_section(cells: list[str]) -> bool:
    """A title like Teams' "3. In-Meeting Activities": the table above it has ended."""
    return len([c for c in cells if c]) == 1 and bool(re.match(r"^\d\.\s*\S", cells[0]))


def mapping_step(rows: Rows, header_line: int | None) -> NeedsMapping:
    """For a known export whose headers are not the ones known (a language or version not
    seen yet): the mapping step for its table with the header on ``header_line``, so that
    the file can still be imported."""
    return _layout([r for r in rows if r[1]], tables.Table(rows, ""), header_line)


def _layout(rows: Rows, table: tables.Table, header_line: int | None = None) -> NeedsMapping:
    emails = {key(n) for n in LIST_COLUMNS["email"]}
    index = next((i for i, (line, cells) in enumerate(rows[:50])
                  if line == header_line or header_line is None
                  and emails & {key(c) for c in cells}), 0)
    header_line, header = rows[index]
    columns = match_columns(header, LIST_COLUMNS)
    guess = ColumnMapping(header_line, columns, excluded_roles=roles(NOT_PARTICIPANTS)
                          if "role" in columns else frozenset(), sheet=table.sheet)
    return NeedsMapping(header_line, header, [c for _, c in rows[index + 1:index + 6]],
                        guess, _l("The columns of this file were not recognised: say "
                                  "which column holds what."), table.sheets,
                        XLSX if table.sheets else CSV, [line for line, _ in rows[:50]])


def _list_session(line: int, cells: list[str], mapping: ColumnMapping, times: TimeReader,
                  last: int) -> Session:
    columns = mapping.columns
    check_width(cells, columns, line, last)
    joined = times(cell(cells, columns, "join"), line) if "join" in columns else None
    left = times(cell(cells, columns, "leave"), line) if "leave" in columns else None
    stated = cell(cells, columns, "duration")
    if not stated and not (joined and left):
        raise ParseError(line, _l("This row has neither a duration nor both a join and a "
                                  "leave time."))
    seconds = duration_seconds(stated, line) if stated else None
    role = cell(cells, columns, "role")
    return session(line, name_of(cells, columns), cell(cells, columns, "email"), joined, left,
                   seconds, role=role, excluded=mapping.is_excluded(role))
