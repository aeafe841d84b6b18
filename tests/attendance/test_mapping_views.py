"""The mapping step and the page of a stored import through the client: choosing columns,
refusals at their fields, the remembered mapping, the groups before and after storing."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from eventhub.attendance import importing
from eventhub.attendance.models import AttendanceImport, AttendanceMapping, ImportStatus
from tests.attendance.conftest import count, sample
from tests.attendance.test_import_views import (
    MAPPING_FORM,
    UNKNOWN_LAYOUT,
    post_file,
    rows_of,
    upload_url,
)
from tests.events.test_manage_views import text_of
from tests.registration.test_manage_registrations import flashes, path

SECOND = (b"Teilnehmer;Adresse;Minuten;Funktion\n"
          b"Lena Zwei;lena.zwei@example.org;70;Teilnahme\n"
          b"Mia Moderation;mia@zentrum.example;110;Moderation\n")


def mapping_url(record) -> str:
    return path("manage.import_mapping", event_id=record.event_id, import_id=record.id,
                lang="en")


def preview_url(record) -> str:
    return path("manage.import_preview", event_id=record.event_id, import_id=record.id,
                lang="en")


def last_import(db_session) -> AttendanceImport:
    db_session.expire_all()
    return db_session.scalars(select(AttendanceImport).order_by(AttendanceImport.id)).all()[-1]


@pytest.fixture()
def waiting(as_organizer, db_session, webinar) -> AttendanceImport:
    post_file(as_organizer, webinar.event, UNKNOWN_LAYOUT, "liste.csv")
    return last_import(db_session)


def page_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.headers.get("Location")
    return response.get_data(as_text=True)


def selected(page: str, field: str) -> str:
    select_tag = re.search(rf'<select[^>]*id="{field}".*?</select>', page, re.S).group(0)
    return re.search(r'<option selected value="([^"]*)"', select_tag).group(1)


def test_the_mapping_page_shows_the_columns_and_the_guess(as_organizer, waiting):
    page = page_of(as_organizer, mapping_url(waiting))
    assert "Which column holds what?" in page
    assert re.findall(r'<th scope="col">([^<]*)</th>', page) == [
        "A: Teilnehmer", "B: Adresse", "C: Minuten", "D: Funktion"]
    assert "<td>mia@zentrum.example</td>" in page
    for field in ("email", "name", "first_name", "last_name", "join", "leave", "duration",
                  "role", "excluded_roles"):
        assert f'<label for="{field}">' in page
    assert (selected(page, "name"), selected(page, "duration"), selected(page, "email")) == (
        "0", "2", "")
    assert "— not in the file —" in page
    assert "The e-mail address is required" in text_of(page)


def test_missing_columns_are_named_at_their_fields_at_once(as_organizer, db_session, waiting):
    response = as_organizer.post(mapping_url(waiting), data={"name": "0"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for field in ("email", "duration"):
        assert f'id="{field}-error"' in page and f'href="#{field}"' in page
        assert (f'<select aria-describedby="{field}-description {field}-error" '
                f'aria-invalid="true" id="{field}"') in page
    assert "Choose the column with the e-mail addresses" in text_of(page)
    assert count(db_session, AttendanceMapping) == 0
    assert last_import(db_session).needs_mapping


def test_one_column_for_two_fields_is_refused(as_organizer, db_session, waiting):
    response = as_organizer.post(mapping_url(waiting), data={**MAPPING_FORM, "name": "1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="name-error"' in page  # the later field of the two
    assert "This column is chosen for “E-mail address” already." in text_of(page)
    assert count(db_session, AttendanceMapping) == 0


@pytest.mark.parametrize("value", ["7", "-1", "x" * 10_000, "1\x00", " "])
def test_a_column_the_page_does_not_offer_is_refused(as_organizer, db_session, waiting, value):
    response = as_organizer.post(mapping_url(waiting), data={**MAPPING_FORM, "email": value})
    assert response.status_code == 422
    assert 'id="email-error"' in response.get_data(as_text=True)
    assert count(db_session, AttendanceMapping) == 0


@pytest.mark.parametrize("value", ["Moderation\x00", "x" * 1001, "Host\r\nX: y"])
def test_hostile_role_values_are_refused(as_organizer, db_session, waiting, value):
    response = as_organizer.post(mapping_url(waiting),
                                 data={**MAPPING_FORM, "excluded_roles": value})
    assert response.status_code == 422
    assert 'id="excluded_roles-error"' in response.get_data(as_text=True)


def test_columns_the_file_cannot_be_read_with_name_the_line(as_organizer, db_session, waiting):
    response = as_organizer.post(mapping_url(waiting), data={**MAPPING_FORM, "duration": "3",
                                                             "role": ""})
    assert response.status_code == 422
    page = text_of(response.get_data(as_text=True))
    assert "Line 2: “Teilnahme”" in page and "Choose other columns, or check the file." in page
    assert count(db_session, AttendanceMapping) == 0


def test_mapping_previewing_storing_and_the_next_file(as_organizer, db_session, webinar,
                                                      waiting):
    response = as_organizer.post(mapping_url(waiting), data=MAPPING_FORM)
    assert response.headers["Location"].endswith(f"/import/{waiting.id}")
    page = page_of(as_organizer, preview_url(waiting))
    assert "The file has been read with these columns" in flashes(page)
    assert "This file was read with the column mapping chosen on" in text_of(page)
    assert f'href="{path("manage.import_mapping", event_id=webinar.event.id, import_id=waiting.id)}"' in page  # noqa: E501
    assert rows_of(page, "matched") == {"erika.muster@example.org": 50}
    assert rows_of(page, "excluded") == {"mia@zentrum.example": 120}
    assert "Moderation" in page and 'name="walk_in"' not in page  # not offered as walk-in

    as_organizer.post(path("manage.apply_import", event_id=webinar.event.id,
                           import_id=waiting.id))
    stored = page_of(as_organizer, preview_url(waiting))
    assert "Imported webinar report" in stored and "Change the column mapping" not in stored
    assert rows_of(stored, "matched") == {"erika.muster@example.org": 50}
    assert rows_of(stored, "excluded") == {"mia@zentrum.example": 120}

    response = post_file(as_organizer, webinar.event, SECOND, "zweite.csv")
    second = last_import(db_session)
    assert response.headers["Location"].endswith(f"/import/{second.id}")  # no mapping page
    page = page_of(as_organizer, preview_url(second))
    assert "This file was read with the column mapping chosen on" in text_of(page)
    assert rows_of(page, "matched") == {"lena.zwei@example.org": 70}
    assert rows_of(page, "excluded") == {"mia@zentrum.example": 110}


def test_changing_the_mapping_of_a_preview(as_organizer, db_session, waiting):
    as_organizer.post(mapping_url(waiting), data=MAPPING_FORM)
    page = page_of(as_organizer, mapping_url(waiting))
    assert "Preselected: the column mapping this file is read with now" in text_of(page)
    assert (selected(page, "email"), selected(page, "role")) == ("1", "3")
    assert 'value="moderation"' in page
    as_organizer.post(mapping_url(waiting), data={**MAPPING_FORM, "excluded_roles": ""})
    page = page_of(as_organizer, preview_url(waiting))
    assert rows_of(page, "unmatched") == {"mia@zentrum.example": 120}  # counts now
    assert count(db_session, AttendanceMapping) == 1


def test_a_waiting_upload_is_not_previewed_or_stored(as_organizer, db_session, webinar,
                                                     waiting):
    response = as_organizer.get(preview_url(waiting))
    assert response.headers["Location"].endswith(f"/import/{waiting.id}/spalten")
    response = as_organizer.post(path("manage.apply_import", event_id=webinar.event.id,
                                      import_id=waiting.id, lang="en"))
    assert response.status_code == 302
    page = page_of(as_organizer, upload_url(webinar.event))
    assert "Say which column of the file holds what first." in flashes(page)
    assert "columns to be chosen, not stored" in page
    assert last_import(db_session).status is ImportStatus.PREVIEW


def test_no_mapping_page_for_a_known_layout_or_a_stored_import(as_organizer, db_session,
                                                               webinar, organizer):
    record, _ = importing.upload(webinar.event, "zoom.csv",
                                 sample("zoom_webinar_attendee_report.csv"), organizer,
                                 webinar.event.ends_at)
    db_session.commit()
    response = as_organizer.get(mapping_url(record))
    assert response.headers["Location"].endswith(f"/import/{record.id}")
    response = as_organizer.post(mapping_url(record), data=MAPPING_FORM)
    assert response.status_code == 302 and count(db_session, AttendanceMapping) == 0


def test_the_stored_page_shows_the_groups_and_the_files_own_figures(as_organizer, db_session,
                                                                    webinar):
    post_file(as_organizer, webinar.event, sample("teams_attendance_utf16.csv"), "teams.csv")
    record = last_import(db_session)
    page = page_of(as_organizer, preview_url(record))
    anna = re.search(r'name="walk_in" value="(\d+)"[^>]*aria-label="[^"]*Anna Gast', page)
    as_organizer.post(path("manage.apply_import", event_id=webinar.event.id,
                           import_id=record.id), data={"walk_in": [anna.group(1)]})
    # The file itself is gone (as after a purge), the page does not need it.
    db_session.execute(update(AttendanceImport).where(AttendanceImport.id == record.id)
                       .values(content=None))
    db_session.commit()
    page = page_of(as_organizer, preview_url(record))
    figures = re.search(r'id="figures-file">(.*?)</table>', page, re.S).group(1)
    assert re.search(r"Attended participants</th><td>5</td>", figures)
    assert re.search(r'data-figure="excluded">1<', page)
    assert re.search(r'data-figure="counted">4<', page)
    assert rows_of(page, "matched") == {"erika.muster@example.org": 87,
                                        "paul.kurz@example.org": 9,
                                        "joerg.mueller@example.org": 60}
    assert re.search(r"Anna Gast.*?<td data-walk-in>yes</td>", page, re.S)
    assert rows_of(page, "excluded") == {"host@zentrum-digitale-arbeit.example": 127}
    assert "<td>Organizer</td>" in page
    assert 'name="walk_in"' not in page


def test_after_the_retention_the_page_says_the_lists_are_gone(as_organizer, db_session,
                                                              webinar, organizer):
    record, _ = importing.upload(webinar.event, "zoom.csv",
                                 sample("zoom_webinar_attendee_report.csv"), organizer,
                                 webinar.event.ends_at)
    importing.apply(record, webinar.event, set(), organizer, webinar.event.ends_at)
    importing.purge(webinar.event.ends_at + timedelta(days=400))
    db_session.commit()
    page = text_of(page_of(as_organizer, preview_url(record)))
    assert "The lists of people were deleted on" in page and "together with the file" in page
    assert "Matched: 3; walk-ins added: 0" in page


def shown_part(page: str, field: str) -> str:
    """The chosen option of the part-of-the-file form (a plain select, not WTForms)."""
    select_tag = re.search(rf'<select id="{field}".*?</select>', page, re.S).group(0)
    return re.search(r'<option value="([^"]*)" selected>', select_tag).group(1)


TITLED = (b"Teilnahmeliste Digitaltag;;\n"
          b"Teilnehmer;Adresse;Minuten\n"
          b"Erika Muster;erika.muster@example.org;50\n")


def test_the_organizer_can_say_which_line_holds_the_headings(as_organizer, db_session,
                                                             webinar):
    post_file(as_organizer, webinar.event, TITLED, "titel.csv")
    record = last_import(db_session)
    first = page_of(as_organizer, mapping_url(record))
    assert shown_part(first, "kopfzeile") == "1"  # nothing names an e-mail column
    assert re.findall(r'<th scope="col">([^<]*)</th>', first)[0] == "A: Teilnahmeliste Digitaltag"

    second = page_of(as_organizer, mapping_url(record) + "&kopfzeile=2")
    assert re.findall(r'<th scope="col">([^<]*)</th>', second) == [
        "A: Teilnehmer", "B: Adresse", "C: Minuten"]
    response = as_organizer.post(mapping_url(record), data={
        "kopfzeile": "2", "name": "0", "email": "1", "duration": "2"})
    assert response.status_code == 302
    assert last_import(db_session).mapping["header_line"] == 2
    assert rows_of(page_of(as_organizer, preview_url(record)), "matched") == {
        "erika.muster@example.org": 50}


def _two_sheets() -> bytes:
    from io import BytesIO

    from openpyxl import Workbook
    book = Workbook()
    book.active.title = "Notizen"
    book.active.append(["Raum", "Technik"])
    sheet = book.create_sheet("Teilnahme")
    sheet.append(["Teilnehmer", "Adresse", "Minuten"])
    sheet.append(["Erika Muster", "erika.muster@example.org", 50])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_organizer_can_pick_the_sheet_of_a_workbook(as_organizer, db_session, webinar):
    post_file(as_organizer, webinar.event, _two_sheets(), "liste.xlsx")
    record = last_import(db_session)
    first = page_of(as_organizer, mapping_url(record))
    assert shown_part(first, "blatt") == "0"
    assert "A: Raum" in first
    second = page_of(as_organizer, mapping_url(record) + "&blatt=1")
    assert "A: Teilnehmer" in second and shown_part(second, "blatt") == "1"
    assert "A: Raum" in page_of(as_organizer, mapping_url(record) + "&blatt=7")  # no such
    response = as_organizer.post(mapping_url(record), data={
        "blatt": "1", "kopfzeile": "1", "name": "0", "email": "1", "duration": "2"})
    assert response.status_code == 302
    assert last_import(db_session).mapping["sheet"] == 1
    preview = page_of(as_organizer, preview_url(record))
    assert rows_of(preview, "matched") == {"erika.muster@example.org": 50}
