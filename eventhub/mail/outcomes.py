"""Recording what became of a claimed batch of outbox messages, and keeping the claim.

A claim is a token written to the claimed rows (``claim_token``) with a short lease
(``lease_until``, MAIL_LEASE_SECONDS). While a sender works on its batch, ``Lease`` renews
the lease of the rows still ours every third of that time, so a sender that takes minutes
for a batch keeps it, and one that died loses it within one lease. Every outcome is
written only while the row is still ours: ``sending`` under our token. Comparing
``lease_until`` would no longer do, since renewing changes it (and two senders with the
same clock could even hold the same value).
"""
from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Connection, Engine, bindparam

from eventhub.extensions import db
from eventhub.mail.models import MessageStatus, OutboxMessage

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0  # failed this time, queued again with backoff
    failed: int = 0  # gave up: last attempt used, refused for good, or cannot be built
    released: int = 0  # claimed but not tried (the claim could not be kept): due again
    skipped: int = 0  # no longer worth sending when its turn came (``checks``)

    @property
    def claimed(self) -> int:
        return self.sent + self.retried + self.failed + self.released + self.skipped

    def __iadd__(self, other: DeliveryReport) -> DeliveryReport:
        for name in ("sent", "retried", "failed", "released", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    def summary(self) -> str:
        return (f"sent {self.sent}, retried later {self.retried}, failed {self.failed}"
                + (f", skipped {self.skipped}" if self.skipped else "")
                + (f", released {self.released}" if self.released else ""))


def retry_delay(attempts: int, base_seconds: float, max_seconds: float) -> timedelta:
    """Wait after the ``attempts``-th failure: base, 2·base, 4·base, … capped at max."""
    exponent = min(max(attempts - 1, 0), 32)  # 2**32·base is past any sensible cap
    return timedelta(seconds=min(base_seconds * 2 ** exponent, max_seconds))


_outbox = OutboxMessage.__table__
# A claimed row is still ours while it is sending under our claim (``_token``).
_STILL_OURS = (_outbox.c.status == MessageStatus.SENDING,
               _outbox.c.claim_token == bindparam("_token"))
# Core, built once: the outcome of one message while the claim is still ours. The SET
# columns come with each call's parameters (``_id`` and ``_token`` are only compared).
_OUTCOME = _outbox.update().where(_outbox.c.id == bindparam("_id"), *_STILL_OURS)
# The rendered text of a claimed message, unless its recipient was erased meanwhile.
_TEXT = _OUTCOME.where(_outbox.c.to_address.is_not(None))
_DONE = {"lease_until": None, "claim_token": None}

# Records the feature's side of a skipped message in the outcome's transaction.
SkipRecorder = Callable[[Connection, OutboxMessage, str, datetime], None]


class Outcomes:
    """Records the outcomes of one claimed batch, each in a transaction of its own that is
    committed before the next message is handed to the server: a crash loses nothing, and
    only the message in flight may go out twice.

    One connection serves the whole batch and each outcome is a prepared Core UPDATE: a
    new ORM session, pooled connection and statement per message cost more than sending
    it. Between two outcomes the connection holds no transaction (and so no lock) while
    the next message is sent. ``Lease`` renews the claim on the same connection from
    another thread; a lock keeps the two from using it at once.
    """

    def __init__(self, now: datetime, token: str, report: DeliveryReport,
                 ids: Iterable[int] = ()) -> None:
        self.now, self.token, self.report = now, token, report
        self.open_ids = set(ids)  # claimed, no outcome recorded yet
        self.skips: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def __enter__(self) -> Outcomes:
        # The app's engine; or, in tests, a connection inside the test's transaction, which
        # each outcome then joins with a savepoint, as the app's sessions do.
        bind = db.engine
        self.owns_connection = isinstance(bind, Engine)
        self.connection: Connection = bind.connect() if self.owns_connection else bind
        return self

    def __exit__(self, *exc_info) -> None:
        if self.owns_connection:
            self.connection.close()
        for (kind, reason), n in sorted(self.skips.items()):
            log.warning("%d %s message(s) not sent, no longer worth sending at %s: %s",
                        n, kind, self.now.isoformat(timespec="seconds"), reason)

    def sent(self, message: OutboxMessage) -> None:
        self._record(message, "sent", status=MessageStatus.SENT, sent_at=self.now,
                     last_error=None)

    def failure(self, message: OutboxMessage, error: str, *, permanent: bool = False) -> None:
        config = current_app.config
        attempts = message.attempts + 1
        values = {"attempts": attempts, "last_error": error[:1000]}
        if permanent or attempts >= config["MAIL_MAX_ATTEMPTS"]:
            log.error("giving up on outbox message %s after %d attempt(s): %s",
                      message.id, attempts, error)
            self._record(message, "failed", status=MessageStatus.FAILED, **values)
            return
        delay = retry_delay(attempts, config["MAIL_RETRY_BASE_SECONDS"],
                            config["MAIL_RETRY_MAX_SECONDS"])
        self._record(message, "retried", status=MessageStatus.QUEUED,
                     next_attempt_at=self.now + delay, **values)

    def skipped(self, message: OutboxMessage, reason: str, record: SkipRecorder, *,
                at: datetime) -> None:
        """Not sent, for good: pointless by now. ``record`` writes the feature's side (the
        reminder delivery) in the same transaction, so both change or neither."""
        if self._record(message, "skipped", status=MessageStatus.SKIPPED,
                        last_error=reason[:1000],
                        also=lambda: record(self.connection, message, reason, at)):
            self.skips[message.kind, reason] += 1

    def _record(self, message: OutboxMessage, counter: str, *,
                also: Callable[[], None] | None = None, **values) -> bool:
        """Write the outcome and commit it, if the claim is still ours."""
        with self._lock, self._transaction():
            result = self.connection.execute(
                _OUTCOME, {"_id": message.id, "_token": self.token, **_DONE, **values})
            if result.rowcount == 1 and also is not None:
                also()
            self.open_ids.discard(message.id)
        if result.rowcount != 1:
            log.warning("outbox message %s: claim lost before its outcome (%s) was "
                        "recorded", message.id, counter)
            return False
        setattr(self.report, counter, getattr(self.report, counter) + 1)
        return True

    def store_texts(self, messages: list[OutboxMessage]) -> list[OutboxMessage]:
        """Store the texts rendered for ``messages`` in one transaction; returns those that
        were not stored (the claim was lost, or the recipient erased): not to be sent."""
        if not messages:
            return []
        lost = []
        with self._lock, self._transaction():
            for message in messages:
                result = self.connection.execute(_TEXT, {
                    "_id": message.id, "_token": self.token, "unrendered": False,
                    "subject": message.subject, "body_text": message.body_text,
                    "body_html": message.body_html})
                if result.rowcount != 1:
                    lost.append(message)
            self.open_ids.difference_update(m.id for m in lost)
        for message in lost:
            log.warning("outbox message %s: claim lost or recipient erased before its "
                        "text was stored; not sent", message.id)
        return lost

    def release(self, pending: deque[OutboxMessage]) -> None:
        """Give back claimed messages that were not tried, without counting an attempt."""
        if not pending:
            return
        with self._lock, self._transaction():
            result = self.connection.execute(
                _outbox.update()
                .where(_outbox.c.id.in_([m.id for m in pending]), *_STILL_OURS)
                .values(status=MessageStatus.QUEUED, **_DONE),
                {"_token": self.token})
            self.open_ids.difference_update(m.id for m in pending)
        self.report.released += result.rowcount

    def extend(self, lease_until: datetime) -> tuple[int, int]:
        """Renew the lease of the rows still ours: (renewed, expected)."""
        with self._lock:
            ids = sorted(self.open_ids)
            if not ids:
                return 0, 0
            with self._transaction():
                result = self.connection.execute(
                    _outbox.update().where(_outbox.c.id.in_(ids), *_STILL_OURS)
                    .values(lease_until=lease_until), {"_token": self.token})
        return result.rowcount, len(ids)

    def _transaction(self):
        if self.connection.in_transaction():
            return self.connection.begin_nested()
        return self.connection.begin()


class Lease:
    """Keeps a claim alive while this process works on the batch: renews it every third
    of MAIL_LEASE_SECONDS. A process that dies (SIGKILL, power) stops renewing, and its
    rows are taken over once the lease runs out: within one lease, not minutes.

    The renewals run in a thread of their own, so that a slow SMTP step (up to
    MAIL_TIMEOUT_SECONDS, more than a short lease allows for) does not let the claim
    lapse. Inside a test's transaction the connection is shared with the test's session,
    which another thread must not use: there the sending loop renews between messages.
    Times are the claim's ``now`` plus the time elapsed since (monotonic), so an injected
    clock stays consistent.
    """

    def __init__(self, outcomes: Outcomes, claimed_at: datetime, seconds: float) -> None:
        self.outcomes, self.claimed_at, self.seconds = outcomes, claimed_at, seconds
        self._start = self._renewed = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Lease:
        if self.outcomes.owns_connection:
            self._thread = threading.Thread(target=self._run, daemon=True,
                                            name="eventhub-mail-lease")
            self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def now(self) -> datetime:
        """The claim's clock, moved on by the time elapsed since the claim."""
        return self.claimed_at + timedelta(seconds=time.monotonic() - self._start)

    def holds(self) -> bool:
        """Whether a new message may be started: more than half of the lease, as last
        renewed, is left. False after renewals failed (the database is unreachable), so
        that a sender stops before another one could take its rows over."""
        return time.monotonic() < self._renewed + self.seconds / 2

    def renew_if_due(self) -> None:
        """Between messages, where no thread renews (inside a test's transaction)."""
        if self._thread is None and time.monotonic() >= self._renewed + self.seconds / 3:
            self.renew()

    def renew(self) -> None:
        started = time.monotonic()
        until = self.claimed_at + timedelta(seconds=started - self._start + self.seconds)
        try:
            renewed, expected = self.outcomes.extend(until)
        except Exception:  # the next renewal may work; ``holds`` stops sending meanwhile
            log.exception("renewing the claim on %d outbox message(s) failed",
                          len(self.outcomes.open_ids))
            return
        self._renewed = started
        if renewed < expected:
            log.warning("%d of %d outbox message(s) were taken over by another sender "
                        "before their lease was renewed", expected - renewed, expected)

    def _run(self) -> None:
        while not self._stop.wait(self.seconds / 3):
            self.renew()
