"""Registrations from the public form, committed in groups: the fast path's first half.

Every registration goes through ``services.register_all`` (the general path: rules,
places, rows, outbox, under the event's lock). The public form reaches it from here, a
group per call, one transaction per event; on PostgreSQL that call then takes the
pipelined turn (``pipelined``, two round trips) when everyone in the group is new, and
the general path otherwise. Organizers' additions call ``services.register`` directly.

When a Digitaltag is announced, hundreds of people register within seconds, nearly all
for the same event. Each registration has to take its turn on the event's row lock (see
``services.register_all``) and would pay for a COMMIT of its own, so they would queue one
behind the other. Instead, the requests of a process that arrive while a group is being
written wait for it, and the next group carries all of them: one turn on the lock, one
INSERT for the rows and one for the e-mails, one COMMIT (a group commit, as databases do
for their log). Each request still answers only after its own registration is committed,
and learns its own result: a refusal (a field error, registration closed) concerns only
the applicant it belongs to.

The group is written by the first request in the queue, in its own app context and
session, while the others wait; then the next one in the queue writes the next group.
Registrations alone in the queue are written at once, as before.
"""
from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from itertools import groupby, islice

from flask import current_app

from eventhub import timeutil
from eventhub.extensions import db
from eventhub.registration import services

# At most this many registrations in one transaction: the event's lock is held while
# they are written, and the requests in the group wait for the last of them.
GROUP_LIMIT = 64


@dataclass(eq=False)
class _Submission:
    event_id: int
    applicant: services.Applicant
    turn: threading.Condition  # woken when written, or when first in the queue
    done: bool = False
    result: services.Result | BaseException | None = field(default=None, repr=False)


class GroupCommit:
    """The queue of one process (one app): see the module's docstring."""

    def __init__(self, limit: int = GROUP_LIMIT) -> None:
        self.limit = limit
        self._queue: deque[_Submission] = deque()
        self._lock = threading.Lock()

    def submit(self, event_id: int, applicant: services.Applicant) -> bool:
        """Register ``applicant`` and commit; raises what refuses them
        (``RuleViolation``, ``services.RegistrationClosed``) or the fault that stopped it.
        True if a registration was created, False if the address had one already (the
        registration itself belongs to the session that wrote it, maybe another
        thread's, so it is not handed out)."""
        submission = _Submission(event_id, applicant, threading.Condition(self._lock))
        with self._lock:
            self._queue.append(submission)
            while not submission.done and self._queue[0] is not submission:
                submission.turn.wait()
            group = [] if submission.done else list(islice(self._queue, self.limit))
        if group:
            try:
                _write(group)
            finally:
                self._release(group)
        if isinstance(submission.result, BaseException):
            raise submission.result
        return submission.result.created

    def _release(self, group: list[_Submission]) -> None:
        """Wake the group's requests, and the next in the queue: it writes the next group.
        Only them: the others would only go back to waiting."""
        with self._lock:
            for written in group:
                self._queue.popleft()
                if written.result is None:  # only if _write itself was stopped
                    written.result = RuntimeError("the registration was not written")
                written.done = True
                written.turn.notify()
            if self._queue:
                self._queue[0].turn.notify()


def submit(event_id: int, applicant: services.Applicant) -> bool:
    """Register from the public form through this app's group commit.

    The request's session is closed first: a request that waits for its group must not
    hold a pooled connection (one it took to read the event, say), or enough waiting
    requests would leave none for the request that writes the group. What it loaded
    stays readable."""
    db.session.close()
    group_commit = current_app.extensions.get(_EXTENSION)
    if group_commit is None:
        group_commit = current_app.extensions.setdefault(_EXTENSION, GroupCommit())
    return group_commit.submit(event_id, applicant)


_EXTENSION = "eventhub.registration_group_commit"


def _write(group: list[_Submission]) -> None:
    """Write the group: one transaction per event, in order of arrival within each. If a
    transaction fails for another reason than an applicant's (a lost connection, a
    deadlock), it is rolled back and each of its registrations is tried alone, so that
    one fault costs no one else their place."""
    by_event = sorted(group, key=lambda s: s.event_id)  # stable: arrival order kept
    for _, of_event in groupby(by_event, key=lambda s: s.event_id):
        of_event = list(of_event)
        if not _commit(of_event) and len(of_event) > 1:
            for submission in of_event:
                _commit([submission])


def _commit(submissions: list[_Submission]) -> bool:
    try:
        results = services.register_all(submissions[0].event_id,
                                        [s.applicant for s in submissions],
                                        timeutil.utcnow())
        db.session.commit()
    except Exception as exc:  # noqa: BLE001 — handed to the request it belongs to
        db.session.rollback()
        for submission in submissions:
            submission.result = exc
        return False
    for submission, result in zip(submissions, results, strict=True):
        submission.result = result
    return True
