"""The load client of bench/registration_burst.py, run as its own process.

1. Every simulated participant fetches the registration form (GET): we keep the session
   cookie, the CSRF token and the signed ``started`` stamp.
2. We wait until the form's minimum fill time has passed for all of them.
3. The burst: ``--clients`` threads, each with its own keep-alive HTTP connection, send the
   complete registration POSTs as fast as the server answers them. Only this phase is
   the result; the GET phase also warms the workers up.

The session cookie is sent back by hand in a ``Cookie:`` header: in production eventhub
marks it ``Secure``, which a browser-like client would not return over plain http.

With ``--arrivals`` (the Digitaltag run, ``digitaltag.py``) there are no phases: people
keep arriving, each fetches the form, fills it in for the minimum fill time and sends it,
and the ``--clients`` threads serve whoever is next (a filled-in form first, else a new
arrival), as a live announcement would bring them.

Prints one JSON object on stdout: figures for the GETs and the POSTs.
"""
from __future__ import annotations

import argparse
import html
import http.client
import json
import os
import queue
import re
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from heapq import heappop, heappush
from pathlib import Path
from urllib.parse import urlencode

REQUEST_TIMEOUT = 30.0  # seconds per request; a slower answer counts as an error
IDLE_SECONDS = 1.0  # a connection idle longer is opened afresh (gunicorn's keep-alive: 2 s)
HIDDEN = re.compile(r'<input[^>]*\bname="(csrf_token|started)"[^>]*>')
VALUE = re.compile(r'\bvalue="([^"]*)"')
THANKS_SUFFIX = "/anmeldung/danke"


@dataclass
class Participant:
    number: int
    email: str
    cookies: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    latency: float  # seconds
    ok: bool
    detail: str = ""


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--slug", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--min-fill", type=float, default=3.0)
    parser.add_argument("--tag", default="bench", help="makes the e-mail addresses unique")
    parser.add_argument("--server-pid", type=int, default=0,
                        help="gunicorn master: its and its workers' CPU time is reported")
    parser.add_argument("--arrivals", action="store_true",
                        help="no phases: GET, wait, POST per person, all interleaved")
    return parser.parse_args(argv)


def keep_cookies(participant: Participant, set_cookies: list[str]) -> None:
    """A tiny cookie jar: name=value of each Set-Cookie; Max-Age=0 deletes."""
    for header in set_cookies:
        pair, _, attributes = header.partition(";")
        name, _, value = pair.strip().partition("=")
        if "max-age=0" in attributes.lower().replace(" ", ""):
            participant.cookies.pop(name, None)
        else:
            participant.cookies[name] = value


def cookie_header(participant: Participant) -> str:
    return "; ".join(f"{name}={value}" for name, value in participant.cookies.items())


def read_form(participant: Participant, body: str, set_cookies: list[str]) -> None:
    keep_cookies(participant, set_cookies)
    for match in HIDDEN.finditer(body):
        value = VALUE.search(match.group(0))
        participant.fields[match.group(1)] = html.unescape(value.group(1)) if value else ""


def post_body(participant: Participant) -> str:
    return urlencode({
        **participant.fields,
        "first_name": "Erika", "last_name": f"Muster {participant.number}",
        "email": participant.email, "organization_name": "Bench GmbH",
        "organization_size": "1-9", "job_role": "", "region_code": "DE-SN",
        "consent": "y", "website": "",
    })


def fetch_form(conn: http.client.HTTPConnection, path: str, participant: Participant) -> Outcome:
    start = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read().decode("utf-8", "replace")
    latency = time.perf_counter() - start
    if response.status != 200:
        return Outcome(latency, False, f"GET {response.status}")
    read_form(participant, body, response.msg.get_all("Set-Cookie") or [])
    missing = {"csrf_token", "started"} - participant.fields.keys()
    return Outcome(latency, not missing, f"form without {sorted(missing)}" if missing else "")


def send_registration(conn: http.client.HTTPConnection, path: str,
                      participant: Participant) -> Outcome:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if participant.cookies:
        headers["Cookie"] = cookie_header(participant)
    start = time.perf_counter()
    conn.request("POST", path, body=post_body(participant), headers=headers)
    response = conn.getresponse()
    response.read()
    latency = time.perf_counter() - start
    location = response.getheader("Location") or ""
    if response.status == 302 and location.endswith(THANKS_SUFFIX):
        return Outcome(latency, True)
    return Outcome(latency, False, f"POST {response.status} {location}".strip())


def run_phase(port: int, clients: int, participants: list[Participant], action,
              server_pid: int = 0) -> dict:
    """Run ``action(conn, participant)`` for everyone on ``clients`` threads."""
    work: queue.SimpleQueue[Participant] = queue.SimpleQueue()
    for participant in participants:
        work.put(participant)
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    threads = [threading.Thread(target=_worker, args=(port, work, action, outcomes, lock,
                                                      barrier), daemon=True)
               for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()  # every connection is open: start the clock
    cpu0, busy0 = time.process_time(), machine_busy_seconds()
    server0, postgres0 = server_cpu_seconds(server_pid), postgres_cpu_seconds()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    figures = summarize(outcomes, wall, time.process_time() - cpu0)
    figures["machine_busy_s"] = machine_busy_seconds() - busy0
    server1, postgres1 = server_cpu_seconds(server_pid), postgres_cpu_seconds()
    figures["server_cpu_s"] = server1 - server0
    figures["postgres_cpu_s"] = postgres1 - postgres0
    return figures


class Arrivals:
    """Who is next in an ``--arrivals`` run: a form whose fill time has passed, else the
    next person to arrive, else a pause until the next form is filled in."""

    def __init__(self, people: list[Participant], fill_seconds: float) -> None:
        self.arriving = deque(people)
        self.filling: list[tuple[float, int, Participant]] = []  # (ready at, number, p)
        self.fill_seconds = fill_seconds
        self.lock = threading.Lock()

    def next(self) -> tuple[str, Participant | float | None]:
        with self.lock:
            now = time.monotonic()
            if self.filling and self.filling[0][0] <= now:
                return "post", heappop(self.filling)[2]
            if self.arriving:
                return "get", self.arriving.popleft()
            if self.filling:
                return "wait", self.filling[0][0] - now
            return "done", None

    def filled_in_later(self, participant: Participant) -> None:
        with self.lock:
            heappush(self.filling, (time.monotonic() + self.fill_seconds,
                                    participant.number, participant))


def run_arrivals(port: int, clients: int, people: list[Participant], path: str,
                 fill_seconds: float, server_pid: int = 0) -> dict:
    """Everyone through GET, fill time, POST, on ``clients`` threads at once."""
    arrivals = Arrivals(people, fill_seconds)
    gets: list[Outcome] = []
    posts: list[Outcome] = []
    barrier = threading.Barrier(clients + 1)

    def serve() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        conn.connect()
        barrier.wait()
        last_used = time.monotonic()
        while True:
            kind, item = arrivals.next()
            if kind == "done":
                break
            if kind == "wait":
                time.sleep(min(item, 0.05))
                continue
            if time.monotonic() - last_used > IDLE_SECONDS:
                conn.close()  # as a browser would: gunicorn may have closed it (keep-alive)
            start = time.perf_counter()
            try:
                if kind == "get":
                    outcome = fetch_form(conn, path, item)
                    if outcome.ok:
                        arrivals.filled_in_later(item)
                else:
                    outcome = send_registration(conn, path, item)
            except (OSError, http.client.HTTPException) as exc:
                outcome = Outcome(time.perf_counter() - start, False, type(exc).__name__)
                conn.close()  # the next request opens a fresh connection
            (gets if kind == "get" else posts).append(outcome)  # list.append: atomic
            last_used = time.monotonic()
        conn.close()

    threads = [threading.Thread(target=serve, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    cpu0, busy0 = time.process_time(), machine_busy_seconds()
    server0, postgres0 = server_cpu_seconds(server_pid), postgres_cpu_seconds()
    started_at, start = time.time(), time.perf_counter()
    for thread in threads:
        thread.join()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    return {
        "get": summarize(gets, wall, cpu), "post": summarize(posts, wall, cpu),
        "started_at": started_at, "wall_s": wall,
        "complete_per_s": sum(o.ok for o in posts) / wall if wall > 0 else 0.0,
        "machine_busy_s": machine_busy_seconds() - busy0,
        "server_cpu_s": server_cpu_seconds(server_pid) - server0,
        "postgres_cpu_s": postgres_cpu_seconds() - postgres0,
    }


def process_cpu(select) -> float:
    """User+system CPU seconds of the processes for which ``select(pid, ppid, name, uid)``
    is true (Linux /proc; a process that ends meanwhile is left out)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
            fields = tail.split()
            if select(int(stat.parent.name), int(fields[1]), head.split("(", 1)[1],
                      stat.parent.stat().st_uid):
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(master: int) -> float:
    """The gunicorn master and its workers."""
    if not master:
        return 0.0
    return process_cpu(lambda pid, ppid, name, uid: master in (pid, ppid))


def postgres_cpu_seconds() -> float:
    """Every PostgreSQL process on the machine (other databases' work included)."""
    return process_cpu(lambda pid, ppid, name, uid: name == "postgres")


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine (all cores: server, PostgreSQL, this client and
    anything else) has spent busy since boot, from /proc/stat; 0 where there is none."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(t) for t in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _worker(port, work, action, outcomes, lock, barrier) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    conn.connect()
    barrier.wait()
    mine = []
    while True:
        try:
            participant = work.get_nowait()
        except queue.Empty:
            break
        start = time.perf_counter()
        try:
            mine.append(action(conn, participant))
        except (OSError, http.client.HTTPException) as exc:
            mine.append(Outcome(time.perf_counter() - start, False, type(exc).__name__))
            conn.close()  # the next request opens a fresh connection
    conn.close()
    with lock:
        outcomes.extend(mine)


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(fraction * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def summarize(outcomes: list[Outcome], wall: float, client_cpu: float) -> dict:
    latencies = sorted(o.latency * 1000 for o in outcomes)
    ok = sum(o.ok for o in outcomes)
    errors = [o.detail for o in outcomes if not o.ok]
    return {
        "requests": len(outcomes), "ok": ok, "errors": len(errors),
        "error_samples": sorted(set(errors))[:5], "wall_s": wall,
        "rps": ok / wall if wall > 0 else 0.0,
        "p50_ms": percentile(latencies, 0.50), "p90_ms": percentile(latencies, 0.90),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": latencies[-1] if latencies else float("nan"),
        "client_cpu_s": client_cpu,
    }


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    path = f"/veranstaltungen/{args.slug}/anmeldung"
    people = [Participant(i, f"bench-{args.tag}-{i}@example.org") for i in range(args.count)]
    if args.arrivals:
        # The form's stamp has whole seconds: a margin, so that no POST comes too early.
        json.dump(run_arrivals(args.port, args.clients, people, path, args.min_fill + 1.0,
                               args.server_pid), sys.stdout)
        return 0
    forms = run_phase(args.port, args.clients, people,
                      lambda conn, p: fetch_form(conn, path, p), args.server_pid)
    ready = [p for p in people if {"csrf_token", "started"} <= p.fields.keys()]
    # The last form was stamped before the GET phase ended; a margin covers clock rounding.
    time.sleep(args.min_fill + 0.5)
    posts = run_phase(args.port, args.clients, ready,
                      lambda conn, p: send_registration(conn, path, p), args.server_pid)
    posts["not_sent"] = len(people) - len(ready)
    json.dump({"get": forms, "post": posts}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
