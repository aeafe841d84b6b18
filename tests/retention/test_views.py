"""The event page's line about personal data, and erasing early: only after the event,
once, by its own organizers."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from eventhub.registration.models import Registration
from eventhub.retention.models import RetentionPurge, Trigger
from tests.conftest import csrf_token_from
from tests.factories import berlin
from tests.registration.test_manage_registrations import add_registration

START = berlin(2026, 11, 21, 10)


def _setup(make, db_session):
    centre = make.organization()
    event = make.event(organization=centre, starts_at=START, ends_at=START + timedelta(hours=2))
    person = add_registration(db_session, event, email="anna.loesch@example.org")
    organizer = make.user(organization=centre)
    db_session.commit()
    return event, person, organizer


def test_the_event_page_says_when_personal_data_goes(client, login, make, db_session, clock):
    clock.set(START - timedelta(days=1))
    event, _, organizer = _setup(make, db_session)
    login(organizer)
    page = client.get(f"/verwaltung/veranstaltungen/{event.id}").get_data(as_text=True)
    assert "Personenbezogene Daten" in page
    # 180 days of 24 hours after the end (12:00 CET): 13:00 in summer time
    assert "Werden am 20.05.2027, 13:00 gelöscht." in page
    assert "personendaten-loeschen" not in page  # not before the event is over


def test_erasing_early_after_the_event(client, login, make, db_session, clock):
    clock.set(START + timedelta(hours=3))
    event, person, organizer = _setup(make, db_session)
    login(organizer)
    url = f"/verwaltung/veranstaltungen/{event.id}/personendaten-loeschen"
    assert url in client.get(f"/verwaltung/veranstaltungen/{event.id}").get_data(as_text=True)
    page = client.get(url)
    assert page.status_code == 200
    assert "Ja, personenbezogene Daten löschen" in page.get_data(as_text=True)
    response = client.post(url, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "Die personenbezogenen Daten von 1 Anmeldungen wurden gelöscht." in text
    assert "Gelöscht am" in text
    db_session.expire_all()
    assert db_session.get(Registration, person.id).email is None
    record = db_session.scalar(select(RetentionPurge))
    assert (record.trigger, record.actor_id) == (Trigger.ORGANIZER, organizer.id)
    again = client.post(url, follow_redirects=True).get_data(as_text=True)
    assert "nur einmal" in again


def test_not_before_the_event_is_over(client, login, make, db_session, clock):
    clock.set(START + timedelta(hours=1))  # running
    event, person, organizer = _setup(make, db_session)
    login(organizer)
    response = client.post(f"/verwaltung/veranstaltungen/{event.id}/personendaten-loeschen")
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Registration, person.id).email == "anna.loesch@example.org"


def test_another_centre_gets_404(client, login, make, db_session, clock):
    clock.set(START + timedelta(hours=3))
    event, person, _ = _setup(make, db_session)
    login(make.user())
    url = f"/verwaltung/veranstaltungen/{event.id}/personendaten-loeschen"
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    db_session.expire_all()
    assert db_session.get(Registration, person.id).email == "anna.loesch@example.org"


def test_after_the_purge_no_attendance_brings_people_back(client, login, make, db_session,
                                                          clock):
    """A walk-in, a check-in or an imported report after the deletion would store personal
    data that no later purge deletes: all three are refused with a clear message."""
    from eventhub.attendance import importing
    from eventhub.attendance import services as attendance
    from eventhub.errors import RuleViolation
    from eventhub.retention import services as retention
    clock.set(START + timedelta(hours=3))
    event, person, organizer = _setup(make, db_session)
    retention.purge_event(event.id, START + timedelta(hours=3), actor=organizer)
    db_session.commit()
    assert event.personal_data_erased_at is not None
    now = START + timedelta(hours=4)
    refusals = [
        lambda: attendance.check_in(event, [person.id], True, organizer, now),
        lambda: attendance.check_in_walk_in(event, attendance.WalkIn("Ödön", "Ärger"),
                                            organizer, now),
        lambda: importing.upload(event, "zoom.csv", b"Name,E-Mail\nA,a@example.org\n",
                                 organizer, now),
    ]
    for refused in refusals:
        try:
            refused()
        except RuleViolation as exc:
            assert "Die Teilnahme kann nicht mehr erfasst werden" in str(exc.message)
        else:
            raise AssertionError("recorded after the purge")
        db_session.rollback()
    login(organizer)
    url = f"/verwaltung/veranstaltungen/{event.id}/teilnahme"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    page = client.post(url, data={"csrf_token": token, "mark": f"attended:{person.id}"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Die Teilnahme kann nicht mehr erfasst werden" in page
    assert db_session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.email.is_not(None))) is None
