"""Organizer pages through the client: who may do what, CSRF, form validation, and the
create -> publish -> cancel -> duplicate flows with their effect on the database.

Fixtures commit what they create: a view that refuses input rolls the session back, and
uncommitted test data would vanish with it.
"""
from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import url_for
from sqlalchemy import func, select

from eventhub import timeutil
from eventhub.auth.models import Role, User
from eventhub.events.models import AgendaItem, Event, EventStatus, Speaker
from tests.conftest import csrf_token_from
from tests.factories import PASSWORD, berlin

SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture(autouse=True)
def _early_in_2027(clock):
    """The events of these tests lie in 2027 (one crosses the change to summer time on
    28 March 2027): the app's clock is set to the first working day of that year."""
    clock.set(berlin(2027, 1, 4, 9))


# --- helpers -------------------------------------------------------------------------

def path(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=False, **values)


def route_path(app, endpoint: str, ids: dict[str, int]) -> str:
    rule = next(app.url_map.iter_rules(endpoint))
    return path(endpoint, **{name: ids[name] for name in rule.arguments})


def event_form(org_id: int, **overrides) -> dict[str, str]:
    data = {"organization_id": str(org_id), "title": "Zukunft der Arbeit",
            "slug": "", "format": "webinar", "summary": "", "description": "",
            "starts_local": "2027-07-15T10:00", "ends_local": "2027-07-15T12:00",
            "timezone": "Europe/Berlin", "online_join_url": "", "venue": "", "capacity": "",
            "registration_opens_local": "", "registration_closes_local": ""}
    return {**data, **overrides}


def agenda_form(**overrides) -> dict[str, str]:
    data = {"title": "Diskussion", "description": "",
            "starts_local": "2027-07-15T11:00", "ends_local": "2027-07-15T11:30"}
    return {**data, **overrides}


def speaker_form(**overrides) -> dict[str, str]:
    data = {"name": "Max Beispiel", "role": "", "organization_name": "",
            "region_code": "DE-BE", "bio": ""}
    return {**data, **overrides}


def has_field_error(page: str, field_id: str) -> bool:
    return f'id="{field_id}-error"' in page


def count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def reload(db_session, model, id_):
    db_session.expire_all()
    return db_session.get(model, id_)


def snapshot(db_session, event_id: int) -> tuple:
    """Everything a management action could change about an event."""
    event = reload(db_session, Event, event_id)
    if event is None:  # deleted
        return None
    items = [(i.id, i.title, i.position, i.starts_at, i.ends_at, [s.id for s in i.speakers])
             for i in event.agenda_items]
    speakers = [(s.id, s.name, s.region_code, s.position) for s in event.speakers]
    return (event.status, event.title, event.slug, event.organization_id, event.starts_at,
            event.ends_at, items, speakers, count(db_session, Event))


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and \
        urlsplit(response.headers["Location"]).path == "/login"


def text_of(page: str) -> str:
    """What a reader sees: a line-break opportunity (<wbr>) is no space; other tags are."""
    page = page.replace("<wbr>", "")
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", page)))


# --- fixtures ------------------------------------------------------------------------

@pytest.fixture()
def centre_a(make):
    return make.organization(slug="zentrum-a", name="Zentrum A", region_code="DE-BB")


@pytest.fixture()
def centre_b(make):
    return make.organization(slug="zentrum-b", name="Zentrum B", region_code="DE-SN")


@pytest.fixture()
def organizer_a(make, db_session, centre_a):
    user = make.user(organization=centre_a, name="Anna A")
    db_session.commit()
    return user


def build_event(make, db_session, organization, title: str) -> Event:
    """A draft on 15 July 2027, 10-12 Berlin time: two agenda items, one speaker."""
    event = make.event(organization=organization, title=title, status=EventStatus.DRAFT,
                       starts_at=berlin(2027, 7, 15, 10))
    speaker = make.speaker(event, name=f"Referentin von {title}")
    make.agenda_item(event, title="Begrüßung", starts_at=berlin(2027, 7, 15, 10),
                     ends_at=berlin(2027, 7, 15, 10, 30), speakers=[speaker])
    make.agenda_item(event, title="Vortrag", starts_at=berlin(2027, 7, 15, 10, 30),
                     ends_at=berlin(2027, 7, 15, 11, 15))
    db_session.commit()
    return event


@pytest.fixture()
def event_a(make, db_session, centre_a):
    return build_event(make, db_session, centre_a, "Veranstaltung von A")


@pytest.fixture()
def event_b(make, db_session, centre_b):
    return build_event(make, db_session, centre_b, "Veranstaltung von B")


@pytest.fixture()
def as_a(login, organizer_a):
    return login(organizer_a)


def ids_of(event: Event) -> dict[str, int]:
    return {"event_id": event.id, "item_id": event.agenda_items[0].id,
            "speaker_id": event.speakers[0].id}


# Every management route that concerns one event, with the data a POST sends.
EVENT_ROUTES = [
    ("manage.event", "GET", None),
    ("manage.event_history", "GET", None),
    ("manage.edit_event", "GET", None),
    ("manage.edit_event", "POST", "event"),
    ("manage.publish_event", "POST", None),
    ("manage.cancel_event", "GET", None),
    ("manage.cancel_event", "POST", None),
    ("manage.duplicate_event", "GET", None),
    ("manage.duplicate_event", "POST", "duplicate"),
    ("manage.delete_event", "GET", None),
    ("manage.delete_event", "POST", None),
    ("manage.agenda_page", "GET", None),
    ("manage.agenda_page", "POST", "agenda"),
    ("manage.edit_agenda_item", "GET", None),
    ("manage.edit_agenda_item", "POST", "agenda"),
    ("manage.delete_agenda_item", "POST", None),
    ("manage.move_agenda_item", "POST", "move"),
    ("manage.speakers_page", "GET", None),
    ("manage.speakers_page", "POST", "speaker"),
    ("manage.edit_speaker", "GET", None),
    ("manage.edit_speaker", "POST", "speaker"),
    ("manage.delete_speaker", "POST", None),
]
OTHER_ROUTES = [
    ("manage.dashboard", "GET", None),
    ("manage.create_event", "GET", None),
    ("manage.create_event", "POST", "event"),
]
POST_ROUTES = [r for r in EVENT_ROUTES if r[1] == "POST"]
GET_ROUTES = [r for r in EVENT_ROUTES if r[1] == "GET"]


def route_id(route) -> str:
    return f"{route[0].removeprefix('manage.')}-{route[1]}"


def payload(kind: str | None, event: Event) -> dict[str, str]:
    """Valid data, so that a missing permission check would show as a change."""
    if kind == "event":
        return event_form(event.organization_id, title="Übernommen")
    if kind == "agenda":
        return agenda_form(title="Eingeschleust", starts_local="2027-07-15T11:15",
                           ends_local="2027-07-15T11:45")
    if kind == "speaker":
        return speaker_form(name="Eingeschleust")
    if kind == "move":
        return {"direction": "down"}
    if kind == "duplicate":
        return {"title": "Kopiert", "starts_local": "2027-07-22T10:00"}
    return {}


def call(app, client, route, event: Event):
    endpoint, method, kind = route
    url = route_path(app, endpoint, ids_of(event))
    if method == "GET":
        return client.get(url)
    return client.post(url, data=payload(kind, event))


# --- authorization -------------------------------------------------------------------

def test_the_route_lists_cover_every_management_route(app):
    registered = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
                  if rule.endpoint.startswith("manage.")
                  and app.view_functions[rule.endpoint].__module__.startswith("eventhub.events")
                  for method in rule.methods - {"HEAD", "OPTIONS"}}
    listed = {(endpoint, method) for endpoint, method, _ in EVENT_ROUTES + OTHER_ROUTES}
    assert registered == listed


@pytest.mark.parametrize("route", EVENT_ROUTES, ids=route_id)
def test_organizer_cannot_reach_another_centres_event(app, db_session, as_a, event_b, route):
    before = snapshot(db_session, event_b.id)
    response = call(app, as_a, route, event_b)
    assert response.status_code in (403, 404)
    assert "Veranstaltung von B" not in response.get_data(as_text=True)
    assert snapshot(db_session, event_b.id) == before


@pytest.mark.parametrize("route", EVENT_ROUTES + OTHER_ROUTES, ids=route_id)
def test_anonymous_visitors_are_sent_to_the_login(app, client, db_session, event_b, route):
    before = snapshot(db_session, event_b.id)
    response = call(app, client, route, event_b)
    assert is_login_redirect(response)
    assert snapshot(db_session, event_b.id) == before


@pytest.fixture(params=["owner", Role.COORDINATOR, Role.ADMIN])
def manager_of_b(request, make, db_session, centre_b, login):
    if request.param == "owner":
        user = make.user(organization=centre_b)
    else:
        user = make.user(role=request.param)
    db_session.commit()
    return login(user)


@pytest.mark.parametrize("route", GET_ROUTES, ids=route_id)
def test_owner_coordinator_and_admin_can_open_the_event(app, manager_of_b, event_b, route):
    response = call(app, manager_of_b, route, event_b)
    assert response.status_code == 200
    assert "Veranstaltung von B" in response.get_data(as_text=True)


@pytest.mark.parametrize("route", POST_ROUTES, ids=route_id)
def test_the_same_requests_by_the_owner_change_the_event(app, db_session, login, make,
                                                         centre_b, event_b, route):
    """Counterpart of the refusals above: the data sent there would have had an effect."""
    owner = make.user(organization=centre_b)
    db_session.commit()
    before = snapshot(db_session, event_b.id)
    response = call(app, login(owner), route, event_b)
    assert response.status_code == 302
    assert snapshot(db_session, event_b.id) != before


def test_dashboard_lists_only_the_organizers_own_events(as_a, event_a, event_b):
    page = as_a.get("/verwaltung/").get_data(as_text=True)
    assert f'href="/verwaltung/veranstaltungen/{event_a.id}"' in page
    assert f'href="/verwaltung/veranstaltungen/{event_b.id}"' not in page
    assert "Veranstaltung von B" not in page


def test_coordinator_dashboard_lists_every_centre(login, make, db_session, event_a, event_b):
    coordinator = make.user(role=Role.COORDINATOR)
    db_session.commit()
    page = login(coordinator).get("/verwaltung/").get_data(as_text=True)
    assert "Veranstaltung von A" in page and "Veranstaltung von B" in page


def test_organizer_cannot_create_an_event_for_another_centre(as_a, db_session, centre_b):
    events_before = count(db_session, Event)
    response = as_a.post("/verwaltung/veranstaltungen/neu",
                         data=event_form(centre_b.id, title="Untergeschoben"))
    assert response.status_code in (403, 422)
    assert count(db_session, Event) == events_before
    assert db_session.scalar(select(Event).where(Event.title == "Untergeschoben")) is None


def test_organizer_cannot_move_an_event_to_another_centre(as_a, db_session, event_a,
                                                         centre_a, centre_b):
    before = snapshot(db_session, event_a.id)
    response = as_a.post(path("manage.edit_event", event_id=event_a.id),
                         data=event_form(centre_b.id, title="Umgezogen"))
    assert response.status_code in (403, 422)
    assert snapshot(db_session, event_a.id) == before


# --- CSRF and logout -----------------------------------------------------------------

@pytest.fixture()
def csrf_on(app, monkeypatch, as_a):
    """Turned on after logging in (the login fixture posts without a token)."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


CSRF_CASES = {
    # name: (page with the form, POST endpoint, data, effect on the database)
    "publish": ("manage.event", "manage.publish_event", lambda e: {},
                lambda db, e: reload(db, Event, e.id).status is EventStatus.PUBLISHED),
    "create event": ("manage.create_event", "manage.create_event",
                     lambda e: event_form(e.organization_id, title="Mit Token"),
                     lambda db, e: db.scalar(select(Event).where(Event.title == "Mit Token"))
                     is not None),
    "add agenda item": ("manage.agenda_page", "manage.agenda_page",
                        lambda e: agenda_form(title="Mit Token",
                                              starts_local="2027-07-15T11:15",
                                              ends_local="2027-07-15T11:45"),
                        lambda db, e: len(reload(db, Event, e.id).agenda_items) == 3),
    "delete draft": ("manage.delete_event", "manage.delete_event", lambda e: {},
                     lambda db, e: reload(db, Event, e.id) is None),
}


def event_path(endpoint: str, event: Event) -> str:
    """The endpoint's URL, for ``event`` unless the endpoint takes no event."""
    if endpoint in ("manage.create_event", "manage.dashboard"):
        return path(endpoint)
    return path(endpoint, event_id=event.id)


def _csrf_urls(case: str, event: Event) -> tuple[str, str]:
    page_endpoint, post_endpoint, _, _ = CSRF_CASES[case]
    return event_path(page_endpoint, event), event_path(post_endpoint, event)


@pytest.mark.parametrize("case", CSRF_CASES)
def test_post_without_csrf_token_is_refused(as_a, db_session, event_a, csrf_on, case):
    _, post_url = _csrf_urls(case, event_a)
    before = snapshot(db_session, event_a.id)
    response = as_a.post(post_url, data=CSRF_CASES[case][2](event_a))
    assert response.status_code == 400
    assert snapshot(db_session, event_a.id) == before
    assert not CSRF_CASES[case][3](db_session, event_a)


@pytest.mark.parametrize("case", CSRF_CASES)
def test_post_with_the_pages_csrf_token_works(as_a, db_session, event_a, csrf_on, case):
    page_url, post_url = _csrf_urls(case, event_a)
    token = csrf_token_from(as_a.get(page_url).get_data(as_text=True))
    response = as_a.post(post_url, data={**CSRF_CASES[case][2](event_a), "csrf_token": token})
    assert response.status_code == 302
    assert CSRF_CASES[case][3](db_session, event_a)


def test_post_with_a_forged_csrf_token_is_refused(as_a, db_session, event_a, csrf_on):
    response = as_a.post(path("manage.publish_event", event_id=event_a.id),
                         data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert reload(db_session, Event, event_a.id).status is EventStatus.DRAFT


def test_logout_is_post_only(as_a):
    assert as_a.get("/logout").status_code == 405
    assert as_a.get("/verwaltung/").status_code == 200
    response = as_a.post("/logout")
    assert response.status_code == 302
    assert is_login_redirect(as_a.get("/verwaltung/"))


def test_logout_needs_the_csrf_token(as_a, csrf_on):
    assert as_a.post("/logout").status_code == 400
    assert as_a.get("/verwaltung/").status_code == 200
    token = csrf_token_from(as_a.get("/verwaltung/").get_data(as_text=True))
    assert as_a.post("/logout", data={"csrf_token": token}).status_code == 302
    assert is_login_redirect(as_a.get("/verwaltung/"))


# --- agenda ----------------------------------------------------------------------------

def agenda_url(event: Event) -> str:
    return path("manage.agenda_page", event_id=event.id, lang="en")


def item_url(event: Event, item: AgendaItem, action: str = "") -> str:
    endpoint = {"": "manage.edit_agenda_item", "delete": "manage.delete_agenda_item",
                "move": "manage.move_agenda_item"}[action]
    return path(endpoint, event_id=event.id, item_id=item.id, lang="en")


# event_a runs 10:00-12:00; "Begrüßung" 10:00-10:30 and "Vortrag" 10:30-11:15 exist.
AGENDA_CONFLICTS = [
    ("09:30", "10:00", "starts_local", "must start within the event"),
    ("12:00", "12:30", "starts_local", "must start within the event"),
    ("11:30", "12:30", "ends_local", "must end by the end of the event"),
    ("10:15", "10:45", "starts_local", "Overlaps with"),
    ("11:00", "11:30", "starts_local", "Overlaps with “Vortrag”"),
    ("11:45", "11:30", "ends_local", "The end must be after the start."),
]


@pytest.mark.parametrize("start, end, field, message", AGENDA_CONFLICTS)
def test_agenda_item_outside_the_event_or_overlapping_is_refused(as_a, db_session, event_a,
                                                                 start, end, field, message):
    before = snapshot(db_session, event_a.id)
    response = as_a.post(agenda_url(event_a), data=agenda_form(
        starts_local=f"2027-07-15T{start}", ends_local=f"2027-07-15T{end}"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert has_field_error(page, field) and message in page
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*'
                     rf'id="{field}"', page)
    assert snapshot(db_session, event_a.id) == before


def test_valid_agenda_item_is_stored_in_utc(as_a, db_session, event_a):
    response = as_a.post(agenda_url(event_a), data=agenda_form(
        title="Fragerunde", starts_local="2027-07-15T11:15", ends_local="2027-07-15T12:00"))
    assert response.status_code == 302
    event = reload(db_session, Event, event_a.id)
    assert [i.title for i in event.agenda_items] == ["Begrüßung", "Vortrag", "Fragerunde"]
    new = event.agenda_items[2]
    assert (new.starts_at, new.ends_at) == (berlin(2027, 7, 15, 11, 15), berlin(2027, 7, 15, 12))
    assert new.starts_at.hour == 9


def test_agenda_item_can_name_the_events_speakers(as_a, db_session, event_a):
    speaker_id = event_a.speakers[0].id
    response = as_a.post(agenda_url(event_a), data={**agenda_form(
        starts_local="2027-07-15T11:15", ends_local="2027-07-15T11:45"),
        "speaker_ids": str(speaker_id)})
    assert response.status_code == 302
    item = reload(db_session, Event, event_a.id).agenda_items[2]
    assert [s.id for s in item.speakers] == [speaker_id]


def test_editing_an_agenda_item_keeps_the_validation(as_a, db_session, event_a):
    second = event_a.agenda_items[1]
    before = snapshot(db_session, event_a.id)
    response = as_a.post(item_url(event_a, second), data=agenda_form(
        title="Vortrag", starts_local="2027-07-15T10:15", ends_local="2027-07-15T11:00"))
    assert response.status_code == 422
    assert has_field_error(response.get_data(as_text=True), "starts_local")
    assert snapshot(db_session, event_a.id) == before


def test_editing_an_agenda_item_stores_the_change(as_a, db_session, event_a):
    second = event_a.agenda_items[1]
    form_page = as_a.get(item_url(event_a, second)).get_data(as_text=True)
    assert 'value="2027-07-15T10:30"' in form_page  # shown in local time
    response = as_a.post(item_url(event_a, second), data=agenda_form(
        title="Vortrag (länger)", starts_local="2027-07-15T10:45",
        ends_local="2027-07-15T11:45"))
    assert response.status_code == 302
    item = reload(db_session, AgendaItem, second.id)
    assert item.title == "Vortrag (länger)"
    assert (item.starts_at, item.ends_at) == (berlin(2027, 7, 15, 10, 45),
                                              berlin(2027, 7, 15, 11, 45))


@pytest.mark.parametrize("moved, direction", [(1, "up"), (0, "down")])
def test_moving_an_item_exchanges_order_and_time_slots(as_a, db_session, event_a, moved,
                                                       direction):
    greeting, talk = event_a.agenda_items
    target = (greeting, talk)[moved]
    response = as_a.post(item_url(event_a, target, "move"), data={"direction": direction})
    assert response.status_code == 302
    greeting, talk = reload(db_session, AgendaItem, greeting.id), \
        db_session.get(AgendaItem, talk.id)
    # The 45-minute talk now opens the event; the 30-minute greeting follows it.
    assert (talk.position, talk.starts_at, talk.ends_at) == (
        0, berlin(2027, 7, 15, 10), berlin(2027, 7, 15, 10, 45))
    assert (greeting.position, greeting.starts_at, greeting.ends_at) == (
        1, berlin(2027, 7, 15, 10, 45), berlin(2027, 7, 15, 11, 15))


@pytest.mark.parametrize("moved, direction", [(0, "up"), (1, "down")])
def test_moving_past_either_end_changes_nothing(as_a, db_session, event_a, moved, direction):
    before = snapshot(db_session, event_a.id)
    target = event_a.agenda_items[moved]
    assert as_a.post(item_url(event_a, target, "move"),
                     data={"direction": direction}).status_code == 302
    assert snapshot(db_session, event_a.id) == before


def test_deleting_an_agenda_item(as_a, db_session, event_a):
    greeting, talk = event_a.agenda_items
    response = as_a.post(item_url(event_a, greeting, "delete"))
    assert response.status_code == 302
    assert reload(db_session, AgendaItem, greeting.id) is None
    assert [(i.title, i.position) for i in db_session.get(Event, event_a.id).agenda_items] \
        == [("Vortrag", 0)]
    assert db_session.get(Speaker, event_a.speakers[0].id) is not None


def test_item_of_another_event_is_not_found_via_own_event(as_a, db_session, event_a, event_b):
    """An own event's URL must not reach another centre's item or speaker."""
    before = snapshot(db_session, event_b.id)
    foreign_item, foreign_speaker = event_b.agenda_items[0], event_b.speakers[0]
    urls = [path("manage.edit_agenda_item", event_id=event_a.id, item_id=foreign_item.id),
            path("manage.delete_agenda_item", event_id=event_a.id, item_id=foreign_item.id),
            path("manage.edit_speaker", event_id=event_a.id, speaker_id=foreign_speaker.id),
            path("manage.delete_speaker", event_id=event_a.id,
                 speaker_id=foreign_speaker.id)]
    for url in urls:
        assert as_a.get(url).status_code in (404, 405)
        assert as_a.post(url, data=agenda_form() | speaker_form()).status_code == 404
    assert snapshot(db_session, event_b.id) == before


# --- bad input on every form ---------------------------------------------------------

LONG = "x" * 10_000

EVENT_BAD_INPUT = [
    ("missing title", {"title": ""}, "title"),
    ("blank title", {"title": "   "}, "title"),
    ("10,000-character title", {"title": LONG}, "title"),
    ("missing start", {"starts_local": ""}, "starts_local"),
    ("unreadable start", {"starts_local": "morgen früh"}, "starts_local"),
    ("missing end", {"ends_local": ""}, "ends_local"),
    ("end before start", {"ends_local": "2027-07-15T09:00"}, "ends_local"),
    ("end equals start", {"ends_local": "2027-07-15T10:00"}, "ends_local"),
    ("unknown format", {"format": "nonsense"}, "format"),
    ("missing format", {"format": ""}, "format"),
    ("unknown time zone", {"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ("non-numeric capacity", {"capacity": "viele"}, "capacity"),
    ("zero capacity", {"capacity": "0"}, "capacity"),
    ("negative capacity", {"capacity": "-5"}, "capacity"),
    ("nonexistent local time", {"starts_local": "2027-03-28T02:30",
                                "ends_local": "2027-03-28T04:00"}, "starts_local"),
    ("ambiguous local time", {"starts_local": "2027-10-31T02:30",
                              "ends_local": "2027-10-31T04:00"}, "starts_local"),
    ("script as join link", {"online_join_url": "javascript:alert(1)"}, "online_join_url"),
    ("hybrid without venue", {"format": "hybrid", "venue": ""}, "venue"),
    ("invalid slug", {"slug": "Nicht <gültig>"}, "slug"),
    ("unreadable registration start", {"registration_opens_local": "bald"},
     "registration_opens_local"),
    ("registration closes after the end", {"registration_closes_local": "2027-07-16T10:00"},
     "registration_closes_local"),
    ("non-numeric organization", {"organization_id": "abc"}, "organization_id"),
]


def _param(cases):
    return [pytest.param(*case[1:], id=case[0]) for case in cases]


@pytest.mark.parametrize("overrides, field", _param(EVENT_BAD_INPUT))
def test_event_creation_refuses_bad_input(as_a, db_session, centre_a, overrides, field):
    events_before = count(db_session, Event)
    response = as_a.post("/verwaltung/veranstaltungen/neu",
                         data=event_form(centre_a.id, **overrides))
    assert response.status_code == 422
    assert has_field_error(response.get_data(as_text=True), field)
    assert count(db_session, Event) == events_before


@pytest.mark.parametrize("overrides, field", _param(EVENT_BAD_INPUT))
def test_event_editing_refuses_bad_input(as_a, db_session, event_a, overrides, field):
    before = snapshot(db_session, event_a.id)
    response = as_a.post(path("manage.edit_event", event_id=event_a.id),
                         data=event_form(event_a.organization_id, **overrides))
    assert response.status_code == 422
    assert has_field_error(response.get_data(as_text=True), field)
    assert snapshot(db_session, event_a.id) == before


@pytest.fixture()
def dst_event(make, db_session, centre_a):
    """28 March 2027, 00:00-06:00 in Berlin: clocks jump from 02:00 to 03:00."""
    event = make.event(organization=centre_a, status=EventStatus.DRAFT,
                       starts_at=berlin(2027, 3, 28, 0), ends_at=berlin(2027, 3, 28, 6))
    make.agenda_item(event, title="Nachtcafé", starts_at=berlin(2027, 3, 28, 0),
                     ends_at=berlin(2027, 3, 28, 1))
    db_session.commit()
    return event


def dst_agenda_form(**overrides):
    return agenda_form(starts_local="2027-03-28T03:00", ends_local="2027-03-28T04:00",
                       **overrides)


AGENDA_BAD_INPUT = [
    ("missing title", {"title": ""}, "title"),
    ("10,000-character title", {"title": LONG}, "title"),
    ("10,000-character description", {"description": LONG}, "description"),
    ("missing start", {"starts_local": ""}, "starts_local"),
    ("unreadable end", {"ends_local": "gleich"}, "ends_local"),
    ("end before start", {"ends_local": "2027-03-28T01:30"}, "ends_local"),
    ("nonexistent local time", {"starts_local": "2027-03-28T02:30"}, "starts_local"),
    ("unknown speaker", {"speaker_ids": "999999"}, "speaker_ids"),
    ("non-numeric speaker", {"speaker_ids": "abc"}, "speaker_ids"),
]


@pytest.mark.parametrize("overrides, field", _param(AGENDA_BAD_INPUT))
def test_adding_an_agenda_item_refuses_bad_input(as_a, db_session, dst_event, overrides,
                                                 field):
    before = snapshot(db_session, dst_event.id)
    response = as_a.post(path("manage.agenda_page", event_id=dst_event.id),
                         data=dst_agenda_form() | overrides)
    assert response.status_code == 422
    assert has_field_error(response.get_data(as_text=True), field)
    assert snapshot(db_session, dst_event.id) == before


@pytest.mark.parametrize("overrides, field", _param(AGENDA_BAD_INPUT))
def test_editing_an_agenda_item_refuses_bad_input(as_a, db_session, dst_event, overrides,
                                                  field):
    before = snapshot(db_session, dst_event.id)
    url = path("manage.edit_agenda_item", event_id=dst_event.id,
               item_id=dst_event.agenda_items[0].id)
    response = as_a.post(url, data=dst_agenda_form() | overrides)
    assert response.status_code == 422
    assert has_field_error(response.get_data(as_text=True), field)
    assert snapshot(db_session, dst_event.id) == before


def test_agenda_item_in_the_dst_night_is_stored_correctly(as_a, db_session, dst_event):
    response = as_a.post(path("manage.agenda_page", event_id=dst_event.id),
                         data=agenda_form(starts_local="2027-03-28T01:30",
                                          ends_local="2027-03-28T03:30"))
    assert response.status_code == 302
    item = reload(db_session, Event, dst_event.id).agenda_items[1]
    assert item.ends_at - item.starts_at == timedelta(hours=1)  # 01:30 CET -> 03:30 CEST


SPEAKER_BAD_INPUT = [
    ("missing name", {"name": ""}, "name"),
    ("10,000-character name", {"name": LONG}, "name"),
    ("10,000-character role", {"role": LONG}, "role"),
    ("unknown region", {"region_code": "XX"}, "region_code"),
    ("missing region", {"region_code": ""}, "region_code"),
    ("too long bio", {"bio": LONG}, "bio"),
]


@pytest.mark.parametrize("overrides, field", _param(SPEAKER_BAD_INPUT))
@pytest.mark.parametrize("action", ["add", "edit"])
def test_speaker_forms_refuse_bad_input(as_a, db_session, event_a, action, overrides, field):
    before = snapshot(db_session, event_a.id)
    url = path("manage.speakers_page", event_id=event_a.id) if action == "add" else \
        path("manage.edit_speaker", event_id=event_a.id, speaker_id=event_a.speakers[0].id)
    response = as_a.post(url, data=speaker_form(**overrides))
    assert response.status_code == 422
    assert has_field_error(response.get_data(as_text=True), field)
    assert snapshot(db_session, event_a.id) == before


def test_speaker_is_added_and_edited(as_a, db_session, event_a):
    url = path("manage.speakers_page", event_id=event_a.id)
    assert as_a.post(url, data=speaker_form(name="Neu", region_code="ABROAD")).status_code \
        == 302
    speaker = reload(db_session, Event, event_a.id).speakers[-1]
    assert (speaker.name, speaker.region_code) == ("Neu", "ABROAD")
    edit = path("manage.edit_speaker", event_id=event_a.id, speaker_id=speaker.id)
    assert as_a.post(edit, data=speaker_form(name="Geändert")).status_code == 302
    assert reload(db_session, Speaker, speaker.id).name == "Geändert"


def test_deleting_a_speaker_removes_them_from_the_agenda(as_a, db_session, event_a):
    speaker = event_a.speakers[0]
    url = path("manage.delete_speaker", event_id=event_a.id, speaker_id=speaker.id)
    assert as_a.post(url).status_code == 302
    event = reload(db_session, Event, event_a.id)
    assert event.speakers == []
    assert [len(i.speakers) for i in event.agenda_items] == [0, 0]


LOGIN_BAD_INPUT = [
    ("missing e-mail", {"email": ""}, "email"),
    ("not an e-mail", {"email": "kein-at-zeichen"}, "email"),
    ("overlong e-mail", {"email": LONG + "@example.org"}, "email"),
    ("missing password", {"password": ""}, "password"),
    ("10,000-character password", {"password": LONG}, "password"),
]


@pytest.mark.parametrize("overrides, field", _param(LOGIN_BAD_INPUT))
def test_login_refuses_bad_input(client, organizer_a, overrides, field):
    data = {"email": organizer_a.email, "password": PASSWORD, **overrides}
    response = client.post("/login", data=data)
    assert response.status_code == 422
    assert has_field_error(response.get_data(as_text=True), field)
    assert is_login_redirect(client.get("/verwaltung/"))


@pytest.mark.parametrize("email, password", [
    ("{email}", "wrong-password-1"), ("unknown@example.org", PASSWORD)])
def test_login_with_wrong_credentials_says_so(client, organizer_a, email, password):
    response = client.post("/login?lang=en", data={
        "email": email.format(email=organizer_a.email), "password": password})
    assert response.status_code == 422
    assert "E-mail address or password is not correct." in response.get_data(as_text=True)
    assert is_login_redirect(client.get("/verwaltung/"))


@pytest.mark.parametrize("next_url, expected", [
    ("/verwaltung/veranstaltungen/neu", "/verwaltung/veranstaltungen/neu"),
    ("https://evil.example/", "/verwaltung/"),
    ("//evil.example/", "/verwaltung/"),
])
def test_login_follows_only_local_next_targets(client, organizer_a, next_url, expected):
    response = client.post("/login", data={"email": organizer_a.email, "password": PASSWORD,
                                           "next": next_url})
    assert response.status_code == 302
    assert response.headers["Location"] == expected


NEW_PASSWORD = "ein-neues-passwort-2027"
PASSWORD_BAD_INPUT = [
    ("missing current password", {"current_password": ""}, "current_password"),
    ("wrong current password", {"current_password": "falsch-falsch-1"}, "current_password"),
    ("missing new password", {"new_password": "", "confirm": ""}, "new_password"),
    ("too short", {"new_password": "kurz", "confirm": "kurz"}, "new_password"),
    ("10,000 characters", {"new_password": LONG, "confirm": LONG}, "new_password"),
    ("confirmation differs", {"confirm": "etwas-ganz-anderes"}, "confirm"),
    ("e-mail as password", {"new_password": "{email}", "confirm": "{email}"},
     "new_password"),
]


@pytest.mark.parametrize("overrides, field", _param(PASSWORD_BAD_INPUT))
def test_password_change_refuses_bad_input(as_a, db_session, organizer_a, overrides, field):
    before = organizer_a.password_hash  # sessions: tests/auth/test_sessions.py
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD, **overrides}
    data = {k: v.format(email=organizer_a.email) for k, v in data.items()}
    response = as_a.post("/account/password", data=data)
    assert response.status_code == 422
    assert has_field_error(response.get_data(as_text=True), field)
    user = reload(db_session, User, organizer_a.id)
    assert user.password_hash == before


def test_password_change_works_and_keeps_this_session(as_a, db_session, organizer_a):
    old_hash = organizer_a.password_hash
    response = as_a.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    user = reload(db_session, User, organizer_a.id)
    assert user.password_hash != old_hash and user.check_password(NEW_PASSWORD)
    assert as_a.get("/verwaltung/").status_code == 200


# --- markup is text --------------------------------------------------------------------

MARKUP_CASES = {
    "event": ("manage.create_event", lambda e: event_form(
        e.organization_id, title=f"Titel {SCRIPT}", summary=f"Kurz {SCRIPT}",
        description=f"Lang {SCRIPT}"), "manage.dashboard"),
    "agenda item": ("manage.agenda_page", lambda e: agenda_form(
        title=f"Punkt {SCRIPT}", description=f"Text {SCRIPT}",
        starts_local="2027-07-15T11:15", ends_local="2027-07-15T11:45"),
        "manage.agenda_page"),
    "speaker": ("manage.speakers_page", lambda e: speaker_form(
        name=f"Name {SCRIPT}", role=f"Rolle {SCRIPT}", bio=f"Bio {SCRIPT}"),
        "manage.speakers_page"),
}


def _stored_texts(db_session, event_id: int, case: str) -> list[str]:
    if case == "event":
        event = db_session.scalar(select(Event).where(Event.title == f"Titel {SCRIPT}"))
        return [event.title, event.summary, event.description]
    event = reload(db_session, Event, event_id)
    if case == "agenda item":
        return [event.agenda_items[-1].title, event.agenda_items[-1].description]
    return [event.speakers[-1].name, event.speakers[-1].role]


@pytest.mark.parametrize("case", MARKUP_CASES)
def test_markup_in_text_fields_is_stored_as_text_and_shown_escaped(as_a, db_session, event_a,
                                                                   case):
    post_endpoint, data, page_endpoint = MARKUP_CASES[case]
    response = as_a.post(event_path(post_endpoint, event_a), data=data(event_a))
    assert response.status_code == 302

    assert all(SCRIPT in text for text in _stored_texts(db_session, event_a.id, case))
    page = as_a.get(event_path(page_endpoint, event_a)).get_data(as_text=True)
    assert ESCAPED_SCRIPT in page
    assert SCRIPT not in page


def test_speaker_with_markup_is_escaped_in_the_agenda_form(as_a, db_session, make, event_a):
    make.speaker(event_a, name=f"Name {SCRIPT}")
    db_session.commit()
    page = as_a.get(path("manage.agenda_page", event_id=event_a.id)).get_data(as_text=True)
    assert ESCAPED_SCRIPT in page and SCRIPT not in page


def test_overlap_message_escapes_the_other_items_title(as_a, db_session, make, centre_a):
    event = make.event(organization=centre_a, starts_at=berlin(2027, 7, 15, 10))
    make.agenda_item(event, title=f"Punkt {SCRIPT}", starts_at=berlin(2027, 7, 15, 10),
                     ends_at=berlin(2027, 7, 15, 11))
    db_session.commit()
    response = as_a.post(path("manage.agenda_page", event_id=event.id), data=agenda_form(
        starts_local="2027-07-15T10:30", ends_local="2027-07-15T11:30"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert has_field_error(page, "starts_local")
    assert SCRIPT not in page


# --- organizer flows -----------------------------------------------------------------

@pytest.mark.parametrize("zone, starts_local, utc_hour", [
    ("Europe/Berlin", "2027-07-15T10:00", 8),
    ("Europe/Berlin", "2027-12-15T10:00", 9),
    ("America/New_York", "2027-07-15T10:00", 14),
])
def test_form_times_are_local_to_the_chosen_zone(as_a, db_session, centre_a, zone,
                                                 starts_local, utc_hour):
    ends_local = starts_local.replace("T10:00", "T12:00")
    response = as_a.post("/verwaltung/veranstaltungen/neu", data=event_form(
        centre_a.id, title="Zeitzonentest", timezone=zone, starts_local=starts_local,
        ends_local=ends_local))
    assert response.status_code == 302
    db_session.expire_all()
    event = db_session.scalar(select(Event).where(Event.title == "Zeitzonentest"))
    assert (event.timezone, event.starts_at.hour, event.starts_at.minute) == (zone, utc_hour, 0)
    assert event.starts_at.utcoffset() == timedelta(0)

    edit_page = as_a.get(path("manage.edit_event", event_id=event.id)).get_data(as_text=True)
    assert f'value="{starts_local}"' in edit_page
    text = text_of(as_a.get(path("manage.event", event_id=event.id)).get_data(as_text=True))
    assert "10:00" in text and zone in text


def test_create_publish_and_the_event_is_public(as_a, client, db_session, organizer_a,
                                               centre_a):
    response = as_a.post("/verwaltung/veranstaltungen/neu", data=event_form(
        centre_a.id, title="Regionale Impulse für gute Arbeit"))
    assert response.status_code == 302
    event = db_session.scalar(select(Event).where(
        Event.title == "Regionale Impulse für gute Arbeit"))
    assert response.headers["Location"] == f"/verwaltung/veranstaltungen/{event.id}"
    assert (event.status, event.slug, event.created_by_id) == (
        EventStatus.DRAFT, "regionale-impulse-fuer-gute-arbeit", organizer_a.id)
    public_url = f"/veranstaltungen/{event.slug}"
    assert as_a.get(public_url).status_code == 404

    response = as_a.post(path("manage.publish_event", event_id=event.id))
    assert response.status_code == 302
    event = reload(db_session, Event, event.id)
    assert event.status is EventStatus.PUBLISHED and event.published_at is not None
    assert as_a.get(public_url).status_code == 200
    assert f'href="{public_url}"' in as_a.get("/").get_data(as_text=True)


def test_same_title_gets_a_different_slug(as_a, db_session, centre_a):
    for _ in range(2):
        as_a.post("/verwaltung/veranstaltungen/neu", data=event_form(centre_a.id,
                                                                   title="Doppelt"))
    slugs = db_session.scalars(select(Event.slug).where(Event.title == "Doppelt")).all()
    assert sorted(slugs) == ["doppelt", "doppelt-2"]


def test_cancel_through_the_confirmation_page(as_a, db_session, make, centre_a):
    event = make.event(organization=centre_a, title="Wird abgesagt")
    db_session.commit()
    confirm_page = as_a.get(path("manage.cancel_event", event_id=event.id))
    assert confirm_page.status_code == 200
    assert "Wird abgesagt" in confirm_page.get_data(as_text=True)
    assert reload(db_session, Event, event.id).status is EventStatus.PUBLISHED

    response = as_a.post(path("manage.cancel_event", event_id=event.id))
    assert response.status_code == 302
    event = reload(db_session, Event, event.id)
    assert event.status is EventStatus.CANCELLED and event.cancelled_at is not None

    public = as_a.get(f"/veranstaltungen/{event.slug}?lang=en").get_data(as_text=True)
    assert "This event has been cancelled." in public
    listing = as_a.get("/").get_data(as_text=True)
    assert f'href="/veranstaltungen/{event.slug}"' in listing and "badge-cancelled" in listing


def test_cancelled_event_cannot_be_edited(as_a, db_session, make, centre_a):
    event = make.event(organization=centre_a, status=EventStatus.CANCELLED,
                       starts_at=berlin(2027, 7, 15, 10))
    db_session.commit()
    before = snapshot(db_session, event.id)
    response = as_a.post(path("manage.edit_event", event_id=event.id, lang="en"),
                         data=event_form(centre_a.id, title="Wiederbelebt"))
    assert response.status_code == 422
    assert "cannot be changed" in response.get_data(as_text=True)
    assert snapshot(db_session, event.id) == before


def test_duplicate_copies_agenda_speakers_and_their_links(as_a, db_session, make, event_a):
    second_speaker = make.speaker(event_a, name="Zweite Referentin")
    event_a.agenda_items[1].speakers = [event_a.speakers[0], second_speaker]
    db_session.commit()
    original = snapshot(db_session, event_a.id)

    response = as_a.post(path("manage.duplicate_event", event_id=event_a.id), data={
        "title": "Veranstaltung von A (Kopie)", "starts_local": "2027-07-22T10:00"})

    assert response.status_code == 302
    copy_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert copy_id != event_a.id
    assert snapshot(db_session, event_a.id)[:-1] == original[:-1]
    source, copy = db_session.get(Event, event_a.id), db_session.get(Event, copy_id)
    assert copy.status is EventStatus.DRAFT and copy.slug != source.slug
    week = timedelta(days=7)
    assert (copy.title, copy.starts_at, copy.ends_at) == (
        "Veranstaltung von A (Kopie)", source.starts_at + week, source.ends_at + week)
    assert [(i.title, i.starts_at, i.ends_at) for i in copy.agenda_items] == \
        [(i.title, i.starts_at + week, i.ends_at + week) for i in source.agenda_items]
    assert [s.name for s in copy.speakers] == [s.name for s in source.speakers]
    assert {s.id for s in copy.speakers}.isdisjoint({s.id for s in source.speakers})
    copied_links = [[s.name for s in i.speakers] for i in copy.agenda_items]
    assert copied_links == [["Referentin von Veranstaltung von A"],
                            ["Referentin von Veranstaltung von A", "Zweite Referentin"]]
    assert all(s.event_id == copy.id for i in copy.agenda_items for s in i.speakers)


def test_moving_the_start_moves_the_agenda(as_a, db_session, event_a):
    before = [(i.starts_at, i.ends_at) for i in event_a.agenda_items]
    response = as_a.post(path("manage.edit_event", event_id=event_a.id), data=event_form(
        event_a.organization_id, title=event_a.title,
        starts_local="2027-07-16T14:00", ends_local="2027-07-16T16:00"))
    assert response.status_code == 302
    event = reload(db_session, Event, event_a.id)
    assert event.starts_at == berlin(2027, 7, 16, 14)
    delta = timedelta(days=1, hours=4)
    assert [(i.starts_at, i.ends_at) for i in event.agenda_items] == \
        [(start + delta, end + delta) for start, end in before]


def test_shortening_an_event_below_its_agenda_is_refused(as_a, db_session, event_a):
    before = snapshot(db_session, event_a.id)
    response = as_a.post(path("manage.edit_event", event_id=event_a.id), data=event_form(
        event_a.organization_id, starts_local="2027-07-15T10:00",
        ends_local="2027-07-15T11:00"))
    assert response.status_code == 422
    assert has_field_error(response.get_data(as_text=True), "ends_local")
    assert snapshot(db_session, event_a.id) == before


def test_publishing_a_past_event_is_refused_with_a_message(as_a, db_session, make, centre_a):
    past = make.event(organization=centre_a, status=EventStatus.DRAFT,
                      starts_at=timeutil.utcnow().replace(microsecond=0) - timedelta(days=3))
    db_session.commit()
    as_a.get("/lang/en")

    response = as_a.post(path("manage.publish_event", event_id=past.id))

    assert response.status_code == 302
    assert response.headers["Location"] == f"/verwaltung/veranstaltungen/{past.id}"
    assert reload(db_session, Event, past.id).status is EventStatus.DRAFT
    page = as_a.get(response.headers["Location"]).get_data(as_text=True)
    assert "An event that is over cannot be published." in page


def test_publishing_twice_is_refused(as_a, db_session, make, centre_a):
    event = make.event(organization=centre_a, status=EventStatus.PUBLISHED)
    db_session.commit()
    published_at = reload(db_session, Event, event.id).published_at
    as_a.get("/lang/en")
    response = as_a.post(path("manage.publish_event", event_id=event.id),
                         follow_redirects=True)
    assert "Only a draft can be published." in response.get_data(as_text=True)
    assert reload(db_session, Event, event.id).published_at == published_at
