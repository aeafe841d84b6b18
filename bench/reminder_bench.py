"""Reminder bench: one reminder to N confirmed participants through a local SMTP server
(aiosmtpd), against a bare smtplib loop over one connection sending as many equivalent
messages (the same subject, text, HTML and invitation bytes), in the same run.

eventhub's path is the whole scheduler path, run in a child process (as the scheduler
runs): ``reminders.dispatch.run`` (record deliveries, render, queue with invitation), then
``mail.deliver_all_due`` (claim, build MIME, send, record). The child's peak RSS is
the scheduler's peak memory.

Prints messages per second for both, the ratio (target: eventhub at least 0.5 of the bare
loop) and the peak memory (target under 200 MB); exit status 1 if a target is missed.

    .venv/bin/python bench/reminder_bench.py [--people 10000]
    REMINDER_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python ...
"""
from __future__ import annotations

import argparse
import contextlib
import os
import resource
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from config import normalize_database_url  # noqa: E402
from eventhub import create_app, timeutil  # noqa: E402
from eventhub.calendar.models import CalendarInvite  # noqa: E402
from eventhub.events.models import Event, EventFormat, EventStatus  # noqa: E402
from eventhub.extensions import db  # noqa: E402
from eventhub.mail import OutboxMessage  # noqa: E402
from eventhub.organizations.models import Organization  # noqa: E402
from eventhub.registration.models import (  # noqa: E402
    OrganizationSize,
    Registration,
    RegistrationStatus,
)
from eventhub.reminders.models import ReminderKind, ReminderRule  # noqa: E402

TARGET_RATIO = 0.5
TARGET_MB = 200


@contextlib.contextmanager
def database():
    url = os.environ.get("REMINDER_BENCH_DATABASE_URL")
    if not url:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/reminder_bench.sqlite3", "SQLite"
        return
    url, schema = normalize_database_url(url), f"bench_rem_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield (sa.engine.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
               .render_as_string(hide_password=False), "PostgreSQL")
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()


def make_app(url: str, port: int):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "MAIL_DISPATCH": "none",
                       "RATELIMIT_ENABLED": False, "BASE_URL": "https://eventhub.example.org",
                       "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_USE_TLS": False,
                       "MAIL_USE_SSL": False, "MAIL_USERNAME": "", "SERVER_NAME": "localhost"})


def seed(people: int) -> None:
    now = timeutil.utcnow().replace(microsecond=0)
    start = now + timedelta(minutes=59)  # the 1-hour reminder is due now
    organization = Organization(slug="bench", name="Zukunftszentrum Bench", short_name="ZZB",
                                region_code="DE-SN")
    event = Event(organization=organization, slug="bench", title="Digitaltag-Bench",
                  format=EventFormat.WEBINAR, status=EventStatus.PUBLISHED, starts_at=start,
                  ends_at=start + timedelta(hours=1), online_join_url="https://meet.example.org/b")
    db.session.add(event)
    db.session.flush()
    db.session.add(ReminderRule(event_id=event.id, kind=ReminderKind.BEFORE_START,
                                offset_minutes=60))
    db.session.execute(sa.insert(Registration), [
        {"event_id": event.id, "status": RegistrationStatus.CONFIRMED,
         "email": f"person{n}@example.org", "first_name": "Erika", "last_name": f"M {n}",
         "organization_size": OrganizationSize.MICRO, "region_code": "DE-SN",
         "language": "de" if n % 3 else "en", "confirmed_at": now - timedelta(days=1),
         "token_key": uuid.uuid4().hex, "created_at": now, "updated_at": now}
        for n in range(people)])
    db.session.commit()


class Counting:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scheduler_child(url: str, port: int) -> None:
    """The scheduler's work for one due reminder, timed; prints 'seconds sent'."""
    from eventhub.mail import deliver_all_due
    from eventhub.reminders import dispatch

    app = make_app(url, port)
    with app.app_context():
        started = time.perf_counter()
        report = dispatch.run(timeutil.utcnow())
        sent = deliver_all_due().sent
        db.session.remove()
        print(f"{time.perf_counter() - started} {sent} {report.queued}")


def bare_loop(sample: OutboxMessage, ics: bytes, people: int, port: int) -> float:
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for n in range(people):
            mime = EmailMessage()
            mime["Subject"], mime["From"] = sample.subject, "eventhub@example.org"
            mime["To"] = f"person{n}@example.org"
            mime.set_content(sample.body_text, cte="quoted-printable")
            mime.add_alternative(sample.body_html, subtype="html", cte="quoted-printable")
            mime.add_alternative(ics, maintype="text", subtype="calendar",
                                 params={"method": "REQUEST"})
            mime.add_attachment(ics, maintype="application", subtype="ics",
                                filename="invite.ics")
            smtp.send_message(mime)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--child", nargs=2, metavar=("URL", "PORT"))
    args = parser.parse_args()
    if args.child:
        scheduler_child(args.child[0], int(args.child[1]))
        return 0
    from aiosmtpd.controller import Controller

    handler, port = Counting(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with database() as (url, name):
            app = make_app(url, port)
            with app.app_context():
                import flask_migrate
                flask_migrate.upgrade()
                seed(args.people)
            out = subprocess.run([sys.executable, __file__, "--child", url, str(port)],
                                 check=True, capture_output=True, text=True).stdout.split()
            seconds, sent = float(out[-3]), int(out[-2])
            peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            with app.app_context():
                sample = db.session.scalars(sa.select(OutboxMessage).limit(1)).one()
                ics = db.session.scalar(sa.select(CalendarInvite.ics)).encode()
                bare = bare_loop(sample, ics, args.people, port)
                db.session.remove()
                db.engine.dispose()
    finally:
        controller.stop()
    ours, theirs = sent / seconds, args.people / bare
    ratio = ours / theirs
    print(f"database: {name}; {args.people} participants; SMTP server received "
          f"{handler.count} messages")
    print(f"eventhub (record, render, queue, send): {sent} in {seconds:.1f} s = {ours:.0f}/s")
    print(f"bare smtplib loop, one connection:      {args.people} in {bare:.1f} s = "
          f"{theirs:.0f}/s")
    print(f"ratio {ratio:.2f} (target >= {TARGET_RATIO}); scheduler peak memory "
          f"{peak_mb:.0f} MB (target < {TARGET_MB})")
    return 0 if sent == args.people and ratio >= TARGET_RATIO and peak_mb < TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
