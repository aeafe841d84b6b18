"""A real eventhub for browser tests and screenshots: the app served by werkzeug on
127.0.0.1 in a background thread, with its own SQLite file (built by the migrations, with
the demo data), and a real SMTP server (aiosmtpd) that receives what the app sends.

Used by ``tests/e2e/conftest.py`` and by ``tests/e2e/screenshots.py`` (``make screenshots``).
The live server always uses SQLite, also when the suite runs on PostgreSQL: the suite's own
``app`` fixture owns the PostgreSQL test database and resets its schema.
"""
from __future__ import annotations

import email
import email.policy
import os
import re
import shutil
import socket
import threading
import time
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import make_server

from eventhub import create_app, demo, mail, timeutil
from eventhub.events.queries import public_event
from eventhub.extensions import db
from eventhub.registration import services, tokens
from eventhub.registration.models import OrganizationSize

CHROMIUM = os.environ.get("EVENTHUB_CHROMIUM", "/usr/bin/chromium")
# No sandbox (CI runs as root); nothing that talks to Google or anyone else.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--no-first-run",
    "--no-default-browser-check", "--metrics-recording-only", "--disable-breakpad",
    "--disable-domain-reliability", "--disable-client-side-phishing-detection",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


def browser_missing() -> str | None:
    """Why browser tests cannot run here, or None if they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (make test installs it)"
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)) \
            and not shutil.which(CHROMIUM):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set EVENTHUB_CHROMIUM)"
    return None


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_ARGS)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """aiosmtpd handler that keeps every message and lets a test wait for one."""

    def __init__(self) -> None:
        self._messages: list[EmailMessage] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._arrived:
            self._messages.append(message)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, address: str, count: int = 1, timeout: float = 15) -> EmailMessage:
        """The ``count``-th message to ``address``, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                found = [m for m in self._messages if address in str(m["To"])]
                if len(found) >= count:
                    return found[count - 1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"no message #{count} to {address} within {timeout} s; received: "
                        f"{[(str(m['To']), str(m['Subject'])) for m in self._messages]}")
                self._arrived.wait(left)


def text_body(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def link_in(message: EmailMessage, path_part: str) -> str:
    """The first link in the message's text whose path contains ``path_part``."""
    for url in re.findall(r"https?://\S+", text_body(message)):
        if path_part in url:
            return url
    raise AssertionError(f"no link with {path_part!r} in:\n{text_body(message)}")


class LiveServer:
    """eventhub on 127.0.0.1:<free port>, mail to a real SMTP server on another port."""

    def __init__(self, directory: Path, *, min_fill_seconds: float = 1) -> None:
        self.directory = Path(directory)
        self.mailbox = Mailbox()
        self.min_fill_seconds = min_fill_seconds
        self._smtp: Controller | None = None
        self._server = None
        self._thread: threading.Thread | None = None
        self.app: Flask | None = None
        self.base_url = ""

    def start(self) -> LiveServer:
        smtp_port = free_port()
        self._smtp = Controller(self.mailbox, hostname="127.0.0.1", port=smtp_port)
        self._smtp.start()
        self.app = create_app({
            "ENV": "testing",
            "SECRET_KEY": "e2e-secret-key-that-is-long-enough-for-the-tests",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{self.directory / 'live.sqlite3'}",
            "RATELIMIT_ENABLED": False,
            "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port, "MAIL_USE_TLS": False,
            "MAIL_TIMEOUT_SECONDS": 5,
            "MAIL_DISPATCH": "thread",  # sent right after the commit, as in production
            "REGISTRATION_MIN_FILL_SECONDS": self.min_fill_seconds,
        })
        with self.app.app_context():
            upgrade()
            demo.load()
            db.session.commit()
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self.app.config["BASE_URL"] = self.base_url  # links in e-mails lead here
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="eventhub-live-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self.app is not None:
            mail.stop_sender(self.app, timeout=10)
        if self._smtp is not None:
            self._smtp.stop()

    @property
    def host(self) -> str:
        return self.base_url.split("://", 1)[1]

    def url(self, path: str) -> str:
        return self.base_url + path

    # -- data set up directly through the services (for pages a test does not walk to) --

    def register(self, slug: str, email_address: str, *, first_name: str = "Erika",
                 last_name: str = "Mustermann", confirm: bool = False,
                 cancel: bool = False) -> dict[str, str | int]:
        """A registration made by the rules; returns its id and its personal links."""
        with self.app.app_context():
            now = timeutil.utcnow()
            event = public_event(slug)
            registration = services.register(event.id, services.Applicant(
                email=email_address, first_name=first_name, last_name=last_name,
                organization_name="Tischlerei Beispiel", job_role="Inhaberin",
                organization_size=OrganizationSize.MICRO, region_code="DE-SN",
                consent=True), now).registration
            if confirm:
                services.confirm(registration, now)
            if cancel:
                services.cancel(registration, now)
            db.session.commit()
            return {"id": registration.id,
                    "manage": "/anmeldung/" + tokens.make(registration, tokens.MANAGE),
                    "confirm": "/anmeldung/bestaetigen/"
                               + tokens.make(registration, tokens.CONFIRM)}
