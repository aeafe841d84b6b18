"""Dispatch: a sender thread per process, woken when a transaction that queued mail commits
(``outbox``) and every MAIL_POLL_SECONDS for retries that have come due; and the
``send-mail`` command, for delivery by a process of its own or by hand.
"""
from __future__ import annotations

import logging
import os
import threading

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from eventhub.mail.delivery import deliver_all_due
from eventhub.mail.outcomes import DeliveryReport

log = logging.getLogger(__name__)


def _deliver_and_log() -> DeliveryReport | None:
    """One sender pass that never raises: a broken database or configuration is logged and
    tried again at the next wake-up, instead of ending the thread or the loop for good."""
    try:
        return deliver_all_due()
    except Exception:
        log.exception("mail delivery failed; trying again later")
        return None


class _SenderThread:
    """Wakes when a transaction that queued mail commits, and every MAIL_POLL_SECONDS for
    retries that have come due."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.pid = os.getpid()
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="eventhub-mail-sender",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wakeup.set()

    def stop(self, timeout: float | None) -> None:
        """Finish the current pass, then end (an orderly shutdown; tests)."""
        self._stopping.set()
        self._wakeup.set()
        self._thread.join(timeout)

    def is_alive(self) -> bool:
        # A forked worker (gunicorn --preload) inherits this object but not the thread.
        return self.pid == os.getpid() and self._thread.is_alive()

    def _run(self) -> None:
        poll_seconds = self.app.config["MAIL_POLL_SECONDS"]
        while True:
            self._wakeup.wait(poll_seconds)
            self._wakeup.clear()  # before sending: a commit meanwhile means one more pass
            if self._stopping.is_set():
                return
            with self.app.app_context():
                _deliver_and_log()


_start_lock = threading.Lock()
_EXTENSION_KEY = "eventhub.mail_sender"


def wake_sender(app: Flask) -> None:
    """Wake the process's sender thread (starting it on first use) if MAIL_DISPATCH is
    "thread"; with "none", delivery is left to ``send-mail`` or a scheduler."""
    if app.config["MAIL_DISPATCH"] != "thread":
        return
    with _start_lock:
        sender = app.extensions.get(_EXTENSION_KEY)
        if sender is None or not sender.is_alive():
            sender = app.extensions[_EXTENSION_KEY] = _SenderThread(app)
            sender.start()
    sender.wake()


def stop_sender(app: Flask, timeout: float | None = 10) -> None:
    """Stop the process's sender thread, if any; mail queued later starts a new one."""
    with _start_lock:
        sender = app.extensions.pop(_EXTENSION_KEY, None)
    if sender is not None and sender.is_alive():
        sender.stop(timeout)


def run_senders(app: Flask, threads: int, interval: float,
                stop: threading.Event | None = None) -> None:
    """``threads`` senders in this process, each delivering, waiting ``interval`` seconds
    once the outbox has nothing due, and delivering again, until ``stop`` is set (never,
    from the command line). Each has its own SMTP connection and database session; their
    claims never overlap (``delivery``), so together they keep several connections busy
    while one waits for the server or the database."""
    stop = stop or threading.Event()

    def loop() -> None:
        with app.app_context():
            while not stop.is_set():
                report = _deliver_and_log()
                if report and report.claimed:
                    click.echo(report.summary())
                stop.wait(interval)

    workers = [threading.Thread(target=loop, name=f"eventhub-mail-sender-{n}", daemon=True)
               for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


@click.command("send-mail")
@click.option("--loop", is_flag=True,
              help="Keep running: deliver, wait, deliver again (a dedicated sender process).")
@click.option("--interval", type=click.FloatRange(min=1), default=None,
              help="Seconds between passes with --loop [default: MAIL_POLL_SECONDS].")
@click.option("--threads", type=click.IntRange(1, 32), default=1, show_default=True,
              help="With --loop: senders in this process, each with its own SMTP "
                   "connection.")
@with_appcontext
def send_mail(loop: bool, interval: float | None, threads: int) -> None:
    """Deliver the e-mail that is due, retries included."""
    if not loop:
        click.echo(deliver_all_due().summary())
        return
    app = current_app._get_current_object()
    run_senders(app, threads, interval or app.config["MAIL_POLL_SECONDS"])
