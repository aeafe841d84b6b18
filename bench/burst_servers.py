"""Start and stop gunicorn for the bench: the same settings for every app measured."""
from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

READY_TIMEOUT = 60.0  # seconds for the workers to import the app and answer
STOP_TIMEOUT = 10.0


@dataclass(frozen=True)
class Settings:
    workers: int
    worker_class: str  # sync | gthread | gevent
    threads: int  # gthread only

    def describe(self) -> str:
        if self.worker_class == "gthread":
            return f"{self.workers} gthread workers x {self.threads} threads"
        return f"{self.workers} {self.worker_class} workers"


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def command(settings: Settings, port: int, chdir: Path, app: str, log_path: Path,
            extra: list[str] | None = None) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", app, "--chdir", str(chdir),
        "--bind", f"127.0.0.1:{port}", "--workers", str(settings.workers),
        "--worker-class", settings.worker_class, "--threads", str(settings.threads),
        "--backlog", "2048", "--timeout", "60", "--graceful-timeout", "5",
        "--log-level", "warning", "--error-logfile", str(log_path), *(extra or []),
    ]


def start(name: str, argv: list[str], port: int, env: dict[str, str],
          log_path: Path) -> Server:
    # Its own process group, so that stop() reaches the workers even if the master hangs.
    process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    return Server(name, port, process, log_path)


def wait_ready(server: Server, path: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}:\n"
                               f"{server.log_tail()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            conn.request("GET", path)
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not answer {path} within {READY_TIMEOUT:.0f} s:\n"
                       f"{server.log_tail()}")


def stop(server: Server) -> None:
    """SIGTERM to the master (workers finish their request), then SIGKILL the group."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(server.process.pid, signal.SIGKILL)  # leftovers of the group, if any
    except ProcessLookupError:
        pass
    server.process.wait()
