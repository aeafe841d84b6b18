"""Shared helpers for registration tests."""
from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

from sqlalchemy import select

from eventhub.extensions import db
from eventhub.registration.models import OrganizationSize, Registration
from eventhub.registration.services import Applicant

_seq = itertools.count(1)
PLACES = 10  # of the committed_event fixture (conftest.py)


def applicant(**kw) -> Applicant:
    n = next(_seq)
    kw.setdefault("email", f"person{n}@example.org")
    kw.setdefault("first_name", "Erika")
    kw.setdefault("last_name", f"Muster {n}")
    kw.setdefault("organization_size", OrganizationSize.MICRO)
    kw.setdefault("region_code", "DE-SN")
    kw.setdefault("consent", True)
    return Applicant(**kw)


def in_parallel(app, jobs: list[Callable[[], object]]) -> list:
    """Run each job in its own thread and app context (its own session), all at once.
    Their results in order; where a job raised, the exception (and its session rolled
    back)."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job):
        with app.app_context():
            try:
                barrier.wait()
                results[index] = job()
            except BaseException as exc:  # handed to the caller, which asserts on it
                db.session.rollback()
                results[index] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def registrations_of(app, event_id: int) -> list[Registration]:
    """The event's registrations as committed, in the order they were written (detached)."""
    with app.app_context():
        rows = db.session.scalars(select(Registration).where(Registration.event_id == event_id)
                                  .order_by(Registration.id)).all()
        db.session.expunge_all()
        return rows
