"""Accounts in the browser: invitations, who manages whom, deactivation, reset links."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from eventhub import create_app, timeutil
from eventhub.auth import accounts, services, tokens
from eventhub.auth.models import LoginSession, Role, User
from eventhub.errors import NotPermitted, RuleViolation
from eventhub.extensions import limiter
from eventhub.mail import OutboxMessage
from tests.conftest import TEST_CONFIG
from tests.factories import PASSWORD

NEW_PASSWORD = "a-brand-new-password"


def _mails(db_session, to: str) -> list[OutboxMessage]:
    db_session.expire_all()
    return db_session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == to)
                              .order_by(OutboxMessage.id)).all()


def _link(message: OutboxMessage) -> str:
    match = re.search(r"https?://\S+/(konto/\S+)", message.body_text)
    assert match, message.body_text
    return "/" + match.group(1)


@pytest.fixture()
def admin(make):
    return make.user(role=Role.ADMIN, name="Ada Admin")


@pytest.fixture()
def coordinator(make):
    return make.user(role=Role.COORDINATOR, name="Cora Koordination")


# -- invitations -----------------------------------------------------------------------

def test_an_invitation_sets_the_password_once_and_then_the_person_logs_in(
        client, login, make, admin, db_session):
    centre = make.organization(name="Zukunftszentrum Sachsen")
    login(admin)
    response = client.post("/verwaltung/konten/einladen", data={
        "email": "Neu@Example.org", "name": "Nora Neu", "role": "organizer",
        "organization_id": str(centre.id)})
    assert response.status_code == 302
    client.post("/logout")
    invited = services.find_user("neu@example.org")
    assert invited.invitation_pending and invited.organization_id == centre.id
    [mail] = _mails(db_session, "neu@example.org")
    assert mail.kind == "account_invitation" and "Ada Admin" in mail.body_text
    link = _link(mail)
    # Before the password is set, no password opens the account.
    assert client.post("/login", data={"email": "neu@example.org",
                                       "password": PASSWORD}).status_code == 422
    page = client.get(link)
    assert page.status_code == 200 and "Nora Neu" in page.get_data(as_text=True)
    done = client.post(link, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and "/login" in done.headers["Location"]
    reused = client.get(link.split("?")[0] + "?lang=en")
    assert reused.status_code == 404
    assert "has already been used" in reused.get_data(as_text=True)
    assert client.post("/login", data={"email": "neu@example.org",
                                       "password": NEW_PASSWORD}).status_code == 302


def test_expired_and_tampered_invitation_links_are_refused_with_a_clear_page(
        client, clock, admin, make, db_session):
    clock.set(timeutil.utcnow())
    invited = accounts.invite(admin, email="late@example.org", name="Lena Spät",
                              role=Role.COORDINATOR, organization=None, language="en",
                              now=timeutil.utcnow())
    token = tokens.make(invited, tokens.INVITE)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    page = client.get(f"/konto/einladung/{tampered}?lang=en")
    assert page.status_code == 404 and "This link does not work" in page.get_data(as_text=True)
    clock.set(timeutil.utcnow() + timedelta(days=7, minutes=1))
    expired = client.get(f"/konto/einladung/{token}?lang=en")
    assert expired.status_code == 410
    assert "The link has expired." in expired.get_data(as_text=True)
    posted = client.post(f"/konto/einladung/{token}", data={
        "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert posted.status_code == 410
    db_session.expire_all()
    assert invited.invitation_pending


def test_an_invitation_link_is_no_reset_link_and_the_reverse(client, admin, make):
    user = make.user()
    reset = tokens.make(user, tokens.RESET)
    assert client.get(f"/konto/einladung/{reset}").status_code == 404
    invited = accounts.invite(admin, email="x@example.org", name="X", role=Role.ADMIN,
                              organization=None, language="de", now=timeutil.utcnow())
    invite = tokens.make(invited, tokens.INVITE)
    assert client.get(f"/konto/neues-passwort/{invite}").status_code == 404


def test_invitation_refuses_a_known_address_and_an_organizer_without_centre(admin, make):
    user = make.user()
    with pytest.raises(RuleViolation) as known:
        accounts.invite(admin, email=user.email.upper(), name="X", role=Role.ADMIN,
                        organization=None, language="de", now=timeutil.utcnow())
    assert known.value.field == "email"
    with pytest.raises(RuleViolation) as orphan:
        accounts.invite(admin, email="o@example.org", name="X", role=Role.ORGANIZER,
                        organization=None, language="de", now=timeutil.utcnow())
    assert orphan.value.field == "organization_id"


def test_the_invite_form_shows_its_errors_at_the_fields(login, admin):
    client = login(admin)
    response = client.post("/verwaltung/konten/einladen?lang=en", data={
        "email": "not-an-address", "name": "", "role": "emperor", "organization_id": "x"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count('aria-invalid="true"') >= 3
    assert "name@example.org" in page


# -- who manages whom ------------------------------------------------------------------

def test_coordinators_manage_organizers_only_and_give_no_higher_role(coordinator, admin,
                                                                     make):
    organizer = make.user()
    other_coordinator = make.user(role=Role.COORDINATOR)
    assert accounts.grantable_roles(coordinator) == (Role.ORGANIZER,)
    assert accounts.manageable(coordinator) == [organizer] or \
        organizer in accounts.manageable(coordinator)
    assert admin not in accounts.manageable(coordinator)
    assert other_coordinator not in accounts.manageable(coordinator)
    with pytest.raises(RuleViolation):
        accounts.update(coordinator, organizer, name=organizer.name, role=Role.ADMIN,
                        organization=None)
    with pytest.raises(NotPermitted):
        accounts.deactivate(coordinator, admin)
    with pytest.raises(RuleViolation):
        accounts.invite(coordinator, email="c@example.org", name="C", role=Role.COORDINATOR,
                        organization=None, language="de", now=timeutil.utcnow())


def test_organizers_manage_nobody(make):
    organizer = make.user()
    assert accounts.grantable_roles(organizer) == ()
    assert accounts.manageable(organizer) == []
    with pytest.raises(NotPermitted):
        accounts.invite(organizer, email="n@example.org", name="N", role=Role.ORGANIZER,
                        organization=organizer.organization, language="de",
                        now=timeutil.utcnow())


def test_nobody_deactivates_or_demotes_themselves(admin):
    with pytest.raises(RuleViolation):
        accounts.deactivate(admin, admin)
    with pytest.raises(RuleViolation):
        accounts.update(admin, admin, name="A", role=Role.ORGANIZER, organization=None)


@pytest.mark.parametrize("who", ["anonymous", "organizer", "coordinator", "admin"])
def test_authorization_matrix_of_the_account_pages(client, login, make, admin, who):
    target_admin = make.user(role=Role.ADMIN)
    target_organizer = make.user()
    if who != "anonymous":
        login({"organizer": make.user(), "coordinator": make.user(role=Role.COORDINATOR),
               "admin": admin}[who])
    pages = {
        "index": ("GET", "/verwaltung/konten/"),
        "invite": ("GET", "/verwaltung/konten/einladen"),
        "edit organizer": ("GET", f"/verwaltung/konten/{target_organizer.id}"),
        "edit admin": ("GET", f"/verwaltung/konten/{target_admin.id}"),
        "deactivate admin": ("POST", f"/verwaltung/konten/{target_admin.id}/deaktivieren"),
        "reactivate admin": ("POST", f"/verwaltung/konten/{target_admin.id}/reaktivieren"),
        "link admin": ("POST", f"/verwaltung/konten/{target_admin.id}/passwort-link"),
    }
    expected = {
        "anonymous": dict.fromkeys(pages, 302),
        "organizer": dict.fromkeys(pages, 403),
        "coordinator": {"index": 200, "invite": 200, "edit organizer": 200,
                        "edit admin": 404, "deactivate admin": 404,
                        "reactivate admin": 404, "link admin": 404},
        "admin": {"index": 200, "invite": 200, "edit organizer": 200, "edit admin": 200,
                  "deactivate admin": 302, "reactivate admin": 302, "link admin": 302},
    }[who]
    got = {name: client.open(url, method=method).status_code
           for name, (method, url) in pages.items()}
    assert got == expected


def test_a_coordinator_sees_no_admin_in_the_list(login, make, coordinator):
    make.user(role=Role.ADMIN, name="Hidden Admin")
    make.user(name="Olga Organisatorin")
    page = login(coordinator).get("/verwaltung/konten/").get_data(as_text=True)
    assert "Olga Organisatorin" in page and "Hidden Admin" not in page


def test_editing_changes_role_and_organization(login, make, admin, db_session):
    user = make.user()
    centre = make.organization()
    response = login(admin).post(f"/verwaltung/konten/{user.id}", data={
        "name": "Neuer Name", "role": "coordinator", "organization_id": str(centre.id)})
    assert response.status_code == 302
    db_session.expire_all()
    assert (user.name, user.role, user.organization_id) == \
        ("Neuer Name", Role.COORDINATOR, centre.id)


# -- deactivation ----------------------------------------------------------------------

def test_deactivation_ends_a_live_session_at_once(app, login, make, admin, db_session):
    user = make.user()
    theirs = app.test_client()
    theirs.post("/login", data={"email": user.email, "password": PASSWORD})
    assert theirs.get("/verwaltung/").status_code == 200
    client = login(admin)
    assert client.post(f"/verwaltung/konten/{user.id}/deaktivieren").status_code == 302
    refused = theirs.get("/verwaltung/")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    assert db_session.scalars(select(LoginSession)
                              .where(LoginSession.user_id == user.id)).all() == []
    assert theirs.post("/login", data={"email": user.email,
                                       "password": PASSWORD}).status_code == 422
    client.post(f"/verwaltung/konten/{user.id}/reaktivieren")
    assert theirs.post("/login", data={"email": user.email,
                                       "password": PASSWORD}).status_code == 302


def test_an_admin_cannot_deactivate_themselves_in_the_browser(login, admin, db_session):
    client = login(admin)
    response = client.post(f"/verwaltung/konten/{admin.id}/deaktivieren?lang=en",
                           follow_redirects=True)
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    db_session.expire_all()
    assert admin.active


# -- password-reset links --------------------------------------------------------------

def test_an_admin_sends_a_reset_link_that_works_once_and_ends_every_login(
        app, client, login, make, admin, db_session):
    user = make.user()
    theirs = app.test_client()
    theirs.post("/login", data={"email": user.email, "password": PASSWORD})
    login(admin).post(f"/verwaltung/konten/{user.id}/passwort-link")
    client.post("/logout")
    [mail] = _mails(db_session, user.email)
    assert mail.kind == "password_reset"
    link = _link(mail)
    assert client.post(link, data={"new_password": NEW_PASSWORD,
                                   "confirm": NEW_PASSWORD}).status_code == 302
    assert theirs.get("/verwaltung/").status_code == 302  # logged out
    assert client.get(link).status_code == 404  # used
    db_session.expire_all()
    assert user.check_password(NEW_PASSWORD)


def test_a_reset_link_refuses_a_weak_password_at_the_field(client, make):
    user = make.user()
    link = f"/konto/neues-passwort/{tokens.make(user, tokens.RESET)}?lang=en"
    response = client.post(link, data={"new_password": user.email, "confirm": user.email})
    assert response.status_code == 422
    assert "must not be your e-mail address" in response.get_data(as_text=True)


def test_forgot_password_answers_the_same_for_known_and_unknown_addresses(
        client, make, db_session):
    user = make.user()
    known = client.post("/passwort-vergessen?lang=en", data={"email": user.email})
    unknown = client.post("/passwort-vergessen?lang=en", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_data() == unknown.get_data()
    assert "If an account has this address" in known.get_data(as_text=True)
    assert len(_mails(db_session, user.email)) == 1
    assert _mails(db_session, "nobody@example.org") == []


def test_forgot_password_sends_nothing_to_a_deactivated_account(client, make, db_session):
    user = make.user(active=False)
    client.post("/passwort-vergessen", data={"email": user.email})
    assert _mails(db_session, user.email) == []


def test_forgot_password_is_rate_limited_per_client_and_per_address(app, monkeypatch):
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)  # restored afterwards
    limited = create_app({**TEST_CONFIG, "RATELIMIT_ENABLED": True,
                          "RATELIMIT_PASSWORD_RESET": "3 per minute",
                          "RATELIMIT_PASSWORD_RESET_ADDRESS": "2 per minute",
                          "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    client = limited.test_client()
    same = [client.post("/passwort-vergessen", data={"email": "a@example.invalid"},
                        environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code
            for n in range(3)]
    assert same == [200, 200, 429]
    per_client = [client.post("/passwort-vergessen", data={"email": f"{n}@example.invalid"},
                              environ_base={"REMOTE_ADDR": "10.0.1.1"}).status_code
                  for n in range(4)]
    assert per_client == [200, 200, 200, 429]


def test_deactivated_accounts_links_stop_working(client, make, admin):
    user = make.user()
    link = f"/konto/neues-passwort/{tokens.make(user, tokens.RESET)}"
    accounts.deactivate(admin, user)
    assert client.get(link).status_code == 404


def test_accounts_made_with_a_password_are_active(db_session, make):
    user = make.user()
    assert db_session.scalar(select(User.invitation_pending).where(User.id == user.id)) \
        is False
