"""Drafts (issue 22, 1): a draft that is cancelled before it was ever published stays out of
every public page, list and feed; a draft nobody registered for can be deleted.

Fixtures commit what they create: a view that refuses input rolls the session back, and
uncommitted test data would vanish with it.
"""
from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import func, select

from eventhub.errors import NotPermitted, RuleViolation
from eventhub.events.models import AgendaItem, Event, EventStatus, Speaker
from eventhub.events.services import delete_draft
from eventhub.registration.models import Question
from eventhub.reminders.models import ReminderKind, ReminderRule
from tests.factories import berlin
from tests.registration.test_manage_registrations import add_question, add_registration

TODAY = berlin(2027, 1, 4, 9)


@pytest.fixture(autouse=True)
def _early_in_2027(clock):
    clock.set(TODAY)


@pytest.fixture()
def centre(make):
    return make.organization(slug="zentrum-entwurf", name="Zentrum Entwurf",
                             region_code="DE-BB")


@pytest.fixture()
def organizer(login, make, db_session, centre):
    user = make.user(organization=centre)
    db_session.commit()
    return login(user)


@pytest.fixture()
def draft(make, db_session, centre):
    """A draft on 15 July 2027 with everything a draft can have but registrations."""
    event = make.event(organization=centre, title="Nie veröffentlicht", slug="nie",
                       status=EventStatus.DRAFT, starts_at=berlin(2027, 7, 15, 10))
    speaker = make.speaker(event)
    make.agenda_item(event, speakers=[speaker])
    add_question(db_session, event, "Ihre Frage")
    db_session.add(ReminderRule(event_id=event.id, kind=ReminderKind.BEFORE_START,
                                offset_minutes=60))
    db_session.commit()
    return event


@pytest.fixture()
def published(make, db_session, centre):
    event = make.event(organization=centre, title="Angekündigt", slug="angekuendigt",
                       starts_at=berlin(2027, 7, 16, 10))
    db_session.commit()
    return event


def path(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=False, **values)


def reload(db_session, event_id: int) -> Event | None:
    db_session.expire_all()
    return db_session.get(Event, event_id)


PUBLIC_PAGES = ["/", "/archiv", "/?lang=en", "/archiv?month=2027-07"]
FEEDS = ["/kalender/veranstaltungen.ics", "/kalender/region/DE-BB.ics",
         "/kalender/veranstalter/zentrum-entwurf.ics"]
OWN_PAGES = ["/veranstaltungen/{slug}", "/veranstaltungen/{slug}/kalender.ics",
             "/veranstaltungen/{slug}/anmeldung"]


def test_a_cancelled_draft_stays_hidden_from_every_public_page_and_feed(
        client, organizer, db_session, draft, published):
    response = organizer.post(path("manage.cancel_event", event_id=draft.id))

    assert response.status_code == 302
    cancelled = reload(db_session, draft.id)
    assert (cancelled.status, cancelled.published_at) == (EventStatus.CANCELLED, None)
    assert not cancelled.is_public
    for url in PUBLIC_PAGES:
        page = client.get(url).get_data(as_text=True)
        assert "/veranstaltungen/nie" not in page and "Nie veröffentlicht" not in page, url
    assert "/veranstaltungen/angekuendigt" in client.get("/").get_data(as_text=True)
    for url in FEEDS:
        feed = client.get(url).get_data(as_text=True)
        assert draft.uid not in feed and published.uid in feed, url
    for url in OWN_PAGES:
        assert client.get(url.format(slug="nie")).status_code == 404, url
        assert client.get(url.format(slug="angekuendigt")).status_code == 200, url
    assert "Nie veröffentlicht" in organizer.get(path("manage.dashboard")).get_data(
        as_text=True)


def test_a_published_event_that_is_cancelled_stays_public_marked_cancelled(
        client, organizer, db_session, published):
    organizer.post(path("manage.cancel_event", event_id=published.id))

    assert reload(db_session, published.id).is_public
    assert "badge-cancelled" in client.get("/").get_data(as_text=True)
    assert client.get("/veranstaltungen/angekuendigt").status_code == 200
    assert "STATUS:CANCELLED" in client.get(FEEDS[0]).get_data(as_text=True)


def test_the_cancel_page_of_a_draft_says_it_stays_hidden(organizer, draft):
    page = organizer.get(path("manage.cancel_event", event_id=draft.id, lang="en"))
    text = page.get_data(as_text=True)
    assert "stays hidden from the public" in text
    assert "stays on the public pages" not in text


@pytest.mark.parametrize("status", [EventStatus.PUBLISHED, EventStatus.CANCELLED])
def test_is_public_in_python_and_in_sql_agree(make, db_session, status):
    never = make.event(status=status, published_at=None)
    announced = make.event(status=status)
    draft = make.event(status=EventStatus.DRAFT)
    public_ids = set(db_session.scalars(select(Event.id).where(Event.is_public)))
    assert {e.id for e in (never, announced, draft) if e.is_public} == \
        public_ids & {never.id, announced.id, draft.id}
    # A published event is public even without the date (rows from before it was kept).
    assert never.is_public is (status is EventStatus.PUBLISHED)
    assert announced.is_public and not draft.is_public


# --- deleting drafts -----------------------------------------------------------------

def count(db_session, model, event_id: int) -> int:
    return db_session.scalar(select(func.count()).select_from(model)
                             .where(model.event_id == event_id))


def test_a_draft_is_deleted_after_confirming(organizer, db_session, draft):
    draft_id = draft.id
    page = organizer.get(path("manage.event", event_id=draft.id)).get_data(as_text=True)
    assert path("manage.delete_event", event_id=draft.id) in page
    confirm = organizer.get(path("manage.delete_event", event_id=draft.id))
    assert confirm.status_code == 200 and "Nie veröffentlicht" in confirm.get_data(as_text=True)
    assert reload(db_session, draft.id) is not None

    response = organizer.post(path("manage.delete_event", event_id=draft.id))

    assert response.status_code == 302
    assert response.headers["Location"] == path("manage.dashboard")
    assert reload(db_session, draft_id) is None
    for model in (AgendaItem, Speaker, Question, ReminderRule):
        assert count(db_session, model, draft_id) == 0, model


def test_a_cancelled_draft_can_be_deleted_too(organizer, db_session, draft):
    organizer.post(path("manage.cancel_event", event_id=draft.id))
    draft_id = draft.id
    organizer.post(path("manage.delete_event", event_id=draft_id))
    assert reload(db_session, draft_id) is None


def test_a_draft_with_registrations_is_kept_with_a_clear_message(organizer, db_session,
                                                                 draft):
    add_registration(db_session, draft)
    db_session.commit()
    organizer.get("/lang/en")

    page = organizer.get(path("manage.delete_event", event_id=draft.id)).get_data(
        as_text=True)
    assert "people are registered for it" in page and "Yes, delete" not in page
    response = organizer.post(path("manage.delete_event", event_id=draft.id),
                              follow_redirects=True)

    assert response.request.path == path("manage.event", event_id=draft.id)
    assert "This draft cannot be deleted: people are registered for it" in \
        response.get_data(as_text=True)
    assert reload(db_session, draft.id) is not None


@pytest.mark.parametrize("cancel", [False, True])
def test_an_event_that_was_published_cannot_be_deleted(organizer, db_session, published,
                                                       cancel):
    if cancel:
        organizer.post(path("manage.cancel_event", event_id=published.id))
    event_page = organizer.get(path("manage.event", event_id=published.id))
    assert path("manage.delete_event", event_id=published.id) not in \
        event_page.get_data(as_text=True)
    organizer.get("/lang/en")

    response = organizer.post(path("manage.delete_event", event_id=published.id),
                              follow_redirects=True)

    assert "An event that has been published cannot be deleted" in \
        response.get_data(as_text=True)
    assert reload(db_session, published.id) is not None


def test_deleting_needs_permission(make, db_session, draft):
    with pytest.raises(NotPermitted):
        delete_draft(make.user(), draft)
    assert reload(db_session, draft.id) is not None


def test_the_service_refuses_a_published_event(make, db_session, published):
    owner = make.user(organization=published.organization)
    with pytest.raises(RuleViolation):
        delete_draft(owner, published)
