"""The scheduler process: ``flask --app wsgi eventhub scheduler``.

APScheduler runs short periodic jobs; the database decides who does what, so several
scheduler processes may run at once. Web workers never start it (DESIGN.md §3 rule 4).

The log says what the jobs did, not that they ran: APScheduler's own loggers report
warnings only, and a job logs one INFO line, with its name, when it did something.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import with_appcontext

from eventhub import timeutil
from eventhub.attendance import importing
from eventhub.audit import services as audit
from eventhub.extensions import db
from eventhub.mail import deliver_all_due
from eventhub.registration.services import expire_all_overdue
from eventhub.reminders import dispatch as reminders
from eventhub.retention import services as retention
from eventhub.webhooks import delivery as webhooks

log = logging.getLogger(__name__)

# The jobs' names in the logs (their ids, the functions' names, stay as they were).
SEND_MAIL = "send mail"
QUEUE_REMINDERS = "queue reminders"
EXPIRE_PENDING = "expire pending registrations"
PURGE_ATTENDANCE_FILES = "purge attendance files"
PURGE_PERSONAL_DATA = "purge personal data"
PURGE_AUDIT_LOG = "purge audit log"
SEND_WEBHOOKS = "send webhooks"

# APScheduler logs every run of every job at INFO ("Running job", "executed successfully").
QUIET_LOGGERS = ("apscheduler.scheduler", "apscheduler.executors.default")


@contextmanager
def _session_of_the_run() -> Iterator[None]:
    """A job's work: rolled back if it fails, its session gone afterwards either way."""
    try:
        yield
    except Exception:
        db.session.rollback()
        raise
    finally:
        db.session.remove()


def expire_pending_job() -> int:
    """Release places of registrations that were never confirmed; move the waitlist up."""
    with _session_of_the_run():
        expired = expire_all_overdue(timeutil.utcnow())
        db.session.commit()
    if expired:
        log.info("%s: expired %d unconfirmed registrations", EXPIRE_PENDING, expired)
    return expired


def purge_attendance_files_job() -> None:
    """Data protection: uploaded attendance files go when their retention period ends."""
    previews, files = importing.purge(timeutil.utcnow())
    db.session.commit()
    if previews or files:
        log.info("%s: purged %d attendance previews and %d files", PURGE_ATTENDANCE_FILES,
                 previews, files)


def retention_job() -> tuple[int, int]:
    """Data protection: events past their retention period lose their participants'
    personal data, one event per transaction; expired registrations are erased. Returns
    (events purged, expired registrations erased)."""
    purged = 0
    with _session_of_the_run():
        for event_id in retention.due_event_ids(timeutil.utcnow()):
            record = retention.purge_event(event_id, timeutil.utcnow())
            db.session.commit()
            if record is not None:  # None: another process was first
                purged += 1
                log.info("%s: event %d: %d registrations, %d e-mails, %d attendance files",
                         PURGE_PERSONAL_DATA, event_id, record.registrations,
                         record.messages, record.attendance_files)
        expired = retention.erase_expired(timeutil.utcnow())
        db.session.commit()
    if expired:
        log.info("%s: erased %d expired registrations", PURGE_PERSONAL_DATA, expired)
    return purged, expired


def reminders_job() -> None:
    """Queue due reminders (the mail job, or the sender woken on commit, sends them)."""
    with _session_of_the_run():
        report = reminders.run(timeutil.utcnow())
    if report:
        log.info("%s: queued %d, skipped %d, failed %d", QUEUE_REMINDERS,
                 report.queued, report.skipped, report.failed)


def deliver_mail_job() -> None:
    report = deliver_all_due()
    if report.claimed:
        log.info("%s: %s", SEND_MAIL, report.summary())


def deliver_webhooks_job() -> None:
    """Send due webhook deliveries, batch after batch while batches come back full."""
    limit = current_app.config["WEBHOOK_BATCH_SIZE"]
    while True:
        report = webhooks.deliver_due(timeutil.utcnow(), limit=limit)
        db.session.remove()
        if report.claimed:
            log.info("%s: delivered %d, retried later %d, failed %d", SEND_WEBHOOKS,
                     report.delivered, report.retried, report.failed)
        if report.claimed < limit:
            return


def _in_app(app: Flask, job, name: str):
    def run():
        with app.app_context():
            try:
                job()
            except Exception:  # logged; the next run tries again
                log.exception("scheduler job %r failed", name)
    run.__name__ = job.__name__
    return run


def quiet_apscheduler_logs() -> None:
    """Only APScheduler's warnings and errors: a run missed, or skipped while the last one
    still runs."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def purge_audit_log_job() -> None:
    """The audit trail keeps its entries for AUDIT_RETENTION_DAYS, no longer."""
    deleted = audit.purge(timeutil.utcnow(), int(current_app.config["AUDIT_RETENTION_DAYS"]))
    db.session.commit()
    if deleted:
        log.info("%s: deleted %d entries", PURGE_AUDIT_LOG, deleted)


def build_scheduler(app: Flask) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone="UTC")
    jobs = ((deliver_mail_job, SEND_MAIL, app.config["SCHEDULER_MAIL_SECONDS"]),
            (reminders_job, QUEUE_REMINDERS, app.config["SCHEDULER_REMINDER_SECONDS"]),
            (expire_pending_job, EXPIRE_PENDING, app.config["SCHEDULER_EXPIRY_SECONDS"]),
            (purge_attendance_files_job, PURGE_ATTENDANCE_FILES, 3600),
            (retention_job, PURGE_PERSONAL_DATA, app.config["SCHEDULER_RETENTION_SECONDS"]),
            (purge_audit_log_job, PURGE_AUDIT_LOG, 3600),
            (deliver_webhooks_job, SEND_WEBHOOKS, app.config["SCHEDULER_WEBHOOK_SECONDS"]))
    for job, name, seconds in jobs:
        # coalesce + one instance: a slow run is never stacked on top of itself.
        scheduler.add_job(_in_app(app, job, name), "interval", seconds=seconds,
                          id=job.__name__, name=name, coalesce=True, max_instances=1,
                          next_run_time=timeutil.utcnow())
    return scheduler


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the periodic jobs (reminders, mail delivery and retries, expiry of unconfirmed
    registrations)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    quiet_apscheduler_logs()
    app = current_app._get_current_object()
    click.echo("eventhub scheduler running; stop with Ctrl-C")
    try:
        build_scheduler(app).start()
    except (KeyboardInterrupt, SystemExit):
        pass


@click.command("purge-personal-data")
@with_appcontext
def purge_personal_data_command() -> None:
    """Delete the personal data of events past their retention period, and of expired
    registrations (what the scheduler does every hour)."""
    purged, expired = retention_job()
    click.echo(f"purged {purged} events, erased {expired} expired registrations")


@click.command("expire-pending")
@with_appcontext
def expire_pending_command() -> None:
    """Expire unconfirmed registrations whose confirmation period has ended."""
    click.echo(f"expired {expire_pending_job()} registrations")
