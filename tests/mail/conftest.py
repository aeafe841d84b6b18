"""Fixtures for the mail tests: a real SMTP server (aiosmtpd) on 127.0.0.1, mail settings
pointing at it, and registrations made through the registration services."""
from __future__ import annotations

import asyncio
import email
import email.policy
import itertools
import re
import socket
from collections import Counter
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

import config
from eventhub import timeutil
from eventhub.mail import OutboxMessage, render_unrendered
from eventhub.registration import services
from eventhub.registration.models import OrganizationSize, Registration

_seq = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler: keeps every envelope (and the connection it came through); can
    be told to refuse every recipient, or one address at RCPT or after DATA, and to take
    its time over each message (a slow server)."""

    def __init__(self) -> None:
        self.envelopes = []
        self.connections: list[tuple] = []  # the client's (host, port) of each envelope
        self.refuse_recipients_with: str | None = None  # e.g. "451 4.3.0 Try again later"
        self.refuse_at_rcpt: dict[str, str] = {}  # address -> answer, e.g. "550 5.1.1 …"
        self.refuse_at_data: dict[str, str] = {}  # address -> answer to the message
        self.seconds_per_message = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.refuse_recipients_with or self.refuse_at_rcpt.get(address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.seconds_per_message:
            await asyncio.sleep(self.seconds_per_message)  # other connections go on
        for address in envelope.rcpt_tos:
            if address in self.refuse_at_data:
                return self.refuse_at_data[address]
        self.envelopes.append(envelope)
        self.connections.append(session.peer)
        return "250 Message accepted for delivery"


class SMTPServer:
    """A real SMTP server on a fixed free port that can be stopped (port closed) and
    started again, to simulate an outage."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def envelopes(self) -> list:
        return list(self.inbox.envelopes)

    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(e.content, policy=email.policy.default)
                for e in self.envelopes]

    def count_by_message_id(self) -> Counter:
        return Counter(m["Message-ID"] for m in self.messages())


@pytest.fixture()
def mail_config(app, monkeypatch):
    """Set mail settings for one test; no sender thread unless a test asks for one."""
    def configure(**settings) -> None:
        for key, value in settings.items():
            monkeypatch.setitem(app.config, key, value)
    configure(MAIL_DISPATCH="none", MAIL_TIMEOUT_SECONDS=5)
    return configure


@pytest.fixture()
def smtp(mail_config):
    server = SMTPServer()
    server.start()
    mail_config(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=False)
    try:
        yield server
    finally:
        server.stop()


def applicant(**kw) -> services.Applicant:
    n = next(_seq)
    kw.setdefault("email", f"teilnehmerin{n}@example.org")
    kw.setdefault("first_name", "Erika")
    kw.setdefault("last_name", f"Mustermann {n}")
    kw.setdefault("organization_size", OrganizationSize.SMALL)
    kw.setdefault("region_code", "DE-SN")
    kw.setdefault("consent", True)
    return services.Applicant(**kw)


@pytest.fixture()
def now():
    """The injected clock of a test: registrations and delivery use this time."""
    return timeutil.utcnow().replace(microsecond=0)


@pytest.fixture()
def register(db_session, now):
    """Register through the real rules, so the mail is queued as in production."""
    def _register(event, **kw) -> Registration:
        return services.register(event.id, applicant(**kw), now).registration
    return _register


def outbox(session) -> list[OutboxMessage]:
    """Every outbox row as the database has it now (delivery commits in its own sessions)."""
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def rendered(session) -> list[OutboxMessage]:
    """The outbox with every message's text, rendered as the sender would render it; the
    messages rendered here are detached, so the rows stay as they are."""
    messages = outbox(session)
    for message in messages:
        if message.unrendered:
            render_unrendered(message, session)
            session.expunge(message)
    return messages


def body(message: EmailMessage, subtype: str) -> str:
    """A body part's text with the line ends of a file, whatever the wire used."""
    return message.get_body((subtype,)).get_content().replace("\r\n", "\n")


# The personal join link /j/<token> (built from BASE_URL), as e-mails and calendar files
# carry it; the event's shared address (its path may well start with /j/ too) never is.
PERSONAL_JOIN = re.compile(re.escape(config.DEFAULTS["BASE_URL"])
                           + r"/j/([A-Za-z0-9_.\-]+)(?:\?lang=(de|en))?")


def personal_join_links(text: str) -> list[str]:
    """The personal join links in ``text``, in order."""
    return [match.group(0) for match in PERSONAL_JOIN.finditer(text)]


def joins_as(url: str) -> int:
    """The id of the registration whose personal join link ``url`` is; the link must carry
    the person's language."""
    from eventhub.attendance import tokens as join_tokens

    match = PERSONAL_JOIN.fullmatch(url)
    registration = join_tokens.load(match.group(1))
    assert match.group(2) == registration.language, url
    return registration.id
