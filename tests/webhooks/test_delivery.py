"""Webhooks written with the change and delivered to a real HTTP receiver: signed, retried
while the receiver is down, exactly once with several senders, nothing lost when a
sender is killed."""
from __future__ import annotations

import json
import multiprocessing
import os
import signal
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from eventhub import timeutil
from eventhub.extensions import db
from eventhub.registration import services
from eventhub.registration.models import OrganizationSize
from eventhub.webhooks import delivery, emit, signing
from eventhub.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.webhooks.conftest import SECRET, Receiver, committed_endpoint

S = DeliveryStatus


def _endpoint(session, organization, url: str) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(organization_id=organization.id, url=url, secret=SECRET,
                               active=True, created_at=timeutil.utcnow())
    session.add(endpoint)
    session.flush()
    return endpoint


def _deliveries(session) -> list[WebhookDelivery]:
    return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def _register(event, email: str):
    return services.register(event.id, services.Applicant(
        email=email, first_name="A", last_name="B", organization_size=OrganizationSize.SOLO,
        region_code="DE-SN"), timeutil.utcnow(), source="organizer").registration


def test_changes_write_deliveries_in_their_transaction(db_session, make, receiver):
    mine, other = make.organization(), make.organization()
    _endpoint(db_session, mine, receiver.url)
    _endpoint(db_session, other, receiver.url + "/other")
    event = make.event(organization=mine)
    registration = _register(event, "a@example.org")
    services.cancel(registration, timeutil.utcnow(), by_organizer=True)
    rows = _deliveries(db_session)
    assert [r.kind for r in rows] == ["registration.created", "registration.cancelled"]
    body = json.loads(rows[0].body)
    assert body["id"] == rows[0].delivery_id and body["type"] == "registration.created"
    assert body["data"] == {"event_id": event.id, "registration_id": registration.id}

    savepoint = db_session.begin_nested()
    _register(event, "rolled-back@example.org")
    savepoint.rollback()
    assert len(_deliveries(db_session)) == 2  # a change rolled back sends nothing


def test_a_centre_without_endpoints_gets_nothing(db_session, make):
    event = make.event()
    assert emit("event.changed", event.id, timeutil.utcnow()) == 0
    assert _deliveries(db_session) == []


def test_the_receiver_gets_a_signed_body_it_can_verify(app, db_session, make, receiver,
                                                       loopback_allowed):
    centre = make.organization()
    _endpoint(db_session, centre, receiver.url)
    event = make.event(organization=centre)
    emit("event.changed", event.id, timeutil.utcnow())

    report = delivery.deliver_due(timeutil.utcnow())

    assert report.delivered == 1
    [(headers, body)] = receiver.requests
    assert signing.verify(SECRET, headers[signing.SIGNATURE_HEADER], body)
    assert not signing.verify("whsec_other", headers[signing.SIGNATURE_HEADER], body)
    assert not signing.verify(SECRET, headers[signing.SIGNATURE_HEADER], body + b" ")
    assert json.loads(body)["id"] == headers[signing.DELIVERY_HEADER]
    assert headers[signing.KIND_HEADER] == "event.changed"
    [row] = _deliveries(db_session)
    db_session.refresh(row)
    assert row.status is S.DELIVERED and row.last_status_code == 200


def test_a_private_target_is_refused_at_delivery(app, db_session, make, receiver):
    centre = make.organization()
    _endpoint(db_session, centre, receiver.url)  # 127.0.0.1, the setting off
    emit("event.changed", make.event(organization=centre).id, timeutil.utcnow())
    report = delivery.deliver_due(timeutil.utcnow())
    assert report.retried == 1 and receiver.requests == []
    [row] = _deliveries(db_session)
    db_session.refresh(row)
    assert "private" in row.last_error and row.status is S.QUEUED


def test_a_receiver_down_then_up_gets_every_delivery(app, db_session, make, clock,
                                                     loopback_allowed):
    down = Receiver()
    port = down.port
    down.stop()  # nothing listens on the port now
    centre = make.organization()
    _endpoint(db_session, centre, f"http://127.0.0.1:{port}/hooks")
    event = make.event(organization=centre)
    now = timeutil.utcnow()
    clock.freeze(now)
    for _ in range(3):
        emit("event.changed", event.id, now)
    first = delivery.deliver_due(now)
    assert first.retried == 3
    rows = _deliveries(db_session)
    for row in rows:
        db_session.refresh(row)
    assert {r.status for r in rows} == {S.QUEUED} and rows[0].next_attempt_at > now
    assert delivery.deliver_due(now).claimed == 0  # backing off

    up = Receiver(port)
    try:
        later = now + timedelta(seconds=app.config["WEBHOOK_RETRY_BASE_SECONDS"] + 1)
        assert delivery.deliver_due(later).delivered == 3
        assert up.delivery_ids() == Counter({r.delivery_id: 1 for r in rows})
    finally:
        up.stop()


def test_failing_answers_back_off_and_give_up_after_the_last_attempt(
        app, db_session, make, receiver, loopback_allowed, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_MAX_ATTEMPTS", 2)
    receiver.status = 500
    centre = make.organization()
    _endpoint(db_session, centre, receiver.url)
    emit("event.changed", make.event(organization=centre).id, timeutil.utcnow())
    now = timeutil.utcnow()
    assert delivery.deliver_due(now).retried == 1
    assert delivery.deliver_due(now + timedelta(hours=1)).failed == 1
    [row] = _deliveries(db_session)
    db_session.refresh(row)
    assert row.status is S.FAILED and row.last_status_code == 500 and row.attempts == 2

    receiver.status = 204
    delivery.resend(row, now + timedelta(hours=2))
    db_session.flush()
    assert delivery.deliver_due(now + timedelta(hours=2)).delivered == 1
    assert len(receiver.delivery_ids()) == 1  # the same delivery id each time


# --- several senders, real threads, real commits -----------------------------------------

DELIVERIES = 40


def _committed_deliveries(app, endpoint_id: int, now) -> list[str]:
    with app.app_context():
        rows = [{"endpoint_id": endpoint_id, "delivery_id": f"{endpoint_id}-{n}-{now.timestamp()}",
                 "kind": "event.changed", "body": json.dumps({"id": f"{endpoint_id}-{n}"}),
                 "status": S.QUEUED, "attempts": 0, "next_attempt_at": now, "created_at": now}
                for n in range(DELIVERIES)]
        db.session.execute(insert(WebhookDelivery), rows)
        db.session.commit()
        db.session.remove()
    return [row["delivery_id"] for row in rows]


@pytest.mark.concurrency
def test_concurrent_senders_deliver_each_exactly_once(app, receiver, loopback_allowed):
    now = timeutil.utcnow()
    with committed_endpoint(app, receiver.url, "zz-webhook-threads") as (_, endpoint_id):
        _committed_deliveries(app, endpoint_id, now)
        start = threading.Barrier(4)
        reports, errors = [], []

        def sender() -> None:
            try:
                with app.app_context():
                    start.wait()
                    while (report := delivery.deliver_due(now, limit=3)).claimed:
                        reports.append(report)
                    db.session.remove()
            except Exception as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=sender) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        assert sum(r.delivered for r in reports) == DELIVERIES
        assert receiver.delivery_ids() == Counter(
            {f"{endpoint_id}-{n}": 1 for n in range(DELIVERIES)})


KILL_AFTER = 5


def _sender(url: str) -> None:
    """Delivers with its own app, and dies (SIGKILL) right after the receiver answered the
    KILL_AFTER-th delivery, before its outcome was written."""
    from eventhub import create_app
    from tests.conftest import TEST_CONFIG

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url,
                      "WEBHOOK_ALLOW_LOOPBACK": True, "WEBHOOK_BATCH_SIZE": 100})
    original, sent = delivery.send, Counter()

    def send_then_die(job, now):
        result = original(job, now)
        sent["n"] += 1
        if sent["n"] == KILL_AFTER:
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    delivery.send = send_then_die
    with app.app_context():
        delivery.deliver_due(timeutil.utcnow())


@pytest.mark.concurrency
def test_a_killed_sender_loses_no_delivery(app, receiver):
    now = timeutil.utcnow() - timedelta(seconds=1)
    with committed_endpoint(app, receiver.url, "zz-webhook-kill") as (_, endpoint_id):
        ids = _committed_deliveries(app, endpoint_id, now)
        process = multiprocessing.get_context("spawn").Process(
            target=_sender, args=(app.config["SQLALCHEMY_DATABASE_URI"],))
        process.start()
        process.join(60)
        assert process.exitcode == -signal.SIGKILL
        with app.app_context():
            states = Counter(db.session.scalars(select(WebhookDelivery.status).where(
                WebhookDelivery.delivery_id.in_(ids))))
            db.session.remove()
        assert states == Counter({S.DELIVERED: KILL_AFTER - 1,
                                  S.SENDING: DELIVERIES - KILL_AFTER + 1})

        lease = timedelta(seconds=app.config["WEBHOOK_LEASE_SECONDS"])
        with app.app_context():
            app.config["WEBHOOK_ALLOW_LOOPBACK"] = True
            try:
                report = delivery.deliver_due(timeutil.utcnow() + lease + timedelta(seconds=1),
                                              limit=100)
            finally:
                app.config["WEBHOOK_ALLOW_LOOPBACK"] = False
            db.session.remove()
        assert report.delivered == DELIVERIES - KILL_AFTER + 1
        received = receiver.delivery_ids()
        assert set(received) == {f"{endpoint_id}-{n}" for n in range(DELIVERIES)}
        # Only the one in flight came twice; the receiver drops it by its delivery id.
        assert Counter(received.values()) == Counter({1: DELIVERIES - 1, 2: 1})

