"""What registration_burst.py prints: the figures, the targets, the profile."""
from __future__ import annotations

import dataclasses
import json
import os
import pstats
import statistics
from pathlib import Path

import burst_db

TARGET_RATIO = 0.3
TARGET_P99_MS = 250.0


def _errors(result: dict) -> int:
    return result["get"]["errors"] + result["post"]["errors"] + result["post"]["not_sent"]


def ratio(figures: dict) -> float | None:
    if "minimal" not in figures or not figures["minimal"]["post"]["rps"]:
        return None
    return figures["eventhub"]["post"]["rps"] / figures["minimal"]["post"]["rps"]


def _row(label: str, fmt: str, key: str, figures: dict, names: list[str]) -> str:
    cells = [fmt.format(figures[name]["post"][key]) for name in names]
    return f"{label:<22}" + "".join(f"{cell:>12}" for cell in cells)


def _per_request(phase: dict, key: str) -> float:
    """CPU time per request during the burst: ``server_cpu_s`` is gunicorn's (master and
    workers), ``postgres_cpu_s`` all PostgreSQL processes', ``machine_busy_s`` the whole
    machine's (also the client and anything else running)."""
    return 1000 * phase.get(key, 0.0) / phase["requests"] if phase["requests"] else 0.0


def _others_per_request(phase: dict) -> float:
    """Machine CPU not spent by the server, PostgreSQL or the client: other work on the
    machine during the burst. Well above zero means the figures are disturbed."""
    spent = sum(phase.get(k, 0.0) for k in ("server_cpu_s", "postgres_cpu_s", "client_cpu_s"))
    return _per_request({**phase, "others_s": phase.get("machine_busy_s", 0.0) - spent},
                        "others_s")


def _busy_percent(phase: dict) -> float:
    """How much of the machine's cores the burst kept busy (all processes)."""
    cores = os.cpu_count() or 1
    return 100 * phase.get("machine_busy_s", 0.0) / (phase["wall_s"] * cores) \
        if phase.get("wall_s") else 0.0


def ceiling(phase: dict) -> float | None:
    """The requests per second that the burst's CPU time per request allows with every
    core busy: how far from its limit the run was, and what a change of the CPU per
    request can move."""
    per_request = _per_request(phase, "machine_busy_s")
    return 1000 * (os.cpu_count() or 1) / per_request if per_request else None


def print_table(figures: dict) -> None:
    names = [n for n in ("eventhub", "minimal") if n in figures]
    print(f"{'POST burst':<22}" + "".join(f"{n:>12}" for n in names))
    print(_row("requests/s", "{:.1f}", "rps", figures, names))
    print(_row("p50 latency (ms)", "{:.1f}", "p50_ms", figures, names))
    print(_row("p90 latency (ms)", "{:.1f}", "p90_ms", figures, names))
    print(_row("p99 latency (ms)", "{:.1f}", "p99_ms", figures, names))
    print(_row("max latency (ms)", "{:.1f}", "max_ms", figures, names))
    print(f"{'errors':<22}" + "".join(f"{_errors(figures[n]):>12}" for n in names))
    print(_row("client CPU (s)", "{:.1f}", "client_cpu_s", figures, names))
    print(f"{'server CPU/req (ms)':<22}" + "".join(
        f"{_per_request(figures[n]['post'], 'server_cpu_s'):>12.1f}" for n in names))
    print(f"{'PostgreSQL CPU/req (ms)':<22}" + "".join(
        f"{_per_request(figures[n]['post'], 'postgres_cpu_s'):>12.1f}" for n in names))
    print(f"{'machine CPU/req (ms)':<22}" + "".join(
        f"{_per_request(figures[n]['post'], 'machine_busy_s'):>12.1f}" for n in names))
    print(f"{'machine busy (%)':<22}"
          + "".join(f"{_busy_percent(figures[n]['post']):>12.0f}" for n in names))
    print(f"{'req/s, all cores busy':<22}"
          + "".join(f"{ceiling(figures[n]['post']) or 0:>12.0f}" for n in names))
    print(f"{'others CPU/req (ms)':<22}"
          + "".join(f"{_others_per_request(figures[n]['post']):>12.1f}" for n in names))
    print(f"{'form GETs/s (warm-up)':<22}"
          + "".join(f"{figures[n]['get']['rps']:>12.1f}" for n in names))
    print(f"{'server CPU/GET (ms)':<22}" + "".join(
        f"{_per_request(figures[n]['get'], 'server_cpu_s'):>12.1f}" for n in names))
    for name in names:
        for sample in figures[name]["get"]["error_samples"] + \
                figures[name]["post"]["error_samples"]:
            print(f"  {name} error: {sample}")
        if figures[name].get("server_log_tail"):
            print(f"  {name} server log:\n{figures[name]['server_log_tail']}")


def print_check(check: burst_db.Check) -> None:
    print(f"registrations stored:  {check.registrations} "
          f"(successful POSTs: {check.expected})")
    print(f"places held:           {check.held} of {check.capacity} "
          f"(overbooking: {check.overbooking})")
    print(f"waitlist:              {check.waitlisted}, numbers "
          f"{'with gaps' if check.waitlist_gaps else '1..n without gaps'}")
    print(f"outbox messages:       {check.outbox_messages} "
          f"({check.registrations_without_one_message} registrations without exactly one)")
    for problem in check.problems:
        print(f"  PROBLEM: {problem}")


def _target_line(ratio_value: float | None, p99_ms: float, errors: int,
                 overbooking: int | None) -> str:
    checks = [
        ("ratio >= 0.3", ratio_value is not None and ratio_value >= TARGET_RATIO),
        ("p99 < 250 ms", p99_ms < TARGET_P99_MS),
        ("zero errors", errors == 0),
    ]
    if overbooking is not None:
        checks.append(("zero overbooking", overbooking == 0))
    return ", ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in checks)


def print_targets(figures: dict) -> None:
    check = figures["check"]
    print("targets:  " + _target_line(ratio(figures), figures["eventhub"]["post"]["p99_ms"],
                                      _errors(figures["eventhub"]),
                                      check.overbooking if check is not None else None))


def summary(rounds: list[dict]) -> dict:
    """The medians of several rounds (the ratio's median is that of the rounds' ratios,
    each measured against the minimal app of the same round); errors and overbooking
    are added up: one is one too many."""
    posts = {name: [r[name]["post"] for r in rounds] for name in ("eventhub", "minimal")}
    ratios = [ratio(r) for r in rounds]
    checks = [r["check"] for r in rounds if r["check"] is not None]
    ceilings = [(ceiling(r["eventhub"]["post"]) or 0) / r["minimal"]["post"]["rps"]
                for r in rounds if r["minimal"]["post"]["rps"]]
    return {
        "rounds": len(rounds),
        "eventhub_rps": statistics.median(p["rps"] for p in posts["eventhub"]),
        "minimal_rps": statistics.median(p["rps"] for p in posts["minimal"]),
        "ratio": statistics.median(ratios), "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "p99_ms": statistics.median(p["p99_ms"] for p in posts["eventhub"]),
        "busy_percent": statistics.median(_busy_percent(p) for p in posts["eventhub"]),
        "ceiling_ratio": statistics.median(ceilings) if ceilings else 0.0,
        "errors": sum(_errors(r["eventhub"]) for r in rounds),
        "overbooking": sum(c.overbooking for c in checks) if checks else None,
    }


def print_summary(rounds: list[dict]) -> None:
    print(f"\n== {len(rounds)} rounds")
    print(f"{'round':<7}{'eventhub req/s':>16}{'minimal req/s':>15}{'ratio':>8}"
          f"{'p99 ms':>9}{'errors':>8}{'overbooking':>13}")
    for number, figures in enumerate(rounds, start=1):
        check = figures["check"]
        print(f"{number:<7}{figures['eventhub']['post']['rps']:>16.1f}"
              f"{figures['minimal']['post']['rps']:>15.1f}{ratio(figures):>8.2f}"
              f"{figures['eventhub']['post']['p99_ms']:>9.1f}"
              f"{_errors(figures['eventhub']):>8}"
              f"{check.overbooking if check is not None else '-':>13}")
    total = summary(rounds)
    print(f"{'median':<7}{total['eventhub_rps']:>16.1f}{total['minimal_rps']:>15.1f}"
          f"{total['ratio']:>8.2f}{total['p99_ms']:>9.1f}{total['errors']:>8}"
          f"{total['overbooking'] if total['overbooking'] is not None else '-':>13}")
    print(f"ratio eventhub/minimal: median {total['ratio']:.2f} "
          f"(rounds {total['ratio_min']:.2f}-{total['ratio_max']:.2f})")
    print(f"eventhub kept {total['busy_percent']:.0f}% of the cores busy (median); with all "
          f"of them busy its CPU per request would allow a ratio of "
          f"{total['ceiling_ratio']:.2f} (median)")
    print(f"targets (medians of {len(rounds)} rounds):  " + _target_line(
        total["ratio"], total["p99_ms"], total["errors"], total["overbooking"]))


def print_figures(figures: dict) -> None:
    print()
    print(f"app: {figures['app']}")
    print(f"gunicorn: {figures['settings']}; {figures['clients']} clients; "
          f"{figures['registrations']} registrations; capacity {figures['capacity']}; "
          f"load average before: {figures['loadavg_before'][0]:.2f}")
    busy = figures["busy_before"]
    print(f"machine busy before the run: {busy:.0f}% of all cores"
          + ("  -- WARNING: other work is running; the figures are not reliable"
             if busy > 15 else ""))
    print_table(figures)
    value = ratio(figures)
    if value is not None:
        print(f"ratio eventhub/minimal (requests/s): {value:.2f}")
    if figures["check"] is None:
        print(f"data not checked: {figures['stand_in']}")
    else:
        print_check(figures["check"])
    print_targets(figures)
    if "locks" in figures:
        print_locks(figures["locks"])


def failures(figures: dict) -> list[str]:
    """What makes the run fail: errors on either server, or inconsistent data."""
    found = list(figures["check"].problems) if figures["check"] is not None else []
    for name in ("eventhub", "minimal"):
        if name in figures and _errors(figures[name]):
            found.append(f"{name}: {_errors(figures[name])} errors")
    return found


def _json_round(figures: dict) -> dict:
    check = figures["check"]
    return {**figures, "ratio": ratio(figures),
            "check": check and {**dataclasses.asdict(check), "overbooking": check.overbooking,
                                "problems": check.problems}}


def write_json(rounds: list[dict], path: Path) -> None:
    """One round as one object (as before rounds existed); several as their list and
    ``summary``."""
    data = _json_round(rounds[0]) if len(rounds) == 1 else \
        {"rounds": [_json_round(r) for r in rounds], "summary": summary(rounds)}
    path.write_text(json.dumps(data, indent=2))


def print_profile(directory: Path, merged: Path, top: int = 30) -> None:
    files = sorted(directory.glob("worker-*.prof"))
    if not files:
        print("no profile written (did the workers exit cleanly?)")
        return
    stats = pstats.Stats(str(files[0]))
    for extra in files[1:]:
        stats.add(str(extra))
    stats.dump_stats(str(merged))
    stats.strip_dirs()
    print(f"\n== CPU profile of eventhub's POSTs ({len(files)} workers), by cumulative time")
    stats.sort_stats("cumulative").print_stats(top)
    print("== by own time")
    stats.sort_stats("tottime").print_stats(top)


def lock_figures(directory: Path, registrations: int) -> dict:
    """The event lock's turns; a turn writes a group of ``registrations / turns`` on
    average (the group commit)."""
    records = [r for path in sorted(directory.glob("locks-*.json"))
               for r in json.loads(path.read_text())]
    if not records:
        return {"turns": 0}
    holds = sorted(r["hold_ms"] for r in records)
    mean = sum(holds) / len(holds)
    per_turn = registrations / len(records)
    return {
        "turns": len(records), "registrations_per_turn": per_turn, "hold_mean_ms": mean,
        "hold_p50_ms": holds[len(holds) // 2], "hold_p99_ms": holds[int(len(holds) * 0.99)],
        "cpu_in_hold_mean_ms": sum(r["cpu_ms"] for r in records) / len(records),
        "statements_in_hold": sum(r["statements"] for r in records) / len(records),
        "wait_mean_ms": sum(r["wait_ms"] for r in records) / len(records),
        "max_rps_by_lock": 1000 / mean * per_turn if mean else None,
    }


def print_locks(locks: dict) -> None:
    if not locks["turns"]:
        print("event row lock: nothing recorded")
        return
    print(f"event row lock: {locks['turns']} turns, {locks['registrations_per_turn']:.1f} "
          f"registrations per turn on average; held {locks['hold_mean_ms']:.1f} ms per turn "
          f"(p50 {locks['hold_p50_ms']:.1f}, p99 {locks['hold_p99_ms']:.1f}), with "
          f"{locks['statements_in_hold']:.1f} SQL statements (a pipelined batch counts "
          f"as one) and "
          f"{locks['cpu_in_hold_mean_ms']:.1f} ms of the worker's CPU inside; waited "
          f"{locks['wait_mean_ms']:.1f} ms for it on average. One turn at a time allows at "
          f"most {locks['max_rps_by_lock']:.0f} registrations/s.")
