"""Bench: the report with all breakdowns on 200,000 registrations over 300 events.

Fills a database (bulk inserts: organizations, events, registrations with organization
sizes, roles and people who come back, attendances), then times
``eventhub.reports.services.build`` — the whole report: every grouping (regions,
organizations, formats, months, events, sizes, roles, region × size, new and returning),
as the page and the exports use it — against one hand-written SQL GROUP BY that computes
the same numbers per region, size and role group (returning participants included), in the
same run, and checks that both agree. Targets: report time at most 1.5 × the hand-written
query, and under one second. The person keys and role groups (``person_keys``) are written
by the first, untimed run; both the report and the hand-written SQL read them.

    .venv/bin/python bench/report_bench.py                 # SQLite (temp file) and PostgreSQL
    .venv/bin/python bench/report_bench.py --only sqlite   # or: --only postgresql

PostgreSQL: creates and finally drops its own database ``eventhub_report_bench`` on
postgresql://postgres@127.0.0.1:5432/ (override with --postgres-admin-url).
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from dataclasses import astuple, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402
from sqlalchemy import bindparam, insert, select, text  # noqa: E402

from eventhub.db import UTCDateTime  # noqa: E402
from eventhub.events.models import Event  # noqa: E402

PG_DATABASE = "eventhub_report_bench"
ZONE = "Europe/Berlin"
TARGET_RATIO, TARGET_MS = 1.5, 1000.0
CENTRES = (("zz-brandenburg", "DE-BB"), ("zz-mv", "DE-MV"), ("zz-sachsen", "DE-SN"),
           ("zz-sachsen-anhalt", "DE-ST"), ("zz-thueringen", "DE-TH"), ("zda", "DE-BE"))
# Participants' regions: mostly the East German Länder and Berlin, some from everywhere.
REGION_WEIGHTS = {"DE-BB": 14, "DE-MV": 10, "DE-SN": 20, "DE-ST": 12, "DE-TH": 12,
                  "DE-BE": 10, "DE-BW": 2, "DE-BY": 2, "DE-HB": 1, "DE-HE": 2, "DE-HH": 1,
                  "DE-NI": 2, "DE-NW": 3, "DE-RP": 1, "DE-SH": 1, "DE-SL": 1, "ABROAD": 1,
                  "UNSTATED": 1}
STATUS_WEIGHTS = {"confirmed": 78, "cancelled": 10, "pending": 3, "waitlisted": 4,
                  "expired": 5}
SIZE_WEIGHTS = {"solo": 15, "1-9": 30, "10-49": 28, "50-249": 17, "250+": 10}
ROLES = ("Geschäftsführerin", "Inhaber", "Betriebsrat", "Personalleiterin", "Referentin",
         "Mitarbeiter Vertrieb", "Bäckermeister", "", "Projektleiter", "Solo-Selbstständige")
PEOPLE_SHARE = 0.35  # people per registration: most come back two or three times
# The same per-region numbers as the report's "Per region" table, written by hand: one
# GROUP BY. {scan} is "NOT INDEXED" on SQLite, the access path the report takes there too
# (see eventhub/reports/queries.py); the bench also times it without, for comparison.
HAND_WRITTEN = """
SELECT r.region_code, r.organization_size, k.role_group,
  SUM(CASE WHEN r.status <> 'expired' AND r.source <> 'walk_in' THEN 1 ELSE 0 END),
  SUM(CASE WHEN r.status = 'confirmed' AND r.source <> 'walk_in' THEN 1 ELSE 0 END),
  SUM(CASE WHEN a.attended THEN 1 ELSE 0 END),
  SUM(CASE WHEN a.attended AND r.source = 'walk_in' THEN 1 ELSE 0 END),
  SUM(CASE WHEN r.status = 'confirmed' AND r.source <> 'walk_in'
            AND r.event_id IN (SELECT id FROM judged) THEN 1 ELSE 0 END),
  SUM(CASE WHEN r.status = 'confirmed' AND r.source <> 'walk_in'
            AND NOT COALESCE(a.attended, FALSE)
            AND r.event_id IN (SELECT id FROM judged) THEN 1 ELSE 0 END),
  SUM(CASE WHEN a.attended THEN COALESCE(a.minutes, 0) ELSE 0 END),
  SUM(CASE WHEN NOT COALESCE(a.attended, FALSE) THEN 0
           WHEN k.first_visit IS NOT NULL THEN CASE WHEN k.first_visit THEN 0 ELSE 1 END
           WHEN f.id IS NOT NULL AND f.id <> r.id THEN 1 ELSE 0 END)
FROM registrations r {scan}
LEFT JOIN attendances a ON a.registration_id = r.id
LEFT JOIN person_keys k ON k.registration_id = r.id
LEFT JOIN firsts f ON f.key = k.key
WHERE r.event_id IN (SELECT id FROM events
                     WHERE status = 'published' AND starts_at >= :start AND starts_at < :end)
GROUP BY r.region_code, r.organization_size, k.role_group
"""
# Each person's first visit: the earliest start, then the lowest registration id.
FIRSTS = """,
visits AS (
  SELECT k.key, e.starts_at, r.id FROM person_keys k
  JOIN registrations r ON r.id = k.registration_id JOIN events e ON e.id = r.event_id
  JOIN attendances a ON a.registration_id = r.id
  WHERE k.key IS NOT NULL AND a.attended AND e.status = 'published'),
earliest AS (SELECT key, MIN(starts_at) AS starts_at FROM visits GROUP BY key),
firsts AS (
  SELECT v.key, MIN(v.id) AS id FROM visits v
  JOIN earliest x ON x.key = v.key AND x.starts_at = v.starts_at GROUP BY v.key)
"""


# Events whose confirmed registrations can be no-shows: over, with any attendance record.
JUDGED = """
WITH judged AS (
  SELECT e.id FROM events e
  WHERE e.ends_at <= :now AND EXISTS (
    SELECT 1 FROM registrations r2 JOIN attendances a2 ON a2.registration_id = r2.id
    WHERE r2.event_id = e.id))
"""


@dataclass
class Result:
    database: str
    report_ms: float
    hand_ms: float

    @property
    def ratio(self) -> float:
        return self.report_ms / self.hand_ms

    @property
    def ok(self) -> bool:
        return self.ratio <= TARGET_RATIO and self.report_ms < TARGET_MS


# --- filling the database ----------------------------------------------------------------

def _organizations(db) -> list[int]:
    from eventhub.organizations.models import Organization
    rows = [{"slug": slug, "name": f"Bench {slug}", "short_name": slug, "region_code": region,
             "kind": "centre"} for slug, region in CENTRES]
    db.session.execute(insert(Organization), rows)
    return list(db.session.scalars(select(Organization.id).order_by(Organization.id)))


def _events(db, organizations: list[int], count: int, now: datetime, rng) -> list[tuple]:
    """``count`` published events over the last twelve months (a few still to come)."""
    rows = []
    for n in range(count):
        start = now - timedelta(days=rng.uniform(-10, 350), hours=rng.randint(0, 8))
        start = start.replace(minute=0, second=0, microsecond=0)
        rows.append({"organization_id": rng.choice(organizations), "slug": f"bench-{n}",
                     "title": f"Bench-Veranstaltung {n}", "status": "published",
                     "format": rng.choice(("online_talk", "webinar", "workshop", "hybrid")),
                     "starts_at": start, "ends_at": start + timedelta(hours=2),
                     "timezone": ZONE, "uid": f"bench-{n}", "created_at": now,
                     "updated_at": now})
    db.session.execute(insert(Event), rows)
    return list(db.session.execute(select(Event.id, Event.ends_at).order_by(Event.id)))


def _registration(n: int, event_id: int, rng, now: datetime, email: str) -> dict:
    walk_in = rng.random() < 0.02
    status = "confirmed" if walk_in else rng.choices(
        list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    region = "UNSTATED" if walk_in else rng.choices(
        list(REGION_WEIGHTS), weights=list(REGION_WEIGHTS.values()))[0]
    size = "unstated" if walk_in else rng.choices(
        list(SIZE_WEIGHTS), weights=list(SIZE_WEIGHTS.values()))[0]
    return {"id": n, "event_id": event_id, "status": status, "email": email,
            "first_name": "Erika", "last_name": f"Muster {n}", "organization_size": size,
            "job_role": rng.choice(ROLES), "region_code": region, "language": "de",
            "source": "walk_in" if walk_in else "form", "token_key": f"k{n}",
            "created_at": now, "updated_at": now}


def _email(n: int, event_id: int, people: int, rng, taken: set) -> str:
    """Someone from the pool of people, unless they are registered for this event already."""
    person = rng.randrange(people)
    if (event_id, person) in taken:
        return f"once{n}@example.org"
    taken.add((event_id, person))
    return f"p{person}@example.org"


def _attendance(registration_id: int, row: dict, rng, now: datetime) -> dict | None:
    if row["source"] == "walk_in":
        attended = True
    elif row["status"] != "confirmed" or rng.random() < 0.25:
        return None
    else:
        attended = rng.random() < 0.85
    return {"registration_id": registration_id, "attended": attended,
            "minutes": rng.randint(10, 120) if attended else rng.randint(0, 9),
            "source": "import", "created_at": now, "updated_at": now}


def _fill(db, events: list[tuple], total: int, now: datetime, rng) -> int:
    """``total`` registrations spread unevenly over the events; attendance for events that
    are over, except one in ten where nobody recorded it. Returns the attendance rows."""
    from eventhub.attendance.models import Attendance
    from eventhub.registration.models import Registration
    weights = [rng.uniform(0.2, 1.8) for _ in events]
    recorded = {event_id for event_id, ends_at in events
                if _aware(ends_at) <= now and rng.random() < 0.9}
    choices = rng.choices(range(len(events)), weights=weights, k=total)
    attendances, batch, taken = 0, 10_000, set()
    people = max(int(total * PEOPLE_SHARE), 1)
    for start in range(0, total, batch):
        rows = [_registration(start + i + 1, events[k][0], rng, now,
                              _email(start + i + 1, events[k][0], people, rng, taken))
                for i, k in enumerate(choices[start:start + batch])]
        db.session.execute(insert(Registration), rows)
        marks = [_attendance(row["id"], row, rng, now) for row in rows
                 if row["event_id"] in recorded]
        marks = [m for m in marks if m]
        if marks:
            db.session.execute(insert(Attendance), marks)
        attendances += len(marks)
    if db.session.get_bind().dialect.name == "postgresql":  # ids were given explicitly
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('registrations', 'id'),"
                                " (SELECT MAX(id) FROM registrations))"))
    return attendances


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def seed(db, events: int, registrations: int, now: datetime) -> tuple[int, object]:
    """Fill the database; returns the attendance count and a coordinator account."""
    from eventhub.auth.models import Role, User
    rng = random.Random(20261121)
    organizations = _organizations(db)
    event_rows = _events(db, organizations, events, now, rng)
    attendances = _fill(db, event_rows, registrations, now, rng)
    user = User(email="koordination@bench.invalid", name="Bench", role=Role.COORDINATOR,
                password_hash="-")
    db.session.add(user)
    db.session.commit()
    return attendances, user


# --- timing ------------------------------------------------------------------------------

def _median_ms(action, runs: int) -> tuple[float, object]:
    result = action()  # warm-up: caches, statistics, compiled statements
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def _hand_written(db, bounds, now, scan: str = ""):
    """The figures per region, per size and per role group, from one GROUP BY."""
    query = text(JUDGED + FIRSTS + HAND_WRITTEN.format(scan=scan)).bindparams(
        *(bindparam(name, type_=UTCDateTime) for name in ("start", "end", "now")))
    rows = db.session.execute(query, {"start": bounds[0], "end": bounds[1], "now": now})
    folded: dict[str, dict] = {"region": {}, "size": {}, "role": {}}
    for region, size, role, *numbers in rows:
        for dimension, key in (("region", region), ("size", size), ("role", role)):
            old = folded[dimension].get(key, (0,) * len(numbers))
            folded[dimension][key] = tuple(a + int(b) for a, b in zip(old, numbers,
                                                                       strict=True))
    return folded


def measure(db, user, now: datetime, runs: int, name: str) -> Result:
    from eventhub.reports import services
    period = services.default_period(now, ZONE)
    bounds = period.utc_bounds(ZONE)
    report_ms, report = _median_ms(lambda: services.build(user, period, now, ZONE), runs)
    scan = "NOT INDEXED" if name == "sqlite" else ""
    hand_ms, hand = _median_ms(lambda: _hand_written(db, bounds, now, scan), runs)
    if scan:
        plain_ms, _ = _median_ms(lambda: _hand_written(db, bounds, now), runs)
        print(f"  {name}: the hand-written SQL without NOT INDEXED: {plain_ms:.1f} ms")
    ours = {dimension: {str(key): astuple(f) for key, f in report.groups[dimension].items()}
            for dimension in ("region", "size", "role")}
    if ours != hand:
        raise SystemExit(f"{name}: the report and the hand-written SQL disagree:\n"
                         f"{ours}\n{hand}")
    print(f"  {name}: {len(report.events)} events in the period; total "
          f"{astuple(report.total)} (registered, confirmed, attended, walk-ins, expected, "
          f"no-shows, minutes, returning)")
    return Result(name, report_ms, hand_ms)


def run(url: str, name: str, args) -> Result:
    import flask_migrate

    from eventhub import create_app
    from eventhub.extensions import db
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MAIL_DISPATCH": "none"})
    with app.app_context():
        flask_migrate.upgrade()
        now = datetime.now(UTC)
        started = time.perf_counter()
        attendances, user = seed(db, args.events, args.registrations, now)
        print(f"  {name}: seeded {args.registrations:,} registrations, {args.events} events, "
              f"{attendances:,} attendances in {time.perf_counter() - started:.1f} s")
        if name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        try:
            return measure(db, user, now, args.runs, name)
        finally:
            db.session.remove()
            db.engine.dispose()


# --- databases ---------------------------------------------------------------------------

def on_sqlite(args) -> Result:
    with tempfile.TemporaryDirectory(prefix="eventhub-report-bench-") as folder:
        return run(f"sqlite:///{Path(folder) / 'bench.sqlite3'}", "sqlite", args)


def _admin(args, statement: str) -> None:
    with psycopg.connect(args.postgres_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL(statement).format(sql.Identifier(PG_DATABASE)))


def on_postgresql(args) -> Result:
    _admin(args, "DROP DATABASE IF EXISTS {} WITH (FORCE)")
    _admin(args, "CREATE DATABASE {}")
    base = args.postgres_admin_url.rsplit("/", 1)[0]
    try:
        return run(f"{base}/{PG_DATABASE}", "postgresql", args)
    finally:
        _admin(args, "DROP DATABASE IF EXISTS {} WITH (FORCE)")


def print_table(results: list[Result]) -> None:
    print(f"\n{'database':<12}{'report (ms)':>13}{'hand SQL (ms)':>15}{'ratio':>8}  target "
          f"(ratio ≤ {TARGET_RATIO}, report < {TARGET_MS:.0f} ms)")
    for r in results:
        print(f"{r.database:<12}{r.report_ms:>13.1f}{r.hand_ms:>15.1f}{r.ratio:>8.2f}  "
              f"{'met' if r.ok else 'MISSED'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--registrations", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--runs", type=int, default=7, help="timed runs (median)")
    parser.add_argument("--postgres-admin-url",
                        default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    results = [runner(args) for name, runner in (("sqlite", on_sqlite),
                                                 ("postgresql", on_postgresql))
               if args.only in (None, name)]
    print_table(results)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
