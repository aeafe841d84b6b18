#!/usr/bin/env python3
"""Regenerate the attendance-export samples of tests/attendance/samples (the research-based ones; the older samples in this folder are kept by hand).

Run:  python3 make_samples.py

Writes the Zoom / Teams sample exports byte-exact (encoding, BOM, delimiter,
line endings are set per format below), plus ``expected.json`` and the
generated "Expected results" section inside FORMATS.md (between the
BEGIN/END EXPECTED markers).  See FORMATS.md for where each header string
comes from and which ones are unconfirmed.

All wall-clock times are Europe/Berlin local time on 21 November 2026.
All people are fictitious; addresses use example.org.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
DAY = datetime(2026, 11, 21)

# --- switches --------------------------------------------------------------
ZOOM_BOM = True            # Zoom CSVs: UTF-8 *with* BOM (zoomGroupStats samples, isc2sv-tools)
ZOOM_EOL = "\r\n"          # Zoom CSVs: CRLF (zoomGroupStats samples)
TEAMS_EOL = "\n"           # Teams UTF-16 files: LF seen in every untouched UTF-16 sample found
TEAMS_FINAL_EOL = False    # ... and no newline after the last line
NBSP = "\u00a0"


def t(hms: str) -> datetime:
    h, m, s = (int(x) for x in hms.split(":"))
    return DAY.replace(hour=h, minute=m, second=s)


def ceil_minutes(a: datetime, b: datetime) -> int:
    """Zoom's per-row minutes: ceil(seconds / 60) (matches every real sample checked)."""
    return math.ceil((b - a).total_seconds() / 60)


# --- date/time formatting ---------------------------------------------------
def zoom_en(dt: datetime) -> str:          # 11/21/2026 09:58:41 AM
    return dt.strftime("%m/%d/%Y %I:%M:%S %p")


def zoom_en_nosec(dt: datetime) -> str:    # 11/21/2026 12:41 PM
    return dt.strftime("%m/%d/%Y %I:%M %p")


def zoom_de(dt: datetime) -> str:          # 21.11.2026 09:58:41   (UNCONFIRMED)
    return dt.strftime("%d.%m.%Y %H:%M:%S")


def zoom_de_nosec(dt: datetime) -> str:    # 21.11.2026 12:41      (UNCONFIRMED)
    return dt.strftime("%d.%m.%Y %H:%M")


def teams_en_us(dt: datetime) -> str:      # 11/21/26, 9:58:41 AM
    hour = dt.hour % 12 or 12
    return f"{dt.month}/{dt.day}/{dt.strftime('%y')}, {hour}:{dt:%M:%S} {'AM' if dt.hour < 12 else 'PM'}"


def teams_de(dt: datetime) -> str:         # 21.11.26, 09:58:41    (UNCONFIRMED)
    return dt.strftime("%d.%m.%y, %H:%M:%S")


def dur_parts(seconds: int) -> tuple[int, int, int]:
    h, rest = divmod(int(round(seconds)), 3600)
    m, s = divmod(rest, 60)
    return h, m, s


def teams_dur_en(seconds: int) -> str:     # 1h 2m 3s / 21m 7s / 10s
    h, m, s = dur_parts(seconds)
    parts = []
    if h:
        parts.append(f"{h}h")
    if m:
        parts.append(f"{m}m")
    if s:
        parts.append(f"{s}s")
    return " ".join(parts) or "0s"


def teams_dur_de(seconds: int) -> str:     # 1 Std. 2 Min. 3 Sek.  (UNCONFIRMED; NBSP as in fr export)
    h, m, s = dur_parts(seconds)
    parts = []
    if h:
        parts.append(f"{h}{NBSP}Std.")
    if m:
        parts.append(f"{m}{NBSP}Min.")
    if s:
        parts.append(f"{s}{NBSP}Sek.")
    return " ".join(parts) or f"0{NBSP}Sek."


# --- CSV writing --------------------------------------------------------------
def q(value: str, force: bool = False) -> str:
    value = "" if value is None else str(value)
    if force or any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def zoom_row(cells, quote_idx=()) -> str:
    return ",".join(q(c, i in quote_idx) for i, c in enumerate(cells))


def write_zoom(name: str, lines: list[str]) -> None:
    text = ZOOM_EOL.join(lines) + ZOOM_EOL
    data = text.encode("utf-8")
    if ZOOM_BOM:
        data = b"\xef\xbb\xbf" + data
    (HERE / name).write_bytes(data)


def write_teams(name: str, lines: list[str], eol: str = TEAMS_EOL) -> None:
    text = eol.join(lines) + (eol if TEAMS_FINAL_EOL else "")
    (HERE / name).write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))


# --- expected results bookkeeping -------------------------------------------
EXPECTED: dict[str, dict] = {}


def expect(file: str, key: str, **info) -> None:
    EXPECTED.setdefault(file, {}).setdefault(key, {"rows": 0, "file_minutes": 0, "seconds": 0, **info})
    entry = EXPECTED[file][key]
    for k, v in info.items():
        entry.setdefault(k, v)


def add_session(file: str, key: str, start: datetime, end: datetime, file_minutes=None, **info):
    expect(file, key, **info)
    e = EXPECTED[file][key]
    e["rows"] += 1
    e["seconds"] += int((end - start).total_seconds())
    if file_minutes is not None:
        e["file_minutes"] += file_minutes
    e.setdefault("intervals", []).append([start.strftime("%H:%M:%S"), end.strftime("%H:%M:%S")])


def union_seconds(intervals: list[list[str]]) -> int:
    spans = sorted((t(a), t(b)) for a, b in intervals)
    total, cur_s, cur_e = 0, None, None
    for s, e in spans:
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += (cur_e - cur_s).total_seconds()
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += (cur_e - cur_s).total_seconds()
    return int(total)


# =============================================================================
# Zoom webinar "Attendee Report"
# =============================================================================
TOPIC_WEBINAR = "Fachforum Stadtgrün: Klimaanpassung in Quartieren"
WEBINAR_ID = "812 3456 7890"

# (display name, original name or None, first, last, email, phone, reg time, attended, sessions, is_guest)
HOST = ("Forum Stadtgrün", None, "forum@example.org", [("09:48:12", "12:03:40")], "No")
PANELISTS = [
    ("Dr. Jörg Köhler", None, "joerg.koehler@example.org",
     [("09:55:03", "11:01:47"), ("11:03:10", "12:00:52")], "Yes"),
]
ATTENDEES = [
    # name, original, first, last, email, phone, registration, attended, sessions, guest
    ("Anna Müller", None, "Anna", "Müller", "anna.mueller@example.org", "",
     "11/02/2026 08:12:44 AM", True, [("09:58:41", "10:47:09"), ("10:49:30", "11:58:02")], "Yes"),
    ("Ben", "Benedikt Schäfer", "Benedikt", "Schäfer", "b.schaefer@example.org", "+49 341 5550123",
     "11/10/2026 04:01:09 PM", True, [("10:01:15", "11:59:40")], "Yes"),
    ("Çağla Yılmaz", None, "Çağla", "Yılmaz", "cagla.yilmaz@example.org", "",
     "11/18/2026 07:30:02 PM", True, [("10:03:22", "10:41:05")], "Yes"),
    ("Lukas Weiß", None, "Lukas", "Weiß", "Lukas.Weiss@Example.org", "",
     "11/19/2026 09:15:27 AM", True, [("10:00:07", "11:54:19")], "No"),
    ("Sophie Brandt", None, "Sophie", "Brandt", "sophie.brandt@example.org", "",
     "11/20/2026 06:45:51 PM", True, [("10:05:02", "11:30:11")], "Yes"),
    ("Sophies iPhone", "Sophie Brandt", "Sophie", "Brandt", "sophie.brandt@example.org", "",
     "11/20/2026 06:45:51 PM", True, [("11:28:43", "11:59:57")], "Yes"),
    ("Jana Nguyen", None, "Jana", "Nguyen", "jana.nguyen@example.org", "",
     "11/21/2026 09:40:18 AM", True, [("10:15:04", "10:19:33")], "Yes"),
    ("Felix Nowak", None, "Felix", "Nowak", "felix.nowak@example.org", "",
     "11/15/2026 11:11:11 AM", False, [], "--"),
]
OTHERS = [("iPad Konferenzraum 2", [("10:20:15", "11:45:38")])]


def webinar_rows(lang: str):
    """Build the webinar attendee report lines for lang 'en' or 'de'."""
    en = lang == "en"
    fname = f"zoom_webinar_attendee_report_{lang}.csv"
    fmt, fmt_nosec = (zoom_en, zoom_en_nosec) if en else (zoom_de, zoom_de_nosec)
    yes, no = ("Yes", "No") if en else ("Ja", "Nein")
    L = {
        "title": "Attendee Report" if en else "Teilnehmerbericht",
        "generated": "Report Generated:" if en else "Bericht erstellt:",
        "meta": ["Topic", "Webinar ID", "Actual Start Time", "Actual Duration (minutes)", "# Registered",
                 "# Cancelled", "Unique Viewers", "Total Users", "Max Concurrent Views", "Enable Registration"]
        if en else
        ["Thema", "Webinar-ID", "Tatsächliche Startzeit", "Tatsächliche Dauer (Minuten)", "# Registriert",
         "# Storniert", "Eindeutige Zuschauer", "Benutzer insgesamt", "Max. gleichzeitige Aufrufe",
         "Registrierung aktivieren"],
        "host": "Host Details" if en else "Host-Details",
        "panel": "Panelist Details" if en else "Details zu Diskussionsteilnehmern",
        "att": "Attendee Details" if en else "Teilnehmerdetails",
        "other": "Other Attended" if en else "Andere Teilnehmer",
        "hp_hdr": ["Attended", "User Name (Original Name)", "Email", "Join Time", "Leave Time",
                   "Time in Session (minutes)", "Is Guest", "Country/Region Name"] if en else
        ["Teilgenommen", "Benutzername (ursprünglicher Name)", "E-Mail", "Beitrittszeit", "Verlassenszeit",
         "Zeit in der Sitzung (Minuten)", "Ist Gast", "Land/Region"],
        "att_hdr": ["Attended", "User Name (Original Name)", "First Name", "Last Name", "Email", "Phone",
                    "Registration Time", "Approval Status", "Join Time", "Leave Time",
                    "Time in Session (minutes)", "Is Guest", "Country/Region Name"] if en else
        ["Teilgenommen", "Benutzername (ursprünglicher Name)", "Vorname", "Nachname", "E-Mail", "Telefon",
         "Registrierungszeit", "Genehmigungsstatus", "Beitrittszeit", "Verlassenszeit",
         "Zeit in der Sitzung (Minuten)", "Ist Gast", "Land/Region"],
        "other_hdr": ["User Name", "Join Time", "Leave Time", "Time in Session (minutes)", "Country/Region Name"]
        if en else ["Benutzername", "Beitrittszeit", "Verlassenszeit", "Zeit in der Sitzung (Minuten)", "Land/Region"],
        "approved": "approved" if en else "genehmigt",
        "country": "Germany" if en else "Deutschland",
    }

    def guest(v):
        return {"Yes": yes, "No": no}.get(v, v)

    def display(name, orig):
        return f"{name} ({orig})" if orig else name

    def reg(s):  # registration times are stored in EN form above
        dt = datetime.strptime(s, "%m/%d/%Y %I:%M:%S %p")
        return fmt(dt)

    host_name, _, host_mail, host_sessions, host_guest = HOST
    start = t(host_sessions[0][0])
    end = t(host_sessions[-1][1])
    actual_minutes = ceil_minutes(start, end)
    registered = len(ATTENDEES) - 1  # Sophie's second device is the same registrant
    attended_rows = [a for a in ATTENDEES if a[7]]
    unique_viewers = len({a[4].lower() for a in attended_rows}) + len(OTHERS)
    total_users = sum(len(a[8]) for a in attended_rows) + sum(len(o[1]) for o in OTHERS)

    lines = [
        L["title"] + ",",
        f'{L["generated"]},{q(fmt_nosec(DAY.replace(hour=12, minute=41)), True)}',
        ",".join(L["meta"]),
        zoom_row([TOPIC_WEBINAR, WEBINAR_ID, fmt(start), actual_minutes, registered, 0,
                  unique_viewers, total_users, 7, yes], quote_idx=(2,)),
        L["host"] + ",",
        ",".join(L["hp_hdr"]),
    ]
    for a, b in host_sessions:
        m = ceil_minutes(t(a), t(b))
        lines.append(zoom_row([yes, host_name, host_mail, fmt(t(a)), fmt(t(b)), m, guest(host_guest),
                               L["country"]], quote_idx=(3, 4)))
        add_session(fname, host_mail.lower(), t(a), t(b), m, name=host_name, role="host", counts=False)
    lines += [L["panel"] + ",", ",".join(L["hp_hdr"])]
    for name, orig, mail, sessions, g in PANELISTS:
        for a, b in sessions:
            m = ceil_minutes(t(a), t(b))
            lines.append(zoom_row([yes, display(name, orig), mail, fmt(t(a)), fmt(t(b)), m, guest(g),
                                   L["country"]], quote_idx=(3, 4)))
            add_session(fname, mail.lower(), t(a), t(b), m, name=name, role="panelist", counts=False)
    lines += [L["att"] + ",", ",".join(L["att_hdr"])]
    for name, orig, first, last, mail, phone, regtime, attended, sessions, g in ATTENDEES:
        if not attended:
            lines.append(zoom_row([no, display(name, orig), first, last, mail, phone, reg(regtime),
                                   L["approved"], "--", "--", "--", "--", "--"], quote_idx=(6,)))
            expect(fname, mail.lower(), name=name, role="registrant, did not attend", counts=False)
            continue
        for a, b in sessions:
            m = ceil_minutes(t(a), t(b))
            lines.append(zoom_row([yes, display(name, orig), first, last, mail, phone, reg(regtime),
                                   L["approved"], fmt(t(a)), fmt(t(b)), m, guest(g), L["country"]],
                                  quote_idx=(6, 8, 9)))
            add_session(fname, mail.lower(), t(a), t(b), m, name=f"{first} {last}", role="attendee",
                        counts=True)
    lines += [L["other"] + ",", ",".join(L["other_hdr"])]
    for name, sessions in OTHERS:
        for a, b in sessions:
            m = ceil_minutes(t(a), t(b))
            lines.append(zoom_row([name, fmt(t(a)), fmt(t(b)), m, L["country"]], quote_idx=(1, 2)))
            add_session(fname, f"(no e-mail) {name}", t(a), t(b), m, name=name,
                        role="other attended (no e-mail column) -> cannot be matched", counts=False)
    write_zoom(fname, lines)


# =============================================================================
# Zoom meeting "Participants" export
# =============================================================================
TOPIC_MEETING = "Arbeitstreffen Stadtgrün – Auftakt"
MEETING_ID = "852 1234 5678"
MEETING_HOST_MAIL = "forum@example.org"
# display name, original, email, sessions, guest, recording consent, waiting room
MEETING_PEOPLE = [
    ("Forum Stadtgrün", None, "forum@example.org", [("09:51:30", "12:02:11")], "No", "Y", "No"),
    ("Dr. Jörg Köhler", None, "joerg.koehler@example.org", [("09:56:44", "11:58:20")], "No", "Y", "No"),
    ("Anna Müller", None, "anna.mueller@example.org", [("09:58:41", "10:47:09"), ("10:49:30", "11:58:02")],
     "Yes", "Y", "No"),
    ("Ben", "Benedikt Schäfer", "b.schaefer@example.org", [("10:01:15", "11:59:40")], "Yes", "Y", "No"),
    ("Lukas Weiß", None, "Lukas.Weiss@Example.org", [("10:00:07", "11:54:19")], "No", "Y", "No"),
    ("Sophie Brandt", None, "sophie.brandt@example.org", [("10:05:02", "11:30:11")], "Yes", "Y", "No"),
    ("Sophies iPhone", "Sophie Brandt", "sophie.brandt@example.org", [("11:28:43", "11:59:57")],
     "Yes", "Y", "No"),
    ("Çağla Yılmaz", None, "", [("10:03:22", "10:41:05")], "Yes", "Y", "No"),
    ("Jana Nguyen", None, "jana.nguyen@example.org", [("10:15:04", "10:19:33"), ("10:21:50", "11:40:06")],
     "Yes", "Y", "Yes"),
    ("+49 30 ****5678", None, "", [("10:07:12", "11:12:45")], "Yes", "", "No"),
]


def meeting_rows(lang: str, with_block: bool, fname: str):
    en = lang == "en"
    fmt = zoom_en if en else zoom_de
    yes, no = ("Yes", "No") if en else ("Ja", "Nein")
    block_hdr = (["Meeting ID", "Topic", "Start Time", "End Time", "User Email", "Duration (Minutes)",
                  "Participants"] if en else
                 ["Meeting-ID", "Thema", "Startzeit", "Endzeit", "Benutzer-E-Mail", "Dauer (Minuten)",
                  "Teilnehmer"])
    part_hdr = (["Name (Original Name)", "User Email", "Join Time", "Leave Time", "Duration (Minutes)", "Guest",
                 "Recording Consent", "In Waiting Room"] if en else
                ["Name (ursprünglicher Name)", "Benutzer-E-Mail", "Beitrittszeit", "Verlassenszeit",
                 "Dauer (Minuten)", "Gast", "Zustimmung zur Aufzeichnung", "Im Warteraum"])
    starts = [t(s[0]) for p in MEETING_PEOPLE for s in p[3]]
    ends = [t(s[1]) for p in MEETING_PEOPLE for s in p[3]]
    m_start, m_end = t("09:51:30"), t("12:02:11")
    lines = []
    if with_block:
        unique = len({(p[2].lower() or p[0]) for p in MEETING_PEOPLE if not p[0].endswith("iPhone")})
        lines += [
            ",".join(block_hdr) + ",",
            zoom_row([MEETING_ID, TOPIC_MEETING, fmt(m_start), fmt(m_end), MEETING_HOST_MAIL,
                      ceil_minutes(m_start, m_end), unique]) + ",",
            "",
        ]
    lines.append(",".join(part_hdr))
    assert min(starts) >= m_start - timedelta(minutes=5) and max(ends) <= m_end + timedelta(minutes=5)
    for name, orig, mail, sessions, g, consent, wr in MEETING_PEOPLE:
        for a, b in sessions:
            m = ceil_minutes(t(a), t(b))
            shown = f"{name} ({orig})" if orig else name
            lines.append(zoom_row([shown, mail, fmt(t(a)), fmt(t(b)), m, yes if g == "Yes" else no,
                                   consent, yes if wr == "Yes" else no]))
            key = mail.lower() if mail else f"(no e-mail) {name}"
            if mail.lower() == MEETING_HOST_MAIL and with_block:
                role, counts = "host (= meeting block 'User Email')", False
            elif mail.lower() == MEETING_HOST_MAIL:
                role, counts = "host, but NOT identifiable without the meeting block", True
            elif not mail:
                role, counts = "no e-mail -> cannot be matched", False
            else:
                role, counts = "attendee", True
            add_session(fname, key, t(a), t(b), m, name=orig or name, role=role, counts=counts)
    write_zoom(fname, lines)


# =============================================================================
# Teams attendance report (UTF-16 LE + BOM, tab separated)
# =============================================================================
TEAMS_TITLE = "Fachforum Stadtgrün: Klimaanpassung in Quartieren"
# name, email, upn, role key, activities
TEAMS_PEOPLE = [
    ("Forum Stadtgrün", "forum@example.org", "forum@example.org", "organizer",
     [("09:50:12", "12:02:33")]),
    ("Miriam Roth", "miriam.roth@example.org", "miriam.roth@example.org", "coorganizer",
     [("09:52:48", "12:01:19")]),
    ("Dr. Jörg Köhler", "joerg.koehler@example.org", "joerg.koehler@example.org", "presenter",
     [("09:55:03", "11:01:47"), ("11:03:10", "12:00:52")]),
    ("Anna Müller", "anna.mueller@example.org", "anna.mueller@example.org", "attendee",
     [("09:58:41", "10:47:09"), ("10:49:30", "11:58:02")]),
    ("Schäfer, Benedikt", "B.Schaefer@example.org", "b.schaefer@example.org", "attendee",
     [("10:01:15", "11:59:40")]),
    ("Lukas Weiß", "LUKAS.WEISS@EXAMPLE.ORG", "lukas.weiss@example.org", "attendee",
     [("10:00:07", "11:54:19")]),
    ("Sophie Brandt", "sophie.brandt@example.org", "", "attendee",
     [("10:05:02", "11:30:11"), ("11:31:24", "11:59:57")]),
    ("Çağla Yılmaz (Guest)", "", "", "attendee",
     [("10:03:22", "10:41:05")]),
    ("Jana Nguyen", "jana.nguyen@example.org", "jana.nguyen@example.org", "attendee",
     [("10:15:04", "10:19:33"), ("10:21:50", "10:58:16"), ("11:02:41", "11:40:06")]),
    ("Tim Becker", "tim.becker@example.org", "tim.becker@example.org", "attendee",
     [("09:57:26", "10:20:14")]),
]
TEAMS_START, TEAMS_END = t("09:50:12"), t("12:02:33")

TEAMS_L = {
    "en": {
        "summary": "1. Summary", "title": "Meeting title", "count": "Attended participants",
        "start": "Start time", "end": "End time", "mdur": "Meeting duration", "avg": "Average attendance time",
        "participants": "2. Participants",
        "p_hdr": ["Name", "First Join", "Last Leave", "In-Meeting Duration", "Email", "Participant ID (UPN)",
                  "Role"],
        "activities": "3. In-Meeting Activities",
        "a_hdr": ["Name", "Join Time", "Leave Time", "Duration", "Email", "Role"],
        "roles": {"organizer": "Organizer", "coorganizer": "Co-organizer", "presenter": "Presenter",
                  "attendee": "Attendee"},
        "dt": teams_en_us, "dur": teams_dur_en,
    },
    "de": {  # ALL UNCONFIRMED — see FORMATS.md
        "summary": "1. Zusammenfassung", "title": "Besprechungstitel", "count": "Teilnehmende Personen",
        "start": "Startzeit", "end": "Endzeit", "mdur": "Besprechungsdauer",
        "avg": "Durchschnittliche Anwesenheitsdauer",
        "participants": "2. Teilnehmer",
        "p_hdr": ["Name", "Erster Beitritt", "Letztes Verlassen", "Dauer in der Besprechung", "E-Mail",
                  "Teilnehmer-ID (UPN)", "Rolle"],
        "activities": "3. Aktivitäten in der Besprechung",
        "a_hdr": ["Name", "Beitrittszeit", "Verlassenszeit", "Dauer", "E-Mail", "Rolle"],
        "roles": {"organizer": "Organisator", "coorganizer": "Mitorganisator", "presenter": "Referent",
                  "attendee": "Teilnehmer"},
        "dt": teams_de, "dur": teams_dur_de,
    },
}


def teams_rows(lang: str, fname: str, eol: str = TEAMS_EOL, record: bool = True):
    L = TEAMS_L[lang]
    dt, dur = L["dt"], L["dur"]
    totals = []
    p_lines, a_lines = [], []
    for name, mail, upn, role, acts in TEAMS_PEOPLE:
        secs = [int((t(b) - t(a)).total_seconds()) for a, b in acts]
        for s in secs:  # avoid zero h/m/s components whose rendering is unconfirmed
            _, m_, s_ = dur_parts(s)
            assert m_ and s_, (name, s)
        total = sum(secs)
        totals.append(total)
        if lang == "de":
            name = name.replace(" (Guest)", " (Gast)")
        p_lines.append("\t".join([name, dt(t(acts[0][0])), dt(t(acts[-1][1])), dur(total), mail, upn,
                                  L["roles"][role]]))
        for (a, b), s in zip(acts, secs):
            a_lines.append("\t".join([name, dt(t(a)), dt(t(b)), dur(s), mail, L["roles"][role]]))
            if record:
                key = (upn or mail).lower() or f"(no e-mail) {name}"
                counts = role == "attendee" and bool(mail or upn)
                r = {"organizer": "organizer", "coorganizer": "co-organizer", "presenter": "presenter",
                     "attendee": "attendee" if (mail or upn) else "attendee without e-mail -> cannot be matched"}[role]
                add_session(fname, key, t(a), t(b), None, name=name, role=r, counts=counts)
    avg = round(sum(totals) / len(totals))
    lines = [
        L["summary"],
        f"{L['title']}\t{TEAMS_TITLE}",
        f"{L['count']}\t{len(TEAMS_PEOPLE)}",
        f"{L['start']}\t{dt(TEAMS_START)}",
        f"{L['end']}\t{dt(TEAMS_END)}",
        f"{L['mdur']}\t{dur(int((TEAMS_END - TEAMS_START).total_seconds()))}",
        f"{L['avg']}\t{dur(avg)}",
        "",
        L["participants"],
        "\t".join(L["p_hdr"]),
        *p_lines,
        "",
        L["activities"],
        "\t".join(L["a_hdr"]),
        *a_lines,
    ]
    write_teams(fname, lines, eol)


# =============================================================================
def expected_markdown() -> str:
    out = []
    for fname, people in EXPECTED.items():
        out.append(f"#### `{fname}`\n")
        out.append("| key (lower-cased e-mail / UPN) | name | role in file | counts? | rows | "
                   "sum of file minutes | exact minutes (sum) | exact minutes (union of intervals) |")
        out.append("|---|---|---|---|---|---|---|---|")
        for key, e in people.items():
            fm = e["file_minutes"] if e["file_minutes"] else "—"
            exact = f"{e['seconds'] / 60:.2f}" if e["rows"] else "—"
            uni = f"{union_seconds(e.get('intervals', [])) / 60:.2f}" if e["rows"] else "—"
            out.append(f"| {key} | {e['name']} | {e['role']} | {'yes' if e['counts'] else 'no'} | {e['rows']} | "
                       f"{fm} | {exact} | {uni} |")
        counted = [k for k, e in people.items() if e["counts"]]
        out.append(f"\nCounted attendees: **{len(counted)}** ({', '.join(counted)})\n")
    return "\n".join(out)


def main() -> None:
    webinar_rows("en")
    webinar_rows("de")
    meeting_rows("en", True, "zoom_meeting_participants_en.csv")
    meeting_rows("en", False, "zoom_meeting_participants_noblock_en.csv")
    meeting_rows("de", True, "zoom_meeting_participants_de.csv")
    teams_rows("en", "teams_attendance_en.csv")
    teams_rows("de", "teams_attendance_de.csv")
    teams_rows("en", "teams_attendance_en_crlf.csv", eol="\r\n", record=False)

    (HERE / "expected.json").write_text(
        json.dumps({f: {k: {kk: vv for kk, vv in e.items()} for k, e in p.items()} for f, p in EXPECTED.items()},
                   ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    notes = HERE / "FORMATS.md"
    if notes.exists():
        text = notes.read_text(encoding="utf-8")
        new = re.sub(r"(<!-- BEGIN EXPECTED -->\n).*?(<!-- END EXPECTED -->)",
                     lambda m: m.group(1) + expected_markdown() + "\n" + m.group(2), text, flags=re.S)
        notes.write_text(new, encoding="utf-8")
    else:
        print(expected_markdown())


if __name__ == "__main__":
    main()
