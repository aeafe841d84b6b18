"""The personal join link /j/<token>: redirect, the recording window, and the pages for
links that must not lead to the meeting."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from eventhub.attendance import services, tokens
from eventhub.attendance.models import Attendance, AttendanceSource
from eventhub.events.models import EventStatus
from eventhub.registration import services as registration_services
from eventhub.registration import tokens as registration_tokens
from tests.attendance.conftest import END, JOIN_URL, START, attendance, count
from tests.events.test_manage_views import text_of


@pytest.fixture(autouse=True)
def _at_the_start(clock):
    """The view sees the webinar's start unless a test sets another instant."""
    clock.freeze(START)


def join_path(registration) -> str:
    return urlsplit(tokens.join_url(registration)).path


def follow(client, registration):
    return client.get(join_path(registration), query_string={"lang": "en"})


def test_join_url_is_absolute_and_uses_the_base_url(app, db_session, webinar):
    app.config["BASE_URL"] = "https://events.example.org/hub"
    try:
        url = tokens.join_url(webinar.erika)
    finally:
        app.config["BASE_URL"] = "http://127.0.0.1:5000"
    assert url.startswith("https://events.example.org/hub/j/")


def test_inside_the_window_redirects_and_records_first_and_last_use(client, db_session,
                                                                    webinar, clock):
    clock.freeze(START - timedelta(minutes=5))
    response = follow(client, webinar.erika)
    assert response.status_code == 302 and response.headers["Location"] == JOIN_URL
    assert response.headers["Cache-Control"] == "no-store"
    clock.freeze(START + timedelta(minutes=40))
    follow(client, webinar.erika)
    row = attendance(db_session, webinar.erika)
    assert (row.attended, row.source, row.minutes) == (True, AttendanceSource.JOIN_LINK, None)
    assert (row.first_seen_at, row.last_seen_at) == (START - timedelta(minutes=5),
                                                     START + timedelta(minutes=40))


@pytest.mark.parametrize("offset, recorded", [
    (-timedelta(minutes=30), True), (-timedelta(minutes=30, seconds=1), False),
    (END - START, True), (END - START + timedelta(seconds=1), False),
    (-timedelta(days=3), False), (timedelta(days=1), False),
])
def test_the_window_runs_from_30_minutes_before_the_start_to_the_end(
        client, db_session, webinar, clock, offset, recorded):
    clock.freeze(START + offset)
    response = follow(client, webinar.erika)
    assert response.status_code == 302 and response.headers["Location"] == JOIN_URL
    assert (attendance(db_session, webinar.erika) is not None) is recorded


def test_the_window_is_configurable(app, client, db_session, webinar, clock, monkeypatch):
    monkeypatch.setitem(app.config, "ATTENDANCE_WINDOW_BEFORE_START_MINUTES", 60)
    monkeypatch.setitem(app.config, "ATTENDANCE_WINDOW_AFTER_END_MINUTES", 15)
    for instant in (START - timedelta(minutes=45), END + timedelta(minutes=10)):
        clock.freeze(instant)
        follow(client, webinar.erika)
    row = attendance(db_session, webinar.erika)
    assert (row.first_seen_at, row.last_seen_at) == (START - timedelta(minutes=45),
                                                     END + timedelta(minutes=10))


def test_head_requests_of_link_checkers_do_not_count(client, db_session, webinar, clock):
    response = client.head(join_path(webinar.erika))
    assert response.status_code == 302
    assert attendance(db_session, webinar.erika) is None


def test_the_link_does_not_overrule_an_organizers_no_show(client, db_session, webinar,
                                                          organizer, clock):
    services.check_in(webinar.event, [webinar.erika.id], False, organizer, START)
    db_session.commit()
    follow(client, webinar.erika)
    row = attendance(db_session, webinar.erika)
    assert (row.attended, row.source, row.first_seen_at) == (False, AttendanceSource.CHECK_IN,
                                                             START)


def refused(response, status: int, *words: str) -> str:
    page = text_of(response.get_data(as_text=True))
    assert response.status_code == status
    assert "Location" not in response.headers
    assert JOIN_URL.split("?")[0] not in response.get_data(as_text=True)
    for word in words:
        assert word in page
    return page


def test_a_tampered_token_gets_a_clear_page(client, db_session, webinar, clock):
    path = join_path(webinar.erika)
    tampered = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    refused(client.get(tampered + "?lang=en"), 400, "This link is not valid")
    refused(client.get("/j/nonsense?lang=en"), 400, "This link is not valid")
    assert count(db_session, Attendance) == 0


def test_a_personal_page_token_is_no_join_link(client, db_session, webinar, clock):
    token = registration_tokens.make(webinar.erika, registration_tokens.MANAGE)
    refused(client.get(f"/j/{token}?lang=en"), 400, "This link is not valid")


def test_an_expired_link(app, client, db_session, webinar, clock, monkeypatch):
    monkeypatch.setitem(app.config, "PERSONAL_LINK_MAX_AGE_DAYS", -1)
    refused(follow(client, webinar.erika), 400, "expired")


def test_a_cancelled_registration_gets_a_clear_page(client, db_session, webinar, clock):
    path = join_path(webinar.erika)
    registration_services.cancel(webinar.erika, START - timedelta(days=1))
    db_session.commit()
    page = refused(client.get(path + "?lang=en"), 403, "registration has been cancelled")
    assert "Erika" not in page and "erika.muster" not in page  # nothing about the person
    assert count(db_session, Attendance) == 0


def test_an_erased_registration_revokes_the_link(client, db_session, webinar, clock):
    path = join_path(webinar.erika)
    registration_services.erase(webinar.erika, START - timedelta(days=1))
    db_session.commit()
    refused(client.get(path + "?lang=en"), 400, "This link is not valid")
    assert count(db_session, Attendance) == 0


@pytest.mark.parametrize("key", ["pending", "waiting"])
def test_unconfirmed_registrations_are_not_let_in(client, db_session, webinar, clock, key):
    refused(follow(client, getattr(webinar, key)), 403, "not confirmed")
    assert count(db_session, Attendance) == 0


def test_a_cancelled_event(client, db_session, webinar, clock):
    webinar.event.status = EventStatus.CANCELLED
    db_session.commit()
    refused(follow(client, webinar.erika), 403, "event has been cancelled", "Regionale Impulse")


def test_an_event_without_online_meeting(client, db_session, webinar, clock):
    webinar.event.online_join_url = None
    db_session.commit()
    refused(follow(client, webinar.erika), 404, "not published the online meeting")


def test_the_pages_are_in_german_by_default(client, db_session, webinar, clock):
    page = text_of(client.get("/j/nonsense").get_data(as_text=True))
    assert "Dieser Link ist nicht gültig" in page
