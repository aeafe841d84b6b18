"""Zoom's two attendance exports, from the English or German web portal.

The webinar *Attendee Report* (Reports → Webinar → Attendee report): a report block (topic,
start, "# Registered", "Unique Viewers" …), then sections, each a title line and a table
with its own header: *Host Details*, *Panelist Details*, *Attendee Details* (registrants;
"Attended: No" for those who never came) and *Other Attended* (people without registration
or e-mail). One row per join.

The meeting *Participants* export (Reports → Usage → Participants → Export), with or
without the meeting block on top ("Meeting ID, Topic, …, User Email, …, Participants"),
whose "User Email" is the host's. One row per join.

Hosts and panelists are not participants (``Session.excluded``); the count the file states
("Participants": unique people; "Unique Viewers": at most the rows of joins) is checked
against what was read."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eventhub.attendance.imports import (
    Parsed,
    Rows,
    Session,
    block,
    check_width,
    count_check,
    mapping_step,
    name_of,
    people,
    session,
    table_body,
    time_reader,
)
from eventhub.attendance.importtext import ParseError, cell, duration_seconds, key
from eventhub.attendance.importtext import find_columns as _find_columns

COLUMN_LABELS = {"name": "Name", "email": "Email", "join": "Join Time",
                 "leave": "Leave Time", "duration": "Duration"}
COLUMNS = {
    "name": ("User Name (Original Name)", "User Name", "Name (Original Name)", "Name",
             "Benutzername (ursprünglicher Name)", "Benutzername", "Name (ursprünglicher Name)"),
    "first_name": ("First Name", "Vorname"),
    "last_name": ("Last Name", "Nachname"),
    "email": ("Email", "User Email", "E-Mail", "E-Mail-Adresse", "Benutzer-E-Mail"),
    "attended": ("Attended", "Teilgenommen"),
    "join": ("Join Time", "Beitrittszeit"),
    "leave": ("Leave Time", "Verlassenszeit", "Zeit des Verlassens", "Austrittszeit"),
    "duration": ("Time in Session (minutes)", "Duration (Minutes)",
                 "Zeit in der Sitzung (Minuten)", "Dauer (Minuten)"),
}
_JOIN_KEYS = {"jointime", "beitrittszeit"}
_NOT_ATTENDED = {"no", "nein"}
# Section titles (as key()) -> the role of the people in it; None: participants.
_SECTIONS = {"hostdetails": "Host", "gastgeberdetails": "Host",
             "panelistdetails": "Panelist", "detailszudiskussionsteilnehmern": "Panelist",
             "diskussionsteilnehmerdetails": "Panelist", "attendeedetails": None,
             "teilnehmerdetails": None, "otherattended": None, "andereteilnehmer": None}
# The report block's figures shown beside ours, and the count checked against the people.
_WEBINAR_BLOCK = {"topic": "Topic", "thema": "Topic", "actualstarttime": "Actual Start Time",
                  "tatsächlichestartzeit": "Actual Start Time", "registered": "# Registered",
                  "registriert": "# Registered", "uniqueviewers": "Unique Viewers",
                  "eindeutigezuschauer": "Unique Viewers", "totalusers": "Total Users",
                  "benutzerinsgesamt": "Total Users"}
_MEETING_BLOCK = {"topic": "Topic", "thema": "Topic", "starttime": "Start Time",
                  "startzeit": "Start Time", "useremail": "Host", "benutzeremail": "Host",
                  "participants": "Participants", "teilnehmer": "Participants"}


def parse_webinar(rows: Rows, tz_name: str) -> Parsed:
    sessions: list[Session] = []
    summary: tuple[tuple[str, str], ...] = ()
    for title, index, body in _tables(rows):
        if not summary and index > 0:
            summary = _block(rows[:index], {"uniqueviewers", "eindeutigezuschauer", "topic",
                                            "thema"}, _WEBINAR_BLOCK)
        role = _SECTIONS.get(key(title))
        sessions += _table_sessions(rows[index], body, tz_name, role, rows[-1][0])
    # Whether "Unique Viewers" counts people or devices, and panelists or not, is not
    # documented: it cannot exceed the rows of joins, whichever it is.
    count_check(dict(summary).get("Unique Viewers"), len(sessions), rows[-1][0],
                _l("Unique Viewers"))
    return Parsed(sessions, summary)


def parse_meeting(rows: Rows, tz_name: str) -> Parsed:
    start = next((i for i, (_, cells) in enumerate(rows)
                  if {key(c) for c in cells} & _JOIN_KEYS), None)
    if start is None:  # no join time the way Zoom names it: say which column is which
        names = {key(n) for n in COLUMNS["name"]}
        raise mapping_step(rows, next((line for line, cells in rows
                                       if names & {key(c) for c in cells}), None))
    summary = _block(rows[:start], {"meetingid", "topic", "thema"}, _MEETING_BLOCK)
    host = dict(summary).get("Host", "").strip().casefold()
    body, _ = table_body(rows, start + 1)
    try:
        found = _table_sessions(rows[start], body, tz_name, None, rows[-1][0])
    except ParseError as exc:
        if exc.line != rows[start][0]:
            raise
        raise mapping_step(rows, exc.line) from None  # headers not known yet
    sessions = [s if not host or s.email != host else
                session(s.line, s.name, s.email, s.joined, s.left, s.seconds, role="Host",
                        excluded=True)
                for s in found]
    count_check(dict(summary).get("Participants"), people(sessions), rows[-1][0],
                _l("Participants"))
    return Parsed(sessions, summary)


def _block(head: Rows, markers: set[str], labels: dict[str, str]
           ) -> tuple[tuple[str, str], ...]:
    """The figures of the block above the tables: its header is the first row with one of
    the ``markers`` (as key()); none if there is no such row."""
    index = next((i for i, (_, cells) in enumerate(head)
                  if {key(c) for c in cells} & markers), None)
    return block(head, index, labels) if index is not None else ()


def _tables(rows: Rows):
    """(section title, index of the header row, data rows) for each table with join
    times."""
    title, index = "", 0
    while index < len(rows):
        cells = rows[index][1]
        if {key(c) for c in cells} & _JOIN_KEYS:
            body, end = table_body(rows, index + 1)
            yield title, index, body
            index = end
            continue
        if len([c for c in cells if c]) == 1:
            title = next(c for c in cells if c)
        index += 1


def _table_sessions(header_row, body: Rows, tz_name: str, role: str | None,
                    last: int) -> list[Session]:
    header_line, header = header_row
    columns = _find_columns(header, header_line, COLUMNS, ("join", "leave"), COLUMN_LABELS)
    if "name" not in columns and "last_name" not in columns:
        _find_columns(header, header_line, COLUMNS, ("name",), COLUMN_LABELS)
    times = time_reader(body, columns, tz_name)
    found = (_row(line, cells, columns, times, last) for line, cells in body)
    return [s if role is None else session(s.line, s.name, s.email, s.joined, s.left,
                                           s.seconds, role=role, excluded=True)
            for s in found if s is not None]


def _row(line: int, cells: list[str], columns: dict[str, int], times,
         last: int) -> Session | None:
    check_width(cells, columns, line, last)
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
    return session(line, name_of(cells, columns), cell(cells, columns, "email"), joined, left,
                   seconds)
