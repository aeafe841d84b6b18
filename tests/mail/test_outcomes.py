"""Recording outcomes with one session per batch (``mail.outcomes.Outcomes``): each
outcome is still its own transaction, committed before the next message is handed over,
and only while the claim is ours. Checked in the test's transaction and with a real
sender process killed (SIGKILL) right after the server accepted a message."""
from __future__ import annotations

import multiprocessing
import os
import signal
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from eventhub import timeutil
from eventhub.extensions import db
from eventhub.mail import MessageStatus, OutboxMessage, deliver_due
from eventhub.mail.delivery import _claim
from eventhub.mail.outcomes import DeliveryReport, Outcomes
from tests.mail.conftest import outbox

KIND = "outcome_test"


def _message(n: int, now) -> OutboxMessage:
    return OutboxMessage(message_id=f"<outcome-{n}-{os.getpid()}@eventhub.invalid>",
                         kind=KIND, to_address=f"person{n}@example.org", subject=f"Nr. {n}",
                         body_text="Text", body_html="<p>HTML</p>", language="de",
                         next_attempt_at=now)


def test_one_session_records_each_outcome_only_while_its_claim_is_ours(
        app, db_session, now):
    db_session.add_all(_message(n, now) for n in range(3))
    db_session.commit()
    lease = timedelta(seconds=app.config["MAIL_LEASE_SECONDS"])
    mine = _claim(now, now + lease, 10, "mine")
    taken_over = mine[1]  # its lease expired, another sender claimed it again
    db_session.execute(update(OutboxMessage).where(OutboxMessage.id == taken_over.id)
                       .values(lease_until=now + 2 * lease, claim_token="theirs"))
    db_session.commit()
    report = DeliveryReport()

    with Outcomes(now, "mine", report) as outcomes:
        outcomes.sent(mine[0])
        outcomes.sent(taken_over)
        outcomes.failure(mine[2], "451 try again later")

    assert (report.sent, report.retried) == (1, 1)
    first, second, third = outbox(db_session)
    assert (first.status, first.sent_at, first.lease_until) == (MessageStatus.SENT, now, None)
    assert (second.status, second.lease_until, second.sent_at) == \
        (MessageStatus.SENDING, now + 2 * lease, None)
    assert (third.status, third.attempts, third.last_error, third.lease_until) == \
        (MessageStatus.QUEUED, 1, "451 try again later", None)
    assert third.next_attempt_at == now + timedelta(seconds=30)


def test_a_permanent_failure_and_the_release_of_untried_messages(app, db_session, now):
    db_session.add_all(_message(n, now) for n in range(3))
    db_session.commit()
    lease_until = now + timedelta(seconds=app.config["MAIL_LEASE_SECONDS"])
    bad, *untried = _claim(now, lease_until, 10, "mine")
    report = DeliveryReport()

    with Outcomes(now, "mine", report) as outcomes:
        outcomes.failure(bad, "line break in the recipient address", permanent=True)
        outcomes.release(untried)

    assert (report.failed, report.released) == (1, 2)
    assert [(m.status, m.attempts, m.lease_until) for m in outbox(db_session)] == [
        (MessageStatus.FAILED, 1, None), (MessageStatus.QUEUED, 0, None),
        (MessageStatus.QUEUED, 0, None)]


# -- a real sender process, killed --------------------------------------------------------

MESSAGES, KILL_AFTER = 12, 5


def _sender(url: str, port: int) -> None:
    """Delivers with its own app and connections, and dies (SIGKILL) right after the server
    accepted the KILL_AFTER-th message, before its outcome could be recorded."""
    from eventhub import create_app, mail
    from tests.conftest import TEST_CONFIG

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "MAIL_SERVER": "127.0.0.1",
                      "MAIL_PORT": port, "MAIL_USE_TLS": False, "MAIL_TIMEOUT_SECONDS": 5})
    original, handed_over = mail.SMTPTransport.send, Counter()

    def send_then_die(self, *args, **kwargs):
        original(self, *args, **kwargs)
        handed_over["n"] += 1
        if handed_over["n"] == KILL_AFTER:
            os.kill(os.getpid(), signal.SIGKILL)
    mail.SMTPTransport.send = send_then_die
    with app.app_context():
        deliver_due(timeutil.utcnow())


@pytest.fixture()
def committed_messages(app):
    """Outbox rows committed for real (another process must see them); removed after."""
    now = timeutil.utcnow().replace(microsecond=0) - timedelta(seconds=1)
    with app.app_context():
        db.session.add_all(_message(n, now) for n in range(MESSAGES))
        db.session.commit()
        ids = list(db.session.scalars(select(OutboxMessage.id)
                                      .where(OutboxMessage.kind == KIND)
                                      .order_by(OutboxMessage.id)))
        db.session.remove()
    yield ids
    with app.app_context():
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.kind == KIND))
        db.session.commit()
        db.session.remove()


def _states(app, ids) -> list[MessageStatus]:
    with app.app_context():
        rows = dict(db.session.execute(select(OutboxMessage.id, OutboxMessage.status)
                                       .where(OutboxMessage.id.in_(ids))).all())
        db.session.remove()
    return [rows[i] for i in ids]


@pytest.mark.concurrency
def test_a_killed_sender_loses_nothing_and_resends_only_the_message_in_flight(
        app, smtp, committed_messages):
    sender = multiprocessing.get_context("spawn").Process(
        target=_sender, args=(app.config["SQLALCHEMY_DATABASE_URI"], smtp.port))
    sender.start()
    sender.join(60)
    assert sender.exitcode == -signal.SIGKILL

    states = _states(app, committed_messages)
    # Every message handed over before the one in flight had its outcome committed.
    assert states == [MessageStatus.SENT] * (KILL_AFTER - 1) + \
        [MessageStatus.SENDING] * (MESSAGES - KILL_AFTER + 1)
    lease = timedelta(seconds=app.config["MAIL_LEASE_SECONDS"])
    with app.app_context():
        report = deliver_due(timeutil.utcnow() + lease + timedelta(seconds=1))
        db.session.remove()

    assert report.sent == MESSAGES - KILL_AFTER + 1
    assert _states(app, committed_messages) == [MessageStatus.SENT] * MESSAGES
    received = Counter(smtp.count_by_message_id().values())
    assert received == Counter({1: MESSAGES - 1, 2: 1})  # only the one in flight, twice
