"""The parsers on their own: realistic sample files against hand-computed results, and
malformed files refused with the line named. No database, no request.

The samples are reports of a webinar on 21 November 2026, 10:00–12:00 in Berlin (CET,
UTC+1): a time of 09:58:10 in a file is 08:58:10 UTC.
"""
from __future__ import annotations

import codecs
from datetime import UTC, datetime
from pathlib import Path

import pytest

from eventhub.attendance import imports
from eventhub.attendance.imports import ParseError
from eventhub.attendance.importtext import TimeReader, duration_seconds, number

SAMPLES = Path(__file__).parent / "samples"
TZ = "Europe/Berlin"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def utc(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 11, 21, hour, minute, second, tzinfo=UTC)


def by_email(report: imports.Report) -> dict[str, imports.Attendee]:
    return {a.email or a.name: a for a in report.attendees}


# --- Zoom -------------------------------------------------------------------------------

def test_zoom_attendee_report_sums_rejoins_and_skips_the_host_and_absentees():
    report = imports.parse(sample("zoom_webinar_attendee_report.csv"), TZ)
    assert (report.file_format, report.encoding) == ("zoom", "UTF-8")
    people = by_email(report)
    # "Max Abwesend" registered but never joined (Attended = No); the host and the
    # panelist ran the webinar: kept apart, not participants.
    assert set(people) == {"erika.muster@example.org", "paul.kurz@example.org",
                           "lena.zwei@example.org", "tom@unangemeldet.example"}
    assert {(a.email, a.role) for a in report.excluded} == {
        ("host@zentrum-digitale-arbeit.example", "Host"),
        ("jana.beispiel@zz-sachsen.example", "Panelist")}
    erika = people["erika.muster@example.org"]
    # 09:58:10–10:41:40 (43:30) + 10:45:00–11:59:30 (74:30) = 118:00
    assert (erika.joins, erika.seconds, erika.minutes) == (2, 7080, 118)
    assert (erika.first_join, erika.last_leave) == (utc(8, 58, 10), utc(10, 59, 30))
    assert erika.name == "Erika Muster" and erika.line == 13


def test_zoom_two_devices_at_once_count_once():
    lena = by_email(imports.parse(sample("zoom_webinar_attendee_report.csv"), TZ))[
        "lena.zwei@example.org"]
    # 10:00–11:00 on the laptop and 10:30–11:30 on the phone: 90 minutes, not 120.
    assert (lena.joins, lena.minutes) == (2, 90)


def test_zoom_short_visit_and_name_from_first_and_last_name():
    paul = by_email(imports.parse(sample("zoom_webinar_attendee_report.csv"), TZ))[
        "paul.kurz@example.org"]
    assert paul.name == "Paul Kurz"  # not the renamed "Paul K. (Paul Kurz)"
    assert (paul.seconds, paul.minutes) == (479, 7)  # 10:05:00–10:12:59


# --- Teams ------------------------------------------------------------------------------

def test_teams_utf16_list_uses_the_participants_section():
    data = sample("teams_attendance_utf16.csv")
    assert data.startswith(codecs.BOM_UTF16_LE)
    report = imports.parse(data, TZ)
    assert (report.file_format, report.encoding, report.sessions) == ("teams", "UTF-16", 5)
    people = by_email(report)
    erika = people["erika.muster@example.org"]  # upper case in the file
    assert (erika.minutes, erika.seconds) == (87, 5271)  # 1h 27m 51s
    assert (erika.first_join, erika.last_leave) == (utc(8, 59, 1), utc(10, 48, 20))
    assert people["paul.kurz@example.org"].minutes == 9  # 9m 59s
    # No e-mail address but a UPN: the UPN is used.
    assert people["joerg.mueller@example.org"].minutes == 60
    # Neither: kept by name, for the organizer to decide.
    assert people["Anna Gast (Guest)"].email == "" and people["Anna Gast (Guest)"].minutes == 38


def test_teams_without_participants_section_is_refused():
    text = "1. Summary\nMeeting title\tX\n\n3. In-Meeting Activities\nName\tJoin Time\n"
    with pytest.raises(ParseError, match="2. Participants"):
        imports.parse(text.encode("utf-16"), TZ)


# --- generic CSV ------------------------------------------------------------------------

def test_german_semicolon_export_with_decimal_commas():
    report = imports.parse(sample("generic_german_semicolon.csv"), TZ)
    assert (report.file_format, report.encoding) == ("csv", "UTF-8")
    people = by_email(report)
    assert people["erika.muster@example.org"].minutes == 118  # 43,5 + 74,5
    assert people["erika.muster@example.org"].joins == 2
    assert people["paul.kurz@example.org"].seconds == 599  # 9,98 minutes
    assert people["joerg.mueller@example.org"].name == "Müller, Jörg"
    assert people["Anna Gast"].minutes == 38
    assert people["erika.muster@example.org"].first_join == utc(8, 58, 10)


def test_utf8_bom_csv_with_join_and_leave_only():
    report = imports.parse(sample("generic_utf8_bom.csv"), TZ)
    people = by_email(report)
    assert list(people) == ["erika.muster@example.org", "lena.zwei@example.org",
                            "paul.kurz@example.org"]
    assert [a.minutes for a in report.attendees] == [118, 90, 10]


def test_zoom_meeting_participant_export_without_its_block():
    data = (b"Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
            b"Erika Muster,erika@example.org,11/21/2026 10:00:00 AM,11/21/2026 10:30:00 AM,30,No\n"
            )
    report = imports.parse(data, TZ)
    (erika,) = report.attendees
    assert report.file_format == "zoom_meeting"
    assert (erika.email, erika.minutes, erika.first_join) == ("erika@example.org", 30,
                                                              utc(9, 0))


# --- malformed files: refused with the line ---------------------------------------------

MALFORMED = {
    "empty": (b"", 1, "empty"),
    "blank lines": (b"\r\n \r\n", 1, "empty"),
    "header only": (b"name,email,duration\n", 1, "no attendees"),
    "workbook": (b"PK\x03\x04\x14\x00\x06\x00", 1, "damaged or incomplete Excel file"),
    "windows-1252": ("Name;E-Mail;Dauer\nErika;e@example.org;12\nJörg Müller;j@example.org;30\n"
                     .encode("cp1252"), 3, "UTF-8"),
    "date format": (b"Name;E-Mail;Beitritt;Verlassen\nA;a@example.org;21.11.2026 10:00;"
                    b"21.11.2026 10:30\nB;b@example.org;2026/21/11 10:00;21.11.2026 11:00\n"
, 3, "2026/21/11 10:00"),
    "leave before join": (b"name,email,join,leave\nA,a@example.org,2026-11-21 10:30,"
                          b"2026-11-21 10:00\n", 2, "before"),
    "bad duration": (b"name,email,duration\nA,a@example.org,12\nB,b@example.org,lange\n",
                     3, "lange"),
    "short row": (b"name,email,duration\nA,a@example.org,12\nB\n", 3, "columns"),
    "binary": (b"name,email,duration\nA,a@exa\x00mple.org,12\n", 2, "binary"),
    "clock change": (b"name,email,join,leave\nA,a@example.org,2026-03-29 02:30,"
                     b"2026-03-29 03:30\n", 2, "clock change"),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_malformed_files_name_the_line_and_the_problem(case):
    data, line, words = MALFORMED[case]
    with pytest.raises(ParseError) as caught:
        imports.parse(data, TZ)
    assert caught.value.line == line
    assert words in str(caught.value.message)


def test_zoom_report_without_leave_time_column_names_the_header_line():
    data = sample("zoom_webinar_attendee_report.csv").replace(b"Leave Time,", b"Left,")
    with pytest.raises(ParseError) as caught:
        imports.parse(data, TZ)
    # Line 6 is the host's table: read too, to keep the host apart.
    assert caught.value.line == 6 and "Leave Time" in str(caught.value.message)


def test_too_many_rows_are_refused(monkeypatch):
    monkeypatch.setattr("eventhub.attendance.tables.MAX_ROWS", 3)
    data = b"name,email,duration\n" + b"A,a@example.org,1\n" * 5
    with pytest.raises(ParseError, match="more than 3 rows"):
        imports.parse(data, TZ)


# --- the small readers --------------------------------------------------------------------

@pytest.mark.parametrize("text, seconds", [
    ("1h 27m 51s", 5271), ("27m 51s", 1671), ("51s", 51), ("2h", 7200),
    ("1 Std. 27 Min. 51 Sek.", 5271), ("01:27:51", 5271), ("1:05", 3900),
    ("47,5", 2850), ("47.5", 2850), ("12", 720),
])
def test_durations(text, seconds):
    assert duration_seconds(text, 1) == seconds


@pytest.mark.parametrize("text, value", [("1.234,5", 1234.5), ("1,234.5", 1234.5),
                                         ("9,98", 9.98)])
def test_decimal_numbers(text, value):
    assert number(text) == value


@pytest.mark.parametrize("text", [
    "11/21/2026 10:02:13 AM", "11/21/2026 10:02:13 a.m.", "21.11.2026 10:02:13",
    "2026-11-21 10:02:13", "2026-11-21T10:02:13.250", "11/21/26, 10:02:13 AM",
    "Nov 21, 2026 10:02:13 AM", "21.11.26, 10:02:13",
])
def test_local_times_in_the_events_zone(text):
    assert TimeReader(TZ)(text, 1) == utc(9, 2, 13)


def test_day_first_slashes_are_recognised_from_the_whole_file():
    reader = TimeReader(TZ, ["05/11/2026 10:00", "21/11/2026 10:02:13"])
    assert reader("21/11/2026 10:02:13", 1) == utc(9, 2, 13)
    assert reader("05/11/2026 10:00", 1) == datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
    assert TimeReader(TZ)("05/11/2026 10:00", 1) == datetime(2026, 5, 11, 8, 0, tzinfo=UTC)


def test_a_title_above_the_header_is_skipped():
    data = (b"Teilnehmerliste Webinar 21.11.2026\n\n"
            b"Name;E-Mail;Dauer (Minuten)\nErika Muster;erika@example.org;47,5\n")
    report = imports.parse(data, TZ)
    (erika,) = report.attendees
    assert report.file_format == "csv"
    assert (erika.email, erika.seconds, erika.line) == ("erika@example.org", 2850, 4)


@pytest.mark.parametrize("data, guessed", [
    (b"Name;Dauer\nErika;12\n", {"name": 0, "duration": 1}),  # no e-mail column
    (b"Name,Email\nErika,e@example.org\n", {"name": 0, "email": 1}),  # no times
])
def test_a_list_without_the_columns_it_needs_goes_to_the_mapping_step(data, guessed):
    with pytest.raises(imports.NeedsMapping) as caught:
        imports.parse(data, TZ)
    assert caught.value.header_line == 1
    assert caught.value.guess.columns == guessed
    assert caught.value.guess.problems()
