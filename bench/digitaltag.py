"""Digitaltag run: N people register for one event through the real form while the app's
mail senders deliver every confirmation e-mail to a real MTA on 127.0.0.1.

One run, everything on this machine:

1. a private Postfix (``mta.py``: Debian's package, its own configuration, queue and port,
   a ``discard`` transport) and a fresh PostgreSQL database with one published event
   (double opt-in, places for half the people: the rest go through the waiting list);
2. eventhub (``wsgi:app``) under gunicorn in production mode with its default mail
   dispatch (a sender thread in each web worker, woken when a registration commits), or
   with ``--senders K``: the web workers only queue, K ``flask eventhub send-mail --loop
   --threads T`` processes deliver (``--sender-threads``, default 2);
3. the load client (``burst_client.py --arrivals``): people keep arriving, each fetches the
   form (GET), fills it in for the form's minimum time and sends it (POST); ``--clients``
   connections serve them, a filled-in form first. It reads only the form's hidden values;
4. we wait until every e-mail has an outcome, then read the peak memory (VmHWM) of every
   web worker and sender, stop everything and judge from outside: registrations and
   places (plain SQL), the outbox's outcomes and times (``sent_at`` is written right after
   Postfix accepted the message), and Postfix's log, which names every message it took in
   by its Message-ID (duplicates: seen twice; lost: never seen);
5. the same client, for ``--baseline-people``, against the minimal app (``minimal_app.py``:
   the same two requests, no database, templates or mail) under the same gunicorn: the
   ratio of complete registrations per second.

```sh
.venv/bin/python bench/digitaltag.py                      # 100,000 people, about 10 minutes
.venv/bin/python bench/digitaltag.py --people 5000        # a quick run
.venv/bin/python bench/digitaltag.py --senders 2          # two sender processes instead
.venv/bin/python bench/digitaltag.py --app-url-port 6432  # the app through PgBouncer
```

Exit status 1 on errors, overbooking, lost, failed or duplicated e-mails or inconsistent
data, 2 if stopped early (time limit, Ctrl-C, SIGTERM); the targets (everything within
five minutes, ratio >= 0.3, p99 < 250 ms, workers < 150 MB) are printed, not enforced.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import burst_client
import burst_db
import burst_servers
import mta
import psycopg
from registration_burst import (
    FORM_PATH,
    MIN_FILL_SECONDS,
    Stopped,
    TimeLimit,
    _on_alarm,
    _on_term,
    eventhub_env,
    machine_busy_percent,
    shielded,
)

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
TARGET_SECONDS = 300.0
TARGET_RATIO = 0.3
TARGET_P99_MS = 250.0
TARGET_WORKER_MB = 150.0
POLL_SECONDS = 0.5


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--baseline-people", type=int, default=None,
                        help="people for the minimal app [default: min(people, 20000)]; "
                             "0 skips it")
    parser.add_argument("--clients", type=int, default=32, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=16, help="threads per worker")
    parser.add_argument("--senders", type=int, default=0,
                        help="sender processes; 0: the web workers' own sender threads")
    parser.add_argument("--sender-threads", type=int, default=2,
                        help="senders in each sender process (send-mail --threads)")
    parser.add_argument("--app-url-port", type=int, default=None,
                        help="the app reaches the bench database through this port on "
                             "127.0.0.1 (PgBouncer in transaction mode), with "
                             "EVENTHUB_DATABASE_PGBOUNCER=1")
    parser.add_argument("--mail-wait", type=float, default=900.0,
                        help="seconds to wait for the last e-mails after the last POST")
    parser.add_argument("--time-limit", type=int, default=3600, help="seconds, whole run")
    parser.add_argument("--app-root", type=Path, default=PROJECT_ROOT)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.baseline_people is None:
        args.baseline_people = min(args.people, 20_000)
    return args


# -- processes -----------------------------------------------------------------------------

def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def peak_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def start_senders(count: int, threads: int, env: dict[str, str], app_root: Path,
                  workdir: Path) -> list[subprocess.Popen]:
    return [subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi:app", "eventhub", "send-mail",
         "--loop", "--interval", "1", "--threads", str(threads)],
        cwd=app_root, env=env, stdin=subprocess.DEVNULL,
        stdout=open(workdir / f"sender-{n}.log", "w"), stderr=subprocess.STDOUT,
        start_new_session=True) for n in range(count)]


def stop_senders(senders: list[subprocess.Popen]) -> None:
    for sender in senders:
        if sender.poll() is None:
            sender.send_signal(signal.SIGTERM)
    for sender in senders:
        try:
            sender.wait(10)
        except subprocess.TimeoutExpired:
            sender.kill()
            sender.wait()


def run_client(port: int, server_pid: int, people: int, clients: int, tag: str,
               deadline: float) -> dict:
    argv = [sys.executable, str(BENCH_DIR / "burst_client.py"), "--arrivals",
            "--port", str(port), "--slug", burst_db.EVENT_SLUG, "--count", str(people),
            "--clients", str(clients), "--min-fill", str(MIN_FILL_SECONDS), "--tag", tag,
            "--server-pid", str(server_pid)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False,
                          timeout=max(1.0, deadline - time.monotonic()))
    if done.returncode != 0:
        raise RuntimeError(f"load client failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


# -- the mail --------------------------------------------------------------------------------

def outbox_state(url: str) -> dict:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FILTER (WHERE status = 'sent'), "
            "count(*) FILTER (WHERE status IN ('queued', 'sending')), "
            "count(*) FILTER (WHERE status = 'failed'), count(*), "
            "min(sent_at), max(sent_at) FROM outbox_messages").fetchone()
    names = ("sent", "open", "failed", "total", "first_sent", "last_sent")
    return dict(zip(names, row, strict=True))


def wait_for_mail(url: str, expected: int, wait: float) -> dict:
    """Until every message has an outcome (or ``wait`` seconds have passed)."""
    deadline = time.monotonic() + wait
    while True:
        state = outbox_state(url)
        if (state["total"] >= expected and state["open"] == 0) or time.monotonic() > deadline:
            return state
        time.sleep(POLL_SECONDS)


def mail_figures(url: str, state: dict, received: mta.Received, started_at: float) -> dict:
    with psycopg.connect(url) as conn:
        ours = {row[0] for row in conn.execute("SELECT message_id FROM outbox_messages")}
    seen = set(received.message_ids)
    first = datetime.fromtimestamp(started_at, UTC)
    last_sent = state["last_sent"]
    first_sent = state["first_sent"]
    span = (last_sent - first_sent).total_seconds() if last_sent and first_sent else 0.0
    return {
        "messages": state["total"], "sent": state["sent"], "failed": state["failed"],
        "still_open": state["open"],
        "accepted_by_mta": len(seen & ours), "lost": len(ours - seen),
        "duplicates": received.duplicates, "foreign": len(seen - ours),
        "discarded": received.discarded,
        "last_accepted_after_s": (last_sent - first).total_seconds() if last_sent else None,
        "mails_per_s": state["sent"] / span if span > 0 else 0.0,
    }


# -- one run -------------------------------------------------------------------------------

def run_eventhub(args: argparse.Namespace, workdir: Path, deadline: float) -> dict:
    postfix = mta.Postfix(workdir / "postfix", burst_servers.free_port())
    name = f"eventhub_digitaltag_{uuid.uuid4().hex[:8]}"
    db_url = burst_db.create(name)
    try:
        print(f"-- Postfix on 127.0.0.1:{postfix.port} (discard)", flush=True)
        postfix.start()
        event_id = burst_db.migrate_and_seed(db_url, args.people // 2, args.app_root)
        app_url = db_url
        port = burst_servers.free_port()
        env = {**eventhub_env(db_url, port),
               "EVENTHUB_MAIL_SERVER": "127.0.0.1", "EVENTHUB_MAIL_PORT": str(postfix.port),
               "EVENTHUB_MAIL_DISPATCH": "none" if args.senders else "thread"}
        if args.app_url_port:
            app_url = db_url.replace(":5432/", f":{args.app_url_port}/")
            env.update(DATABASE_URL=app_url, EVENTHUB_DATABASE_PGBOUNCER="1")
        settings = burst_servers.Settings(args.workers, "gthread", args.threads)
        argv = burst_servers.command(settings, port, args.app_root, "wsgi:app",
                                     workdir / "eventhub.log")
        server = burst_servers.start("eventhub", argv, port, env, workdir / "eventhub.log")
        senders: list[subprocess.Popen] = []
        try:
            burst_servers.wait_ready(server, FORM_PATH)
            senders = start_senders(args.senders, args.sender_threads, env, args.app_root,
                                    workdir)
            mta_cpu0 = postfix.cpu_seconds()
            print(f"-- eventhub ({settings.describe()}, "
                  f"{f'{args.senders} sender processes' if args.senders else 'sender threads'}"
                  f"): {args.people} people from {args.clients} connections", flush=True)
            client = run_client(port, server.process.pid, args.people, args.clients,
                                f"dt-{uuid.uuid4().hex[:6]}", deadline)
            print(f"-- registrations done after {client['wall_s']:.0f} s; waiting for the "
                  f"e-mails", flush=True)
            state = wait_for_mail(db_url, client["post"]["ok"],
                                  min(args.mail_wait, max(1.0, deadline - time.monotonic())))
            workers = children(server.process.pid)
            memory = {"workers_mb": [peak_mb(pid) for pid in workers],
                      "senders_mb": [peak_mb(s.pid) for s in senders]}
            ours = {s.pid for s in senders}
            senders_cpu = burst_client.process_cpu(lambda pid, *_: pid in ours)
            mta_cpu = postfix.cpu_seconds() - mta_cpu0
        finally:
            with shielded():
                stop_senders(senders)
                burst_servers.stop(server)
        received = postfix.received()
        check = burst_db.check(db_url, event_id, client["post"]["ok"])
        mail = mail_figures(db_url, state, received, client["started_at"])
        mail["mta_cpu_ms_per_mail"] = 1000 * mta_cpu / max(1, received.discarded)
        mail["sender_cpu_ms_per_mail"] = 1000 * senders_cpu / max(1, state["sent"])
        log_tail = server.log_tail(10)
        return {"client": client, "check": check, "mail": mail, "memory": memory,
                "server_log_tail": log_tail if "Traceback" in log_tail else ""}
    finally:
        with shielded():
            postfix.stop()
            burst_db.drop(name)


def run_minimal(args: argparse.Namespace, workdir: Path, deadline: float) -> dict:
    port = burst_servers.free_port()
    settings = burst_servers.Settings(args.workers, "gthread", args.threads)
    argv = burst_servers.command(settings, port, BENCH_DIR, "minimal_app:app",
                                 workdir / "minimal.log")
    server = burst_servers.start("minimal", argv, port, dict(os.environ),
                                 workdir / "minimal.log")
    try:
        burst_servers.wait_ready(server, FORM_PATH)
        print(f"-- minimal app: {args.baseline_people} people", flush=True)
        return run_client(port, server.process.pid, args.baseline_people, args.clients,
                          "minimal", deadline)
    finally:
        with shielded():
            burst_servers.stop(server)


# -- report ----------------------------------------------------------------------------------

def report(figures: dict) -> list[str]:
    """Print the figures; return what failed (errors, lost mail, wrong data)."""
    eventhub, minimal = figures["eventhub"], figures.get("minimal")
    client, mail, check = eventhub["client"], eventhub["mail"], eventhub["check"]
    ratio = client["complete_per_s"] / minimal["complete_per_s"] \
        if minimal and minimal["complete_per_s"] else None
    print(f"\npeople {figures['people']}, {figures['clients']} connections, "
          f"{figures['settings']}; machine busy before: {figures['busy_before']:.0f} %")
    print(f"{'':24} {'eventhub':>12} {'minimal app':>12}")
    for label, key, fmt in (("complete registrations/s", "complete_per_s", "{:.1f}"),
                            ("wall (s)", "wall_s", "{:.1f}")):
        other = fmt.format(minimal[key]) if minimal else "-"
        print(f"{label:24} {fmt.format(client[key]):>12} {other:>12}")
    for phase in ("get", "post"):
        for q in ("p50_ms", "p99_ms"):
            other = f"{minimal[phase][q]:.1f}" if minimal else "-"
            print(f"{phase.upper() + ' ' + q:24} {client[phase][q]:>12.1f} {other:>12}")
        other = str(minimal[phase]["errors"]) if minimal else "-"
        print(f"{phase.upper() + ' errors':24} {client[phase]['errors']:>12} {other:>12}")
    print(f"ratio to the minimal app: {ratio:.2f}" if ratio else "ratio: - (no baseline)")
    print(f"CPU during the registrations: gunicorn {client['server_cpu_s']:.0f} s, "
          f"PostgreSQL {client['postgres_cpu_s']:.0f} s, load client "
          f"{client['post']['client_cpu_s']:.0f} s, machine {client['machine_busy_s']:.0f} s "
          f"of {client['wall_s'] * (os.cpu_count() or 1):.0f}")
    last = mail["last_accepted_after_s"]
    print(f"e-mails: {mail['sent']} sent of {mail['messages']}, accepted by Postfix "
          f"{mail['accepted_by_mta']}, failed {mail['failed']}, still open "
          f"{mail['still_open']}, lost {mail['lost']}, duplicates {mail['duplicates']}")
    print(f"last e-mail accepted {last:.1f} s after the first request" if last is not None
          else "no e-mail accepted")
    print(f"mails/s (first to last accepted): {mail['mails_per_s']:.1f}; CPU per mail: "
          f"Postfix {mail['mta_cpu_ms_per_mail']:.2f} ms"
          + (f", sender processes {mail['sender_cpu_ms_per_mail']:.2f} ms"
             if eventhub["memory"]["senders_mb"] else ""))
    memory = eventhub["memory"]
    print("peak RSS (MB): web workers " + ", ".join(f"{m:.0f}" for m in memory["workers_mb"])
          + ("; senders " + ", ".join(f"{m:.0f}" for m in memory["senders_mb"])
             if memory["senders_mb"] else ""))
    print(f"data: {check.registrations} registrations, {check.held} places held of "
          f"{check.capacity}, {check.waitlisted} waiting, overbooking {check.overbooking}")
    if eventhub["server_log_tail"]:
        print("server log:\n" + eventhub["server_log_tail"])
    p99 = max(client["get"]["p99_ms"], client["post"]["p99_ms"])
    print("\ntargets:")
    in_time = last is not None and last <= TARGET_SECONDS and not mail["still_open"]
    print(f"  everything within {TARGET_SECONDS:.0f} s: {'met' if in_time else 'MISSED'}"
          + (f" ({last:.0f} s)" if last is not None else ""))
    print(f"  ratio >= {TARGET_RATIO}: {'met' if ratio and ratio >= TARGET_RATIO else 'MISSED'}")
    print(f"  p99 < {TARGET_P99_MS:.0f} ms: {'met' if p99 < TARGET_P99_MS else 'MISSED'} "
          f"({p99:.0f} ms)")
    worst = max(memory["workers_mb"], default=float("nan"))
    print(f"  workers < {TARGET_WORKER_MB:.0f} MB: "
          f"{'met' if worst < TARGET_WORKER_MB else 'MISSED'} ({worst:.0f} MB)")
    failures = list(check.problems)
    errors = client["get"]["errors"] + client["post"]["errors"]
    if errors:
        failures.append(f"{errors} failed requests: {client['post']['error_samples']}")
    for key in ("failed", "still_open", "lost", "duplicates"):
        if mail[key]:
            failures.append(f"e-mails {key.replace('_', ' ')}: {mail[key]}")
    return failures


def _jsonable(figures: dict) -> dict:
    return json.loads(json.dumps(figures, default=lambda o: getattr(o, "__dict__", str(o))))


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.signal(signal.SIGTERM, _on_term)
    signal.alarm(args.time_limit)
    deadline = time.monotonic() + args.time_limit
    figures = {"people": args.people, "clients": args.clients,
               "settings": f"{args.workers} gthread workers x {args.threads} threads, "
                           + (f"{args.senders} sender processes x {args.sender_threads} "
                              "threads" if args.senders
                              else "sender threads in the workers")
                           + (f", through 127.0.0.1:{args.app_url_port}"
                              if args.app_url_port else ""),
               "busy_before": machine_busy_percent(), "date": datetime.now(UTC).isoformat()}
    try:
        with tempfile.TemporaryDirectory(prefix="digitaltag-") as folder:
            workdir = Path(folder)
            os.chmod(workdir, 0o755)  # Postfix's daemons run as ``postfix``
            figures["eventhub"] = run_eventhub(args, workdir, deadline)
            if args.baseline_people:
                figures["minimal"] = run_minimal(args, workdir, deadline)
    except (TimeLimit, Stopped, KeyboardInterrupt) as exc:
        print(f"stopped: {exc or 'interrupted'}", file=sys.stderr)
        return 2
    finally:
        signal.alarm(0)
    failures = report(figures)
    if args.json:
        args.json.write_text(json.dumps(_jsonable(figures), indent=2))
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
