"""The centre's webhooks page: an address added (its secret shown once), refused when it
leads inside, removed; recent deliveries and sending one again; other centres' hidden."""
from __future__ import annotations

from sqlalchemy import select

from eventhub import timeutil
from eventhub.webhooks import emit
from eventhub.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.api.conftest import bearer


def test_an_organizer_adds_an_address_and_sees_its_secret_once(client, login, make,
                                                                db_session, loopback_allowed,
                                                                receiver):
    organizer = make.user()
    login(organizer)
    page = client.post("/verwaltung/webhooks/", data={
        "organization_id": organizer.organization_id, "url": receiver.url})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    endpoint = db_session.scalar(select(WebhookEndpoint))
    assert endpoint.secret.startswith("whsec_") and endpoint.secret in html
    assert f'value="{receiver.url}"' not in html  # the form is empty for the next one
    assert endpoint.secret not in client.get("/verwaltung/webhooks/").get_data(as_text=True)


def test_an_address_into_a_private_network_is_refused(client, login, make, db_session):
    organizer = make.user()
    login(organizer)
    for url in ("http://127.0.0.1:9/x", "http://169.254.169.254/", "https://10.0.0.1/",
                "javascript:alert(1)"):
        page = client.post("/verwaltung/webhooks/", data={
            "organization_id": organizer.organization_id, "url": url})
        assert page.status_code == 422, url
    assert db_session.scalar(select(WebhookEndpoint)) is None


def test_an_organizer_cannot_add_or_touch_another_centres_webhooks(client, login, make,
                                                                   db_session,
                                                                   loopback_allowed):
    organizer, other = make.user(), make.organization()
    theirs = WebhookEndpoint(organization_id=other.id, url="http://127.0.0.1:9/t",
                             secret="whsec_theirs", active=True, created_at=timeutil.utcnow())
    db_session.add(theirs)
    db_session.flush()
    emit("event.changed", make.event(organization=other).id, timeutil.utcnow())
    delivery = db_session.scalar(select(WebhookDelivery))
    login(organizer)
    refused = client.post("/verwaltung/webhooks/", data={
        "organization_id": other.id, "url": "http://127.0.0.1:9/mine"})
    assert refused.status_code == 422  # not among the choices: a field error
    assert db_session.scalar(select(WebhookEndpoint).where(
        WebhookEndpoint.organization_id == organizer.organization_id)) is None
    assert client.post(f"/verwaltung/webhooks/{theirs.id}/entfernen").status_code == 404
    assert client.post(f"/verwaltung/webhooks/zustellungen/{delivery.id}/erneut") \
        .status_code == 404
    page = client.get("/verwaltung/webhooks/").get_data(as_text=True)
    assert "127.0.0.1:9/t" not in page and delivery.delivery_id not in page


def test_deliveries_listed_resent_and_the_address_removed(client, login, make, db_session,
                                                         token_for, loopback_allowed,
                                                         receiver):
    organizer = make.user()
    db_session.add(WebhookEndpoint(organization_id=organizer.organization_id,
                                   url=receiver.url, secret="whsec_x", active=True,
                                   created_at=timeutil.utcnow()))
    db_session.flush()
    event = make.event(organization=organizer.organization)
    client.post(f"/api/v1/manage/events/{event.id}/cancel",
                headers=bearer(token_for(organizer)))
    delivery = db_session.scalar(select(WebhookDelivery))
    assert delivery.kind == "event.cancelled"
    delivery.status = DeliveryStatus.FAILED
    db_session.flush()
    login(organizer)
    page = client.get("/verwaltung/webhooks/").get_data(as_text=True)
    assert delivery.delivery_id in page and "event.cancelled" in page
    assert client.post(f"/verwaltung/webhooks/zustellungen/{delivery.id}/erneut") \
        .status_code == 302
    db_session.refresh(delivery)
    assert delivery.status is DeliveryStatus.QUEUED
    endpoint = db_session.scalar(select(WebhookEndpoint))
    assert client.post(f"/verwaltung/webhooks/{endpoint.id}/entfernen").status_code == 302
    assert db_session.scalar(select(WebhookEndpoint)) is None
