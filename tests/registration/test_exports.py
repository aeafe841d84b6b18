"""Registration exports: the pure row and file functions, and the download through the
client (CSV read back with the csv module, XLSX with openpyxl)."""
from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from flask import url_for
from openpyxl import load_workbook

from eventhub.registration import exports
from eventhub.registration.models import Question, QuestionKind, RegistrationStatus
from tests.factories import berlin
from tests.registration.test_manage_registrations import add_question, add_registration

S = RegistrationStatus
INJECTIONS = ['=HYPERLINK("http://evil.example/","Klick")', "+1", "-2", "@SUM(A1)",
              "\t=1+1", "\r=1+1", "  =1+1"]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 byte order mark for Excel"
    text = data[3:].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def read_xlsx(data: bytes):
    return load_workbook(io.BytesIO(data)).active


# --- pure functions --------------------------------------------------------------------

@pytest.mark.parametrize("value", INJECTIONS)
def test_neutralize_prefixes_formula_starts(value):
    assert exports.neutralize(value) == "'" + value


@pytest.mark.parametrize("value", ["Müller", "", "1-9", "a=b", "name@example.org", "'quoted"])
def test_neutralize_keeps_harmless_text(value):
    assert exports.neutralize(value) == value


@pytest.mark.parametrize("kind, value, shown", [
    (QuestionKind.MULTIPLE_CHOICE, json.dumps(["KI", "Recht; Arbeit"]), "KI; Recht; Arbeit"),
    (QuestionKind.MULTIPLE_CHOICE, "not json", "not json"),
    (QuestionKind.CHECKBOX, "yes", "yes"),
    (QuestionKind.SINGLE_CHOICE, "Ja", "Ja"),
    (QuestionKind.LONG_TEXT, "Zeile 1\nZeile 2", "Zeile 1\nZeile 2"),
    (QuestionKind.SHORT_TEXT, None, ""),
])
def test_answer_text(app, kind, value, shown):
    with app.test_request_context("/?lang=en"):
        assert exports.answer_text(Question(kind=kind, options=[]), value) == shown


def test_csv_uses_bom_semicolons_crlf_and_iso_local_times():
    data = exports.to_csv(["Name", "Zeit"], [["Jörg; \"Jo\"", datetime(2027, 7, 15, 10, 5)],
                                             [None, None]])
    assert data.startswith(b"\xef\xbb\xbfName;Zeit\r\n")
    assert read_csv(data) == [["Name", "Zeit"], ['Jörg; "Jo"', "2027-07-15 10:05"], ["", ""]]


def test_csv_neutralizes_every_cell_including_the_header():
    rows = read_csv(exports.to_csv(["=Kopf"], [[value] for value in INJECTIONS]))
    assert rows[0] == ["'=Kopf"]
    assert [row[0] for row in rows[1:]] == ["'" + value for value in INJECTIONS]


def test_xlsx_writes_text_as_text_never_as_formula():
    data = exports.to_xlsx(["Wert", "Zeit"],
                           [[value, datetime(2027, 7, 15, 10)] for value in INJECTIONS]
                           + [["Kontroll\x01zeichen", None]], "Anmeldungen")
    sheet = read_xlsx(data)
    assert sheet.title == "Anmeldungen"
    values = [(c[0].value, c[0].data_type) for c in sheet.iter_rows(min_row=2)]
    assert [v for v, _ in values[:-1]] == [v.replace("\r", "\n") if v.startswith("\r") else v
                                           for v in INJECTIONS]
    assert all(data_type == "s" for _, data_type in values)
    assert values[-1][0] == "Kontrollzeichen"
    assert sheet["B2"].value == datetime(2027, 7, 15, 10) and sheet["B2"].is_date


def test_filename_has_slug_and_local_export_date(make):
    event = make.event(slug="digitaltag")
    late_evening = datetime(2027, 6, 30, 22, 30, tzinfo=UTC)  # already 1 July in Berlin
    assert exports.filename(event, late_evening, "csv") == \
        "anmeldungen-digitaltag-2027-07-01.csv"


# --- downloads -------------------------------------------------------------------------

@pytest.fixture()
def event(make, db_session):
    event = make.event(slug="digitaltag-2027", capacity=10, starts_at=berlin(2027, 7, 15, 10))
    db_session.commit()
    return event


@pytest.fixture()
def as_owner(make, db_session, login, event):
    user = make.user(organization=event.organization)
    db_session.commit()
    return login(user)


def export_url(event, file_format: str, **args) -> str:
    return url_for("manage.export_registrations", event_id=event.id, file_format=file_format,
                   _external=False, lang="en", **args)


@pytest.fixture()
def filled(db_session, event):
    """Two registrations with answers, one with formula-like data, one erased."""
    topics = add_question(db_session, event, "Themen", QuestionKind.MULTIPLE_CHOICE,
                          ["KI", "Recht"])
    news = add_question(db_session, event, "Newsletter", QuestionKind.CHECKBOX)
    add_registration(db_session, event, first_name="Jörg", last_name="Müller",
                     email="joerg@example.org", organization_name="Müller & Söhne",
                     status=S.CONFIRMED, confirmed_at=berlin(2027, 6, 1, 9, 30),
                     created_at=berlin(2027, 6, 1, 9), consent_version="2026-01",
                     answers={topics: json.dumps(["KI", "Recht"]), news: "yes"})
    add_registration(db_session, event, first_name='=HYPERLINK("http://evil.example/","x")',
                     last_name="+1", organization_name="-2", job_role="@SUM(A1)",
                     email="evil@example.org", status=S.WAITLISTED)
    add_registration(db_session, event, erased=True, status=S.CANCELLED)
    db_session.commit()
    return topics, news


def test_csv_download(as_owner, event, filled):
    response = as_owner.get(export_url(event, "csv"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="anmeldungen-digitaltag-2027-')
    assert disposition.endswith('.csv"')
    assert response.headers["Cache-Control"] == "no-store"
    rows = read_csv(response.data)
    assert rows[0] == ["Status", "Source", "First name", "Last name", "E-mail address",
                       "Organization", "Size of the organization", "Role", "Region", "Language",
                       "Registered at", "Confirmed at", "Privacy notice version",
                       "Themen", "Newsletter"]
    by_mail = {row[4]: row for row in rows[1:]}
    assert by_mail["joerg@example.org"] == [
        "confirmed", "registration form", "Jörg", "Müller", "joerg@example.org",
        "Müller & Söhne", "1–9 employees", "", "Saxony", "de", "2027-06-01 09:00",
        "2027-06-01 09:30", "2026-01", "KI; Recht", "yes"]
    evil = by_mail["evil@example.org"]
    assert evil[:4] == ["waiting list", "registration form",
                        "'=HYPERLINK(\"http://evil.example/\",\"x\")", "'+1"]
    assert (evil[5], evil[7]) == ("'-2", "'@SUM(A1)")
    assert by_mail[""][:6] == ["deleted", "registration form", "", "", "", ""]
    assert by_mail[""][8] == "Saxony"  # kept for statistics
    assert len(rows) == 4


def test_xlsx_download(as_owner, event, filled):
    response = as_owner.get(export_url(event, "xlsx"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == exports.XLSX_TYPE
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = read_xlsx(response.data)
    assert [c.value for c in sheet[1]][:4] == ["Status", "Source", "First name", "Last name"]
    rows = {row[4].value: row for row in sheet.iter_rows(min_row=2)}
    joerg = rows["joerg@example.org"]
    assert joerg[2].value == "Jörg" and joerg[13].value == "KI; Recht"
    assert joerg[10].value == datetime(2027, 6, 1, 9) and joerg[10].is_date
    evil = rows["evil@example.org"]
    assert evil[2].value == '=HYPERLINK("http://evil.example/","x")'
    assert [evil[i].data_type for i in (2, 3, 5, 7)] == ["s"] * 4
    assert (evil[3].value, evil[5].value, evil[7].value) == ("+1", "-2", "@SUM(A1)")


def test_exports_honour_search_and_status(as_owner, event, filled):
    rows = read_csv(as_owner.get(export_url(event, "csv", q="& SÖHNE")).data)
    assert [row[4] for row in rows[1:]] == ["joerg@example.org"]
    sheet = read_xlsx(as_owner.get(export_url(event, "xlsx", status="waitlisted")).data)
    assert [row[4].value for row in sheet.iter_rows(min_row=2)] == ["evil@example.org"]


def test_export_of_an_event_without_registrations_has_the_header_only(as_owner, event):
    rows = read_csv(as_owner.get(export_url(event, "csv")).data)
    assert len(rows) == 1 and rows[0][0] == "Status"


def test_german_export_has_german_headers_and_labels(as_owner, event, filled):
    response = as_owner.get(url_for("manage.export_registrations", event_id=event.id,
                                    file_format="csv", _external=False, lang="de"))
    rows = read_csv(response.data)
    assert rows[0][:4] == ["Status", "Herkunft", "Vorname", "Nachname"]
    by_mail = {row[4]: row for row in rows[1:]}
    assert by_mail["joerg@example.org"][:2] == ["bestätigt", "Anmeldeformular"]
    assert by_mail["joerg@example.org"][8] == "Sachsen"
    assert by_mail["joerg@example.org"][14] == "ja"


def test_unknown_export_format_is_not_found(as_owner, event):
    url = export_url(event, "csv").replace("export.csv", "export.pdf")
    assert as_owner.get(url).status_code == 404
