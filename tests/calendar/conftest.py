"""Fixtures for the calendar tests: the real SMTP server of the mail tests, a real CalDAV
server (Radicale) on 127.0.0.1, and two independent iCalendar parsers."""
from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

from tests.calendar.helpers import CalDAV
from tests.factories import berlin
from tests.mail.conftest import free_port
from tests.mail.conftest import mail_config as mail_config  # noqa: F401  (fixtures)
from tests.mail.conftest import now as now  # noqa: F401
from tests.mail.conftest import register as register  # noqa: F401
from tests.mail.conftest import smtp as smtp  # noqa: F401

JOIN_URL = "https://meet.example.org/j/4711?pwd=geheim"
STARTS = berlin(2030, 6, 18, 10)  # a Tuesday in summer time
# The app's clock in these tests: before every date they use (from 2027 on), whatever
# today's date is.
TODAY = berlin(2026, 12, 1, 9)


@pytest.fixture(autouse=True)
def _before_the_events(clock):
    clock.set(TODAY)


@pytest.fixture()
def event(make):
    """A published online event with a join link, agenda and speaker."""
    def _event(**kw):
        kw.setdefault("title", "Regionale Impulse")
        kw.setdefault("summary", "Fünf Zentren, ein Dialog.")
        kw.setdefault("starts_at", STARTS)
        kw.setdefault("online_join_url", JOIN_URL)
        kw.setdefault("double_opt_in", False)
        return make.event(**kw)
    return _event


def _wait_for_port(port: int, process: subprocess.Popen, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Radicale ended with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("Radicale did not start")


@pytest.fixture(scope="session")
def caldav(tmp_path_factory):
    port = free_port()
    folder = tmp_path_factory.mktemp("radicale")
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", "", "--server-hosts",
         f"127.0.0.1:{port}", "--auth-type", "none", "--rights-type", "owner_only",
         "--storage-filesystem-folder", str(folder / "collections"),
         "--logging-level", "error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port, process)
        yield CalDAV(port)
    finally:
        process.terminate()
        process.wait(timeout=10)
