"""Delivering the outbox: claim due messages, send them, record each outcome.

``deliver_due(now)`` runs outside requests (the sender thread and ``send-mail`` of ``sender``,
a scheduler) with database sessions of its own:

1. Claim, in one short transaction: due messages (queued and ``next_attempt_at <= now``, or
   ``sending`` with an expired lease: their sender died) become ``sending`` under a new
   ``claim_token`` with ``lease_until = now + MAIL_LEASE_SECONDS``. Concurrent senders never
   claim the same row: PostgreSQL skips rows another sender has locked (``FOR UPDATE SKIP
   LOCKED``); SQLite runs one writing transaction at a time (``BEGIN IMMEDIATE``, see
   ``eventhub.db``), so the second sender finds the rows claimed already. Taking over rows
   of a dead sender is logged.
2. While the batch is worked on, its lease is renewed (``outcomes.Lease``): the lease
   can be short, so a dead sender's messages wait seconds, not minutes.
3. Send each message, unless it is no longer worth sending at that moment (``checks``:
   a reminder that would arrive after the event's start is skipped), then record its outcome
   in a short transaction of its own: ``sent``; back to ``queued`` with exponential backoff
   after a temporary failure (no connection, a 4xx answer); ``failed`` at once after a
   permanent refusal (a 5xx answer), or after the last attempt. Outcomes are written only
   while the claim is still ours (``claim_token`` unchanged), so a sender that lost its
   claim cannot overwrite another's.

Nothing is lost: a message leaves ``sending`` only with a recorded outcome or an expired
lease. Nothing is sent twice, with one unavoidable exception: if the process dies (or the
database fails) after the SMTP server accepted a message but before ``sent`` was recorded,
the message is sent again once its lease expires. Its Message-ID stays the same, so mail
clients can recognise the duplicate.
"""
from __future__ import annotations

import logging
import secrets
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from datetime import datetime, timedelta
from email.utils import parseaddr

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from eventhub import timeutil
from eventhub.db import for_update
from eventhub.extensions import db
from eventhub.mail.checks import BatchChecks
from eventhub.mail.models import MessageStatus, OutboxMessage
from eventhub.mail.outcomes import DeliveryReport, Lease, Outcomes
from eventhub.mail.rendering import (
    InvalidMessage,
    build_message,
    load_ahead,
    render_unrendered,
)
from eventhub.mail.transport import MessageRefused, TransportDown, describe_error, open_transport

log = logging.getLogger(__name__)


def deliver_due(now: datetime, *, limit: int = 100) -> DeliveryReport:
    """Send up to ``limit`` messages that are due at ``now`` and record each outcome."""
    token = secrets.token_hex(16)
    lease_until = now + timedelta(seconds=current_app.config["MAIL_LEASE_SECONDS"])
    batch = _claim(now, lease_until, limit, token)
    report = DeliveryReport()
    if batch:
        _deliver_batch(batch, now, token, report)
    return report


def deliver_all_due(clock: Callable[[], datetime] = timeutil.utcnow, *,
                    limit: int | None = None) -> DeliveryReport:
    """Deliver batch after batch until one comes back short, or neither sends nor skips
    anything (the server is down or refusing: the next pass comes soon enough, no need to
    hammer it).

    Takes a clock rather than a time: every batch needs a fresh ``now``, or a long run
    would hand out leases that have already expired for everybody else.
    """
    limit = limit or current_app.config["MAIL_BATCH_SIZE"]
    total = DeliveryReport()
    while True:
        report = deliver_due(clock(), limit=limit)
        total += report
        if report.claimed < limit or report.sent + report.skipped == 0:
            return total


# -- claiming --------------------------------------------------------------------------

def _session() -> Session:
    """A session of our own: claims and outcomes are committed at once and independently of
    whatever the caller's session has pending. It comes from the app's session factory, so
    it uses the app's engine (and, in tests, joins the test's transaction)."""
    return db.session.session_factory(expire_on_commit=False)


def _due(now: datetime):
    return or_(
        and_(OutboxMessage.status == MessageStatus.QUEUED, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == MessageStatus.SENDING, OutboxMessage.lease_until < now))


def _claim(now: datetime, lease_until: datetime, limit: int,
           token: str) -> list[OutboxMessage]:
    """Mark up to ``limit`` due messages as ours (``token``) until ``lease_until``.

    Two statements, not ``UPDATE … WHERE id IN (SELECT … SKIP LOCKED LIMIT n)``: PostgreSQL
    may run such a subquery again for every row, skip the rows it has just claimed, and so
    claim far more than ``limit``. The UPDATE repeats the due condition, so a row is ours
    only if it was still due when we wrote it, whatever the isolation or locking.
    """
    with _session() as session, session.begin():
        due = (select(OutboxMessage.id, OutboxMessage.lease_until).where(_due(now))
               .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
        rows = session.execute(for_update(due, session, skip_locked=True)).all()
        if not rows:
            return []
        claimed = session.scalars(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([row.id for row in rows]), _due(now))
            .values(status=MessageStatus.SENDING, lease_until=lease_until, claim_token=token)
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False)).all()
    _log_takeover(rows, {m.id for m in claimed}, now)
    return sorted(claimed, key=lambda m: (m.next_attempt_at, m.id))


def _log_takeover(rows, claimed_ids: set[int], now: datetime) -> None:
    """Rows that were ``sending`` (a lease is set only then) belonged to a sender that
    stopped renewing its claim: it died, or hung. Their mail is late; say so."""
    expired = [row.lease_until for row in rows
               if row.lease_until is not None and row.id in claimed_ids]
    if expired:
        log.warning("took over %d outbox message(s) from a sender that stopped (lease "
                    "expired up to %d s ago); sending them now", len(expired),
                    (now - min(expired)).total_seconds())


# -- sending ---------------------------------------------------------------------------

def _deliver_batch(batch: list[OutboxMessage], now: datetime, token: str,
                   report: DeliveryReport) -> None:
    pending = deque(batch)
    seconds = current_app.config["MAIL_LEASE_SECONDS"]
    with Outcomes(now, token, report, (m.id for m in batch)) as outcomes, \
            Lease(outcomes, now, seconds) as lease, _loaded(batch):
        checks = BatchChecks(batch)
        _render_unrendered(pending, outcomes)
        try:
            with open_transport(current_app) as transport:
                _send_pending(transport, pending, lease, checks, outcomes)
        except TransportDown as exc:
            # No connection, or it broke: nothing still pending reached the server. Each
            # counts a failed attempt, so an outage backs off instead of hammering it.
            log.warning("mail server unavailable, %d message(s) will be retried: %s",
                        len(pending), exc)
            while pending:
                outcomes.failure(pending.popleft(), str(exc))
        outcomes.release(pending)  # left when the claim could not be kept


def _render_unrendered(pending: deque[OutboxMessage], outcomes: Outcomes) -> None:
    """Messages stored without their text (``mail.queue_unrendered``) get it now, before
    their first attempt, and it is stored, so that every retry sends the same message. One
    that cannot be rendered fails (for good if it cannot be sent any more) and is not sent;
    neither is one whose claim was lost or whose recipient was erased meanwhile."""
    unrendered = [m for m in pending if m.unrendered]
    if not unrendered:
        return
    rendered, failed = [], []
    # The renderers read what the texts need, in a session of their own that ends (reading
    # only) before anything is recorded.
    with _session() as session, session.begin():
        try:
            load_ahead(unrendered, session)
        except Exception:  # only slower without it: the renderers read per message
            log.exception("loading ahead for %d unrendered messages failed", len(unrendered))
        provided: dict[str, dict] = {}  # the context providers' part, once per language
        for message in unrendered:
            try:
                render_unrendered(message, session, provided=provided)
            except InvalidMessage as exc:
                failed.append((message, str(exc), True))
            except Exception as exc:  # a template's bug must not stall the whole batch
                log.exception("cannot render outbox message %s", message.id)
                failed.append((message, describe_error(exc), False))
            else:
                rendered.append(message)
    for message, error, permanent in failed:
        pending.remove(message)
        outcomes.failure(message, error, permanent=permanent)
    for message in outcomes.store_texts(rendered):
        pending.remove(message)


# Part providers (``mail.register_parts``) run once per message; a loader lets one read
# what a whole claimed batch needs in one go, e.g. every message's invitation.
BatchLoader = Callable[[list[OutboxMessage]], AbstractContextManager[object]]
_batch_loaders: list[BatchLoader] = []


def register_batch_loader(loader: BatchLoader) -> None:
    """``loader(batch)`` is entered before the first message of a claimed batch is built
    and left after the last one. Providers must still work without it (a message built
    elsewhere, or a loader that failed), and give the same parts either way."""
    _batch_loaders.append(loader)


@contextmanager
def _loaded(batch: list[OutboxMessage]) -> Iterator[None]:
    with ExitStack() as stack:
        for loader in _batch_loaders:
            try:
                stack.enter_context(loader(batch))
            except Exception:  # only slower without it: the providers read per message
                log.exception("loading ahead for %d outbox messages failed", len(batch))
        yield


def _send_pending(transport, pending: deque[OutboxMessage], lease: Lease,
                  checks: BatchChecks, outcomes: Outcomes) -> None:
    """Send one message after the other while the claim is kept; a message no longer
    worth sending at its turn is skipped instead."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    envelope_from = parseaddr(sender)[1]
    while pending:
        lease.renew_if_due()
        if not lease.holds():
            return  # the rest is released: better late than sent twice
        message = pending.popleft()
        now = lease.now()
        skip = checks.why_not(message, now)
        if skip is not None:
            outcomes.skipped(message, *skip, at=now)
            continue
        try:
            error = _send_one(transport, message, sender, envelope_from)
        except TransportDown:
            pending.appendleft(message)  # not handed over: fails with the rest
            raise
        if error is None:
            outcomes.sent(message)
        else:
            outcomes.failure(message, error[0], permanent=error[1])


def _send_one(transport, message: OutboxMessage, sender: str,
              envelope_from: str) -> tuple[str, bool] | None:
    """Hand one message to the transport: None if accepted, else (error, permanent)."""
    try:
        mime = build_message(message, sender)
    except InvalidMessage as exc:  # retrying cannot help
        return str(exc), True
    except Exception as exc:  # a part provider's bug must not stall the whole batch
        log.exception("cannot build outbox message %s", message.id)
        return describe_error(exc), False
    try:
        transport.send(mime, envelope_from, message.to_address)
    except MessageRefused as exc:  # 5xx: refused for good; 4xx: try again later
        return str(exc), exc.permanent
    return None
