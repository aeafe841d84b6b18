"""The registration pages keep a loaded event for a moment (events.queries.bookable_event):
what is kept, when it is dropped, and that nothing is decided on a stale copy."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from eventhub.events import queries
from eventhub.events.models import Event, EventStatus
from eventhub.registration import antibot
from eventhub.registration.models import Question, QuestionKind, Registration
from eventhub.timeutil import utcnow
from tests.registration.test_registration_views import VALID


@pytest.fixture()
def event(make, db_session):
    event = make.event(title="Digitaltag")
    db_session.commit()
    kept = SimpleNamespace(id=event.id, slug=event.slug)
    db_session.expunge_all()  # as in a new request: nothing of it in the session
    return kept


def _behind_the_apps_back(db_session, event_id: int, **values) -> None:
    """A change the ORM does not see, as another process's change looks to this one."""
    db_session.execute(update(Event).where(Event.id == event_id).values(**values))
    db_session.commit()


def test_the_event_is_kept_for_the_configured_seconds(app, event, db_session, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(queries.time, "monotonic", lambda: clock[0])
    kept = queries.bookable_event(event.slug)
    _behind_the_apps_back(db_session, event.id, title="Digitaltag 2027")
    assert queries.bookable_event(event.slug) is kept
    assert kept.title == "Digitaltag"  # detached: the commit did not expire it
    assert kept.organization.name and kept.questions == []  # loaded with it
    clock[0] += app.config["BOOKABLE_EVENT_SECONDS"] + 0.1
    assert queries.bookable_event(event.slug).title == "Digitaltag 2027"


def test_a_change_made_in_this_process_is_seen_at_once(event, db_session):
    queries.bookable_event(event.slug)
    db_session.get(Event, event.id).title = "Digitaltag 2027"
    db_session.commit()
    assert queries.bookable_event(event.slug).title == "Digitaltag 2027"


def test_a_question_added_in_this_process_is_asked_at_once(event, db_session):
    queries.bookable_event(event.slug)
    db_session.add(Question(event_id=event.id, label="Ihre Branche?",
                            kind=QuestionKind.SHORT_TEXT))
    db_session.commit()
    assert [q.label for q in queries.bookable_event(event.slug).questions] == [
        "Ihre Branche?"]


def test_nothing_is_kept_with_zero_seconds(app, event, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "BOOKABLE_EVENT_SECONDS", 0)
    queries.bookable_event(event.slug)
    _behind_the_apps_back(db_session, event.id, title="Digitaltag 2027")
    assert queries.bookable_event(event.slug).title == "Digitaltag 2027"


def test_a_registration_is_decided_on_the_event_as_it_is_now(client, event, db_session):
    """The form was shown from the kept copy; meanwhile another process cancelled the
    event. The registration is refused under the lock, with the reason, nothing is stored,
    and the next page shows the event as it is."""
    url = f"/veranstaltungen/{event.slug}/anmeldung"
    assert client.get(url).status_code == 200  # the event is kept now
    _behind_the_apps_back(db_session, event.id, status=EventStatus.CANCELLED)
    started = antibot.stamp(utcnow() - timedelta(seconds=30))
    response = client.post(url, data={**VALID, "started": started})
    assert response.status_code == 422
    assert "abgesagt" in response.get_data(as_text=True)
    assert db_session.scalars(select(Registration)
                              .where(Registration.event_id == event.id)).all() == []
    page = client.get(url).get_data(as_text=True)
    assert "abgesagt" in page and 'name="first_name"' not in page


def test_a_logged_in_organizer_refused_on_the_public_form_sees_the_page(
        login, make, event, db_session):
    """The request closes its session before its registration is written; the page shown
    after a refusal still renders everything of the signed-in user and the event."""
    user = make.user(name="Olga Organisatorin")
    db_session.commit()
    client = login(user)
    url = f"/veranstaltungen/{event.slug}/anmeldung"
    assert client.get(url).status_code == 200
    _behind_the_apps_back(db_session, event.id,
                          registration_closes_at=utcnow() - timedelta(minutes=1))
    started = antibot.stamp(utcnow() - timedelta(seconds=30))
    response = client.post(url, data={**VALID, "started": started})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Digitaltag" in page and 'name="first_name"' in page  # the form, kept filled
    assert 'value="Anna"' in page
