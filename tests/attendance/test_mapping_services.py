"""The mapping step through the services: a list whose columns were not recognised waits for
the organizer's columns, is read with them, and the next file with the same header is read
with the remembered mapping, per organization."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from eventhub.attendance import importing, mappings
from eventhub.attendance.mapping import ColumnMapping, NeedsMapping
from eventhub.attendance.models import (
    Attendance,
    AttendanceImport,
    AttendanceMapping,
    ImportStatus,
)
from eventhub.errors import RuleViolation
from tests.attendance.conftest import END, build_webinar, count

NOW = END + timedelta(hours=3)
HEADER = "Teilnehmer;Adresse;Minuten;Funktion"
FIRST = (f"{HEADER}\nErika Muster;Erika.Muster@example.org;50;Teilnahme\n"
         "Mia Moderation;mia@zentrum.example;125;Moderation\n"
         "Tom Unangemeldet;tom@unangemeldet.example;40;Teilnahme\n"
         "Paul Kurz;paul.kurz@example.org;4;Teilnahme\n").encode()
SECOND = (f"{HEADER}\nLena Zwei;lena.zwei@example.org;70;Teilnahme\n"
          "Mia Moderation;mia@zentrum.example;110;moderation\n").encode()
# name, e-mail, minutes, role; "Moderation" does not count
CHOSEN = ColumnMapping(1, {"name": 0, "email": 1, "duration": 2, "role": 3},
                       frozenset({"moderation"}))


def waiting(webinar, organizer, data: bytes = FIRST, now=NOW) -> AttendanceImport:
    record, new = importing.upload(webinar.event, "liste.csv", data, organizer, now)
    assert new and record.needs_mapping
    return record


def choose(record, webinar, organizer, mapping=CHOSEN, now=NOW) -> AttendanceImport:
    step = mappings.step(record, webinar.event)
    return mappings.choose(record, webinar.event, step, mapping, organizer, now)


def test_the_step_shows_the_header_the_first_rows_and_the_guess(db_session, webinar,
                                                                organizer):
    step = mappings.step(waiting(webinar, organizer), webinar.event)
    assert (step.header_line, step.header, step.source) == (1, HEADER.split(";"), "guess")
    assert step.rows[0] == ["Erika Muster", "Erika.Muster@example.org", "50", "Teilnahme"]
    assert len(step.rows) == 4
    assert step.initial.columns == {"name": 0, "duration": 2}  # recognised by their headers
    assert step.choices == [("0", "A: Teilnehmer"), ("1", "B: Adresse"), ("2", "C: Minuten"),
                            ("3", "D: Funktion")]
    assert count(db_session, AttendanceMapping) == 0


def test_a_chosen_mapping_reads_the_file_and_is_remembered(db_session, webinar, organizer):
    record = choose(waiting(webinar, organizer), webinar, organizer)
    assert not record.needs_mapping and record.attendee_count == 3
    assert mappings.of_import(record) == CHOSEN
    assert mappings.chosen_at(record) == NOW
    preview = importing.preview(record, webinar.event)
    assert {r.registration.id: r.attendee.minutes for r in preview.matched} == {
        webinar.erika.id: 50, webinar.paul.id: 4}
    assert [r.attendee.email for r in preview.unmatched] == ["tom@unangemeldet.example"]
    assert [(a.email, a.role) for a in preview.report.excluded] == [
        ("mia@zentrum.example", "Moderation")]
    remembered = db_session.scalar(select(AttendanceMapping))
    assert (remembered.organization_id, remembered.created_by_id) == (
        webinar.event.organization_id, organizer.id)
    assert ColumnMapping.from_json(remembered.mapping) == CHOSEN
    assert count(db_session, Attendance) == 0  # nothing applied yet


def test_the_next_file_with_these_columns_is_read_with_the_remembered_mapping(
        db_session, webinar, organizer):
    choose(waiting(webinar, organizer), webinar, organizer)
    later = NOW + timedelta(days=2)
    record, new = importing.upload(webinar.event, "zweite.csv", SECOND, organizer, later)
    assert new and not record.needs_mapping
    assert mappings.chosen_at(record) == NOW  # when it was chosen, not when it was used
    preview = importing.preview(record, webinar.event)
    assert [r.registration.id for r in preview.matched] == [webinar.lena.id]
    assert [a.role for a in preview.report.excluded] == ["moderation"]  # any case
    importing.apply(record, webinar.event, set(), organizer, later)
    assert record.result["excluded"][0]["email"] == "mia@zentrum.example"


def test_remembered_mappings_belong_to_one_organization(make, db_session, webinar, organizer,
                                                        centre_b):
    choose(waiting(webinar, organizer), webinar, organizer)
    other = build_webinar(make, db_session, centre_b, "Veranstaltung von B")
    record, _ = importing.upload(other.event, "liste.csv", SECOND, organizer, NOW)
    assert record.needs_mapping


def test_changing_the_mapping_updates_the_import_and_the_remembered_one(db_session, webinar,
                                                                       organizer):
    record = choose(waiting(webinar, organizer), webinar, organizer)
    everyone = ColumnMapping(1, {"name": 0, "email": 1, "duration": 2})
    later = NOW + timedelta(hours=1)
    step = mappings.step(record, webinar.event)
    assert (step.source, step.initial, step.chosen_at) == ("current", CHOSEN, NOW)
    choose(record, webinar, organizer, everyone, later)
    assert record.attendee_count == 4 and mappings.chosen_at(record) == later
    remembered = db_session.scalars(select(AttendanceMapping)).all()
    assert len(remembered) == 1 and remembered[0].updated_at == later
    assert ColumnMapping.from_json(remembered[0].mapping) == everyone


@pytest.mark.parametrize("columns, field, message", [
    ({"name": 0, "duration": 2}, "email", "Choose the column with the e-mail addresses"),
    ({"email": 1, "join": 2}, "duration", "Choose the column with the time in the session"),
    ({"email": 1, "duration": 1}, "duration", "This column is chosen for “E-mail address”"),
])
def test_a_mapping_that_cannot_read_attendance_is_refused(db_session, webinar, organizer,
                                                          columns, field, message):
    record = waiting(webinar, organizer)
    with pytest.raises(RuleViolation) as refused:
        choose(record, webinar, organizer, ColumnMapping(1, columns))
    with force_locale("en"):
        assert refused.value.field == field and message in str(refused.value.message)
    assert record.needs_mapping and count(db_session, AttendanceMapping) == 0


def test_every_problem_is_named_at_its_field(app):
    with app.test_request_context(), force_locale("en"):
        found = mappings.problems(ColumnMapping(1, {"name": 0, "role": 0}))
        assert [(field, str(message)) for field, message in found] == [
            ("email", "Choose the column with the e-mail addresses: people are matched to "
                      "registrations by them."),
            ("duration", "Choose the column with the time in the session, or both the join "
                         "and the leave time."),
            ("role", "This column is chosen for “Name (in one column)” already.")]


def test_a_mapping_the_file_cannot_be_read_with_names_the_line(db_session, webinar,
                                                               organizer):
    record = waiting(webinar, organizer)
    wrong = ColumnMapping(1, {"email": 1, "duration": 3})  # the roles are no durations
    with pytest.raises(RuleViolation) as refused:
        choose(record, webinar, organizer, wrong)
    with force_locale("en"):
        assert str(refused.value.message).startswith("Line 2: ")
        assert "Choose other columns, or check the file." in str(refused.value.message)
    assert refused.value.field is None
    assert record.needs_mapping and count(db_session, AttendanceMapping) == 0


def test_a_remembered_mapping_that_does_not_fit_is_offered_with_the_reason(
        db_session, webinar, organizer):
    choose(waiting(webinar, organizer), webinar, organizer)
    broken = f"{HEADER}\nLena Zwei;lena.zwei@example.org;lange;Teilnahme\n".encode()
    record = waiting(webinar, organizer, broken)
    step = mappings.step(record, webinar.event)
    assert (step.source, step.initial, step.chosen_at) == ("remembered", CHOSEN, NOW)
    with force_locale("en"):
        assert step.problem.startswith("Line 2: ")


def test_no_mapping_step_for_a_known_layout_or_a_stored_import(db_session, webinar,
                                                               organizer):
    from tests.attendance.conftest import sample
    known, _ = importing.upload(webinar.event, "zoom.csv",
                                sample("zoom_webinar_attendee_report.csv"), organizer, NOW)
    assert mappings.step(known, webinar.event) is None
    record = choose(waiting(webinar, organizer), webinar, organizer)
    importing.apply(record, webinar.event, set(), organizer, NOW)
    assert mappings.step(record, webinar.event) is None
    with pytest.raises(RuleViolation):
        mappings.choose(record, webinar.event, mappings.Step(
            1, [], [], "", "x", CHOSEN, "guess"), CHOSEN, organizer, NOW)


def test_a_waiting_upload_cannot_be_previewed_and_expires_like_a_preview(db_session, webinar,
                                                                         organizer):
    record = waiting(webinar, organizer)
    with pytest.raises(NeedsMapping):
        importing.preview(record, webinar.event)
    hours = 24
    assert importing.purge(NOW + timedelta(hours=hours + 1)) == (1, 0)
    assert db_session.get(AttendanceImport, record.id) is None


def test_uploading_a_waiting_file_again_finds_it(db_session, webinar, organizer):
    record = waiting(webinar, organizer)
    again, new = importing.upload(webinar.event, "nochmal.csv", FIRST, organizer, NOW)
    assert (again.id, new, again.needs_mapping) == (record.id, False, True)
    assert again.status is ImportStatus.PREVIEW


@pytest.mark.parametrize("index, letters", [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"),
                                            (701, "ZZ"), (702, "AAA")])
def test_column_letters_as_in_spreadsheets(index, letters):
    assert mappings.column_letter(index) == letters
