"""Importing webinar reports through the client: upload -> preview -> store, refusals,
the audit copy; and who may use the attendance pages at all, with and without CSRF."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from eventhub.attendance import importing
from eventhub.attendance.models import (
    Attendance,
    AttendanceImport,
    AttendanceMapping,
    ImportStatus,
)
from eventhub.auth.models import Role
from eventhub.registration.models import Registration
from tests.attendance.conftest import attendance, build_webinar, count, sample, snapshot
from tests.conftest import csrf_token_from
from tests.events.test_manage_views import is_login_redirect, text_of
from tests.registration.test_manage_registrations import flashes, path

ZOOM = "zoom_webinar_attendee_report.csv"


def upload_url(event) -> str:
    return path("manage.import_upload", event_id=event.id, lang="en")


def post_file(client, event, data: bytes, name: str = "report.csv", **extra):
    return client.post(upload_url(event), data={"file": (io.BytesIO(data), name), **extra},
                       content_type="multipart/form-data")


def rows_of(page: str, table: str) -> dict[str, int]:
    body = re.search(rf'<table class="table" id="{table}">(.*?)</table>', page, re.S).group(1)
    return {email: int(minutes) for email, minutes in re.findall(
        r'data-email="([^"]*)".*?<td data-minutes>(\d+)</td>', body, re.S)}


def test_upload_shows_a_preview_and_stores_nothing(as_organizer, db_session, webinar):
    response = post_file(as_organizer, webinar.event, sample(ZOOM), "Teilnehmerbericht.csv")
    assert response.status_code == 302
    page = as_organizer.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "Preview of the import" in page and "Teilnehmerbericht.csv" in page
    assert rows_of(page, "matched") == {"erika.muster@example.org": 118,
                                        "paul.kurz@example.org": 7, "lena.zwei@example.org": 90}
    assert rows_of(page, "unmatched") == {"tom@unangemeldet.example": 105}
    assert rows_of(page, "excluded") == {"jana.beispiel@zz-sachsen.example": 125,
                                         "host@zentrum-digitale-arbeit.example": 131}
    assert count(db_session, Attendance) == 0


def test_storing_the_preview_with_a_walk_in(as_organizer, db_session, webinar):
    location = post_file(as_organizer, webinar.event, sample(ZOOM)).headers["Location"]
    page = as_organizer.get(location).get_data(as_text=True)
    tom = re.search(r'name="walk_in" value="(\d+)"[^>]*aria-label="[^"]*Tom Unangemeldet',
                    page).group(1)
    record = db_session.scalar(select(AttendanceImport))
    response = as_organizer.post(path("manage.apply_import", event_id=webinar.event.id,
                                      import_id=record.id, lang="en"), data={"walk_in": [tom]})
    assert response.status_code == 302
    page = as_organizer.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "The attendance has been stored. Matched: 3; walk-ins added: 1." in flashes(page)
    assert "Imported webinar report" in page
    assert attendance(db_session, webinar.erika).minutes == 118
    assert count(db_session, Registration, Registration.source == "walk_in") == 1


def test_the_same_file_again_changes_nothing(as_organizer, db_session, webinar, organizer):
    post_file(as_organizer, webinar.event, sample(ZOOM))
    record = db_session.scalar(select(AttendanceImport))
    apply_url = path("manage.apply_import", event_id=webinar.event.id, import_id=record.id,
                     lang="en")
    as_organizer.post(apply_url)
    before = snapshot(db_session, webinar.event.id)
    response = post_file(as_organizer, webinar.event, sample(ZOOM), "noch-einmal.csv")
    assert response.headers["Location"].endswith(f"/import/{record.id}")
    as_organizer.post(apply_url)
    page = as_organizer.get(upload_url(webinar.event)).get_data(as_text=True)
    assert "This file has been uploaded before; nothing has changed." in flashes(page)
    assert "This file has been imported already; nothing has changed." in flashes(page)
    assert snapshot(db_session, webinar.event.id) == before


@pytest.mark.parametrize("data, message", [
    (b"Name;E-Mail;Beitritt;Verlassen\nA;a@example.org;21.11.2026 10:00;21.11.2026 10:30\n"
     b"B;b@example.org;2026/21/11 10:00;21.11.2026 11:00\n",
     "Line 3: “2026/21/11 10:00” is not a date and time in a known format"),
    (b"", "Line 1: The file is empty."),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "Line 1: This is not a table file"),
])
def test_a_bad_file_names_the_line_and_stores_nothing(as_organizer, db_session, webinar, data,
                                                      message):
    response = post_file(as_organizer, webinar.event, data)
    assert response.status_code == 422
    page = text_of(response.get_data(as_text=True))
    assert message in page and "Nothing has been imported." in page
    assert count(db_session, AttendanceImport) == 0


def test_a_list_without_recognised_columns_goes_to_the_mapping_step(as_organizer, db_session,
                                                                    webinar):
    response = post_file(as_organizer, webinar.event, b"Name;Dauer\nA;12\n")
    record = db_session.scalar(select(AttendanceImport))
    assert response.status_code == 302 and record.needs_mapping
    assert response.headers["Location"].endswith(f"/import/{record.id}/spalten")
    assert count(db_session, Attendance) == 0


def test_a_file_over_the_limit(app, as_organizer, db_session, webinar, monkeypatch):
    monkeypatch.setitem(app.config, "ATTENDANCE_IMPORT_MAX_BYTES", 2048)
    response = post_file(as_organizer, webinar.event, sample(ZOOM))
    assert response.status_code == 422
    assert "The file is larger than" in text_of(response.get_data(as_text=True))
    assert count(db_session, AttendanceImport) == 0


def test_no_file(as_organizer, db_session, webinar):
    response = as_organizer.post(upload_url(webinar.event), data={},
                                 content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose the file to import." in text_of(response.get_data(as_text=True))


def test_discarding_a_preview(as_organizer, db_session, webinar):
    post_file(as_organizer, webinar.event, sample(ZOOM))
    record = db_session.scalar(select(AttendanceImport))
    response = as_organizer.post(path("manage.discard_import", event_id=webinar.event.id,
                                      import_id=record.id, lang="en"))
    assert response.status_code == 302
    assert count(db_session, AttendanceImport) == 0 and count(db_session, Attendance) == 0


def test_the_original_file_can_be_downloaded(as_organizer, db_session, webinar):
    post_file(as_organizer, webinar.event, sample("teams_attendance_utf16.csv"), "Teams.csv")
    record = db_session.scalar(select(AttendanceImport))
    response = as_organizer.get(path("manage.import_file", event_id=webinar.event.id,
                                     import_id=record.id))
    assert response.status_code == 200 and response.data == sample("teams_attendance_utf16.csv")
    assert response.headers["Content-Disposition"] == "attachment; filename=Teams.csv"
    page = as_organizer.get(upload_url(webinar.event)).get_data(as_text=True)
    assert "Teams.csv" in page and "preview, not stored" in page


# --- who may do what ------------------------------------------------------------------

ROUTES = [  # (endpoint, method, what the request needs)
    ("manage.attendance_page", "GET", None),
    ("manage.mark_attendance", "POST", "mark"),
    ("manage.add_walk_in", "POST", "walk_in"),
    ("manage.import_upload", "GET", None),
    ("manage.import_upload", "POST", "file"),
    ("manage.import_preview", "GET", "import"),
    ("manage.apply_import", "POST", "import"),
    ("manage.discard_import", "POST", "import"),
    ("manage.import_file", "GET", "import"),
    ("manage.import_mapping", "GET", "mapping"),
    ("manage.import_mapping", "POST", "mapping"),
]
# A list whose columns are not recognised (it waits for the mapping step), and the columns
# the mapping page is sent: name, e-mail, minutes, role; "Moderation" does not count.
UNKNOWN_LAYOUT = (b"Teilnehmer;Adresse;Minuten;Funktion\n"
                  b"Erika Muster;erika.muster@example.org;50;Teilnahme\n"
                  b"Mia Moderation;mia@zentrum.example;120;Moderation\n")
MAPPING_FORM = {"name": "0", "email": "1", "duration": "2", "role": "3",
                "excluded_roles": "Moderation"}
GET_ROUTES = [r for r in ROUTES if r[1] == "GET"]
POST_ROUTES = [r for r in ROUTES if r[1] == "POST"]


def route_id(route) -> str:
    return f"{route[0].removeprefix('manage.')}-{route[1]}"


def add_uploads(webinar, uploader, db_session) -> None:
    """A readable upload (the first import) and one waiting for its columns (the second)."""
    for name, data in (("bericht.csv", sample("generic_utf8_bom.csv")),
                       ("liste.csv", UNKNOWN_LAYOUT)):
        importing.upload(webinar.event, name, data, uploader, webinar.event.ends_at)
    db_session.commit()


@pytest.fixture()
def webinar_b(make, db_session, centre_b, organizer):
    webinar = build_webinar(make, db_session, centre_b, "Veranstaltung von B")
    add_uploads(webinar, organizer, db_session)
    return webinar


def state(db_session, event_id: int) -> tuple:
    """``snapshot``, and the column mappings: of the event's imports, and remembered ones."""
    mapped = db_session.execute(select(AttendanceImport.id, AttendanceImport.mapping)
                                .where(AttendanceImport.event_id == event_id)
                                .order_by(AttendanceImport.id)).all()
    remembered = db_session.execute(select(AttendanceMapping.id, AttendanceMapping.mapping)
                                    .order_by(AttendanceMapping.id)).all()
    return snapshot(db_session, event_id), mapped, remembered


def call(client, db_session, route, webinar):
    endpoint, method, need = route
    event = webinar.event
    values = {"event_id": event.id}
    if need in ("import", "mapping"):
        ids = db_session.scalars(select(AttendanceImport.id).where(
            AttendanceImport.event_id == event.id).order_by(AttendanceImport.id)).all()
        values["import_id"] = ids[0] if need == "import" else ids[-1]
    url = path(endpoint, **values)
    if method == "GET":
        return client.get(url)
    if need == "file":
        return post_file(client, event, sample(ZOOM))
    data = {"mark": {"mark": f"attended:{webinar.erika.id}"},
            "walk_in": {"first_name": "Wilma", "last_name": "Spontan", "email": "",
                        "region_code": "UNSTATED"},
            "mapping": MAPPING_FORM}.get(need, {})
    return client.post(url, data=data)


def test_the_route_list_covers_every_route_of_these_pages(app):
    registered = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
                  if app.view_functions[rule.endpoint].__module__
                  == "eventhub.attendance.manage_views"
                  for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert registered == {(endpoint, method) for endpoint, method, _ in ROUTES}


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_organizer_cannot_reach_another_centres_attendance(as_organizer, db_session,
                                                           webinar_b, route):
    before = state(db_session, webinar_b.event.id)
    response = call(as_organizer, db_session, route, webinar_b)
    assert response.status_code in (403, 404)
    assert "Veranstaltung von B" not in response.get_data(as_text=True)
    assert state(db_session, webinar_b.event.id) == before


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_anonymous_visitors_are_sent_to_the_login(client, db_session, webinar_b, route):
    before = state(db_session, webinar_b.event.id)
    assert is_login_redirect(call(client, db_session, route, webinar_b))
    assert state(db_session, webinar_b.event.id) == before


@pytest.fixture(params=["owner", Role.COORDINATOR, Role.ADMIN])
def manager_of_b(request, make, db_session, centre_b, login):
    user = make.user(organization=centre_b) if request.param == "owner" \
        else make.user(role=request.param)
    db_session.commit()
    return login(user)


@pytest.mark.parametrize("route", GET_ROUTES, ids=route_id)
def test_owner_coordinator_and_admin_can_open_the_pages(manager_of_b, db_session, webinar_b,
                                                        route):
    response = call(manager_of_b, db_session, route, webinar_b)
    assert response.status_code == 200
    if route[0] != "manage.import_file":
        assert "Veranstaltung von B" in response.get_data(as_text=True)


@pytest.mark.parametrize("route", POST_ROUTES, ids=route_id)
def test_the_same_posts_by_the_owner_change_something(manager_of_b, db_session, webinar_b,
                                                      route):
    """Counterpart of the refusals above: the requests sent there would have had an effect."""
    before = state(db_session, webinar_b.event.id)
    response = call(manager_of_b, db_session, route, webinar_b)
    assert response.status_code == 302
    assert state(db_session, webinar_b.event.id) != before


@pytest.fixture()
def csrf_on(app, monkeypatch, as_organizer):
    """Turned on after logging in (the login fixture posts without a token)."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


@pytest.fixture()
def own_webinar(webinar, organizer, db_session):
    add_uploads(webinar, organizer, db_session)
    return webinar


@pytest.mark.parametrize("route", POST_ROUTES, ids=route_id)
def test_post_without_csrf_token_is_refused(as_organizer, db_session, own_webinar, csrf_on,
                                            route):
    before = state(db_session, own_webinar.event.id)
    response = call(as_organizer, db_session, route, own_webinar)
    assert response.status_code == 400
    assert state(db_session, own_webinar.event.id) == before


@pytest.mark.parametrize("page_endpoint, route", [
    ("manage.attendance_page", ("manage.mark_attendance", "POST", "mark")),
    ("manage.attendance_page", ("manage.add_walk_in", "POST", "walk_in")),
    ("manage.import_upload", ("manage.import_upload", "POST", "file")),
])
def test_post_with_the_pages_csrf_token_works(as_organizer, db_session, own_webinar, csrf_on,
                                              page_endpoint, route):
    page = as_organizer.get(path(page_endpoint, event_id=own_webinar.event.id))
    token = csrf_token_from(page.get_data(as_text=True))
    before = snapshot(db_session, own_webinar.event.id)
    if route[2] == "file":
        response = post_file(as_organizer, own_webinar.event, sample(ZOOM), csrf_token=token)
    else:
        data = {"mark": {"mark": f"attended:{own_webinar.erika.id}"},
                "walk_in": {"first_name": "W", "last_name": "S", "region_code": "UNSTATED"}}
        response = as_organizer.post(path(route[0], event_id=own_webinar.event.id),
                                     data={**data[route[2]], "csrf_token": token})
    assert response.status_code == 302
    assert snapshot(db_session, own_webinar.event.id) != before


def test_apply_with_the_preview_pages_token(as_organizer, db_session, own_webinar, csrf_on):
    record = db_session.scalar(select(AttendanceImport).order_by(AttendanceImport.id))
    page = as_organizer.get(path("manage.import_preview", event_id=own_webinar.event.id,
                                 import_id=record.id)).get_data(as_text=True)
    response = as_organizer.post(path("manage.apply_import", event_id=own_webinar.event.id,
                                      import_id=record.id),
                                 data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(AttendanceImport, record.id).status is ImportStatus.APPLIED


def test_the_mapping_with_the_mapping_pages_token(as_organizer, db_session, own_webinar,
                                                  csrf_on):
    record = db_session.scalars(select(AttendanceImport).order_by(AttendanceImport.id)).all()[-1]
    url = path("manage.import_mapping", event_id=own_webinar.event.id, import_id=record.id)
    page = as_organizer.get(url).get_data(as_text=True)
    response = as_organizer.post(url, data={**MAPPING_FORM,
                                            "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    db_session.expire_all()
    assert not db_session.get(AttendanceImport, record.id).needs_mapping
