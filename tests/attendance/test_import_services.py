"""Importing webinar reports through the services: preview, apply, walk-ins, precedence,
re-imports, refusals and retention, checked against hand-computed numbers."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from eventhub.attendance import importing, services
from eventhub.attendance.models import (
    WALK_IN,
    Attendance,
    AttendanceImport,
    AttendanceSource,
    ImportStatus,
)
from eventhub.errors import RuleViolation
from eventhub.mail import OutboxMessage
from eventhub.organizations.models import NOT_STATED
from eventhub.registration.models import Registration
from eventhub.registration.models import RegistrationStatus as S
from tests.attendance.conftest import END, START, attendance, count, sample, snapshot

NOW = END + timedelta(hours=3)
ZOOM = "zoom_webinar_attendee_report.csv"
TEAMS = "teams_attendance_utf16.csv"
GERMAN = "generic_german_semicolon.csv"


def upload(webinar, organizer, name: str, data: bytes | None = None, now=NOW):
    record, _ = importing.upload(webinar.event, name, data or sample(name), organizer, now)
    return record


def unmatched_index(preview, email_or_name: str) -> int:
    return next(row.index for row in preview.unmatched
                if email_or_name in (row.attendee.email, row.attendee.name))


def test_zoom_preview_stores_nothing_and_shows_matches(db_session, webinar, organizer):
    record = upload(webinar, organizer, ZOOM)
    assert record.status is ImportStatus.PREVIEW and record.attendee_count == 4  # counted
    assert count(db_session, Attendance) == 0
    preview = importing.preview(record, webinar.event)
    matched = {row.registration.id: (row.attendee.minutes, row.attended)
               for row in preview.matched}
    assert matched == {webinar.erika.id: (118, True), webinar.paul.id: (7, False),
                       webinar.lena.id: (90, True)}
    assert {row.attendee.email for row in preview.unmatched} == {"tom@unangemeldet.example"}
    # The host and the panelist ran the webinar: apart, and never offered as walk-ins.
    assert {(a.email, a.role) for a in preview.report.excluded} == {
        ("jana.beispiel@zz-sachsen.example", "Panelist"),
        ("host@zentrum-digitale-arbeit.example", "Host")}
    assert not preview.off_day


def test_applying_zoom_stores_minutes_attended_and_chosen_walk_ins(db_session, webinar,
                                                                   organizer):
    record = upload(webinar, organizer, ZOOM)
    tom = unmatched_index(importing.preview(record, webinar.event), "tom@unangemeldet.example")
    assert importing.apply(record, webinar.event, {tom}, organizer, NOW) is True
    db_session.commit()
    erika, paul, lena = (attendance(db_session, r) for r in
                         (webinar.erika, webinar.paul, webinar.lena))
    assert (erika.attended, erika.minutes, erika.source) == (True, 118, AttendanceSource.IMPORT)
    assert (erika.first_seen_at, erika.last_seen_at) == (START - timedelta(minutes=1, seconds=50),
                                                         START + timedelta(hours=1, minutes=59,
                                                                           seconds=30))
    assert (paul.attended, paul.minutes) == (False, 7)
    assert (lena.attended, lena.minutes) == (True, 90)
    assert attendance(db_session, webinar.max) is None  # registered, never joined
    walk_in = db_session.scalar(select(Registration).where(
        Registration.email == "tom@unangemeldet.example"))
    assert (walk_in.source, walk_in.status, walk_in.region_code) == (WALK_IN, S.CONFIRMED,
                                                                     NOT_STATED)
    assert (walk_in.first_name, walk_in.last_name) == ("Tom", "Unangemeldet")
    assert attendance(db_session, walk_in).minutes == 105
    assert count(db_session, Registration, Registration.email.like("jana%")) == 0
    assert count(db_session, OutboxMessage, OutboxMessage.registration_id == walk_in.id) == 0
    record = db_session.get(AttendanceImport, record.id)
    assert (record.status, record.matched_count, record.walk_in_count) == (
        ImportStatus.APPLIED, 3, 1)
    assert record.retain_until == NOW + timedelta(days=365)


def test_applying_keeps_what_the_page_shows(db_session, webinar, organizer):
    record = upload(webinar, organizer, ZOOM)
    tom = unmatched_index(importing.preview(record, webinar.event), "tom@unangemeldet.example")
    importing.apply(record, webinar.event, {tom}, organizer, NOW)
    db_session.commit()
    db_session.expire_all()
    result = db_session.get(AttendanceImport, record.id).result  # as read from the database
    assert {(m["registration_id"], m["minutes"], m["attended"], m["joins"])
            for m in result["matched"]} == {(webinar.erika.id, 118, True, 2),
                                            (webinar.paul.id, 7, False, 1),
                                            (webinar.lena.id, 90, True, 2)}
    assert [(u["email"], u["minutes"], u["walk_in"]) for u in result["unmatched"]] == [
        ("tom@unangemeldet.example", 105, True)]
    assert sorted((e["name"], e["role"], e["minutes"]) for e in result["excluded"]) == [
        ("Dr. Jana Beispiel", "Panelist", 125), ("Zentrum digitale Arbeit", "Host", 131)]
    assert ["Unique Viewers", "6"] in result["summary"] and result["min_minutes"] == 10
    # Only what the page shows: no join times, no other columns of the file.
    assert set(result["matched"][0]) == {"registration_id", "registration", "email", "minutes",
                                         "joins", "attended", "kept"}
    assert set(result["unmatched"][0]) == {"name", "email", "minutes", "joins", "attended",
                                           "walk_in"}


def test_reimporting_the_same_file_changes_nothing(db_session, webinar, organizer):
    record = upload(webinar, organizer, ZOOM)
    importing.apply(record, webinar.event, set(), organizer, NOW)
    db_session.commit()
    before = snapshot(db_session, webinar.event.id)
    again, new = importing.upload(webinar.event, "again.csv", sample(ZOOM), organizer,
                                  NOW + timedelta(days=1))
    assert (again.id, new) == (record.id, False)
    assert importing.apply(again, webinar.event, {0, 1}, organizer,
                           NOW + timedelta(days=1)) is False
    db_session.commit()
    assert snapshot(db_session, webinar.event.id) == before


def test_teams_utf16_matches_case_insensitively_and_any_registration(db_session, webinar,
                                                                     organizer):
    record = upload(webinar, organizer, TEAMS)
    preview = importing.preview(record, webinar.event)
    matched = {row.registration.id: row.attendee.minutes for row in preview.matched}
    # Erika is upper case in the file; Jörg has cancelled, but the report shows he attended.
    assert matched == {webinar.erika.id: 87, webinar.paul.id: 9, webinar.joerg.id: 60}
    anna = unmatched_index(preview, "Anna Gast (Guest)")
    importing.apply(record, webinar.event, {anna}, organizer, NOW)
    db_session.commit()
    assert attendance(db_session, webinar.paul).attended is False  # 9m 59s < 10 minutes
    walk_in = db_session.scalar(select(Registration).where(Registration.first_name == "Anna"))
    assert (walk_in.last_name, walk_in.email, walk_in.source) == ("Gast", None, WALK_IN)
    assert attendance(db_session, walk_in).minutes == 38


def test_an_organizers_check_in_outranks_the_report(db_session, webinar, organizer):
    services.check_in(webinar.event, [webinar.paul.id], True, organizer, NOW)  # on site
    services.record_join(webinar.erika, START)  # opened the join link
    record = upload(webinar, organizer, GERMAN)
    preview = importing.preview(record, webinar.event)
    assert {row.registration.id for row in preview.matched if row.kept} == {webinar.paul.id}
    importing.apply(record, webinar.event, set(), organizer, NOW)
    db_session.commit()
    paul, erika = attendance(db_session, webinar.paul), attendance(db_session, webinar.erika)
    assert (paul.attended, paul.source, paul.minutes) == (True, AttendanceSource.CHECK_IN, 9)
    assert (erika.attended, erika.source, erika.minutes) == (True, AttendanceSource.IMPORT, 118)
    # The link was used at 10:00; the file says 09:58:10 to 11:59:30.
    assert erika.first_seen_at == START - timedelta(minutes=1, seconds=50)


def test_the_minimum_time_in_session_is_configurable(app, db_session, webinar, organizer,
                                                     monkeypatch):
    record = upload(webinar, organizer, "generic_utf8_bom.csv")
    paul = {r.registration.id: r for r in importing.preview(record, webinar.event).matched}[
        webinar.paul.id]
    assert (paul.attendee.minutes, paul.attended) == (10, True)  # exactly 10 counts
    monkeypatch.setitem(app.config, "ATTENDANCE_MIN_MINUTES", 15)
    importing.apply(record, webinar.event, set(), organizer, NOW)
    assert attendance(db_session, webinar.paul).attended is False


@pytest.mark.parametrize("data, expected", [
    (b"", "Line 1: The file is empty."),
    ("Name;E-Mail;Dauer\nA;a@example.org;12\nJörg;j@example.org;30\n".encode("cp1252"),
     "Line 3: This line is not valid UTF-8 text"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "Line 1: This is not a table file"),
])
def test_unreadable_files_are_refused_and_nothing_is_stored(db_session, webinar, organizer,
                                                            data, expected):
    with pytest.raises(RuleViolation) as caught:
        importing.upload(webinar.event, "kaputt.csv", data, organizer, NOW)
    with force_locale("en"):
        assert str(caught.value.message).startswith(expected)
    assert caught.value.field == "file"
    assert count(db_session, AttendanceImport) == 0


def test_a_list_without_recognised_columns_waits_for_its_mapping(db_session, webinar,
                                                                organizer):
    """Such a file is kept (the mapping step needs it), and nothing else happens."""
    record, new = importing.upload(webinar.event, "liste.csv", b"Name;Dauer\nA;12\n",
                                   organizer, NOW)
    assert new and record.needs_mapping and record.mapping is None
    assert (record.status, record.attendee_count) == (ImportStatus.PREVIEW, 0)
    assert importing.content_of(record) == b"Name;Dauer\nA;12\n"
    assert count(db_session, Attendance) == 0
    with pytest.raises(RuleViolation):
        importing.apply(record, webinar.event, set(), organizer, NOW)
    assert db_session.get(AttendanceImport, record.id).status is ImportStatus.PREVIEW


def test_files_over_the_limit_are_refused(app, db_session, webinar, organizer, monkeypatch):
    monkeypatch.setitem(app.config, "ATTENDANCE_IMPORT_MAX_BYTES", 1024)
    with pytest.raises(RuleViolation) as caught:
        upload(webinar, organizer, ZOOM)
    with force_locale("en"):
        assert str(caught.value.message).startswith("The file is larger than 0.0009765")
    assert count(db_session, AttendanceImport) == 0


def test_a_file_of_another_day_is_flagged(make, db_session, centre_a, organizer):
    other_day = make.event(organization=centre_a, starts_at=START - timedelta(days=7))
    record, _ = importing.upload(other_day, "zoom.csv", sample(ZOOM), organizer, NOW)
    assert importing.preview(record, other_day).off_day


def test_discarding_a_preview_deletes_it_but_not_an_applied_import(db_session, webinar,
                                                                   organizer):
    preview = upload(webinar, organizer, ZOOM)
    applied = upload(webinar, organizer, TEAMS)
    importing.apply(applied, webinar.event, set(), organizer, NOW)
    assert importing.discard(preview) is True
    assert importing.discard(applied) is False
    assert [r.id for r in importing.imports_of(webinar.event)] == [applied.id]


def test_retention_deletes_old_previews_and_old_files_but_remembers_the_hash(
        db_session, webinar, organizer):
    stale = upload(webinar, organizer, GERMAN)
    applied = upload(webinar, organizer, ZOOM)
    importing.apply(applied, webinar.event, set(), organizer, NOW)
    assert importing.purge(NOW + timedelta(hours=25)) == (1, 0)
    assert db_session.get(AttendanceImport, stale.id) is None
    later = NOW + timedelta(days=366)
    assert importing.purge(later) == (0, 1)
    assert importing.purge(later) == (0, 0)
    db_session.expire_all()
    assert importing.content_of(applied) is None
    purged = db_session.get(AttendanceImport, applied.id)
    assert (purged.file_deleted_at, purged.result) == (later, None)
    assert purged.matched_count == 3  # the counts stay
    again, new = importing.upload(webinar.event, "zoom.csv", sample(ZOOM), organizer, later)
    assert (again.id, new) == (applied.id, False)


def test_the_file_is_kept_byte_for_byte(db_session, webinar, organizer):
    record = upload(webinar, organizer, TEAMS)
    assert importing.content_of(record) == sample(TEAMS)
    assert record.sha256 and record.size_bytes == len(sample(TEAMS))


@pytest.mark.parametrize("name, expected", [
    ("C:\\Users\\anna\\Downloads\\Teilnehmer.csv", "Teilnehmer.csv"),
    ("../../etc/passwd", "passwd"), ("", "attendance.csv"), ("a\x00b.csv", "ab.csv"),
])
def test_file_names_are_cleaned(name, expected):
    assert importing.clean_filename(name) == expected


def test_a_report_cannot_be_imported_before_the_event_has_started(db_session, webinar,
                                                                  organizer):
    with pytest.raises(RuleViolation) as caught:
        importing.upload(webinar.event, "zoom.csv", sample(ZOOM), organizer,
                         START - timedelta(minutes=1))
    with force_locale("en"):
        assert str(caught.value.message).startswith("The event has not started yet")
    assert caught.value.field == "file"
    assert count(db_session, AttendanceImport) == 0
    assert importing.upload(webinar.event, "zoom.csv", sample(ZOOM), organizer, START)[1]
