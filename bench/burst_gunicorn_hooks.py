"""gunicorn config for the diagnoses of ``registration_burst.py``: instrumentation of
eventhub's workers from outside, without changing the app's code.

- ``BENCH_CPROFILE_DIR``: cProfile around every POST. Each worker thread has its own
  profiler (cProfile follows one thread), enabled only while a POST is handled. It counts
  the thread's CPU time, not wall time: where the worker burns the machine's two cores.
  Waiting (for PostgreSQL, for the event's row lock) is what ``BENCH_LOCK_DIR`` shows.
- ``BENCH_LOCK_DIR``: how long a turn on the event's row lock (a group of registrations)
  holds it (from the end of ``SELECT … FOR [NO KEY] UPDATE`` to the end of COMMIT), how
  long it waited for it, how many SQL statements and how much of the worker's CPU time
  fall inside. The two-round-trip turns of ``registration.pipelined`` send their
  statements past SQLAlchemy's events: there the wait includes the first batch (it takes
  the lock and reads the places), the hold starts when that batch has answered, and the
  second batch (the rows) counts as one statement.

- ``BENCH_WITHOUT_DATABASE``: the registration form's POST does everything but register
  (``registration.intake.submit`` does nothing): what eventhub's request costs without its
  database work.
- ``BENCH_PLAIN_INSERT``: the POST does everything, but its registration is the cheapest
  durable write there could be: one INSERT of the registration and its e-mail (a single
  statement) in autocommit, on the worker thread's own psycopg connection. No lock, no
  places, no rules, no group commit, no ORM: what eventhub's request costs if its
  database work cost no more than a plain INSERT.

When a worker exits it writes ``worker-<pid>.prof`` / ``locks-<pid>.json`` there.
"""
from __future__ import annotations

import cProfile
import json
import os
import pstats
import secrets
import threading
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

CPROFILE_DIR = os.environ.get("BENCH_CPROFILE_DIR")
LOCK_DIR = os.environ.get("BENCH_LOCK_DIR")
_local = threading.local()
_profiles: list[cProfile.Profile] = []
_locks: list[dict] = []
_lock = threading.Lock()


def _profile() -> cProfile.Profile:
    profile = getattr(_local, "profile", None)
    if profile is None:
        profile = _local.profile = cProfile.Profile(time.thread_time)
        with _lock:
            _profiles.append(profile)
    return profile


def pre_request(worker, req) -> None:
    if CPROFILE_DIR and req.method == "POST":
        _profile().enable()


def post_request(worker, req, environ, resp) -> None:
    if CPROFILE_DIR and req.method == "POST":
        _profile().disable()


def _is_event_lock(statement: str) -> bool:
    return ("FOR UPDATE" in statement or "FOR NO KEY UPDATE" in statement) \
        and "FROM events" in statement


def _before_execute(conn, cursor, statement, parameters, context, executemany) -> None:
    if _is_event_lock(statement):
        _local.wait_start = time.perf_counter()


def _after_execute(conn, cursor, statement, parameters, context, executemany) -> None:
    held = getattr(_local, "held", None)
    if held is not None:
        held["statements"] += 1
    elif _is_event_lock(statement):
        now = time.perf_counter()
        _local.held = {"wait": now - _local.wait_start, "start": now,
                       "cpu": time.thread_time(), "statements": 0}


def _released(session) -> None:
    held = getattr(_local, "held", None)
    if held is None:
        return
    _local.held = None
    record = {"wait_ms": held["wait"] * 1000,
              "hold_ms": (time.perf_counter() - held["start"]) * 1000,
              "cpu_ms": (time.thread_time() - held["cpu"]) * 1000,
              "statements": held["statements"]}
    with _lock:
        _locks.append(record)


if LOCK_DIR:
    event.listen(Engine, "before_cursor_execute", _before_execute)
    event.listen(Engine, "after_cursor_execute", _after_execute)
    event.listen(Session, "after_commit", _released)
    event.listen(Session, "after_rollback", _released)


def _time_pipelined_turns() -> None:
    try:
        from eventhub.registration import pipelined
    except ImportError:  # an app from before the pipelined turns (--app-root)
        return

    read_turn, write_turn = pipelined.read_turn, pipelined.write_turn

    def timed_read_turn(*args, **kwargs):
        start = time.perf_counter()
        turn = read_turn(*args, **kwargs)
        now = time.perf_counter()
        _local.held = {"wait": now - start, "start": now, "cpu": time.thread_time(),
                       "statements": 0}
        return turn

    def counted_write_turn(*args, **kwargs):
        held = getattr(_local, "held", None)
        if held is not None:
            held["statements"] += 1
        return write_turn(*args, **kwargs)

    pipelined.read_turn, pipelined.write_turn = timed_read_turn, counted_write_turn


def post_worker_init(worker) -> None:
    if LOCK_DIR:
        _time_pipelined_turns()
    from eventhub.registration import intake

    if os.environ.get("BENCH_WITHOUT_DATABASE"):
        intake.submit = lambda event_id, applicant: True
    if os.environ.get("BENCH_PLAIN_INSERT"):
        intake.submit = _plain_insert


# The columns eventhub writes for a new pending registration and its unrendered e-mail.
_PLAIN_INSERT = """
WITH registration AS (
  INSERT INTO registrations (event_id, status, email, first_name, last_name,
    organization_name, job_role, organization_size, region_code, language, source,
    consent_version, consented_at, pending_expires_at, token_key, created_at, updated_at)
  VALUES (%(event_id)s, 'pending', %(email)s, %(first_name)s, %(last_name)s,
    %(organization_name)s, %(job_role)s, %(organization_size)s, %(region_code)s,
    %(language)s, 'form', 'bench', now(), now() + interval '2 days', %(token_key)s, now(),
    now())
  RETURNING id)
INSERT INTO outbox_messages (message_id, kind, to_address, subject, body_text, body_html,
  language, status, attempts, next_attempt_at, registration_id, unrendered, created_at,
  updated_at)
SELECT %(message_id)s, 'registration_pending', %(email)s, '', '', '', %(language)s,
  'queued', 0, now(), registration.id, true, now(), now() FROM registration"""


def _plain_insert(event_id: int, applicant) -> bool:
    connection = getattr(_local, "plain_connection", None)
    if connection is None:
        import psycopg

        connection = _local.plain_connection = psycopg.connect(
            os.environ["DATABASE_URL"], autocommit=True)
    connection.execute(_PLAIN_INSERT, {
        "event_id": event_id, "email": applicant.email.strip().lower(),
        "first_name": applicant.first_name, "last_name": applicant.last_name,
        "organization_name": applicant.organization_name, "job_role": applicant.job_role,
        "organization_size": applicant.organization_size.value,
        "region_code": applicant.region_code, "language": applicant.language,
        "token_key": secrets.token_hex(16), "message_id": f"<{secrets.token_hex(16)}@bench>"})
    return True


def worker_exit(server, worker) -> None:
    pid = os.getpid()
    with _lock:
        profiles, locks = list(_profiles), list(_locks)
    if CPROFILE_DIR and profiles:
        stats = pstats.Stats(profiles[0])
        for profile in profiles[1:]:
            stats.add(profile)
        stats.dump_stats(os.path.join(CPROFILE_DIR, f"worker-{pid}.prof"))
    if LOCK_DIR:
        with open(os.path.join(LOCK_DIR, f"locks-{pid}.json"), "w") as out:
            json.dump(locks, out)
