"""Registration burst: eventhub under gunicorn on PostgreSQL against a minimal Flask app.

One run: a fresh PostgreSQL database (migrated; one organization, one published event
with double opt-in and a capacity of half the registrations, so the waitlist is used),
eventhub under gunicorn in production mode, a burst of complete registration POSTs from
a separate client process, then the same burst against bench/minimal_app.py under the same
gunicorn settings. Prints requests/s, p50/p99 latency and errors for both, the ratio, and
checks the database afterwards. Exit status 1 on errors, overbooking or inconsistent data;
2 if the run was stopped (time limit, SIGTERM) before the end.

With ``--rounds N`` the whole run (fresh database, eventhub, then the minimal app) is
repeated N times and the figures of each round and their medians are printed; the
targets are judged on the medians. One round on a shared virtual machine can be 20-25 %
off in either app, so a ratio is only worth quoting as the median of several rounds.

    .venv/bin/python bench/registration_burst.py [--rounds 1] [--clients 32]
        [--registrations 2000] [--workers 2] [--worker-class gthread|sync|gevent] [--threads 16]
        [--app-root DIR] [--profile FILE] [--lock-timing] [--json FILE] [--time-limit S]
        [--without-database | --plain-insert]
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import burst_client
import burst_db
import burst_report
import burst_servers

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
FORM_PATH = f"/veranstaltungen/{burst_db.EVENT_SLUG}/anmeldung"
MIN_FILL_SECONDS = 3.0  # eventhub's default REGISTRATION_MIN_FILL_SECONDS; kept as is


class TimeLimit(Exception):
    """The whole run took longer than --time-limit."""


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32, help="concurrent connections")
    parser.add_argument("--registrations", type=int, default=2000, help="POSTs per app")
    # The default is the best of the settings tried on our 2-core machine (bench/README.md).
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--worker-class", choices=("sync", "gthread", "gevent"),
                        default="gthread",
                        help="gevent needs the bench extra: pip install -e '.[bench]'")
    parser.add_argument("--threads", type=int, default=16, help="threads per gthread worker")
    parser.add_argument("--app-root", type=Path, default=PROJECT_ROOT,
                        help="the eventhub tree to run (default: this checkout), e.g. a "
                             "snapshot made with git archive")
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat the whole run, eventhub and minimal in turn; the "
                             "medians are judged")
    parser.add_argument("--time-limit", type=int,
                        help="seconds for the whole run (default: 300 per round)")
    parser.add_argument("--profile", type=Path, metavar="FILE",
                        help="diagnosis: cProfile eventhub's POSTs into FILE")
    parser.add_argument("--lock-timing", action="store_true",
                        help="diagnosis: time the event row lock inside eventhub")
    stand_in = parser.add_mutually_exclusive_group()
    stand_in.add_argument("--without-database", action="store_true",
                          help="diagnosis: eventhub's POST without its registration "
                               "(form, CSRF, checks, redirect; nothing stored): the most "
                               "any database work could leave")
    stand_in.add_argument("--plain-insert", action="store_true",
                          help="diagnosis: eventhub's POST with its registration replaced "
                               "by one plain INSERT of the row and its e-mail (no lock, "
                               "places, rules or group commit): the most any work on the "
                               "registration's own database code could give")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.registrations < 2 or args.clients < 1 or args.workers < 1 or args.threads < 1 \
            or args.rounds < 1:
        parser.error("need at least 2 registrations, 1 client, 1 worker, 1 thread, 1 round")
    if args.worker_class == "gevent" and importlib.util.find_spec("gevent") is None:
        parser.error("--worker-class gevent needs gevent: .venv/bin/pip install -e '.[bench]'")
    if args.rounds > 1 and (args.profile or args.lock_timing):
        parser.error("the instrumented diagnoses (--profile, --lock-timing) run one round")
    if args.time_limit is None:
        args.time_limit = 300 * args.rounds
    return args


class Stopped(Exception):
    """SIGTERM: stop, but clean up first (the default action would skip that)."""


def _on_alarm(signum, frame):
    raise TimeLimit("time limit reached; stopping")


def _on_term(signum, frame):
    raise Stopped("terminated; stopping")


def machine_busy_percent(seconds: float = 2.0) -> float:
    """How busy the machine is before we start: other work skews every figure."""
    before = burst_client.machine_busy_seconds()
    time.sleep(seconds)
    return 100 * (burst_client.machine_busy_seconds() - before) / (seconds * os.cpu_count())


@contextlib.contextmanager
def shielded():
    """Let clean-up (itself bounded by timeouts) finish before the time limit strikes."""
    remaining = signal.alarm(0)
    try:
        yield
    finally:
        if remaining:
            signal.alarm(remaining)


def base_env() -> dict[str, str]:
    """The caller's environment without settings that would change what is measured."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith("EVENTHUB_") and k not in ("DATABASE_URL", "SECRET_KEY")}


def eventhub_env(db_url: str, port: int) -> dict[str, str]:
    return {
        **base_env(),
        "DATABASE_URL": db_url,
        "EVENTHUB_ENV": "production",
        "EVENTHUB_SECRET_KEY": secrets.token_urlsafe(36),  # 48 characters
        "EVENTHUB_BASE_URL": f"http://127.0.0.1:{port}",
        "EVENTHUB_MAIL_DISPATCH": "none",  # the POST only queues; delivery is elsewhere
        "EVENTHUB_RATELIMIT_ENABLED": "0",  # all the load comes from one address
    }


def run_client(server: burst_servers.Server, args: argparse.Namespace, tag: str,
               deadline: float) -> dict:
    argv = [sys.executable, str(BENCH_DIR / "burst_client.py"), "--port", str(server.port),
            "--slug", burst_db.EVENT_SLUG, "--count", str(args.registrations),
            "--clients", str(args.clients), "--min-fill", str(MIN_FILL_SECONDS), "--tag", tag,
            "--server-pid", str(server.process.pid)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False,
                          timeout=max(1.0, deadline - time.monotonic()))
    if done.returncode != 0:
        raise RuntimeError(f"load client failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def measure(name: str, argv: list[str], port: int, env: dict[str, str], log: Path,
            args: argparse.Namespace, deadline: float) -> dict:
    """Start one server, run the client against it, stop the server whatever happens."""
    print(f"-- {name}: starting gunicorn on 127.0.0.1:{port}", flush=True)
    server = burst_servers.start(name, argv, port, env, log)
    try:
        burst_servers.wait_ready(server, FORM_PATH)
        print(f"-- {name}: {args.registrations} forms, then {args.registrations} POSTs "
              f"from {args.clients} clients", flush=True)
        result = run_client(server, args, f"{name}-{secrets.token_hex(3)}", deadline)
    finally:
        with shielded():
            burst_servers.stop(server)
    log_text = server.log_tail(10)
    result["server_log_tail"] = log_text if "Traceback" in log_text else ""
    return result


def run_eventhub(db_url: str, settings: burst_servers.Settings, args: argparse.Namespace,
                 workdir: Path, deadline: float) -> dict:
    port = burst_servers.free_port()
    env = eventhub_env(db_url, port)
    extra = []
    if args.profile or args.lock_timing or stand_in(args):
        extra = ["--config", str(BENCH_DIR / "burst_gunicorn_hooks.py")]
    if args.without_database:
        env["BENCH_WITHOUT_DATABASE"] = "1"
    if args.plain_insert:
        env["BENCH_PLAIN_INSERT"] = "1"
    if args.profile:
        env["BENCH_CPROFILE_DIR"] = str(workdir)
    if args.lock_timing:
        env["BENCH_LOCK_DIR"] = str(workdir)
    argv = burst_servers.command(settings, port, args.app_root, "wsgi:app",
                           workdir / "eventhub.log", extra)
    return measure("eventhub", argv, port, env, workdir / "eventhub.log", args, deadline)


def run_minimal(settings: burst_servers.Settings, args: argparse.Namespace, workdir: Path,
                deadline: float) -> dict:
    port = burst_servers.free_port()
    argv = burst_servers.command(settings, port, BENCH_DIR, "minimal_app:app",
                           workdir / "minimal.log")
    return measure("minimal", argv, port, base_env(), workdir / "minimal.log", args, deadline)


def app_version(root: Path) -> str:
    """The commit of a checkout (with "+changes" if the tree differs), or just the path."""
    def git(*argv: str) -> str:
        done = subprocess.run(["git", "-C", str(root), *argv], capture_output=True,
                              text=True, check=False, timeout=30)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit or Path(git("rev-parse", "--show-toplevel")) != root.resolve():
        return str(root)
    return f"{root} at {commit}" + (" +changes" if git("status", "--porcelain",
                                                       "--untracked-files=no") else "")


def stand_in(args: argparse.Namespace) -> str | None:
    """What stands in for the registration in a diagnosis that replaces it."""
    if args.without_database:
        return "--without-database registers nobody"
    if args.plain_insert:
        return "--plain-insert gives no places"
    return None


def run(args: argparse.Namespace, workdir: Path, deadline: float) -> dict:
    settings = burst_servers.Settings(args.workers, args.worker_class, args.threads)
    db_name = f"eventhub_bench_{secrets.token_hex(4)}"
    capacity = args.registrations // 2
    figures = {"app": app_version(args.app_root), "settings": settings.describe(),
               "clients": args.clients,
               "registrations": args.registrations, "capacity": capacity,
               "loadavg_before": os.getloadavg(), "busy_before": machine_busy_percent(),
               "stand_in": stand_in(args)}
    print(f"-- database {db_name}: migrating, event with capacity {capacity}", flush=True)
    db_url = burst_db.create(db_name)
    try:
        event_id = burst_db.migrate_and_seed(db_url, capacity, args.app_root)
        figures["eventhub"] = run_eventhub(db_url, settings, args, workdir, deadline)
        figures["check"] = None if figures["stand_in"] else \
            burst_db.check(db_url, event_id, figures["eventhub"]["post"]["ok"])
    finally:
        with shielded():
            burst_db.drop(db_name)
        print(f"-- database {db_name} dropped", flush=True)
    if args.profile or args.lock_timing:
        print("-- instrumented run: the minimal app is skipped, the figures are slower "
              "than a plain run", flush=True)
    else:
        figures["minimal"] = run_minimal(settings, args, workdir, deadline)
    return figures


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.signal(signal.SIGTERM, _on_term)
    signal.alarm(args.time_limit)
    deadline = time.monotonic() + args.time_limit - 30  # leaves time to clean up
    rounds = []
    try:
        with tempfile.TemporaryDirectory(prefix="eventhub-bench-") as tmp:
            for number in range(1, args.rounds + 1):
                if args.rounds > 1:
                    print(f"== round {number} of {args.rounds}", flush=True)
                workdir = Path(tmp) / f"round-{number}"
                workdir.mkdir()
                figures = run(args, workdir, deadline)
                if args.profile:
                    burst_report.print_profile(workdir, args.profile)
                if args.lock_timing:
                    figures["locks"] = burst_report.lock_figures(
                        workdir, figures["eventhub"]["post"]["ok"])
                rounds.append(figures)
    except (TimeLimit, Stopped, subprocess.TimeoutExpired) as exc:
        print(f"stopped before the end (servers stopped, database dropped): {exc}",
              file=sys.stderr)
        return 2
    finally:
        signal.alarm(0)
    for number, figures in enumerate(rounds, start=1):
        if len(rounds) > 1:
            print(f"\n== round {number} of {len(rounds)}")
        burst_report.print_figures(figures)
    if len(rounds) > 1:
        burst_report.print_summary(rounds)
    if args.json:
        burst_report.write_json(rounds, args.json)
    return 1 if any(burst_report.failures(figures) for figures in rounds) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
