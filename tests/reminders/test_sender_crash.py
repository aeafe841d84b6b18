"""A sender process killed with SIGKILL in the middle of a batch of reminders, against a
real (slow) SMTP server and the real database (SQLite file or PostgreSQL): a second sender
takes the batch over once the dead one's short lease has run out, says so in its log,
delivers the rest once each (only the message in flight at the kill may arrive twice,
with the same Message-ID), and skips, with a log line, the "before the start" reminders
that would now arrive after the start."""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from eventhub.extensions import db
from eventhub.mail import MessageStatus, OutboxMessage
from eventhub.registration.models import OrganizationSize, Registration, RegistrationStatus
from eventhub.reminders import dispatch
from eventhub.reminders.models import DeliveryState, ReminderDelivery, ReminderKind, ReminderRule
from eventhub.timeutil import utcnow
from tests import factories

pytestmark = pytest.mark.concurrency
LEASE_SECONDS = 3
ON_TIME, TOO_LATE, KILL_AFTER = 24, 8, 5
SPAWN = multiprocessing.get_context("spawn")


def _sender(url: str, port: int, log_path: str, stop) -> None:
    """A sender process with its own app and connections: delivers what is due every 0.2 s
    until told to stop (or killed)."""
    from eventhub import create_app
    from eventhub.mail import deliver_all_due
    from tests.conftest import TEST_CONFIG

    logging.basicConfig(filename=log_path, level=logging.INFO,
                        format="%(levelname)s %(name)s %(message)s")
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url,
                      "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_TIMEOUT_SECONDS": 5,
                      "MAIL_LEASE_SECONDS": LEASE_SECONDS, "MAIL_BATCH_SIZE": 100})
    with app.app_context():
        while not stop.is_set():
            deliver_all_due()
            db.session.remove()
            stop.wait(0.2)


def _people(start, count: int, offset_minutes: int):
    def populate(event) -> None:
        db.session.add(ReminderRule(event_id=event.id, kind=ReminderKind.BEFORE_START,
                                    offset_minutes=offset_minutes))
        db.session.add_all(Registration(
            event_id=event.id, status=RegistrationStatus.CONFIRMED,
            email=f"crash{event.id}-{n}@example.org", first_name="P", last_name=str(n),
            organization_size=OrganizationSize.MICRO, region_code="DE-SN",
            confirmed_at=start - timedelta(days=2)) for n in range(count))
    return populate


@pytest.fixture()
def queued_reminders(app):
    """Two events' reminders queued in the outbox, committed for real: first those of an
    event in 50 minutes (still worth sending after the crash), then those of an event that
    starts 2 s after the test begins ("1 minute before", queued in time, too late soon)."""
    t0 = utcnow().replace(microsecond=0)
    on_time_start, late_start = t0 + timedelta(minutes=50), t0 + timedelta(seconds=2)
    with ExitStack() as stack:
        ids = [stack.enter_context(factories.committed_event(
            app, slug, start, populate=_people(start, count, offset), title=slug,
            online_join_url="https://meet.example.org/c"))
            for slug, start, count, offset in (("crash-on-time", on_time_start, ON_TIME, 60),
                                               ("crash-too-late", late_start, TOO_LATE, 1))]
        with app.app_context():
            for now in (t0 - timedelta(minutes=5), t0):  # in this order: the first event's
                assert dispatch.run(now).queued        # messages come first in the outbox
                db.session.remove()
        yield ids


def _rows(app, event_id: int) -> list[tuple]:
    """(Message-ID, outbox status, delivery state, delivery error) per reminder."""
    with app.app_context():
        rows = db.session.execute(
            select(OutboxMessage.message_id, OutboxMessage.status, ReminderDelivery.state,
                   ReminderDelivery.last_error)
            .join(ReminderDelivery, ReminderDelivery.outbox_message_id == OutboxMessage.id)
            .join(Registration, Registration.id == OutboxMessage.registration_id)
            .where(Registration.event_id == event_id)).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def _sending(app) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.status == MessageStatus.SENDING))
        db.session.remove()
    return n


def _wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_killed_sender_is_taken_over_within_a_lease(app, smtp, queued_reminders, tmp_path):
    on_time, too_late = queued_reminders
    smtp.inbox.seconds_per_message = 0.2  # slow, so that the kill lands mid-batch
    url, stop = app.config["SQLALCHEMY_DATABASE_URI"], SPAWN.Event()
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    first = SPAWN.Process(target=_sender, args=(url, smtp.port, str(logs[0]), stop))
    first.start()
    assert _wait_for(lambda: len(smtp.envelopes) >= KILL_AFTER, 60)
    os.kill(first.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    first.join(10)
    assert first.exitcode == -signal.SIGKILL
    before_kill = set(smtp.count_by_message_id())
    orphaned = _sending(app)  # claimed by the dead sender, no outcome
    assert orphaned >= ON_TIME + TOO_LATE - len(before_kill)

    second = SPAWN.Process(target=_sender, args=(url, smtp.port, str(logs[1]), stop))
    second.start()
    try:
        done = _wait_for(lambda: {status for _, status, _, _ in
                                  _rows(app, on_time) + _rows(app, too_late)}
                         <= {MessageStatus.SENT, MessageStatus.SKIPPED}, 60)
        recovered_after = time.monotonic() - killed_at
    finally:
        stop.set()
        second.join(30)
    assert done and second.exitcode == 0
    print(f"\nkilled after {len(before_kill)} of {ON_TIME} on-time reminders; "
          f"{orphaned} orphaned, all handled {recovered_after:.1f} s after the kill")

    delivered = _rows(app, on_time)
    assert {(status, state) for _, status, state, _ in delivered} == \
        {(MessageStatus.SENT, DeliveryState.SENT)}
    received = smtp.count_by_message_id()
    assert {m for m, *_ in delivered} == set(received)  # nothing lost, nothing else sent
    twice = [m for m, n in received.items() if n > 1]
    assert set(received.values()) <= {1, 2} and len(twice) <= 1
    assert set(twice) <= before_kill  # only the message in flight at the kill
    assert {(status, state, error) for _, status, state, error in _rows(app, too_late)} == \
        {(MessageStatus.SKIPPED, DeliveryState.SKIPPED, "the event has started")}
    log = Path(logs[1]).read_text()
    assert f"took over {orphaned} outbox message(s)" in log
    assert f"{TOO_LATE} reminder message(s) not sent, no longer worth sending" in log
    assert recovered_after < 60
