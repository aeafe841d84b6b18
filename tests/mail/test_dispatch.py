"""Who sends: the sender thread woken by a commit, the CLI command, several senders at once;
and the hook through which other features add MIME parts."""
from __future__ import annotations

import threading
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import delete, select

from eventhub import create_app, mail, timeutil
from eventhub.extensions import db
from eventhub.mail import MessageStatus, OutboxMessage
from tests.conftest import TEST_CONFIG
from tests.factories import berlin
from tests.mail.conftest import body, outbox


def fake_context(title: str = "Digitaltag") -> dict:
    """Templates only read attributes; the dispatch tests need no rows behind them."""
    event = SimpleNamespace(title=title, timezone="Europe/Berlin", venue=None,
                            starts_at=berlin(2030, 6, 18, 10), ends_at=berlin(2030, 6, 18, 12),
                            online_join_url=None,
                            organization=SimpleNamespace(name="Zukunftszentrum Sachsen"))
    registration = SimpleNamespace(full_name="Erika Mustermann")
    return {"registration": registration, "event": event, "by_organizer": False,
            "manage_url": "https://eventhub.test/anmeldung/t", "event_url": "https://eventhub.test/"}


def wait_for(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture()
def committed(app):
    """Real commits on the real engine (no rolled-back test transaction): for tests in
    which other threads must see the data. Deletes the outbox rows it is told about."""
    ids: list[int] = []
    yield ids
    with app.app_context():
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))
        db.session.commit()


@pytest.fixture()
def thread_app(database_url, smtp):
    """An app of its own with MAIL_DISPATCH="thread", so that its sender thread can be
    stopped afterwards and never touches the shared test app."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                      "MAIL_DISPATCH": "thread", "MAIL_SERVER": "127.0.0.1",
                      "MAIL_PORT": smtp.port, "MAIL_TIMEOUT_SECONDS": 5})
    yield app
    mail.stop_sender(app)
    with app.app_context():
        db.engine.dispose()


@pytest.mark.concurrency
def test_commit_that_queued_mail_wakes_the_sender_thread(thread_app, smtp, committed):
    with thread_app.app_context():
        message = mail.queue("erika@example.org", "registration_cancelled", fake_context(),
                             language="de", now=timeutil.utcnow())
        committed.append(message.id)
        message_id = message.message_id
        assert not smtp.envelopes

        db.session.commit()

        # No reads meanwhile: on SQLite an open transaction holds the lock the sender needs.
        assert wait_for(lambda: smtp.count_by_message_id() == {message_id: 1})
        assert wait_for(lambda: _status(committed[0]) is MessageStatus.SENT)


def _status(message_pk: int) -> MessageStatus:
    try:
        return db.session.scalar(select(OutboxMessage.status)
                                 .where(OutboxMessage.id == message_pk))
    finally:
        db.session.rollback()


def test_no_sender_thread_when_dispatch_is_none(app, db_session, mail_config):
    mail.queue("erika@example.org", "registration_cancelled", fake_context(),
               language="de", now=timeutil.utcnow())
    db_session.commit()
    assert "eventhub.mail_sender" not in app.extensions


def test_send_mail_command_delivers_what_is_due(app, db_session, smtp):
    message = mail.queue("erika@example.org", "registration_cancelled", fake_context(),
                         language="en", now=timeutil.utcnow() - timedelta(seconds=1))
    db_session.commit()

    result = app.test_cli_runner().invoke(mail.send_mail)

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent 1, retried later 0, failed 0"
    [received] = smtp.messages()
    assert received["Message-ID"] == message.message_id
    assert "As you requested" in body(received, "plain")
    assert [m.status for m in outbox(db_session)] == [MessageStatus.SENT]


@pytest.mark.concurrency
def _due_messages(app, committed: list[int], tag: str, count: int,
                  now) -> list[OutboxMessage]:
    """``count`` rendered messages due at ``now``, committed for real (``committed``
    deletes them afterwards)."""
    with app.app_context():
        rows = [OutboxMessage(message_id=f"<{tag}-{i}-{now.timestamp()}@eventhub.test>",
                              kind="test", to_address=f"person{i}@example.org",
                              subject=f"Nachricht {i}", body_text="Hallo",
                              body_html="<p>Hallo</p>", language="de", next_attempt_at=now)
                for i in range(count)]
        db.session.add_all(rows)
        db.session.commit()
        committed.extend(r.id for r in rows)
    return rows


def test_concurrent_senders_deliver_every_message_exactly_once(app, smtp, mail_config,
                                                               committed):
    """Several threads, each with its own app context and session, claim in small batches
    from one outbox: on PostgreSQL through SKIP LOCKED, on SQLite one writer at a time."""
    now = timeutil.utcnow()
    rows = _due_messages(app, committed, "concurrent", 60, now)
    start = threading.Barrier(4)
    reports, errors = [], []

    def sender() -> None:
        try:
            with app.app_context():
                start.wait()
                reports.append(mail.deliver_all_due(lambda: now, limit=5))
        except Exception as exc:  # surfaced below: a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert sum(r.sent for r in reports) == 60
    assert smtp.count_by_message_id() == {r.message_id: 1 for r in rows}
    with app.app_context():
        statuses = db.session.scalars(select(OutboxMessage.status)
                                      .where(OutboxMessage.id.in_(committed))).all()
    assert set(statuses) == {MessageStatus.SENT}


def test_a_sender_process_with_several_threads_delivers_every_message_once(
        app, smtp, mail_config, committed):
    """``send-mail --loop --threads 3``: three senders in one process until stopped."""
    rows = _due_messages(app, committed, "threads", 45, timeutil.utcnow())
    mail_config(MAIL_BATCH_SIZE=4)  # many small claims, so that the threads interleave
    stop = threading.Event()
    senders = threading.Thread(target=mail.run_senders, args=(app, 3, 0.05, stop))
    senders.start()
    try:
        assert wait_for(lambda: len(smtp.count_by_message_id()) == 45, 60)
    finally:
        stop.set()
        senders.join(30)

    assert not senders.is_alive()
    assert smtp.count_by_message_id() == {r.message_id: 1 for r in rows}
    with app.app_context():
        statuses = db.session.scalars(select(OutboxMessage.status)
                                      .where(OutboxMessage.id.in_(committed))).all()
    assert set(statuses) == {MessageStatus.SENT}


def test_registered_parts_join_the_message(monkeypatch):
    monkeypatch.setattr(mail.rendering, "_part_providers", {})
    invite = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    mail.register_parts("registration_confirmed", lambda message: [
        mail.Part(invite, "text", "calendar", params={"method": "REQUEST"}, alternative=True),
        mail.Part(invite, "application", "ics", filename="einladung.ics"),
    ])
    message = OutboxMessage(message_id="<p@eventhub.test>", kind="registration_confirmed",
                            to_address="erika@example.org", subject="Anmeldung bestätigt",
                            body_text="Hallo", body_html="<p>Hallo</p>", language="de",
                            created_at=timeutil.utcnow())

    mime = mail.build_message(message, "eventhub <noreply@eventhub.invalid>")

    assert mime.get_content_type() == "multipart/mixed"
    alternative, attachment = mime.iter_parts()
    assert [p.get_content_type() for p in alternative.iter_parts()] == \
        ["text/plain", "text/html", "text/calendar"]
    assert list(alternative.iter_parts())[2].get_param("method") == "REQUEST"
    assert attachment.get_filename() == "einladung.ics"
    assert attachment.get_content() == invite
