"""How a built message leaves the process: over SMTP, or as .eml files in development
(no MAIL_SERVER); and what a server's answer means: this one message is refused
(``MessageRefused``, for good or for now), or nothing more goes through (``TransportDown``).
"""
from __future__ import annotations

import logging
import re
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from flask import Flask

log = logging.getLogger(__name__)


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
