"""The messages page: count and preview for a real recipient, a test to oneself, sending,
the counts of what was sent; bad input explained; other centres get 404."""
from __future__ import annotations

from sqlalchemy import select

from eventhub.mail import OutboxMessage
from eventhub.messages.models import ParticipantMessage

FORM = {"subject_de": "Folien für {first_name}", "body_de": "Hallo {first_name}, hier.",
        "statuses": ["confirmed"], "attendance": "attended", "regions": ["DE-SN"]}


def url(talk) -> str:
    return f"/verwaltung/veranstaltungen/{talk.event.id}/nachrichten"


def test_count_and_preview_for_a_real_recipient(client, login, talk, db_session):
    login(talk.organizer)
    page = client.post(url(talk), data={**FORM, "action": "preview"}).get_data(as_text=True)
    assert "3 Personen erhalten diese Nachricht." in page
    assert "So erhält sie Anna Muster:" in page
    assert "Folien für Anna" in page and "Hallo Anna, hier." in page
    assert db_session.scalars(select(OutboxMessage)).all() == []


def test_a_test_goes_to_oneself_only(client, login, talk, db_session):
    login(talk.organizer)
    response = client.post(url(talk), data={**FORM, "action": "test"})
    assert response.status_code == 302
    [message] = db_session.scalars(select(OutboxMessage)).all()
    assert message.to_address == "olga@zentrum.example"
    assert message.subject == "Folien für Olga Organisatorin"
    assert db_session.scalars(select(ParticipantMessage)).all() == []


def test_sending_lists_the_message_with_its_counts(client, login, talk, db_session):
    login(talk.organizer)
    page = client.post(url(talk), data={**FORM, "action": "send"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Die Nachricht ist unterwegs an 3 Personen." in page
    assert "<td>Folien für {first_name}</td><td>3</td><td>0</td><td>3</td><td>0</td>" in page
    assert len(db_session.scalars(select(OutboxMessage)).all()) == 3


def test_bad_input_is_explained(client, login, talk, db_session):
    login(talk.organizer)
    page = client.post(url(talk), data={**FORM, "body_de": "Hallo {vorname}",
                                        "action": "send"})
    assert page.status_code == 422
    assert "Unbekannter Platzhalter: {vorname}" in page.get_data(as_text=True)
    half = client.post(url(talk), data={**FORM, "subject_en": "Slides", "action": "send"})
    assert half.status_code == 422
    assert "subject_en=" not in half.get_data(as_text=True)
    nobody = client.post(url(talk), data={**FORM, "regions": ["DE-HB"], "action": "send"})
    assert nobody.status_code == 422
    assert "Niemand passt zu dieser Auswahl." in nobody.get_data(as_text=True)
    assert db_session.scalars(select(OutboxMessage)).all() == []


def test_attendance_only_after_the_event(client, login, talk, db_session, clock):
    clock.set(talk.event.starts_at)
    login(talk.organizer)
    page = client.post(url(talk), data={**FORM, "action": "preview"})
    assert page.status_code == 422
    assert "nach dem Ende der Veranstaltung" in page.get_data(as_text=True)


def test_other_centres_get_404(client, login, make, talk, db_session):
    login(make.user())
    assert client.get(url(talk)).status_code == 404
    assert client.post(url(talk), data={**FORM, "action": "send"}).status_code == 404
    assert db_session.scalars(select(OutboxMessage)).all() == []
