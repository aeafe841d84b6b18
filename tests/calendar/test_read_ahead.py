"""Invitations read ahead for a whole claimed batch (``invites._load_ahead``, a
``mail.delivery`` batch loader): one query per batch instead of one per message, and the
same parts as reading each message's invitation on its own."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from eventhub import mail
from eventhub.calendar import invites
from eventhub.mail import delivery
from tests.calendar.helpers import has_invitation, invitation
from tests.mail.conftest import outbox, rendered

SENDER = "eventhub <noreply@eventhub.invalid>"


@pytest.fixture()
def invite_queries():
    """The statements that read stored invitations while the test runs."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "calendar_invites" in statement:
            seen.append(statement)
    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


def _people(event, register):
    e = event(capacity=3)
    confirmed = [register(e, first_name=name, last_name="Krause")
                 for name in ("Jana", 'Ole "Olli"', "Zoë")]
    waiting = register(e)  # waiting list: a message without an invitation
    return confirmed, waiting


def test_one_query_for_the_batch_and_the_same_invitations_as_one_by_one(
        smtp, event, register, now, db_session, invite_queries):
    confirmed, waiting = _people(event, register)
    db_session.commit()
    messages = rendered(db_session)  # the waiting-list mail is rendered by the sender
    invite_queries.clear()
    one_by_one = {m.message_id: mail.build_message(m, SENDER) for m in messages}
    assert len(invite_queries) == 3  # one by one: a query per kind that may carry one
    invite_queries.clear()

    report = mail.deliver_due(now)

    assert report.sent == len(messages) == 4
    assert len(invite_queries) == 1
    received = {m["Message-ID"]: m for m in smtp.messages()}
    for message_id, alone in one_by_one.items():
        if received[message_id]["To"] == waiting.email:
            assert not has_invitation(received[message_id]) and not has_invitation(alone)
            continue
        assert invitation(received[message_id])[1].raw == invitation(alone)[1].raw
    names = {invitation(m)[1].vevent["ATTENDEE"].params["CN"]
             for m in received.values() if has_invitation(m)}
    assert names == {r.full_name for r in confirmed}


def test_a_message_outside_the_loaded_batch_is_read_on_its_own(event, register, db_session):
    confirmed, _ = _people(event, register)
    first, *others = outbox(db_session)

    with invites._load_ahead(others):
        parts = invites.parts(first)

    assert parts == invites.parts(first) and parts[0].content.count(b"ATTENDEE") == 1


def test_a_failing_loader_only_makes_the_batch_slower(smtp, event, register, now, db_session,
                                                      monkeypatch, invite_queries):
    _people(event, register)
    db_session.commit()

    @contextmanager
    def broken(batch):
        raise RuntimeError("database went away")
        yield  # pragma: no cover

    monkeypatch.setattr(delivery, "_batch_loaders", [broken])
    invite_queries.clear()

    report = mail.deliver_due(now)

    assert report.sent == 4
    assert len(invite_queries) == 3  # read per message instead
    assert sum(has_invitation(m) for m in smtp.messages()) == 3
