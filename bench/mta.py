"""A private Postfix for the benches: Debian's package, started with a configuration of
its own in a temporary directory, listening on 127.0.0.1 only, accepting mail for every
address and discarding it after the queue manager has handed it to the ``discard``
transport. Its log (``maillog``) names every accepted message by its Message-ID, so a bench
can count what arrived, what arrived twice and what never did.

The system's Postfix (if any) is not touched: another configuration directory, queue,
data directory and port. Needs root (Postfix starts as root and drops to ``postfix``) and
the ``postfix`` package (``apt-get install postfix``; the bench says so if it is missing).

    .venv/bin/python bench/mta.py DIR [--port 2525]   # runs until Ctrl-C, then stops it
"""
from __future__ import annotations

import argparse
import pwd
import re
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import burst_client

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {root}/spool
data_directory = {root}/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = bench.localhost
mydomain = localhost
myorigin = bench.localhost
mydestination =
relay_domains =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_banner = $myhostname ESMTP
default_transport = discard:bench
relay_transport = discard:bench
local_transport = discard:bench
alias_maps =
alias_database =
biff = no
maillog_file = {root}/maillog
maillog_file_prefixes = {root}
"""

# The daemons a discarding server needs, none chrooted (the queue is ours, not /var/spool).
MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""

MESSAGE_ID = re.compile(r"postfix/cleanup\[\d+\]: \w+: message-id=(<[^>]*>)")
DISCARDED = re.compile(r"postfix/discard\[\d+\]: \w+: .*status=sent")
START_TIMEOUT = 30.0


class MTAError(RuntimeError):
    pass


@dataclass(frozen=True)
class Received:
    message_ids: Counter  # Message-ID -> how often Postfix accepted it
    discarded: int  # handed on by the queue manager (accepted and done)

    @property
    def duplicates(self) -> int:
        return sum(count - 1 for count in self.message_ids.values() if count > 1)


@dataclass
class Postfix:
    root: Path
    port: int

    @property
    def config(self) -> Path:
        return self.root / "conf"

    def _postfix(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["postfix", "-c", str(self.config), *args],
                              capture_output=True, text=True, check=False, timeout=60)

    def start(self) -> None:
        if shutil.which("postfix") is None:
            raise MTAError("Postfix is missing: apt-get install postfix (Debian's package; "
                           "answer 'No configuration', the bench brings its own)")
        self.config.mkdir(parents=True, exist_ok=True)
        (self.root / "spool").mkdir(exist_ok=True)
        (self.root / "data").mkdir(exist_ok=True)
        shutil.chown(self.root / "data", "postfix")
        (self.config / "main.cf").write_text(MAIN_CF.format(root=self.root))
        (self.config / "master.cf").write_text(MASTER_CF.format(port=self.port))
        done = self._postfix("start")
        if done.returncode != 0:
            raise MTAError(f"postfix start failed ({done.returncode}): "
                           f"{done.stderr.strip()} {self.log_tail()}")
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
                    if sock.recv(100).startswith(b"220"):
                        return
            except OSError:
                time.sleep(0.2)
        raise MTAError(f"Postfix did not answer on 127.0.0.1:{self.port}: {self.log_tail()}")

    def stop(self) -> None:
        self._postfix("stop")

    def log_tail(self, lines: int = 5) -> str:
        try:
            text = (self.root / "maillog").read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def received(self) -> Received:
        """What the log says Postfix accepted (cleanup names each message's Message-ID
        once per copy it takes in) and discarded."""
        ids: Counter = Counter()
        discarded = 0
        try:
            with open(self.root / "maillog", errors="replace") as log:
                for line in log:
                    match = MESSAGE_ID.search(line)
                    if match:
                        ids[match.group(1)] += 1
                    elif DISCARDED.search(line):
                        discarded += 1
        except FileNotFoundError:
            pass
        return Received(ids, discarded)

    def cpu_seconds(self) -> float:
        """User+system CPU of the running Postfix processes (the master and the daemons,
        which run as ``postfix``); a daemon that has exited is not counted."""
        uid = pwd.getpwnam("postfix").pw_uid
        return burst_client.process_cpu(
            lambda pid, ppid, name, owner: owner == uid or name == "master")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--port", type=int, default=2525)
    args = parser.parse_args(argv)
    mta = Postfix(args.directory.resolve(), args.port)
    mta.start()
    print(f"Postfix on 127.0.0.1:{args.port}, log {mta.root / 'maillog'}; Ctrl-C stops it")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        mta.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
