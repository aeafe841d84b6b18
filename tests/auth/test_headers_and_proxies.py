"""Personal and organizer pages are not cached; HSTS when asked for; the client's address
behind trusted reverse proxies (rate limits key on it)."""
from __future__ import annotations

import pytest

from eventhub import create_app, timeutil
from eventhub.extensions import limiter
from eventhub.registration import services as registration_services
from eventhub.registration import tokens
from tests.conftest import TEST_CONFIG
from tests.registration.helpers import applicant


@pytest.fixture()
def personal_token(make):
    event = make.event(double_opt_in=False)
    outcome = registration_services.register(event.id, applicant(), timeutil.utcnow())
    return tokens.make(outcome.registration, tokens.MANAGE), \
        tokens.make(outcome.registration, tokens.CONFIRM)


@pytest.mark.parametrize("path", [
    "/anmeldung/{manage}", "/anmeldung/{manage}/absagen", "/anmeldung/{manage}/daten",
    "/anmeldung/bestaetigen/{confirm}", "/anmeldung/{manage}/kalender.ics",
    "/anmeldung/not-a-token"])  # the page explaining a broken link too
def test_personal_pages_are_not_stored(client, personal_token, path):
    manage, confirm = personal_token
    response = client.get(path.format(manage=manage, confirm=confirm))
    assert response.status_code in (200, 400)
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("path", ["/verwaltung/", "/verwaltung/veranstaltungen/neu",
                                  "/verwaltung/does-not-exist", "/account/password"])
def test_organizer_pages_are_not_stored(login, make, path):
    client = login(make.user())
    response = client.get(path)
    assert response.status_code in (200, 404)
    assert response.headers["Cache-Control"] == "no-store"


def test_login_pages_and_redirects_are_not_stored(client):
    for response in (client.get("/login"), client.get("/verwaltung/"),
                     client.post("/logout")):
        assert response.headers["Cache-Control"] == "no-store"


def test_public_pages_and_feeds_keep_their_caching(client, make):
    event = make.event()
    for path in ("/", f"/veranstaltungen/{event.slug}"):
        assert "no-store" not in client.get(path).headers.get("Cache-Control", "")
    assert client.get("/kalender/veranstaltungen.ics").headers["Cache-Control"] == \
        "public, max-age=300"
    assert client.get(f"/veranstaltungen/{event.slug}/kalender.ics").headers[
        "Cache-Control"] == "public, max-age=300"


def test_hsts_only_when_configured(client, app, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/").headers
    monkeypatch.setitem(app.config, "HSTS_SECONDS", 31536000)
    assert client.get("/").headers["Strict-Transport-Security"] == \
        "max-age=31536000; includeSubDomains"


def _limited_app(app, monkeypatch, proxies: int):
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)  # restored afterwards
    return create_app({**TEST_CONFIG, "RATELIMIT_ENABLED": True,
                       "RATELIMIT_LOGIN": "2 per minute", "TRUSTED_PROXIES": proxies,
                       "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})


def _login_codes(client, forwarded_for: str, times: int) -> list[int]:
    data = {"email": "nobody@example.org", "password": "whatever-password"}
    return [client.post("/login", data=data, headers={"X-Forwarded-For": forwarded_for}
                        ).status_code for _ in range(times)]


def test_behind_a_trusted_proxy_each_client_has_its_own_bucket(app, monkeypatch):
    client = _limited_app(app, monkeypatch, proxies=1).test_client()
    assert _login_codes(client, "198.51.100.7", 3) == [422, 422, 429]
    assert _login_codes(client, "198.51.100.8", 2) == [422, 422]
    # A client's own X-Forwarded-For comes first; the proxy appends the address it saw.
    assert _login_codes(client, "198.51.100.8, 198.51.100.7", 1) == [429]


def test_without_trusted_proxies_forwarded_headers_are_ignored(app, monkeypatch):
    client = _limited_app(app, monkeypatch, proxies=0).test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.50"  # the proxy, or a client without one
    assert _login_codes(client, "198.51.100.7", 2) == [422, 422]
    assert _login_codes(client, "198.51.100.9", 1) == [429]  # no escape by a new header


def test_a_trusted_proxy_tells_the_scheme(app, monkeypatch):
    proxied = _limited_app(app, monkeypatch, proxies=1)

    @proxied.get("/_scheme")
    def scheme():
        from flask import request
        return f"{request.scheme} {request.remote_addr} {request.host}"

    answer = proxied.test_client().get("/_scheme", headers={
        "X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "evil.example"})
    assert answer.get_data(as_text=True) == "https 198.51.100.7 localhost"
