"""Searching people by name in any alphabet (issue 22, 3): SQLite's lower() and LIKE know
ASCII letters only, so "öztürk" found nobody there. The registrations list and the check-in
list fold both sides (``db.contains_folded``), the same on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from eventhub.attendance import queries as attendance_queries
from eventhub.attendance import services as attendance
from eventhub.db import casefold, folded
from eventhub.extensions import db
from eventhub.organizations.models import NOT_STATED
from eventhub.registration import queries
from eventhub.registration.models import Registration
from tests.events.test_manage_views import text_of
from tests.registration.test_manage_registrations import (
    add_registration,
    list_url,
    listed_ids,
    path,
)


@pytest.fixture()
def event(make, clock, db_session):
    clock.set(make.event().created_at)
    return make.event(starts_at=clock() + timedelta(days=14))


@pytest.fixture()
def people(db_session, event) -> dict[str, Registration]:
    made = {
        "oeztuerk": add_registration(db_session, event, first_name="Aylin", last_name="Öztürk",
                                     email="aylin@example.org"),
        "strasse": add_registration(db_session, event, first_name="Jürgen",
                                    last_name="Großmann", email="jg@example.org",
                                    organization_name="STRAẞENBAU OST"),
        "greek": add_registration(db_session, event, first_name="Ελένη",
                                  last_name="ΠΑΠΑΔΟΠΟΥΛΟΥ", email="eleni@example.org"),
        "ascii": add_registration(db_session, event, first_name="Otto", last_name="Turk",
                                  email="otto@example.org"),
    }
    db_session.commit()
    return made


def found(event, text: str) -> list[int]:
    return [r.id for r in db.session.scalars(
        queries.matching(event, queries.RegistrationFilter(search=text)))]


@pytest.mark.parametrize("text, expected", [
    ("Öztürk", ["oeztuerk"]),
    ("öztürk", ["oeztuerk"]),
    ("ÖZTÜRK", ["oeztuerk"]),
    ("ürk", ["oeztuerk"]),
    ("O\u0308ztu\u0308rk", ["oeztuerk"]),  # decomposed umlauts, as some keyboards send them
    ("turk", ["ascii"]),  # ü is no u
    ("großmann", ["strasse"]),
    ("GROSSMANN", ["strasse"]),  # ß is ss, as in German capitals
    ("straßenbau", ["strasse"]),  # capital ẞ in the organization
    ("jürgen GROẞ", ["strasse"]),
    ("ελένη", ["greek"]),
    ("παπαδοπουλου", ["greek"]),
])
def test_the_registrations_list_finds_names_whatever_their_case(event, people, text,
                                                                expected):
    assert found(event, text) == sorted((people[key].id for key in expected), reverse=True)


def test_the_organizer_finds_oeztuerk_on_the_page(as_owner_of, event, people):
    client = as_owner_of(event)
    for text in ("Öztürk", "öztürk", "ürk"):
        page = client.get(list_url(event, q=text)).get_data(as_text=True)
        assert listed_ids(page) == [people["oeztuerk"].id], text


def test_a_walk_in_is_found_in_the_check_in_list_by_the_name_given(event, people, make,
                                                                    clock, db_session):
    """What the check-in page redirects to after adding a walk-in: ``?q=<last name>``."""
    walk_in = attendance.add_walk_in(event, attendance.WalkIn("Ödön", "Ärger"), clock())
    db_session.commit()
    for text in ("Ärger", "ärger", "ÄRGER", "ödön ärger"):
        listed = attendance_queries.page(event, text, 1).items
        assert [r.id for r in listed] == [walk_in.id], text
    assert found(event, "Ärger") == [walk_in.id]


def test_the_sql_fold_agrees_with_the_python_one(app, db_session):
    """The column side (SQL) and the search side (Python) fold alike, on either database."""
    names = ["Öztürk", "ÄRGER", "STRAẞE", "Straße", "ΕΛΈΝΗ", "Ödön"]
    in_sql = db_session.execute(select(*(folded(name) for name in names))).one()
    assert list(in_sql) == [casefold(name) for name in names]
    assert casefold("STRAẞE") == "strasse"


@pytest.fixture()
def as_owner_of(make, db_session, login):
    def _as_owner(event):
        user = make.user(organization=event.organization)
        db_session.commit()
        return login(user)
    return _as_owner


def test_the_check_in_page_shows_the_walk_in_it_has_just_added(as_owner_of, event, people):
    """The check-in page redirects to ``?q=<last name>`` after adding a walk-in."""
    client = as_owner_of(event)
    response = client.post(path("manage.add_walk_in", event_id=event.id, lang="en"),
                           data={"first_name": "Ödön", "last_name": "Ärger",
                                 "region_code": NOT_STATED})
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query)["q"] == ["Ärger"]
    page = text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Ödön Ärger" in page and "Aylin" not in page
