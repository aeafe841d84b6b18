"""The scheduler's log says what its jobs did, not that they ran: APScheduler's own
INFO lines (a "Running job" and an "executed successfully" per run) are left out, and a
job logs one INFO line, with its name, only when it did something."""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.executors.base import run_job

from eventhub import scheduler
from eventhub.registration import services
from eventhub.timeutil import utcnow
from tests.registration.helpers import applicant

NAMES = {"deliver_mail_job": "send mail", "reminders_job": "queue reminders",
         "expire_pending_job": "expire pending registrations",
         "purge_attendance_files_job": "purge attendance files",
         "retention_job": "purge personal data",
         "purge_audit_log_job": "purge audit log",
         "deliver_webhooks_job": "send webhooks"}


@pytest.fixture()
def quiet_apscheduler():
    """As the scheduler command sets them; the levels are restored afterwards."""
    loggers = [logging.getLogger(name) for name in scheduler.QUIET_LOGGERS]
    levels = [logger.level for logger in loggers]
    scheduler.quiet_apscheduler_logs()
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


def run(app, job_id: str) -> None:
    """One run of a job as the scheduler's executor runs it, its log lines included."""
    job = scheduler.build_scheduler(app).get_job(job_id)
    job.misfire_grace_time = None  # a default that the scheduler sets when it starts
    run_job(job, "default", [datetime.now(UTC)], "apscheduler.executors.default")


def info_lines(caplog) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.INFO]


def test_the_jobs_have_names(app):
    jobs = scheduler.build_scheduler(app).get_jobs()
    assert {job.id: job.name for job in jobs} == NAMES


def test_an_idle_run_logs_nothing(app, db_session, quiet_apscheduler, caplog):
    caplog.set_level(logging.INFO)
    for job_id in NAMES:
        run(app, job_id)
    assert info_lines(caplog) == []


def test_a_busy_run_logs_one_line_with_the_job_name(app, make, db_session,
                                                     quiet_apscheduler, caplog):
    event = make.event(capacity=1)
    services.register(event.id, applicant(), utcnow() - timedelta(hours=49))
    db_session.commit()
    caplog.set_level(logging.INFO)
    run(app, "expire_pending_job")
    assert info_lines(caplog) == [
        "eventhub.scheduler: expire pending registrations: expired 1 unconfirmed registrations"]


def test_without_quieting_apscheduler_logs_every_run(app, db_session, caplog):
    """What the scheduler command quiets (this fails if APScheduler's loggers change)."""
    caplog.set_level(logging.INFO)
    run(app, "purge_attendance_files_job")
    assert {r.name for r in caplog.records} == set(scheduler.QUIET_LOGGERS)
    ran = [r.getMessage() for r in caplog.records if r.name == "apscheduler.executors.default"]
    assert len(ran) == 2 and ran[0].startswith('Running job "purge attendance files (')
