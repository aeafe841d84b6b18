"""Centres in the browser: who edits which, the details (audited), the logo (pixels only)."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from eventhub import timeutil
from eventhub.audit.models import AuditEntry
from eventhub.auth.models import Role
from eventhub.errors import RuleViolation
from eventhub.organizations import logos, services


def _image(fmt: str, size=(800, 400), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (11, 90, 138)).save(out, format=fmt, **save)
    return out.getvalue()


def _form(organization, **changes) -> dict:
    data = {"name": organization.name, "short_name": organization.short_name,
            "region_code": organization.region_code, "email": "", "website": "",
            "address": "", "sender_name": "", "colour": ""}
    return {**data, **changes}


@pytest.mark.parametrize("who, own, other", [
    ("anonymous", 302, 302), ("organizer", 200, 404), ("coordinator", 200, 404),
    ("admin", 200, 200)])
def test_who_edits_which_centre(client, login, make, db_session, who, own, other):
    organizer = make.user()
    coordinator = make.user(role=Role.COORDINATOR, organization=organizer.organization)
    admin = make.user(role=Role.ADMIN, organization=organizer.organization)
    elsewhere = make.organization()
    if who != "anonymous":
        login({"organizer": organizer, "coordinator": coordinator, "admin": admin}[who])
    mine = f"/verwaltung/zentren/{organizer.organization_id}"
    theirs = f"/verwaltung/zentren/{elsewhere.id}"
    assert client.get(mine).status_code == own
    assert client.get(theirs).status_code == other
    posted = client.post(theirs, data=_form(elsewhere, name="Übernommen"))
    assert posted.status_code == (302 if other == 200 else other)
    db_session.expire_all()
    assert (elsewhere.name == "Übernommen") == (who == "admin")


def test_an_organizer_lands_on_their_own_centre(login, make):
    organizer = make.user()
    response = login(organizer).get("/verwaltung/zentren/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verwaltung/zentren/"
                                                 f"{organizer.organization_id}")


def test_an_organizer_saves_the_details_and_the_change_is_audited(login, make, db_session):
    organizer = make.user()
    centre = organizer.organization
    response = login(organizer).post(f"/verwaltung/zentren/{centre.id}", data=_form(
        centre, short_name="ZZ Neu", region_code="DE-TH", email="kontakt@zz.example",
        website="https://zz.example", address="Beispielweg 1\n99084 Erfurt",
        sender_name="Ihr Zukunftszentrum", colour="#AA3300"))
    assert response.status_code == 302
    db_session.expire_all()
    assert (centre.short_name, centre.region_code, centre.colour, centre.sender_name) == \
        ("ZZ Neu", "DE-TH", "#aa3300", "Ihr Zukunftszentrum")
    assert centre.address == "Beispielweg 1\n99084 Erfurt"
    [entry] = db_session.scalars(select(AuditEntry).where(
        AuditEntry.action == "organization.update", AuditEntry.target_id == centre.id))
    assert entry.actor_id == organizer.id
    assert entry.details["region_code"] == ["DE-SN", "DE-TH"]


@pytest.mark.parametrize("field, value", [
    ("colour", "red"), ("colour", "#12345g"), ("website", "javascript://example.org/x"),
    ("website", "ftp://example.org"), ("email", "not an address"), ("region_code", "DE-XX"),
    ("name", ""), ("name", "x" * 201)])
def test_bad_details_are_refused_at_the_field(login, make, field, value):
    organizer = make.user()
    centre = organizer.organization
    response = login(organizer).post(f"/verwaltung/zentren/{centre.id}?lang=en",
                                     data=_form(centre, **{field: value}))
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_a_png_or_jpeg_logo_is_stored_as_a_re_encoded_png(login, client, make, db_session):
    organizer = make.user()
    centre = organizer.organization
    login(organizer)
    jpeg = _image("JPEG", exif=Image.Exif())
    response = client.post(f"/verwaltung/zentren/{centre.id}", data={
        **_form(centre), "logo": (io.BytesIO(jpeg), "logo.jpg")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    served = client.get(f"/zentren/{centre.slug}/logo.png")
    assert served.status_code == 200 and served.mimetype == "image/png"
    with Image.open(io.BytesIO(served.data)) as stored:
        assert stored.format == "PNG" and max(stored.size) == logos.MAX_SIDE
        assert not stored.info.get("exif")
    removed = client.post(f"/verwaltung/zentren/{centre.id}",
                          data={**_form(centre), "remove_logo": "y"})
    assert removed.status_code == 302
    assert client.get(f"/zentren/{centre.slug}/logo.png").status_code == 404


@pytest.mark.parametrize("content", [
    b"<html><script>alert(1)</script></html>",
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
    b"\x89PNG\r\n\x1a\n<html>not really</html>",
    b"GIF89a" + b"\x00" * 40,
    b"",
])
def test_anything_but_a_png_or_jpeg_is_refused(login, make, content, db_session):
    organizer = make.user()
    centre = organizer.organization
    response = login(organizer).post(f"/verwaltung/zentren/{centre.id}?lang=en", data={
        **_form(centre), "logo": (io.BytesIO(content), "logo.png")},
        content_type="multipart/form-data")
    if content:
        assert response.status_code == 422
        assert "This is not a PNG or JPEG image." in response.get_data(as_text=True)
    db_session.expire_all()
    assert centre.logo_png is None


def test_a_logo_above_the_size_limit_is_refused(app, monkeypatch):
    with pytest.raises(RuleViolation) as large:
        logos.reencode(_image("PNG"), max_bytes=100)
    assert large.value.field == "logo"


def test_a_decompression_bomb_is_refused():
    bomb = _image("PNG", size=(10_000, 5_000))  # 50 million pixels, tiny as a file
    with pytest.raises(RuleViolation):
        logos.reencode(bomb, max_bytes=10 * 1024 * 1024)


def test_the_sender_name_signs_the_centres_e_mails(make, db_session):
    from eventhub.mail import OutboxMessage
    from eventhub.registration import services as registration
    from tests.registration.helpers import applicant
    centre = make.organization(sender_name="Team Zukunftszentrum")
    event = make.event(organization=centre, double_opt_in=False)
    registration.register(event.id, applicant(), timeutil.utcnow())
    db_session.flush()
    message = db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())
                                 ).first()
    assert "Team Zukunftszentrum" in message.body_text


def test_admins_see_every_centre(login, make):
    admin = make.user(role=Role.ADMIN)
    make.organization(name="Zentrum Eins")
    page = login(admin).get("/verwaltung/zentren/").get_data(as_text=True)
    assert "Zentrum Eins" in page
    assert services.editable(admin)


@pytest.mark.parametrize("who, expected", [
    ("anonymous", 302), ("organizer", 403), ("coordinator", 403), ("admin", 200)])
def test_only_admins_create_centres(client, login, make, who, expected):
    if who != "anonymous":
        login({"organizer": make.user(), "coordinator": make.user(role=Role.COORDINATOR),
               "admin": make.user(role=Role.ADMIN)}[who])
    assert client.get("/verwaltung/zentren/neu").status_code == expected
    posted = client.post("/verwaltung/zentren/neu", data={
        "name": "Zukunftszentrum Berlin", "short_name": "ZZ Berlin", "slug": "zz-berlin",
        "region_code": "DE-BE"})
    assert posted.status_code == (302 if who == "admin" else expected)


def test_an_admin_creates_a_centre_and_it_is_audited(login, make, db_session):
    admin = make.user(role=Role.ADMIN)
    client = login(admin)
    response = client.post("/verwaltung/zentren/neu", data={
        "name": "Zukunftszentrum Berlin", "short_name": "ZZ Berlin", "slug": "zz-berlin",
        "region_code": "DE-BE", "colour": "#112233"})
    assert response.status_code == 302
    from eventhub.organizations.models import Organization
    centre = db_session.scalar(select(Organization).where(Organization.slug == "zz-berlin"))
    assert (centre.name, centre.region_code, centre.colour) == \
        ("Zukunftszentrum Berlin", "DE-BE", "#112233")
    [entry] = db_session.scalars(select(AuditEntry).where(
        AuditEntry.action == "organization.create", AuditEntry.target_id == centre.id))
    assert entry.actor_id == admin.id
    again = client.post("/verwaltung/zentren/neu?lang=en", data={
        "name": "Noch eins", "short_name": "X", "slug": "zz-berlin", "region_code": "DE-BE"})
    assert again.status_code == 422
    assert "Another centre has this address already." in again.get_data(as_text=True)
    bad = client.post("/verwaltung/zentren/neu", data={
        "name": "X", "short_name": "X", "slug": "ZZ Berlin!", "region_code": "DE-BE"})
    assert bad.status_code == 422


def test_the_event_page_shows_the_centres_logo_or_its_colour(login, client, make, db_session):
    organizer = make.user()
    centre = organizer.organization
    event = make.event(organization=centre)
    page = client.get(f"/veranstaltungen/{event.slug}").get_data(as_text=True)
    assert 'class="centre-mark"' in page and "centre-logo" not in page
    login(organizer).post(f"/verwaltung/zentren/{centre.id}", data={
        **_form(centre), "logo": (io.BytesIO(_image("PNG")), "logo.png")},
        content_type="multipart/form-data")
    page = client.get(f"/veranstaltungen/{event.slug}").get_data(as_text=True)
    logo = re.search(r'<img class="centre-logo" src="([^"]+)" alt=""', page)
    assert logo and logo.group(1).startswith(f"/zentren/{centre.slug}/logo.png?v=")
    assert client.get(logo.group(1)).mimetype == "image/png"
    assert f"Veranstalter: {centre.name}" in page  # the name is written out beside it


def test_only_an_admin_sets_a_centres_retention_period(login, client, make, db_session):
    organizer = make.user()
    centre = organizer.organization
    own_page = login(organizer).get(f"/verwaltung/zentren/{centre.id}").get_data(as_text=True)
    assert 'name="retention_days"' not in own_page
    login(organizer).post(f"/verwaltung/zentren/{centre.id}",
                          data=_form(centre, retention_days="3650"))
    db_session.expire_all()
    assert centre.retention_days is None  # sent anyway: ignored

    client.post("/logout")
    admin = make.user(role=Role.ADMIN)
    url = f"/verwaltung/zentren/{centre.id}?lang=en"
    assert 'name="retention_days"' in login(admin).get(url).get_data(as_text=True)
    refused = login(admin).post(url, data=_form(centre, retention_days="0"))
    assert refused.status_code == 422
    login(admin).post(url, data=_form(centre, retention_days="90"))
    db_session.expire_all()
    assert centre.retention_days == 90
    entry = db_session.scalars(select(AuditEntry).where(
        AuditEntry.action == "organization.update").order_by(AuditEntry.id.desc())).first()
    assert entry.details["retention_days"] == [None, 90]
    login(admin).post(url, data=_form(centre, retention_days=""))
    db_session.expire_all()
    assert centre.retention_days is None  # empty: the installation's default again
