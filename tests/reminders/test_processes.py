"""Real OS processes against the same PostgreSQL schema: two schedulers at once, and one
killed with SIGKILL in the middle of a run, then restarted. Every participant must get each
reminder exactly once (the outbox row is what 'got' means: it is written in the same
transaction as the delivery's state, and the outbox sends each row once)."""
from __future__ import annotations

import multiprocessing
import os
import signal
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eventhub.extensions import db
from eventhub.mail import OutboxMessage
from eventhub.registration.models import OrganizationSize, Registration, RegistrationStatus
from eventhub.reminders.models import ReminderKind, ReminderRule
from eventhub.timeutil import utcnow
from tests import factories
from tests.conftest import TEST_DATABASE_URL

pytestmark = [pytest.mark.concurrency,
              pytest.mark.skipif(not TEST_DATABASE_URL,
                                 reason="needs PostgreSQL (EVENTHUB_TEST_DATABASE_URL)")]
PEOPLE = 200


@pytest.fixture()
def committed_event(app):
    """A published event with 200 confirmed participants and a due reminder, committed for
    real (other processes must see it); removed afterwards."""
    start = utcnow().replace(microsecond=0) + timedelta(minutes=30)

    def populate(event):
        db.session.add(ReminderRule(event_id=event.id, kind=ReminderKind.BEFORE_START,
                                    offset_minutes=60))
        db.session.add_all(Registration(
            event_id=event.id, status=RegistrationStatus.CONFIRMED,
            email=f"proc{n}@example.org", first_name="P", last_name=str(n),
            organization_size=OrganizationSize.MICRO, region_code="DE-SN",
            confirmed_at=start - timedelta(days=2)) for n in range(PEOPLE))

    with factories.committed_event(app, "reminder-procs", start, populate=populate,
                                   title="Procs",
                                   online_join_url="https://meet.example.org/p") as event_id:
        yield event_id


def _scheduler(url: str, barrier, kill_after: int | None) -> None:
    """A scheduler process: its own app, engine and connections; runs the job a few times.
    With ``kill_after``, it kills itself (SIGKILL) while queuing that many-th reminder,
    in the middle of an open transaction."""
    from eventhub import create_app
    from eventhub.reminders import dispatch, mails
    from tests.conftest import TEST_CONFIG

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url,
                      "REMINDER_BATCH_SIZE": 15})
    if kill_after is not None:
        original, count = mails.queue, Counter()

        def queue_then_die(*args, **kwargs):
            count["n"] += 1
            if count["n"] == kill_after:
                os.kill(os.getpid(), signal.SIGKILL)
            return original(*args, **kwargs)
        dispatch.mails.queue = queue_then_die
    with app.app_context():
        if barrier is not None:
            barrier.wait(timeout=60)
        for _ in range(3):
            dispatch.run(utcnow())
            db.session.remove()


def _start(url: str, barrier=None, kill_after: int | None = None):
    process = multiprocessing.get_context("spawn").Process(
        target=_scheduler, args=(url, barrier, kill_after))
    process.start()
    return process


def _per_person(app, event_id: int) -> Counter:
    with app.app_context():
        rows = db.session.execute(
            select(Registration.id, func.count(OutboxMessage.id))
            .outerjoin(OutboxMessage, (OutboxMessage.registration_id == Registration.id)
                       & (OutboxMessage.kind == "reminder"))
            .where(Registration.event_id == event_id).group_by(Registration.id)).all()
        db.session.remove()
    return Counter(n for _, n in rows)


def test_two_scheduler_processes_queue_each_reminder_once(app, committed_event):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    barrier = multiprocessing.get_context("spawn").Barrier(2)
    processes = [_start(url, barrier) for _ in range(2)]
    for process in processes:
        process.join(120)
        assert process.exitcode == 0
    assert _per_person(app, committed_event) == Counter({1: PEOPLE})


def test_a_killed_scheduler_loses_nothing_and_duplicates_nothing(app, committed_event):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    killed = _start(url, kill_after=40)  # in the third batch of 15
    killed.join(120)
    assert killed.exitcode == -signal.SIGKILL
    partial = _per_person(app, committed_event)
    assert partial[1] == 30 and partial[0] == PEOPLE - 30  # two batches were committed
    restarted = _start(url)
    restarted.join(120)
    assert restarted.exitcode == 0
    result = _per_person(app, committed_event)
    duplicates = sum(n - 1 for n, people in result.items() for _ in range(people) if n > 1)
    print(f"after SIGKILL and restart: {result[1]} got it once, {duplicates} duplicates")
    assert result == Counter({1: PEOPLE})
