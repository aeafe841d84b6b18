"""Feed bench: the calendar feed of 1,000 events against a bare icalendar serialization of
the same events, measured in the same run, and conditional requests answered per second.

One run: a fresh database built by the migrations (a temporary SQLite file, or a private
schema in the PostgreSQL database named by FEED_BENCH_DATABASE_URL), 16 centres, 1,000
events in the feed (three agenda items and two speakers each, a tenth in New York, some
cancelled) plus 200 that are not (drafts, long past). Then:

- build: eventhub's path for /kalender/veranstaltungen.ics without its store: the query
  (events, organizations, agenda, speakers) and ``ical.build_calendar``, from a cold session;
- bare: icalendar alone, from values already in memory: one VEVENT per event with the same
  properties (UID, DTSTAMP, SEQUENCE, DTSTART/DTEND with TZID, SUMMARY, DESCRIPTION with the
  agenda, URL, ORGANIZER, STATUS, CREATED, LAST-MODIFIED, VALARM), the calendar's name and
  refresh interval, and icalendar's own VTIMEZONEs (``add_missing_timezones``);
- 304/s: GET with If-None-Match through the Flask test client, one thread; and 200/s for
  unconditional polls, which the store answers without building.

Prints medians and the ratio build/bare (target at most 1.3); exit status 1 above it.

    .venv/bin/python bench/feed_bench.py [--events 1000] [--rounds 9] [--seconds 5]
    FEED_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python ...
"""
from __future__ import annotations

import argparse
import contextlib
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import sqlalchemy as sa

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from config import normalize_database_url  # noqa: E402
from eventhub import create_app, timeutil  # noqa: E402
from eventhub.calendar import feeds, services  # noqa: E402
from eventhub.events.models import AgendaItem, Event, EventFormat, EventStatus, Speaker  # noqa: E402
from eventhub.extensions import db  # noqa: E402
from eventhub.organizations.models import REGIONS, Organization  # noqa: E402

TARGET_RATIO = 1.3
FEED = "/kalender/veranstaltungen.ics"
ZONES = ("America/New_York",) + ("Europe/Berlin",) * 9  # a tenth elsewhere


# -- database ----------------------------------------------------------------------------

@contextlib.contextmanager
def database():
    """A migrated database of our own: SQLite file, or a private PostgreSQL schema."""
    url = os.environ.get("FEED_BENCH_DATABASE_URL")
    if not url:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/feed_bench.sqlite3", "SQLite"
        return
    url, schema = normalize_database_url(url), f"bench_feed_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield (sa.engine.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
               .render_as_string(hide_password=False), "PostgreSQL")
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()


def make_app(url: str):
    import flask_migrate

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MAIL_DISPATCH": "none",
                      "RATELIMIT_ENABLED": False, "BASE_URL": "https://eventhub.example.org"})
    with app.app_context():
        flask_migrate.upgrade()
    return app


def seed(events: int, now: datetime) -> None:
    rng = random.Random(4711)
    organizations = [Organization(slug=f"zentrum-{n}", name=f"Zukunftszentrum {name}",
                                  short_name=f"ZZ {n}", region_code=code)
                     for n, (code, name, _) in enumerate(REGIONS[:16])]
    db.session.add_all(organizations)
    for n in range(events + 200):
        db.session.add(_event(n, events, rng.choice(organizations), rng, now))
    db.session.commit()


def _event(n: int, in_feed: int, organization: Organization, rng: random.Random,
           now: datetime) -> Event:
    """Events 0..in_feed-1 are in the feed (every 40th cancelled a week ago); the rest are
    drafts or ended half a year ago."""
    day = now.replace(hour=8, minute=0, second=0, microsecond=0)
    starts = day + timedelta(days=rng.randint(-60, 300), hours=rng.choice((0, 2, 5)))
    status = EventStatus.CANCELLED if n % 40 == 39 else EventStatus.PUBLISHED
    if n >= in_feed:
        status = EventStatus.DRAFT if n % 2 else EventStatus.PUBLISHED
        starts = starts if n % 2 else day - timedelta(days=rng.randint(200, 400))
    event = Event(organization=organization, slug=f"veranstaltung-{n}", status=status,
                  title=f"Regionale Impulse {n}: Arbeit, Qualifizierung; „KI im Betrieb“",
                  format=EventFormat.WEBINAR, timezone=ZONES[n % len(ZONES)],
                  summary="Fünf Zentren, ein Dialog über die Zukunft der Arbeit in der Region.",
                  starts_at=starts, ends_at=starts + timedelta(hours=2), sequence=n % 3,
                  online_join_url=f"https://meet.example.org/j/{n}?pwd=geheim",
                  cancelled_at=now - timedelta(days=7) if status is EventStatus.CANCELLED
                  else None)
    speakers = [Speaker(name=name, region_code=organization.region_code, position=i)
                for i, name in enumerate(("Dr. Ada Lovelace", "Jürgen Weiß"))]
    event.speakers = speakers
    event.agenda_items = [AgendaItem(
        title=title, position=i, starts_at=starts + timedelta(minutes=40 * i),
        ends_at=starts + timedelta(minutes=40 * i + 40), speakers=speakers[: i % 3])
        for i, title in enumerate(("Begrüßung", "Impuls: Weiterbildung im Wandel",
                                   "Diskussion und Ausblick"))]
    return event


# -- the two serializations --------------------------------------------------------------

def plain_values(now: datetime) -> tuple[list[dict], list[icalendar.Timezone]]:
    """The feed's events as plain values, and icalendar's VTIMEZONEs for their zones, made
    before any timing: the bare serialization gets everything ready-made."""
    settings = services.settings("de")
    loaded = feeds.events(feeds.all_events(), feeds.window(now))
    years = [e.starts_at.year for e in loaded]
    zones = [icalendar.Timezone.from_tzid(tzid, first_date=datetime(min(years) - 1, 1, 1).date(),
                                          last_date=datetime(max(years) + 1, 12, 31).date())
             for tzid in sorted({e.timezone for e in loaded})]
    return [_plain(e, settings) for e in loaded], zones


def _plain(e: Event, settings) -> dict:
    url = settings.event_url(e)
    agenda = [f"{timeutil.to_local(i.starts_at, e.timezone):%H:%M}–"
              f"{timeutil.to_local(i.ends_at, e.timezone):%H:%M} {i.title}"
              + (f" ({', '.join(s.name for s in i.speakers)})" if i.speakers else "")
              for i in e.agenda_items]
    cancelled = e.status is EventStatus.CANCELLED
    return {"uid": e.uid, "stamp": e.updated_at, "sequence": e.sequence,
            "start": timeutil.to_local(e.starts_at, e.timezone),
            "end": timeutil.to_local(e.ends_at, e.timezone),
            "summary": f"Abgesagt: {e.title}" if cancelled else e.title, "title": e.title,
            "description": "\n\n".join([e.summary, "\n".join(
                [f"Programm ({e.timezone}):", *agenda]), f"Veranstaltungsseite: {url}"]),
            "url": url, "organizer": settings.organizer_email, "cn": e.organization.name,
            "status": "CANCELLED" if cancelled else "CONFIRMED", "created": e.created_at}


def bare(plain: list[dict], zones: list[icalendar.Timezone]) -> bytes:
    calendar = icalendar.Calendar()
    for name, value in (("PRODID", "-//bench//bare icalendar//EN"), ("VERSION", "2.0"),
                        ("CALSCALE", "GREGORIAN"), ("METHOD", "PUBLISH"),
                        ("NAME", "Alle Veranstaltungen – eventhub"),
                        ("X-WR-CALNAME", "Alle Veranstaltungen – eventhub")):
        calendar.add(name, value)
    calendar.add("REFRESH-INTERVAL", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", icalendar.vDuration(timedelta(hours=1)))
    for zone in zones:
        calendar.add_component(zone)
    for values in plain:
        calendar.add_component(_bare_vevent(values))
    return calendar.to_ical()


def _bare_vevent(v: dict) -> icalendar.Event:
    vevent = icalendar.Event()
    for name in ("uid", "sequence", "summary", "description", "url", "status"):
        vevent.add(name, v[name])
    vevent.add("dtstamp", v["stamp"])
    vevent.add("dtstart", v["start"])
    vevent.add("dtend", v["end"])
    organizer = icalendar.vCalAddress(f"mailto:{v['organizer']}")
    organizer.params["CN"] = v["cn"]
    vevent.add("organizer", organizer)
    vevent.add("created", v["created"])
    vevent.add("last-modified", v["stamp"])
    if v["status"] != "CANCELLED":
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", v["title"])
        alarm.add("trigger", timedelta(minutes=-15))
        vevent.add_component(alarm)
    return vevent


# -- measuring ---------------------------------------------------------------------------

def timed(functions: list, rounds: int) -> tuple[list[list[float]], list]:
    """Seconds of each round of each function, after one round to warm up (caches,
    imports). The functions take turns, so that a busy machine slows all alike."""
    results = [function() for function in functions]
    times: list[list[float]] = [[] for _ in functions]
    for _ in range(rounds):
        for n, function in enumerate(functions):
            start = time.perf_counter()
            results[n] = function()
            times[n].append(time.perf_counter() - start)
    return times, results


def build_once(app, now: datetime) -> bytes:
    """eventhub's path, from a new session each time: nothing loaded is reused."""
    with app.test_request_context():
        return feeds.build(feeds.all_events(), "de", now)


def requests_per_second(app, seconds: float, headers: dict, status: int) -> float:
    client = app.test_client()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        response = client.get(FEED, headers=headers)
        assert response.status_code == status, response.status_code
        count += 1
    return count / elapsed


def machine() -> str:
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        model = next(line.split(":", 1)[1].strip() for line in lscpu.splitlines()
                     if line.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        model = platform.processor() or "unknown CPU"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (f"{os.cpu_count()} cores ({model}), load average {load}, Python "
            f"{platform.python_version()}, icalendar {icalendar.__version__}, "
            f"SQLAlchemy {sa.__version__}")


# -- the run -----------------------------------------------------------------------------

def run(args: argparse.Namespace) -> int:
    with database() as (url, kind):
        app, now = make_app(url), timeutil.utcnow()
        with app.app_context():
            seed(args.events, now)
        with app.test_request_context():
            plain, zones = plain_values(now)
        (ours, baseline), (body, bare_body) = timed(
            [lambda: build_once(app, now), lambda: bare(plain, zones)], args.rounds)
        assert len(plain) == args.events and body.count(b"BEGIN:VEVENT") == args.events
        etag = app.test_client().get(FEED).headers["ETag"]
        not_modified = requests_per_second(app, args.seconds, {"If-None-Match": etag}, 304)
        stored = requests_per_second(app, args.seconds, {}, 200)
        with app.app_context():
            db.engine.dispose()
    ratio = statistics.median(ours) / statistics.median(baseline)
    report(args, kind, ours, baseline, (len(body), len(bare_body)), ratio,
           (not_modified, stored))
    return 0 if ratio <= TARGET_RATIO else 1


def report(args, kind: str, ours: list[float], baseline: list[float], sizes: tuple[int, int],
           ratio: float, rates: tuple[float, float]) -> None:
    def ms(times: list[float]) -> str:
        return f"median {statistics.median(times) * 1000:7.1f} ms, min {min(times) * 1000:7.1f} ms"
    print(f"feed bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {machine()}; {kind}")
    print(f"{args.events} events in the feed (+200 outside it), {args.rounds} rounds each")
    print(f"  eventhub (query + build_calendar)  {ms(ours)}   {sizes[0]:>9,} bytes")
    print(f"  bare icalendar (values in memory)  {ms(baseline)}   {sizes[1]:>9,} bytes")
    verdict = "ok" if ratio <= TARGET_RATIO else "ABOVE TARGET"
    print(f"  ratio eventhub / bare              {ratio:.2f} (target <= {TARGET_RATIO}: {verdict})")
    print(f"  304 with If-None-Match             {rates[0]:,.0f} per second")
    print(f"  200 from the store (no validator)  {rates[1]:,.0f} per second")
    print("  (requests through the Flask test client, one thread)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--seconds", type=float, default=5.0, help="per request kind")
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
