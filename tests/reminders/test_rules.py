"""Reminder rules (issue 22, 7): an event cannot have the same reminder twice, and offsets
are shown as people say them ("1 Tag 2 Stunden"), not in minutes."""
from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from eventhub.errors import RuleViolation
from eventhub.reminders import services
from eventhub.reminders.forms import offset_text
from eventhub.reminders.models import ReminderKind as K
from eventhub.reminders.services import RuleData


def _organizer(make, event):
    return make.user(organization=event.organization)


@pytest.fixture()
def page(event) -> str:
    return f"/verwaltung/veranstaltungen/{event.id}/erinnerungen"


def rule_list(event) -> list[tuple]:
    return [(r.kind, r.offset_minutes) for r in services.rules(event)]


# --- no rule twice -------------------------------------------------------------------

def test_the_defaults(event):
    assert rule_list(event) == [(K.BEFORE_START, 1440), (K.BEFORE_START, 60)]


@pytest.mark.parametrize("data", [
    RuleData(K.BEFORE_START, 1440),
    RuleData(K.BEFORE_START, 60, message="Another text does not make it another reminder"),
    RuleData(K.BEFORE_START, 60, active=False),
])
def test_adding_the_same_rule_again_is_refused_at_the_offset(db_session, event, data):
    with pytest.raises(RuleViolation) as refused:
        services.add_rule(event, data)
    assert refused.value.field == "offset_minutes"
    assert rule_list(event) == [(K.BEFORE_START, 1440), (K.BEFORE_START, 60)]


def test_starting_now_exists_once_whatever_offset_is_typed(db_session, event):
    services.add_rule(event, RuleData(K.STARTING_NOW, 0))
    with pytest.raises(RuleViolation):
        services.add_rule(event, RuleData(K.STARTING_NOW, 30))


def test_the_same_offset_of_another_kind_or_event_is_fine(db_session, make, event):
    services.add_rule(event, RuleData(K.AFTER_END, 60))
    other = make.event()
    services.add_rule(other, RuleData(K.BEFORE_START, 60))
    assert (K.AFTER_END, 60) in rule_list(event)


def test_an_inactive_rule_counts_too(db_session, event):
    rule = services.rules(event)[1]
    services.update_rule(rule, RuleData(K.BEFORE_START, 60, active=False))
    with pytest.raises(RuleViolation):
        services.add_rule(event, RuleData(K.BEFORE_START, 60))


def test_editing_a_rule_into_another_is_refused_but_saving_it_unchanged_is_not(db_session,
                                                                              event):
    day, hour = services.rules(event)
    services.update_rule(hour, RuleData(K.BEFORE_START, 60, message="Bis gleich"))
    with pytest.raises(RuleViolation):
        services.update_rule(hour, RuleData(K.BEFORE_START, 1440))
    assert day.offset_minutes == 1440


def test_the_form_shows_the_refusal_at_the_offset_field(make, event, login, db_session,
                                                        page):
    client = login(_organizer(make, event))
    db_session.commit()

    response = client.post(page + "?lang=en", data={"kind": "before_start",
                                                    "offset_minutes": "1440", "active": "y"})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="offset_minutes-error"' in html
    assert "has a reminder of this kind at this time already" in html
    assert rule_list(event) == [(K.BEFORE_START, 1440), (K.BEFORE_START, 60)]


def test_editing_into_a_duplicate_through_the_form(make, event, login, db_session, page):
    client = login(_organizer(make, event))
    hour = services.rules(event)[1]
    db_session.commit()
    response = client.post(f"{page}/{hour.id}", data={"kind": "before_start",
                                                      "offset_minutes": "1440"})
    assert response.status_code == 422
    assert 'id="offset_minutes-error"' in response.get_data(as_text=True)
    db_session.expire_all()
    assert hour.offset_minutes == 60


# --- offsets as people say them ------------------------------------------------------

@pytest.mark.parametrize("minutes, german, english", [
    (1, "1 Minute", "1 minute"),
    (30, "30 Minuten", "30 minutes"),
    (60, "1 Stunde", "1 hour"),
    (90, "1 Stunde 30 Minuten", "1 hour 30 minutes"),
    (120, "2 Stunden", "2 hours"),
    (1440, "1 Tag", "1 day"),
    (1560, "1 Tag 2 Stunden", "1 day 2 hours"),
    (2 * 1440 + 61, "2 Tage 1 Stunde 1 Minute", "2 days 1 hour 1 minute"),
    (60 * 1440, "60 Tage", "60 days"),
    (0, "0 Minuten", "0 minutes"),
])
def test_offset_text(app, minutes, german, english):
    with app.test_request_context():
        with force_locale("de"):
            assert offset_text(minutes) == german
        with force_locale("en"):
            assert offset_text(minutes) == english


def test_the_list_and_the_edit_page_show_days_and_hours(make, event, login, db_session,
                                                        page):
    client = login(_organizer(make, event))
    services.add_rule(event, RuleData(K.AFTER_END, 1560))
    db_session.commit()
    html = client.get(page).get_data(as_text=True)
    headings = re.findall(r'<h2 class="h-small">([^<]*)</h2>', html)
    assert headings == ["Vor dem Beginn (1 Tag)", "Vor dem Beginn (1 Stunde)",
                        "Nachbereitung nach dem Ende (1 Tag 2 Stunden)"]
    day = services.rules(event)[0]
    edit = client.get(f"{page}/{day.id}?lang=en").get_data(as_text=True)
    assert "(1 day)" in edit
