"""Two scheduler processes reach the same event past its retention period at once: it is
purged once, by one of them, and recorded once (real OS processes against the real
database: the test's SQLite file, or PostgreSQL)."""
from __future__ import annotations

import multiprocessing
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eventhub.extensions import db
from eventhub.registration.models import OrganizationSize, Registration, RegistrationStatus
from eventhub.retention.models import RetentionPurge
from eventhub.timeutil import utcnow
from tests import factories

pytestmark = pytest.mark.concurrency
PEOPLE = 300


@pytest.fixture()
def old_event(app):
    """An event that ended 200 days ago, committed for real, with its participants."""
    start = utcnow().replace(microsecond=0) - timedelta(days=200)

    def populate(event):
        db.session.add_all(Registration(
            event_id=event.id, status=RegistrationStatus.CONFIRMED,
            email=f"alt{n}@example.org", first_name="Alt", last_name=str(n),
            organization_size=OrganizationSize.MICRO, region_code="DE-SN",
            confirmed_at=start - timedelta(days=2)) for n in range(PEOPLE))

    with factories.committed_event(app, "retention-procs", start, populate=populate,
                                   title="Lange her") as event_id:
        yield event_id


def _scheduler(url: str, barrier, results) -> None:
    from eventhub import create_app, scheduler
    from tests.conftest import TEST_CONFIG

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        barrier.wait(timeout=60)
        results.put(scheduler.retention_job()[0])


def test_two_scheduler_processes_purge_an_event_once(app, old_event):
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    processes = [context.Process(target=_scheduler, args=(url, barrier, results))
                 for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
        assert process.exitcode == 0
    assert sorted(results.get(timeout=5) for _ in processes) == [0, 1]
    with app.app_context():
        records = db.session.execute(select(RetentionPurge.event_id, RetentionPurge.registrations)
                                     .where(RetentionPurge.event_id == old_event)).all()
        left = db.session.scalar(select(func.count()).select_from(Registration).where(
            Registration.event_id == old_event, Registration.email.is_not(None)))
        db.session.remove()
    assert records == [(old_event, PEOPLE)]
    assert left == 0
