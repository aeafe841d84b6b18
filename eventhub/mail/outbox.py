"""The outbox: e-mail is written in the same transaction as the change that causes it and
delivered after commit by a sender that retries with backoff (DESIGN.md §3 rule 2).

``queue()`` renders the message now (in the recipient's language) and stores it;
``queue_unrendered()`` stores who gets which kind of message and leaves the text to the
sender, which renders it once, when it first claims the message, and keeps it for every
retry. Nothing talks to an SMTP server inside a request's transaction. This module also
knows what a stored message looks like on the wire (``build_message``) and how it leaves
the process (SMTP, or files in development); ``delivery`` decides when, and records
the outcome.
"""
from __future__ import annotations

import enum
import logging
import re
import secrets
import smtplib
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context, render_template
from flask_babel import force_locale
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, false, insert
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, Session, mapped_column

from eventhub.db import TimestampMixin, UTCDateTime, enum_column
from eventhub.extensions import db

log = logging.getLogger(__name__)


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for its next attempt
    SENDING = "sending"  # claimed by a sender (``claim_token``) until ``lease_until``
    SENT = "sent"
    FAILED = "failed"  # gave up: the last attempt, or refused for good (a 5xx answer)
    SKIPPED = "skipped"  # not sent: pointless by its turn (a reminder after the start)


class OutboxMessage(TimestampMixin, db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Generated at queue time and kept across retries, so a receiver can spot a duplicate.
    message_id: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(60), nullable=False)
    to_address: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    body_text: Mapped[str] = mapped_column(Text, nullable=False)
    body_html: Mapped[str] = mapped_column(Text, nullable=False)
    language: Mapped[str] = mapped_column(String(5), nullable=False, default="de")
    status: Mapped[MessageStatus] = mapped_column(enum_column(MessageStatus, "message_status"),
                                                  nullable=False, default=MessageStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Which claim the row is in while sending: the lease is renewed, so only this tells
    # one sender's claim from the next one's (``outcomes``).
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(1000))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), index=True)
    # Subject and bodies are still empty: the sender renders them (``render_unrendered``).
    unrendered: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                             server_default=false())


def _message_id() -> str:
    domain = current_app.config["MAIL_MESSAGE_ID_DOMAIN"]
    return f"<{secrets.token_hex(16)}@{domain}>"


def queue(to: str, template: str, context: dict[str, Any], *, language: str, now: datetime,
          registration_id: int | None = None) -> OutboxMessage:
    """Render ``templates/emails/<template>.{subject,txt,html}`` and store the message.

    It is sent only if the surrounding transaction commits; then the sender thread is
    woken (see ``_wake_sender_after_commit``).
    """
    subject, text, html = render(template, context, language)
    return _store(OutboxMessage(
        message_id=_message_id(), kind=template, to_address=to, subject=subject,
        body_text=text, body_html=html, language=language, next_attempt_at=now,
        registration_id=registration_id))


@dataclass(frozen=True)
class Unrendered:
    """Who gets which kind of message, to be rendered by the sender (``queue_unrendered``)."""
    to: str
    kind: str
    language: str
    registration_id: int


def queue_unrendered(messages: Iterable[Unrendered], now: datetime) -> None:
    """Store messages whose text the sender renders when it first claims them, from the
    context that the renderer registered for their kind gives (``register_renderer``).
    One statement for all of them, sent as they are: no objects, nothing read back."""
    rows = unrendered_rows(messages, now)
    if rows:
        db.session.execute(insert(OutboxMessage.__table__), rows)  # Core: no ORM bulk work


def unrendered_rows(messages: Iterable[Unrendered], now: datetime) -> list[dict[str, Any]]:
    """The outbox rows of ``queue_unrendered``, for a caller that writes them itself in
    ``db.session``'s transaction (the sender is woken when it commits)."""
    rows = [{"message_id": _message_id(), "kind": m.kind, "to_address": m.to,
             "subject": "", "body_text": "", "body_html": "", "language": m.language,
             "status": MessageStatus.QUEUED, "attempts": 0, "next_attempt_at": now,
             "registration_id": m.registration_id, "unrendered": True,
             "created_at": now, "updated_at": now} for m in messages]
    if rows:
        db.session.info["outbox_dirty"] = True
    return rows


def _store(message: OutboxMessage) -> OutboxMessage:
    db.session.add(message)
    db.session.flush()
    db.session.info["outbox_dirty"] = True
    return message


def render(template: str, context: dict[str, Any], language: str) -> tuple[str, str, str]:
    """Subject (one line: no header injection via titles), plain text and HTML."""
    with force_locale(language):
        subject = render_template(f"emails/{template}.subject.txt", **context)
        text = render_template(f"emails/{template}.txt", **context)
        html = render_template(f"emails/{template}.html", **context)
    return " ".join(subject.split()), text, html


Renderer = Callable[["OutboxMessage", Session], dict[str, Any]]
_renderers: dict[str, Renderer] = {}


def register_renderer(kind: str, context_for: Renderer) -> None:
    """``context_for(message, session)`` gives the template context of an unrendered
    message of ``kind`` when it is sent, read through ``session``, or raises
    ``InvalidMessage`` if the message cannot be sent any more."""
    _renderers[kind] = context_for


def render_unrendered(message: OutboxMessage, session: Session) -> None:
    """Fill in subject and bodies of a message stored by ``queue_unrendered`` (in memory;
    the sender stores them before the first attempt)."""
    if message.kind not in _renderers:
        raise InvalidMessage(f"no renderer for messages of kind {message.kind!r}")
    context = _renderers[message.kind](message, session)
    message.subject, message.body_text, message.body_html = render(
        message.kind, context, message.language)
    message.unrendered = False


def forget_recipient(registration_id: int) -> None:
    """Erasure: drop unsent mail to a registration and the address from sent mail."""
    messages = db.session.scalars(db.select(OutboxMessage)
                                  .where(OutboxMessage.registration_id == registration_id))
    for message in messages:
        if message.status not in (MessageStatus.SENDING, MessageStatus.SENT):  # unsent
            db.session.delete(message)
        else:
            message.to_address = None
            message.body_text = message.body_html = ""
            message.last_error = None  # a server's answer may quote the address
    db.session.flush()


@sa_event.listens_for(db.session, "after_commit")
def _wake_sender_after_commit(session: Session) -> None:
    """A transaction that queued mail has committed: the mail can go now, not at the next
    poll. Runs for every session of the app's session factory; cheap when nothing queued."""
    if session.info.pop("outbox_dirty", False) and has_app_context():
        from eventhub.mail import delivery  # it imports this module

        delivery.wake_sender(current_app._get_current_object())


# -- the message on the wire -------------------------------------------------------------

class InvalidMessage(ValueError):
    """The stored message cannot become a safe e-mail (no recipient, a header with a line
    break): retrying will not help."""


@dataclass(frozen=True)
class Part:
    """An extra MIME part. ``alternative`` parts stand beside the text and HTML bodies (a
    text/calendar invitation that mail clients show as one); the others are attachments
    (an .ics file)."""

    content: bytes
    maintype: str
    subtype: str
    filename: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    alternative: bool = False


PartProvider = Callable[[OutboxMessage], Iterable[Part]]
_part_providers: dict[str, list[PartProvider]] = {}


def register_parts(kind: str, provider: PartProvider) -> None:
    """Add parts to every message of ``kind`` when it is built for sending.

    Providers run at send time, inside an app context, and on every retry: they must
    return the same parts for the same message.
    """
    _part_providers.setdefault(kind, []).append(provider)


def build_message(message: OutboxMessage, sender: str) -> EmailMessage:
    """multipart/alternative (text, HTML, plus registered parts) with safe headers.

    The default policy encodes non-ASCII headers and refuses header values with line
    breaks; we check first anyway, so that a bad row fails clearly instead of half-built.
    """
    if message.unrendered:
        raise InvalidMessage("the text has not been rendered yet")
    mime = EmailMessage()
    mime["Subject"] = " ".join(message.subject.split())  # one line, whatever is stored
    mime["From"] = sender
    mime["To"] = _recipient(message.to_address)
    mime["Date"] = format_datetime(message.created_at)  # written, not (re)sent: stable
    mime["Message-ID"] = message.message_id
    mime["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    mime["X-Auto-Response-Suppress"] = "All"  # Exchange's own spelling of the same
    # Quoted-printable keeps the message 7-bit clean for servers without 8BITMIME.
    mime.set_content(message.body_text, cte="quoted-printable")
    mime.add_alternative(message.body_html, subtype="html", cte="quoted-printable")
    parts = [p for provider in _part_providers.get(message.kind, ()) for p in provider(message)]
    for part in sorted(parts, key=lambda p: not p.alternative):  # alternatives before mixed
        _add_part(mime, part)
    mime["Content-Language"] = message.language  # last: set_content drops Content-* headers
    return mime


def _recipient(address: str | None) -> Address:
    if not address:
        raise InvalidMessage("no recipient (personal data erased?)")
    if any(c in address for c in "\r\n"):
        raise InvalidMessage("line break in the recipient address")
    try:
        return Address(addr_spec=address)
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise InvalidMessage(f"invalid recipient address: {exc}") from None


def _add_part(mime: EmailMessage, part: Part) -> None:
    if part.alternative:
        mime.add_alternative(part.content, maintype=part.maintype, subtype=part.subtype,
                             params=part.params)
    else:
        mime.add_attachment(part.content, maintype=part.maintype, subtype=part.subtype,
                            filename=part.filename, params=part.params)


# -- transports --------------------------------------------------------------------------

class TransportDown(Exception):
    """The server cannot be reached or the connection broke: nothing more goes through it."""


class MessageRefused(Exception):
    """The server refused this one message; the connection can carry the next (smtplib
    has reset the transaction). ``permanent``: the server said so (5xx), retrying is
    pointless; otherwise (4xx) it may go through later."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


# Answers about one message; everything else from smtplib means the connection is unusable.
_REFUSALS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
             smtplib.SMTPDataError, smtplib.SMTPNotSupportedError)
_REFUSED_WHAT = {smtplib.SMTPSenderRefused: "sender refused",
                 smtplib.SMTPDataError: "message refused"}


def refusal(exc: smtplib.SMTPException) -> MessageRefused:
    """A refusal is permanent when every answer is a 5xx (RFC 5321 4.2.1); an error
    without a code (an extension the server lacks) counts as temporary, as before."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
    else:
        codes = [getattr(exc, "smtp_code", 0)]
    return MessageRefused(describe_error(exc),
                          permanent=bool(codes) and all(500 <= code < 600 for code in codes))


def describe_error(exc: BaseException) -> str:
    """The server's answer (code and text) without addresses: errors outlive a person's
    erasure. Organizers read it on the registrations page."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = sorted({f"{code} {_text(text)}" for code, text in exc.recipients.values()})
        return "recipient refused: " + "; ".join(answers)
    if isinstance(exc, smtplib.SMTPResponseException):
        what = _REFUSED_WHAT.get(type(exc), type(exc).__name__)
        return f"{what}: {exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class SMTPTransport:
    """One connection for a whole batch; every step waits at most MAIL_TIMEOUT_SECONDS."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SMTPTransport:
        try:
            self.smtp = self._connect()
        except (OSError, smtplib.SMTPException) as exc:
            raise TransportDown(describe_error(exc)) from exc
        return self

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        host, port, timeout = c["MAIL_SERVER"], c["MAIL_PORT"], c["MAIL_TIMEOUT_SECONDS"]
        if c["MAIL_USE_SSL"]:
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        try:
            if c["MAIL_USE_TLS"]:  # never falls back to plain text if STARTTLS is missing
                smtp.starttls(context=ssl.create_default_context())
            if c["MAIL_USERNAME"]:
                smtp.login(c["MAIL_USERNAME"], c["MAIL_PASSWORD"])
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, mime: EmailMessage, envelope_from: str, recipient: str) -> None:
        try:
            self.smtp.send_message(mime, from_addr=envelope_from, to_addrs=[recipient])
        except _REFUSALS as exc:
            raise refusal(exc) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TransportDown(describe_error(exc)) from exc

    def __exit__(self, *exc_info) -> None:
        try:
            self.smtp.quit()
        except (OSError, smtplib.SMTPException):
            self.smtp.close()  # everything sent was accepted already; QUIT is a courtesy


class FileTransport:
    """Development without a mail server: one .eml file per message, and a log line.

    The file is named after the Message-ID, so sending a message again replaces its file.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def __enter__(self) -> FileTransport:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TransportDown(describe_error(exc)) from exc
        return self

    def send(self, mime: EmailMessage, envelope_from: str, recipient: str) -> None:
        name = re.sub(r"[^A-Za-z0-9._@-]", "_", mime["Message-ID"].strip("<>")) + ".eml"
        path = self.directory / name
        partial = path.with_name(f".{name}.partial")
        try:
            partial.write_bytes(mime.as_bytes())
            partial.replace(path)  # readers never see half a message
        except OSError as exc:
            raise TransportDown(describe_error(exc)) from exc
        # A warning: in production an empty MAIL_SERVER means nobody gets their mail.
        log.warning("MAIL_SERVER is not set: mail written to %s instead of being sent (%s)",
                    path, mime["Subject"])

    def __exit__(self, *exc_info) -> None:
        pass


def open_transport(app: Flask) -> SMTPTransport | FileTransport:
    if app.config["MAIL_SERVER"]:
        return SMTPTransport(app.config)
    directory = app.config["MAIL_FILE_DIR"] or Path(app.instance_path) / "mail"
    return FileTransport(Path(directory))
