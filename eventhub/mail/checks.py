"""Whether a claimed message is still worth sending when its turn comes.

A message can wait in the outbox: for a retry, or for the lease of a sender that died. A
feature whose messages lose their point at some moment (a reminder "1 hour before" that
would arrive after the start) registers a check for their kind: ``load`` reads what the
check needs for a claimed batch in one go, and the verdict it returns is asked just before
each message is handed to the server. A message it refuses is recorded as ``skipped``,
with the reason, and ``record`` writes the feature's side in the same transaction.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from eventhub.mail.models import OutboxMessage
from eventhub.mail.outcomes import SkipRecorder

log = logging.getLogger(__name__)

# (message, the moment of sending) -> why it is no longer worth sending, or None.
Verdict = Callable[[OutboxMessage, datetime], str | None]
Loader = Callable[[list[OutboxMessage]], Verdict]


@dataclass(frozen=True)
class _Check:
    load: Loader
    record: SkipRecorder


_checks: dict[str, _Check] = {}


def register_send_check(kind: str, load: Loader, record: SkipRecorder) -> None:
    """``load(messages)`` (the claimed messages of ``kind``, read in a session of its own)
    gives the verdict for each of them; ``record(connection, message, reason, now)``
    records a skip on the feature's side, through the outbox's connection."""
    _checks[kind] = _Check(load, record)


class BatchChecks:
    """The checks of one claimed batch, loaded once when the batch is claimed.

    A check that cannot be loaded or judged lets its messages go, as they went before
    the check existed: a late reminder is better than a lost one.
    """

    def __init__(self, batch: list[OutboxMessage]) -> None:
        self._verdicts: dict[str, Verdict] = {}
        for kind, check in _checks.items():
            messages = [m for m in batch if m.kind == kind]
            if not messages:
                continue
            try:
                self._verdicts[kind] = check.load(messages)
            except Exception:
                log.exception("cannot check %d %s message(s) before sending; sent unchecked",
                              len(messages), kind)

    def why_not(self, message: OutboxMessage,
                now: datetime) -> tuple[str, SkipRecorder] | None:
        """The reason not to send ``message`` at ``now`` and how to record it, or None."""
        verdict = self._verdicts.get(message.kind)
        if verdict is None:
            return None
        try:
            reason = verdict(message, now)
        except Exception:
            log.exception("cannot check outbox message %s before sending; sent unchecked",
                          message.id)
            return None
        return (reason, _checks[message.kind].record) if reason else None
