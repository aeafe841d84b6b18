"""Art. 15: "download my data" holds exactly the person's data, and nobody else's."""
from __future__ import annotations

import json
from datetime import timedelta

from eventhub import mail, timeutil
from eventhub.attendance.models import Attendance, AttendanceSource
from eventhub.certificates import services as certificates
from eventhub.messages import services as messages
from eventhub.registration import erasure, tokens
from eventhub.registration.models import Question, QuestionKind
from tests.registration.test_manage_registrations import add_registration


def _world(make, db_session):
    event = make.event(title="Digitaltag Dialog")
    question = Question(event_id=event.id, label="Branche", kind=QuestionKind.SHORT_TEXT)
    db_session.add(question)
    db_session.flush()
    me = add_registration(db_session, event, email="ich@example.org", first_name="Ida",
                          last_name="Ichmann", answers={question: "Tischlerei"})
    other = add_registration(db_session, event, email="andere@example.org",
                             first_name="Otto", last_name="Anders",
                             answers={question: "Bäckerei"})
    now = timeutil.utcnow()
    for person in (me, other):
        mail.queue(person.email, "registration_cancelled",
                   {"registration": person, "event": event, "manage_url": "x",
                    "event_url": "y", "by_organizer": False},
                   language="de", now=now, registration_id=person.id)
    organizer = make.user(organization=event.organization)
    messages.send(event, messages.Draft(subject_de="Raum geändert", body_de="Hallo"),
                  organizer, now)
    db_session.add(Attendance(registration_id=me.id, attended=True, minutes=42,
                              source=AttendanceSource.IMPORT))
    certificates.switch(event, True, organizer, now)
    certificates.issue(me, now)
    db_session.commit()
    return event, me, other


def _export(client, registration):
    return client.get(f"/anmeldung/{tokens.make(registration, tokens.MANAGE)}"
                      "/meine-daten.json")


def test_the_export_holds_the_persons_data_and_nobody_elses(client, make, db_session):
    event, me, other = _world(make, db_session)
    response = _export(client, me)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    data = json.loads(text)
    assert data["registration"]["email"] == "ich@example.org"
    assert (data["registration"]["first_name"], data["registration"]["last_name"]) == \
        ("Ida", "Ichmann")
    assert data["answers"] == [{"question": "Branche", "answer": "Tischlerei"}]
    assert data["attendance"]["attended"] is True and data["attendance"]["minutes"] == 42
    assert {e["to"] for e in data["emails"]} == {"ich@example.org"}
    assert len(data["emails"]) == 2  # the cancellation text and the organizers' message
    assert [m["subject"] for m in data["messages_from_organizers"]] == ["Raum geändert"]
    assert data["certificate"]["code"]
    assert data["event"]["title"] == "Digitaltag Dialog"
    for trace in ("andere@example.org", "Otto", "Anders", "Bäckerei", me.token_key):
        assert trace not in text
    other_data = json.loads(_export(client, other).get_data(as_text=True))
    assert other_data["certificate"] is None and other_data["attendance"] is None
    assert "ich@example.org" not in json.dumps(other_data)


def test_no_export_for_a_bad_link_or_after_erasure(client, make, db_session):
    _, me, _ = _world(make, db_session)
    token = tokens.make(me, tokens.MANAGE)
    assert client.get(f"/anmeldung/{token[:-2]}xy/meine-daten.json").status_code == 400
    erasure.erase(me, timeutil.utcnow() + timedelta(seconds=1))
    db_session.commit()
    assert client.get(f"/anmeldung/{token}/meine-daten.json").status_code == 400


def test_the_personal_pages_offer_it(client, make, db_session):
    _, me, _ = _world(make, db_session)
    token = tokens.make(me, tokens.MANAGE)
    assert f"/anmeldung/{token}/meine-daten.json" in \
        client.get(f"/anmeldung/{token}").get_data(as_text=True)
    assert f"/anmeldung/{token}/meine-daten.json" in \
        client.get(f"/anmeldung/{token}/daten").get_data(as_text=True)
