"""Duplicating an event (issue 22, 2): the copy keeps registration questions and reminders
besides agenda and speakers, is titled "… (Kopie)" ("(copy)" in English), and starts when
the organizer says, in the same step; everything timed moves with the start."""
from __future__ import annotations

from datetime import datetime

import pytest
from flask import url_for
from sqlalchemy import func, select

from eventhub import timeutil
from eventhub.errors import RuleViolation
from eventhub.events.copies import CopyData, duplicate_event, proposed_start, proposed_title
from eventhub.events.models import Event, EventStatus
from eventhub.registration.models import QuestionKind
from eventhub.reminders.models import ReminderKind, ReminderRule
from tests.factories import berlin
from tests.registration.test_manage_registrations import add_question

TODAY = berlin(2027, 1, 4, 9)  # a Monday


@pytest.fixture(autouse=True)
def _early_in_2027(clock):
    clock.set(TODAY)


@pytest.fixture()
def centre(make):
    return make.organization(slug="zentrum-kopie", region_code="DE-TH")


@pytest.fixture()
def owner(make, centre):
    return make.user(organization=centre)


@pytest.fixture()
def original(make, db_session, centre):
    """Thursday 15 July 2027, 10-12 in Berlin, with questions and reminders of its own."""
    event = make.event(organization=centre, title="Werkstatt KI", slug="werkstatt-ki",
                       starts_at=berlin(2027, 7, 15, 10),
                       registration_opens_at=berlin(2027, 6, 1, 9),
                       registration_closes_at=berlin(2027, 7, 14, 18))
    make.agenda_item(event, title="Impuls", starts_at=berlin(2027, 7, 15, 10, 15),
                     ends_at=berlin(2027, 7, 15, 11))
    add_question(db_session, event, "Ihre Branche?", kind=QuestionKind.SINGLE_CHOICE,
                 options=["Handwerk", "Handel"], required=True)
    add_question(db_session, event, "Was erwarten Sie?", kind=QuestionKind.LONG_TEXT)
    event.questions[1].help_text = "Ein Satz genügt."
    db_session.add_all([
        ReminderRule(event_id=event.id, kind=ReminderKind.BEFORE_START, offset_minutes=2880,
                     message="Bitte Kamera testen.", processed_due_at=TODAY),
        ReminderRule(event_id=event.id, kind=ReminderKind.STARTING_NOW, active=False),
        ReminderRule(event_id=event.id, kind=ReminderKind.AFTER_END, offset_minutes=60,
                     text_attended="Danke!", text_not_attended="Schade."),
    ])
    db_session.commit()
    return event


def rules_of(db_session, event: Event) -> list[tuple]:
    return [(r.kind, r.offset_minutes, r.message, r.text_attended, r.text_not_attended,
             r.active, r.processed_due_at) for r in db_session.scalars(
                 select(ReminderRule).where(ReminderRule.event_id == event.id)
                 .order_by(ReminderRule.id))]


def questions_of(event: Event) -> list[tuple]:
    return [(q.label, q.help_text, q.kind, q.required, q.options, q.position)
            for q in event.questions]


def local(value: datetime, zone: str = "Europe/Berlin") -> datetime:
    return timeutil.local_naive(value, zone)


# --- the service ---------------------------------------------------------------------

def test_the_copy_keeps_questions_and_reminders(db_session, owner, original):
    questions, rules = questions_of(original), rules_of(db_session, original)

    copy = duplicate_event(owner, original, CopyData("Werkstatt KI (Kopie)",
                                                     datetime(2027, 7, 22, 10)), TODAY)

    db_session.expire_all()
    assert questions_of(copy) == questions
    assert {q.id for q in copy.questions}.isdisjoint({q.id for q in original.questions})
    # The rules, not what was sent: the first rule was processed for the original only.
    assert rules_of(db_session, copy) == [(*rule[:-1], None) for rule in rules]
    assert rules_of(db_session, original) == rules
    assert questions_of(original) == questions


def test_a_copy_of_an_event_without_reminders_has_none(db_session, make, owner, centre):
    """Having deleted the default reminders is the organizer's choice too."""
    event = make.event(organization=centre, starts_at=berlin(2027, 7, 15, 10))
    copy = duplicate_event(owner, event, CopyData("Kopie", datetime(2027, 7, 22, 10)), TODAY)
    assert rules_of(db_session, copy) == []


def test_everything_timed_moves_with_the_start_also_across_summer_time(db_session, owner,
                                                                        make, centre):
    winter = make.event(organization=centre, starts_at=berlin(2027, 3, 25, 10),
                        ends_at=berlin(2027, 3, 25, 12),
                        registration_closes_at=berlin(2027, 3, 24, 18))
    make.agenda_item(winter, starts_at=berlin(2027, 3, 25, 10, 30),
                     ends_at=berlin(2027, 3, 25, 11, 15))

    copy = duplicate_event(owner, winter, CopyData("Sommer", datetime(2027, 4, 1, 10)), TODAY)

    assert (local(copy.starts_at), local(copy.ends_at)) == \
        (datetime(2027, 4, 1, 10), datetime(2027, 4, 1, 12))
    assert [(local(i.starts_at), local(i.ends_at)) for i in copy.agenda_items] == \
        [(datetime(2027, 4, 1, 10, 30), datetime(2027, 4, 1, 11, 15))]
    assert local(copy.registration_closes_at) == datetime(2027, 3, 31, 18)
    assert copy.registration_opens_at is None


@pytest.mark.parametrize("title, start, field", [
    ("Kopie", datetime(2027, 1, 4, 8), "starts_local"),  # before the clock
    ("Kopie", datetime(2027, 3, 28, 2, 30), "starts_local"),  # clocks go forward
    ("Kopie", datetime(2100, 12, 31, 23), "starts_local"),  # would end in 2101
    ("  ", datetime(2027, 7, 22, 10), "title"),
    ("x" * 201, datetime(2027, 7, 22, 10), "title"),
])
def test_refusals_name_their_field_and_store_nothing(db_session, owner, original, title,
                                                     start, field):
    events = db_session.scalar(select(func.count()).select_from(Event))
    with pytest.raises(RuleViolation) as refused:
        duplicate_event(owner, original, CopyData(title, start), TODAY)
    assert refused.value.field == field
    assert db_session.scalar(select(func.count()).select_from(Event)) == events


@pytest.mark.parametrize("starts, zone, expected", [
    # a week later is still ahead: a week later
    (datetime(2027, 7, 15, 10), "Europe/Berlin", datetime(2027, 7, 22, 10)),
    (datetime(2026, 12, 28, 10), "Europe/Berlin", datetime(2027, 1, 4, 10)),
    # over: the same weekday and time, at least a week from today (Monday 4 January)
    (datetime(2026, 10, 15, 10), "Europe/Berlin", datetime(2027, 1, 14, 10)),  # Thursday
    (datetime(2026, 12, 28, 8), "Europe/Berlin", datetime(2027, 1, 11, 8)),  # Monday
    (datetime(2026, 12, 27, 18), "Europe/Berlin", datetime(2027, 1, 17, 18)),  # Sunday
    # in the event's own zone: Sunday 20:00 in New York is Monday 02:00 in Berlin
    (datetime(2026, 11, 1, 20), "America/New_York", datetime(2027, 1, 17, 20)),
])
def test_the_proposed_start(make, starts, zone, expected):
    event = make.event(starts_at=timeutil.from_local(starts, zone), timezone=zone)
    assert proposed_start(event, TODAY) == expected


def test_the_proposed_title_fits():
    assert proposed_title("Dialog", "%(title)s (Kopie)") == "Dialog (Kopie)"
    long = proposed_title("x" * 200, "%(title)s (copy)")
    assert len(long) == 200 and long.endswith("x (copy)")


# --- the pages -----------------------------------------------------------------------

@pytest.fixture()
def as_owner(login, db_session, owner):
    db_session.commit()
    return login(owner)


def path(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=False, **values)


@pytest.mark.parametrize("lang, title", [("de", "Werkstatt KI (Kopie)"),
                                         ("en", "Werkstatt KI (copy)")])
def test_the_duplicate_page_proposes_title_and_start(as_owner, original, lang, title):
    event_page = as_owner.get(path("manage.event", event_id=original.id)).get_data(
        as_text=True)
    assert f'href="{path("manage.duplicate_event", event_id=original.id)}"' in event_page

    page = as_owner.get(path("manage.duplicate_event", event_id=original.id, lang=lang))

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'value="{title}"' in html and 'value="2027-07-22T10:00"' in html
    assert "Europe/Berlin" in html


def test_duplicating_through_the_page(as_owner, db_session, original):
    response = as_owner.post(path("manage.duplicate_event", event_id=original.id), data={
        "title": "Werkstatt KI (Kopie)", "starts_local": "2027-09-02T14:00"})

    assert response.status_code == 302
    copy = db_session.scalar(select(Event).where(Event.title == "Werkstatt KI (Kopie)"))
    assert response.headers["Location"] == path("manage.event", event_id=copy.id)
    assert (copy.status, local(copy.starts_at), local(copy.ends_at)) == (
        EventStatus.DRAFT, datetime(2027, 9, 2, 14), datetime(2027, 9, 2, 16))
    assert [local(i.starts_at) for i in copy.agenda_items] == [datetime(2027, 9, 2, 14, 15)]
    assert len(copy.questions) == 2 and len(rules_of(db_session, copy)) == 3


@pytest.mark.parametrize("data, field", [
    ({"title": "Kopie", "starts_local": ""}, "starts_local"),
    ({"title": "Kopie", "starts_local": "2026-12-01T10:00"}, "starts_local"),
    ({"title": "", "starts_local": "2027-07-22T10:00"}, "title"),
])
def test_the_page_refuses_bad_input_at_its_field(as_owner, db_session, original, data,
                                                 field):
    events = db_session.scalar(select(func.count()).select_from(Event))
    response = as_owner.post(path("manage.duplicate_event", event_id=original.id),
                             data=data)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Event)) == events


def test_a_cancelled_copy_never_becomes_public(client, as_owner, db_session, original):
    """The issue's steps: duplicate a published event, cancel the never published copy."""
    as_owner.post(path("manage.duplicate_event", event_id=original.id), data={
        "title": "Werkstatt KI (Kopie)", "starts_local": "2027-07-22T10:00"})
    copy = db_session.scalar(select(Event).where(Event.title == "Werkstatt KI (Kopie)"))
    as_owner.post(path("manage.cancel_event", event_id=copy.id))

    assert "(Kopie)" not in client.get("/").get_data(as_text=True)
    assert client.get(f"/veranstaltungen/{copy.slug}").status_code == 404
    assert copy.uid not in client.get("/kalender/veranstaltungen.ics").get_data(as_text=True)
