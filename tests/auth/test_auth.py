"""Login, logout, password change, session protection, login rate limit."""
from __future__ import annotations

import pytest

from eventhub import create_app
from eventhub.auth import services
from eventhub.auth.models import Role
from eventhub.errors import RuleViolation
from eventhub.extensions import limiter
from eventhub.timeutil import utcnow
from tests.conftest import TEST_CONFIG
from tests.factories import PASSWORD


def test_login_with_correct_password_opens_the_dashboard(client, make):
    user = make.user(name="Karla Kolumna")
    response = client.post("/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/verwaltung/")
    page = client.get("/verwaltung/").get_data(as_text=True)
    assert "Karla Kolumna" in page


@pytest.mark.parametrize("email, password", [
    ("known", "wrong-password"), ("nobody@example.org", PASSWORD)])
def test_wrong_credentials_give_one_message_for_both_cases(client, make, email, password):
    user = make.user()
    response = client.post("/login?lang=en", data={
        "email": user.email if email == "known" else email, "password": password})
    assert response.status_code == 422
    assert "E-mail address or password is not correct." in response.get_data(as_text=True)
    assert client.get("/verwaltung/").status_code == 302


def test_inactive_account_cannot_log_in(client, make):
    user = make.user(active=False)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 422


def test_login_redirects_only_to_local_next(client, make):
    user = make.user()
    ok = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                     "next": "/verwaltung/veranstaltungen/neu"})
    assert ok.headers["Location"].endswith("/verwaltung/veranstaltungen/neu")
    client.post("/logout")
    evil = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                       "next": "//evil.example/x"})
    assert "evil.example" not in evil.headers["Location"]


def test_logout_ends_the_session(login, make):
    client = login(make.user())
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/verwaltung/").status_code == 302


def test_password_change_needs_the_current_password(login, make, db_session):
    user = make.user()
    client = login(user)
    response = client.post("/account/password?lang=en", data={
        "current_password": "not-my-password", "new_password": "a-new-long-password",
        "confirm": "a-new-long-password"})
    assert response.status_code == 422
    assert "The current password is not correct." in response.get_data(as_text=True)
    db_session.expire_all()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize("new, confirm", [("short", "short"),
                                          ("a-new-long-password", "another-long-password")])
def test_password_change_refuses_weak_or_mismatched(login, make, new, confirm):
    client = login(make.user())
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": new, "confirm": confirm})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_password_change_ends_other_sessions_but_keeps_this_one(app, login, make,
                                                                 db_session):
    user = make.user()
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": PASSWORD})
    assert other_device.get("/verwaltung/").status_code == 200
    client = login(user)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a-new-long-password",
        "confirm": "a-new-long-password"})
    assert response.status_code == 302
    assert client.get("/verwaltung/").status_code == 200
    assert other_device.get("/verwaltung/").status_code == 302
    db_session.expire_all()
    assert user.check_password("a-new-long-password")
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_authenticate_records_the_login_time(make, db_session):
    user = make.user()
    now = utcnow()
    assert services.authenticate(user.email, PASSWORD, now) is user
    assert user.last_login_at == now


def test_create_user_rules(make, db_session):
    organization = make.organization()
    user = services.create_user(email=" New@Example.org ", name="Neu", password="long-enough-1",
                                role=Role.ORGANIZER, organization=organization)
    assert user.email == "new@example.org"
    assert user.password_hash != "long-enough-1"
    with pytest.raises(RuleViolation) as duplicate:
        services.create_user(email="new@example.org", name="X", password="long-enough-1",
                             role=Role.ADMIN, organization=None)
    assert duplicate.value.field == "email"
    with pytest.raises(RuleViolation) as orphan:
        services.create_user(email="o@example.org", name="X", password="long-enough-1",
                             role=Role.ORGANIZER, organization=None)
    assert orphan.value.field == "organization"
    with pytest.raises(RuleViolation) as weak:
        services.create_user(email="w@example.org", name="X", password="short",
                             role=Role.ADMIN, organization=None)
    assert weak.value.field == "password"


def test_login_is_rate_limited_with_a_friendly_page(app, monkeypatch):
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)  # restored afterwards
    limited = create_app({**TEST_CONFIG, "RATELIMIT_ENABLED": True,
                          "RATELIMIT_LOGIN": "3 per minute",
                          "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    client = limited.test_client()
    data = {"email": "nobody@example.org", "password": "whatever-password"}
    codes = [client.post("/login?lang=en", data=data).status_code for _ in range(4)]
    assert codes == [422, 422, 422, 429]
    page = client.post("/login?lang=en", data=data)
    assert page.status_code == 429
    assert "<main" in page.get_data(as_text=True)
    assert client.get("/login").status_code == 200  # only POSTs are limited
