"""Input found by a fuzzer that once ended in a server error: each answers with a clear 4xx
(a field error where there is a form) and stores nothing, on SQLite and PostgreSQL.

Regression tests for issue 19, sections 2 and 3; tests/test_fuzz.py drives every form and
query parameter with such input."""
from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from io import BytesIO
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale
from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import func, select

from eventhub.attendance import importing
from eventhub.attendance import tokens as join_tokens
from eventhub.attendance.importtext import ParseError, duration_seconds
from eventhub.errors import RuleViolation
from eventhub.events import services as event_services
from eventhub.events.models import Event, EventFormat, EventStatus
from eventhub.registration import antibot, tokens
from eventhub.registration import services as registration_services
from eventhub.registration.models import Registration
from eventhub.reminders.models import ReminderRule
from tests.events.test_manage_views import agenda_form, event_form, has_field_error
from tests.factories import berlin
from tests.registration.helpers import applicant

TODAY = berlin(2027, 1, 4, 9)
HUGE = "1" + "0" * 400
RANGE_ERROR = "Enter a date between the years 2000 and 2100."


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(TODAY)


@pytest.fixture()
def centre(make):
    return make.organization(slug="zentrum-test", name="Zentrum Test", region_code="DE-BB")


@pytest.fixture()
def event(make, db_session, centre):
    event = make.event(organization=centre, title="Regionale Impulse",
                       starts_at=berlin(2027, 7, 15, 10),
                       online_join_url="https://meet.example.org/j/1")
    db_session.commit()
    return event


@pytest.fixture()
def organizer(make, db_session, centre):
    user = make.user(organization=centre)
    db_session.commit()
    return user


@pytest.fixture()
def as_organizer(login, organizer):
    return login(organizer)


def count(db_session, model) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(model))


def page_of(response) -> str:
    return response.get_data(as_text=True)


# --- 2. query parameters and paths ---------------------------------------------------------

@pytest.mark.parametrize("url", ["/?format=%20", "/archiv?format=%0D%0A", "/?month=%20",
                                 "/?region=%09", "/?organization=%20%20"])
def test_blank_filter_values_mean_no_filter(client, event, url):
    response = client.get(url)
    assert response.status_code == 200
    assert 'aria-invalid="true"' not in page_of(response)


@pytest.mark.parametrize("month", ["0000-01", "9999-12", "2026-13"])
def test_months_outside_the_years_are_a_field_error(client, event, month):
    response = client.get(f"/?month={month}&lang=en")
    assert response.status_code == 200
    assert "Choose a month from the list." in page_of(response)


@pytest.mark.parametrize("page", ["9223372036854775807", "9" * 40, "-5", "x"])
def test_page_numbers_of_any_size_give_a_page(client, as_organizer, event, page):
    for url in ("/", "/archiv", "/verwaltung/",
                f"/verwaltung/veranstaltungen/{event.id}/anmeldungen",
                f"/verwaltung/veranstaltungen/{event.id}/teilnahme"):
        response = as_organizer.get(f"{url}?page={page}")
        assert response.status_code == 200, url


@pytest.mark.parametrize("url", ["/?organization=%00", "/?region=%00", "/archiv?month=%00",
                                 "/?%00=1"])
def test_nul_in_a_query_parameter_is_a_bad_request(client, event, url):
    assert client.get(url).status_code == 400


def test_nul_in_the_registrations_search_is_a_bad_request(as_organizer, event):
    base = f"/verwaltung/veranstaltungen/{event.id}/anmeldungen"
    for url in (base, f"{base}/export.csv", f"{base}/export.xlsx",
                f"/verwaltung/veranstaltungen/{event.id}/teilnahme"):
        assert as_organizer.get(f"{url}?q=a%00b").status_code == 400, url


@pytest.mark.parametrize("url", ["/veranstaltungen/a%00b", "/veranstaltungen/a%00b/anmeldung",
                                 "/veranstaltungen/a%00b/kalender.ics",
                                 "/kalender/veranstalter/a%00b.ics", "/kalender/region/a%00b.ics",
                                 "/anmeldung/a%00b", "/j/a%00b"])
def test_nul_in_a_path_is_not_found(client, event, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("event_id", ["2147483648", "9223372036854775808", "9" * 30])
def test_ids_beyond_the_database_range_are_not_found(as_organizer, event_id):
    assert as_organizer.get(f"/verwaltung/veranstaltungen/{event_id}").status_code == 404
    assert as_organizer.get(
        f"/verwaltung/veranstaltungen/{event_id}/anmeldungen/{event_id}/absagen").status_code \
        == 404


def test_nul_in_the_login_address_is_a_field_error(client, organizer):
    response = client.post("/login?lang=en", data={"email": organizer.email + "\x00",
                                                   "password": "whatever-it-is"})
    assert response.status_code == 422
    assert "Remove the control characters" in page_of(response)


# --- 2. organizer forms ------------------------------------------------------------------

@pytest.mark.parametrize("field, value", [
    ("title", "Digitaltag\x00"), ("description", "Text\x00"), ("venue", "Raum\x00 1"),
    ("summary", "Kurz\x07"), ("title", "Zwei\r\nZeilen"),
])
def test_control_characters_in_organizer_text_are_a_field_error(as_organizer, db_session,
                                                                centre, field, value):
    page = assert_new_event_refused(as_organizer, db_session, centre, field, value)
    assert "Remove the control characters" in page


def test_line_breaks_stay_allowed_in_long_texts(as_organizer, db_session, centre):
    response = as_organizer.post("/verwaltung/veranstaltungen/neu",
                                 data=event_form(centre.id, description="Eins\r\nZwei\tDrei"))
    assert response.status_code == 302


def assert_new_event_refused(client, db_session, centre, field: str, value: str) -> str:
    """Posts the new-event form with ``field`` set to ``value``: a field error, nothing
    stored. Returns the page."""
    response = client.post("/verwaltung/veranstaltungen/neu?lang=en",
                           data=event_form(centre.id, **{field: value}))
    assert response.status_code == 422
    assert has_field_error(page_of(response), field)
    assert count(db_session, Event) == 0
    return page_of(response)


@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "1e400", "1" * 5000])
def test_a_huge_capacity_is_a_field_error(as_organizer, db_session, centre, value):
    assert_new_event_refused(as_organizer, db_session, centre, "capacity", value)


@pytest.mark.parametrize("value", [HUGE, "-" + HUGE])
def test_a_huge_reminder_offset_is_a_field_error(as_organizer, db_session, event, value):
    before = count(db_session, ReminderRule)
    response = as_organizer.post(f"/verwaltung/veranstaltungen/{event.id}/erinnerungen",
                                 data={"kind": "before_start", "offset_minutes": value,
                                       "active": "y"})
    assert response.status_code == 422
    assert has_field_error(page_of(response), "offset_minutes")
    assert count(db_session, ReminderRule) == before


@pytest.mark.parametrize("overrides", [
    {"starts_local": "0001-01-01T00:00"},
    {"ends_local": "9999-12-31T23:59", "timezone": "America/New_York"},
    {"starts_local": "1999-12-31T23:00"},
    {"registration_opens_local": "0001-01-01T00:00"},
    {"registration_closes_local": "9999-12-31T23:59"},
])
def test_dates_at_the_ends_of_the_calendar_are_a_field_error(as_organizer, db_session, centre,
                                                             overrides):
    response = as_organizer.post("/verwaltung/veranstaltungen/neu?lang=en",
                                 data=event_form(centre.id, **overrides))
    assert response.status_code == 422
    assert RANGE_ERROR in page_of(response)
    assert has_field_error(page_of(response), next(iter(overrides)))
    assert count(db_session, Event) == 0


def test_editing_to_the_ends_of_the_calendar_is_a_field_error(as_organizer, db_session,
                                                               centre, event):
    response = as_organizer.post(
        f"/verwaltung/veranstaltungen/{event.id}/bearbeiten?lang=en",
        data=event_form(centre.id, starts_local="0001-01-01T00:00",
                        timezone="America/New_York"))
    assert response.status_code == 422 and RANGE_ERROR in page_of(response)
    db_session.expire_all()
    assert db_session.get(Event, event.id).starts_at == berlin(2027, 7, 15, 10)


@pytest.mark.parametrize("overrides", [{"starts_local": "0001-01-01T00:00"},
                                       {"ends_local": "9999-12-31T23:59"}])
def test_agenda_items_at_the_ends_of_the_calendar_are_a_field_error(as_organizer, event,
                                                                    overrides):
    response = as_organizer.post(f"/verwaltung/veranstaltungen/{event.id}/programm?lang=en",
                                 data=agenda_form(**overrides))
    assert response.status_code == 422 and RANGE_ERROR in page_of(response)


def test_the_service_refuses_years_outside_the_range_too(db_session, organizer, centre):
    data = event_services.EventData(
        organization_id=centre.id, title="T", format=EventFormat.WEBINAR,
        starts_local=datetime(1, 1, 1), ends_local=datetime(2027, 1, 1))
    with pytest.raises(RuleViolation) as caught:
        event_services.create_event(organizer, data)
    assert caught.value.field == "starts_local"


# --- 2. attendance files -------------------------------------------------------------------

HEADER = "Name;E-Mail;Beitritt;Verlassen;Dauer (Minuten)\n"


@pytest.mark.parametrize("row, problem", [
    ("A;a@example.org;15.07.2027 10:00:00;15.07.2027 11:00:00;" + "9" * 400,
     "is longer than a week"),
    ("A;a@example.org;15.07.2027 10:00:00;15.07.2027 11:00:00;99999999999999999999",
     "is longer than a week"),
    ("A;a@example.org;15.07.2027 10:00:00;15.07.2027 11:00:00;999999999h",
     "is longer than a week"),
    ("A;a@example.org;15.07.2027 10:00:00;15.07.2027 11:00:00;" + "9" * 5000 + ":00",
     "is not a duration"),
    ("A;a@example.org;01.01.0001 00:00:00;15.07.2027 11:00:00;60",
     "lies outside the years 2000 to 2100"),
    ("A;a@example.org;15.07.2027 10:00:00;31.12.9999 23:59:59;60",
     "lies outside the years 2000 to 2100"),
])
def test_impossible_values_in_an_attendance_file_name_the_line(db_session, event, organizer,
                                                               row, problem):
    with pytest.raises(RuleViolation) as caught:
        importing.upload(event, "bericht.csv", (HEADER + row + "\n").encode(), organizer,
                         event.ends_at + timedelta(hours=1))
    with force_locale("en"):
        message = str(caught.value.message)
    assert message.startswith("Line 2: ") and problem in message
    assert caught.value.field == "file"


def test_a_week_is_the_longest_duration_a_file_may_give():
    assert duration_seconds("10080", 2) == 7 * 24 * 3600
    with pytest.raises(ParseError):
        duration_seconds("10080,5", 2)


def test_an_impossible_attendance_file_through_the_page(login, organizer, db_session, event,
                                                         clock):
    clock.set(event.ends_at + timedelta(hours=1))  # reports are imported after the event
    client = login(organizer)
    row = "A;a@example.org;01.01.0001 00:00:00;15.07.2027 11:00:00;60\n"
    response = client.post(
        f"/verwaltung/veranstaltungen/{event.id}/teilnahme/import?lang=en",
        data={"file": (BytesIO((HEADER + row).encode()), "bericht.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Line 2:" in page_of(response)


# --- 2. tokens ---------------------------------------------------------------------------

def _signed(app, purpose: str, payload) -> str:
    return URLSafeTimedSerializer(app.config["SECRET_KEY"],
                                  salt=f"eventhub.registration.{purpose}").dumps(payload)


@pytest.mark.parametrize("payload", [["1", "key"], [True, "key"], [2**63, "key"],
                                     [10**30, "key"], [-1, "key"], [1.5, "key"], [1, 7],
                                     {"id": 1}, "1", [1]])
def test_signed_tokens_with_the_wrong_content_are_refused_like_bad_links(
        app, client, event, payload):
    for purpose, url in ((tokens.MANAGE, "/anmeldung/{}"),
                         (tokens.MANAGE, "/anmeldung/{}/kalender.ics"),
                         (tokens.MANAGE, "/anmeldung/{}/absagen"),
                         (tokens.CONFIRM, "/anmeldung/bestaetigen/{}"),
                         (join_tokens.JOIN, "/j/{}")):
        response = client.get(url.format(_signed(app, purpose, payload)))
        assert 400 <= response.status_code < 500, (url, payload)


@pytest.mark.parametrize("stamp", [2**1100, float("nan"), float("inf"), "abc", [1]])
def test_a_fill_time_stamp_that_is_no_time_counts_as_too_fast(app, stamp):
    with app.test_request_context():
        signer = URLSafeSerializer(app.config["SECRET_KEY"], salt="eventhub.form-started")
        assert antibot.too_fast(signer.dumps(stamp), datetime.now(UTC)) is True


# --- 3. what everyone shares ---------------------------------------------------------------

def _stored_behind_the_forms(db_session, event, **values) -> None:
    """Values saved before the checks existed (or by a script): written straight to the
    database, as no form or service would let them through today."""
    for name, value in values.items():
        setattr(event, name, value)
    db_session.commit()


@pytest.mark.parametrize("times", [
    {"starts_at": datetime(1, 1, 1, 5, tzinfo=UTC), "ends_at": datetime(1, 1, 1, 7, tzinfo=UTC),
     "timezone": "America/New_York"},
    {"ends_at": datetime(9999, 12, 30, tzinfo=UTC)},
    {"starts_at": datetime(2, 1, 1, tzinfo=UTC), "ends_at": datetime(9997, 1, 1, tzinfo=UTC)},
])
@pytest.mark.parametrize("status", [EventStatus.PUBLISHED, EventStatus.CANCELLED])
def test_one_broken_event_is_left_out_of_the_feeds_which_still_answer(
        client, make, db_session, centre, event, times, status, caplog):
    broken = make.event(organization=centre, title="Kaputt", status=status,
                        cancelled_at=TODAY if status is EventStatus.CANCELLED else None)
    _stored_behind_the_forms(db_session, broken, **times)
    with caplog.at_level(logging.WARNING, logger="eventhub.calendar.ical"):
        for url in ("/kalender/veranstaltungen.ics", "/kalender/region/DE-BB.ics",
                    "/kalender/veranstalter/zentrum-test.ics"):
            response = client.get(url)
            assert response.status_code == 200, url
            body = response.get_data()
            assert b"Regionale Impulse" in body and b"Kaputt" not in body, url
        assert client.get(f"/veranstaltungen/{broken.slug}/kalender.ics").status_code == 200
    assert f"Event {broken.id} left out of a calendar file" in caplog.text


@pytest.mark.parametrize("url", ["https://x.example/\r\nX-INJ:2", "https://x.example/ a",
                                 "javascript:alert(1)", "https://", "ftp://x.example/",
                                 "https://x.example/" + "a" * 1000, "https://[::1/"])
def test_a_join_url_must_be_a_plain_web_address(as_organizer, db_session, centre, url):
    assert_new_event_refused(as_organizer, db_session, centre, "online_join_url", url)


def test_the_service_refuses_a_join_url_with_a_line_break(db_session, organizer, centre):
    data = event_services.EventData(
        organization_id=centre.id, title="T", format=EventFormat.WEBINAR,
        starts_local=datetime(2027, 7, 1, 10), ends_local=datetime(2027, 7, 1, 11),
        online_join_url="https://x.example/\r\nX-INJ:2")
    with pytest.raises(RuleViolation) as caught:
        event_services.create_event(organizer, data)
    assert caught.value.field == "online_join_url"


def test_a_stored_bad_join_url_never_breaks_a_participants_request(client, db_session, event):
    _stored_behind_the_forms(db_session, event, double_opt_in=False,
                             online_join_url="https://x.example/\r\nX-INJ:2")
    outcome = registration_services.register(event.id, applicant(), TODAY)
    db_session.commit()
    registration = outcome.registration
    assert db_session.get(Registration, registration.id) is not None
    personal = urlsplit(f"/anmeldung/{tokens.make(registration, tokens.MANAGE)}").path
    assert client.get(personal).status_code == 200
    ics = client.get(personal + "/kalender.ics")
    assert ics.status_code == 200 and b"X-INJ" not in ics.get_data()
    join = client.get(urlsplit(join_tokens.join_url(registration)).path)
    assert join.status_code < 500 and "Location" not in join.headers


def test_registering_through_the_form_survives_a_stored_bad_join_url(app, client, db_session,
                                                                     event, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTRATION_MIN_FILL_SECONDS", 0)
    _stored_behind_the_forms(db_session, event, double_opt_in=False,
                             online_join_url="https://x.example/\r\nX-INJ:2")
    form = client.get(f"/veranstaltungen/{event.slug}/anmeldung")
    assert form.status_code == 200
    started = re.search(r'name="started"[^>]*value="([^"]+)"', page_of(form))
    data = {"first_name": "Erika", "last_name": "Muster", "email": "erika@example.org",
            "organization_size": "1-9", "region_code": "DE-SN", "consent": "y",
            "started": started.group(1)}
    response = client.post(f"/veranstaltungen/{event.slug}/anmeldung", data=data)
    assert response.status_code == 302
    registration = db_session.scalar(select(Registration).where(
        Registration.email == "erika@example.org"))
    assert registration is not None and registration.status.value == "confirmed"



def test_an_error_page_renders_while_the_database_cannot_answer(client, monkeypatch):
    """The footer reads the coordinating centre and the legal pages from the database; when
    it is down, an error page still renders, without them, instead of failing in turn."""
    from sqlalchemy.exc import OperationalError

    from eventhub.extensions import db

    def down(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", down)
    monkeypatch.setattr(db.session, "scalar", down)
    monkeypatch.setitem(client.application.config, "LEGAL_CACHE_SECONDS", 0)
    response = client.get("/gibt-es-nicht")
    assert response.status_code == 404
    page = page_of(response)
    assert "site-footer" in page and "Impressum" not in page
