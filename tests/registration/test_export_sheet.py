"""Issue 22, 9: unticked yes/no answers read "no" ("nein") in the list, the CSV and the XLSX
instead of a blank; the XLSX opens ready to work with: column widths, a frozen header
row, a filter on every column, and dates as the reader's language writes them."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

from eventhub import timeutil
from eventhub.registration import exports
from eventhub.registration.models import Question, QuestionKind, RegistrationStatus
from tests.events.test_manage_views import text_of
from tests.registration.test_manage_registrations import (
    add_question,
    add_registration,
    list_url,
    path,
)

S = RegistrationStatus


@pytest.mark.parametrize("language, yes, no", [("en", "yes", "no"), ("de", "ja", "nein")])
@pytest.mark.parametrize("stored", [None, ""])
def test_an_unticked_box_reads_no(app, language, yes, no, stored):
    box = Question(kind=QuestionKind.CHECKBOX, options=[])
    with app.test_request_context(f"/?lang={language}"):
        assert exports.answer_text(box, stored) == no
        assert exports.answer_text(box, "yes") == yes
        # Other kinds left unanswered stay blank.
        assert exports.answer_text(Question(kind=QuestionKind.SHORT_TEXT, options=[]),
                                   stored) == ""


@pytest.fixture()
def event(make, clock, db_session):
    clock.set(make.event().created_at)
    event = make.event(starts_at=clock() + timedelta(days=20))
    db_session.commit()
    return event


@pytest.fixture()
def people(db_session, event, clock):
    news = add_question(db_session, event, "Newsletter?", QuestionKind.CHECKBOX)
    note = add_question(db_session, event, "Anmerkung", QuestionKind.LONG_TEXT)
    registered_at = clock().replace(second=0, microsecond=0) - timedelta(days=2)
    ticked = add_registration(db_session, event, email="ticked@example.org",
                              created_at=registered_at, confirmed_at=registered_at,
                              answers={news: "yes", note: "kurz\n" + "lang " * 30})
    unticked = add_registration(db_session, event, email="unticked@example.org",
                                created_at=registered_at)
    erased = add_registration(db_session, event, erased=True, status=S.CANCELLED)
    db_session.commit()
    return {"ticked": ticked, "unticked": unticked, "erased": erased,
            "registered_at": registered_at}


@pytest.fixture()
def organizer(make, login, db_session, event):
    user = make.user(organization=event.organization)
    db_session.commit()
    return login(user)


def _export(client, event, file_format: str, language: str) -> bytes:
    return client.get(path("manage.export_registrations", event_id=event.id,
                           file_format=file_format, lang=language)).data


def _answers(page: str, registration) -> dict[str, str]:
    """The answers the list shows for a registration (folded in its row): question → answer."""
    row = re.search(rf'<tr id="registration-{registration.id}">(.*?)</tr>', page, re.S)
    return {text_of(q): text_of(a) for q, a in re.findall(
        r'<dt>(.*?)</dt><dd class="prewrap">(.*?)</dd>', row.group(1), re.S)}


def test_the_list_shows_no_for_an_unticked_box(organizer, event, people):
    page = organizer.get(list_url(event)).get_data(as_text=True)
    assert _answers(page, people["unticked"]) == {"Newsletter?": "no"}
    assert _answers(page, people["ticked"])["Newsletter?"] == "yes"
    assert _answers(page, people["erased"]) == {}  # neither yes nor no


@pytest.mark.parametrize("language, no, head", [("en", "no", "Newsletter?"),
                                                ("de", "nein", "Newsletter?")])
def test_csv_and_xlsx_show_no_for_an_unticked_box(organizer, event, people, language, no,
                                                  head):
    text = _export(organizer, event, "csv", language)[3:].decode("utf-8")
    csv_rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    sheet = load_workbook(io.BytesIO(_export(organizer, event, "xlsx", language))).active
    xlsx_rows = [[cell.value or "" for cell in row] for row in sheet.iter_rows()]
    for rows in (csv_rows, xlsx_rows):
        column = rows[0].index(head)
        by_mail = {row[4]: row[column] for row in rows[1:]}
        assert by_mail["unticked@example.org"] == no
        assert by_mail[""] == ""  # erased: neither yes nor no


def test_the_xlsx_has_widths_a_frozen_header_a_filter_and_german_dates(organizer, event,
                                                                       people):
    sheet = load_workbook(io.BytesIO(_export(organizer, event, "xlsx", "de"))).active

    assert sheet.freeze_panes == "A2"
    head = [cell.value for cell in sheet[1]]
    last = sheet.cell(row=1, column=len(head)).column_letter
    assert sheet.auto_filter.ref == f"A1:{last}4"  # the header and three registrations
    widths = {title: sheet.column_dimensions[cell.column_letter].width
              for title, cell in zip(head, sheet[1], strict=True)}
    assert all(exports.MIN_WIDTH <= width <= exports.MAX_WIDTH for width in widths.values())
    assert widths["E-Mail-Adresse"] > len("unticked@example.org")
    assert widths["Anmerkung"] == exports.MAX_WIDTH  # a long answer: capped, it wraps
    assert widths["Angemeldet am"] >= 16  # "01.06.2027 09:30" fits
    [ticked] = [row for row in sheet.iter_rows(min_row=2) if row[4].value == "ticked@example.org"]
    registered = ticked[head.index("Angemeldet am")]
    assert registered.is_date and registered.number_format == "DD.MM.YYYY HH:MM"
    assert registered.value == timeutil.local_naive(people["registered_at"], event.timezone)


def test_the_english_xlsx_writes_dates_as_year_month_day(organizer, event, people):
    sheet = load_workbook(io.BytesIO(_export(organizer, event, "xlsx", "en"))).active
    head = [cell.value for cell in sheet[1]]
    registered = sheet.cell(row=3, column=head.index("Registered at") + 1)  # newest first
    assert registered.is_date and registered.number_format == "YYYY-MM-DD HH:MM"


def test_widths_come_from_a_sample_and_the_filter_covers_every_row():
    rows = [[f"name {n}", datetime(2030, 1, 1, 9, 30)] for n in range(500)]
    rows.append(["x" * 500, None])  # after the sample: does not widen the column

    sheet = load_workbook(io.BytesIO(exports.to_xlsx(["Name", "Zeit"], rows, "S",
                                                     "de"))).active

    assert sheet.auto_filter.ref == "A1:B502"
    assert sheet.column_dimensions["A"].width == exports.MIN_WIDTH + 1  # "name 199" + 1
    assert sheet.column_dimensions["B"].width == exports.DATE_WIDTH + 1
    assert sheet.max_row == 502 and sheet["A502"].value == "x" * 500
