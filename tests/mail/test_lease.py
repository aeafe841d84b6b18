"""The claim of a sender at work is renewed (``mail.outcomes.Lease``), so a short lease
does not let another sender take over a batch that is still being sent; a sender that
cannot renew stops starting messages and gives the rest back."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from eventhub import mail, timeutil
from eventhub.extensions import db
from eventhub.mail import MessageStatus, OutboxMessage
from eventhub.mail.outcomes import Outcomes
from tests.mail.conftest import outbox

pytestmark = pytest.mark.concurrency
KIND = "lease_test"


def _messages(n: int, now) -> list[OutboxMessage]:
    stamp = now.timestamp()
    return [OutboxMessage(message_id=f"<lease-{i}-{stamp}@eventhub.test>", kind=KIND,
                          to_address=f"person{i}@example.org", subject=f"Nr. {i}",
                          body_text="Hallo", body_html="<p>Hallo</p>", language="de",
                          next_attempt_at=now) for i in range(n)]


@pytest.fixture()
def committed_messages(app):
    """Rows committed for real, for senders in other threads; removed afterwards."""
    def add(n: int) -> list[str]:
        with app.app_context():
            rows = _messages(n, timeutil.utcnow() - timedelta(seconds=1))
            db.session.add_all(rows)
            db.session.commit()
            return [r.message_id for r in rows]
    yield add
    with app.app_context():
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.kind == KIND))
        db.session.commit()


def _leases(app) -> tuple[int, object]:
    """(rows sending, their latest lease), read in a short transaction of its own."""
    with app.app_context():
        try:
            return db.session.execute(
                select(func.count(), func.max(OutboxMessage.lease_until))
                .where(OutboxMessage.kind == KIND,
                       OutboxMessage.status == MessageStatus.SENDING)).one()
        finally:
            db.session.remove()


def test_a_working_sender_keeps_its_claim_past_the_lease(app, smtp, mail_config,
                                                          committed_messages):
    # Renewed every 4/3 s; the batch takes 8 s. A renewal may come 2.6 s late (a loaded
    # machine) before another sender could take the claim over.
    mail_config(MAIL_LEASE_SECONDS=4)
    smtp.inbox.seconds_per_message = 0.2
    message_ids = committed_messages(40)
    reports, errors = [], []

    def sender() -> None:
        try:
            with app.app_context():
                reports.append(mail.deliver_due(timeutil.utcnow(), limit=40))
        except Exception as exc:  # surfaced below
            errors.append(exc)

    worker = threading.Thread(target=sender)
    worker.start()
    first_lease, latest_lease, others = None, None, []
    deadline = time.monotonic() + 60
    while worker.is_alive() and time.monotonic() < deadline:
        sending, lease = _leases(app)
        if sending:
            first_lease = first_lease or lease
            latest_lease = lease
        if first_lease is not None:  # claimed: another sender keeps trying to claim too
            with app.app_context():
                others.append(mail.deliver_due(timeutil.utcnow()).claimed)
                db.session.remove()
        time.sleep(0.1)
    worker.join(60)

    assert errors == [] and reports[0].sent == 40
    assert len(others) > 5 and sum(others) == 0  # nothing taken over from the worker
    assert latest_lease - first_lease >= timedelta(seconds=1)  # renewed as it went
    assert smtp.count_by_message_id() == dict.fromkeys(message_ids, 1)


def test_a_sender_that_cannot_renew_stops_and_gives_the_rest_back(
        now, db_session, smtp, mail_config, monkeypatch, caplog):
    mail_config(MAIL_LEASE_SECONDS=1)
    smtp.inbox.seconds_per_message = 0.2
    db_session.add_all(_messages(10, now))
    db_session.commit()

    def unreachable(self, lease_until):
        raise OSError("database unreachable")
    monkeypatch.setattr(Outcomes, "extend", unreachable)

    report = mail.deliver_due(now)

    # Half a lease (0.5 s) allows a few messages at 0.2 s each; the rest are given back.
    assert report.sent >= 1 and report.released >= 1
    assert report.sent + report.released == 10
    rows = outbox(db_session)
    assert sorted(r.status for r in rows) == sorted(
        [MessageStatus.SENT] * report.sent + [MessageStatus.QUEUED] * report.released)
    assert all(r.attempts == 0 and r.claim_token is None for r in rows)
    assert "renewing the claim" in caplog.text
    assert set(smtp.count_by_message_id().values()) == {1}
