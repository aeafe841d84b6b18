"""A real HTTP receiver on 127.0.0.1, and webhook rows committed for real where other
threads or processes must see them."""
from __future__ import annotations

import json
import threading
from collections import Counter
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import delete

from eventhub import timeutil
from eventhub.extensions import db
from eventhub.organizations.models import Organization
from eventhub.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.api.conftest import token_for  # noqa: F401  (a fixture: tokens for the API)

SECRET = "whsec_test-secret-for-the-receiver"


class Receiver:
    """Records every request; answers ``status`` (200 unless a test says otherwise)."""

    def __init__(self, port: int = 0) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/eventhub"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def delivery_ids(self) -> Counter:
        return Counter(json.loads(body)["id"] for _, body in self.requests)


@pytest.fixture()
def receiver():
    running = Receiver()
    yield running
    running.stop()


@pytest.fixture()
def loopback_allowed(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_LOOPBACK", True)


@contextmanager
def committed_endpoint(app, url: str, slug: str):
    """A centre with an endpoint, committed; removed afterwards with its deliveries."""
    with app.app_context():
        centre = Organization(slug=slug, name=slug, short_name=slug[:10],
                              region_code="DE-SN")
        db.session.add(centre)
        db.session.flush()
        endpoint = WebhookEndpoint(organization_id=centre.id, url=url, secret=SECRET,
                                   active=True, created_at=timeutil.utcnow())
        db.session.add(endpoint)
        db.session.commit()
        ids = centre.id, endpoint.id
        db.session.remove()
    try:
        yield ids
    finally:
        with app.app_context():
            db.session.execute(delete(WebhookDelivery)
                               .where(WebhookDelivery.endpoint_id == ids[1]))
            db.session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id == ids[1]))
            db.session.execute(delete(Organization).where(Organization.id == ids[0]))
            db.session.commit()
            db.session.remove()
