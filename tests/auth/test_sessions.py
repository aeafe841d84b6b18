"""Logins live on the server: logging out, a password change and "log out everywhere" end
them, also for copies of the session cookie taken before."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from eventhub import timeutil
from eventhub.auth import services, sessions
from eventhub.auth.models import LoginSession
from tests.factories import PASSWORD

NEW_PASSWORD = "a-new-long-password"


def _copy_of(app, client):
    """Another browser with a copy of ``client``'s session cookie (stolen, or restored
    from a backup): same address and user agent, so session protection lets it in."""
    cookie = client.get_cookie("session", domain="localhost")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value, domain="localhost")
    return thief


def _logins(db_session, user) -> list[LoginSession]:
    db_session.expire_all()
    return db_session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)
                              ).all()


def _is_refused(client) -> bool:
    response = client.get("/verwaltung/")
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_cookie_copied_before_logout_no_longer_opens_the_pages(app, login, make):
    client = login(make.user())
    copy = _copy_of(app, client)
    assert copy.get("/verwaltung/").status_code == 200  # the copy works while logged in
    assert client.post("/logout").status_code == 302
    assert _is_refused(copy)
    assert _is_refused(client)


def test_logout_ends_only_this_login(app, login, make, db_session):
    user = make.user()
    laptop = app.test_client()
    laptop.post("/login", data={"email": user.email, "password": PASSWORD})
    phone = login(user)
    assert len(_logins(db_session, user)) == 2
    phone.post("/logout")
    assert _is_refused(phone)
    assert laptop.get("/verwaltung/").status_code == 200
    assert len(_logins(db_session, user)) == 1


def test_password_change_refuses_old_cookies_and_keeps_the_changing_browser(app, login, make,
                                                                            db_session):
    user = make.user()
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": PASSWORD})
    client = login(user)
    copy_from_before = _copy_of(app, client)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/verwaltung/").status_code == 200
    assert _is_refused(other_device)
    assert _is_refused(copy_from_before)  # the changing browser got a fresh login
    assert len(_logins(db_session, user)) == 1


def test_a_refused_password_change_ends_no_login(app, login, make, db_session):
    user = make.user()
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": PASSWORD})
    client = login(user)
    response = client.post("/account/password", data={
        "current_password": "not-my-password", "new_password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD})
    assert response.status_code == 422
    assert other_device.get("/verwaltung/").status_code == 200
    assert len(_logins(db_session, user)) == 2


def test_log_out_everywhere_ends_every_login(app, login, make, db_session):
    user, colleague = make.user(), make.user()
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": PASSWORD})
    colleagues_browser = app.test_client()
    colleagues_browser.post("/login", data={"email": colleague.email, "password": PASSWORD})
    client = login(user)
    copy = _copy_of(app, client)
    page = client.get("/account/password?lang=en").get_data(as_text=True)
    assert re.search(r'action="/account/logout-everywhere">\s*<input type="hidden" '
                     r'name="csrf_token" value="[^"]+">', page)
    assert "Log out everywhere" in page
    assert client.get("/account/logout-everywhere").status_code == 405
    response = client.post("/account/logout-everywhere")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    assert all(_is_refused(c) for c in (client, copy, other_device))
    assert _logins(db_session, user) == []
    assert colleagues_browser.get("/verwaltung/").status_code == 200


def test_log_out_everywhere_needs_a_csrf_token(app, make):
    from eventhub import create_app
    from tests.conftest import TEST_CONFIG
    strict = create_app({**TEST_CONFIG, "WTF_CSRF_ENABLED": True,
                         "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    response = strict.test_client().post("/account/logout-everywhere")
    assert response.status_code == 400


def test_a_deactivated_users_login_is_refused(login, make, db_session):
    user = make.user()
    client = login(user)
    user.active = False
    db_session.flush()
    assert _is_refused(client)


def test_a_login_older_than_the_session_lifetime_is_refused(app, login, make, clock):
    client = login(make.user())
    started = timeutil.utcnow()
    clock.set(started + app.permanent_session_lifetime - timedelta(minutes=1))
    assert client.get("/verwaltung/").status_code == 200
    clock.set(started + app.permanent_session_lifetime + timedelta(minutes=1))
    assert _is_refused(client)


def test_last_seen_is_written_now_and_then_not_on_every_request(login, make, db_session,
                                                                clock):
    user = make.user()
    client = login(user)
    [login_session] = _logins(db_session, user)
    started = login_session.last_seen_at
    clock.set(started + sessions.LAST_SEEN_INTERVAL - timedelta(seconds=30))
    client.get("/verwaltung/")
    assert _logins(db_session, user)[0].last_seen_at == started
    clock.set(started + sessions.LAST_SEEN_INTERVAL + timedelta(seconds=30))
    client.get("/verwaltung/")
    assert _logins(db_session, user)[0].last_seen_at > started


def test_the_database_keeps_only_a_hash_of_the_token(app, login, make, db_session):
    user = make.user()
    client = login(user)
    cookie = client.get_cookie("session", domain="localhost").value
    token = app.session_interface.get_signing_serializer(app).loads(cookie)["_user_id"]
    [login_session] = _logins(db_session, user)
    assert login_session.token_hash == sessions.hash_token(token) != token
    assert login_session.user_agent.startswith("Werkzeug/")


def test_start_trims_the_user_agent_and_load_needs_the_exact_token(make, db_session):
    user, now = make.user(), timeutil.utcnow()
    token = sessions.start(user, now, "x" * 1000)
    assert len(user.login_session.user_agent) == 200
    assert user.get_id() == token
    assert sessions.load_user(token, now, timedelta(hours=1)) is user
    assert sessions.load_user(token + "x", now, timedelta(hours=1)) is None
    assert sessions.load_user(token, now + timedelta(hours=1), timedelta(hours=1)) is None


def test_purge_deletes_expired_logins_and_log_in_purges(make, db_session):
    user, now = make.user(), timeutil.utcnow()
    lifetime = timedelta(hours=8)
    sessions.start(user, now - lifetime - timedelta(minutes=1))
    sessions.start(user, now - timedelta(hours=1))
    assert sessions.purge(now, lifetime) == 1
    sessions.start(user, now - lifetime - timedelta(minutes=1))
    assert services.log_in(user.email, PASSWORD, now=now, user_agent="", max_age=lifetime) \
        is user
    ages = sorted(now - login.created_at for login in _logins(db_session, user))
    assert ages == [timedelta(0), timedelta(hours=1)]


def test_a_user_without_a_login_has_no_id(make):
    with pytest.raises(RuntimeError):
        make.user().get_id()
