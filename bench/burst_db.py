"""The bench's own PostgreSQL database: create, migrate, seed, check, drop.

The checks read the tables with plain SQL, not through eventhub's models, so they judge
the app from outside.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg import sql

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
EVENT_SLUG = "bench-burst"


def url_for(name: str) -> str:
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def create(name: str) -> str:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url_for(name)


def drop(name: str) -> None:
    """FORCE ends connections a killed server may have left behind (PostgreSQL 13+)."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                     .format(sql.Identifier(name)))


def migrate_and_seed(url: str, capacity: int, app_root: Path) -> int:
    """Run the migrations of the tree at ``app_root`` and create one organization and one
    published event with double opt-in; returns the event's id."""
    if str(app_root) not in sys.path:
        sys.path.insert(0, str(app_root))  # before the installed (editable) eventhub
    import flask_migrate

    from eventhub import create_app
    from eventhub.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MAIL_DISPATCH": "none"})
    with app.app_context():
        flask_migrate.upgrade()
        event_id = _seed(db, capacity)
        db.engine.dispose()
    return event_id


def _seed(db, capacity: int) -> int:
    from eventhub.events.models import Event, EventFormat, EventStatus
    from eventhub.organizations.models import Organization

    now = datetime.now(UTC)
    organization = Organization(slug="bench-centre", name="Bench Zentrum Sachsen",
                                short_name="Bench", region_code="DE-SN")
    db.session.add(organization)
    db.session.flush()
    event = Event(organization_id=organization.id, slug=EVENT_SLUG,
                  title="Digitaltag: KI im Mittelstand", format=EventFormat.WEBINAR,
                  summary="Lasttest", starts_at=now + timedelta(days=30),
                  ends_at=now + timedelta(days=30, hours=2), timezone="Europe/Berlin",
                  capacity=capacity, status=EventStatus.PUBLISHED, published_at=now,
                  double_opt_in=True)
    db.session.add(event)
    db.session.commit()
    return event.id


@dataclass
class Check:
    registrations: int
    expected: int
    capacity: int
    held: int
    waitlisted: int
    waitlist_gaps: bool
    outbox_messages: int
    registrations_without_one_message: int

    @property
    def overbooking(self) -> int:
        return max(0, self.held - self.capacity)

    @property
    def problems(self) -> list[str]:
        found = []
        if self.registrations != self.expected:
            found.append(f"{self.registrations} registrations stored for "
                         f"{self.expected} successful POSTs")
        if self.overbooking:
            found.append(f"overbooking: {self.overbooking}")
        if self.held != min(self.capacity, self.registrations):
            found.append(f"{self.held} places held, expected "
                         f"{min(self.capacity, self.registrations)}")
        if self.waitlist_gaps:
            found.append("waitlist numbers are not 1..n")
        if self.registrations_without_one_message or \
                self.outbox_messages != self.registrations:
            found.append(f"{self.outbox_messages} outbox messages for "
                         f"{self.registrations} registrations")
        return found


def check(url: str, event_id: int, expected: int) -> Check:
    with psycopg.connect(url) as conn:
        def one(query: str):
            return conn.execute(query, {"event": event_id}).fetchone()[0]

        numbers = [row[0] for row in conn.execute(
            "SELECT waitlist_number FROM registrations WHERE event_id = %(event)s "
            "AND status = 'waitlisted' ORDER BY waitlist_number", {"event": event_id})]
        return Check(
            registrations=one("SELECT count(*) FROM registrations WHERE event_id = %(event)s"),
            expected=expected,
            capacity=one("SELECT capacity FROM events WHERE id = %(event)s"),
            held=one("SELECT count(*) FROM registrations WHERE event_id = %(event)s "
                     "AND status IN ('pending', 'confirmed')"),
            waitlisted=len(numbers),
            waitlist_gaps=numbers != list(range(1, len(numbers) + 1)),
            outbox_messages=one("SELECT count(*) FROM outbox_messages"),
            registrations_without_one_message=one(
                "SELECT count(*) FROM registrations r WHERE r.event_id = %(event)s AND "
                "(SELECT count(*) FROM outbox_messages o WHERE o.registration_id = r.id) "
                "<> 1"),
        )
