"""The check-in page through the client: the list, search, one-by-one and bulk marking,
walk-ins."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from eventhub.attendance.models import WALK_IN, AttendanceSource
from eventhub.mail import OutboxMessage
from eventhub.organizations.models import NOT_STATED
from eventhub.registration.models import Registration
from tests.attendance.conftest import attendance, count, snapshot
from tests.events.test_manage_views import text_of
from tests.registration.test_manage_registrations import flashes, path


def page_url(webinar, **args) -> str:
    return path("manage.attendance_page", event_id=webinar.event.id, lang="en", **args)


def mark_url(webinar) -> str:
    return path("manage.mark_attendance", event_id=webinar.event.id, lang="en")


def names_on(page: str) -> list[str]:
    return [text_of(m) for m in re.findall(r'<span class="check-in-name">\s*<strong>(.*?)'
                                           r'</strong>', page, re.S)]


def count_of(page: str, key: str) -> int:
    return int(re.search(rf'data-count="{key}">(\d+)<', page).group(1))


def test_the_list_shows_confirmed_registrations_by_name(as_organizer, db_session, webinar):
    page = as_organizer.get(page_url(webinar)).get_data(as_text=True)
    assert names_on(page) == ["Max Abwesend", "Paul Kurz", "Erika Muster", "Lena Zwei"]
    assert (count_of(page, "confirmed"), count_of(page, "open")) == (4, 4)
    assert 'name="csrf_token"' in page


def test_search_by_name(as_organizer, db_session, webinar):
    page = as_organizer.get(page_url(webinar, q="muster")).get_data(as_text=True)
    assert names_on(page) == ["Erika Muster"]
    page = as_organizer.get(page_url(webinar, q="Olga")).get_data(as_text=True)  # pending
    assert names_on(page) == [] and "Nobody with a confirmed registration" in text_of(page)


def test_one_by_one(as_organizer, db_session, webinar, organizer):
    response = as_organizer.post(mark_url(webinar), data={"mark": f"attended:{webinar.erika.id}",
                                                          "q": "muster"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"q=muster#r-{webinar.erika.id}")
    row = attendance(db_session, webinar.erika)
    assert (row.attended, row.source, row.recorded_by_id) == (True, AttendanceSource.CHECK_IN,
                                                              organizer.id)
    as_organizer.post(mark_url(webinar), data={"mark": f"absent:{webinar.erika.id}"})
    assert attendance(db_session, webinar.erika).attended is False
    page = as_organizer.get(page_url(webinar)).get_data(as_text=True)
    assert "1 person marked as no-show." in flashes(page)
    assert (count_of(page, "attended"), count_of(page, "absent"), count_of(page, "open")) == \
        (0, 1, 3)


def test_in_bulk(as_organizer, db_session, webinar):
    ticked = [webinar.erika.id, webinar.lena.id, webinar.pending.id]
    response = as_organizer.post(mark_url(webinar), data={"bulk": "attended",
                                                          "selected": ticked})
    assert response.status_code == 302
    assert [attendance(db_session, r) is not None and attendance(db_session, r).attended
            for r in (webinar.erika, webinar.lena, webinar.paul, webinar.pending)] == \
        [True, True, False, False]
    page = as_organizer.get(page_url(webinar)).get_data(as_text=True)
    assert "2 people marked as attended." in flashes(page)


def test_bulk_without_ticks_changes_nothing(as_organizer, db_session, webinar):
    before = snapshot(db_session, webinar.event.id)
    as_organizer.post(mark_url(webinar), data={"bulk": "absent"})
    assert snapshot(db_session, webinar.event.id) == before
    page = as_organizer.get(page_url(webinar)).get_data(as_text=True)
    assert "Tick at least one person first." in flashes(page)


def test_nonsense_marks_change_nothing(as_organizer, db_session, webinar):
    before = snapshot(db_session, webinar.event.id)
    for data in ({"mark": "present:1"}, {"mark": "attended:x"}, {"bulk": "maybe"},
                 {"mark": f"attended:{webinar.waiting.id}"}):
        assert as_organizer.post(mark_url(webinar), data=data).status_code == 302
    assert snapshot(db_session, webinar.event.id) == before


def test_adding_a_walk_in(as_organizer, db_session, webinar):
    response = as_organizer.post(
        path("manage.add_walk_in", event_id=webinar.event.id, lang="en"),
        data={"first_name": "Wilma", "last_name": "Spontan", "email": "",
              "region_code": NOT_STATED})
    assert response.status_code == 302
    walk_in = db_session.scalar(select(Registration).where(Registration.last_name == "Spontan"))
    assert (walk_in.source, walk_in.region_code, walk_in.email) == (WALK_IN, NOT_STATED, None)
    assert attendance(db_session, walk_in).attended is True
    assert count(db_session, OutboxMessage, OutboxMessage.registration_id == walk_in.id) == 0
    location, _, anchor = response.headers["Location"].partition("#")
    assert anchor == f"r-{walk_in.id}"
    page = as_organizer.get(location + "&lang=en").get_data(as_text=True)
    assert "Wilma Spontan has been added as a walk-in" in flashes(page)
    assert "Wilma Spontan" in names_on(page) and "(walk-in)" in text_of(page)


def test_a_walk_in_with_a_registered_address_is_refused(as_organizer, db_session, webinar):
    before = snapshot(db_session, webinar.event.id)
    response = as_organizer.post(
        path("manage.add_walk_in", event_id=webinar.event.id, lang="en"),
        data={"first_name": "Erika", "last_name": "Muster", "email": "erika.muster@example.org",
              "region_code": "DE-SN"})
    assert response.status_code == 422
    assert "registered for this event already" in text_of(response.get_data(as_text=True))
    assert snapshot(db_session, webinar.event.id) == before


def test_a_walk_in_needs_a_name(as_organizer, db_session, webinar):
    response = as_organizer.post(
        path("manage.add_walk_in", event_id=webinar.event.id, lang="en"),
        data={"first_name": "", "last_name": "", "region_code": NOT_STATED})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_the_event_page_links_to_check_in_and_import(as_organizer, db_session, webinar):
    page = as_organizer.get(path("manage.event", event_id=webinar.event.id)).get_data(
        as_text=True)
    assert path("manage.attendance_page", event_id=webinar.event.id) in page
    assert path("manage.import_upload", event_id=webinar.event.id) in page


def test_the_check_in_page_says_when_the_event_has_not_started(client, login, organizer,
                                                               db_session, webinar, clock):
    from tests.attendance.conftest import START
    clock.set(START - timedelta(days=42))
    before = login(organizer).get(path("manage.attendance_page", event_id=webinar.event.id,
                                       lang="en")).get_data(as_text=True)
    assert 'id="not-started"' in before and "has not started yet" in text_of(before)
    clock.set(START + timedelta(minutes=1))
    during = login(organizer).get(path("manage.attendance_page", event_id=webinar.event.id,
                                       lang="en")).get_data(as_text=True)
    assert 'id="not-started"' not in during
