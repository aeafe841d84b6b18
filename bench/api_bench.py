"""GET /api/v1/events (100 published events, pages of 20) against the minimal Flask endpoint
(bench/minimal_api.py), both under gunicorn with the same settings, in turns, in one run.

    .venv/bin/python bench/api_bench.py [--rounds 3] [--seconds 5] [--clients 4]

Prints requests per second of each and the ratio eventhub / minimal; exit status 1 below
the target 0.3 (issue 25). A temporary SQLite database built by the migrations."""
from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import burst_servers as servers  # noqa: E402

TARGET = 0.3
PATH = "/api/v1/events"


def _database(url: str) -> None:
    from flask_migrate import upgrade

    from eventhub import create_app, timeutil
    from eventhub.events.models import Event, EventFormat, EventStatus
    from eventhub.extensions import db
    from eventhub.organizations.models import Organization

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MAIL_DISPATCH": "none"})
    with app.app_context():
        upgrade()
        centre = Organization(slug="zz-bench", name="Zukunftszentrum Bench",
                              short_name="ZZ Bench", region_code="DE-SN")
        start = timeutil.utcnow().replace(microsecond=0) + timedelta(days=30)
        db.session.add_all(
            Event(organization=centre, slug=f"veranstaltung-{n}", title=f"Veranstaltung {n}",
                  format=EventFormat.WEBINAR, status=EventStatus.PUBLISHED,
                  starts_at=start + timedelta(hours=n), published_at=start - timedelta(days=40),
                  ends_at=start + timedelta(hours=n, minutes=90)) for n in range(100))
        db.session.commit()


def _load(port: int, seconds: float, clients: int) -> float:
    """Requests per second over keep-alive connections from ``clients`` threads."""
    counts = [0] * clients
    stop_at = time.monotonic() + seconds

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop_at:
            conn.request("GET", PATH)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"status {response.status}")
            counts[index] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    begun = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - begun)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    settings = servers.Settings(workers=args.workers, worker_class="gthread", threads=4)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'api-bench.sqlite3'}"
        _database(url)
        env = {**os.environ, "EVENTHUB_DATABASE_URL": url, "EVENTHUB_MAIL_DISPATCH": "none",
               "EVENTHUB_RATELIMIT_ENABLED": "0"}
        apps = {"eventhub": (ROOT, "wsgi:app"), "minimal": (ROOT / "bench", "minimal_api:app")}
        started = {}
        try:
            for name, (chdir, app) in apps.items():
                port = servers.free_port()
                log = Path(tmp) / f"{name}.log"
                started[name] = servers.start(
                    name, servers.command(settings, port, chdir, app, log), port, env, log)
                servers.wait_ready(started[name], PATH)
            rates: dict[str, list[float]] = {name: [] for name in apps}
            for _ in range(args.rounds):
                for name, server in started.items():
                    rates[name].append(_load(server.port, args.seconds, args.clients))
        finally:
            for server in started.values():
                servers.stop(server)
    medians = {name: statistics.median(values) for name, values in rates.items()}
    ratio = medians["eventhub"] / medians["minimal"]
    print(f"{settings.describe()}, {args.clients} clients, {args.rounds} rounds of "
          f"{args.seconds:.0f} s")
    for name, value in medians.items():
        print(f"{name:9} {value:8.0f} requests/s (median; rounds: "
              f"{', '.join(f'{v:.0f}' for v in rates[name])})")
    print(f"ratio eventhub / minimal: {ratio:.2f} (target ≥ {TARGET})")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
