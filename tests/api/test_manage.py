"""The operations with a token: they call the same services as the organizer pages, so
they answer as those pages do."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from eventhub import timeutil
from eventhub.audit.models import AuditEntry
from eventhub.events.models import EventStatus
from eventhub.registration import services
from eventhub.registration.models import OrganizationSize, RegistrationStatus
from tests.api.conftest import bearer
from tests.factories import berlin


def _register(event, email: str, region: str = "DE-SN"):
    outcome = services.register(event.id, services.Applicant(
        email=email, first_name="Ada", last_name=email.split("@")[0],
        organization_size=OrganizationSize.SMALL, region_code=region), timeutil.utcnow(),
        source="organizer")
    return outcome.registration


@pytest.fixture()
def organizer(make):
    return make.user()


@pytest.fixture()
def headers(organizer, token_for):
    return bearer(token_for(organizer))


def test_events_are_created_edited_published_and_cancelled(client, organizer, headers,
                                                           clock):
    clock.set(berlin(2031, 1, 5, 9))
    body = {"organization_id": organizer.organization_id, "title": "Digitaltag",
            "format": "online_talk", "starts_at": "2031-03-30T10:00:00",
            "ends_at": "2031-03-30T12:00:00", "timezone": "Europe/Berlin"}
    created = client.post("/api/v1/manage/events", json=body, headers=headers)
    assert created.status_code == 201
    event = created.get_json()
    assert event["status"] == "draft" and event["starts_at"] == "2031-03-30T10:00:00+02:00"

    changed = client.put(f"/api/v1/manage/events/{event['id']}", headers=headers,
                         json={**body, "title": "Digitaltag 2031", "capacity": 50})
    assert changed.get_json()["title"] == "Digitaltag 2031"
    assert changed.get_json()["capacity"] == 50

    wrong = client.put(f"/api/v1/manage/events/{event['id']}", headers=headers,
                       json={**body, "ends_at": "2031-03-30T09:00:00"})
    assert wrong.status_code == 422
    assert wrong.get_json()["errors"] == [{"field": "ends_at",
                                           "message": "The end must be after the start."}]
    gap = client.put(f"/api/v1/manage/events/{event['id']}", headers=headers,
                     json={**body, "starts_at": "2031-03-30T02:30:00"})
    assert gap.get_json()["errors"][0]["field"] == "starts_at"

    published = client.post(f"/api/v1/manage/events/{event['id']}/publish", headers=headers)
    assert published.get_json()["status"] == "published"
    again = client.post(f"/api/v1/manage/events/{event['id']}/publish", headers=headers)
    assert again.status_code == 409 and again.get_json()["detail"] == \
        "Only a draft can be published."
    cancelled = client.post(f"/api/v1/manage/events/{event['id']}/cancel", headers=headers)
    assert cancelled.get_json()["status"] == "cancelled"
    listed = client.get("/api/v1/manage/events?status=cancelled", headers=headers).get_json()
    assert [e["id"] for e in listed["items"]] == [event["id"]]


def test_registrations_listed_added_confirmed_cancelled_and_moved_up(client, make, organizer,
                                                                     headers, db_session):
    event = make.event(organization=organizer.organization, capacity=1)
    base = f"/api/v1/manage/events/{event.id}/registrations"
    person = {"email": "ada@example.org", "first_name": "Ada", "last_name": "Lovelace",
              "organization_size": "10-49", "region": "DE-BB"}
    first = client.post(base, json=person, headers=headers)
    assert first.status_code == 201 and first.get_json()["status"] == "confirmed"
    twice = client.post(base, json=person, headers=headers)
    assert twice.status_code == 422 and twice.get_json()["errors"][0]["field"] == "email"
    second = client.post(base, json={**person, "email": "grace@example.org",
                                     "last_name": "Hopper"}, headers=headers).get_json()
    assert second["status"] == "waitlisted"

    listed = client.get(base + "?status=waitlisted", headers=headers).get_json()
    assert [r["id"] for r in listed["items"]] == [second["id"]]
    assert listed["items"][0]["waitlist_position"] == 1
    assert listed["counts"]["confirmed"] == 1
    found = client.get(base + "?q=hopper", headers=headers).get_json()["items"]
    assert [r["email"] for r in found] == ["grace@example.org"]

    no_place = client.post(f"{base}/{second['id']}/move-up", headers=headers)
    assert no_place.status_code == 409
    cancelled = client.post(f"{base}/{first.get_json()['id']}/cancel", headers=headers)
    assert cancelled.get_json()["result"] == "cancelled"
    # The freed place went to the waiting list, as on the organizer page.
    moved = client.get(base + "?status=confirmed", headers=headers).get_json()["items"]
    assert [r["id"] for r in moved] == [second["id"]]
    confirmed = client.post(f"{base}/{second['id']}/confirm", headers=headers).get_json()
    assert confirmed["result"] == "already"
    assert client.post(f"{base}/{first.get_json()['id']}/cancel",
                       headers=headers).status_code == 409
    # The audit trail has them as the organizer pages write them, by id and marked "api",
    # without a name or an address; the refused ones are not there.
    entries = db_session.scalars(select(AuditEntry).where(
        AuditEntry.action.like("registration.%")).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["registration.add", "registration.add",
                                           "registration.cancel", "registration.confirm"]
    assert all(e.actor_id == organizer.id and e.details["via"] == "api" for e in entries)
    assert not any("Lovelace" in repr(e.details) or "@" in repr(e.details) for e in entries)


def test_a_registration_of_another_event_is_not_found(client, make, organizer, headers):
    mine = make.event(organization=organizer.organization)
    theirs = make.event()
    registration = _register(theirs, "other@example.org")
    for action in ("confirm", "cancel", "move-up"):
        for event in (mine, theirs):
            response = client.post(f"/api/v1/manage/events/{event.id}/registrations/"
                                   f"{registration.id}/{action}", headers=headers)
            assert response.status_code == 404
    assert registration.status is RegistrationStatus.CONFIRMED


def test_attendance_listed_and_marked(client, make, organizer, headers):
    event = make.event(organization=organizer.organization)
    came, absent = _register(event, "a@example.org"), _register(event, "b@example.org")
    path = f"/api/v1/manage/events/{event.id}/attendance"
    marked = client.post(path, json={"registration_ids": [came.id, 999999],
                                     "attended": True}, headers=headers)
    assert marked.get_json() == {"marked": 1}
    client.post(path, json={"registration_ids": [absent.id], "attended": False},
                headers=headers)
    body = client.get(path, headers=headers).get_json()
    assert body["counts"] == {"confirmed": 2, "attended": 1, "absent": 1, "open": 0}
    assert {r["registration_id"]: r["attended"] for r in body["items"]} == \
        {came.id: True, absent.id: False}


def test_report_figures_are_the_report_pages(client, make, organizer, headers, login, clock):
    clock.set(berlin(2031, 5, 1, 9))
    event = make.event(organization=organizer.organization, starts_at=berlin(2031, 5, 2, 10),
                       published_at=berlin(2031, 4, 1))
    for n in range(4):
        _register(event, f"p{n}@example.org", region="DE-SN")
    _register(event, "solo@example.org", region="DE-TH")
    clock.set(berlin(2031, 5, 20, 9))
    args = "start=2031-05-01&end=2031-05-31&lang=en"
    shared = client.get(f"/api/v1/manage/report?{args}", headers=headers).get_json()
    exact = client.get(f"/api/v1/manage/report?{args}&shared=false", headers=headers).get_json()
    regions = {t["key"]: t for t in shared["tables"]}["regions"]
    by_name = {row["cells"][0]: row["cells"][1:] for row in regions["rows"]}
    # Shared, as the downloads: "<3", and the other counts rounded to 5.
    assert by_name["Saxony"][0] == 5 and by_name["Thuringia"][0] == "<3"
    assert (shared["suppressed_below"], shared["rounded_to"]) == (3, 5)
    exact_regions = {t["key"]: t for t in exact["tables"]}["regions"]
    assert {r["cells"][0]: r["cells"][1] for r in exact_regions["rows"]}["Thuringia"] == 1

    login(organizer)
    download = client.get(f"/verwaltung/berichte/export.csv?{args}").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(download.lstrip("\ufeff")), delimiter=";"))
    start = rows.index([regions["title"]])
    for api_row, csv_row in zip(regions["rows"], rows[start + 2:], strict=False):
        assert [str(c) if c is not None else "" for c in api_row["cells"]] == csv_row


def test_hostile_bodies_get_problems_not_errors(client, organizer, headers, make):
    event = make.event(organization=organizer.organization)
    path = f"/api/v1/manage/events/{event.id}/registrations"
    deep = "[" * 100_000 + "]" * 100_000
    cases = [
        ("{not json", "application/json", 400),
        (deep, "application/json", 400),
        ('{"email": 5, "first_name": ["x"], "organization_size": {}}', "application/json",
         422),
        ('{"email": "a@b.c", "first_name": "A\\u0000", "last_name": "B", '
         '"organization_size": "solo", "region": "DE-SN"}', "application/json", 422),
        ('{"registration_ids": [99999999999999999999999]}', "application/json", 422),
        ("email=x", "application/x-www-form-urlencoded", 415),
        ('"just a string"', "application/json", 422),
    ]
    for body, content_type, status in cases:
        response = client.post(path, data=body, content_type=content_type, headers=headers)
        assert response.status_code == status, (body[:40], response.get_data(as_text=True))
        assert response.mimetype == "application/problem+json"
    huge = client.post(f"/api/v1/manage/events/{event.id}/attendance", headers=headers,
                       json={"registration_ids": [2**63], "attended": True})
    assert huge.status_code == 422
    assert client.get(f"/api/v1/manage/events/{2**40}", headers=headers).status_code == 404
    assert client.get("/api/v1/events?region=%00", headers=headers).status_code == 400


def test_registration_answers_go_through_the_events_questions(client, make, organizer,
                                                             headers, db_session):
    from eventhub.registration.models import Question, QuestionKind
    event = make.event(organization=organizer.organization)
    question = Question(event_id=event.id, label="Branche", kind=QuestionKind.SINGLE_CHOICE,
                        options=["IT", "Handwerk"], required=True)
    db_session.add(question)
    db_session.flush()
    db_session.expire(event)
    person = {"email": "q@example.org", "first_name": "Q", "last_name": "R",
              "organization_size": "solo", "region": "DE-SN"}
    path = f"/api/v1/manage/events/{event.id}/registrations"
    missing = client.post(path, json=person, headers=headers)
    assert missing.get_json()["errors"] == [{"field": f"answers.{question.id}",
                                             "message": "Please answer this question."}]
    ok = client.post(path, json={**person, "answers": {str(question.id): "IT"}},
                     headers=headers)
    assert ok.status_code == 201 and ok.get_json()["answers"] == {str(question.id): "IT"}


def test_an_event_over_refuses_new_registrations(client, make, organizer, headers, clock):
    event = make.event(organization=organizer.organization)
    clock.set(event.ends_at + timedelta(hours=1))
    response = client.post(f"/api/v1/manage/events/{event.id}/registrations", json={
        "email": "late@example.org", "first_name": "L", "last_name": "T",
        "organization_size": "solo", "region": "DE-SN"}, headers=headers)
    assert response.status_code == 409 and response.get_json()["detail"] == \
        "The event is over."
    assert event.status is EventStatus.PUBLISHED
