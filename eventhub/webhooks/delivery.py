"""Delivering webhooks, as the outbox delivers e-mail (``eventhub.mail.delivery``):

1. Claim due rows in one short transaction: queued ones whose time has come, and sending
   ones whose lease has run out (their process died). PostgreSQL skips rows another
   process has locked (``FOR UPDATE SKIP LOCKED``); SQLite writes one transaction at a
   time. Each claim has its own token.
2. POST each body, signed (``signing``), to the address checked again (``targets``), with
   no redirects followed.
3. Record each outcome in a transaction of its own, only while the claim is still ours:
   2xx delivered; anything else again later with exponential backoff, failed after the
   last attempt.

Nothing is lost: a row leaves ``sending`` only with an outcome or an expired lease. A
process that dies after the receiver answered but before the outcome was written sends
that one again: the receiver drops it by its delivery id (README, "Webhooks").
"""
from __future__ import annotations

import http.client
import secrets
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from eventhub.db import for_update
from eventhub.extensions import db
from eventhub.webhooks import signing, targets
from eventhub.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

S = DeliveryStatus


@dataclass
class Report:
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0


@dataclass(frozen=True)
class _Job:
    id: int
    delivery_id: str
    kind: str
    body: str
    attempts: int
    url: str
    secret: str


def _session() -> Session:
    return db.session.session_factory(expire_on_commit=False)


def _due(now: datetime):
    return or_(and_(WebhookDelivery.status == S.QUEUED, WebhookDelivery.next_attempt_at <= now),
               and_(WebhookDelivery.status == S.SENDING, WebhookDelivery.lease_until < now))


def _claim(now: datetime, limit: int, token: str) -> list[_Job]:
    lease_until = now + timedelta(seconds=current_app.config["WEBHOOK_LEASE_SECONDS"])
    with _session() as session, session.begin():
        query = (select(WebhookDelivery.id).where(_due(now))
                 .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit))
        ids = list(session.scalars(for_update(query, session, skip_locked=True)))
        if not ids:
            return []
        claimed = session.scalars(
            update(WebhookDelivery).where(WebhookDelivery.id.in_(ids), _due(now))
            .values(status=S.SENDING, lease_until=lease_until, claim_token=token,
                    attempts=WebhookDelivery.attempts + 1)
            .returning(WebhookDelivery.id).execution_options(synchronize_session=False)
        ).all()
        rows = session.execute(
            select(WebhookDelivery, WebhookEndpoint.url, WebhookEndpoint.secret)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.id.in_(claimed))
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)).all()
    return [_Job(d.id, d.delivery_id, d.kind, d.body, d.attempts, url, secret)
            for d, url, secret in rows]


def deliver_due(now: datetime, *, limit: int | None = None) -> Report:
    """Send the deliveries due at ``now`` (up to ``limit``) and record each outcome."""
    token = secrets.token_hex(16)
    jobs = _claim(now, limit or current_app.config["WEBHOOK_BATCH_SIZE"], token)
    report = Report(claimed=len(jobs))
    for job in jobs:
        status, error = send(job, now)
        _record(job, token, status, error, now, report)
    return report


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to now."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def send(job: _Job, now: datetime) -> tuple[int | None, str | None]:
    """POST the signed body; (status code, None) or (None, why it could not be sent)."""
    config = current_app.config
    try:
        host, address, port = targets.check(
            job.url, require_https=config["ENV"] == "production",
            allow_loopback=config["WEBHOOK_ALLOW_LOOPBACK"])
    except targets.UnsafeTarget as exc:
        return None, str(exc)
    scheme, rest = job.url.split("://", 1)
    path = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, address, port, config["WEBHOOK_TIMEOUT_SECONDS"])
    body = job.body.encode()
    timestamp = int(now.timestamp())
    headers = {"Content-Type": "application/json", "User-Agent": "eventhub-webhooks/1",
               signing.SIGNATURE_HEADER: signing.signature(job.secret, timestamp, body),
               signing.DELIVERY_HEADER: job.delivery_id, signing.KIND_HEADER: job.kind}
    try:
        connection.request("POST", path.split("#", 1)[0], body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)
        return response.status, None
    except (OSError, http.client.HTTPException) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    finally:
        connection.close()


def _backoff(attempts: int) -> timedelta:
    config = current_app.config
    seconds = config["WEBHOOK_RETRY_BASE_SECONDS"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config["WEBHOOK_RETRY_MAX_SECONDS"]))


def _record(job: _Job, token: str, status: int | None, error: str | None, now: datetime,
            report: Report) -> None:
    values: dict = {"last_status_code": status, "lease_until": None, "claim_token": None,
                    "last_error": error if status is None else None}
    if status is not None and 200 <= status < 300:
        values.update(status=S.DELIVERED, delivered_at=now)
        report.delivered += 1
    elif job.attempts >= current_app.config["WEBHOOK_MAX_ATTEMPTS"]:
        values.update(status=S.FAILED)
        report.failed += 1
    else:
        values.update(status=S.QUEUED, next_attempt_at=now + _backoff(job.attempts))
        report.retried += 1
    with _session() as session, session.begin():
        session.execute(update(WebhookDelivery).where(
            WebhookDelivery.id == job.id, WebhookDelivery.claim_token == token)
            .values(**values).execution_options(synchronize_session=False))


def resend(delivery: WebhookDelivery, now: datetime) -> None:
    """Send a delivery again soon, with the same delivery id and a new series of attempts
    (the caller commits). One that is being sent is left to that claim."""
    if delivery.status is S.SENDING and delivery.lease_until and delivery.lease_until >= now:
        return
    delivery.status = S.QUEUED
    delivery.next_attempt_at = now
    delivery.attempts = 0
    delivery.lease_until = delivery.claim_token = None
