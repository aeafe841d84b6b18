"""Personal API tokens: made and revoked in the browser, shown once, stored hashed, and
what each may do (the authorization matrix)."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from eventhub import create_app, timeutil
from eventhub.api.models import ApiToken
from eventhub.auth.models import Role
from eventhub.events.models import EventStatus
from eventhub.extensions import limiter
from tests.api.conftest import bearer
from tests.conftest import TEST_CONFIG, csrf_token_from


def test_a_token_is_shown_once_and_stored_as_its_hash(login, make, client, db_session):
    user = make.user()
    login(user)
    page = client.post("/verwaltung/api-tokens/", data={
        "name": "Newsletter", "access": "read", "expires_in_days": ""})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    secret = html.split('id="new-token" type="text" readonly value="', 1)[1].split('"', 1)[0]
    assert secret.startswith("eh_") and len(secret) > 40
    stored = db_session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in stored.prefix + stored.name
    again = client.get("/verwaltung/api-tokens/").get_data(as_text=True)
    assert secret not in again and "Newsletter" in again and stored.prefix in again

    assert client.get("/api/v1/manage/me", headers=bearer(secret)).get_json()["user_id"] \
        == user.id
    row = client.get("/verwaltung/api-tokens/").get_data(as_text=True) \
        .split("Newsletter", 1)[1].split("</tr>", 1)[0]
    assert row.count("<td>nie</td>") == 1  # expires never; last used: just now


def test_revoking_in_the_browser_ends_the_token(login, make, client, token_for):
    user = make.user()
    secret = token_for(user)
    login(user)
    page = client.get("/verwaltung/api-tokens/").get_data(as_text=True)
    action = page.split('action="/verwaltung/api-tokens/', 1)[1].split('"', 1)[0]
    response = client.post("/verwaltung/api-tokens/" + action)
    assert response.status_code == 302
    assert client.get("/api/v1/manage/me", headers=bearer(secret)).status_code == 401


def test_nobody_revokes_another_persons_token(login, make, client, token_for, db_session):
    owner, other = make.user(), make.user()
    token_for(owner)
    token = db_session.scalar(select(ApiToken).where(ApiToken.user_id == owner.id))
    login(other)
    assert client.post(f"/verwaltung/api-tokens/{token.id}/widerrufen").status_code == 404
    assert token.revoked_at is None


def test_the_token_form_refuses_bad_input(login, make, client):
    login(make.user())
    response = client.post("/verwaltung/api-tokens/", data={
        "name": "", "access": "root", "expires_in_days": "99999999999999"})
    assert response.status_code == 422
    assert "eh_" not in response.get_data(as_text=True)


def test_the_token_page_needs_a_login_and_keeps_csrf(client, app, make, monkeypatch, login):
    assert client.get("/verwaltung/api-tokens/").status_code == 302
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    login_page = client.get("/login").get_data(as_text=True)
    user = make.user()
    client.post("/login", data={"email": user.email, "password": "correct-horse-battery",
                                "csrf_token": csrf_token_from(login_page)})
    refused = client.post("/verwaltung/api-tokens/", data={"name": "x", "access": "read"})
    assert refused.status_code == 400


# --- the authorization matrix --------------------------------------------------------

@pytest.fixture()
def two_centres(make):
    a, b = make.organization(), make.organization()
    return {"a": a, "b": b, "organizer_a": make.user(organization=a),
            "event_b": make.event(organization=b)}


def test_an_organizer_of_centre_a_sees_nothing_of_centre_b(client, two_centres, token_for,
                                                           make):
    headers = bearer(token_for(two_centres["organizer_a"]))
    event_b = two_centres["event_b"]
    for path in (f"/api/v1/manage/events/{event_b.id}",
                 f"/api/v1/manage/events/{event_b.id}/registrations",
                 f"/api/v1/manage/events/{event_b.id}/attendance"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404, path
        assert response.mimetype == "application/problem+json"
    for path in (f"/api/v1/manage/events/{event_b.id}/publish",
                 f"/api/v1/manage/events/{event_b.id}/cancel"):
        assert client.post(path, headers=headers).status_code == 404
    assert event_b.status is EventStatus.PUBLISHED
    report = client.get(f"/api/v1/manage/report?event={event_b.id}", headers=headers)
    assert report.status_code == 422
    listed = client.get("/api/v1/manage/events", headers=headers).get_json()
    assert event_b.id not in [e["id"] for e in listed["items"]]
    created = client.post("/api/v1/manage/events", headers=headers, json={
        "organization_id": two_centres["b"].id, "title": "Fremd", "format": "webinar",
        "starts_at": "2040-01-01T10:00:00", "ends_at": "2040-01-01T11:00:00"})
    assert created.status_code == 403


def test_revoked_expired_read_only_and_missing_tokens(client, make, token_for, clock,
                                                      db_session):
    user = make.user()
    event = make.event(organization=user.organization)
    publish = f"/api/v1/manage/events/{event.id}/cancel"
    read_only = token_for(user, write=False)
    assert client.get("/api/v1/manage/events", headers=bearer(read_only)).status_code == 200
    written = client.post(publish, headers=bearer(read_only))
    assert written.status_code == 403 and "read-only" in written.get_json()["detail"]

    assert client.get("/api/v1/manage/events").status_code == 401
    assert client.get("/api/v1/manage/events", headers={"Authorization": "Basic eA=="}) \
        .status_code == 401
    assert client.get("/api/v1/manage/events", headers=bearer("eh_" + "x" * 43)) \
        .status_code == 401

    expiring = token_for(user, days=1)
    assert client.get("/api/v1/manage/me", headers=bearer(expiring)).status_code == 200
    clock.set(timeutil.utcnow() + timedelta(days=1, minutes=1))
    assert client.get("/api/v1/manage/me", headers=bearer(expiring)).status_code == 401

    revoked = token_for(user)
    db_session.scalar(select(ApiToken).where(ApiToken.revoked_at.is_(None),
                                             ApiToken.expires_at.is_(None),
                                             ApiToken.can_write.is_(True))) \
        .revoked_at = timeutil.utcnow()
    db_session.flush()
    assert client.get("/api/v1/manage/me", headers=bearer(revoked)).status_code == 401

    user.active = False
    db_session.flush()
    assert client.get("/api/v1/manage/me", headers=bearer(read_only)).status_code == 401


def test_a_coordinator_sees_every_centre(client, make, token_for, two_centres):
    coordinator = make.user(role=Role.COORDINATOR)
    response = client.get(f"/api/v1/manage/events/{two_centres['event_b'].id}",
                          headers=bearer(token_for(coordinator)))
    assert response.status_code == 200


def test_rate_limits_per_token_and_per_address(app, monkeypatch):
    """Keyed by the Authorization header (checked before the token is looked up, so an
    unknown token counts too), and by address without one."""
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)  # restored afterwards
    limited = create_app({**TEST_CONFIG, "RATELIMIT_ENABLED": True,
                          "RATELIMIT_API_TOKEN": "3 per minute",
                          "RATELIMIT_API_ANONYMOUS": "2 per minute",
                          "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    client = limited.test_client()
    first, second = bearer("eh_" + "a" * 43), bearer("eh_" + "b" * 43)
    codes = [client.get("/api/v1/manage/me", headers=first).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    limited_answer = client.get("/api/v1/manage/me", headers=first)
    assert limited_answer.mimetype == "application/problem+json"
    assert "Retry-After" in limited_answer.headers
    assert client.get("/api/v1/manage/me", headers=second).status_code == 401
    assert [client.get("/api/v1/regions").status_code for _ in range(3)] == [200, 200, 429]


def test_csrf_stays_on_for_a_login_cookie_and_is_exempt_with_a_token(
        client, app, make, monkeypatch, token_for):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    user = make.user()
    event = make.event(organization=user.organization)
    login_page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": user.email, "password": "correct-horse-battery",
                                "csrf_token": csrf_token_from(login_page)})
    by_cookie = client.post(f"/api/v1/manage/events/{event.id}/cancel")
    assert by_cookie.status_code == 400
    assert by_cookie.mimetype == "application/problem+json"
    by_token = client.post(f"/api/v1/manage/events/{event.id}/cancel",
                           headers=bearer(token_for(user)))
    assert by_token.status_code == 200 and by_token.get_json()["status"] == "cancelled"
